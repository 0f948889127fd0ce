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
	f := &results.File{Schema: results.Schema, Cells: []results.Cell{
		{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 16,
			DurationS: 1, Ops: 1000, Attempts: 1400, Conflicts: 400,
			ThroughputOpsS: 1000, AttemptsS: 1400, ConflictRatio: 400.0 / 1400,
			LatencyMS:  results.LatencyOf(h),
			Histograms: map[string]string{results.HistCommitted: committed}},
		{Driver: "memory", Strategy: "lease", Backoff: "none", Writers: 16, Skipped: "no leases"},
	}}
	ps, err := plots.All(f)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range ps {
		fmt.Printf("%-36s %s\n", p.Name, p.Title)
	}
	// Output:
	// throughput                           Throughput vs writers
	// conflicts                            Conflict ratio vs writers
	// latency                              Op latency vs writers
	// spectrum-w16                         Op latency by percentile, 16 writers
	// spectrum-optimistic-full-jitter-w16  Latency by percentile: optimistic / full-jitter, 16 writers
}
