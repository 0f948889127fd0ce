package strategy_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/strategy"
)

// traced logs each store call with the fake clock's offset from start,
// and runs the hooks: before(call) before a call reaches the store,
// after(call) after it returned.
type traced struct {
	*memory.Store
	clk    *clock.Fake
	start  time.Time
	log    []string
	before func(call string)
	after  func(call string)
	reads  int
}

func (s *traced) note(call string) {
	s.log = append(s.log, fmt.Sprintf("%s@%v", call, s.clk.Now().Sub(s.start)))
}

func (s *traced) hook(f func(string), call string) {
	if f != nil {
		f(call)
	}
}

func (s *traced) Read(ctx context.Context, key int, d *drivers.Doc) error {
	s.reads++
	call := fmt.Sprintf("read%d", s.reads)
	s.note(call)
	s.hook(s.before, call)
	err := s.Store.Read(ctx, key, d)
	s.hook(s.after, call)
	return err
}

func (s *traced) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	s.note("readfenced")
	return s.Store.ReadFenced(ctx, key, fence, d)
}

func (s *traced) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.note("cas")
	s.hook(s.before, "cas")
	return s.Store.CompareAndSwap(ctx, w)
}

func (s *traced) Put(ctx context.Context, w *drivers.Write) error {
	s.note("put")
	s.hook(s.before, "put")
	return s.Store.Put(ctx, w)
}

func (s *traced) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	s.note("locked")
	if hold := w.Hold; hold != nil {
		w.Hold = func(ctx context.Context) error {
			s.note("hold")
			s.hook(s.before, "hold")
			err := hold(ctx)
			s.note("held")
			return err
		}
		defer func() { w.Hold = hold }()
	}
	return s.Store.LockedUpdate(ctx, w)
}

