package strategy_test

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/strategy"
)

// BenchmarkLeaseAttempt: one fenced lease attempt on the memory store,
// heartbeat armed and dropped each time, allocates nothing.
func BenchmarkLeaseAttempt(b *testing.B) {
	mem, err := memory.New(drivers.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		b.Fatal(err)
	}
	s, err := strategy.New(strategy.Lease, mem, "memory", strategy.Config{Fencing: true})
	if err != nil {
		b.Fatal(err)
	}
	op := &strategy.Op{Payload: make([]byte, 8)}
	defer op.Close()
	op.Reset(0)
	if err := s.Attempt(ctx, op); err != nil { // arms the heartbeat's timer
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		op.Reset(0)
		if err := s.Attempt(ctx, op); err != nil {
			b.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(100, func() { op.Reset(0); _ = s.Attempt(ctx, op) }); a != 0 {
		b.Errorf("%v allocations per lease attempt, want 0", a)
	}
}

// BenchmarkHybridAttempt: a hybrid attempt on the memory store, on a
// plain key (a conditional write) and on an escalated one (the row lock,
// or a lease with its heartbeat), allocates nothing.
func BenchmarkHybridAttempt(b *testing.B) {
	for _, tt := range []struct {
		name, lock string
		escalated  bool
	}{{"plain", strategy.HybridLease, false}, {"row", strategy.HybridRow, true}, {"lease", strategy.HybridLease, true}} {
		b.Run(tt.name, func(b *testing.B) {
			st := newScripted(b, nil, 1)
			ctx := context.Background()
			h := strategy.HybridConfig{Lock: tt.lock, After: 1, Window: time.Hour, Cool: time.Hour}
			esc, err := strategy.NewEscalation(1, h)
			if err != nil {
				b.Fatal(err)
			}
			s, err := strategy.New(strategy.Hybrid, st, "memory", strategy.Config{Hybrid: h, Escalation: esc})
			if err != nil {
				b.Fatal(err)
			}
			op := &strategy.Op{Payload: make([]byte, 8)}
			defer op.Close()
			if tt.escalated { // one conflict escalates the key for an hour
				st.conflicts.Store(1)
				op.Reset(0)
				if err := s.Attempt(ctx, op); drivers.KindOf(err) != drivers.VersionMismatch {
					b.Fatalf("scripted conflict: %v", err)
				}
			}
			attempt := func() {
				op.Reset(0)
				if err := s.Attempt(ctx, op); err != nil || op.Escalated != tt.escalated {
					b.Fatalf("attempt: %v, escalated %v", err, op.Escalated)
				}
			}
			attempt() // arms the heartbeat's timer
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				attempt()
			}
			if a := testing.AllocsPerRun(100, attempt); a != 0 {
				b.Errorf("%v allocations per hybrid attempt, want 0", a)
			}
		})
	}
}
