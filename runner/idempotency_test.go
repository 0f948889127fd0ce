package runner_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

func idemScenario(writers, ops int, b scenarios.Idempotency) scenarios.Scenario {
	sc := baseScenario()
	sc.Strategies = []string{"idempotent"}
	sc.Backoffs = []string{"constant"}
	sc.BackoffBase = scenarios.Duration(5 * time.Millisecond)
	sc.BackoffCap = sc.BackoffBase
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops
	sc.Think = scenarios.Duration(10 * time.Millisecond) // moves the fake clock
	sc.Keys = 4
	sc.MaxAttempts = 100 // a broken store cannot loop forever
	sc.Idempotency = &b
	return sc
}

func runIdem(t *testing.T, st drivers.Store, clk clock.Clock, sc scenarios.Scenario) results.Cell {
	t.Helper()
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory", Clock: clk}, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Skipped != "" {
		t.Fatalf("skipped: %s", c.Skipped)
	}
	if c.Idempotency == nil {
		t.Fatal("no idempotency results")
	}
	return c
}

// TestIdempotencyExactlyOnce: with duplicates, hash mismatches and
// crashes on the memory store, every key is applied once (Σ counter =
// keys completed = effects applied), duplicates are suppressed, and
// every crash is recovered once stale_after has passed.
func TestIdempotencyExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		writers int
		b       scenarios.Idempotency
		double  bool // the audit must find double applies
	}{
		{"one writer", 1, scenarios.Idempotency{DuplicateRate: 0.3, CrashRate: 0.1, MismatchRate: 0.1, TTL: scenarios.Duration(time.Minute), StaleAfter: scenarios.Duration(100 * time.Millisecond)}, false},
		{"four writers", 4, scenarios.Idempotency{DuplicateRate: 0.3, CrashRate: 0.1, MismatchRate: 0.1, TTL: scenarios.Duration(time.Minute), StaleAfter: scenarios.Duration(100 * time.Millisecond)}, false},
		// A TTL shorter than the redelivery horizon (the last 1,024
		// deliveries, about 5 s here) forgets keys that are redelivered
		// later: they are applied again, and the audit must say so.
		{"short ttl", 2, scenarios.Idempotency{DuplicateRate: 0.5, CrashRate: 0.05, TTL: scenarios.Duration(200 * time.Millisecond), StaleAfter: scenarios.Duration(50 * time.Millisecond)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Unix(0, 0))
			st, err := memory.New(drivers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			c := runIdem(t, st, clk, idemScenario(tt.writers, 2000, tt.b))
			x := c.Idempotency
			if tt.double {
				if c.Audit.OK || x.DoubleApplied <= 0 || x.DoubleApplied != c.Audit.Observed-x.CompletedKeys || !strings.HasPrefix(c.Audit.Verdict, "DOUBLE APPLIED") {
					t.Fatalf("audit %+v, idempotency %+v: want double applies found", c.Audit, x)
				}
				return
			}
			if !c.Audit.OK || x.DoubleApplied != 0 {
				t.Fatalf("audit %+v, idempotency %+v", c.Audit, x)
			}
			if x.Deliveries != int64(tt.writers*2000) {
				t.Errorf("deliveries %d, want %d", x.Deliveries, tt.writers*2000)
			}
			if c.Audit.Observed != x.CompletedKeys || x.Applied != x.CompletedKeys || c.Audit.Expected != x.Applied {
				t.Errorf("Σ counter %d, keys completed %d, applied %d, expected %d: want all equal", c.Audit.Observed, x.CompletedKeys, x.Applied, c.Audit.Expected)
			}
			if x.DuplicatesSuppressed == 0 || x.Crashed == 0 || x.StalePendingRecovered == 0 {
				t.Errorf("suppressed %d, crashed %d, recovered %d: want each > 0", x.DuplicatesSuppressed, x.Crashed, x.StalePendingRecovered)
			}
			if tt.b.MismatchRate > 0 && x.HashMismatch == 0 {
				t.Errorf("no hash mismatch at mismatch_rate %v", tt.b.MismatchRate)
			}
			// Each crash is redelivered once due: the crashes not yet
			// recovered are PENDING at the end, at most the writers' last
			// stale_after of crashes.
			if x.Crashed-x.StalePendingRecovered > x.PendingAtEnd+x.ClaimsLost || x.PendingAtEnd > x.Crashed {
				t.Errorf("crashed %d, recovered %d, pending at end %d", x.Crashed, x.StalePendingRecovered, x.PendingAtEnd)
			}
			if x.RecoveryLatencyMS.Ops != x.StalePendingRecovered || x.RecoveryLatencyMS.P50 < float64(tt.b.StaleAfter.D().Milliseconds()) {
				t.Errorf("recovery latency %+v: want %d recoveries, each after ≥ %v", x.RecoveryLatencyMS, x.StalePendingRecovered, tt.b.StaleAfter)
			}
			if c.Histograms[results.HistIdemRecovery] == "" {
				t.Error("no idem_recovery histogram")
			}
		})
	}
}

