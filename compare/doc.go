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
// of a cell), errors and lost updates, and of any other metric a gate
// names (every metric of package threshold can be compared). Rates,
// retries and latencies change by a percentage; ratios and counts by a
// difference (and a percentage when the base is not zero).
//
// A cell run with --trials N appears N times in its file (Trial 1 … N);
// the trials are the samples of the cell. When both sides have at least
// two, the report works the way benchstat does (golang.org/x/perf/
// benchmath, AssumeNothing): each side is summarised by its median with a
// confidence interval ("12.3k ±2%"), and the two samples are compared with
// the Mann-Whitney U-test. A change is significant when p ≤ alpha (0.05 by
// default), compared with a relative tolerance of 1e-9 so that the
// 0.10000000000000002 of 3 against 3 trials is significant at alpha 0.1;
// otherwise it shows as "~ (p=0.400 n=3)". With a single run on either
// side there is no test: the change is the difference of the values (of
// the medians when one side has trials).
//
// The U-test cannot be significant with too few trials: its smallest p
// for samples of n1 and n2 values is 2 ÷ C(n1+n2, n1) (MinP), 0.1 for 3
// against 3. When that is above alpha the change is decided on the
// medians instead ("+150.00% (medians, n=3)"), with the footnote
// "n=3 cannot be tested at alpha 0.05: decided on medians; use
// --trials >= 4" (MinTrials), so that a gate never passes only because the
// test lacks power. MetricDiff.Decided (json "decided") says which of
// "single", "u-test" and "medians" applied.
//
// # Gates
//
// ParseGates reads --fail-on, a comma list in the condition grammar of
// package threshold, [STRATEGY:] METRIC OP VALUE with OP one of < <= > >=
// == !=, where VALUE may also be a change:
//
//	throughput<-5%        the throughput fell by more than 5 % (relative: VALUE ends in %)
//	p99>+10%              p99 rose by more than 10 %
//	conflict_ratio>+0.02  the conflict ratio rose by more than 0.02 (absolute: VALUE has a sign)
//	lost_updates>0        the new file lost updates (plain: no sign, no %)
//	optimistic: max>+50%  only cells of strategy optimistic
//
// METRIC is any metric of package threshold, by its canonical name
// (throughput_ops_s, p99_ms, error_ratio, …) or a short alias
// (throughput, attempts, retries, p50, p90, p99, p999, max, mean); gates
// are shown in canonical form ("p99_ms > +10%"). A relative or absolute
// gate fails when the change crosses it and, if the U-test decides, the
// change is significant; when a side has a single run or the test lacks
// power, the change of the medians decides. A plain gate is not a change:
// it fails when any trial of the new file crosses it. Gates on
// lost_updates skip cells whose strategy loses updates by design (lww,
// unfenced leases: the audit marks the loss as expected), so
// "lost_updates>0" means "an unexpected loss". A scoped gate that
// matches no compared cell is named in a footnote.
//
// # Formats
//
// Report.Render writes text, markdown (at most results.MarkdownLimit
// bytes, for a GitHub step summary: cells that failed no gate are left
// out first, and the report says how many), json, or junit: JUnit XML as
// CI systems display it, a testsuite of the new file's audits and
// thresholds and a testsuite of the gates, a testcase per matched cell
// and gate whose failure message is the line printed on stderr.
package compare
