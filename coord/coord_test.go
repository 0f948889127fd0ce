package coord

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
)

// memMarks is an in-memory drivers.Coordinator whose clock is a fake
// one, shifted by offset.
type memMarks struct {
	mu     sync.Mutex
	m      map[string]string
	clk    *clock.Fake
	offset time.Duration
}

func newMem(clk *clock.Fake) *memMarks { return &memMarks{m: map[string]string{}, clk: clk} }

func (s *memMarks) Mark(_ context.Context, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = value
	return nil
}

func (s *memMarks) Marks(_ context.Context, prefix string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

func (s *memMarks) ClearMarks(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
	return nil
}

func (s *memMarks) Now(context.Context) (time.Time, error) {
	return s.clk.Now().Add(-s.offset), nil
}

func TestMissing(t *testing.T) {
	for _, tt := range []struct {
		name   string
		m      map[string]string
		prefix string
		want   []int
		miss   []int
	}{
		{"all there", map[string]string{"p/0": "1", "p/1": "1", "p/2": "1"}, "p/", []int{0, 1, 2}, nil},
		{"two missing", map[string]string{"p/1": "1"}, "p/", []int{0, 1, 2}, []int{0, 2}},
		{"seed", map[string]string{"seed/t/3/0": "1"}, "seed/t/3/", []int{0}, nil},
		{"cell 30 is not cell 3", map[string]string{"seed/t/30/0": "1", "start/t/3/10": "1"}, "seed/t/3/", []int{0}, []int{0}},
		{"runner 10 is not runner 1", map[string]string{"start/t/3/10": "1"}, "start/t/3/", []int{1}, []int{1}},
		{"none", map[string]string{}, "p/", []int{0, 1}, []int{0, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Missing(tt.m, tt.prefix, tt.want); !reflect.DeepEqual(got, tt.miss) {
				t.Fatalf("Missing = %v, want %v", got, tt.miss)
			}
		})
	}
}

// TestBarrier runs three runners over one marker store: runner 0 opens
// the run and seeds, everyone meets at the start and end barriers. The
// runners poll on the wall clock (a fake one would let a runner time out
// while the others' goroutines have not run yet); the outcome does not
// depend on timing: the timeout is far beyond what the test takes.
func TestBarrier(t *testing.T) {
	ctx := context.Background()
	store := newMem(clock.NewFake(time.Unix(1e9, 0)))
	c0, err := Open(ctx, store, Options{Index: 0, Runners: 3, Fingerprint: "f", Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := c0
			if i > 0 {
				var err error
				if c, err = Open(ctx, store, Options{Index: i, Runners: 3, Fingerprint: "f", Timeout: time.Hour}); err != nil {
					errs[i] = err
					return
				}
			}
			for cell := range 2 {
				if err := c.Seeded(ctx, cell); err != nil {
					errs[i] = err
					return
				}
				if err := c.Start(ctx, cell); err != nil {
					errs[i] = err
					return
				}
				if err := c.Finished(ctx, cell); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("runner %d: %v", i, err)
		}
	}
	if err := c0.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := store.Marks(ctx, ""); len(m) != 0 {
		t.Fatalf("markers left after Close: %v", m)
	}
}

func TestOpenRefusesAnotherRun(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Unix(1e9, 0))
	store := newMem(clk)
	if _, err := Open(ctx, store, Options{Index: 0, Runners: 2, Fingerprint: "quickstart/2 runners", Clock: clk}); err != nil {
		t.Fatal(err)
	}
	// A runner of another run (other fingerprint) does not join it.
	_, err := Open(ctx, store, Options{Index: 1, Runners: 2, Fingerprint: "quickstart/3 runners", Timeout: time.Second, Clock: clock.NewFake(time.Unix(1e9, 0))})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "runners that did not arrive: 0") {
		t.Fatalf("err = %v, want a timeout naming runner 0", err)
	}
	// A run marker older than the timeout is a run that ended long ago.
	clk.Advance(time.Hour)
	_, err = Open(ctx, store, Options{Index: 1, Runners: 2, Fingerprint: "quickstart/2 runners", Timeout: time.Second, Clock: clock.NewFake(time.Unix(1e9, 0))})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a timeout: the run marker is stale", err)
	}
}

func TestStartAt(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Unix(1e9, 0))
	at := clk.Now().Add(7 * time.Second)
	c, err := Open(ctx, newMem(clk), Options{Index: 0, Runners: 2, StartAt: at, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx, 1); err != nil { // cell 0 was skipped: cell 1 is the first
		t.Fatal(err)
	}
	if !clk.Now().Equal(at) {
		t.Fatalf("started at %v, want --start-at %v", clk.Now(), at)
	}
	// Later cells meet at a barrier: runner 1 never comes.
	c.o.Timeout = time.Second
	if err := c.Start(ctx, 2); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second cell: %v, want a barrier timeout", err)
	}
}

func TestSkew(t *testing.T) {
	for _, tt := range []struct {
		name   string
		offset time.Duration
		refuse bool
	}{
		{"in sync", 0, false},
		{"just inside", 40 * time.Millisecond, false},
		{"ahead", 200 * time.Millisecond, true},
		{"behind", -200 * time.Millisecond, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(1e9, 0))
			store := newMem(clk)
			store.offset = tt.offset // the local clock is offset ahead of the server's
			off, rtt, err := Skew(context.Background(), store, clk)
			if err != nil {
				t.Fatal(err)
			}
			if off != tt.offset || rtt != 0 {
				t.Fatalf("Skew = %v (rtt %v), want %v", off, rtt, tt.offset)
			}
			err = CheckSkew(2, off, rtt, DefaultMaxSkew)
			if (err != nil) != tt.refuse {
				t.Fatalf("CheckSkew: %v, want refusal %v", err, tt.refuse)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "--max-skew: runner 2's clock differs from the store's by") {
				t.Fatalf("CheckSkew: %q does not name the flag and the runner", err)
			}
		})
	}
}
