package runner_test

import (
	"context"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// BenchmarkOptimisticUncontended is the throughput target: one
// optimistic op on the memory driver, 2 writers, 100,000 keys uniform,
// backoff none. ns/op is per committed op across both writers.
func BenchmarkOptimisticUncontended(b *testing.B) {
	st, err := memory.New(drivers.Options{Writers: 2})
	if err != nil {
		b.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Driver = "memory"
	sc.Strategies = []string{"optimistic"}
	sc.Backoffs = []string{"none"}
	sc.Keys = 100_000
	sc.Distribution = "uniform"
	sc.OpsPerWriter = max(b.N/2, 1)
	sc.Writers = []int{2}
	b.ReportAllocs()
	b.ResetTimer()
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"},
		runner.Spec{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: 1}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if !c.Audit.OK {
		b.Fatalf("audit: %s", c.Audit.Verdict)
	}
	b.ReportMetric(c.ThroughputOpsS, "ops/s")
}

// BenchmarkOptimisticWithFaults is BenchmarkOptimisticUncontended in a
// cell with a fault scheduled (after the end): the fine series and the
// fault windows are kept, and an op still allocates nothing.
func BenchmarkOptimisticWithFaults(b *testing.B) {
	st, err := memory.New(drivers.Options{Writers: 2})
	if err != nil {
		b.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Driver = "memory"
	sc.Strategies = []string{"optimistic"}
	sc.Backoffs = []string{"none"}
	sc.Keys = 100_000
	sc.Distribution = "uniform"
	sc.OpsPerWriter = max(b.N/2, 1)
	sc.Writers = []int{2}
	fs, err := faults.ParseList([]string{"stall-holder@0s:1ms", "stall-holder@1h:1s"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory", Faults: fs},
		runner.Spec{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: 1}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if !c.Audit.OK || len(c.Faults) != 2 {
		b.Fatalf("audit: %s, %d fault records", c.Audit.Verdict, len(c.Faults))
	}
	b.ReportMetric(c.ThroughputOpsS, "ops/s")
}

// BenchmarkHybridUncontended is BenchmarkOptimisticUncontended with the
// hybrid strategy: the escalation check and the split latency recording
// add no allocation per op.
func BenchmarkHybridUncontended(b *testing.B) {
	st, err := memory.New(drivers.Options{Writers: 2})
	if err != nil {
		b.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Driver = "memory"
	sc.Strategies = []string{"hybrid"}
	sc.Backoffs = []string{"none"}
	sc.Keys = 100_000
	sc.Distribution = "uniform"
	sc.OpsPerWriter = max(b.N/2, 1)
	sc.Writers = []int{2}
	b.ReportAllocs()
	b.ResetTimer()
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"},
		runner.Spec{Strategy: "hybrid", Backoff: "none", Writers: 2, Trial: 1}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if !c.Audit.OK || c.Hybrid == nil {
		b.Fatalf("audit: %s, hybrid %+v", c.Audit.Verdict, c.Hybrid)
	}
	b.ReportMetric(c.ThroughputOpsS, "ops/s")
}
