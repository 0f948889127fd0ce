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
// Stopping: cancelling the context stops new ops and backoff sleeps; an
// attempt already sent to the store finishes (with a grace period), so
// the audit stays exact and what was measured is kept.
package runner