func newTraced(t testing.TB, spec drivers.Spec) *traced {
	t.Helper()
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Setup(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	return &traced{Store: mem, clk: clock.NewFake(start), start: start}
}

func counter(t testing.TB, s *traced) int64 {
	t.Helper()
	tot, err := s.Totals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tot.Counter
}

// TestHoldWindow: each strategy waits the hold, on the injected clock,
// between its read and its write: inside the store's lock for
// pessimistic, under the lease for lease, before the checking read for
// check-then-write.
func TestHoldWindow(t *testing.T) {
	for _, tt := range []struct {
		strat string
		want  []string
	}{
		{strategy.Optimistic, []string{"read1@0s", "cas@3ms"}},
		{strategy.LWW, []string{"read1@0s", "put@3ms"}},
		{strategy.CheckThenWrite, []string{"read1@0s", "read2@3ms", "put@3ms"}},
		{strategy.Lease, []string{"readfenced@0s", "put@3ms"}},
		{strategy.Pessimistic, []string{"locked@0s", "hold@0s", "held@3ms"}},
	} {
		t.Run(tt.strat, func(t *testing.T) {
			st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
			s, err := strategy.New(tt.strat, st, "memory", strategy.Config{Hold: delay.Constant(3 * time.Millisecond), Clock: st.clk, Fencing: true, LeaseTTL: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Writer: 0, Payload: make([]byte, 8)}
			defer op.Close()
			op.Reset(0)
			if err := s.Attempt(context.Background(), op); err != nil {
				t.Fatalf("attempt: %v", err)
			}
			if !slices.Equal(st.log, tt.want) {
				t.Errorf("calls %v, want %v", st.log, tt.want)
			}
			if op.Held != 3*time.Millisecond {
				t.Errorf("Held = %v, want 3ms", op.Held)
			}
			if got := counter(t, st); got != 1 {
				t.Errorf("counter = %d, want 1", got)
			}
		})
	}
}

// TestHoldZero: no hold waits nothing and gives the store no callback.
func TestHoldZero(t *testing.T) {
	st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	s, err := strategy.New(strategy.Pessimistic, st, "memory", strategy.Config{Clock: st.clk})
	if err != nil {
		t.Fatal(err)
	}
	op := &strategy.Op{Payload: make([]byte, 8)}
	op.Reset(0)
	if err := s.Attempt(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	if want := []string{"locked@0s"}; !slices.Equal(st.log, want) {
		t.Errorf("calls %v, want %v", st.log, want)
	}
}

// TestHoldDistribution: each attempt draws its hold from op.Rand.
func TestHoldDistribution(t *testing.T) {
	dist, err := delay.Parse("exp:2ms")
	if err != nil {
		t.Fatal(err)
	}
	st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	s, err := strategy.New(strategy.Optimistic, st, "memory", strategy.Config{Hold: dist, Clock: st.clk})
	if err != nil {
		t.Fatal(err)
	}
	op := &strategy.Op{Payload: make([]byte, 8), Rand: rand.New(rand.NewPCG(7, 9))}
	ref := rand.New(rand.NewPCG(7, 9))
	var want time.Duration
	for range 5 {
		want += dist.Sample(ref)
		op.Reset(0)
		if err := s.Attempt(context.Background(), op); err != nil {
			t.Fatal(err)
		}
	}
	if op.Held != want || st.clk.Now().Sub(st.start) != want {
		t.Errorf("held %v, clock moved %v; want %v (five draws of the writer's rand)", op.Held, st.clk.Now().Sub(st.start), want)
	}
}

// TestHoldEnded: a hold that ctx ends fails the attempt with ctx's
// error, marked not sent, and writes nothing; a pessimistic hold releases
// the lock.
func TestHoldEnded(t *testing.T) {
	for _, strat := range []string{strategy.Optimistic, strategy.LWW, strategy.CheckThenWrite, strategy.Pessimistic} {
		t.Run(strat, func(t *testing.T) {
			st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st.after = func(call string) {
				if call == "read1" {
					cancel()
				}
			}
			st.before = func(call string) {
				if call == "hold" {
					cancel()
				}
			}
			s, err := strategy.New(strat, st, "memory", strategy.Config{Hold: delay.Constant(time.Second), Clock: st.clk})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8)}
			op.Reset(0)
			err = s.Attempt(ctx, op)
			if !errors.Is(err, context.Canceled) || drivers.MayHaveCommitted(err) {
				t.Fatalf("attempt: %v (may have committed %v), want context.Canceled, not sent", err, drivers.MayHaveCommitted(err))
			}
			if got := counter(t, st); got != 0 {
				t.Errorf("counter = %d after an ended hold, want 0", got)
			}
			st.before, st.after = nil, nil
			op.Reset(0)
			if err := s.Attempt(context.Background(), op); err != nil {
				t.Fatalf("next attempt: %v (lock not released?)", err)
			}
		})
	}
}

// TestCheckThenWrite: the client's check catches a write that lands
// before it, and misses one that lands between it and the Put: that
// update is lost. In field-group and operation scope a write to another
// group or slot passes the check.
func TestCheckThenWrite(t *testing.T) {
	for _, tt := range []struct {
		name       string
		scope      drivers.Scope
		at         string // the traced call before which the other writer commits
		otherGroup int
		wantErr    drivers.ConflictKind
		wantCount  int64
		ok         bool
	}{
		{"before the check", drivers.ScopeDocument, "read2", 0, drivers.VersionMismatch, 1, false},
		{"after the check: lost", drivers.ScopeDocument, "put", 0, drivers.NotConflict, 1, true},
		{"field-group, other group", drivers.ScopeFieldGroup, "read2", 1, drivers.NotConflict, 2, true},
		{"field-group, same group", drivers.ScopeFieldGroup, "read2", 0, drivers.VersionMismatch, 1, false},
		{"operation, other writer", drivers.ScopeOperation, "read2", 0, drivers.NotConflict, 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 16, Slots: 2})
			ctx := context.Background()
			other := func() {
				var d drivers.Doc
				if err := st.Store.Read(ctx, 0, &d); err != nil {
					t.Fatal(err)
				}
				w := &drivers.Write{Key: 0, Group: tt.otherGroup, Writer: 1, Scope: drivers.ScopeDocument, Expect: d.Version, Payload: make([]byte, 8)}
				if tt.scope == drivers.ScopeOperation {
					w.Scope, w.Expect = drivers.ScopeOperation, d.Slots[1]
				}
				if err := st.Store.CompareAndSwap(ctx, w); err != nil {
					t.Fatal(err)
				}
			}
			st.before = func(call string) {
				if call == tt.at {
					other()
				}
			}
			s, err := strategy.New(strategy.CheckThenWrite, st, "memory", strategy.Config{Clock: st.clk, Scope: tt.scope})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Group: 0, Writer: 0, Scope: tt.scope, Payload: make([]byte, 8)}
			op.Reset(0)
			err = s.Attempt(ctx, op)
			if (err == nil) != tt.ok || drivers.KindOf(err) != tt.wantErr {
				t.Fatalf("attempt: %v, want ok %v, conflict %v", err, tt.ok, tt.wantErr)
			}
			if got := counter(t, st); got != tt.wantCount {
				t.Errorf("counter = %d, want %d", got, tt.wantCount)
			}
		})
	}
}

