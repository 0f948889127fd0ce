package strategy_test

import (
	"context"
	"testing"

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
