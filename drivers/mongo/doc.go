// Package mongo is the MongoDB store, on the official Go driver
// (go.mongodb.org/mongo-driver/v2). It also speaks to wire-compatible
// servers such as FerretDB, and says where they fall short.
//
// Open connects to the mongodb:// URI the run passes in (--dsn;
// provisioning a server is done elsewhere) and runs hello and buildInfo
// to learn the server's version, whether it is FerretDB (buildInfo's
// ferretdbVersion), and whether it runs transactions (hello's setName: a
// replica set member, or a mongos). The pool holds at least MinPoolSize
// connections, two per writer beyond that, unless the URI sets
// maxPoolSize. Errors never show the DSN's password.
//
// # Schema
//
// The database is the URI's path (mongodb://h:27017/bench → "bench"), or
// "occbench". Setup drops and recreates two collections in it, and
// touches nothing else (under Options.Namespace NS they are NS_docs and
// NS_leases, and the markers of a multi-runner run are documents of
// NS_occbench_meta; Attach touches no collection):
//
//	docs    {_id: key (int64),            // document key, 0 … keys-1
//	         version, counter, fence,     // int64: +1 per write, +1 per op, highest fence
//	         writer, op, updated_at,      // int64: last write's writer, op, Unix ns
//	         gv0 … gvN-1,                 // int64: one version per field group
//	         p0 … pN-1,                   // binary: one payload per field group
//	         sl0 … slW-1,                 // int64: operation slots, one per writer (Spec.Slots)
//	         lock}                        // only inside LockedUpdate's transaction
//	leases  {_id: key (int64), holder (int64, 0 = free),
//	         expires_at (int64 Unix ns, client clock), fence (int64)}
//
// Flat gvG/pG fields (rather than arrays) keep every update a plain
// $set/$inc of a top-level field, the form FerretDB handles too. docs is
// seeded with unordered InsertMany batches of 1000, four at a time;
// leases starts empty: the first Acquire of a key upserts its document.
//
// # Write paths
//
//   - CompareAndSwap: findOneAndUpdate({_id, version: expect} — or
//     {_id, gvG: expect} for the field-group scope, {_id, slW: expect}
//     for the operation scope, which also $incs slW — , {$inc: {version,
//     counter, gvG}, $set: {pG, writer, op, updated_at}}); no document
//     (ErrNoDocuments) is a VersionMismatch conflict.
//   - Put: updateOne of the client's values; when fenced the filter adds
//     fence ≤ w.Fence and the update sets fence; 0 matched is StaleFence.
//   - ReadFenced: findOneAndUpdate({_id, fence ≤ f}, {$set: {fence: f}})
//     returning the document after the update; none is StaleFence.
//   - LockedUpdate: one transaction: findOneAndUpdate $set lock (the
//     document's write lock until the transaction ends) returning version,
//     counter and gvG; Write.Hold (--hold), the lock held; updateOne with
//     those +1, the payload and metadata,
//     $unset lock; commit. MongoDB does not queue a transaction behind
//     another one's document lock: the later writer fails at once with
//     WriteConflict (112, labelled TransientTransactionError), which is a
//     WriteConflict conflict, so it behaves like FOR UPDATE NOWAIT. The
//     transaction is not retried inside the call (Session.WithTransaction
//     would retry for up to 120 s and hide every conflict from the
//     runner); only a commit whose outcome is unknown is retried.
//   - Leases: Acquire is findOneAndUpdate with upsert on {_id, $or:
//     [{holder: 0}, {expires_at ≤ now}]} setting holder and expires_at and
//     incrementing fence; a held lease makes the upsert collide with the
//     existing _id (duplicate key, 11000): a LeaseHeld conflict. Extend
//     and Release are updateOne filtered on holder and fence (Extend also
//     on expires_at > now); 0 matched is LeaseLost.
//
// Lease expiry uses the client's clock (Options.Clock, else the wall
// clock), not the server's: every writer of a run shares one process and
// one clock, tests can drive expiry with a fake clock, and FerretDB
// supports no aggregation-pipeline update that could read $$NOW. Writers
// on several machines would need synchronised clocks.
//
// # Servers without transactions
//
// On a standalone server or FerretDB, LockedUpdate cannot be pessimistic:
// it returns an error wrapping errors.ErrUnsupported and writes nothing,
// and the store, a drivers.Limiter, answers Unsupported(drivers.CapLockedUpdate)
// with the reason, e.g. "row locks need multi-document transactions,
// which need a replica set: server is not a replica set", so that
// strategy.New refuses the pessimistic strategy and the cell is skipped
// with that reason before it starts.
//
// # FerretDB
//
// FerretDB v1 (measured: v1.24.2 on SQLite) executes a filtered update as
// a query, a filter and update applied in Go, and a write of the whole
// document by _id, with nothing isolating the three (handler/common
// UpdateDocument; FerretDB issue 2168): two writers whose filters hold the
// same version both match, and both "win". Optimistic writers therefore
// lose updates — on one document, 8 writers × 200 ops lost 83–91 % of the
// 1600 committed increments and 16 × 500 lost 92 % of 8000 — and so do
// leases (two writers can acquire one lease with the same fence; 8 × 100
// lost 43–50 %). One writer loses nothing. The driver does not hide this:
// the audit reports the loss, and the tests assert that it does
// (drivertest.NonAtomicCAS, TestNonAtomicAudit). FerretDB also rejects a
// projection in findAndModify (whole documents come back instead), has no
// aggregation-pipeline updates, and sums 64-bit integers to 0 in $group,
// so Totals sums on the client.
//
// # Errors
//
// Errors that are not conflicts carry a drivers.ErrorClass: network
// errors, failed server selection, "not primary" and shutdown codes are
// connection errors; context deadlines, MaxTimeMSExpired and network
// timeouts are timeouts; other server errors are server errors.
//
// An error is marked not sent (drivers.MayHaveCommitted false) when the
// call cannot have written: its context had ended before it started, no
// server could be selected, the client was disconnected, the call only
// reads, or a LockedUpdate failed before its commit was sent. Any other
// failure of a write may have been applied.
//
// # Faults
//
// The driver reconnects by itself: after a network error it marks the
// server unknown and clears its pool, and the next operation waits in
// server selection until its monitor sees the server again (the monitor
// checks at most every 500 ms when an operation waits: measured, the
// first read 0.4 s after a restarted server accepts connections).
// Options.ConnectTimeout (0 = drivers.DefaultConnectTimeout) is both the
// connect timeout (dial and handshake) and the server selection timeout,
// so Open and every call fail within it while the server is down; it
// overrides connectTimeoutMS and serverSelectionTimeoutMS in the URI,
// which apply when it is 0. Options.Dial, when set, makes every
// connection, the monitor's included. Close gives Disconnect 1.5 s, as
// a hung server never answers its endSessions. The driver's log lines
// (only when MONGODB_LOG_* asks for them) go to Options.Log, or nowhere,
// never to stderr.
//
// # Parameters
//
// Options.Params (--param key=value) accepts:
//
//	write_concern  majority (default) | 1, 2, …   w of every write and commit
//	read_concern   local (default) | majority | available | linearizable
//	lock_wait      nowait only: what MongoDB transactions always do
//
// Transactions read at "majority" when read_concern is majority or
// linearizable, else at "local". ServerVersion reports the concerns
// ("MongoDB 7.0.12, replica set rs0; writeConcern=majority
// readConcern=local") and Settings returns them as a map for results
// files. The URI's own w and readConcernLevel are overridden.
//
// Registered as driver "mongo".
package mongo
