// Package progress shows live progress of an occbench run on stderr.
//
// A Progress is a runner.Observer. On a terminal it draws one bar per cell
// with github.com/vbauerster/mpb/v8: the cell's place in the run, elapsed
// and planned time (a spinner when the cell is bounded by ops rather than
// time), throughput, conflict ratio and p99 latency. Elsewhere (CI logs)
// it prints a plain line every Options.Interval while a cell runs:
//
//	[3/48] optimistic/expo/w16  2.0s/5.0s  12345 ops/s  4.2% conflicts  p99 1.23 ms
//
// and, in both modes, one summary line per finished cell with the audit
// verdict:
//
//	[3/48] optimistic/expo/w16  done 5.0s  12345 ops/s  4.2% conflicts  p99 1.23 ms  ok: 61725 committed, 61725 in the store
//
// Live figures come from the cell's per-second series (runner.Live.Series),
// which every writer flushes once per second; a refresh takes the series'
// mutex once, so progress does not slow the writers. A second counts as
// complete one second after it ends (a late writer has had time to flush
// it): rates are over the complete seconds of the last refresh window
// (Interval for plain lines, RefreshWindow seconds on a terminal), and p99
// is the highest per-second p99 in that window. The summary line uses the
// finished cell's exact figures.
//
// Multi fans a runner.Observer out to several (progress and metrics).
package progress
