package strategy_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/strategy"
)

// scripted is a memory store whose next conflicts conditional writes
// fail, and which counts the locked paths it serves.
type scripted struct {
	*memory.Store
	conflicts atomic.Int32 // CAS calls left to fail
	cas       atomic.Int32
	locked    atomic.Int32 // LockedUpdate calls
	acquired  atomic.Int32 // Acquire calls
	heldOnce  atomic.Bool  // the next Acquire fails with a held lease
}

func (s *scripted) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.cas.Add(1)
	if s.conflicts.Add(-1) >= 0 {
		return drivers.ErrVersionMismatch
	}
	return s.Store.CompareAndSwap(ctx, w)
}

func (s *scripted) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	s.locked.Add(1)
	return s.Store.LockedUpdate(ctx, w)
}

func (s *scripted) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	s.acquired.Add(1)
	if s.heldOnce.CompareAndSwap(true, false) {
		return 0, drivers.ErrLeaseHeld
	}
	return s.Store.Acquire(ctx, key, holder, ttl)
}

func newScripted(t testing.TB, clk drivers.Clock, keys int) *scripted {
	t.Helper()
	mem, err := memory.New(drivers.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Setup(context.Background(), drivers.Spec{Keys: keys, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatal(err)
	}
	s := &scripted{Store: mem}
	s.conflicts.Store(0)
	return s
}

// step is one attempt of a hybrid script: after advancing the clock by
// wait, conflict makes the attempt's conditional write fail, and want
// says whether the attempt must run under the lock.
type step struct {
	wait      time.Duration
	conflict  bool
	escalated bool
}

func TestHybridEscalation(t *testing.T) {
	t.Parallel()
	const win = time.Second
	tests := []struct {
		name     string
		h        strategy.HybridConfig
		steps    []step
		escs     int64
		escTime  time.Duration
		endAfter time.Duration // from the last step to Summary's end
	}{
		{
			name: "two conflicts stay optimistic",
			h:    strategy.HybridConfig{Lock: strategy.HybridRow, After: 3, Window: win},
			steps: []step{{conflict: true}, {wait: 100 * time.Millisecond, conflict: true},
				{wait: 100 * time.Millisecond}, {wait: 100 * time.Millisecond}},
		},
		{
			name: "third conflict within the window escalates, cools after the window",
			h:    strategy.HybridConfig{Lock: strategy.HybridRow, After: 3, Window: win},
			steps: []step{{conflict: true}, {wait: 400 * time.Millisecond, conflict: true},
				{wait: 500 * time.Millisecond, conflict: true},
				{wait: 10 * time.Millisecond, escalated: true},
				{wait: 980 * time.Millisecond, escalated: true},  // 990 ms since escalating
				{wait: 10 * time.Millisecond, escalated: false}}, // 1 s: cooled
			escs: 1, escTime: win,
		},
		{
			name: "conflicts spread over more than the window do not escalate",
			h:    strategy.HybridConfig{Lock: strategy.HybridRow, After: 3, Window: win},
			steps: []step{{conflict: true}, {wait: 600 * time.Millisecond, conflict: true},
				{wait: 600 * time.Millisecond, conflict: true}, // opens a new window
				{wait: 10 * time.Millisecond}},
		},
		{
			name: "after 1 and a shorter cool-down, lease lock",
			h:    strategy.HybridConfig{Lock: strategy.HybridLease, After: 1, Window: win, Cool: 200 * time.Millisecond},
			steps: []step{{conflict: true}, {escalated: true}, {wait: 150 * time.Millisecond, escalated: true},
				{wait: 50 * time.Millisecond}, {wait: time.Millisecond, conflict: true}, {escalated: true}},
			escs: 2, escTime: 200*time.Millisecond + 50*time.Millisecond, endAfter: 50 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Unix(1000, 0))
			st := newScripted(t, clk, 1)
			esc, err := strategy.NewEscalation(1, tt.h)
			if err != nil {
				t.Fatal(err)
			}
			esc.Measure(clk.Now(), time.Time{})
			s, err := strategy.New(strategy.Hybrid, st, "memory", strategy.Config{Clock: clk, Hybrid: tt.h, Escalation: esc})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8)}
			defer op.Close()
			ctx := context.Background()
			commits := int64(0)
			for i, sp := range tt.steps {
				clk.Advance(sp.wait)
				if sp.conflict {
					st.conflicts.Store(1)
				}
				op.Reset(0)
				err := s.Attempt(ctx, op)
				if op.Escalated != sp.escalated {
					t.Fatalf("step %d: escalated = %v, want %v", i, op.Escalated, sp.escalated)
				}
				switch {
				case sp.conflict && drivers.KindOf(err) != drivers.VersionMismatch:
					t.Fatalf("step %d: err = %v, want a version mismatch", i, err)
				case !sp.conflict && err != nil:
					t.Fatalf("step %d: %v", i, err)
				case err == nil:
					commits++
				}
			}
			clk.Advance(tt.endAfter)
			escs, d := esc.Summary(clk.Now())
			if escs != tt.escs || d != tt.escTime {
				t.Errorf("Summary = %d escalations, %v escalated; want %d, %v", escs, d, tt.escs, tt.escTime)
			}
			tot, err := st.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tot.Counter != commits {
				t.Errorf("store counter %d, %d commits", tot.Counter, commits)
			}
		})
	}
}

