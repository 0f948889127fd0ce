// Package progress shows live progress of an occbench run on stderr.
//
// A Progress is a runner.Observer. On a terminal it draws one bar per cell
// with github.com/vbauerster/mpb/v8: the cell's place in the run, elapsed
// and planned time (a spinner when the cell is bounded by ops rather than
// time), ops so far, throughput, conflict ratio, p99 latency and the
// whole run's ETA. Elsewhere (CI logs) it prints a plain line as soon as
// a cell's first second is complete, then every Options.Interval:
//
//	[3/48] optimistic/expo/w16  2.0s/5.0s  24690 ops  12345 ops/s  4.2% conflicts  p99 1.23 ms  run ETA 4m05s
//
// and, in both modes, one summary line per finished cell with the audit
// verdict:
//
//	[3/48] optimistic/expo/w16  done 5.0s  12345 ops/s  4.2% conflicts  p99 1.23 ms  ok: 61725 committed, 61725 in the store
//
// Live figures come from the cell's per-second series (runner.Live.Series),
// which every writer flushes once per second; a refresh takes the series'
// mutex once, so progress does not slow the writers. Ops so far, and the
// conflict ratio so far until a second is complete, are exact sums of what
// the writers have flushed. A second counts as complete one second after
// it ends (a late writer has had time to flush it): rates are over the
// complete seconds of the last refresh window (Interval for plain lines,
// RefreshWindow seconds on a terminal), and p99 is the highest per-second
// p99 in that window. The summary line uses the finished cell's exact
// figures.
//
// The run's ETA is the rest of the current cell plus the cells after it
// (index and total as the runner gives them), each taking as long as the
// finished cells took on average from start to finish (setup and audit
// included; skipped cells left out), or, before any finished, the cell's
// warmup plus its planned length; an ops-bounded cell has none until a
// cell finished. tune-backoff's total is its largest number of cells, so
// its ETA is an upper bound. WithNote adds to each cell's name what the
// spec does not tell (tune-backoff: base and cap).
//
// A Console wraps stderr for everything that writes there: a line written
// through it while a bar is on the screen (the Ctrl-C message, a log
// line) first removes the bar and shuts its container down, whose last
// render erases it, so no stale copy of the bar stays above the line; that
// cell then shows no bar, the next one does. A Progress given a Console
// writes around it.
//
// Multi fans a runner.Observer out to several (progress and metrics).
package progress
