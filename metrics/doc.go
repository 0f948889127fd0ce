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
//	occbench_committed_latency_seconds     op latency of committed ops (histogram: classic and native buckets)
//	occbench_give_ups_total{reason}        ops that gave up, by reason (finished cells)
//	occbench_errors_total{class}           attempt errors, by class (finished cells)
//	occbench_lost_updates_total            committed updates the audit did not find in the store (finished cells)
//	occbench_audit_failures_total{reason}  cells whose audit failed: lost-updates, store-reset, unavailable
//
// and, about the run:
//
//	occbench_cell_info{…,trial} 1          the cell running, or the last one
//	occbench_cell_progress_ratio           elapsed ÷ planned length of that cell; 1 once finished
//	occbench_cell_latency_p99_seconds      p99 op latency in the last complete second of the running cell
//	occbench_run_cells                     cells planned in the run
//	occbench_cells_finished_total          cells finished
//
// Ops, attempts, conflicts and the latency histogram are live: each
// scrape reads the running cell's per-second series (runner.Live.Series,
// flushed by every writer once per second) on top of the finished
// cells, so they lag by at most about a second. When the cell finishes
// its exact counts replace the live ones. Give-ups, errors, lost updates
// and audit failures come from finished cells. A lost update is one the
// audit counted (expected − observed, when positive), whether or not the
// strategy promises to keep it (lww does not); an audit failure with
// reason lost-updates is a loss the strategy promises not to have.
//
// The latency histogram has classic buckets (Buckets) and native ones
// (schema NativeSchema: factor 2^(1/8), what client_golang picks for
// NativeHistogramBucketFactor 1.1) in one histogram, as client_golang
// serves a histogram with both: the text format shows the classic
// buckets, the protobuf format (what Prometheus asks for when it ingests
// native histograms) both. While a cell runs its values come from the
// series' log-linear histogram (record.Latency, buckets ≈6% wide), each
// at its bucket's upper bound, and add to the sum at its lower bound;
// a finished cell keeps those native buckets and count, and takes its
// classic buckets and sum from its exact HDR histogram (results.
// HistCommitted: a bucket holds the values whose HDR highest-equivalent
// value is at most its bound, exact up to 3 significant digits). So no
// bucket, count or sum ever decreases, which Prometheus would take for a
// counter reset: a live value sits in the same or a higher classic
// bucket than its exact one, and its lower bound is below its exact
// value. A cell finished without the metrics seeing it run (skipped)
// takes everything from its HDR histogram.
//
// occbench_cell_progress_ratio is absent while an ops-bounded cell runs:
// runner.Live does not carry the planned number of ops.
//
// A scrape reads the series under its mutex once; writers never wait on
// the metrics.
package metrics
