package results_test

import (
	"fmt"
	"os"
	"time"

	"github.com/occbench/occbench/results"
)

func ExampleLatencyOf() {
	h := results.NewHistogram() // values in µs
	for v := int64(1); v <= 1000; v++ {
		if err := h.RecordValue(v); err != nil {
			fmt.Println(err)
			return
		}
	}
	l := results.LatencyOf(h) // ms
	fmt.Printf("p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, mean %.4f ms\n", l.P50, l.P99, l.P999, l.Max, l.Mean)
	// Output:
	// p50 0.500 ms, p99 0.990 ms, p99.9 0.999 ms, max 1.000 ms, mean 0.5005 ms
}

func ExampleDefaultPath() {
	started := time.Date(2026, 11, 25, 13, 5, 1, 0, time.UTC)
	fmt.Println(results.DefaultPath(started, "quickstart"))
	// Output:
	// occbench-results/20261125T130501Z-quickstart.json
}

func ExampleRender() {
	start := time.Date(2026, 11, 25, 13, 5, 1, 0, time.UTC)
	f := &results.File{
		Schema:      results.Schema,
		StartedAt:   start,
		FinishedAt:  start.Add(12 * time.Second),
		Scenario:    results.Scenario{"name": "demo"},
		Environment: results.Environment{Driver: "memory"},
		Cells: []results.Cell{
			{
				Strategy: "optimistic", Backoff: "expo", Writers: 4,
				Ops: 40000, Attempts: 48000, Conflicts: 8000,
				ThroughputOpsS: 4000, AttemptsS: 4800, ConflictRatio: 8000.0 / 48000,
				RetriesPerOp: results.Retries{Mean: 0.2},
				LatencyMS:    results.Latency{P50: 0.8, P99: 4.1, P999: 9.5},
				Audit:        results.Audit{Expected: 40000, Observed: 40000, OK: true},
			},
			{
				Strategy: "lww", Backoff: "none", Writers: 4,
				Ops: 60000, Attempts: 60000,
				ThroughputOpsS: 6000, AttemptsS: 6000,
				LatencyMS: results.Latency{P50: 0.5, P99: 1.2, P999: 2},
				Audit:     results.Audit{Expected: 60000, Observed: 59000, LostUpdates: 1000, OK: true, LossExpected: true},
			},
		},
	}
	if err := results.Render(os.Stdout, f, "text"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// scenario     demo
	// driver       memory
	// started      2026-11-25T13:05:01Z
	// duration     12s
	// interrupted  no
	//
	// strategy    backoff  writers  ops/s  attempts/s  conflict%  retries/op  p50 ms  p99 ms  p99.9 ms  give-ups  errors  audit
	// optimistic  expo     4        4,000  4,800       16.7%      0.2         0.800   4.10    9.50      0         0       ok
	// lww         none     4        6,000  6,000       0.0%       0           0.500   1.20    2.00      0         0       LOST 1,000 (expected: lww)
	//
	// lww (backoff none, writers 4) lost 1,000 of 60,000 updates as expected: unconditional writes
	// audit: no unexpected lost updates in 2 cells that ran
	//
	// verdict (best strategy/backoff by highest goodput, committed ops/s, and by lowest p99 of committed ops):
	//   4 writers: only optimistic/expo can be best: 4,000 ops/s, p99 4.10 ms
	//   differences not tested: 1 trial per cell (--trials 4 or more tests them)
	//   cannot be best: 1 cell lost updates (lww: unconditional writes)
}
