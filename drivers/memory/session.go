package memory

import (
	"context"
	"time"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.Store             = (*Session)(nil)
	_ drivers.CompareAndSwapper = (*Session)(nil)
	_ drivers.Putter            = (*Session)(nil)
	_ drivers.FencedReader      = (*Session)(nil)
	_ drivers.LockedUpdater     = (*Session)(nil)
	_ drivers.Leaser            = (*Session)(nil)
	_ drivers.Offerer           = (*Session)(nil)
)

// Session is one writer's view of a Store: the same documents and
// leases, with latency drawn from the session's own seeded stream. Its
// methods are the Store's; the draws are serialised, so a writer and its
// lease heartbeat may share a session.
type Session struct {
	s  *Store
	rt *roundTrips
}

// Setup is Store.Setup.
func (ss *Session) Setup(ctx context.Context, spec drivers.Spec) error { return ss.s.Setup(ctx, spec) }

// Totals is Store.Totals.
func (ss *Session) Totals(ctx context.Context) (drivers.Totals, error) { return ss.s.Totals(ctx) }

// Close does nothing: the documents belong to the Store.
func (ss *Session) Close() error { return nil }

// Offers is Store.Offers.
func (ss *Session) Offers(c drivers.Capability) bool { return ss.s.Offers(c) }

// Read is Store.Read.
func (ss *Session) Read(ctx context.Context, key int, d *drivers.Doc) error {
	return ss.s.read(ctx, ss.rt, key, d)
}

// CompareAndSwap is Store.CompareAndSwap.
func (ss *Session) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	return ss.s.compareAndSwap(ctx, ss.rt, w)
}

// Put is Store.Put.
func (ss *Session) Put(ctx context.Context, w *drivers.Write) error {
	return ss.s.put(ctx, ss.rt, w)
}

// ReadFenced is Store.ReadFenced.
func (ss *Session) ReadFenced(ctx context.Context, key int, fence int64, out *drivers.Doc) error {
	return ss.s.readFenced(ctx, ss.rt, key, fence, out)
}

// LockedUpdate is Store.LockedUpdate.
func (ss *Session) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	return ss.s.lockedUpdate(ctx, ss.rt, w)
}

// Acquire is Store.Acquire.
func (ss *Session) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	return ss.s.acquire(ctx, ss.rt, key, holder, ttl)
}

// Extend is Store.Extend.
func (ss *Session) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	return ss.s.extend(ctx, ss.rt, key, holder, fence, ttl)
}

// Release is Store.Release.
func (ss *Session) Release(ctx context.Context, key int, holder, fence int64) error {
	return ss.s.release(ctx, ss.rt, key, holder, fence)
}