// TestHybridContention: contention on an escalated key (a second writer
// entering the locked path while one is in it, or a lease found held)
// keeps it escalated until Cool has passed since the last contention.
func TestHybridContention(t *testing.T) {
	t.Parallel()
	for _, lock := range strategy.HybridLocks() {
		t.Run(lock, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Unix(1000, 0))
			st := newScripted(t, clk, 1)
			h := strategy.HybridConfig{Lock: lock, After: 1, Window: time.Second}
			esc, err := strategy.NewEscalation(1, h)
			if err != nil {
				t.Fatal(err)
			}
			block := &blocking{scripted: st, entered: make(chan struct{}), release: make(chan struct{})}
			cfg := strategy.Config{Clock: clk, Hybrid: h, Escalation: esc}
			s0, err := strategy.New(strategy.Hybrid, block, "memory", cfg)
			if err != nil {
				t.Fatal(err)
			}
			s1, err := strategy.New(strategy.Hybrid, st, "memory", cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			op0 := &strategy.Op{Writer: 0, Payload: make([]byte, 8)}
			op1 := &strategy.Op{Writer: 1, Payload: make([]byte, 8)}
			defer op0.Close()
			defer op1.Close()
			st.conflicts.Store(1)
			if err := s1.Attempt(ctx, op1); drivers.KindOf(err) != drivers.VersionMismatch {
				t.Fatalf("first attempt: %v, want a conflict", err)
			}
			// Writer 0 enters the locked path and blocks in it at 0.5 s.
			clk.Advance(500 * time.Millisecond)
			done := make(chan error, 1)
			go func() { done <- s0.Attempt(ctx, op0) }()
			<-block.entered
			// Writer 1 enters it at 0.9 s: contended.
			clk.Advance(400 * time.Millisecond)
			if lock == strategy.HybridLease {
				st.heldOnce.Store(true) // writer 0 holds the lease
				if err := s1.Attempt(ctx, op1); drivers.KindOf(err) != drivers.LeaseHeld || !op1.Escalated {
					t.Fatalf("contended lease attempt: %v (escalated %v), want lease held", err, op1.Escalated)
				}
			} else if err := s1.Attempt(ctx, op1); err != nil || !op1.Escalated {
				t.Fatalf("contended attempt: %v (escalated %v)", err, op1.Escalated)
			}
			close(block.release)
			if err := <-done; err != nil || !op0.Escalated {
				t.Fatalf("blocked attempt: %v (escalated %v)", err, op0.Escalated)
			}
			// 1.8 s after escalating, 0.9 s after the contention: escalated.
			clk.Advance(900 * time.Millisecond)
			if err := s1.Attempt(ctx, op1); err != nil || !op1.Escalated {
				t.Fatalf("attempt 0.9 s after contention: %v (escalated %v), want escalated", err, op1.Escalated)
			}
			// 1 s after the contention: cooled.
			clk.Advance(100 * time.Millisecond)
			if err := s1.Attempt(ctx, op1); err != nil || op1.Escalated {
				t.Fatalf("attempt 1 s after contention: %v (escalated %v), want optimistic", err, op1.Escalated)
			}
			escs, d := esc.Summary(clk.Now())
			if escs != 1 || d != 1900*time.Millisecond {
				t.Errorf("Summary = %d, %v; want 1, 1.9s (escalation to last contention + 1 s)", escs, d)
			}
		})
	}
}

