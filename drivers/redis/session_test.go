package redis

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/runner/runnertest"
)

// sessionStore runs every method of the conformance suite on one Session
// of its store, reopened by each Setup (a session serves the cell Setup
// prepared). Its field Session hides the Store's Session method, so the
// runner's writers share this one session (serialised by its mutex).
type sessionStore struct {
	*Session
	st *Store
}

func (s *sessionStore) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := s.st.Setup(ctx, spec); err != nil {
		return err
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

// Unsupported answers for the store: strategy.New asks before the first
// Setup has opened a session.
func (s *sessionStore) Unsupported(c drivers.Capability) string { return s.st.Unsupported(c) }

var _ drivers.CompareAndSwapper = (*sessionStore)(nil)

// TestConformanceSession: the calls on a session's own connection (RESP
// written and parsed by the driver) keep every promise the pool's do,
// in both CompareAndSwap modes.
func TestConformanceSession(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
				ss := &sessionStore{st: open(t, withMode(o, mode))}
				t.Cleanup(func() {
					if ss.Session != nil {
						ss.Session.Close()
					}
				})
				return ss
			}, drivertest.Writers(8, 100), drivertest.ServerClock())
		})
	}
}

// TestConformancePool: with conns=pool the runner's writers share
// go-redis's pool.
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

func newSession(t testing.TB, ctx context.Context, s *Store) *Session {
	t.Helper()
	ss, err := s.Session(ctx)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	t.Cleanup(func() { ss.Close() })
	return ss.(*Session)
}

// TestSessionBeforeSetup: a session needs the cell Setup prepared.
func TestSessionBeforeSetup(t *testing.T) {
	s := open(t, drivers.Options{})
	if ss, err := s.Session(context.Background()); err == nil {
		ss.Close()
		t.Fatal("Session before Setup succeeded")
	}
}

// TestSessionAllocs: an optimistic attempt on a session (Read, then
// CompareAndSwap from the version read) allocates nothing, in both
// modes.
func TestSessionAllocs(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s, ctx := openSetup(t, withMode(drivers.Options{}, mode), drivers.Spec{Keys: 4, FieldGroups: 4, PayloadBytes: 256})
			actx, cancel := context.WithTimeout(ctx, time.Minute) // a deadline, as the runner's attempts have
			defer cancel()
			ss := newSession(t, ctx, s)
			d := &drivers.Doc{}
			w := &drivers.Write{Key: 1, Group: 2, Writer: 1, Payload: make([]byte, 64)}
			var err error
			allocs := testing.AllocsPerRun(200, func() {
				if err = ss.Read(actx, 1, d); err != nil {
					return
				}
				w.Expect, w.Op, w.UpdatedAt = d.Version, w.Op+1, w.UpdatedAt+1
				err = ss.CompareAndSwap(actx, w)
			})
			if err != nil {
				t.Fatal(err)
			}
			if allocs != 0 {
				t.Errorf("an attempt on a session allocates %v times, want 0", allocs)
			}
			if err := ss.Read(actx, 1, d); err != nil || d.Version != 201 || d.Groups[2] != 201 || d.Writer != 1 {
				t.Errorf("after 201 attempts: %+v, %v; want version and gv2 201", d, err)
			}
		})
	}
}

// TestSessionNoScript: after the server forgot the scripts (SCRIPT
// FLUSH, as a restart without persistence does), the session's EVALSHA
// falls back to EVAL once, which loads the script again.
func TestSessionNoScript(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	ss := newSession(t, ctx, s)
	if err := s.rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := ss.CompareAndSwap(ctx, &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 8)}); err != nil {
		t.Fatalf("CompareAndSwap after SCRIPT FLUSH: %v", err)
	}
	if ok, err := s.rdb.ScriptExists(ctx, s.sc.cas.sha).Result(); err != nil || !ok[0] {
		t.Errorf("SCRIPT EXISTS after the fallback = %v, %v; want the script cached again", ok, err)
	}
	if err := ss.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: 1, Writer: 1, Payload: make([]byte, 8)}); err != nil {
		t.Fatal(err)
	}
	if tot, err := s.Totals(ctx); err != nil || tot.Counter != 2 {
		t.Errorf("Totals = %+v, %v; want counter 2", tot, err)
	}
}

// TestSessionWatchLeftOver: under cas=watch a mismatch leaves its WATCH
// on the connection; a write by another client afterwards must not fail
// the session's next, matching, CompareAndSwap.
func TestSessionWatchLeftOver(t *testing.T) {
	s, ctx := openSetup(t, withMode(drivers.Options{}, CASWatch), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	ss := newSession(t, ctx, s)
	w := &drivers.Write{Key: 0, Expect: 5, Writer: 1, Payload: make([]byte, 8)}
	if err := ss.CompareAndSwap(ctx, w); !errors.Is(err, drivers.ErrVersionMismatch) {
		t.Fatalf("CompareAndSwap from a wrong version: %v, want a mismatch", err)
	}
	if err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Writer: 2, Payload: make([]byte, 8)}); err != nil {
		t.Fatal(err) // another client's write, through the pool
	}
	w.Expect = 1
	if err := ss.CompareAndSwap(ctx, w); err != nil {
		t.Fatalf("CompareAndSwap after another client's write: %v, want success (a stale WATCH?)", err)
	}
	if tot, err := s.Totals(ctx); err != nil || tot.Counter != 2 {
		t.Errorf("Totals = %+v, %v; want counter 2", tot, err)
	}
}

