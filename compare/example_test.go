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
	// FAIL p99>+10%: optimistic/expo/w8: p99 5 → 6: +20.00%
	// gate "latency>5": unknown metric "latency" (allowed: throughput, attempts, conflict_ratio, retries, p50, p90, p99, p999, give_ups, errors, lost_updates)
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
	// cell                metric              base  new  change
	// optimistic/none/w2  throughput (ops/s)  1000  900  -10.00%
	//                     attempts (/s)       0     0    0.00%
	//                     conflict_ratio      0     0    0
	//                     retries (/op)       0     0    0.00%
	//                     p50 (ms)            0     0    0.00%
	//                     p90 (ms)            0     0    0.00%
	//                     p99 (ms)            0     0    0.00%
	//                     p999 (ms)           0     0    0.00%
	//                     give_ups            0     0    0
	//                     errors              0     0    0
	//                     lost_updates        0     0    0
}

func ExampleParseGates() {
	gates, err := compare.ParseGates("throughput<-5%, conflict_ratio>+0.02, lost_updates>0")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range gates {
		fmt.Println(g)
	}
	// Output:
	// throughput<-5%
	// conflict_ratio>+0.02
	// lost_updates>0
}
