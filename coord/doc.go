// Package coord coordinates the runners of a multi-runner run (occbench
// run --runners N): several occbench processes that run one scenario
// together against one store. It keeps no state of its own: every
// marker lives in the store under test, inside the run's namespace,
// through drivers.Coordinator (PostgreSQL: rows of NS_occbench_meta).
//
// # Markers
//
// Runner 0 opens the run (Open): it clears the namespace's markers and
// writes "run" = a token, the run's fingerprint (scenario name, runner
// count) and the server's time. The other runners wait for a run marker
// with their fingerprint that is not older than the barrier timeout, and
// take its token; every later marker is named under that token, so that
// markers of an earlier run are never taken for this one's. Per cell
// (its position in the run order, the same on every runner):
//
//   - seed/TOKEN/CELL/0: runner 0 has set the cell up (dropped, created,
//     seeded); the others wait for it, then attach (drivers.Attacher)
//     and open their sessions. Only runner 0 ever drops anything.
//   - start/TOKEN/CELL/I: runner I is ready; every runner waits for all N
//     (the barrier before the cell's start), unless --start-at names the
//     first cell's start: then the runners wait until that wall time
//     instead, and meet at barriers from the second cell on.
//   - end/TOKEN/CELL/I: runner I's writers are done; runner 0 waits for
//     all N, then reads the store's totals for the global audit.
//
// Every wait polls the store (every 50 ms) and gives up after the
// barrier timeout with one line naming the runner indexes that did not
// arrive. Runner 0 clears the markers when the run ends (Close).
//
// # Skew
//
// Skew reads the store's clock a few times and keeps the sample of least
// round trip: offset = local − (server time read half-way through the
// round trip), i.e. local − server ≈ ((t0+t1)/2) − server. A runner whose
// |offset| exceeds --max-skew refuses to start (exit 2): its windows
// would not line up with the others' by more than that.
package coord
