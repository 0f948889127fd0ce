// Package threshold is occbench's one condition grammar and metric table,
// shared by scenario thresholds (k6-style pass/fail criteria), capacity
// --slo and compare --fail-on, as k6 has one thresholds parser.
//
// # Grammar
//
// A condition is
//
//	[STRATEGY:] METRIC OP VALUE
//
// and a list is conditions separated by commas (empty items are
// ignored). STRATEGY scopes the condition to the cells of one strategy.
// OP is one of < <= > >= == !=. Spaces around the parts are optional.
// VALUE is one of
//
//	50, 0.999, 1e3   a plain number: the value itself (Plain)
//	+10%, -5%, 25%   a relative change, new ÷ base − 1 (Relative)
//	+0.02, -3        an absolute change, new − base (Absolute)
//
// The kind is read off the text: a value ending in % is relative, a value
// with a leading sign is absolute, anything else is plain. Changes need a
// base, so only compare --fail-on (Context ForGate) takes them; a scenario
// threshold (ForThreshold) or an --slo condition (ForSLO) that has one is
// refused, saying so. NaN and infinities are refused everywhere.
//
//	p99_ms < 50                 threshold, SLO or gate
//	optimistic: p99 < 20        only cells of strategy optimistic
//	success_rate >= 0.999
//	lost_updates == 0
//	throughput < -5%            gate: the throughput fell by more than 5 %
//	conflict_ratio > +0.02      gate: the conflict ratio rose by more than 0.02
//
// ParseCondition parses one item, ParseList a comma list, Parse and
// ParseAll scenario thresholds. A Condition holds the canonical metric
// name; its String is the canonical form ("optimistic: p99_ms < 20",
// "throughput_ops_s < -5%"), which parses back to the same Condition.
// Errors are one line, name the item and, for an unknown metric, list the
// canonical names.
//
// # Metrics
//
// Table lists the per-cell numbers a condition can name, with their unit
// and whether higher is better; the parser also takes the short aliases
// in parentheses:
//
//	throughput_ops_s (throughput)  committed ops per second
//	attempts_s (attempts)          attempts per second, retries included
//	conflict_ratio                 conflicts ÷ attempts
//	success_rate                   committed ÷ (committed + given up) ops
//	amplification                  attempts ÷ committed ops
//	retries_mean (retries)         mean retries per committed op
//	retries_p99                    99th percentile of retries per op
//	p50_ms p90_ms p99_ms p999_ms   committed-op latency percentiles
//	  (p50 p90 p99 p999)
//	max_ms (max), mean_ms (mean)   largest and mean committed-op latency
//	give_ups                       ops that gave up, cut-off ops excluded
//	errors                         errored attempts of every class
//	error_ratio                    errors ÷ attempts
//	lost_updates                   the audit's expected − observed
//	stale_writes_rejected          stale writes the fencing rejected
//	cut_off                        ops cut off by the end of the cell
//	recovery_p99_ms (recovery_p99) p99 of conflict recovery time: from
//	                               an op's first conflict to its commit
//	fairness_jain (jain)           Jain's index over writers' commits
//	starved_ops                    ops of > 100 attempts or > 100 × the
//	                               median committed-op latency
//
// give_ups counts every give-up reason except "interrupted", the reason
// under which older files counted the ops cut off by the end of the cell:
// those are not failures (as in success_rate) and are counted by cut_off.
// error_ratio sums the errors of every class and divides by the cell's
// attempts; it is 1 when there are errors but no attempts and 0 when
// there are neither. lost_updates is taken literally: a strategy that
// may lose updates by design (lww, unfenced leases) fails
// lost_updates == 0, so scope such a threshold to the strategies that
// promise safety ("optimistic: lost_updates == 0"). recovery_p99_ms is 0
// when no op committed after a conflict, fairness_jain 0 when no op
// committed; all three read 0 in files written before they existed.
//
// # Thresholds
//
// Evaluate checks a scenario's thresholds against one cell. Skipped cells
// are not checked, and a threshold scoped to another strategy does not
// apply. Nothing here depends on a clock or a store: a condition is a
// pure function of a cell (or, for a change, of two).
package threshold
