package postgres

import (
	"net/url"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/redis"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/runner/runnertest"
	"github.com/occbench/occbench/scenarios"
)

// TestConformanceRedisLeases runs the suite on PostgreSQL documents
// guarded by Redis leases (--lease-store redis): the fences Redis grants
// must be honoured by PostgreSQL's fenced reads and writes.
func TestConformanceRedisLeases(t *testing.T) {
	dsn := testenv.DSN(t, testenv.RedisDSN)
	// A database of its own, so the redis package's tests (DB 9), run in
	// parallel with this one, never see these keys.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", testenv.RedisDSN, err)
	}
	u.Path = "/10"
	leaseDSN := u.String()
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		return open(t, o)
	}, drivertest.Writers(8, 100), drivertest.ServerClock(),
		drivertest.Leaser(func(t testing.TB, o drivers.Options) drivers.Leaser {
			o.DSN = leaseDSN
			ls, err := redis.Open(testCtx(t), o)
			if err != nil {
				t.Fatalf("redis lease store: %v", err)
			}
			t.Cleanup(func() { ls.Close() })
			if err := ls.Setup(testCtx(t), drivers.Spec{Keys: 4, FieldGroups: 1}); err != nil {
				t.Fatal(err)
			}
			return ls
		}))
}

// TestLeaseStallFencingRedis is the lease-stall demonstration on real
// servers: PostgreSQL documents, Redis leases with a 100 ms TTL, and 10%
// of holders pausing 150 ms between their read and their write. With
// fencing PostgreSQL rejects the paused holders' stale writes and nothing
// is lost; without it the audit reports lost updates, as expected.
func TestLeaseStallFencingRedis(t *testing.T) {
	dsn := testenv.DSN(t, testenv.RedisDSN)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", testenv.RedisDSN, err)
	}
	u.Path = "/11"
	for _, fencing := range []bool{true, false} {
		t.Run(map[bool]string{true: "fenced", false: "unfenced"}[fencing], func(t *testing.T) {
			st := open(t, drivers.Options{Writers: 4})
			ls, err := redis.Open(testCtx(t), drivers.Options{DSN: u.String(), Writers: 4})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ls.Close() })
			sc := scenarios.Default()
			sc.Name = "stall"
			sc.Driver = "postgres"
			sc.Strategies = []string{"lease"}
			sc.Backoffs = []string{"full-jitter"}
			sc.BackoffBase = scenarios.Duration(time.Millisecond)
			sc.BackoffCap = scenarios.Duration(10 * time.Millisecond)
			sc.LeaseTTL = scenarios.Duration(100 * time.Millisecond)
			sc.LeaseStall = scenarios.Stall{Prob: 0.1, Duration: scenarios.Duration(150 * time.Millisecond)}
			sc.Fencing = fencing
			sc.Writers = []int{4}
			sc.OpsPerWriter = 40
			sc.Duration = 0
			spec := runner.Cells(sc)[0]
			c, err := runner.RunCell(testCtx(t), runner.Config{Scenario: sc, Store: st, DriverName: "postgres", Leaser: ls}, spec, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("fencing=%v: %d committed, %d stale writes rejected; %s", fencing, c.Audit.Expected, c.StaleWritesRejected, c.Audit.Verdict)
			if fencing {
				if c.StaleWritesRejected == 0 || c.Audit.LostUpdates != 0 || !c.Audit.OK {
					t.Errorf("with fencing: want stale writes rejected and no loss, got %d rejected, %s", c.StaleWritesRejected, c.Audit.Verdict)
				}
			} else if c.Audit.LostUpdates <= 0 || !c.Audit.LossExpected {
				t.Errorf("without fencing: want lost updates reported as expected, got %s", c.Audit.Verdict)
			}
		})
	}
}
