package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/runner/runnertest"
)

// sessionStore runs every method of the conformance suite on one Session
// of its store, reopened by each Setup (a session's statements are the
// cell's). Its field Session hides the Store's Session method, so the
// runner's writers share this one session (serialised by its mutex).
type sessionStore struct {
	*Session
	st *Store
}

func (s *sessionStore) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := s.st.Setup(ctx, spec); err != nil {
		return err // the cell, and so the session, stay as they were
	}
	if s.Session != nil {
		if err := s.Session.Close(); err != nil {
			return err
		}
		s.Session = nil
	}
	ss, err := s.st.Session(context.Background())
	if err != nil {
		return err
	}
	s.Session = ss.(*Session)
	return nil
}

func (s *sessionStore) Close() error {
	if s.Session != nil {
		s.Session.Close()
	}
	return s.st.Close()
}

var _ drivers.CompareAndSwapper = (*sessionStore)(nil)

// TestConformanceSession: the write paths on a session's own connection
// (pgconn, prepared statements) keep every promise the pool's do.
func TestConformanceSession(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) { conformanceSession(t, tr) })
	}
}

func conformanceSession(t *testing.T, tr string) {
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		o.Params = map[string]string{ParamTransport: tr}
		ss := &sessionStore{st: open(t, o)}
		// Before open's cleanup closes the pool, which waits for the
		// session's connection.
		t.Cleanup(func() {
			if ss.Session != nil {
				ss.Session.Close()
			}
		})
		return ss
	}, drivertest.Writers(8, 100), drivertest.ServerClock())
}

// TestConformancePool: with conns=pool the runner's writers share the
// pool, as an application on pgxpool does.
func TestConformancePool(t *testing.T) {
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		o.Params = map[string]string{ParamConns: ConnsPool}
		st := open(t, o)
		if _, err := st.Session(context.Background()); !errors.Is(err, drivers.ErrNoSessions) {
			t.Fatalf("Session with conns=pool: %v, want ErrNoSessions", err)
		}
		return st
	}, drivertest.Writers(8, 100), drivertest.ServerClock())
}

// transports are the session transports of this platform.
var transports = func() []string {
	if blockingSupported {
		return []string{TransportBlocking, TransportNetpoll}
	}
	return []string{TransportNetpoll}
}()

// withTransport is o with transport tr.
func withTransport(o drivers.Options, tr string) drivers.Options {
	o.Params = map[string]string{ParamTransport: tr}
	return o
}

// eachTransport runs f as a subtest per transport.
func eachTransport(t *testing.T, f func(t *testing.T, tr string)) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) { f(t, tr) })
	}
}

// newSession opens a session of s and checks that its connection is of
// the store's transport.
func newSession(t *testing.T, ctx context.Context, s *Store) *Session {
	t.Helper()
	ss, err := s.Session(ctx)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	t.Cleanup(func() { ss.Close() })
	sess := ss.(*Session)
	if got := sess.bc != nil; got != s.blocking {
		t.Fatalf("session on a blocking connection: %v, want %v", got, s.blocking)
	}
	return sess
}

// TestSessionInterrupted: cancelling a session's context interrupts a
// statement that waits for a row lock, with a cancellation error; Close
// then discards the connection and the store goes on working.
func TestSessionInterrupted(t *testing.T) { eachTransport(t, sessionInterrupted) }

func sessionInterrupted(t *testing.T, tr string) {
	s, ctx := openSetup(t, withTransport(drivers.Options{Writers: 2}, tr), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	tx := lockRow(t, ctx, testDSN(t), 0)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ss := newSession(t, sctx, s)
	done := make(chan error, 1)
	go func() { done <- ss.LockedUpdate(sctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)}) }()

	// Wait until the session's backend waits for the lock.
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	deadline := time.After(10 * time.Second)
	for waiting := 0; waiting == 0; {
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE NOT granted").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("LockedUpdate returned %v while the row was locked elsewhere", err)
		case <-deadline:
			t.Fatal("the session never waited for the row lock")
		case <-poll.C:
		}
	}
	cancel()
	select {
	case err := <-done:
		if drivers.ClassOf(err) != drivers.ClassCanceled || !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted LockedUpdate: %v (class %v), want a canceled error", err, drivers.ClassOf(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LockedUpdate still blocked 10 s after its session was cancelled")
	}
	if err := ss.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ss.Read(ctx, 0, &drivers.Doc{}); err == nil || !strings.Contains(err.Error(), "session closed") {
		t.Errorf("Read after Close: %v, want session closed", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// The store and a new session work; the lost attempt changed nothing.
	ss2 := newSession(t, ctx, s)
	if err := ss2.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)}); err != nil {
		t.Fatalf("LockedUpdate on a new session: %v", err)
	}
	tot, err := s.Totals(ctx)
	if err != nil || tot.Counter != 1 {
		t.Fatalf("Totals = %+v, %v; want counter 1", tot, err)
	}
}

