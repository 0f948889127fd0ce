package metrics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/occbench/occbench/metrics"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

func ExampleMetrics() {
	m := metrics.New("memory")
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}
	m.CellStarted(spec, 0, 1, &runner.Live{})
	m.CellFinished(spec, &results.Cell{Ops: 900, Attempts: 1000, Conflicts: 100, GiveUps: map[string]int64{"max-attempts": 3},
		Audit: results.Audit{Expected: 900, Observed: 900, OK: true}})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "occbench_") && !strings.Contains(l, "_bucket") && (!strings.Contains(l, "give_ups") || strings.Contains(l, "max-attempts")) && !strings.HasPrefix(l, "occbench_errors") && !strings.HasPrefix(l, "occbench_audit") {
			fmt.Println(l)
		}
	}
	// Output:
	// occbench_attempts_total{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 1000
	// occbench_cell_info{backoff="expo",driver="memory",strategy="optimistic",trial="1",writers="4"} 1
	// occbench_cell_progress_ratio 1
	// occbench_cells_finished_total 1
	// occbench_committed_latency_seconds_sum{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 0
	// occbench_committed_latency_seconds_count{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 0
	// occbench_conflicts_total{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 100
	// occbench_give_ups_total{backoff="expo",driver="memory",reason="max-attempts",strategy="optimistic",writers="4"} 3
	// occbench_lost_updates_total{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 0
	// occbench_ops_total{backoff="expo",driver="memory",strategy="optimistic",writers="4"} 900
	// occbench_run_cells 1
}