// TestSessionInterrupted: against a hung server, a call whose context is
// cancelled (no deadline) returns at once with the cancellation, as does
// one when the session's context is cancelled; a later call on a new
// context reconnects once the server answers.
func TestSessionInterrupted(t *testing.T) {
	p := drivertest.NewProxy(t)
	t.Cleanup(p.Up)
	s, ctx := openSetup(t, drivers.Options{Writers: 1, Dial: p.Dial, ConnectTimeout: 5 * time.Second},
		drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	ss := newSession(t, sctx, s)
	var d drivers.Doc
	if err := ss.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	p.Pause()
	for _, c := range []struct {
		name   string
		cancel func(cancelCall func())
	}{
		{"call's context", func(cancelCall func()) { cancelCall() }},
		{"session's context", func(func()) { scancel() }},
	} {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- ss.CompareAndSwap(cctx, &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 8)})
		}()
		// Polls for the state, does not synchronise by sleeping: the
		// call has begun (the watcher has its context).
		for !ss.inFlight.Load() {
			time.Sleep(time.Millisecond)
		}
		start := time.Now()
		c.cancel(cancel)
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || drivers.ClassOf(err) != drivers.ClassCanceled {
				t.Errorf("%s cancelled: %v (class %v), want context.Canceled", c.name, err, drivers.ClassOf(err))
			}
			t.Logf("%s: returned %v after the cancellation", c.name, time.Since(start))
		case <-time.After(5 * time.Second):
			t.Fatalf("%s cancelled: the call did not return", c.name)
		}
		cancel()
	}
	p.Up()
	if err := ss.Read(ctx, 0, &d); !errors.Is(err, context.Canceled) || drivers.MayHaveCommitted(err) {
		t.Errorf("Read after the session's context ended: %v, want context.Canceled, not sent", err)
	}
	ss2 := newSession(t, ctx, s)
	if err := ss2.Read(ctx, 0, &d); err != nil {
		t.Errorf("Read on a new session once the server answers: %v", err)
	}
}

// TestSessionReconnectAfterClientKill: after the server killed the
// session's connection (CLIENT KILL ID, found by the DSN's client_name,
// which the session sets), at most one call fails, as a connection
// error, and the next one succeeds on a new connection.
func TestSessionReconnectAfterClientKill(t *testing.T) {
	name := fmt.Sprintf("occbench-session-%d", time.Now().UnixNano())
	dsn := testDSN(t) + "?client_name=" + name
	s, ctx := openSetup(t, drivers.Options{DSN: dsn, Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	admin := goredis.NewClient(&goredis.Options{Addr: s.rdb.Options().Addr})
	defer admin.Close()
	ss := newSession(t, ctx, s)
	var d drivers.Doc
	if err := ss.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	before := clientIDs(t, ctx, admin, name)
	if len(before) == 0 {
		t.Fatalf("no connection named %s: the session did not send CLIENT SETNAME", name)
	}
	for _, id := range before {
		if err := admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
			t.Fatal(err)
		}
	}
	fails := 0
	for {
		err := ss.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: 1, Payload: make([]byte, 8)})
		if err == nil {
			break
		}
		if c := drivers.ClassOf(err); c != drivers.ClassConnection {
			t.Errorf("CompareAndSwap on a killed connection: class %v, want connection (%v)", c, err)
		}
		if fails++; fails > 1 {
			t.Fatalf("%d calls failed after the kill; last: %v", fails, err)
		}
	}
	if err := ss.Read(ctx, 0, &d); err != nil || d.Version != 1 {
		t.Errorf("Read after reconnecting: version %d, %v; want 1", d.Version, err)
	}
}

// BenchmarkAttempt measures one optimistic attempt (Read, then
// CompareAndSwap from the version read, always committing) on one
// document of 1 field group and 64 bytes, as the runner's writer makes
// it: on a session, and through go-redis's pool (conns=pool), in both
// CompareAndSwap modes. Each attempt is two round trips (four under
// cas=watch). cpu-µs/attempt is the test process's CPU time (user and
// system, getrusage) per attempt: less sensitive than attempts/s to
// other load on the machine.
func BenchmarkAttempt(b *testing.B) {
	for _, conns := range []string{ConnsWriter, ConnsPool} {
		for _, mode := range modes {
			b.Run(conns+"/"+mode, func(b *testing.B) {
				o := withMode(drivers.Options{Writers: 1}, mode)
				o.Params[ParamConns] = conns
				st, ctx := openSetup(b, o, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
				var cs drivers.CompareAndSwapper = st
				if conns == ConnsWriter {
					cs = newSession(b, ctx, st)
				}
				actx, cancel := context.WithTimeout(ctx, time.Hour)
				defer cancel()
				d := &drivers.Doc{}
				w := &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 64)}
				b.ReportAllocs()
				cpu0 := processCPU(b)
				for b.Loop() {
					if err := cs.Read(actx, 0, d); err != nil {
						b.Fatal(err)
					}
					w.Expect, w.Op = d.Version, w.Op+1
					if err := cs.CompareAndSwap(actx, w); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
				b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/attempt")
			})
		}
	}
}

// processCPU is the CPU time (user + system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
