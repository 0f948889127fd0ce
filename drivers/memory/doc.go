// Package memory is an in-process store: a slice of documents, each
// guarded by its own mutex, and a lease table beside it. It needs nothing
// installed and is fast enough that the harness itself, not the store, is
// what a memory cell measures — unless Options.Latency injects a latency
// per round trip, which turns it into a model of a remote store whose
// contention behaviour can be studied without one.
//
// The store implements every capability of the strategy package but
// serializable transactions: conditional write (CompareAndSwap),
// unconditional and fenced write (Put, ReadFenced), pessimistic update
// (LockedUpdate, the document mutex held across read and write) and
// leases with monotonic fencing tokens.
//
// # Latency
//
// Options.Latency (--latency) is a delay.Dist: a constant (20ms), a
// normal (normal:20ms,3ms) or an exponential (exp:20ms) distribution. It
// is charged per round trip, and every method makes the round trips
// PostgreSQL makes for it (docs/ROUNDTRIPS.md has the table for every
// driver): one each for Read, CompareAndSwap, Put, ReadFenced, Acquire,
// Extend and Release, and four for LockedUpdate (BEGIN; SELECT … FOR
// UPDATE, which takes the mutex; UPDATE; COMMIT, which writes and
// releases it), so that an optimistic op costs two round trips and a
// pessimistic one four, with the lock held for two, as on PostgreSQL.
// Each round trip is waited in full before the step it carries takes
// effect. Waits up to 2 ms are spent yielding the processor rather than
// on a timer, which fires late on some machines.
//
// A random latency is drawn from a seeded stream: Session gives each
// writer a stream of its own, (Spec.Seed, n) for the n-th session since
// Setup, so that runs repeat. Calls on the Store itself share one stream.
// With a constant latency writers that start together stay in lockstep;
// docs/ROUNDTRIPS.md shows why a distribution, and not a staggered start,
// breaks it.
//
// # Memory
//
// Setup refuses a cell whose EstimateBytes (128 bytes per document and
// lease entry, 8 per field group, plus the payload) exceeds the memory
// available — MemAvailable from /proc/meminfo, or what a cgroup v2 limit
// leaves, or FallbackMemoryLimit where neither can be read — before it
// allocates anything, with an error naming keys, the estimate and the
// limit that wraps drivers.ErrInvalidOption.
//
// LockedUpdate calls Write.Hold (--hold) after its SELECT, the mutex
// held. With Spec.Slots > 0 each document keeps one operation slot
// version per writer (Doc.Slots), which CompareAndSwap checks and bumps
// under the operation scope (the store is a drivers.Offerer of
// CapOperationScope).
//
// Read followed by CompareAndSwap allocates nothing when Latency is 0,
// nor through a Session for latencies waited by yielding.
//
// A call's context ends its wait at once; the call then returns the
// context's error, marked not sent (drivers.MayHaveCommitted false): a
// call takes effect only after its last round trip. Options.Dial is
// ignored.
//
// Registered as driver "memory".
package memory
