// Package memory is an in-process store: a slice of documents, each
// guarded by its own mutex, and a lease table beside it. It needs nothing
// installed and is fast enough that the harness itself, not the store, is
// what a memory cell measures — unless Options.Latency injects a service
// time per call, which turns it into a model of a remote store whose
// contention behaviour can be studied without one.
//
// The store implements every capability of the strategy package:
// conditional write (CompareAndSwap), unconditional and fenced write
// (Put, ReadFenced), pessimistic update (LockedUpdate, the document mutex
// held across read and write) and leases with monotonic fencing tokens.
//
// Read followed by CompareAndSwap allocates nothing when Latency is 0.
//
// Registered as driver "memory".
package memory
