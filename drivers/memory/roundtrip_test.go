package memory

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

// tiny is a random latency short enough to be waited by yielding, so the
// tests that count draws run at full speed.
var tiny = delay.Normal(time.Microsecond, time.Microsecond)

// TestRoundTripsPerMethod: every method draws (and waits) one latency per
// round trip PostgreSQL makes for it: LockedUpdate four (BEGIN, SELECT …
// FOR UPDATE, UPDATE, COMMIT), everything else one. The count is read
// from the session's seeded stream: after a method with k round trips,
// the session's next draw is the (k+1)-th of a fresh stream.
func TestRoundTripsPerMethod(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8, Seed: 42}
	for _, tt := range []struct {
		name string
		want int
		call func(ss *Session) error
	}{
		{"read", 1, func(ss *Session) error { return ss.Read(ctx, 0, &drivers.Doc{}) }},
		{"cas", 1, func(ss *Session) error { return ss.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, 0, 1, 8)) }},
		{"cas mismatch", 1, func(ss *Session) error {
			if err := ss.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, 5, 1, 8)); !errors.Is(err, drivers.ErrVersionMismatch) {
				return err
			}
			return nil
		}},
		{"put", 1, func(ss *Session) error { return ss.Put(ctx, write(0, 0, drivers.ScopeDocument, 0, 1, 8)) }},
		{"read fenced", 1, func(ss *Session) error { return ss.ReadFenced(ctx, 0, 1, &drivers.Doc{}) }},
		{"locked update", 4, func(ss *Session) error { return ss.LockedUpdate(ctx, write(0, 0, drivers.ScopeDocument, 0, 1, 8)) }},
		{"acquire", 1, func(ss *Session) error { _, err := ss.Acquire(ctx, 1, 1, time.Minute); return err }},
		{"extend", 1, func(ss *Session) error { _ = ss.Extend(ctx, 1, 1, 1, time.Minute); return nil }},
		{"release", 1, func(ss *Session) error { _ = ss.Release(ctx, 1, 1, 1); return nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, spec, drivers.Options{Latency: tiny})
			st, err := s.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ss := st.(*Session)
			if err := tt.call(ss); err != nil {
				t.Fatal(err)
			}
			ref := rand.New(rand.NewPCG(spec.Seed, 1)) // session 1's stream
			var want []time.Duration
			for range 8 {
				want = append(want, tiny.Sample(ref))
			}
			next := ss.rt.next()
			for k, w := range want {
				if w == next {
					if k != tt.want {
						t.Errorf("%s made %d round trips, want %d", tt.name, k, tt.want)
					}
					return
				}
			}
			t.Fatalf("next draw %v is none of the stream's first %d", next, len(want))
		})
	}
}

// TestOptimisticAndPessimisticPayAsOnPostgres: a committed optimistic op
// (Read + CompareAndSwap) waits two round trips and a pessimistic one
// (LockedUpdate) four; before, the memory store charged one per call and
// made pessimistic look twice as cheap. Lower bounds only: a loaded
// machine may wait longer.
func TestOptimisticAndPessimisticPayAsOnPostgres(t *testing.T) {
	const lat = 3 * time.Millisecond
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}
	s := newStore(t, spec, drivers.Options{Latency: delay.Constant(lat)})

	start := time.Now()
	var d drivers.Doc
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, d.Version, 1, 8)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 2*lat {
		t.Errorf("optimistic op took %v, want ≥ 2 round trips (%v)", el, 2*lat)
	}

	start = time.Now()
	if err := s.LockedUpdate(ctx, write(0, 0, drivers.ScopeDocument, 0, 1, 8)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 4*lat {
		t.Errorf("pessimistic op took %v, want ≥ 4 round trips (%v)", el, 4*lat)
	}
}

