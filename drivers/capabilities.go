package drivers

import (
	"context"
	"time"
)

// The capabilities a store may offer beyond Store. A driver implements
// the ones its store supports; the strategy package finds them by type
// assertion, and a strategy whose capability is missing is refused
// before a cell starts. This file is the whole write-path contract: what
// every method must honour.
//
// Common rules for every method below:
//
//   - Conflicts. A method that fails because another writer won returns
//     an error for which KindOf reports the conflict kind (wrap the
//     store's error with Conflict, or return one of the preallocated
//     ErrVersionMismatch, ErrLeaseHeld, … which allocate nothing). Any
//     other error is an error, never a conflict, and a conflict is never
//     reported for a failure of the store itself.
//   - Commits. A method must not report success for a write that did not
//     commit. When it fails knowing its request never reached the server
//     (no connection could be had, ctx ended before the send) it wraps
//     the error with NotSent, so that MayHaveCommitted(err) is false and
//     the audit knows the write cannot have landed. Otherwise the write
//     may have committed, and the audit counts it as in doubt.
//   - ctx. Every call is bounded by its ctx: once ctx is done, a call in
//     flight is interrupted and fails with an error that wraps ctx's
//     (errors.Is(err, context.DeadlineExceeded) or context.Canceled).
//     The runner gives every attempt a deadline of its own (scenario
//     op_timeout). A call made with a ctx that is already done touches
//     nothing and fails at once with an error that wraps ctx's and for
//     which MayHaveCommitted is false.
//   - Buffers. A *Doc argument is the caller's: reuse its Groups and
//     Payload slices and never keep them after the call. A *Write
//     argument is read during the call only. An in-process store's
//     method allocates nothing.
//   - Concurrency. A Store's methods are called from many goroutines at
//     once; a session's (see Sessioner) from one writer at a time, plus
//     that writer's lease heartbeat, which the session must serialise.

// Reader reads one document into d, reusing d's slices.
type Reader interface {
	Read(ctx context.Context, key int, d *Doc) error
}

// CompareAndSwapper makes a conditional write: when the version selected by
// w.Scope (the document's, field group w.Group's, or operation slot
// w.Writer's) equals w.Expect, it atomically sets version+1, counter+1,
// group w.Group's version+1, the group's payload, writer, op and
// updated_at, and under ScopeOperation slot w.Writer's version+1.
// Otherwise it changes nothing and returns a VersionMismatch conflict. A
// store that does not offer CapOperationScope (Offerer) is never given
// ScopeOperation.
type CompareAndSwapper interface {
	Reader
	CompareAndSwap(ctx context.Context, w *Write) error
}

// Putter writes unconditionally the values the client computed from its
// read (w.Version, w.Counter, w.GroupVersion, payload, metadata): the naive
// read-modify-write. When w.Fence > 0 the store rejects the write with a
// StaleFence conflict if the document has accepted a higher fence, and
// otherwise records w.Fence as the document's fence.
type Putter interface {
	Reader
	Put(ctx context.Context, w *Write) error
}

// FencedReader raises the document's fence to fence and reads it, in one
// atomic step; it returns a StaleFence conflict (and reads nothing) if the
// document has already accepted a higher fence. A holder that claims the
// document this way makes every older holder's later write stale.
type FencedReader interface {
	ReadFenced(ctx context.Context, key int, fence int64, d *Doc) error
}

// LockedUpdater makes one pessimistic read-modify-write: it takes the
// store's row lock (a per-document mutex, BEGIN IMMEDIATE, SELECT … FOR
// UPDATE), reads the document, writes version+1 and counter+1 computed
// from that read plus w's group payload and metadata, and commits. When
// the lock cannot be had (NOWAIT, busy timeout) it returns a
// LockNotAvailable conflict. Between its read and its write, with the
// lock held, it calls w.CallHold(ctx) (the conflict window, --hold); when
// that fails it rolls back and returns the error, wrapped with NotSent.
type LockedUpdater interface {
	LockedUpdate(ctx context.Context, w *Write) error
}

// SerializableUpdater makes one read-modify-write inside a SERIALIZABLE
// transaction, with the same effect as LockedUpdate; serialization
// failures and deadlocks are Serialization and Deadlock conflicts. It
// calls w.CallHold(ctx) between its read and its write, inside the
// transaction, as LockedUpdate does.
type SerializableUpdater interface {
	SerializableUpdate(ctx context.Context, w *Write) error
}

// Leaser grants leases on document keys. Fences increase monotonically
// per key across holders. A lease expires by Options.Clock in an
// in-process store (so tests can drive expiry with a fake clock), or by
// the server's clock; the driver's doc says which.
type Leaser interface {
	// Acquire takes the lease on key for holder if it is free or expired,
	// returning the new fencing token; a LeaseHeld conflict otherwise.
	Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (fence int64, err error)
	// Extend pushes the expiry to now+ttl if holder still holds the lease
	// with fence; a LeaseLost conflict otherwise.
	Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error
	// Release frees the lease if holder still holds it with fence; a
	// LeaseLost conflict otherwise.
	Release(ctx context.Context, key int, holder, fence int64) error
}

