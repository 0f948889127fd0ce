// Package runner runs cells: for one (strategy, backoff, writers)
// combination it seeds fresh documents, starts the writers, applies the
// retry policy (conflict policy, backoff, attempt and time limits, retry
// budget), records every attempt and op, audits the store, and returns the
// cell's results.
//
// Writers run closed loop by default (the next op starts when the last
// ends, plus think time) or open loop with a target rate, where each op
// has an intended start time on a fixed schedule and latency is measured
// from it, so a slow store cannot hide queueing (no coordinated omission).
//
// Measurement: ops that start during the warmup are not measured (the
// audit still counts their commits). A cell runs for its duration, or
// until each writer has made --ops-per-writer measured ops: the warmup's
// ops do not count toward them. A measured op ends committed, given up
// (max attempts, max elapsed, retry budget, fail policy, an error) or cut
// off by the end of the cell; a cut-off is neither, and success_rate
// leaves it out. No sleep runs past the end of the duration: a think
// time or a backoff that would is not slept, an op whose retry would
// start after the end is cut off, and the measured window is the whole
// duration even when the writers stop early.
//
// Stopping: cancelling the context stops new ops and backoff sleeps; an
// attempt already sent to the store finishes (with a grace period), so
// the audit stays exact and what was measured is kept.
//
// Each cell gives its store a seed (drivers.Spec.Seed, StoreSeed) derived
// from the scenario's seed and the trial, as the writers' key sequences
// are: the memory store draws its latencies from it.
package runner
