package strategy_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/strategy"
)

type bare struct{}

func (bare) Setup(context.Context, drivers.Spec) error      { return nil }
func (bare) Totals(context.Context) (drivers.Totals, error) { return drivers.Totals{}, nil }
func (bare) Close() error                                   { return nil }

type limited struct{ *memory.Store }

func (limited) Unsupported(c drivers.Capability) string {
	if c == drivers.CapLockedUpdate {
		return "row locks need transactions: server is not a replica set"
	}
	return ""
}

// putOnly has unconditional writes and nothing else.
type putOnly struct {
	bare
	p drivers.Putter
}

func (s putOnly) Read(ctx context.Context, key int, d *drivers.Doc) error {
	return s.p.Read(ctx, key, d)
}
func (s putOnly) Put(ctx context.Context, w *drivers.Write) error { return s.p.Put(ctx, w) }

// noLeases has leases it cannot grant, and fences it cannot check.
type noLeases struct{ *memory.Store }

func (noLeases) Unsupported(c drivers.Capability) string {
	switch c {
	case drivers.CapLease:
		return "leases are off"
	case drivers.CapReadFenced:
		return "fences are off"
	}
	return ""
}

var hold1ms = delay.Constant(time.Millisecond)

// noHold cannot wait inside its row locks.
type noHold struct{ *memory.Store }

func (noHold) Unsupported(c drivers.Capability) string {
	if c == drivers.CapHold {
		return "row locks run in a server-side script: no hold inside them"
	}
	return ""
}

// noSlots offers operation slots, and its server refuses them.
type noSlots struct{ *memory.Store }

func (noSlots) Unsupported(c drivers.Capability) string {
	if c == drivers.CapOperationScope {
		return "slots are off"
	}
	return ""
}

