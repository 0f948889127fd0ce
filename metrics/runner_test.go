package metrics

import (
	"testing"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// TestRunnerLabel: a runner of a multi-runner run labels every occbench
// series with its index; a pending audit is no audit failure.
func TestRunnerLabel(t *testing.T) {
	for _, tt := range []struct {
		name   string
		m      *Metrics
		labels map[string]string
	}{
		{"runner 2", NewRunner("postgres", 2), map[string]string{"runner": "2", "strategy": "optimistic"}},
		{"alone", New("postgres"), map[string]string{"strategy": "optimistic"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := runner.Spec{Strategy: "optimistic", Backoff: "none", Writers: 4, Trial: 1}
			tt.m.CellStarted(spec, 0, 1, nil)
			tt.m.CellFinished(spec, &results.Cell{Strategy: "optimistic", Backoff: "none", Writers: 4, Ops: 7,
				Audit: results.Audit{Pending: "runner 2 of 3", Expected: 7}})
			f, err := scrape(tt.m.Handler())
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := f.value("occbench_ops_total", tt.labels); !ok || v != 7 {
				t.Fatalf("occbench_ops_total%v = %v, %v", tt.labels, v, ok)
			}
			if m := f.find("occbench_ops_total", nil); m != nil && tt.labels["runner"] == "" {
				for _, l := range m.GetLabel() {
					if l.GetName() == "runner" {
						t.Fatal("a single runner's series carry a runner label")
					}
				}
			}
			for _, reason := range AuditReasons() {
				if v, _ := f.value("occbench_audit_failures_total", map[string]string{"reason": reason}); v != 0 {
					t.Errorf("audit failure %s = %v for a pending audit", reason, v)
				}
			}
		})
	}
}
