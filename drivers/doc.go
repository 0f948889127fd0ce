// Package drivers is the contract between occbench and a store: the
// document model every store speaks, the capabilities a store may offer,
// the errors that classify an attempt's failure, and the registry that
// maps a --driver name to a constructor. It is the one package a driver
// author reads, as database/sql/driver is for SQL drivers; it imports no
// other occbench package but delay, and no driver imports strategy.
//
// # The contract
//
// A driver exports a concrete type that implements Store (Setup, Totals,
// Close: the cell's lifecycle and its audit) plus any of the capability
// interfaces of capabilities.go:
//
//	Reader               Read: one document into a caller-owned Doc
//	CompareAndSwapper    conditional write (optimistic)
//	Putter               unconditional, optionally fenced write (lww, lease)
//	FencedReader         raise the fence and read, atomically (lease fencing)
//	LockedUpdater        read-modify-write under a row lock (pessimistic)
//	SerializableUpdater  read-modify-write in a SERIALIZABLE transaction
//	Leaser               leases with fencing tokens (lease)
//	Sessioner            a connection of its own per writer
//	Versioner            the server's version, for results files
//	Limiter              capabilities the current server cannot honour
//	Offerer              capabilities a store opts into (operation scope)
//	IdempotencyStore     idempotency entries: claim, complete with the effect, fail
//
// The strategy package finds capabilities by type assertion: a store
// that lacks one cannot run the strategies that need it, and a store
// that implements one but cannot honour it on the server it reached (Mongo
// row locks without a replica set) says so through Limiter, by
// Capability. Either way the cell is skipped with the reason before it
// starts. Assert what you implement at compile time:
//
//	var (
//		_ drivers.Store             = (*Store)(nil)
//		_ drivers.CompareAndSwapper = (*Store)(nil)
//	)
//
// Spec says what Setup seeds (Keys documents at version 0, FieldGroups
// field groups sharing PayloadBytes); Write is one write intent, the
// same value for every write method, each of which documents the fields
// it reads; Totals is what the audit compares with the commits counted.
// A store must never report success for a write that did not commit,
// and must make every commit visible to Totals.
//
// # Scopes and the conflict window
//
// Write.Scope says what a conditional write compares, and so what two
// writers must share to conflict (--scope):
//
//	document     the document's version: any two writes to it conflict
//	field-group  field group w.Group's version (Doc.Groups): writes to
//	             different groups of one document never conflict
//	operation    the version of the writer's own operation slot, one per
//	             (document, writer) (Doc.Slots[w.Writer]): writers never
//	             hit the same slot, so they never conflict, while the
//	             document's version and counter still advance atomically
//
// Operation slots exist only in cells whose Spec.Slots > 0 (the cell's
// writers): Setup seeds Slots zero versions per document, Read fills
// Doc.Slots, and CompareAndSwap under ScopeOperation compares w.Expect
// with slot w.Writer and advances it with the document. Put, ReadFenced
// and the locked updates leave slots alone. A store offers the scope by
// implementing Offerer and answering Offers(CapOperationScope) true; one
// that does not is never given it (the cell is skipped with the reason).
//
// Write.Hold is the conflict window (--hold): the time a writer spends
// between its read and its write. Strategies that read and write
// themselves wait it between their calls; for the read-modify-writes a
// store makes on its own (LockedUpdate, SerializableUpdate) the store
// calls w.CallHold(ctx) after its read and before its write, inside its
// lock or transaction, and rolls back and returns the error (wrapped with
// NotSent: nothing was written) when it fails, as it does when ctx ends.
// The callback waits on the run's clock and draws from the writer's
// random source; it allocates nothing. A store that cannot call it there
// (a server-side script) must not skip it: it implements Limiter and
// refuses CapHold with its reason, and strategy.New refuses a hold > 0
// for the strategies that would need it.
//
// # Idempotency stores
//
// An IdempotencyStore (idempotency.go) keeps one entry per idempotency key
// beside the cell's documents, PENDING, COMPLETED or FAILED, with a request
// hash and an expiry; Setup drops them with the documents. Begin claims a
// key atomically (a unique constraint, SET NX in a script, a unique _id) and
// answers what it found, by drivers.IdemDecide: new, a FAILED entry claimed
// again, a stale PENDING entry taken over (with when it was claimed), a fresh
// PENDING entry, a COMPLETED one, or another request's hash. Complete applies
// the effect (version and counter +1) and marks the entry COMPLETED in one
// step, only for the token that holds the claim (ErrClaimLost otherwise).
// IdemTotals counts the keys ever completed, so that the runner's audit finds
// every double apply as Σ counter − keys completed. Times are the client's
// (IdemRequest.Now). drivertest.RunIdempotency is the conformance suite; a
// store whose claims are not atomic (FerretDB) is run with
// NonAtomicIdempotency and must show what goes wrong.
//
// # Errors
//
// A write that lost to another writer is a conflict: return an error for
// which KindOf reports its kind (Conflict(kind, err), or a preallocated
// ErrVersionMismatch, ErrLeaseHeld, ErrStaleFence, ErrLockNotAvailable,
// ErrLeaseLost, which allocate nothing). Anything else is an error; wrap
// it in an *OpError carrying its ErrorClass (connection, timeout, …) so
// that ClassOf needs no knowledge of the client library, and set
// OpError.NotSent (or wrap with NotSent) when the driver knows no write
// reached the server: the dial failed, the pool had no connection, ctx
// had ended before the send. MayHaveCommitted then says false, and the
// audit counts the op as not committed rather than in doubt. A refused
// setting (a bad Params value) wraps ErrInvalidOption and names the
// field; the CLI reports it as a usage error.
//
// # Contexts and timeouts
//
// Every method is bounded by its ctx: a call in flight when ctx ends is
// interrupted and fails with an error wrapping ctx's; a call made with
// an ended ctx touches nothing and fails at once, not committed. The
// runner gives every attempt its own deadline (scenario op_timeout), so a
// driver sets no operation timeouts of its own. Options.ConnectTimeout
// (0 = DefaultConnectTimeout) bounds each connection attempt: at Open,
// for a session, and on reconnect.
//
// # Sessions
//
// A store whose client holds connections should implement Sessioner:
// the runner opens one session per writer after Setup, so each writer
// has a connection of its own, as pgbench's clients do. A session
// implements the same capabilities as its store; one writer uses it at a
// time, plus that writer's lease heartbeat, which the session must
// serialise with the writer. Return ErrNoSessions when the configuration
// asks writers to share a pool.
//
// # Options
//
// Open gets Options: DSN ("" = the driver's default), Writers (size the
// pool for them), Clock (lease expiry for stores whose leases expire by
// the client's clock: tests fake it), Params (driver-specific settings,
// e.g. lock_wait), Latency (injected per round trip, in-process stores),
// ConnectTimeout, Dial (when set, every connection the driver opens to
// its server, data and lease alike, goes through it: occbench routes
// them through a fault-injecting proxy) and Log (the client library's
// log lines, which must never reach stderr; nil = drop them).
//
// # Registering
//
// A driver registers itself from an init function:
//
//	func init() {
//		drivers.Register(drivers.Driver{
//			Name:    "mystore",
//			Summary: "one line for occbench list drivers",
//			Open:    func(ctx context.Context, o drivers.Options) (drivers.Store, error) { return Open(ctx, o) },
//			Params:  []string{"lock_wait"}, // Options.Params keys it reads
//			Server:  true,                  // it talks to a server (a DSN or a container)
//		})
//	}
//
// The declarations (Params, Latency, Server, File) let the harness
// refuse, before anything runs, a setting the driver would ignore: an
// unknown param, a latency for a store that cannot inject it, an image
// or DSN for a store with no server.
//
// # The conformance suite
//
// Package drivers/drivertest checks each capability directly: Setup,
// Read, CompareAndSwap in both scopes, stale conditional writes, Put with
// and without fences, ReadFenced, LockedUpdate, writes outside the cell,
// leases, ended contexts, and concurrent writers. Package
// runner/runnertest adds the strategy cells: concurrent writers
// increment one document through the real strategies, runner and audit.
// A driver's test runs both with runnertest.Conformance and a factory
// that opens a fresh store per subtest:
//
//	func TestConformance(t *testing.T) {
//		runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
//			st, err := mystore.Open(context.Background(), o)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { st.Close() })
//			return st
//		}, drivertest.ServerClock())
//	}
//
// Options declare what the store does differently: ServerClock (leases
// expire by the server's clock, not Options.Clock), NonAtomicCAS (the
// suite then requires the loss to be detected), Leaser (a separate lease
// store), Writers (the size of the concurrent tests). A driver with a
// network connection also runs drivertest.RunNetwork, the fault suite
// (a paused, down or cut server through a Proxy), and may add
// drivertest.Benchmark. Tests that need a server read its DSN through
// internal/testenv and skip without one.
//
// # Adding a store, step by step
//
//  1. Create drivers/<name> with a doc.go that says how each capability
//     maps onto the store (which command, which isolation, whose clock
//     expires leases) and what it cannot do.
//  2. Implement Store and the capabilities the store can honour, with
//     compile-time assertions; return conflicts and *OpError as above;
//     honour ctx, Dial, ConnectTimeout and Log; allocate nothing per
//     call in an in-process store.
//  3. Register it from init with its declarations, and add a blank
//     import of the package to cmd/occbench so the CLI knows it.
//  4. Call runnertest.Conformance (and RunNetwork for a server) from its
//     tests; for a server, add its image to internal/provision and its
//     DSN variable to internal/testenv.
//  5. Check the capabilities list with `occbench list drivers` and run
//     a short scenario: every cell's audit must be clean, or skipped
//     with a reason.
//
// The registry is the only package-level mutable state in occbench: it is
// written from init functions only and read-only afterwards.
package drivers