func TestNewCapabilities(t *testing.T) {
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		store drivers.Store
		strat string
		cfg   strategy.Config
		want  string // "" = ok
	}{
		{"memory optimistic", mem, strategy.Optimistic, strategy.Config{}, ""},
		{"memory lease fenced", mem, strategy.Lease, strategy.Config{Fencing: true}, ""},
		{"memory serializable", mem, strategy.Serializable, strategy.Config{}, `driver "d" does not support serializable transactions`},
		{"bare optimistic", bare{}, strategy.Optimistic, strategy.Config{}, "does not support conditional writes"},
		{"bare pessimistic", bare{}, strategy.Pessimistic, strategy.Config{}, "does not support row locks"},
		{"bare lww", bare{}, strategy.LWW, strategy.Config{}, "does not support unconditional writes"},
		{"unknown", mem, "hopeful", strategy.Config{}, `--strategy: unknown strategy "hopeful" (allowed: optimistic, pessimistic, serializable, lease, lww, check-then-write, hybrid, idempotent)`},
		{"stall prob", mem, strategy.Lease, strategy.Config{Stall: strategy.Stall{Prob: 1.5}}, "--lease-stall: probability must be in [0, 1]"},
		{"limited", limited{mem}, strategy.Pessimistic, strategy.Config{}, "--strategy pessimistic: row locks need transactions: server is not a replica set"},
		{"limited other", limited{mem}, strategy.Optimistic, strategy.Config{}, ""},
		{"limited lease", limited{mem}, strategy.Lease, strategy.Config{Fencing: true}, ""},
		{"bare serializable", bare{}, strategy.Serializable, strategy.Config{}, "does not support serializable transactions"},
		{"bare lease", bare{}, strategy.Lease, strategy.Config{}, "does not support unconditional writes"},
		{"no leases", noLeases{mem}, strategy.Lease, strategy.Config{}, "--strategy lease: leases are off"},
		{"no leases, separate lease store", noLeases{mem}, strategy.Lease, strategy.Config{Leaser: mem}, ""},
		{"separate lease store limited", mem, strategy.Lease, strategy.Config{Leaser: noLeases{mem}}, "leases are off"},
		{"no fences", noLeases{mem}, strategy.Lease, strategy.Config{Fencing: true, Leaser: mem}, "--strategy lease: fences are off"},
		{"put only lease", putOnly{p: mem}, strategy.Lease, strategy.Config{}, `driver "d" does not support leases (use --lease-store)`},
		{"put only lease fenced", putOnly{p: mem}, strategy.Lease, strategy.Config{Leaser: mem, Fencing: true}, `driver "d" does not support fenced writes (use --fencing=false)`},
		{"put only lease unfenced", putOnly{p: mem}, strategy.Lease, strategy.Config{Leaser: mem}, ""},
		{"no fences, fencing off", noLeases{mem}, strategy.Lease, strategy.Config{Leaser: mem}, ""},
		{"check-then-write", mem, strategy.CheckThenWrite, strategy.Config{}, ""},
		{"bare check-then-write", bare{}, strategy.CheckThenWrite, strategy.Config{}, "does not support unconditional writes"},
		{"hold pessimistic", mem, strategy.Pessimistic, strategy.Config{Hold: hold1ms}, ""},
		{"hold refused", noHold{mem}, strategy.Pessimistic, strategy.Config{Hold: hold1ms}, "--strategy pessimistic: row locks run in a server-side script"},
		{"hold refused, no hold", noHold{mem}, strategy.Pessimistic, strategy.Config{}, ""},
		{"hold refused, optimistic waits itself", noHold{mem}, strategy.Optimistic, strategy.Config{Hold: hold1ms}, ""},
		{"operation optimistic", mem, strategy.Optimistic, strategy.Config{Scope: drivers.ScopeOperation}, ""},
		{"operation check-then-write", mem, strategy.CheckThenWrite, strategy.Config{Scope: drivers.ScopeOperation}, ""},
		{"operation lww", putOnly{p: mem}, strategy.LWW, strategy.Config{Scope: drivers.ScopeOperation}, ""},
		{"operation not offered", putOnly{p: mem}, strategy.CheckThenWrite, strategy.Config{Scope: drivers.ScopeOperation}, `driver "d" does not support operation scope (per-writer slot versions)`},
		{"operation refused by limiter", noSlots{mem}, strategy.Optimistic, strategy.Config{Scope: drivers.ScopeOperation}, "--strategy optimistic: slots are off"},
		{"operation pessimistic", mem, strategy.Pessimistic, strategy.Config{Scope: drivers.ScopeOperation}, "--scope operation: strategy pessimistic locks or leases the whole document"},
		{"operation lease", mem, strategy.Lease, strategy.Config{Scope: drivers.ScopeOperation}, "--scope operation: strategy lease locks"},
		{"field-group pessimistic", mem, strategy.Pessimistic, strategy.Config{Scope: drivers.ScopeFieldGroup}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := strategy.New(tt.strat, tt.store, "d", tt.cfg)
			if tt.want == "" {
				if err != nil || s.Name() != tt.strat {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLossExpected(t *testing.T) {
	mem, _ := memory.New(drivers.Options{})
	for _, tt := range []struct {
		strat   string
		fencing bool
		want    bool
	}{
		{strategy.Optimistic, true, false}, {strategy.LWW, true, true},
		{strategy.Lease, true, false}, {strategy.Lease, false, true},
		{strategy.CheckThenWrite, true, true},
	} {
		s, err := strategy.New(tt.strat, mem, "memory", strategy.Config{Fencing: tt.fencing})
		if err != nil {
			t.Fatal(err)
		}
		if s.LossExpected() != tt.want {
			t.Errorf("%s fencing=%v: LossExpected %v", tt.strat, tt.fencing, !tt.want)
		}
	}
}

// TestMerge: a conflict caused by a write to another field group is
// merged at once (MergeNow, no re-read needed); one to our own group is not.
func TestMerge(t *testing.T) {
	ctx := context.Background()
	mem, _ := memory.New(drivers.Options{})
	if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 16}); err != nil {
		t.Fatal(err)
	}
	s, err := strategy.New(strategy.Optimistic, mem, "memory", strategy.Config{Merge: true})
	if err != nil {
		t.Fatal(err)
	}
	// A writer on group 0 whose read goes stale: interpose another
	// writer's commit between its read and its write.
	other := func(group int) {
		var d drivers.Doc
		if err := mem.Read(ctx, 0, &d); err != nil {
			t.Fatal(err)
		}
		if err := mem.CompareAndSwap(ctx, &drivers.Write{Key: 0, Group: group, Expect: d.Version, Payload: make([]byte, 8)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		group    int
		mergeNow bool
	}{{"other group", 1, true}, {"same group", 0, false}} {
		t.Run(tt.name, func(t *testing.T) {
			racer := &racing{Store: mem, before: func() { other(tt.group) }}
			rs, err := strategy.New(strategy.Optimistic, racer, "memory", strategy.Config{Merge: true})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Group: 0, Writer: 1, Payload: make([]byte, 8)}
			op.Reset(0)
			err = rs.Attempt(ctx, op)
			if drivers.KindOf(err) != drivers.VersionMismatch {
				t.Fatalf("first attempt: %v, want a version mismatch", err)
			}
			if op.MergeNow != tt.mergeNow {
				t.Fatalf("MergeNow = %v, want %v", op.MergeNow, tt.mergeNow)
			}
			// The next attempt uses the fresh read and commits.
			if err := s.Attempt(ctx, op); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
		})
	}
}

// racing runs before() once, between the strategy's first read and its
// conditional write.
type racing struct {
	*memory.Store
	before func()
	done   bool
}

func (r *racing) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if !r.done {
		r.done = true
		r.before()
	}
	return r.Store.CompareAndSwap(ctx, w)
}

// TestStallNow: while StallNow is set every lease holder stalls for
// Stall.Duration (1.5 × TTL when 0) in the middle of its attempt; when it
// is clear none does.
func TestStallNow(t *testing.T) {
	for _, tt := range []struct {
		name  string
		on    bool
		stall time.Duration
		want  time.Duration // fake time one attempt took
	}{
		{"off", false, 0, 0},
		{"on", true, 300 * time.Millisecond, 300 * time.Millisecond},
		{"on, default duration", true, 0, 150 * time.Millisecond}, // TTL 100 ms
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			mem, err := memory.New(drivers.Options{Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
				t.Fatal(err)
			}
			var now atomic.Bool
			now.Store(tt.on)
			s, err := strategy.New(strategy.Lease, mem, "memory", strategy.Config{
				Fencing: true, LeaseTTL: 100 * time.Millisecond, Clock: clk,
				Stall: strategy.Stall{Duration: tt.stall}, StallNow: &now,
			})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8), Rand: rand.New(rand.NewPCG(1, 1))}
			defer op.Close()
			op.Reset(0)
			start := clk.Now()
			err = s.Attempt(ctx, op)
			if got := clk.Now().Sub(start); got != tt.want {
				t.Errorf("attempt took %v, want a stall of %v", got, tt.want)
			}
			// A stall past the TTL: fenced off when another holder took
			// the lease meanwhile; here no one did, so the write commits.
			if err != nil {
				t.Errorf("attempt: %v", err)
			}
		})
	}
}

