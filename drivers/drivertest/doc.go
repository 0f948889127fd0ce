// Package drivertest is the conformance suite every occbench driver
// passes, in the manner of pgx's pgxtest: exported helpers that take a
// testing.T and a factory for the store under test.
//
//	func TestConformance(t *testing.T) {
//		drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store { … })
//	}
//
// It checks, through the real strategies and runner: many writers
// incrementing one document with each safe strategy the driver supports
// end with the exact count and a clean audit; a stale conditional write
// is rejected; a lease holder whose lease expired cannot write with its
// old fence; and the audit reports the updates that lww loses.
package drivertest
