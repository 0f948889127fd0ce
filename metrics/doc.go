// Package metrics serves Prometheus metrics while occbench runs
// (--metrics-addr).
//
// A Metrics is a runner.Observer with its own prometheus.Registry. Every
// series but the Go and process collectors' carries the labels driver,
// strategy, backoff and writers (one series per kind of cell; trials of a
// cell add up):
//
//	occbench_ops_total                     committed ops (measured: warmup excluded)
//	occbench_attempts_total                attempts
//	occbench_conflicts_total               attempts that lost to another writer
//	occbench_give_ups_total{reason}        ops that gave up, by reason (finished cells)
//	occbench_errors_total{class}           attempt errors, by class (finished cells)
//	occbench_committed_latency_seconds     op latency of committed ops (histogram, finished cells)
//
// and, about the run:
//
//	occbench_cell_info{…,trial} 1          the cell running, or the last one
//	occbench_cell_progress_ratio           elapsed ÷ planned length of that cell; 1 once finished
//	occbench_cell_latency_p99_seconds      p99 op latency in the last complete second of the running cell
//	occbench_run_cells                     cells planned in the run
//	occbench_cells_finished_total          cells finished
//
// Ops, attempts and conflicts are live: each scrape sums the running
// cell's per-second series (runner.Live.Series, flushed by every writer
// once per second) on top of the finished cells, so they lag by at most
// about a second; when the cell finishes its exact totals replace the
// live sums. Give-ups, errors and the histogram come from finished cells.
// The histogram is built at scrape time from the cells' HDR histograms
// (results.HistCommitted) into fixed buckets (Buckets); a bucket holds
// the values whose HDR highest-equivalent value is at most its bound, so
// counts are exact up to HDR's resolution (3 significant digits).
// occbench_cell_progress_ratio is absent while an ops-bounded cell runs:
// runner.Live does not carry the planned number of ops.
//
// A scrape reads the series under its mutex once; writers never wait on
// the metrics.
package metrics
