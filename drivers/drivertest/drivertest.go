package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// Opener opens a fresh store for one subtest. o carries the writer count,
// the clock in-process stores must use for lease expiry, and an injected
// latency that stores without a network may honour.
type Opener func(t testing.TB, o drivers.Options) drivers.Store

// Option adjusts the suite for a driver.
type Option func(*suite)

// NonAtomicCAS declares a store whose conditional writes are known not to
// be atomic (FerretDB v1): the suite then asserts that the lost updates of
// concurrent conditional writers are DETECTED (by the audit, and by
// Totals against the commits counted) instead of asserting none.
func NonAtomicCAS() Option { return func(s *suite) { s.nonAtomicCAS = true } }

// Writers sizes runner/runnertest's increment test: w writers × opsPerWriter ops (default
// 8 × 200). The concurrent per-method tests use at most 8 × 200, and
// fewer when w or opsPerWriter is smaller.
func Writers(w, opsPerWriter int) Option {
	return func(s *suite) { s.writers, s.ops = w, opsPerWriter }
}

// Leaser runs the lease cell of runnertest's increment test against a separate
// lease store (a Redis lease guarding another store's documents), and
// ExpiredLeaseFenced too when the store has no leases of its own. open
// gets the subtest's options, so the lease store can use its Clock. The
// Leases subtest always checks the store's own leases.
func Leaser(open func(t testing.TB, o drivers.Options) drivers.Leaser) Option {
	return func(s *suite) { s.leaser = open }
}

// ServerClock declares a store whose leases expire by its server's clock
// (PostgreSQL now(), Redis PX), not by Options.Clock. The lease tests
// then let leases expire in real time: they shorten the lease to
// ShortTTL with Extend and poll Acquire, for at most ExpiryWait. Without
// it they advance the fake clock and expect the lease free at once, to
// the nanosecond.
func ServerClock() Option { return func(s *suite) { s.serverClock = true } }

// ShortTTL is the lease the tests let expire on a server's clock, and
// ExpiryWait how long they wait for it in real time.
const (
	ShortTTL   = 50 * time.Millisecond
	ExpiryWait = 10 * time.Second
)

type suite struct {
	open         Opener
	leaser       func(t testing.TB, o drivers.Options) drivers.Leaser
	writers, ops int

	nonAtomicCAS, serverClock bool
}

// Run runs the conformance suite. Each subtest opens its own store and
// skips, with one line, when the store lacks the capability it checks.
func Run(t *testing.T, open Opener, opts ...Option) {
	s := newSuite(open, opts)
	// One method at a time, one goroutine: the semantics drivers/capabilities.go
	// promises.
	t.Run("Setup", s.setup)
	t.Run("Read", s.read)
	t.Run("CompareAndSwap", s.compareAndSwap)
	t.Run("StaleConditionalWrite", s.staleCAS)
	t.Run("Put", s.put)
	t.Run("ReadFenced", s.readFenced)
	t.Run("LockedUpdate", s.lockedUpdate)
	t.Run("BadWrites", s.badWrites)
	t.Run("Leases", s.leases)
	t.Run("ExpiredLeaseFenced", s.expiredLease)
	t.Run("EndedContext", s.canceled)
	// Concurrent writers calling one method directly …
	t.Run("CompareAndSwapConcurrent", s.casConcurrent)
	t.Run("LockedUpdateConcurrent", s.lockedUpdateConcurrent)
	// The op log of --audit ops (drivers.OpLogger), where there is one.
	t.Run("OpLog", s.opLog)
	t.Run("OpLogConcurrent", s.opLogConcurrent)
	// The same writers through the real strategies, runner and audit are
	// runner/runnertest's: drivers know nothing of strategies.
}

// Settings is what a suite's options set, for the suites above drivers
// that take the same options (runner/runnertest).
type Settings struct {
	Writers, Ops int // the increment test's writers × ops per writer
	NonAtomicCAS bool
	ServerClock  bool
	// Leaser opens the separate lease store; nil = the store's own.
	Leaser func(t testing.TB, o drivers.Options) drivers.Leaser
}

// Apply returns the Settings opts make, from the defaults Run uses.
func Apply(opts ...Option) Settings {
	s := newSuite(nil, opts)
	return Settings{Writers: s.writers, Ops: s.ops, NonAtomicCAS: s.nonAtomicCAS, ServerClock: s.serverClock, Leaser: s.leaser}
}

func newSuite(open Opener, opts []Option) *suite {
	s := &suite{open: open, writers: 8, ops: 200}
	for _, o := range opts {
		o(s)
	}
	return s
}

