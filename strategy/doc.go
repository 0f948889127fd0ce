// Package strategy holds the write strategies occbench measures: how one
// writer tries to commit one operation against a store.
//
//   - optimistic: read the document and its version, write only if the
//     version is unchanged (CompareAndSwapper).
//   - pessimistic: take the store's row lock for the read-modify-write
//     (LockedUpdater).
//   - serializable: the read and the write in one SERIALIZABLE transaction
//     (SerializableUpdater).
//   - lease: acquire a lease with a fencing token, read and write under it,
//     release; a heartbeat extends the lease at TTL/2 (Leaser, Putter and,
//     with fencing, FencedReader).
//   - lww: a naive read-modify-write with an unconditional write (Putter),
//     the control that shows lost updates.
//
// A strategy makes one attempt at a time (Attempt); retries, backoff and
// the clock belong to the runner. The capability interfaces a strategy
// needs from a store are declared here, where they are consumed, and found
// by type assertion in New.
package strategy
