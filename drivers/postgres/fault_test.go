package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestNetwork runs the fault suite with a connection per writer and with
// the pool.
func TestNetwork(t *testing.T) {
	dsn := testDSN(t)
	var params []map[string]string
	for _, tr := range transports {
		params = append(params, map[string]string{ParamConns: ConnsWriter, ParamTransport: tr})
	}
	params = append(params, map[string]string{ParamConns: ConnsPool})
	for _, p := range params {
		name := p[ParamConns]
		if tr := p[ParamTransport]; tr != "" {
			name += "/" + tr
		}
		t.Run(name, func(t *testing.T) {
			drivertest.RunNetwork(t, func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
				o.DSN = dsn
				o.Params = p
				return Open(ctx, o)
			})
		})
	}
}

// terminate kills backend pid from a pool connection and waits until
// it is gone, so that the connection it served is closed by the server.
func terminate(t *testing.T, ctx context.Context, s *Store, pid uint32) {
	t.Helper()
	var ok bool
	if err := s.pool.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	deadline := time.After(10 * time.Second)
	for {
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", int32(pid)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		select {
		case <-poll.C:
		case <-deadline:
			t.Fatalf("backend %d still there 10 s after pg_terminate_backend", pid)
		}
	}
}

// TestSessionReconnectAfterKill: a session whose backend was killed
// fails one call with a connection error, and the next call dials a new
// connection, prepares its statements again and succeeds.
func TestSessionReconnectAfterKill(t *testing.T) { eachTransport(t, sessionReconnectAfterKill) }

func sessionReconnectAfterKill(t *testing.T, tr string) {
	s, ctx := openSetup(t, withTransport(drivers.Options{Writers: 1}, tr), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	ss := newSession(t, ctx, s)
	var d drivers.Doc
	if err := ss.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	for _, first := range []string{"read", "cas"} {
		t.Run(first, func(t *testing.T) {
			pid := sessionPID(ss)
			terminate(t, ctx, s, pid)
			killed := time.Now()
			var err error
			if first == "read" {
				err = ss.Read(ctx, 0, &d)
			} else {
				err = ss.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: 1, Payload: make([]byte, 8)})
			}
			if err == nil {
				t.Fatalf("%s on a killed backend succeeded", first)
			}
			if c := drivers.ClassOf(err); c != drivers.ClassConnection {
				t.Errorf("%s on a killed backend: class %v, want connection (%v)", first, c, err)
			}
			if first == "read" && drivers.MayHaveCommitted(err) {
				t.Errorf("read on a killed backend: MayHaveCommitted(%v) = true", err)
			}
			if err := ss.Read(ctx, 0, &d); err != nil {
				t.Fatalf("read after the kill: %v", err)
			}
			t.Logf("%s: next call succeeded %v after the backend was killed", first, time.Since(killed))
			if sessionPID(ss) == pid {
				t.Errorf("the session still uses backend %d", pid)
			}
			if err := ss.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: 1, Payload: make([]byte, 8)}); err != nil {
				t.Fatalf("CompareAndSwap on the new connection: %v", err)
			}
			if err := ss.Read(ctx, 0, &d); err != nil {
				t.Fatal(err)
			}
		})
	}
	if tot, err := s.Totals(ctx); err != nil || tot.Counter != 2 {
		t.Errorf("totals %+v, %v; want counter 2 (one commit after each kill)", tot, err)
	}
}

// TestPoolReconnectAfterKill: with conns=pool, after the server killed
// every pool connection at most one call fails (the pool is then reset)
// and the next one succeeds.
func TestPoolReconnectAfterKill(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 2, Params: map[string]string{ParamConns: ConnsPool}}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	var d drivers.Doc
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	idle := s.pool.AcquireAllIdle(ctx)
	var pids []uint32
	for _, c := range idle {
		pids = append(pids, c.Conn().PgConn().PID())
	}
	// The kills go through another store's pool.
	killer := open(t, drivers.Options{Writers: 1})
	for _, c := range idle {
		c.Release()
	}
	for _, pid := range pids {
		terminate(t, ctx, killer, pid)
	}
	killed := time.Now()
	fails := 0
	for {
		err := s.Read(ctx, 0, &d)
		if err == nil {
			break
		}
		if c := drivers.ClassOf(err); c != drivers.ClassConnection || drivers.MayHaveCommitted(err) {
			t.Errorf("read on a killed connection: class %v, MayHaveCommitted %v (%v)", c, drivers.MayHaveCommitted(err), err)
		}
		if fails++; fails > 1 {
			t.Fatalf("%d reads failed after %d connections were killed; last: %v", fails, len(pids), err)
		}
	}
	t.Logf("killed %d pool connections: %d failed reads, then one succeeded %v later", len(pids), fails, time.Since(killed))
	if err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: 1, Payload: make([]byte, 8)}); err != nil {
		t.Fatal(err)
	}
}

