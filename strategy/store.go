package strategy

import (
	"context"
	"time"

	"github.com/occbench/occbench/drivers"
)

// The capabilities a strategy needs from a store. Drivers implement the
// ones their store supports; New finds them by type assertion.
//
// Every method that fails because of another writer returns an error for
// which drivers.KindOf reports the conflict kind (drivers.ErrVersionMismatch
// and friends for in-process stores). Any other error is an error, never
// a conflict. A method must not report success for a write that did not
// commit.

// Reader reads one document into d, reusing d's slices.
type Reader interface {
	Read(ctx context.Context, key int, d *drivers.Doc) error
}

// CompareAndSwapper makes a conditional write: when the version selected by
// w.Scope (the document's, or field group w.Group's) equals w.Expect, it
// atomically sets version+1, counter+1, group w.Group's version+1, the
// group's payload, writer, op and updated_at. Otherwise it changes nothing
// and returns a VersionMismatch conflict.
type CompareAndSwapper interface {
	Reader
	CompareAndSwap(ctx context.Context, w *drivers.Write) error
}

// Putter writes unconditionally the values the client computed from its
// read (w.Version, w.Counter, w.GroupVersion, payload, metadata): the naive
// read-modify-write. When w.Fence > 0 the store rejects the write with a
// StaleFence conflict if the document has accepted a higher fence, and
// otherwise records w.Fence as the document's fence.
type Putter interface {
	Reader
	Put(ctx context.Context, w *drivers.Write) error
}

// FencedReader raises the document's fence to fence and reads it, in one
// atomic step; it returns a StaleFence conflict (and reads nothing) if the
// document has already accepted a higher fence. A holder that claims the
// document this way makes every older holder's later write stale.
type FencedReader interface {
	ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error
}

// LockedUpdater makes one pessimistic read-modify-write: it takes the
// store's row lock (a per-document mutex, BEGIN IMMEDIATE, SELECT … FOR
// UPDATE), reads the document, writes version+1 and counter+1 computed
// from that read plus w's group payload and metadata, and commits. When
// the lock cannot be had (NOWAIT, busy timeout) it returns a
// LockNotAvailable conflict.
type LockedUpdater interface {
	LockedUpdate(ctx context.Context, w *drivers.Write) error
}

// Leaser grants leases on document keys. Fences increase monotonically
// per key across holders.
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