// TestIdempotencyEveryCrashRecovered: one writer whose every new
// delivery crashes; each is redelivered once stale_after has passed,
// taken over and applied, so crashes − recoveries are exactly the
// entries PENDING at the end, and every recovery waited > stale_after.
func TestIdempotencyEveryCrashRecovered(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Unix(0, 0))
	st, _ := memory.New(drivers.Options{})
	b := scenarios.Idempotency{CrashRate: 1, TTL: scenarios.Duration(time.Minute), StaleAfter: scenarios.Duration(100 * time.Millisecond)}
	c := runIdem(t, st, clk, idemScenario(1, 500, b))
	x := c.Idempotency
	if !c.Audit.OK {
		t.Fatalf("audit %+v", c.Audit)
	}
	if x.StalePendingRecovered == 0 || x.Applied != x.StalePendingRecovered || x.Crashed-x.StalePendingRecovered != x.PendingAtEnd {
		t.Fatalf("crashed %d, recovered %d, applied %d, pending at end %d: every crash must be recovered and applied once", x.Crashed, x.StalePendingRecovered, x.Applied, x.PendingAtEnd)
	}
	if x.Crashed+x.StalePendingRecovered != x.Deliveries {
		t.Errorf("crashed %d + recovered %d != deliveries %d", x.Crashed, x.StalePendingRecovered, x.Deliveries)
	}
	if x.RecoveryLatencyMS.P50 <= 100 || x.RecoveryLatencyMS.Max > 130 {
		t.Errorf("recovery latency %+v: want just over stale_after (100 ms), within one think time", x.RecoveryLatencyMS)
	}
}

// doubler is a broken idempotency store: it forgets COMPLETED entries
// (Begin answers new) and applies the effect again. The audit must fail.
type doubler struct {
	*memory.Store
	mu      sync.Mutex
	reapply map[int64]bool
}

func (d *doubler) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	if err := d.Store.Begin(ctx, r, c); err != nil {
		return err
	}
	if c.State == drivers.IdemCompleted {
		d.mu.Lock()
		d.reapply[r.Token] = true
		d.mu.Unlock()
		c.State = drivers.IdemNew
	}
	return nil
}

func (d *doubler) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	d.mu.Lock()
	again := d.reapply[r.Token]
	d.mu.Unlock()
	if !again {
		return d.Store.Complete(ctx, r)
	}
	return d.Store.LockedUpdate(ctx, &drivers.Write{Key: r.Doc, Writer: r.Writer, Op: r.Op, Payload: make([]byte, 64)})
}

func TestIdempotencyDoubleApplyFailsAudit(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Unix(0, 0))
	ms, _ := memory.New(drivers.Options{})
	st := &doubler{Store: ms, reapply: map[int64]bool{}}
	b := scenarios.Idempotency{DuplicateRate: 0.3, TTL: scenarios.Duration(time.Minute), StaleAfter: scenarios.Duration(100 * time.Millisecond)}
	c := runIdem(t, st, clk, idemScenario(1, 300, b))
	x := c.Idempotency
	if c.Audit.OK || x.DoubleApplied == 0 || !strings.HasPrefix(c.Audit.Verdict, "DOUBLE APPLIED") {
		t.Fatalf("audit %+v, double applied %d: want a failed audit", c.Audit, x.DoubleApplied)
	}
	if x.DoubleApplied != c.Audit.Observed-x.CompletedKeys {
		t.Errorf("double applied %d, want Σ counter %d − keys %d", x.DoubleApplied, c.Audit.Observed, x.CompletedKeys)
	}
	if got := results.AuditText(&c); !strings.HasPrefix(got, "DOUBLE APPLIED") {
		t.Errorf("audit column %q", got)
	}
}