// blocking blocks writer 0's first locked path (LockedUpdate or
// Acquire) until release is closed.
type blocking struct {
	*scripted
	once             sync.Once
	entered, release chan struct{}
}

func (b *blocking) wait() {
	b.once.Do(func() {
		b.entered <- struct{}{}
		<-b.release
	})
}

func (b *blocking) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	b.wait()
	return b.scripted.LockedUpdate(ctx, w)
}

func (b *blocking) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	b.wait()
	return b.scripted.Acquire(ctx, key, holder, ttl)
}

// TestHybridNoLostUpdates: writers hammer one key, escalating and
// cooling as they go; every committed op is in the store (run with
// -race).
func TestHybridNoLostUpdates(t *testing.T) {
	t.Parallel()
	for _, lock := range strategy.HybridLocks() {
		t.Run(lock, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Unix(1000, 0))
			mem, err := memory.New(drivers.Options{Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := mem.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8}); err != nil {
				t.Fatal(err)
			}
			h := strategy.HybridConfig{Lock: lock, After: 2, Window: time.Millisecond, Cool: 50 * time.Microsecond}
			esc, err := strategy.NewEscalation(2, h)
			if err != nil {
				t.Fatal(err)
			}
			// A hold that yields between read and write makes writers
			// interleave there, so that they conflict.
			s, err := strategy.New(strategy.Hybrid, mem, "memory", strategy.Config{Clock: yielding{clk}, Hybrid: h, Escalation: esc,
				LeaseTTL: time.Hour, Hold: delay.Constant(time.Microsecond)})
			if err != nil {
				t.Fatal(err)
			}
			const writers, ops = 8, 300
			var commits, locked atomic.Int64
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					op := &strategy.Op{Writer: int64(w), Payload: make([]byte, 8)}
					defer op.Close()
					for i := range ops {
						op.Reset(i % 2)
						for {
							clk.Advance(time.Microsecond)
							err := s.Attempt(ctx, op)
							if err == nil {
								commits.Add(1)
								if op.Escalated {
									locked.Add(1)
								}
								break
							}
							if drivers.KindOf(err) == drivers.NotConflict {
								t.Error(err)
								return
							}
							runtime.Gosched() // the backoff
						}
					}
				}()
			}
			wg.Wait()
			tot, err := mem.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tot.Counter != commits.Load() || commits.Load() != writers*ops {
				t.Errorf("store counter %d, %d commits of %d ops", tot.Counter, commits.Load(), writers*ops)
			}
			escs, d := esc.Summary(clk.Now())
			t.Logf("%d escalations, %v escalated, %d of %d ops committed under the lock", escs, d, locked.Load(), commits.Load())
		})
	}
}

// yielding is a fake clock whose Sleep yields the processor first.
type yielding struct{ *clock.Fake }

func (y yielding) Sleep(ctx context.Context, d time.Duration) error {
	runtime.Gosched()
	return y.Fake.Sleep(ctx, d)
}

