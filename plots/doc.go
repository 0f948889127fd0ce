// Package plots draws the charts of an occbench results file with
// gonum.org/v1/plot.
//
// All returns every chart of a file; Charts draws them one at a time, so
// that a caller can render each and let it go (a large file's charts do
// not fit in memory together); WriteDir writes them as PNG and SVG files,
// one folder per kind of chart; SVGElement renders one chart for an HTML
// page whose charts share one style sheet (Styles; package report does
// that). Packages capacity and tune draw their charts in the same style
// (NewPlot, NewLegend, StrategyColour, BackoffDashes, Draw, PNG).
//
// # Style
//
// Colour is the strategy, line style and marker the backoff, in every
// chart of every file: StrategyColour and BackoffDashes/BackoffGlyph
// give each known strategy and backoff a fixed one (with several drivers
// the marker tells drivers apart). Every line has markers. A chart draws
// at most MaxSeries (8) lines: a sweep with more series is drawn as small
// multiples (Plot.Panels), one panel per strategy titled in its colour,
// on one y range, with one legend naming the backoffs. Titles say what is
// drawn, then the file's driver(s) and scenario name. Legends are drawn
// beside or below the data, never over it, when a chart is rendered by
// SVG, SVGElement, PNG, Draw or WriteDir (a Plot's *plot.Plot saved
// directly with gonum draws its legend inside the plot area instead).
//
// # Charts and folders
//
// Across the writer sweep, one line per series, that is per (driver,
// strategy, backoff[, open-loop rate]), skipped cells left out:
//
//   - throughput/committed: committed ops/s against writers, log y;
//     throughput/usl: the USL fit of each closed-loop sweep over its
//     measured ops/s (usl.go).
//   - latency/p50, latency/p99, latency/p999: op latency percentiles in
//     ms against writers, log y.
//   - attempts/amplification: attempts ÷ committed ops, log y;
//     attempts/conflicts: conflicts ÷ attempts in %.
//   - recovery/p99: the conflict recovery p99 (Cell.RecoveryMS), when a
//     cell has one.
//   - spectrum/w<N>: the latency percentile spectrum of every series at N
//     writers, one chart per writer count.
//
// Per cell (named by strategy, backoff and writers, with the driver and
// the rate when the file has several: CellIDs), for example
// spectrum/optimistic-full-jitter-w16:
//
//   - spectrum/<cell>: op latency (histogram "committed") by percentile,
//     with the single-attempt latency (histogram "attempt", dashed) and
//     the latency of ops that gave up (dotted) when present. The x axis is
//     in "nines", x = -log10(1-q), labelled 50%, 90%, 99%, 99.9%, … as in
//     the HdrHistogram plotter, markers at those percentiles; y is in ms
//     on a log scale. The last point is the maximum, drawn at
//     q = 1 - 1/count.
//   - attempts/<cell>: the distribution of attempts per committed op
//     (histogram "attempts") as bars, share of ops on a log scale;
//     attempts above 5 are grouped (6–10, 11–20, 21–50, …).
//   - timeseries/<cell>: two stacked panels, ops/s, attempts/s and
//     conflicts/s for each second, and the p99 op latency of each second;
//     only for cells that measured MinTimeseriesS (3 s) or more: a
//     shorter cell has one or two points a line.
//
// The time series panels shade the window [at_s, at_s + duration_s] of
// every fault injected into the cell (Cell.Faults; the trials' windows
// together, each once) in translucent amber over the full height, with
// the fault's kind written at its top ("kind (error)" when the fault
// could not be injected or healed); a fault without duration is a narrow
// opaque bar. Labels that would overlap go a line lower, and the y axis
// leaves room above the data for them.
//
// Cells repeated over trials (Cell.Trial > 0) are averaged per point,
// with min/max error bars; their histograms are merged and their time
// series averaged second by second. Values that a log axis cannot show
// (zero latencies or throughput) are left out of that chart.
//
// # SVG
//
// SVG output is written by a canvas of this package rather than gonum's:
// coordinates with one decimal, in the shortest of absolute and relative
// path commands, consecutive paths of one style in one element, polyline
// points within a quarter point of the straight line left out, and each
// style a class of a Styles sheet: SVG embeds the sheet in the document;
// SVGElement leaves it to the page, which writes each rule once
// (Styles.NewRules) for all its charts.
package plots
