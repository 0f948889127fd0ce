package drivertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// IdemOption adjusts RunIdempotency for a driver.
type IdemOption func(*idemSuite)

// NonAtomicIdempotency declares a store whose claim and completion are
// not atomic (FerretDB v1's conditional updates): the concurrent test
// then requires every double apply to be visible (Σ counter = the
// completions that succeeded, and Σ counter − keys completed = the
// double applies) instead of requiring none.
func NonAtomicIdempotency() IdemOption { return func(s *idemSuite) { s.nonAtomic = true } }

type idemSuite struct {
	open      Opener
	nonAtomic bool
}

// RunIdempotency checks a drivers.IdempotencyStore: Begin's answers
// (new, pending, completed, mismatch, retry after Fail, recovered after
// stale_after, new again after the TTL), Complete's single step (the
// effect and the COMPLETED mark, refused to a claim taken over), Fail,
// IdemTotals, Setup dropping the entries, an ended context, and
// concurrent deliveries of the same keys. Times are the requests' own
// (IdemRequest.Now), so the suite needs no clock. It skips when the
// store is not an IdempotencyStore.
func RunIdempotency(t *testing.T, open Opener, opts ...IdemOption) {
	s := &idemSuite{open: open}
	for _, o := range opts {
		o(s)
	}
	t.Run("Lifecycle", s.lifecycle)
	t.Run("StaleAndFailed", s.staleAndFailed)
	t.Run("Expiry", s.expiry)
	t.Run("SetupDrops", s.setupDrops)
	t.Run("EndedContext", s.ended)
	t.Run("Concurrent", s.concurrent)
	t.Run("ConcurrentTakeover", s.concurrentTakeover)
}

