package mongo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// TestNonAtomicAudit measures what FerretDB's non-atomic conditional
// updates cost each strategy that relies on them, and checks that the
// audit reports every lost update: optimistic (version-filtered
// findAndModify) and lease (upserted lease documents and fence-filtered
// updates). Against MongoDB it asserts that nothing is lost. The
// one-writer rows are the control: without concurrency nothing may be
// lost on any server, so a loss with more writers is the server's.
func TestNonAtomicAudit(t *testing.T) {
	probe := open(t, drivers.Options{Writers: 1})
	ferret := probe.Server().FerretDB != ""
	tests := []struct {
		strategy     string
		writers, ops int
		long         bool
	}{
		{"optimistic", 1, 200, false},
		{"optimistic", 8, 200, false},
		{"optimistic", 16, 500, true},
		{"lease", 1, 100, false},
		{"lease", 8, 100, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%dx%d", tt.strategy, tt.writers, tt.ops), func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("long cell")
			}
			st := open(t, drivers.Options{Writers: tt.writers})
			sc := scenarios.Default()
			sc.Name = "nonatomic"
			sc.Strategies = []string{tt.strategy}
			sc.Backoffs = []string{"full-jitter"}
			sc.BackoffBase = scenarios.Duration(50 * time.Microsecond)
			sc.BackoffCap = scenarios.Duration(5 * time.Millisecond)
			sc.Writers = []int{tt.writers}
			sc.Keys = 1
			sc.OpsPerWriter = tt.ops
			sc.Duration = 0
			sc.LeaseTTL = scenarios.Duration(5 * time.Second)
			cfg := runner.Config{Scenario: sc, Store: st, DriverName: "mongo"}
			spec := runner.Spec{Strategy: tt.strategy, Backoff: sc.Backoffs[0], Writers: tt.writers, Trial: 1}
			c, err := runner.RunCell(testCtx(t), cfg, spec, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			a := c.Audit
			t.Logf("%s, %d writers × %d ops: expected %d, observed %d, lost %d (%.1f%%); %s",
				tt.strategy, tt.writers, tt.ops, a.Expected, a.Observed, a.LostUpdates,
				100*float64(a.LostUpdates)/float64(max(a.Expected, 1)), a.Verdict)
			if c.Skipped != "" || c.Interrupted || len(c.Errors) != 0 {
				t.Fatalf("cell skipped %q, interrupted %v, errors %v", c.Skipped, c.Interrupted, c.Errors)
			}
			if want := int64(tt.writers * tt.ops); a.Expected != want {
				t.Errorf("expected = %d, want %d committed ops", a.Expected, want)
			}
			if a.LostUpdates != a.Expected-a.Observed {
				t.Errorf("lost_updates = %d, want expected-observed = %d", a.LostUpdates, a.Expected-a.Observed)
			}
			switch {
			case a.LostUpdates > 0 && (a.OK || !strings.Contains(a.Verdict, "LOST UPDATES")):
				t.Errorf("the store lost %d updates but the audit says ok=%v: %s", a.LostUpdates, a.OK, a.Verdict)
			case (!ferret || tt.writers == 1) && a.LostUpdates != 0:
				t.Errorf("lost %d updates under %s with %d writers", a.LostUpdates, tt.strategy, tt.writers)
			case ferret && tt.strategy == "optimistic" && tt.writers > 1 && a.LostUpdates <= 0:
				t.Errorf("FerretDB lost no optimistic updates with %d writers: is its findAndModify atomic now? (then drop NonAtomicCAS)", tt.writers)
			}
		})
	}
}
