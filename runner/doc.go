// Package runner runs cells: for one (strategy, backoff, writers)
// combination it seeds fresh documents, starts the writers, applies the
// retry policy (conflict policy, backoff, attempt and time limits, retry
// budget), records every attempt and op, injects the cell's faults,
// audits the store, and returns the cell's results.
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
// Errors: an attempt that fails on an error (not a conflict) is retried
// like a conflict, after a sleep of the error backoff (error_backoff,
// default equal-jitter:10ms,1s) whose retry count is the writer's run of
// consecutive errored attempts, so that a store that is down costs each
// writer a few attempts a second; a writer whose op gave up on an error
// waits it too before its next op. Every errored attempt is counted by
// class; one that may have reached the store (drivers.MayHaveCommitted)
// is indeterminate. An op that outlives an outage commits with the
// outage in its latency. Each attempt runs under op_timeout, on the
// injected clock, through a context each writer reuses (no allocation
// per attempt).
//
// Stopping: cancelling the context stops new ops and backoff sleeps; an
// attempt already sent to the store finishes (with a grace period), so
// the audit stays exact and what was measured is kept. Attempts the stop
// cancels are cut-offs, not errors. Closing the writers' sessions and
// the audit's read are bounded (by min(30 s, op_timeout), by 1 s after
// an interrupt): a store that cannot be read back gives an audit that
// says so (AUDIT UNAVAILABLE), and one that lost the documents the cell
// seeded gives STORE RESET, never lost updates. These bounds, like the
// grace period, are wall-clock timers: they bound waits on calls that do
// not move an injected clock.
//
// Faults (Config.Faults) are injected at their offsets from the start of
// measurement, on the injected clock, by Config.Injector (stall-holder
// by the runner, through strategy.Config.StallNow), and every one that
// took effect is healed before the audit, whatever ended the cell. A
// cell with faults keeps a 100 ms time series and counters per fault
// window, which faults.Analyze turns into the cell's fault records.
//
// Writer classes (the scenario's classes block, classes.go): a cell of
// classes runs every class's writers together, sharing the clock, the
// stop, the measured window, the retry budget and the documents, each
// writer with its class's strategy, conflict backoff, think time,
// open-loop rate (across the class's writers) and field group. Each
// class's recorders are merged apart and summarised as the cell is
// (results.Class); the cell is the sum. The audit expects a loss only
// when a class may overwrite the others — its strategy promises no
// safety (lww, check-then-write, an unfenced lease), or it is a lease
// class beside a class of another strategy, whose writes its lease does
// not exclude — and names that class. A class whose strategy the store
// cannot run skips the cell, naming the class.
//
// Each cell gives its store a seed (drivers.Spec.Seed, StoreSeed) derived
// from the scenario's seed and the trial, as the writers' key sequences
// are: the memory store draws its latencies from it.
package runner
