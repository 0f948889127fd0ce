// Package runnertest is the strategy half of the driver conformance
// suite: concurrent writers increment one document through the real
// strategies, runner and audit. drivers/drivertest checks each
// capability directly and knows nothing of strategies, so that no
// package under drivers imports strategy; a driver's conformance test
// calls both, with the same options, which Conformance does:
//
//	func TestConformance(t *testing.T) {
//		runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store { … },
//			drivertest.ServerClock())
//	}
//
// Run's Increments subtest runs optimistic, pessimistic, lease and
// serializable with drivertest.Writers writers on one document and
// requires the exact count and a clean audit (for a store declared
// drivertest.NonAtomicCAS, that the optimistic loss is detected); a
// strategy the store cannot run skips, except optimistic and lease,
// which every driver must support. LWWLosesUpdates requires the audit
// to see, and excuse, lww's lost updates, and CheckThenWriteLosesUpdates
// the same of check-then-write (8 writers, a hold between the read and
// the client's check), with the mismatches its check detected counted
// as conflicts. HoldSerializesCommits runs optimistic, pessimistic,
// serializable and lease with a 2 ms hold: their committed attempts on
// one document cannot overlap between read and write, so 40 commits must
// take at least 80 ms, which catches a locked or serializable update that
// skips Write.Hold or calls it outside its lock. OperationScope requires
// an Offerer of drivers.CapOperationScope to commit every optimistic op
// without a single version mismatch; other stores skip it. Hybrid runs
// the hybrid strategy with each lock (4 writers, one document, a 500µs
// hold, escalating after 2 conflicts and cooling after 2 ms, so that
// conditional and locked writes mix): every op commits, the audit is
// clean (on a non-atomic store, exact), the key escalated, and the
// escalated and plain ops add up to the cell's; the row lock skips on a
// store without row locks.
package runnertest