// slowPut grants every lease and records extensions; its Put takes
// hold of fake time (advancing the clock, which fires the heartbeat's
// timers in this goroutine), switching a stall-holder fault on first
// when on is set: after the holder's stall check, so only the heartbeat
// can notice. failAfter > 0 makes extensions after that many fail.
type slowPut struct {
	*memory.Store
	clk       *clock.Fake
	stallNow  *atomic.Bool
	on        bool
	hold      time.Duration
	failAfter int

	extends []time.Duration // clock offsets from start of each Extend
	ctxErrs []error         // the Extend context's Err at the call
	start   time.Time
}

func (s *slowPut) Acquire(context.Context, int, int64, time.Duration) (int64, error) { return 1, nil }
func (s *slowPut) Release(context.Context, int, int64, int64) error                  { return nil }

func (s *slowPut) Extend(ctx context.Context, _ int, _, fence int64, ttl time.Duration) error {
	s.extends = append(s.extends, s.clk.Now().Sub(s.start))
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	if err := ctx.Err(); err != nil {
		return err // a store honours its ctx
	}
	if fence != 1 || ttl != 20*time.Millisecond {
		return fmt.Errorf("extend fence %d ttl %v, want 1 and 20ms", fence, ttl)
	}
	if s.failAfter > 0 && len(s.extends) > s.failAfter {
		return drivers.ErrLeaseLost
	}
	return nil
}

