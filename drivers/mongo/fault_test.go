package mongo_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/mongo"
)

// TestNetwork runs the fault suite. The driver reconnects by itself:
// after a network error it marks the server unknown, clears its pool and
// finds the server again on the next operation (server selection, which
// waits at most ConnectTimeout).
func TestNetwork(t *testing.T) {
	dsn := testDSN(t)
	drivertest.RunNetwork(t, func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
		o.DSN = withDatabase(dsn, dbName(t.Name()))
		return mongo.Open(ctx, o)
	})
}

// TestNoLibraryOutput: the driver's log lines go to Options.Log, never
// to stderr, even when MONGODB_LOG_ALL asks for every one of them.
func TestNoLibraryOutput(t *testing.T) {
	t.Setenv("MONGODB_LOG_ALL", "debug")
	var mu sync.Mutex
	var lines []string
	logf := func(line string) {
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
	}
	out := drivertest.CaptureStderr(t, func() {
		st := open(t, drivers.Options{Writers: 1, Log: logf})
		setup(t, st, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
		var d drivers.Doc
		if err := st.Read(testCtx(t), 0, &d); err != nil {
			t.Error(err)
		}
		// A store without Log drops them.
		quiet := open(t, drivers.Options{Writers: 1})
		if _, err := quiet.Totals(testCtx(t)); err != nil {
			t.Error(err)
		}
	})
	if out != "" {
		t.Errorf("the mongo driver wrote to stderr:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) == 0 {
		t.Fatal("with MONGODB_LOG_ALL=debug, Log got no line")
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "mongo: ") {
			t.Errorf("log line %q does not name the driver", l)
		}
	}
	t.Logf("%d lines, e.g. %q", len(lines), lines[0])
}

// TestNotSentWithNoServer: an operation the driver found no server for is
// not indeterminate; one whose connection broke while it was sent is,
// unless it only reads.
func TestNotSentWithNoServer(t *testing.T) {
	p := drivertest.NewProxy(t)
	st := open(t, drivers.Options{Writers: 1, Dial: p.Dial, ConnectTimeout: 500 * time.Millisecond})
	setup(t, st, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	ctx := testCtx(t)
	var d drivers.Doc
	if err := st.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	p.Down()
	_ = st.Read(ctx, 0, &d) // learns the server is gone
	w := &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 8)}
	for name, err := range map[string]error{
		"cas":     st.CompareAndSwap(ctx, w),
		"put":     st.Put(ctx, w),
		"acquire": func() error { _, err := st.Acquire(ctx, 0, 1, time.Minute); return err }(),
		"read":    st.Read(ctx, 0, &d),
	} {
		if err == nil || drivers.MayHaveCommitted(err) || drivers.ClassOf(err) != drivers.ClassConnection {
			t.Errorf("%s with no server: %v (MayHaveCommitted %v, class %v), want a connection error not sent", name, err, drivers.MayHaveCommitted(err), drivers.ClassOf(err))
		}
	}
	p.Up()
	if err := st.Read(ctx, 0, &d); err != nil {
		t.Fatalf("Read once the server is back: %v", err)
	}
}

// TestOpenRefusedIsOneClearError: Open against a closed port fails
// within ConnectTimeout with one connection error, password hidden.
func TestOpenRefusedIsOneClearError(t *testing.T) {
	t.Parallel()
	if c, err := net.Dial("tcp", "127.0.0.1:1"); err == nil {
		c.Close()
		t.Skip("something listens on 127.0.0.1:1")
	}
	start := time.Now()
	_, err := mongo.Open(context.Background(), drivers.Options{DSN: "mongodb://u:hunter2secret@127.0.0.1:1/x", ConnectTimeout: 500 * time.Millisecond})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if took > 2*time.Second {
		t.Errorf("Open took %v with a 500ms connect timeout", took)
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("error %q leaks the password", err)
	}
	if c := drivers.ClassOf(err); c != drivers.ClassConnection {
		t.Errorf("ClassOf(%v) = %v, want connection", err, c)
	}
	t.Logf("Open failed after %v: %v", took, err)
}
