package advise_test

import (
	"fmt"

	"github.com/occbench/occbench/advise"
	"github.com/occbench/occbench/results"
)

// Analyze finds the band of each winner on one hot key and where
// optimistic stops being best on goodput.
func ExampleAnalyze() {
	single := advise.Skew{Name: "single"}
	plan := advise.Plan{Scenario: "example", Driver: "memory", Writers: []int{1, 4}, Skews: []advise.Skew{single},
		Strategies: []string{"optimistic", "pessimistic"}, Backoff: "full-jitter", Trials: 1}
	cell := func(strategy string, writers int, opsS, p99, conflicts float64) results.Cell {
		return results.Cell{Strategy: strategy, Writers: writers, Distribution: single.Label(), Ops: int64(opsS),
			ThroughputOpsS: opsS, ConflictRatio: conflicts, LatencyMS: results.Latency{P99: p99}}
	}
	rep, err := advise.Analyze(plan, advise.Options{}, []results.Cell{
		cell("optimistic", 1, 2000, 1, 0.02), cell("pessimistic", 1, 1000, 2, 0),
		cell("optimistic", 4, 800, 9, 0.30), cell("pessimistic", 4, 1200, 4, 0),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sr := &rep.Skews[0]
	for _, b := range sr.Bands[advise.Goodput] {
		fmt.Println(rep.BandLine(sr, &b))
	}
	// Output:
	// below 20% conflicts (≤ 1 writer on single): optimistic with full-jitter (goodput 2.0× pessimistic, p99 0.5×)
	// above 20% conflicts (≥ 4 writers on single): pessimistic with full-jitter (goodput 1.5× optimistic, p99 0.44×)
}
