package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/examples/inventory"
	"github.com/occbench/occbench/scenarios"
)

// initialStock is what every item holds after seeding: enough that no
// run sells out.
const initialStock = 1_000_000

// store is the whole of what a team writes to contention-test its
// repository: an occbench.Store (and Seeder, Locker, Auditor) that calls
// the code that ships. One op reserves one unit.
type store struct {
	repo *inventory.Repo
}

// Seed restocks the cell's items: occbench.Seeder.
func (s store) Seed(ctx context.Context, keys []string) error {
	return s.repo.Restock(ctx, keys, initialStock)
}

// Read is the item's version: occbench.Store.
func (s store) Read(ctx context.Context, key string) (int64, error) {
	it, err := s.repo.Get(ctx, key)
	if errors.Is(err, inventory.ErrNotFound) {
		return 0, fmt.Errorf("%w: %w", occbench.ErrNotFound, err)
	}
	return it.Version, err
}

// CompareAndSwap is Reserve, the conditional UPDATE: occbench.Store.
func (s store) CompareAndSwap(ctx context.Context, key string, version int64, _ occbench.Op) (bool, error) {
	return s.repo.Reserve(ctx, key, version)
}

// LockedApply is Update under the write lock, waiting the scenario's
// hold inside it: occbench.Locker. A lock not had in time is a conflict.
func (s store) LockedApply(ctx context.Context, key string, op occbench.Op) error {
	err := s.repo.Update(ctx, key, func(ctx context.Context, it *inventory.Item) error {
		if err := op.Hold(ctx); err != nil {
			return err
		}
		it.Stock--
		return nil
	})
	if errors.Is(err, inventory.ErrBusy) {
		return fmt.Errorf("%w: %w", occbench.ErrConflict, err)
	}
	return err
}

// Applied is the stock sold: occbench.Auditor.
func (s store) Applied(ctx context.Context, key string) (int64, error) {
	it, err := s.repo.Get(ctx, key)
	if errors.Is(err, inventory.ErrNotFound) {
		return 0, fmt.Errorf("%w: %w", occbench.ErrNotFound, err)
	}
	return initialStock - it.Stock, err
}

func openRepo(t *testing.T) *inventory.Repo {
	t.Helper()
	repo, err := inventory.Open(t.Context(), filepath.Join(t.TempDir(), "inventory.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = repo.Close() })
	return repo
}

// TestReserveUnderContention is the test a team keeps: 8 writers reserve
// from 2 items for half a second, optimistic (Reserve) and pessimistic
// (Update), with a 1 ms hold between each read and its write so that
// stale versions are common. Any lost update fails it.
func TestReserveUnderContention(t *testing.T) {
	sc := scenarios.Default()
	sc.Name = "reserve"
	sc.Writers = []int{8}
	sc.Keys = 2
	sc.Strategies = []string{"optimistic", "pessimistic"}
	sc.Duration = scenarios.Duration(500 * time.Millisecond)
	sc.Hold = delay.Constant(time.Millisecond)

	out := filepath.Join(t.TempDir(), "reserve.json")
	f, err := occbench.Run(t.Context(), sc, store{openRepo(t)}, occbench.WithKeys(func(i int) string { return fmt.Sprintf("sku-%d", i) }), occbench.WithOut(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := occbench.Judge(f).Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cells {
		t.Logf("%s: %d ops, %.0f ops/s, %d conflicts, p99 %.1f ms; audit: %s", c.Strategy, c.Ops, c.ThroughputOpsS, c.Conflicts, c.LatencyMS.P99, c.Audit.Verdict)
		if c.Ops == 0 || c.Audit.Expected != c.Audit.Observed {
			t.Errorf("%s: %d ops, audit %+v: want commits, every one in the store", c.Strategy, c.Ops, c.Audit)
		}
	}
	// The contention was real: stale reads met the version check.
	if c := f.Cells[0]; c.Strategy != "optimistic" || c.Conflicts == 0 {
		t.Errorf("%s: %d conflicts: 8 writers holding 1 ms between read and write met no version check", c.Strategy, c.Conflicts)
	}
	t.Logf("results file: %s (occbench report %s)", out, out)
}

// naive wraps the same repository's UpdateNaive as the conditional
// write: the version check is missing. Before writing, each writer
// waits at a barrier until every writer has read: the interleaving a
// loaded server produces now and then, made certain so that the test's
// verdict is too.
type naive struct {
	store
	meet *barrier
}

func (s naive) CompareAndSwap(ctx context.Context, key string, _ int64, _ occbench.Op) (bool, error) {
	err := s.repo.UpdateNaive(ctx, key, func(ctx context.Context, it *inventory.Item) error {
		if err := s.meet.wait(ctx); err != nil {
			return err
		}
		it.Stock--
		return nil
	})
	return err == nil, err
}

// TestNaiveUpdateLosesUpdates shows the audit catching the bug: 4
// writers make 25 reservations each through UpdateNaive, all four read
// before any writes, so each round of four commits leaves one unit
// sold. Judge must report 75 of the 100 committed updates lost.
func TestNaiveUpdateLosesUpdates(t *testing.T) {
	const writers, ops = 4, 25
	sc := scenarios.Default()
	sc.Name = "reserve-naive"
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops

	f, err := occbench.Run(t.Context(), sc, naive{store{openRepo(t)}, &barrier{n: writers}})
	if err != nil {
		t.Fatal(err)
	}
	v := occbench.Judge(f)
	if !errors.Is(v.Err(), occbench.ErrLostUpdates) {
		t.Fatalf("verdict %v: want lost updates", v.Err())
	}
	c := f.Cells[0]
	if want := int64(writers-1) * ops; c.Ops != writers*ops || v.LostUpdates != want || c.Audit.LostUpdates != want {
		t.Errorf("%d ops, %d lost (audit %q): want %d ops, %d lost", c.Ops, v.LostUpdates, c.Audit.Verdict, writers*ops, want)
	}
	t.Logf("the audit caught it:\n%v", v.Err())
}

// barrier releases its n callers together, every round; a caller whose
// ctx ends leaves with ctx's error.
type barrier struct {
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	if b.release == nil {
		b.release = make(chan struct{})
	}
	ch := b.release
	if b.waiting++; b.waiting == b.n {
		close(ch)
		b.waiting, b.release = 0, nil
	}
	b.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