// TestSessionCloseInterruptsCall: Close returns within the bound even
// while a call waits on the server, and the call fails.
func TestSessionCloseInterruptsCall(t *testing.T) { eachTransport(t, sessionCloseInterruptsCall) }

func sessionCloseInterruptsCall(t *testing.T, tr string) {
	s, ctx := openSetup(t, withTransport(drivers.Options{Writers: 1}, tr), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	lockRow(t, ctx, testDSN(t), 0)
	ss := newSession(t, ctx, s)
	done := make(chan error, 1)
	go func() { done <- ss.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)}) }()
	// Wait until the session's backend waits for the lock.
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for waiting := 0; waiting == 0; <-poll.C {
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = $1", int32(sessionPID(ss))).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := ss.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if took := time.Since(start); took > drivertest.CloseWithin {
		t.Errorf("Close with a call in flight took %v", took)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("the interrupted LockedUpdate succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LockedUpdate still blocked 10 s after Close")
	}
}

// sessionPID reads the session's backend pid under the session's
// connection lock, as Close and interrupt do.
func sessionPID(ss *Session) uint32 {
	ss.pcMu.Lock()
	defer ss.pcMu.Unlock()
	return ss.pc.PID()
}

// TestMayHaveCommittedPgconn: the failures pgconn reports as happening
// before anything was sent are not indeterminate.
func TestMayHaveCommittedPgconn(t *testing.T) {
	ctx := testCtx(t)
	pc, err := pgconn.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, errCanceled := pc.Exec(canceled, "SELECT 1").ReadAll()
	pc.Close(ctx)
	_, errClosed := pc.Exec(ctx, "SELECT 1").ReadAll()
	for _, tt := range []struct {
		name string
		err  error
	}{{"context already done", errCanceled}, {"connection closed", errClosed}} {
		if tt.err == nil {
			t.Fatalf("%s: no error", tt.name)
		}
		if err := wrapSent("cas", 1, tt.err, false); drivers.MayHaveCommitted(err) {
			t.Errorf("%s: MayHaveCommitted(%v) = true, want false", tt.name, err)
		}
	}
}

// TestNoLibraryOutput: pgx prints nothing of its own, whatever fails.
func TestNoLibraryOutput(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	ss := newSession(t, ctx, s)
	out := drivertest.CaptureStderr(t, func() {
		if _, err := Open(ctx, drivers.Options{DSN: "postgres://u:p@127.0.0.1:1/x?sslmode=disable", ConnectTimeout: time.Second}); err == nil {
			t.Error("Open on a refused port succeeded")
		}
		terminate(t, ctx, s, sessionPID(ss))
		var d drivers.Doc
		_ = ss.Read(ctx, 0, &d)
		if err := ss.Read(ctx, 0, &d); err != nil {
			t.Errorf("read after reconnecting: %v", err)
		}
	})
	if out != "" {
		t.Errorf("pgx wrote to stderr:\n%s", out)
	}
}

// TestOpenRefusedIsOneClearError: Open on a refused address fails at once
// with one error naming the connect, and no password.
func TestOpenRefusedIsOneClearError(t *testing.T) {
	start := time.Now()
	_, err := Open(testCtx(t), drivers.Options{DSN: "postgres://u:hunter2secret@127.0.0.1:1/x?sslmode=disable", ConnectTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("Open on a refused port succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Open on a refused port took %v", took)
	}
	msg := err.Error()
	if !strings.Contains(msg, "postgres: connect") || strings.Contains(msg, "hunter2secret") || strings.Count(msg, "\n") > 0 {
		t.Errorf("Open error %q: want one line naming the connect, without the password", msg)
	}
	if c := drivers.ClassOf(err); c != drivers.ClassConnection {
		t.Errorf("ClassOf = %v, want connection", c)
	}
	if !errors.As(err, new(*pgconn.ConnectError)) {
		t.Errorf("Open error does not wrap pgconn's ConnectError: %v", err)
	}
}