// need returns st's capability T, or skips the test: "driver has no
// what".
func need[T any](tb testing.TB, st drivers.Store, what string) T {
	tb.Helper()
	c, ok := st.(T)
	if !ok {
		tb.Skip("driver has no " + what)
	}
	return c
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ownLeaser is the lease store of the single-writer lease tests: the
// store's own, else the Leaser option's.
func (s *suite) ownLeaser(t testing.TB, st drivers.Store, o drivers.Options) drivers.Leaser {
	if l, ok := st.(drivers.Leaser); ok {
		return l
	}
	if s.leaser != nil {
		return s.leaser(t, o)
	}
	return nil
}

// staleCAS: of two writers that read the same version, the second
// conditional write is a VersionMismatch conflict and changes nothing.
func (s *suite) staleCAS(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 2})
	cas := need[drivers.CompareAndSwapper](t, st, "conditional writes")
	ctx := setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 16})
	var a, b drivers.Doc
	if err := cas.Read(ctx, 1, &a); err != nil {
		t.Fatal(err)
	}
	if err := cas.Read(ctx, 1, &b); err != nil {
		t.Fatal(err)
	}
	write := func(d *drivers.Doc, writer int64) error {
		return cas.CompareAndSwap(ctx, &drivers.Write{Key: 1, Group: 0, Expect: d.Version, Writer: writer, Op: 1, UpdatedAt: 1, Payload: make([]byte, 8)})
	}
	if err := write(&a, 1); err != nil {
		t.Fatalf("first conditional write: %v", err)
	}
	err := write(&b, 2)
	if drivers.KindOf(err) != drivers.VersionMismatch || !errors.Is(err, drivers.ErrConflict) {
		t.Fatalf("second write from the same version: got %v, want a version_mismatch conflict", err)
	}
	var after drivers.Doc
	if err := cas.Read(ctx, 1, &after); err != nil {
		t.Fatal(err)
	}
	if after.Version != a.Version+1 || after.Counter != 1 || after.Writer != 1 {
		t.Errorf("after one winner: version %d counter %d writer %d, want %d 1 1", after.Version, after.Counter, after.Writer, a.Version+1)
	}
	tot, err := st.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot != (drivers.Totals{Docs: 2, Counter: 1, Versions: 1}) {
		t.Errorf("totals %+v, want counter 1 and versions 1 over 2 docs", tot)
	}
}

// expiredLease: once a holder's lease has expired and another holder
// claimed the document with a higher fence, the old holder's fenced
// write is a StaleFence conflict and its Extend a LeaseLost one.
func (s *suite) expiredLease(t *testing.T) {
	fake := newFake()
	o := drivers.Options{Writers: 2, Clock: fake}
	st := s.open(t, o)
	l := s.ownLeaser(t, st, o)
	put, okP := st.(drivers.Putter)
	fr, okF := st.(drivers.FencedReader)
	if l == nil || !okP || !okF {
		t.Skip("driver has no leases or fenced writes")
	}
	ctx := setup(t, st, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	f1, err := l.Acquire(ctx, 0, 1, time.Minute)
	if err != nil {
		t.Fatalf("first acquire: %v", err)
	}
	var d1 drivers.Doc
	if err := fr.ReadFenced(ctx, 0, f1, &d1); err != nil {
		t.Fatalf("holder 1 fenced read: %v", err)
	}
	if _, err := l.Acquire(ctx, 0, 2, time.Minute); drivers.KindOf(err) != drivers.LeaseHeld {
		t.Fatalf("acquire while held: got %v, want lease_held", err)
	}
	f2 := s.expireAndAcquire(t, ctx, fake, l, 0, 1, f1, 2)
	if f2 <= f1 {
		t.Fatalf("fence after expiry = %d, want > %d", f2, f1)
	}
	var d2 drivers.Doc
	if err := fr.ReadFenced(ctx, 0, f2, &d2); err != nil {
		t.Fatalf("holder 2 fenced read: %v", err)
	}
	w := func(fence, writer int64, d *drivers.Doc) *drivers.Write {
		return &drivers.Write{Key: 0, Writer: writer, Op: 1, UpdatedAt: 1, Payload: make([]byte, 8), Fence: fence,
			Version: d.Version + 1, Counter: d.Counter + 1, GroupVersion: d.Groups[0] + 1}
	}
	if err := put.Put(ctx, w(f1, 1, &d1)); drivers.KindOf(err) != drivers.StaleFence {
		t.Fatalf("old holder's write with fence %d after fence %d: got %v, want stale_fence", f1, f2, err)
	}
	if err := l.Extend(ctx, 0, 1, f1, time.Minute); drivers.KindOf(err) != drivers.LeaseLost {
		t.Errorf("old holder's extend: got %v, want lease_lost", err)
	}
	if err := put.Put(ctx, w(f2, 2, &d2)); err != nil {
		t.Fatalf("new holder's write: %v", err)
	}
	if err := l.Release(ctx, 0, 2, f2); err != nil {
		t.Errorf("release: %v", err)
	}
	if err := l.Release(ctx, 0, 2, f2); drivers.KindOf(err) != drivers.LeaseLost {
		t.Errorf("second release: got %v, want lease_lost", err)
	}
	tot, err := st.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Counter != 1 {
		t.Errorf("counter = %d, want 1 (only the new holder's write)", tot.Counter)
	}
}