// Sessioner is implemented by stores that can give one writer a
// connection of its own for a whole cell, as pgbench gives each client
// one. The runner opens one session per writer after Setup, builds that
// writer's strategy over it and closes it before the audit. A session
// implements the same capabilities as its store; only one goroutine
// uses it at a time, except a lease heartbeat, which the session must
// serialise with the writer. ctx bounds the session: once it is
// cancelled, a statement in flight is interrupted and fails with an
// error that wraps ctx's. A store that cannot offer sessions in its
// current configuration returns ErrNoSessions, and its writers share
// the store.
type Sessioner interface {
	Session(ctx context.Context) (Store, error)
}

// Versioner is implemented by stores that can report their server version.
type Versioner interface {
	ServerVersion(ctx context.Context) (string, error)
}

// Capability names one of the interfaces above, for Limiter.
type Capability uint8

const (
	CapRead           Capability = iota + 1 // Reader
	CapCompareAndSwap                       // CompareAndSwapper
	CapPut                                  // Putter
	CapReadFenced                           // FencedReader
	CapLockedUpdate                         // LockedUpdater
	CapSerializable                         // SerializableUpdater
	CapLease                                // Leaser
	CapSession                              // Sessioner
	// CapHold: LockedUpdate and SerializableUpdate call Write.Hold
	// between their read and their write. A store that implements either
	// and cannot wait there refuses it through Limiter.
	CapHold
	// CapOperationScope: Read fills Doc.Slots and CompareAndSwap honours
	// ScopeOperation when Spec.Slots > 0. Offered only through Offerer.
	CapOperationScope
	// CapIdempotency: IdempotencyStore (idempotency.go), the idempotent
	// strategy's store.
	CapIdempotency
	// CapOpLog: the store keeps an op log per document when Spec.OpLog
	// is set (OpLogger). A store that implements OpLogger and cannot
	// keep the log in its current configuration refuses it through
	// Limiter.
	CapOpLog
)

var capNames = [...]string{
	CapRead:           "reads",
	CapCompareAndSwap: "conditional writes",
	CapPut:            "unconditional writes",
	CapReadFenced:     "fenced writes",
	CapLockedUpdate:   "row locks",
	CapSerializable:   "serializable transactions",
	CapLease:          "leases",
	CapSession:        "sessions",
	CapHold:           "a hold inside row locks and transactions",
	CapOperationScope: "operation scope (per-writer slot versions)",
	CapIdempotency:    "an idempotency store",
	CapOpLog:          "an op log (--audit ops)",
}

// String names the capability in prose, as error messages use it:
// "conditional writes", "row locks", ….
func (c Capability) String() string {
	if int(c) < len(capNames) && capNames[c] != "" {
		return capNames[c]
	}
	return "unknown capability"
}

// Limiter is implemented by stores that implement a capability's
// interface but can honour it only on some servers (Mongo's locked
// updates need multi-document transactions, which need a replica set).
// Unsupported returns why the store cannot offer c in its current
// configuration, or "" when it can. A non-empty reason makes
// strategy.New refuse every strategy that needs c, and the runner skips
// the cell with that reason. It is asked about capabilities only, never
// about strategies, so that a driver need not know them.
type Limiter interface {
	Unsupported(c Capability) string
}

// Offerer is implemented by stores that offer capabilities which no
// interface of their own declares, because they change what existing
// methods do (CapOperationScope). Offers reports whether the store
// honours c; a store that does not implement Offerer offers none of
// them, so that a driver written before a capability existed is refused
// rather than silently wrong. Limiter still has the last word.
type Offerer interface {
	Offers(c Capability) bool
}

// OpLogger is implemented by stores that can keep, with every document,
// the identities (Write.Writer, Write.Op) of the committed writes its
// value holds: the document's op log, which --audit ops reads back to
// name lost and duplicated ops. When Spec.OpLog is set, every write path
// updates the log in the same atomic step as the document, so that the
// log is always exactly as long as the document's counter:
//
//   - CompareAndSwap, LockedUpdate and SerializableUpdate append
//     (Writer, Op) to the log: the write's counter is the log's length.
//   - Put stores w.Counter: it keeps the first w.Counter−1 entries (what
//     the writer read, as far as the store still holds them) and
//     appends (Writer, Op). A naive read-modify-write thus loses the
//     identities of the writes it overwrites, as it loses their counts.
//
// When Spec.OpLog is not set the store keeps no log and its write paths
// do exactly what they did before (no extra work, no allocation).
//
// OpLog calls fn for every entry of every document of the cell, document
// by document, each log in write order; it stops at fn's first error and
// returns it (wrapped or not: errors.Is finds it). It reads the store
// directly, as Totals does.
type OpLogger interface {
	OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error
}
