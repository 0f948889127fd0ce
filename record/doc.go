// Package record keeps one writer's measurements without locks or
// allocation per sample, and merges writers at the end of a cell.
//
// Each writer owns a Recorder: HDR histograms per outcome (committed op
// latency, single-attempt latency, gave-up op latency, attempts per op,
// schedule lag, conflict recovery time, and the latency of ops of more
// than results.StarvedAttempts attempts, allocated at the first),
// counters (ops, attempts, conflicts by kind, give-ups by
// reason, cut-offs, errors by class, indeterminate attempts) and its
// share of the per-second time series. A measured op ends committed,
// given up or cut off by the end of the cell; a cut-off is neither a
// success nor a failure, so it is not a give-up and success_rate leaves
// it out.
//
// A hybrid cell's recorders also keep the op latency of its escalated
// and its plain committed ops apart (TrackHybrid, HybridCommit).
//
// A cell with faults also keeps, per writer, a fine time series (100 ms
// steps of ops, attempts and errored attempts, flushed to a shared
// FineSeries when the step changes) and one Window of counters per fault
// (TrackFaults); they cost nothing when the cell has no faults.
//
// Recorders are merged when the cell ends, keeping each writer's
// committed ops (WriterOps); Summarize turns the merged recorder into a
// results.Cell, with the conflict recovery summary, fairness over the
// writers' commits and starved ops (results.SetKPIs).
package record
