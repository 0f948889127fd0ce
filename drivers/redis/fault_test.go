package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestNetwork runs the fault suite on sessions and on the pool, in both
// CompareAndSwap modes.
func TestNetwork(t *testing.T) {
	dsn := testDSN(t)
	for _, conns := range []string{ConnsWriter, ConnsPool} {
		for _, mode := range modes {
			t.Run(conns+"/"+mode, func(t *testing.T) {
				drivertest.RunNetwork(t, func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
					o.DSN = dsn
					o = withMode(o, mode)
					o.Params[ParamConns] = conns
					return Open(ctx, o)
				})
			})
		}
	}
}

// clientIDs lists the ids of the server's connections named name.
func clientIDs(t *testing.T, ctx context.Context, admin *goredis.Client, name string) []string {
	t.Helper()
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.SplitSeq(list, "\n") {
		var id string
		named := false
		for f := range strings.FieldsSeq(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+name {
				named = true
			}
		}
		if named && id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestReconnectAfterClientKill: after the server killed every connection
// of the store (CLIENT KILL ID, only the store's own), at most one call
// fails, as a connection error, and the next one succeeds on a new
// connection.
func TestReconnectAfterClientKill(t *testing.T) {
	name := fmt.Sprintf("occbench-test-%d", time.Now().UnixNano())
	dsn := testDSN(t) + "?client_name=" + name
	s, ctx := openSetup(t, drivers.Options{DSN: dsn, Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	admin := goredis.NewClient(&goredis.Options{Addr: s.rdb.Options().Addr})
	defer admin.Close()
	var d drivers.Doc
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	for _, first := range []string{"read", "cas"} {
		t.Run(first, func(t *testing.T) {
			ids := clientIDs(t, ctx, admin, name)
			if len(ids) == 0 {
				t.Fatalf("no connection named %s", name)
			}
			for _, id := range ids {
				if err := admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatalf("CLIENT KILL ID %s: %v", id, err)
				}
			}
			killed := time.Now()
			fails := 0
			for {
				var err error
				if first == "read" {
					err = s.Read(ctx, 0, &d)
				} else {
					err = s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: 1, Payload: make([]byte, 8)})
				}
				if err == nil {
					break
				}
				if c := drivers.ClassOf(err); c != drivers.ClassConnection {
					t.Errorf("%s on a killed connection: class %v, want connection (%v)", first, c, err)
				}
				if fails++; fails > 1 {
					t.Fatalf("%d calls failed after the kill; last: %v", fails, err)
				}
			}
			t.Logf("%s: succeeded %v after %d connections were killed (%d failed first)", first, time.Since(killed), len(ids), fails)
			for _, id := range clientIDs(t, ctx, admin, name) {
				for _, old := range ids {
					if id == old {
						t.Errorf("connection %s survived CLIENT KILL", id)
					}
				}
			}
			if err := s.Read(ctx, 0, &d); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestMayHaveCommitted: a call that got no connection is not
// indeterminate; one whose command may have reached the server is,
// unless it only reads.
func TestMayHaveCommitted(t *testing.T) {
	t.Parallel()
	_, refused := net.Dial("tcp", "127.0.0.1:1")
	if refused == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"dial refused", wrapWrite("cas", 1, &dialError{err: refused}), false},
		{"dial refused, unwrapped by go-redis", wrapWrite("cas", 1, refused), false},
		{"pool timeout", wrapWrite("cas", 1, goredis.ErrPoolTimeout), false},
		{"client closed", wrapWrite("put", 1, goredis.ErrClosed), false},
		{"connection lost mid-call", wrapWrite("cas", 1, io.EOF), true},
		{"reply timed out", wrapWrite("cas", 1, &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}), true},
		{"error reply", wrapWrite("put", 1, serverError("ERR something")), true},
		{"read lost mid-call", wrapRead("read", 1, io.EOF), false},
		{"failed EXEC", wrapWrite("cas", 1, goredis.TxFailedErr), false},
		{"missing document", notFound("put", 1), false},
	}
	for _, tt := range tests {
		if got := drivers.MayHaveCommitted(tt.err); got != tt.want {
			t.Errorf("%s: MayHaveCommitted(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestDialFailureIsNotSent: a store whose server is gone fails its calls
// at once, not sent, as connection errors, and without go-redis's dial
// retries.
func TestDialFailureIsNotSent(t *testing.T) {
	p := drivertest.NewProxy(t)
	s, ctx := openSetup(t, drivers.Options{Writers: 1, Dial: p.Dial, ConnectTimeout: time.Second}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	p.Down()
	before := p.Dials()
	for i := range 3 * MinConns { // beyond go-redis's dial breaker (PoolSize failures)
		err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 8)})
		if i == 0 {
			continue // the connection the proxy cut may have been used
		}
		if err == nil || drivers.MayHaveCommitted(err) || drivers.ClassOf(err) != drivers.ClassConnection {
			t.Fatalf("CompareAndSwap %d with the server down: %v (MayHaveCommitted %v, class %v), want a connection error not sent", i, err, drivers.MayHaveCommitted(err), drivers.ClassOf(err))
		}
	}
	// One dial per call: no retries, and no breaker that stops dialing.
	if n := p.Dials() - before; n < 3*MinConns-1 || n > 3*MinConns {
		t.Errorf("%d calls dialed %d times, want one dial each", 3*MinConns, n)
	}
	p.Up()
	start := time.Now()
	var d drivers.Doc
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatalf("Read once the server is back: %v", err)
	}
	t.Logf("first read %v after the server came back", time.Since(start))
}

// TestLogRouting: go-redis's log lines reach the Log of every open store
// that has one, never stderr, and stop reaching a store once it is
// closed.
func TestLogRouting(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logf := func(line string) {
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
	}
	s := open(t, drivers.Options{Writers: 1, Log: logf})
	open(t, drivers.Options{Writers: 1}) // a store without Log changes nothing
	// go-redis logs this, through its process-wide logger, when a client
	// is made with too small a read buffer.
	makeGoRedisLog := func() {
		c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ReadBufferSize: 1})
		c.Close()
	}
	out := drivertest.CaptureStderr(t, makeGoRedisLog)
	if out != "" {
		t.Errorf("go-redis wrote to stderr:\n%s", out)
	}
	mu.Lock()
	got := append([]string(nil), lines...)
	mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "ReadBufferSize=1") {
		t.Fatalf("Log got %q, want go-redis's line about ReadBufferSize=1", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out = drivertest.CaptureStderr(t, makeGoRedisLog)
	if out != "" {
		t.Errorf("go-redis wrote to stderr with no store logging:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 {
		t.Errorf("a closed store's Log got %q", lines[1:])
	}
}

// TestDialerDeadConn: a failed dial reaches the caller as the dial's
// error, through the handshake of a connection that fails every read
// and write, and that go-redis's health check rejects.
func TestDialerDeadConn(t *testing.T) {
	t.Parallel()
	refused := errors.New("connect: connection refused")
	d := dialer(rawDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: refused}
	}, time.Second, nil))
	c, err := d(context.Background(), "tcp", "h:1")
	if err != nil {
		t.Fatalf("dialer returned an error: %v", err)
	}
	_, werr := c.Write([]byte("PING"))
	var de *dialError
	if !errors.As(werr, &de) || !errors.Is(werr, refused) || drivers.MayHaveCommitted(werr) {
		t.Errorf("Write on a dead connection: %v, want the dial's error", werr)
	}
	if sc, ok := c.(deadConn); !ok {
		t.Fatalf("dialer returned %T, want deadConn", c)
	} else if _, err := sc.SyscallConn(); err == nil {
		t.Error("deadConn.SyscallConn succeeded: go-redis's health check would take it for alive")
	}
}
