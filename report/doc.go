// Package report turns an occbench results file into the documents people
// read: a self-contained HTML report and HdrHistogram percentile text.
//
// HTML writes one file that needs nothing else: inline CSS, every chart of
// package plots as inline SVG, no scripts, no fonts, images or links
// outside the file. It holds, in order: a verdict banner (red, naming the
// cells, when a strategy that promises safety lost updates; green
// otherwise; a second banner lists failed thresholds, another says when
// the run was interrupted, another lists the audits without a verdict),
// the environment (with each part of a merged file) and the scenario, the
// summary table (the columns of the text report, with each cell's audit
// coloured: green ok, amber loss expected from lww or an unfenced lease,
// red unexpected loss, purple STORE RESET or AUDIT UNAVAILABLE, grey
// skipped), the thresholds (declared checks and each cell's results,
// Cell.Thresholds), the sweep charts, and one collapsible section per
// cell with its counts (side by side for trials), its faults (a row
// each: results.FaultRow, with the trial when there are several) and
// charts, whose time series shade the faults' windows; sections of cells
// with an unexpected loss start open.
//
// An audit without a verdict (the store was reset under the cell, or
// could not be read back) is never reported as lost updates: its banner,
// badge and counts say which state it is and call the difference
// missing.
//
// HTML draws and writes one chart at a time, so its memory stays a
// fraction of the results file's size whatever the number of cells (some
// 5 KB per cell beyond the file read, against 90 KB when it held every
// chart). Cell sections get charts up to MaxChartedCells (cells with an
// unexpected loss first, then in file order); the page says how many
// were left uncharted, and their sections keep their counts. A file of
// more than MaxCells cells is refused with one line.
//
// HGRM writes the percentile distribution of every histogram of every
// cell in the .hgrm format of the Java HdrHistogram's
// outputPercentileDistribution, which the HdrHistogram plotter
// (hdrhistogram.github.io/HdrHistogram/plotFiles.html) loads; latencies are
// in milliseconds. PercentileDistribution writes one histogram.
package report
