package plots_test

import (
	"fmt"
	"log"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
)

func ExampleAll() {
	h := results.NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		_ = h.RecordValue(v * 20) // 20 µs … 20 ms
	}
	committed, err := results.EncodeHistogram(h)
	if err != nil {
		log.Fatal(err)
	}
	f := &results.File{Schema: results.Schema, Scenario: results.Scenario{"name": "quickstart"}, Cells: []results.Cell{
		{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 16,
			DurationS: 1, Ops: 1000, Attempts: 1400, Conflicts: 400,
			ThroughputOpsS: 1000, AttemptsS: 1400, ConflictRatio: 400.0 / 1400, Amplification: 1.4,
			LatencyMS:  results.LatencyOf(h),
			Histograms: map[string]string{results.HistCommitted: committed}},
		{Driver: "memory", Strategy: "lease", Backoff: "none", Writers: 16, Skipped: "no leases"},
	}}
	ps, err := plots.All(f)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range ps {
		fmt.Printf("%-39s %s\n", p.File("png"), p.Title)
	}
	// Output:
	// throughput/committed.png                Committed ops/s vs writers — memory · quickstart
	// latency/p50.png                         Op latency p50 vs writers — memory · quickstart
	// latency/p99.png                         Op latency p99 vs writers — memory · quickstart
	// latency/p999.png                        Op latency p99.9 vs writers — memory · quickstart
	// attempts/amplification.png              Retry amplification (attempts ÷ committed ops) vs writers — memory · quickstart
	// attempts/conflicts.png                  Conflict ratio (conflicts ÷ attempts) vs writers — memory · quickstart
	// spectrum/w16.png                        Op latency by percentile, 16 writers — memory · quickstart
	// spectrum/optimistic-full-jitter-w16.png Latency by percentile: optimistic / full-jitter, 16 writers — memory · quickstart
}
