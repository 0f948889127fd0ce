package progress

import (
	"io"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/runner"
)

// BenchmarkRefresh is the CPU cost of one refresh (read the series, work
// out the figures, print a line or update the bar) late in a 10-minute
// cell: 600 per-second points. Times the refresh rate, it bounds what
// progress takes from the writers.
func BenchmarkRefresh(b *testing.B) {
	s := &record.Series{}
	rec := record.New(s)
	for sec := range 600 {
		at := time.Duration(sec) * time.Second
		for range 100 {
			rec.AttemptDone(at, time.Millisecond, 0)
			rec.Commit(at, time.Duration(1000+sec)*time.Microsecond, 1, 0, time.Millisecond)
		}
	}
	rec.Flush()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	live := &runner.Live{Series: s, Start: t0, Length: 10 * time.Minute}
	now := t0.Add(599 * time.Second)
	for _, term := range []bool{false, true} {
		name := "lines"
		if term {
			name = "bars"
		}
		b.Run(name, func(b *testing.B) {
			p := New(io.Discard, Options{Terminal: &term, Ticker: func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }})
			p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any))}
			p.CellStarted(runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}, 0, 1, live)
			c := p.cur
			b.ReportAllocs()
			for b.Loop() {
				p.refreshCell(c, now)
			}
			b.StopTimer()
			_ = p.Close()
		})
	}
}
