package strategy

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
)

// gate is a fake clock whose Sleep (an attempt's hold) hands the test a
// channel, and returns once the test closes it.
type gate struct {
	*clock.Fake
	entered chan chan struct{}
}

func (g *gate) Sleep(ctx context.Context, d time.Duration) error {
	release := make(chan struct{})
	g.entered <- release
	<-release
	return nil
}

// TestHybridInFlightWrite: a writer read the document optimistically
// before its key escalated and writes after a locked writer read it. Both
// cannot commit: the later write fails on the version, whichever lock
// the key escalated to, and the store counts exactly the commits.
func TestHybridInFlightWrite(t *testing.T) {
	t.Parallel()
	for _, lock := range HybridLocks() {
		t.Run(lock, func(t *testing.T) {
			t.Parallel()
			g := &gate{Fake: clock.NewFake(time.Unix(1000, 0)), entered: make(chan chan struct{})}
			mem, err := memory.New(drivers.Options{Clock: g.Fake})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := mem.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
				t.Fatal(err)
			}
			h := HybridConfig{Lock: lock, After: 2}
			esc, err := NewEscalation(1, h)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Hybrid, mem, "memory", Config{Clock: g, Hybrid: h, Escalation: esc, Hold: delay.Constant(time.Millisecond)})
			if err != nil {
				t.Fatal(err)
			}
			opA := &Op{Writer: 0, Payload: make([]byte, 8)}
			opC := &Op{Writer: 1, Payload: make([]byte, 8)}
			defer opA.Close()
			defer opC.Close()
			errA, errC := make(chan error, 1), make(chan error, 1)
			go func() { errA <- s.Attempt(ctx, opA) }() // optimistic: reads version 0, holds
			releaseA := <-g.entered
			now := g.Now().UnixNano()
			esc.conflict(0, now)
			esc.conflict(0, now)                        // the key escalates
			go func() { errC <- s.Attempt(ctx, opC) }() // locked: reads version 0, holds
			releaseC := <-g.entered
			// A writes first: under a lease it commits before C writes;
			// under the row lock C holds, it waits for C's commit.
			close(releaseA)
			if lock == HybridLease {
				if err := <-errA; err != nil {
					t.Fatalf("A: %v", err)
				}
				errA <- nil
			}
			close(releaseC)
			var commits, conflicts int64
			for _, ch := range []chan error{errA, errC} {
				switch err := <-ch; {
				case err == nil:
					commits++
				case drivers.KindOf(err) == drivers.VersionMismatch:
					conflicts++
				default:
					t.Fatalf("attempt: %v", err)
				}
			}
			if opA.Escalated || !opC.Escalated {
				t.Errorf("escalated: A %v, C %v; want false, true", opA.Escalated, opC.Escalated)
			}
			tot, err := mem.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if commits != 1 || conflicts != 1 || tot.Counter != commits {
				t.Errorf("%d commits, %d conflicts, store counter %d; want 1, 1, 1", commits, conflicts, tot.Counter)
			}
		})
	}
}
