package occbench_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/occbench/occbench"
	"github.com/occbench/occbench/scenarios"
)

// counters is a team's repository in miniature: one counter per key, with
// a version that every write advances. A real one wraps SQL (see
// examples/inventory).
type counters struct {
	mu   sync.Mutex
	rows map[string]*counter
	// check makes CompareAndSwap compare the version; without it, the
	// write is the bug the audit catches.
	check bool
}

type counter struct{ value, version int64 }

// Seed creates the keys: occbench.Seeder.
func (c *counters) Seed(_ context.Context, keys []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows = map[string]*counter{}
	for _, k := range keys {
		c.rows[k] = &counter{}
	}
	return nil
}

// Read returns the key's version: occbench.Store.
func (c *counters) Read(_ context.Context, key string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[key]
	if !ok {
		return 0, occbench.ErrNotFound
	}
	return r.version, nil
}

// CompareAndSwap adds one to the counter if the version is unchanged:
// occbench.Store.
func (c *counters) CompareAndSwap(_ context.Context, key string, expected int64, _ occbench.Op) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[key]
	if !ok {
		return false, occbench.ErrNotFound
	}
	if c.check && r.version != expected {
		return false, nil
	}
	// Without the check: the value the writer read, plus one.
	r.value, r.version = expected+1, expected+1
	return true, nil
}

// Applied is the counter's value: occbench.Auditor.
func (c *counters) Applied(_ context.Context, key string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[key]
	if !ok {
		return 0, occbench.ErrNotFound
	}
	return r.value, nil
}

// Eight writers make 100 increments each on one counter: every one of
// them is in the store. In ops-per-writer mode the counts are exact.
func Example() {
	sc := scenarios.Default()
	sc.Name = "counter"
	sc.Writers = []int{8}
	sc.OpsPerWriter = 100

	f, err := occbench.Run(context.Background(), sc, &counters{check: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := f.Cells[0]
	fmt.Printf("%s/%s/w%d: %s\n", c.Strategy, c.Backoff, c.Writers, c.Audit.Verdict)
	fmt.Println("verdict:", occbench.Judge(f))
	// Output:
	// optimistic/expo/w8: ok: 800 committed, 800 in the store
	// verdict: ok
}

// Judge's error says what failed; errors.Is tells lost updates from the
// rest. Here the conditional write forgets its version check, and two
// writers in lockstep both read a version before either writes: each
// round, both commit and one increment survives.
func ExampleJudge() {
	sc := scenarios.Default()
	sc.Name = "counter"
	sc.Writers = []int{2}
	sc.OpsPerWriter = 10
	f, err := occbench.Run(context.Background(), sc, &lockstep{counters: &counters{}, n: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = occbench.Judge(f).Err()
	fmt.Println(errors.Is(err, occbench.ErrLostUpdates))
	fmt.Println(err)
	// Output:
	// true
	// occbench: unexpected lost updates:
	// 	cell optimistic/expo/w2: LOST UPDATES: 10 of 20 committed updates are missing from the store; optimistic promises none
}

// lockstep makes its n writers meet before every write, so that all of
// them have read before any writes: the interleaving that loses an
// update, every time.
type lockstep struct {
	*counters
	n       int
	mu      sync.Mutex
	cond    *sync.Cond
	waiting int
	round   int
}

func (l *lockstep) CompareAndSwap(ctx context.Context, key string, expected int64, op occbench.Op) (bool, error) {
	l.mu.Lock()
	if l.cond == nil {
		l.cond = sync.NewCond(&l.mu)
	}
	round := l.round
	if l.waiting++; l.waiting == l.n {
		l.waiting, l.round = 0, l.round+1
		l.cond.Broadcast()
	}
	for round == l.round {
		l.cond.Wait()
	}
	l.mu.Unlock()
	return l.counters.CompareAndSwap(ctx, key, expected, op)
}
