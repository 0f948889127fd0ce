// Package compare compares two results files, a base and a new one, cell
// by cell, and decides whether the new one regressed.
//
// # Matching
//
// Cells match when they ran the same workload: the same driver, strategy,
// backoff and writers, and the same scenario parameters that change the
// workload — keys, distribution (with zipf_theta for zipfian, hot_fraction
// and hot_ops for hotspot), scope, on_conflict, open-loop rate,
// payload_bytes and field_groups. Cells that match nothing are listed
// (only in base, only in new), never dropped, and when the two files'
// workloads differ the report says which parameters do. Fields that do
// not change the workload (duration, seed, injected latency, thresholds,
// the store's address) are not compared: they are what a comparison is
// usually about.
//
// # Numbers and significance
//
// For each matched cell the report shows base → new and the change of
// throughput, attempts/s, conflict ratio, retries per op, p50, p90, p99
// and p99.9 of op latency, give-ups (not counting ops cut off by the end
// of a cell), errors and lost updates. Rates, retries and latencies change
// by a percentage; the conflict ratio and counts by a difference (and a
// percentage when the base is not zero).
//
// A cell run with --trials N appears N times in its file (Trial 1 … N);
// the trials are the samples of the cell. When both sides have at least
// two, the report works the way benchstat does (golang.org/x/perf/
// benchmath, AssumeNothing): each side is summarised by its median with a
// confidence interval ("12.3k ±2%"), and the two samples are compared with
// the Mann-Whitney U-test. A change is significant when p ≤ alpha (0.05 by
// default); otherwise it shows as "~ (p=0.400 n=3)", with a footnote when
// there are too few samples to ever reach significance (the U-test needs 4
// per side at alpha 0.05). With a single run on either side there is no
// test: the change is the difference of the values (of the medians when
// one side has trials).
//
// # Gates
//
// ParseGates reads --fail-on, a comma list of METRIC OP VALUE with OP one
// of < <= > >=:
//
//	throughput<-5%        the throughput fell by more than 5 %
//	p99>+10%              p99 rose by more than 10 % (relative: VALUE ends in %)
//	conflict_ratio>+0.02  the conflict ratio rose by more than 0.02 (absolute: VALUE has a sign)
//	lost_updates>0        the new file lost updates (plain threshold: no sign)
//
// Metrics: throughput, attempts, conflict_ratio, retries, p50, p90, p99,
// p999, give_ups, errors, lost_updates. A relative or absolute gate fails
// when the change crosses it and, if both sides have trials, the change is
// significant; without trials every change beyond the gate fails. A plain
// threshold is not a change: it fails when any trial of the new file
// crosses it. Gates on lost_updates skip cells whose strategy loses
// updates by design (lww, unfenced leases: the audit marks the loss as
// expected), so "lost_updates>0" means "an unexpected loss".
package compare
