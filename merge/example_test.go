package merge_test

import (
	"fmt"

	"github.com/occbench/occbench/merge"
	"github.com/occbench/occbench/results"
)

func ExampleFiles() {
	part := func(host string, ops int64, observed int64) *results.File {
		h := results.NewHistogram()
		for i := range ops {
			_ = h.RecordValue(100 + i)
		}
		enc, _ := results.EncodeHistogram(h)
		return &results.File{
			Scenario:    results.Scenario{"name": "hot", "driver": "postgres", "writers": []any{8}},
			Environment: results.Environment{Driver: "postgres", Hostname: host},
			Cells: []results.Cell{{
				Driver: "postgres", Strategy: "optimistic", Backoff: "expo", Writers: 8,
				DurationS: 10, Ops: ops, Attempts: ops, ThroughputOpsS: float64(ops) / 10,
				Audit:      results.Audit{Expected: ops, Observed: observed},
				Histograms: map[string]string{results.HistCommitted: enc, results.HistAttempt: enc, results.HistAttempts: enc},
			}},
		}
	}
	// Two machines wrote to one store; the second audit ran last and saw
	// every write.
	m, err := merge.Files([]*results.File{part("a", 600, 900), part("b", 400, 1000)})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := m.Cells[0]
	fmt.Println(c.Writers, c.Ops, c.ThroughputOpsS, c.Audit.Expected, c.Audit.Observed, c.Audit.LostUpdates, len(m.Parts))

	_, err = merge.Files([]*results.File{part("a", 600, 900), {Scenario: results.Scenario{"name": "other"}}})
	fmt.Println(err)
	// Output:
	// 16 1000 100 1000 1000 0 2
	// input 2: not the same scenario as input 1: driver unset, input 1 has "postgres"; name "other", input 1 has "hot"; writers unset, input 1 has [8] (fields that may differ: description, dsn, image, lease_dsn, seed)
}