func (s *slowPut) Put(ctx context.Context, w *drivers.Write) error {
	if s.on {
		s.stallNow.Store(true)
	}
	s.clk.Advance(s.hold)
	return s.Store.Put(ctx, w)
}

// TestHeartbeat: on the injected clock, a holder whose write takes 5
// TTLs is kept alive by its heartbeat at every TTL/2, under the
// attempt's context; a stall-holder fault stops it; a lost lease stops
// it; and after the attempt no timer is left to extend anything. No
// real time passes: the fake clock fires the heartbeat.
func TestHeartbeat(t *testing.T) {
	const ttl = 20 * time.Millisecond
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	for _, tt := range []struct {
		name      string
		on        bool
		failAfter int
		want      []time.Duration
	}{
		{"held", false, 0, ms(10, 20, 30, 40, 50, 60, 70, 80, 90, 100)},
		{"stall-holder fault", true, 0, nil},
		{"lease lost", false, 3, ms(10, 20, 30, 40)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			mem, err := memory.New(drivers.Options{Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
				t.Fatal(err)
			}
			var now atomic.Bool
			st := &slowPut{Store: mem, clk: clk, stallNow: &now, on: tt.on, hold: 5 * ttl, failAfter: tt.failAfter, start: clk.Now()}
			s, err := strategy.New(strategy.Lease, st, "memory", strategy.Config{LeaseTTL: ttl, Leaser: st, StallNow: &now, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8)}
			op.Reset(0)
			if err := s.Attempt(ctx, op); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(st.extends, tt.want) {
				t.Errorf("extensions at %v, want %v", st.extends, tt.want)
			}
			for i, e := range st.ctxErrs {
				if e != nil {
					t.Errorf("extension %d ran under an ended context: %v", i, e)
				}
			}
			// Between attempts, and after Close, nothing extends.
			n := len(st.extends)
			clk.Advance(10 * ttl)
			op.Close()
			clk.Advance(10 * ttl)
			if len(st.extends) != n {
				t.Errorf("%d extensions after the attempt ended", len(st.extends)-n)
			}
		})
	}
}

// TestHeartbeatCellContext: the heartbeat extends under the attempt's
// context, so once the cell's context is cancelled its Extend sees it.
func TestHeartbeatCellContext(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	mem, err := memory.New(drivers.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Setup(context.Background(), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := &cancelPut{slowPut: slowPut{Store: mem, clk: clk, hold: 100 * time.Millisecond, start: clk.Now()}, cancel: cancel}
	s, err := strategy.New(strategy.Lease, st, "memory", strategy.Config{LeaseTTL: 20 * time.Millisecond, Leaser: st, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	op := &strategy.Op{Payload: make([]byte, 8)}
	defer op.Close()
	op.Reset(0)
	_ = s.Attempt(ctx, op) // the Put sees the cancelled context or not; the heartbeat is what is checked
	if len(st.ctxErrs) != 1 || !errors.Is(st.ctxErrs[0], context.Canceled) {
		t.Errorf("extensions' context errors %v, want one, context.Canceled (then the lease counts as lost)", st.ctxErrs)
	}
}

// cancelPut cancels the cell's context before its write takes time.
type cancelPut struct {
	slowPut
	cancel func()
}

func (s *cancelPut) Put(ctx context.Context, w *drivers.Write) error {
	s.cancel()
	return s.slowPut.Put(ctx, w)
}
