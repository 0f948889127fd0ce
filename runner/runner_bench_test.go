package runner_test

import (
	"context"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// BenchmarkOptimisticUncontended is the throughput target: one
// optimistic op on the memory driver, 2 writers, 100,000 keys uniform,
// backoff none. ns/op is per committed op across both writers.
func BenchmarkOptimisticUncontended(b *testing.B) {
	benchUncontended(b, "optimistic")
}

// BenchmarkHybridUncontended is BenchmarkOptimisticUncontended with the
// hybrid strategy: the escalation check and the split latency recording
// add no allocation per op.
func BenchmarkHybridUncontended(b *testing.B) {
	c := benchUncontended(b, "hybrid")
	if c.Hybrid == nil {
		b.Fatalf("hybrid cell without hybrid results: %+v", c.Hybrid)
	}
}

// benchUncontended runs b.N ops of strategy on the memory driver, 2
// writers over 100,000 uniform keys, backoff none, and checks the audit.
func benchUncontended(b *testing.B, strategy string) results.Cell {
	st, err := memory.New(drivers.Options{Writers: 2})
	if err != nil {
		b.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Driver = "memory"
	sc.Strategies = []string{strategy}
	sc.Backoffs = []string{"none"}
	sc.Keys = 100_000
	sc.Distribution = "uniform"
	sc.OpsPerWriter = max(b.N/2, 1)
	sc.Writers = []int{2}
	b.ReportAllocs()
	b.ResetTimer()
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"},
		runner.Spec{Strategy: strategy, Backoff: "none", Writers: 2, Trial: 1}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if !c.Audit.OK {
		b.Fatalf("audit: %s", c.Audit.Verdict)
	}
	b.ReportMetric(c.ThroughputOpsS, "ops/s")
	return c
}
