package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// TestLeaseStallFencing is the lease-fencing demonstration: holders pause
// past their TTL mid-operation. With fencing the store rejects the stale
// writes and nothing is lost; without it the audit reports lost updates,
// labelled as expected.
func TestLeaseStallFencing(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time lease expiry")
	}
	for _, fencing := range []bool{true, false} {
		t.Run(map[bool]string{true: "fenced", false: "unfenced"}[fencing], func(t *testing.T) {
			st, err := memory.New(drivers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sc := scenarios.Default()
			sc.Name = "stall"
			sc.Driver = "memory"
			sc.Strategies = []string{"lease"}
			sc.Backoffs = []string{"full-jitter"}
			sc.BackoffBase = scenarios.Duration(200 * time.Microsecond)
			sc.BackoffCap = scenarios.Duration(2 * time.Millisecond)
			sc.LeaseTTL = scenarios.Duration(20 * time.Millisecond)
			sc.LeaseStall = scenarios.Stall{Prob: 0.1, Duration: scenarios.Duration(40 * time.Millisecond)}
			sc.Fencing = fencing
			sc.Writers = []int{4}
			sc.OpsPerWriter = 60
			sc.Duration = 0
			spec := runner.Cells(sc)[0]
			c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"}, spec, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if fencing {
				if c.StaleWritesRejected == 0 {
					t.Errorf("no stale writes rejected: stalls past the TTL should have been fenced off")
				}
				if c.Audit.LostUpdates != 0 || !c.Audit.OK || c.Audit.LossExpected {
					t.Errorf("fenced leases lost updates: %s", c.Audit.Verdict)
				}
				if c.ConflictsByKind["stale_fence"] < c.StaleWritesRejected {
					t.Errorf("stale_fence conflicts %d < stale writes rejected %d", c.ConflictsByKind["stale_fence"], c.StaleWritesRejected)
				}
			} else {
				if c.Audit.LostUpdates <= 0 || !c.Audit.LossExpected {
					t.Errorf("unfenced leases with stalls past the TTL: want lost updates reported as expected, got %s", c.Audit.Verdict)
				}
			}
			t.Logf("fencing=%v: ops %d stale rejected %d audit: %s", fencing, c.Ops, c.StaleWritesRejected, c.Audit.Verdict)
		})
	}
}