// TestSessionCloseClosesConnection: a session's connection is its own,
// and Close ends it (its prepared statements go with it); the pool keeps
// none of the session's statements.
func TestSessionCloseClosesConnection(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 1}, drivers.Spec{Keys: 4, FieldGroups: 2, PayloadBytes: 8})
	ss := newSession(t, ctx, s)
	var d drivers.Doc
	if err := ss.Read(ctx, 1, &d); err != nil {
		t.Fatal(err)
	}
	if err := ss.LockedUpdate(ctx, &drivers.Write{Key: 1, Group: 1, Payload: make([]byte, 4)}); err != nil {
		t.Fatal(err)
	}
	pid := ss.pc.PID()
	if err := ss.Close(); err != nil {
		t.Fatal(err)
	}
	// The backend ends shortly after the connection closes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session's backend (pid %d) is still there 10 s after Close", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'occbench_s%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d session statements on a pool connection", n)
	}
}

// TestSessionAllocs: an optimistic attempt (Read + CompareAndSwap) on a
// session allocates only pgconn's command tags, one per statement.
func TestSessionAllocs(t *testing.T) { eachTransport(t, sessionAllocs) }

func sessionAllocs(t *testing.T, tr string) {
	s, ctx := openSetup(t, withTransport(drivers.Options{Writers: 1}, tr), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
	ss := newSession(t, ctx, s)
	d := drivers.Doc{Groups: make([]int64, 0, 1), Payload: make([]byte, 0, 64)}
	w := &drivers.Write{Payload: make([]byte, 64), Writer: 1}
	attempt := func() {
		if err := ss.Read(ctx, 0, &d); err != nil {
			t.Fatal(err)
		}
		w.Expect = d.Version
		if err := ss.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	attempt() // prepare
	if n := testing.AllocsPerRun(200, attempt); n > 2 {
		t.Errorf("an optimistic attempt on a session allocates %.1f times, want ≤ 2 (pgconn's command tags)", n)
	}
	// The runner gives each attempt a context of its own, with a
	// deadline: the session's watcher watches it without allocating.
	actx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	ctx = actx
	attempt()
	if n := testing.AllocsPerRun(200, attempt); n > 2 {
		t.Errorf("an optimistic attempt with its own context allocates %.1f times, want ≤ 2 (pgconn's command tags)", n)
	}
}

// TestSessionCallCanceled: cancelling a call's own context (not the
// session's) interrupts the statement it waits on; the call fails with
// a cancellation, and the session's next call succeeds on a new
// connection.
func TestSessionCallCanceled(t *testing.T) { eachTransport(t, sessionCallCanceled) }

func sessionCallCanceled(t *testing.T, tr string) {
	s, ctx := openSetup(t, withTransport(drivers.Options{Writers: 1}, tr), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	tx := lockRow(t, ctx, testDSN(t), 0)
	ss := newSession(t, ctx, s)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ss.LockedUpdate(cctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)}) }()
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for waiting := 0; waiting == 0; <-poll.C {
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = $1", int32(sessionPID(ss))).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || drivers.ClassOf(err) != drivers.ClassCanceled || drivers.MayHaveCommitted(err) {
			t.Fatalf("LockedUpdate whose context was cancelled: %v (class %v, MayHaveCommitted %v), want canceled, not sent",
				err, drivers.ClassOf(err), drivers.MayHaveCommitted(err))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LockedUpdate still blocked 10 s after its context was cancelled")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ss.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)}); err != nil {
		t.Fatalf("LockedUpdate after the cancelled one: %v", err)
	}
	if tot, err := s.Totals(ctx); err != nil || tot.Counter != 1 {
		t.Fatalf("Totals = %+v, %v; want counter 1", tot, err)
	}
}

// TestSessionsBeyondPool: sessions dial connections of their own, so
// more writers than the pool holds each get one, and the pool still
// serves the audit.
func TestSessionsBeyondPool(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	var d drivers.Doc
	for i := range MinConns + 2 {
		ss := newSession(t, ctx, s)
		if err := ss.Read(ctx, 0, &d); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
	}
	if _, err := s.Totals(ctx); err != nil {
		t.Fatalf("Totals with every session open: %v", err)
	}
}

// BenchmarkSessionReadCAS measures an optimistic attempt (Read +
// CompareAndSwap) on a session, with its allocations: pgconn's two
// command tags, nothing of the driver's.
func BenchmarkSessionReadCAS(b *testing.B) {
	for _, tr := range transports {
		b.Run(tr, func(b *testing.B) { benchmarkSessionReadCAS(b, tr) })
	}
}

func benchmarkSessionReadCAS(b *testing.B, tr string) {
	s := open(b, withTransport(drivers.Options{Writers: 1}, tr))
	ctx := testCtx(b)
	if err := s.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64}); err != nil {
		b.Fatal(err)
	}
	ss, err := s.Session(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer ss.Close()
	sess := ss.(*Session)
	// An attempt's own context, with a deadline, as the runner gives it.
	actx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	d := drivers.Doc{Groups: make([]int64, 0, 1), Payload: make([]byte, 0, 64)}
	w := &drivers.Write{Payload: make([]byte, 64), Writer: 1}
	b.ReportAllocs()
	for b.Loop() {
		if err := sess.Read(actx, 0, &d); err != nil {
			b.Fatal(err)
		}
		w.Expect = d.Version
		if err := sess.CompareAndSwap(actx, w); err != nil {
			b.Fatal(err)
		}
	}
}
