package progress_test

import (
	"fmt"
	"os"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/progress"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

func ExampleNew() {
	start := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	ticks := make(chan time.Time)
	no := false
	p := progress.New(os.Stdout, progress.Options{
		Terminal: &no, // CI log: plain lines
		Now:      func() time.Time { return start },
		Ticker:   func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} },
	})
	// The writers' first second: 1000 ops, 50 of 1050 attempts conflict.
	series := &record.Series{}
	rec := record.New(series)
	for i := range 1050 {
		kind := drivers.NotConflict
		if i < 50 {
			kind = drivers.VersionMismatch
		}
		rec.AttemptDone(time.Millisecond, time.Millisecond, kind)
	}
	for range 1000 {
		rec.Commit(time.Millisecond, time.Millisecond, 1, 0, time.Millisecond)
	}
	rec.Flush()

	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 16, Trial: 1}
	p.CellStarted(spec, 2, 48, &runner.Live{Series: series, Start: start, Length: 5 * time.Second})
	ticks <- start.Add(time.Second)     // the first second is not complete yet: no line
	ticks <- start.Add(2 * time.Second) // it is: a line at once
	p.CellFinished(spec, &results.Cell{
		DurationS: 5, ThroughputOpsS: 12345, ConflictRatio: 0.042, LatencyMS: results.Latency{P99: 1.23},
		Audit: results.Audit{OK: true, Verdict: "ok: 61725 committed, 61725 in the store"},
	})
	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [3/48] optimistic/expo/w16  2.0s/5.0s  1000 ops  1000 ops/s  4.8% conflicts  p99 1.02 ms  run ETA 3m48s
	// [3/48] optimistic/expo/w16  done 5.0s  12345 ops/s  4.2% conflicts  p99 1.23 ms  ok: 61725 committed, 61725 in the store
}