// TestOperationScope: optimistic writers of different slots never
// conflict, whatever the others committed since their read; the
// document's counter still counts every commit.
func TestOperationScope(t *testing.T) {
	st := newTraced(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8, Slots: 3})
	ctx := context.Background()
	s, err := strategy.New(strategy.Optimistic, st, "memory", strategy.Config{Clock: st.clk, Scope: drivers.ScopeOperation})
	if err != nil {
		t.Fatal(err)
	}
	ops := make([]*strategy.Op, 3)
	for w := range ops {
		ops[w] = &strategy.Op{Writer: int64(w), Scope: drivers.ScopeOperation, Payload: make([]byte, 8)}
		ops[w].Reset(0)
	}
	// Every writer's read comes before anyone's write: in document scope
	// two of the three would conflict.
	i := 0
	st.before = func(call string) {
		if call == "cas" && i < 2 {
			i++
			if err := s.Attempt(ctx, ops[i]); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		}
	}
	if err := s.Attempt(ctx, ops[0]); err != nil {
		t.Fatalf("writer 0: %v", err)
	}
	var d drivers.Doc
	if err := st.Store.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != 3 || d.Version != 3 || !slices.Equal(d.Slots, []int64{1, 1, 1}) {
		t.Errorf("doc counter %d version %d slots %v, want 3, 3, [1 1 1]", d.Counter, d.Version, d.Slots)
	}
}

// BenchmarkHoldAttempt: attempts with a hold on the wall clock allocate
// nothing, the pessimistic one's callback included.
func BenchmarkHoldAttempt(b *testing.B) {
	for _, strat := range []string{strategy.Optimistic, strategy.Pessimistic, strategy.CheckThenWrite} {
		b.Run(strat, func(b *testing.B) {
			mem, err := memory.New(drivers.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
				b.Fatal(err)
			}
			s, err := strategy.New(strat, mem, "memory", strategy.Config{Hold: delay.Normal(5*time.Microsecond, time.Microsecond)})
			if err != nil {
				b.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8), Rand: rand.New(rand.NewPCG(1, 1))}
			defer op.Close()
			attempt := func() {
				op.Reset(0)
				if err := s.Attempt(ctx, op); err != nil {
					b.Fatal(err)
				}
			}
			attempt() // makes the callback and the reads' buffers
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				attempt()
			}
			b.StopTimer()
			if a := testing.AllocsPerRun(100, attempt); a != 0 {
				b.Errorf("%v allocations per %s attempt with a hold, want 0", a, strat)
			}
		})
	}
}

// TestHoldWallClock: on the wall clock a hold is waited in full.
func TestHoldWallClock(t *testing.T) {
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []time.Duration{300 * time.Microsecond, 3 * time.Millisecond} {
		s, err := strategy.New(strategy.Pessimistic, mem, "memory", strategy.Config{Hold: delay.Constant(h)})
		if err != nil {
			t.Fatal(err)
		}
		op := &strategy.Op{Payload: make([]byte, 8)}
		op.Reset(0)
		start := time.Now()
		if err := s.Attempt(ctx, op); err != nil {
			t.Fatal(err)
		}
		op.Close()
		if took := time.Since(start); took < h {
			t.Errorf("hold %v: the attempt took %v", h, took)
		}
	}
}
