package strategy_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/strategy"
)

func TestIdempotentRefusals(t *testing.T) {
	t.Parallel()
	mem, _ := memory.New(drivers.Options{})
	hold, _ := delay.Parse("1ms")
	for _, tt := range []struct {
		name  string
		store drivers.Store
		cfg   strategy.Config
		want  string
	}{
		{"memory", mem, strategy.Config{}, ""},
		{"no store", bare{}, strategy.Config{}, `driver "d" does not support an idempotency store`},
		{"hold", mem, strategy.Config{Hold: hold}, "--hold: strategy idempotent has no read-modify-write window"},
		{"scope", mem, strategy.Config{Scope: drivers.ScopeFieldGroup}, "--scope field-group: strategy idempotent applies its effect to the whole document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := strategy.New(strategy.Idempotent, tt.store, "d", tt.cfg)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	for _, p := range []strategy.IdemParams{
		{DuplicateRate: -0.1, TTL: time.Minute, StaleAfter: time.Second},
		{CrashRate: 1.1, TTL: time.Minute, StaleAfter: time.Second},
		{TTL: time.Second, StaleAfter: time.Second},
		{TTL: time.Minute},
		{TTL: time.Minute, StaleAfter: time.Second, KeyPrefix: strategy.MaxIdemKeyPrefix + 1},
	} {
		if _, err := strategy.NewIdempotency(p); err == nil {
			t.Errorf("NewIdempotency(%+v): no error", p)
		}
	}
}

// TestIdempotentDeliveries drives one writer's deliveries by hand on the
// memory store: a new key applies, a crash abandons its claim, another
// writer's redelivery within stale_after is in progress (a lease_held
// conflict), the crash's own redelivery after stale_after takes it over
// and applies it, and a redelivery of a completed key is suppressed.
func TestIdempotentDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem, _ := memory.New(drivers.Options{})
	if err := mem.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatal(err)
	}
	const stale = 100 * time.Millisecond
	cell, err := strategy.NewIdempotency(strategy.IdemParams{CrashRate: 1, TTL: time.Minute, StaleAfter: stale})
	if err != nil {
		t.Fatal(err)
	}
	s, err := strategy.New(strategy.Idempotent, mem, "memory", strategy.Config{Idem: cell})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1000, 0).UnixNano()
	op := &strategy.Op{Writer: 0, Rand: rand.New(rand.NewPCG(1, 2)), Payload: make([]byte, 8)}
	deliver := func(id int64, at time.Duration) error {
		op.Reset(1)
		op.ID, op.Now = id, t0+int64(at)
		return s.Attempt(ctx, op)
	}
	// Crash rate 1: the first delivery claims and dies.
	if err := deliver(0, 0); err != nil || op.Idem.Crashed != 1 || op.Idem.Applied != 0 {
		t.Fatalf("first delivery: %v, %+v", err, op.Idem)
	}
	// From now on every delivery is a redelivery of a recent key.
	cell.DuplicateRate, cell.CrashRate = 1, 0
	// Another writer's redelivery of the key within stale_after: in
	// progress, a lease_held conflict the runner retries.
	other := &strategy.Op{Writer: 1, Rand: rand.New(rand.NewPCG(1, 3)), Payload: make([]byte, 8)}
	other.Reset(0)
	other.ID, other.Now = 0, t0+int64(10*time.Millisecond)
	if err := s.Attempt(ctx, other); drivers.KindOf(err) != drivers.LeaseHeld || other.Idem.InProgress != 1 || other.Idem.Duplicates != 1 {
		t.Fatalf("redelivery within stale_after: %v, %+v", err, other.Idem)
	}
	// The crash's own redelivery once stale_after has passed takes the
	// claim over and applies it.
	if err := deliver(1, stale+time.Millisecond); err != nil || op.Idem.StaleRecovered != 1 || op.Idem.Applied != 1 {
		t.Fatalf("redelivery after stale_after: %v, %+v", err, op.Idem)
	}
	if got := op.Idem.Recovery.Max(); got < stale.Microseconds() {
		t.Fatalf("recovery latency %d µs, want ≥ %v", got, stale)
	}
	// The other writer's retry finds the key completed: suppressed.
	other.Now = t0 + int64(2*stale)
	if err := s.Attempt(ctx, other); err != nil || other.Idem.Suppressed != 1 || other.Idem.Deliveries != 1 {
		t.Fatalf("retry of the redelivery: %v, %+v", err, other.Idem)
	}
	tot, _ := mem.Totals(ctx)
	it, _ := mem.IdemTotals(ctx)
	if tot.Counter != 1 || it.Completed != 1 {
		t.Fatalf("Σ counter %d, completed %d: want 1 and 1", tot.Counter, it.Completed)
	}
}
