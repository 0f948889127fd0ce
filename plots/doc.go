// Package plots draws the charts of an occbench results file with
// gonum.org/v1/plot.
//
// All returns every chart of a file; Charts draws them one at a time, so
// that a caller can render each and let it go (a large file's charts do
// not fit in memory together); WriteDir writes them as PNG and SVG files,
// one at a time; SVG renders one chart for embedding in an HTML page
// (package report does that).
//
// # Charts
//
// Across the writer sweep, one line per series, that is per (driver,
// strategy, backoff[, open-loop rate]):
//
//   - "throughput": committed ops/s (solid) and attempts/s (dashed, same
//     colour) against writers, log y: the vertical gap between the two
//     lines of a series is its retry amplification (attempts ÷ ops).
//   - "conflicts": conflict ratio (conflicts ÷ attempts, %) against writers.
//   - "latency": op latency p50 (solid), p99 (dashed) and p99.9 (dotted) in
//     ms against writers, log y.
//   - "spectrum-w<N>": the latency percentile spectrum of every series at N
//     writers, one chart per writer count.
//
// Per cell (named by strategy, backoff and writers, with the driver and the
// rate when the file has several), for example
// "spectrum-optimistic-full-jitter-w16":
//
//   - "spectrum-…": op latency (histogram "committed") by percentile, with
//     the single-attempt latency (histogram "attempt", dashed) and the
//     latency of ops that gave up (dotted) when present. The x axis is in
//     "nines", x = -log10(1-q), labelled 50%, 90%, 99%, 99.9%, … as in the
//     HdrHistogram plotter; y is in ms on a log scale. The last point is the
//     maximum, drawn at q = 1 - 1/count.
//   - "attempts-…": the distribution of attempts per committed op (histogram
//     "attempts") as bars, share of ops on a log scale; attempts above 5
//     are grouped (6–10, 11–20, 21–50, …).
//   - "timeseries-…": ops/s, attempts/s and conflicts/s for each second of
//     the cell.
//   - "timeseries-p99-…": the p99 op latency of each second.
//
// Both time series charts shade the window [at_s, at_s + duration_s] of
// every fault injected into the cell (Cell.Faults; the trials' windows
// together, each once) in translucent amber over the full height, with
// the fault's kind written at its top ("kind (error)" when the fault
// could not be injected or healed); a fault without duration is a narrow
// opaque bar. Labels that would overlap go a line lower, and the y axis
// leaves room above the data for them.
//
// Each (strategy, backoff) pair keeps its colour in every chart of a file:
// colours come from a fixed ten-colour palette, indexed by the pair's rank
// among the file's pairs in sorted order; marker shapes tell backoffs (or,
// with several drivers, drivers) apart as well. Skipped cells are left
// out. Cells repeated over trials (Cell.Trial > 0) are averaged per point,
// with min/max error bars; their histograms are merged and their time
// series averaged second by second. Values that a log axis cannot show
// (zero latencies or throughput) are left out of that chart.
//
// Legends are drawn beside the plot area when a chart is rendered by SVG,
// PNG or WriteDir; a Plot's *plot.Plot saved directly with gonum draws its
// legend inside the plot area instead.
package plots