// TestLockHeldAcrossUpdateAndCommit: of two LockedUpdates that start
// together on one document, the second gets the lock only when the
// first's COMMIT has reached the store (4 round trips), and then needs
// its own UPDATE and COMMIT: ≥ 6 round trips in all. A lock held only
// for an instant would let both finish after 4.
func TestLockHeldAcrossUpdateAndCommit(t *testing.T) {
	const lat = 3 * time.Millisecond
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}
	s := newStore(t, spec, drivers.Options{Latency: delay.Constant(lat)})
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = s.LockedUpdate(ctx, write(0, 0, drivers.ScopeDocument, 0, byte(i), 8)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 6*lat {
		t.Errorf("two locked updates on one document took %v, want ≥ 6 round trips (%v)", el, 6*lat)
	}
	if tot, _ := s.Totals(ctx); tot.Counter != 2 || tot.Versions != 2 {
		t.Errorf("totals %+v, want counter 2", tot)
	}
}

// TestLockedUpdateRollsBack: a ctx that ends inside the transaction
// writes nothing and releases the lock.
func TestLockedUpdateRollsBack(t *testing.T) {
	const lat = 3 * time.Millisecond
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}
	s := newStore(t, spec, drivers.Options{Latency: delay.Constant(lat)})
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Millisecond) // inside UPDATE
	defer cancel()
	if err := s.LockedUpdate(ctx, write(0, 0, drivers.ScopeDocument, 0, 1, 8)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockedUpdate past its deadline: %v", err)
	}
	if tot, _ := s.Totals(context.Background()); tot.Counter != 0 {
		t.Errorf("rolled-back update wrote: %+v", tot)
	}
	if !s.docs[0].mu.TryLock() {
		t.Fatal("rolled-back update kept the lock")
	}
	s.docs[0].mu.Unlock()
}

// TestSessions: sessions are offered only for random latency; the n-th
// session since Setup draws from (Spec.Seed, n), so two stores seeded
// alike draw alike, and Setup restarts the numbering.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8, Seed: 7}
	for _, lat := range []delay.Dist{{}, delay.Constant(time.Millisecond)} {
		s := newStore(t, spec, drivers.Options{Latency: lat})
		if _, err := s.Session(ctx); !errors.Is(err, drivers.ErrNoSessions) {
			t.Errorf("latency %v: Session() = %v, want ErrNoSessions", lat, err)
		}
	}
	dist := delay.Exponential(time.Millisecond)
	draws := func(s *Store) [2][3]time.Duration {
		var out [2][3]time.Duration
		for i := range out {
			st, err := s.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for j := range out[i] {
				out[i][j] = st.(*Session).rt.next()
			}
		}
		return out
	}
	a := newStore(t, spec, drivers.Options{Latency: dist})
	b := newStore(t, spec, drivers.Options{Latency: dist})
	da, db := draws(a), draws(b)
	if da != db {
		t.Errorf("same seed, different draws: %v vs %v", da, db)
	}
	if da[0] == da[1] {
		t.Errorf("two sessions drew the same stream: %v", da)
	}
	if err := a.Setup(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if again := draws(a); again != da {
		t.Errorf("after Setup: %v, want the streams to restart: %v", again, da)
	}
	spec.Seed = 8
	if err := a.Setup(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if other := draws(a); other == da {
		t.Error("another seed drew the same streams")
	}
}

// TestSessionSharedWithHeartbeat: a writer and a lease heartbeat may use
// one session at once (run with -race).
func TestSessionSharedWithHeartbeat(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}, drivers.Options{Latency: tiny})
	st, err := s.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 200 {
			_ = st.(*Session).Extend(ctx, 0, 1, 1, time.Second)
		}
	})
	for range 200 {
		if err := st.(*Session).Read(ctx, 0, &drivers.Doc{}); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}

// TestSessionAllocatesNothing: Read + CompareAndSwap through a session
// with a random latency short enough to be waited by yielding allocate
// nothing.
func TestSessionAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 100, FieldGroups: 1, PayloadBytes: 16}
	s := newStore(t, spec, drivers.Options{Latency: delay.Normal(200*time.Nanosecond, 100*time.Nanosecond)})
	st, err := s.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ss := st.(*Session)
	var d drivers.Doc
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 16)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := ss.Read(ctx, w.Key, &d); err != nil {
			t.Fatal(err)
		}
		w.Expect = d.Version
		if err := ss.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("session Read + CompareAndSwap: %v allocs per op, want 0", allocs)
	}
}
