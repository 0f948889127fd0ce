// Package threshold parses and checks k6-style pass/fail criteria on the
// numbers of a results cell:
//
//	p99_ms < 50
//	conflict_ratio < 0.05
//	success_rate >= 0.999
//	lost_updates == 0
//	optimistic: p99_ms < 20     (only cells of strategy optimistic)
//
// An expression is METRIC OP NUMBER, optionally prefixed by "STRATEGY:" to
// apply it to the cells of one strategy only. OP is one of < <= > >= ==
// !=. The metrics (see Metrics) are the per-cell numbers defined in
// METRICS.md:
//
//	throughput_ops_s  attempts_s  conflict_ratio  success_rate  amplification
//	retries_mean  retries_p99
//	p50_ms  p90_ms  p99_ms  p999_ms  max_ms  mean_ms   (committed op latency)
//	give_ups  errors  lost_updates  stale_writes_rejected
//
// give_ups counts the ops that gave up for a reason other than
// "interrupted" (an op cut off by the end of the cell is not a failure,
// as in success_rate); errors counts errored attempts of every class;
// lost_updates is the audit's expected − observed, taken literally: a
// strategy that may lose updates by design (lww, unfenced leases) fails
// lost_updates == 0, so scope such a threshold to the strategies that
// promise safety ("optimistic: lost_updates == 0").
//
// Parse and ParseAll check the syntax; Evaluate checks thresholds against
// one cell. Skipped cells are not checked, and a threshold scoped to
// another strategy does not apply. Nothing here depends on a clock or a
// store: a threshold is a pure function of a cell.
package threshold
