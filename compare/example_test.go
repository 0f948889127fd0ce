package compare_test

import (
	"fmt"
	"os"

	"github.com/occbench/occbench/compare"
	"github.com/occbench/occbench/results"
)

func ExampleCompare() {
	cell := func(p99 float64) results.Cell {
		return results.Cell{Driver: "memory", Strategy: "optimistic", Backoff: "expo", Writers: 8,
			ThroughputOpsS: 1000, LatencyMS: results.Latency{P99: p99}}
	}
	base := &results.File{Scenario: results.Scenario{"distribution": "uniform"}, Cells: []results.Cell{cell(5)}}
	cur := &results.File{Scenario: results.Scenario{"distribution": "uniform"}, Cells: []results.Cell{cell(6)}}
	gates, err := compare.ParseGates("p99>+10%,lost_updates>0")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := compare.Compare(base, cur, compare.Options{Gates: gates})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Failed() {
		fmt.Println("FAIL", f)
	}
	_, err = compare.ParseGates("p99>+10%,latency>5")
	fmt.Println(err)
	// Output:
	// FAIL p99_ms > +10%: optimistic/expo/w8: p99_ms 5 → 6: +20.00%
	// gate "latency>5": unknown metric "latency" (allowed: throughput_ops_s, attempts_s, conflict_ratio, success_rate, amplification, retries_mean, retries_p99, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms, give_ups, errors, error_ratio, lost_updates, stale_writes_rejected, cut_off, recovery_p99_ms, fairness_jain, starved_ops)
}

func ExampleReport_Render() {
	cell := results.Cell{Strategy: "optimistic", Backoff: "none", Writers: 2, ThroughputOpsS: 1000}
	base := &results.File{Cells: []results.Cell{cell}}
	cell.ThroughputOpsS = 900
	cur := &results.File{Cells: []results.Cell{cell}}
	r, err := compare.Compare(base, cur, compare.Options{BaseName: "old.json", NewName: "new.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := r.Render(os.Stdout, "text"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// base  old.json
	// new   new.json
	//
	// cell                metric              base   new  change
	// optimistic/none/w2  throughput (ops/s)  1,000  900  -10.00%
	//                     attempts (/s)       0      0    0.00%
	//                     conflict_ratio      0      0    0
	//                     retries (/op)       0      0    0.00%
	//                     p50 (ms)            0      0    0.00%
	//                     p90 (ms)            0      0    0.00%
	//                     p99 (ms)            0      0    0.00%
	//                     p999 (ms)           0      0    0.00%
	//                     give_ups            0      0    0
	//                     errors              0      0    0
	//                     lost_updates        0      0    0
}

func ExampleParseGates() {
	gates, err := compare.ParseGates("throughput<-5%, conflict_ratio>+0.02, lost_updates>0, optimistic: max>+50%")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range gates {
		fmt.Printf("%-32s %s\n", g, g.Kind)
	}
	// Output:
	// throughput_ops_s < -5%           relative
	// conflict_ratio > +0.02           absolute
	// lost_updates > 0                 plain
	// optimistic: max_ms > +50%        relative
}

// With three trials per side the U-test can never reach p ≤ 0.05, so the
// change of the medians decides, and the report says so.
func ExampleCompare_medians() {
	file := func(p99s ...float64) *results.File {
		f := &results.File{Scenario: results.Scenario{"distribution": "uniform"}}
		for i, p99 := range p99s {
			f.Cells = append(f.Cells, results.Cell{Driver: "memory", Strategy: "optimistic", Backoff: "expo", Writers: 8, Trial: i + 1,
				ThroughputOpsS: 1000, LatencyMS: results.Latency{P99: p99}})
		}
		return f
	}
	gates, _ := compare.ParseGates("p99>+100%")
	r, err := compare.Compare(file(0.3, 0.31, 0.29), file(3, 3.1, 2.9), compare.Options{Gates: gates})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Failed() {
		fmt.Println("FAIL", f)
	}
	fmt.Println(r.Notes[len(r.Notes)-1])
	// Output:
	// FAIL p99_ms > +100%: optimistic/expo/w8: p99_ms 0.300 → 3: +900.00% (medians, n=3)
	// n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4
}