// idemT0 is the requests' time origin: any fixed time works, the store
// compares only the requests' times.
var idemT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func (s *idemSuite) store(t *testing.T, keys int) (drivers.Store, drivers.IdempotencyStore, context.Context) {
	t.Helper()
	st := s.open(t, drivers.Options{Writers: 8})
	is := need[drivers.IdempotencyStore](t, st, "idempotency store")
	ctx := ctxFor(t)
	if err := st.Setup(ctx, drivers.Spec{Keys: keys, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return st, is, ctx
}

func idemReq(key, token int64, doc int, now int64) *drivers.IdemRequest {
	return &drivers.IdemRequest{Key: key, Hash: uint64(key) * 31, Token: token, Doc: doc, Writer: 1, Op: token, Now: now,
		TTL: time.Hour, StaleAfter: time.Second}
}

func begin(t *testing.T, ctx context.Context, is drivers.IdempotencyStore, r *drivers.IdemRequest, want drivers.IdemState) drivers.IdemClaim {
	t.Helper()
	var c drivers.IdemClaim
	if err := is.Begin(ctx, r, &c); err != nil {
		t.Fatalf("Begin key %d token %d: %v", r.Key, r.Token, err)
	}
	if c.State != want {
		t.Fatalf("Begin key %d token %d: %s, want %s", r.Key, r.Token, c.State, want)
	}
	return c
}

func counterSum(t *testing.T, ctx context.Context, st drivers.Store) int64 {
	t.Helper()
	tot, err := st.Totals(ctx)
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	return tot.Counter
}

func idemTotals(t *testing.T, ctx context.Context, is drivers.IdempotencyStore) drivers.IdemTotals {
	t.Helper()
	it, err := is.IdemTotals(ctx)
	if err != nil {
		t.Fatalf("IdemTotals: %v", err)
	}
	return it
}

func wantClaimLost(t *testing.T, what string, err error) {
	t.Helper()
	if drivers.KindOf(err) != drivers.LeaseLost {
		t.Fatalf("%s: %v, want a lease_lost conflict (claim taken over)", what, err)
	}
}

func (s *idemSuite) lifecycle(t *testing.T) {
	st, is, ctx := s.store(t, 2)
	r := idemReq(1, 1, 1, idemT0)
	begin(t, ctx, is, r, drivers.IdemNew)
	// In progress: another delivery within stale_after.
	begin(t, ctx, is, idemReq(1, 2, 1, idemT0+int64(time.Millisecond)), drivers.IdemPending)
	if err := is.Complete(ctx, r); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := counterSum(t, ctx, st); got != 1 {
		t.Fatalf("Σ counter after Complete = %d, want 1", got)
	}
	begin(t, ctx, is, idemReq(1, 3, 1, idemT0+int64(2*time.Millisecond)), drivers.IdemCompleted)
	other := idemReq(1, 4, 1, idemT0+int64(3*time.Millisecond))
	other.Hash++
	begin(t, ctx, is, other, drivers.IdemMismatch)
	// A second Complete of the same claim, or one by a token that never
	// held it, changes nothing.
	wantClaimLost(t, "Complete after COMPLETED", is.Complete(ctx, r))
	wantClaimLost(t, "Complete by another token", is.Complete(ctx, idemReq(1, 3, 1, idemT0)))
	wantClaimLost(t, "Complete of an unknown key", is.Complete(ctx, idemReq(9, 9, 1, idemT0)))
	if got := counterSum(t, ctx, st); got != 1 {
		t.Fatalf("Σ counter = %d after refused completions, want 1", got)
	}
	if it := idemTotals(t, ctx, is); it != (drivers.IdemTotals{Completed: 1}) {
		t.Fatalf("IdemTotals = %+v, want 1 completed", it)
	}
}

func (s *idemSuite) staleAndFailed(t *testing.T) {
	st, is, ctx := s.store(t, 1)
	crashed := idemReq(2, 1, 0, idemT0)
	begin(t, ctx, is, crashed, drivers.IdemNew)
	// Exactly stale_after later it is still in progress; just after, the
	// redelivery takes it over and learns when the crash was.
	begin(t, ctx, is, idemReq(2, 2, 0, idemT0+int64(time.Second)), drivers.IdemPending)
	taker := idemReq(2, 3, 0, idemT0+int64(time.Second)+1)
	if c := begin(t, ctx, is, taker, drivers.IdemRecovered); c.PendingSince != idemT0 {
		t.Fatalf("PendingSince = %d, want the crashed claim's %d", c.PendingSince, idemT0)
	}
	wantClaimLost(t, "Complete by the crashed claim", is.Complete(ctx, crashed))
	wantClaimLost(t, "Fail by the crashed claim", is.Fail(ctx, crashed))
	if err := is.Complete(ctx, taker); err != nil {
		t.Fatalf("Complete by the takeover: %v", err)
	}

	failed := idemReq(3, 4, 0, idemT0)
	begin(t, ctx, is, failed, drivers.IdemNew)
	if err := is.Fail(ctx, failed); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	if it := idemTotals(t, ctx, is); it != (drivers.IdemTotals{Completed: 1, Failed: 1}) {
		t.Fatalf("IdemTotals = %+v, want 1 completed, 1 failed", it)
	}
	retry := idemReq(3, 5, 0, idemT0+1)
	begin(t, ctx, is, retry, drivers.IdemRetry)
	wantClaimLost(t, "Complete by the failed claim", is.Complete(ctx, failed))
	if err := is.Complete(ctx, retry); err != nil {
		t.Fatalf("Complete after retry: %v", err)
	}
	pending := idemReq(4, 6, 0, idemT0)
	begin(t, ctx, is, pending, drivers.IdemNew)
	if got, it := counterSum(t, ctx, st), idemTotals(t, ctx, is); got != 2 || it != (drivers.IdemTotals{Completed: 2, Pending: 1}) {
		t.Fatalf("Σ counter %d, IdemTotals %+v: want 2, 2 completed and 1 pending", got, it)
	}
}

// expiry: an entry past its TTL is forgotten: the key is new again and a
// second Complete applies the effect twice, which Σ counter − Completed
// shows (the store still counts the key once).
func (s *idemSuite) expiry(t *testing.T) {
	st, is, ctx := s.store(t, 1)
	r := idemReq(5, 1, 0, idemT0)
	begin(t, ctx, is, r, drivers.IdemNew)
	if err := is.Complete(ctx, r); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	begin(t, ctx, is, idemReq(5, 2, 0, idemT0+int64(time.Hour)-1), drivers.IdemCompleted)
	again := idemReq(5, 3, 0, idemT0+int64(time.Hour))
	begin(t, ctx, is, again, drivers.IdemNew)
	if err := is.Complete(ctx, again); err != nil {
		t.Fatalf("Complete after expiry: %v", err)
	}
	if got, it := counterSum(t, ctx, st), idemTotals(t, ctx, is); got != 2 || it.Completed != 1 {
		t.Fatalf("Σ counter %d, completed %d: want 2 and 1 (the expired key applied twice, counted once)", got, it.Completed)
	}
}

func (s *idemSuite) setupDrops(t *testing.T) {
	st, is, ctx := s.store(t, 1)
	r := idemReq(6, 1, 0, idemT0)
	begin(t, ctx, is, r, drivers.IdemNew)
	if err := is.Complete(ctx, r); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := st.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if it := idemTotals(t, ctx, is); it != (drivers.IdemTotals{}) {
		t.Fatalf("IdemTotals after Setup = %+v, want none", it)
	}
	begin(t, ctx, is, idemReq(6, 2, 0, idemT0), drivers.IdemNew)
}

func (s *idemSuite) ended(t *testing.T) {
	st, is, ctx := s.store(t, 1)
	done, cancel := context.WithCancel(ctx)
	cancel()
	var c drivers.IdemClaim
	r := idemReq(7, 1, 0, idemT0)
	if err := is.Begin(done, r, &c); err == nil || drivers.MayHaveCommitted(err) {
		t.Fatalf("Begin with an ended ctx: %v, want an error that did not commit", err)
	}
	begin(t, ctx, is, r, drivers.IdemNew)
	if err := is.Complete(done, r); err == nil || drivers.MayHaveCommitted(err) {
		t.Fatalf("Complete with an ended ctx: %v, want an error that did not commit", err)
	}
	if got := counterSum(t, ctx, st); got != 0 {
		t.Fatalf("Σ counter = %d after an ended Complete, want 0", got)
	}
}

// concurrent: 8 goroutines deliver the same 50 keys, each claiming and
// completing every key it can. Each key must be applied once; a store
// declared non-atomic must show every double apply instead.
func (s *idemSuite) concurrent(t *testing.T) {
	const writers, keys = 8, 50
	st, is, ctx := s.store(t, 4)
	var applied [writers]int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c drivers.IdemClaim
			for k := range keys {
				key := int64((k+w*7)%keys) + 1
				r := idemReq(key, int64(w+1)<<32|key, int(key)%4, idemT0)
				if err := is.Begin(ctx, r, &c); err != nil {
					errs <- err
					return
				}
				if !c.State.Claimed() {
					continue
				}
				err := is.Complete(ctx, r)
				switch {
				case err == nil:
					applied[w]++
				case drivers.KindOf(err) != drivers.NotConflict:
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent delivery: %v", err)
	}
	var sum int64
	for _, a := range applied {
		sum += a
	}
	counter, it := counterSum(t, ctx, st), idemTotals(t, ctx, is)
	if s.nonAtomic {
		// Its increments may be lost too: whatever went wrong must show,
		// as lost updates (Σ counter < completions, the runner's audit)
		// or as double applies (Σ counter > keys completed).
		t.Logf("non-atomic store: %d completions of %d keys, Σ counter %d, %d keys completed", sum, keys, counter, it.Completed)
		if sum != keys && counter == sum && counter == it.Completed {
			t.Fatalf("%d completions of %d keys, and neither audit sees it", sum, keys)
		}
		return
	}
	if counter != sum {
		t.Fatalf("Σ counter %d, completions that succeeded %d: a store must show every applied effect", counter, sum)
	}
	if it.Completed != keys {
		t.Fatalf("keys completed %d, want %d", it.Completed, keys)
	}
	if double := counter - it.Completed; double != 0 {
		if !s.nonAtomic {
			t.Fatalf("%d effects applied twice: Begin or Complete is not atomic", double)
		}
		t.Logf("non-atomic store: %d of %d keys applied twice, and the audit sees them", double, keys)
	}
}

// concurrentTakeover: 8 redeliveries of one crashed claim arrive at once,
// after stale_after. One takes it over and applies the effect; a store
// declared non-atomic must show every extra apply.
func (s *idemSuite) concurrentTakeover(t *testing.T) {
	const writers = 8
	st, is, ctx := s.store(t, 1)
	var total int64 // applies that succeeded
	for round := range 20 {
		key := int64(100 + round)
		begin(t, ctx, is, idemReq(key, 1, 0, idemT0), drivers.IdemNew) // the crash: never completed
		var applied, recovered [writers]int64
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var c drivers.IdemClaim
				r := idemReq(key, int64(w+2), 0, idemT0+int64(2*time.Second))
				if err := is.Begin(ctx, r, &c); err != nil {
					if drivers.KindOf(err) == drivers.NotConflict {
						errs <- err
					}
					return
				}
				if c.State == drivers.IdemRecovered {
					recovered[w]++
				}
				if !c.State.Claimed() {
					return
				}
				switch err := is.Complete(ctx, r); {
				case err == nil:
					applied[w]++
				case drivers.KindOf(err) == drivers.NotConflict:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		var a, rec int64
		for w := range writers {
			a += applied[w]
			rec += recovered[w]
		}
		total += a
		if !s.nonAtomic && (a != 1 || rec != 1) {
			t.Fatalf("round %d: %d takeovers, %d applies of one stale claim, want 1 and 1", round, rec, a)
		}
	}
	counter, it := counterSum(t, ctx, st), idemTotals(t, ctx, is)
	if s.nonAtomic {
		t.Logf("non-atomic store: %d applies of 20 stale claims, Σ counter %d, %d keys completed", total, counter, it.Completed)
		if total != 20 && counter == total && counter == it.Completed {
			t.Fatalf("%d applies of 20 stale claims, and neither audit sees it", total)
		}
		return
	}
	if it.Completed != 20 {
		t.Fatalf("keys completed %d, want 20", it.Completed)
	}
	if double := counter - it.Completed; double != 0 {
		if !s.nonAtomic {
			t.Fatalf("%d effects applied twice", double)
		}
		t.Logf("non-atomic store: %d effects applied twice over 20 stale claims, and Σ counter − keys completed shows them", double)
	}
}
