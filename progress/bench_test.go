//go:build unix

package progress_test

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/progress"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// BenchmarkRunCellProgress measures what progress costs a run. Each
// iteration runs one memory-driver cell (4 writers × 1M ops on 1024
// keys, wall clock) per variant, in rotating order so that load from
// elsewhere on the machine falls on all of them alike: no observer,
// progress lines and progress bars, both refreshing every MinInterval
// (50× the default line rate). It reports, per variant, wall time and
// process CPU time per committed op ("none-ns/op", "lines-cpu-ns/op", …);
// compare the variants of one run (benchstat per unit, or the ratios).
func BenchmarkRunCellProgress(b *testing.B) {
	yes, no := true, false
	variants := []struct {
		name string
		obs  func() *progress.Progress
	}{
		{"none", nil},
		{"lines", func() *progress.Progress {
			return progress.New(io.Discard, progress.Options{Interval: progress.MinInterval, Terminal: &no})
		}},
		{"bars", func() *progress.Progress {
			return progress.New(io.Discard, progress.Options{Refresh: progress.MinInterval, Terminal: &yes})
		}},
	}
	st, err := memory.New(drivers.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Driver = memory.Name
	sc.Keys = 1024
	sc.Writers = []int{4}
	sc.OpsPerWriter = 1_000_000
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}
	wall := make([]time.Duration, len(variants))
	cpu := make([]time.Duration, len(variants))
	ops := make([]int64, len(variants))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range variants {
			v := (i + j) % len(variants)
			cfg := runner.Config{Scenario: sc, Store: st, DriverName: memory.Name}
			var p *progress.Progress
			if variants[v].obs != nil {
				p = variants[v].obs()
				cfg.Observer = p
			}
			c0, t0 := cpuTime(b), time.Now()
			cell, err := runner.RunCell(context.Background(), cfg, spec, 0, 1)
			if err != nil {
				b.Fatal(err)
			}
			if p != nil {
				if err := p.Close(); err != nil {
					b.Fatal(err)
				}
			}
			wall[v] += time.Since(t0)
			cpu[v] += cpuTime(b) - c0
			if !cell.Audit.OK {
				b.Fatal(cell.Audit.Verdict)
			}
			ops[v] += cell.Ops
		}
	}
	b.StopTimer()
	for v := range variants {
		b.ReportMetric(float64(wall[v])/float64(ops[v]), variants[v].name+"-ns/op")
		b.ReportMetric(float64(cpu[v])/float64(ops[v]), variants[v].name+"-cpu-ns/op")
	}
}

// cpuTime is the user + system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