func TestHybridRefusals(t *testing.T) {
	t.Parallel()
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store drivers.Store
		c     strategy.Config
		want  string
	}{
		{"row lock unsupported", limited{mem}, strategy.Config{Hybrid: strategy.HybridConfig{Lock: strategy.HybridRow}}, "--hybrid-lock row: --strategy hybrid: row locks need transactions"},
		{"row lock missing", putCAS{mem}, strategy.Config{Hybrid: strategy.HybridConfig{Lock: strategy.HybridRow}}, `driver "d" does not support row locks (use --hybrid-lock lease)`},
		{"leases off", noLeases{mem}, strategy.Config{}, "--hybrid-lock lease: --strategy hybrid: leases are off"},
		{"leases missing", putCAS{mem}, strategy.Config{}, `does not support leases (use --lease-store or --hybrid-lock row)`},
		{"lease store given", putCAS{mem}, strategy.Config{Leaser: mem}, ""},
		{"no conditional writes", putOnly{p: mem}, strategy.Config{Leaser: mem}, "does not support conditional writes"},
		{"unknown lock", mem, strategy.Config{Hybrid: strategy.HybridConfig{Lock: "mutex"}}, `--hybrid-lock: unknown lock "mutex" (allowed: lease, row)`},
		{"negative after", mem, strategy.Config{Hybrid: strategy.HybridConfig{After: -1}}, "--escalate-after: must be ≥ 1"},
		{"negative window", mem, strategy.Config{Hybrid: strategy.HybridConfig{Window: -time.Second}}, "--escalate-window: must be > 0"},
		{"negative cool", mem, strategy.Config{Hybrid: strategy.HybridConfig{Cool: -time.Second}}, "--deescalate-after: must be ≥ 0"},
		{"operation scope", mem, strategy.Config{Scope: drivers.ScopeOperation}, "--scope operation: strategy hybrid locks or leases the whole document"},
		{"row lock with a hold", mem, strategy.Config{Hybrid: strategy.HybridConfig{Lock: strategy.HybridRow}, Hold: hold1ms}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := strategy.New(strategy.Hybrid, tt.store, "d", tt.c)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == "":
				if s.Name() != strategy.Hybrid || s.LossExpected() {
					t.Errorf("Name %q, LossExpected %v", s.Name(), s.LossExpected())
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

// putCAS has reads and conditional writes only.
type putCAS struct{ m *memory.Store }

func (s putCAS) Setup(ctx context.Context, sp drivers.Spec) error { return s.m.Setup(ctx, sp) }
func (s putCAS) Totals(ctx context.Context) (drivers.Totals, error) {
	return s.m.Totals(ctx)
}
func (s putCAS) Close() error { return nil }
func (s putCAS) Read(ctx context.Context, key int, d *drivers.Doc) error {
	return s.m.Read(ctx, key, d)
}
func (s putCAS) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	return s.m.CompareAndSwap(ctx, w)
}

func TestHybridConfigResolved(t *testing.T) {
	t.Parallel()
	h, err := strategy.HybridConfig{}.Resolved()
	if err != nil {
		t.Fatal(err)
	}
	want := strategy.HybridConfig{Lock: strategy.HybridLease, After: strategy.DefaultEscalateAfter,
		Window: strategy.DefaultEscalateWindow, Cool: strategy.DefaultEscalateWindow}
	if h != want {
		t.Errorf("defaults %+v, want %+v", h, want)
	}
	h, err = strategy.HybridConfig{Lock: strategy.HybridRow, After: 5, Window: time.Minute, Cool: time.Second}.Resolved()
	if err != nil || h.Cool != time.Second || h.Window != time.Minute || h.After != 5 {
		t.Errorf("explicit: %+v, %v", h, err)
	}
	if _, err := strategy.NewEscalation(10, strategy.HybridConfig{Lock: "x"}); err == nil {
		t.Error("NewEscalation accepted lock x")
	}
}
