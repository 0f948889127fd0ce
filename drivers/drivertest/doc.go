// Package drivertest is the conformance suite every occbench driver
// passes, in the manner of pgx's pgxtest: exported helpers that take a
// testing.T and a factory for the store under test.
//
//	func TestConformance(t *testing.T) {
//		drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store { … })
//	}
//
// A driver's test calls runnertest.Conformance (package runner/runnertest)
// instead, which runs Run and then the strategy cells; drivertest itself
// imports nothing above drivers, so that it knows no strategy.
//
// Run checks the semantics drivers/capabilities.go promises, one method at a
// time: Setup (validation, a fresh cell with nothing left of the last
// one), Read, CompareAndSwap in both scopes, stale conditional writes,
// Put with and without fences, ReadFenced, LockedUpdate, the rejection of
// writes outside the cell, and leases (grants, fences, Extend, Release,
// expiry). Then concurrent writers call CompareAndSwap and LockedUpdate
// directly. (Incrementing one document through the real strategies,
// runner and audit is runner/runnertest's.) A subtest skips, with one line, when the store lacks its capability.
//
// Options declare what a store is known to do differently: leases that
// expire by the server's clock (ServerClock; the others must use
// Options.Clock, which the suite fakes), conditional writes that are not
// atomic (NonAtomicCAS: the suite then asserts that the loss is
// detected), a separate lease store (Leaser), and the size of the concurrent tests
// (Writers). Benchmark measures Read and CompareAndSwap on one document.
//
// Run also calls every method with a context that has already ended (the
// EndedContext subtest): each must fail at once with an error wrapping
// the context's, which drivers.MayHaveCommitted calls not committed, and
// leave the store as it was. Every driver can know that such a call sent
// nothing, so the suite requires it of all.
//
// RunNetwork is the fault suite of drivers that talk to a server. The
// store is opened with Options.Dial pointing at a Proxy, which the test
// can pause (a hung server), take down (refusing connections), cut (the
// server closed every connection) or blackhole, without touching the
// server other tests share. It checks that every connection goes
// through Dial, that calls fail as connection errors not sent while the
// server is down and succeed within BackWithin once it is back, that a
// hung server ends calls at their deadline and Close within CloseWithin,
// and that Open fails within ConnectTimeout. CaptureStderr lets a test
// check that a client library printed nothing.
package drivertest
