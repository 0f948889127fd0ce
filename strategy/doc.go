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
//   - check-then-write: read, hold, read again and compare the version in
//     the client, then write unconditionally (Putter): the non-atomic
//     version check. A mismatch is a VersionMismatch conflict the client
//     detected; a write that lands between the check and the Put is
//     overwritten, so it is a control too (LossExpected), and the audit
//     counts what it lost.
//   - hybrid: optimistic, until a key meets HybridConfig.After conflicts
//     within HybridConfig.Window; that key's attempts then take a lock
//     (HybridConfig.Lock: a lease of the lease store with a conditional
//     write under it, or the store's row lock) until it has gone
//     HybridConfig.Cool without contention. The per-key state is an
//     Escalation shared by every writer of the cell (Config.Escalation),
//     which also sums the escalations and the time escalated; Op.Escalated
//     tells the runner which path an attempt took. Writes under the lock
//     are conditional on the version read (row locks serialise with
//     conditional writes in every store that has them), so the
//     optimistic writes still in flight when a key escalates cannot be
//     overwritten: no update is lost (LossExpected false).
//   - idempotent: deliveries carrying an idempotency key
//     (drivers.IdempotencyStore, scenario "idempotency"): claim the key
//     (PENDING), apply the effect and mark it COMPLETED in one step;
//     redeliveries (IdemParams.DuplicateRate) of a completed key are
//     suppressed, crashed claims (CrashRate) are redelivered and taken over
//     once StaleAfter has passed. An op is one delivery; what the
//     deliveries did is counted in Op.Idem (IdemTally), and the runner
//     audits the effects applied, not the deliveries (idempotent.go).
//
// # The conflict window
//
// Config.Hold (--hold, a delay.Dist) is the time an attempt spends
// between its read and its write, drawn per attempt from Op.Rand and
// waited on Config.Clock under the attempt's ctx: optimistic, lww and
// check-then-write wait it between their Read and their
// CompareAndSwap or Put (check-then-write before its checking read),
// lease between its read and its Put under the lease, and pessimistic
// and serializable inside the store's lock or transaction, through the
// drivers.Write.Hold callback the store calls between its read and its
// write (New refuses a hold for a store that refuses drivers.CapHold). A
// hold ended by ctx fails the attempt with ctx's error, marked not sent.
// On the wall clock the last 2 ms of a hold are waited by yielding, as
// timers fire up to a millisecond late on some machines; a wait
// allocates nothing.
//
// # Scopes
//
// Op.Scope selects what optimistic's conditional write and
// check-then-write's check compare: the document's version, the written
// field group's, or (drivers.ScopeOperation) the writer's own operation
// slot's, which no other writer advances. Config.Scope lets New refuse
// operation scope for a store that does not offer it
// (drivers.CapOperationScope) and for pessimistic, serializable and
// lease, whose lock or lease is the whole document's.
//
// A strategy makes one attempt at a time (Attempt); retries, backoff and
// the clock belong to the runner. The capability interfaces a strategy
// needs from a store are declared here, where they are consumed, and found
// by type assertion in New.
package strategy
