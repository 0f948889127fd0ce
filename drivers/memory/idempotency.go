package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/occbench/occbench/drivers"
)

var (
	_ drivers.IdempotencyStore = (*Store)(nil)
	_ drivers.IdempotencyStore = (*Session)(nil)
)

// idemEntry is one idempotency entry.
type idemEntry struct {
	status    string
	hash      uint64
	token     int64
	claimedAt int64
	expiresAt int64
	done      bool // completed at least once: survives expiry and reclaim
}

// idemTable is the store's idempotency table: one mutex for the map,
// held across a Complete's write to the document, so that the effect and
// the COMPLETED mark are one step. Expired entries are reclaimed in
// place, never deleted, so that IdemTotals counts every key ever
// completed.
type idemTable struct {
	mu      sync.Mutex
	entries map[int64]*idemEntry
}

func (t *idemTable) reset() {
	t.mu.Lock()
	t.entries = nil
	t.mu.Unlock()
}

// Begin claims r.Key (drivers.IdemDecide): one round trip.
func (s *Store) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	return s.begin(ctx, s.rt, r, c)
}

// Complete applies r's effect to its document and marks r.Key COMPLETED
// under the table's mutex and the document's: one round trip.
func (s *Store) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	return s.complete(ctx, s.rt, r)
}

// Fail marks r.Key FAILED: one round trip.
func (s *Store) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	return s.fail(ctx, s.rt, r)
}

// IdemTotals counts the entries.
func (s *Store) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	if err := ctx.Err(); err != nil {
		return drivers.IdemTotals{}, fmt.Errorf("memory: idempotency totals: %w", err)
	}
	t := &s.idem
	t.mu.Lock()
	defer t.mu.Unlock()
	var out drivers.IdemTotals
	for _, e := range t.entries {
		if e.done {
			out.Completed++
		}
		switch e.status {
		case drivers.IdemStatusPending:
			out.Pending++
		case drivers.IdemStatusFailed:
			out.Failed++
		}
	}
	return out, nil
}

// Begin is Store.Begin, with the session's latency.
func (ss *Session) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	return ss.s.begin(ctx, ss.rt, r, c)
}

// Complete is Store.Complete, with the session's latency.
func (ss *Session) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	return ss.s.complete(ctx, ss.rt, r)
}

// Fail is Store.Fail, with the session's latency.
func (ss *Session) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	return ss.s.fail(ctx, ss.rt, r)
}

// IdemTotals is Store.IdemTotals.
func (ss *Session) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	return ss.s.IdemTotals(ctx)
}

func (s *Store) begin(ctx context.Context, rt *roundTrips, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	if err := drivers.CheckIdem(r); err != nil {
		return fmt.Errorf("memory: idempotency begin: %w", err)
	}
	if err := rt.wait(ctx); err != nil {
		return err
	}
	t := &s.idem
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.entries == nil {
		t.entries = make(map[int64]*idemEntry)
	}
	e, found := t.entries[r.Key]
	var state drivers.IdemState
	var claim bool
	if found {
		state, claim = drivers.IdemDecide(true, e.status, e.hash, e.claimedAt, e.expiresAt, r)
	} else {
		state, claim = drivers.IdemDecide(false, "", 0, 0, 0, r)
	}
	c.State, c.PendingSince = state, 0
	if state == drivers.IdemRecovered {
		c.PendingSince = e.claimedAt
	}
	if !claim {
		return nil
	}
	if e == nil {
		e = &idemEntry{}
		t.entries[r.Key] = e
	}
	e.status, e.hash, e.token, e.claimedAt, e.expiresAt = drivers.IdemStatusPending, r.Hash, r.Token, r.Now, r.Now+int64(r.TTL)
	return nil
}

func (s *Store) complete(ctx context.Context, rt *roundTrips, r *drivers.IdemRequest) error {
	if err := drivers.CheckIdem(r); err != nil {
		return fmt.Errorf("memory: idempotency complete: %w", err)
	}
	d, err := s.doc("idempotency complete", r.Doc)
	if err != nil {
		return err
	}
	if err := rt.wait(ctx); err != nil {
		return err
	}
	t := &s.idem
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[r.Key]
	if e == nil || e.status != drivers.IdemStatusPending || e.token != r.Token {
		return drivers.ErrClaimLost
	}
	d.mu.Lock()
	d.version++
	d.counter++
	d.writer, d.op, d.updatedAt = r.Writer, r.Op, r.Now
	d.mu.Unlock()
	e.status, e.done = drivers.IdemStatusCompleted, true
	return nil
}

func (s *Store) fail(ctx context.Context, rt *roundTrips, r *drivers.IdemRequest) error {
	if err := drivers.CheckIdem(r); err != nil {
		return fmt.Errorf("memory: idempotency fail: %w", err)
	}
	if err := rt.wait(ctx); err != nil {
		return err
	}
	t := &s.idem
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[r.Key]
	if e == nil || e.status != drivers.IdemStatusPending || e.token != r.Token {
		return drivers.ErrClaimLost
	}
	e.status = drivers.IdemStatusFailed
	return nil
}
