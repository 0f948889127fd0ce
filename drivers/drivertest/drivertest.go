package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
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

// Writers sizes the increment test: w writers × opsPerWriter ops (default
// 8 × 200). The concurrent per-method tests use at most 8 × 200, and
// fewer when w or opsPerWriter is smaller.
func Writers(w, opsPerWriter int) Option {
	return func(s *suite) { s.writers, s.ops = w, opsPerWriter }
}

// Leaser runs the lease cell of the increment test against a separate
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
	s := &suite{open: open, writers: 8, ops: 200}
	for _, o := range opts {
		o(s)
	}
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
	// … and through the real strategies, runner and audit.
	t.Run("Increments", s.increments)
	t.Run("LWWLosesUpdates", s.lwwLoses)
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

// cellLeaser is the lease store of the increment test's lease cell: the
// Leaser option's, else the store's own.
func (s *suite) cellLeaser(t testing.TB, st drivers.Store, o drivers.Options) drivers.Leaser {
	if s.leaser != nil {
		return s.leaser(t, o)
	}
	l, _ := st.(drivers.Leaser)
	return l
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

// scenario is a bounded, ops-counted scenario for one strategy.
func (s *suite) scenario(strat string, writers, ops int) scenarios.Scenario {
	sc := scenarios.Default()
	sc.Name = "conformance"
	sc.Strategies = []string{strat}
	sc.Backoffs = []string{"full-jitter"}
	sc.BackoffBase = scenarios.Duration(50 * time.Microsecond)
	sc.BackoffCap = scenarios.Duration(5 * time.Millisecond)
	sc.Writers = []int{writers}
	sc.Keys = 1
	sc.OpsPerWriter = ops
	sc.Duration = 0
	sc.LeaseTTL = scenarios.Duration(5 * time.Second)
	return sc
}

func (s *suite) runCell(t *testing.T, st drivers.Store, sc scenarios.Scenario, leaser drivers.Leaser) runnerCell {
	t.Helper()
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "under-test", Leaser: leaser}
	spec := runner.Spec{Strategy: sc.Strategies[0], Backoff: sc.Backoffs[0], Writers: sc.Writers[0], Trial: 1}
	c, err := runner.RunCell(ctxFor(t), cfg, spec, 0, 1)
	if err != nil {
		t.Fatalf("RunCell(%s): %v", spec, err)
	}
	return runnerCell{c.Skipped, c.Ops, c.Audit.Expected, c.Audit.Observed, c.Audit.LostUpdates, c.Audit.OK, c.Audit.LossExpected, c.Audit.Verdict, c.Errors}
}

type runnerCell struct {
	skipped                 string
	ops, expected, observed int64
	lost                    int64
	ok, lossExpected        bool
	verdict                 string
	errors                  map[string]int64
}

func (s *suite) increments(t *testing.T) {
	for _, strat := range []string{strategy.Optimistic, strategy.Pessimistic, strategy.Lease, strategy.Serializable} {
		t.Run(strat, func(t *testing.T) {
			o := drivers.Options{Writers: s.writers}
			st := s.open(t, o)
			sc := s.scenario(strat, s.writers, s.ops)
			c := s.runCell(t, st, sc, s.cellLeaser(t, st, o))
			if c.skipped != "" {
				if strat == strategy.Serializable || (strat == strategy.Pessimistic) {
					t.Skipf("driver does not support %s: %s", strat, c.skipped)
				}
				t.Fatalf("%s skipped: %s", strat, c.skipped)
			}
			want := int64(s.writers * s.ops)
			if len(c.errors) != 0 {
				t.Errorf("errors during the cell: %v", c.errors)
			}
			if c.expected != want {
				t.Errorf("committed %d ops, want %d (every op retries until it commits)", c.expected, want)
			}
			if s.nonAtomicCAS && strat == strategy.Optimistic {
				if c.lost <= 0 || c.ok {
					t.Errorf("store declared non-atomic: want the audit to report lost updates, got lost=%d ok=%v (%s)", c.lost, c.ok, c.verdict)
				}
				if c.lost != c.expected-c.observed {
					t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
				}
				return
			}
			if c.observed != want || c.lost != 0 || !c.ok {
				t.Errorf("store counter = %d, want %d; audit: %s", c.observed, want, c.verdict)
			}
		})
	}
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

func (s *suite) lwwLoses(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 8, Latency: delay.Constant(200 * time.Microsecond)})
	if _, ok := st.(drivers.Putter); !ok {
		t.Skip("driver has no unconditional writes")
	}
	sc := s.scenario(strategy.LWW, 8, 100)
	c := s.runCell(t, st, sc, nil)
	if c.skipped != "" {
		t.Fatalf("lww skipped: %s", c.skipped)
	}
	if c.lost <= 0 {
		t.Fatalf("lww with 8 writers on one document lost nothing (expected %d, observed %d): the audit should see lost updates", c.expected, c.observed)
	}
	if c.lost != c.expected-c.observed {
		t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
	}
	if !c.lossExpected || !c.ok {
		t.Errorf("lww's loss must be reported as expected, got loss_expected=%v ok=%v (%s)", c.lossExpected, c.ok, c.verdict)
	}
}
