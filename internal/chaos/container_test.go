package chaos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/internal/provision"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/internal/testenv"
)

// skipOrFail skips the test, or fails it under OCCBENCH_REQUIRE_DOCKER=1.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	if testenv.RequireDocker() {
		t.Fatalf("%s (%s=1)", msg, testenv.RequireDockerVar)
	}
	t.Skipf("%s; set %s=1 to fail instead", msg, testenv.RequireDockerVar)
}

// startContainer starts a server with a fixed port, or skips (fails under
// OCCBENCH_REQUIRE_DOCKER=1) when there is no engine or no image; it
// removes the container when the test ends, also when it fails.
func startContainer(t *testing.T, kind provision.Kind, persistence string) *provision.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := provision.DockerAvailable(ctx); err != nil {
		skipOrFail(t, "container engine unavailable: %v", err)
	}
	inst, err := provision.Start(ctx, kind, provision.Options{FixedPort: true, Persistence: persistence})
	if err != nil {
		if errors.Is(err, provision.ErrNoDocker) || strings.Contains(err.Error(), "pulling it failed") {
			skipOrFail(t, "cannot start %s (set %s to a local image; docker/build-images.sh builds them): %v", kind, provision.ImageEnv(kind), err)
		}
		t.Fatalf("Start %s: %v", kind, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := inst.Terminate(ctx); err != nil {
			t.Errorf("Terminate: %v", err)
		}
	})
	return inst
}

func hostOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN %s: %v", redact.DSN(dsn), err)
	}
	return u.Host
}

// errNil is a Redis nil reply.
var errNil = errors.New("redis: nil")

// redisDo sends one command on a new connection and returns the reply,
// within d. It speaks RESP itself, so that no client library logs.
func redisDo(addr string, d time.Duration, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(d)); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case line == "$-1":
		return "", errNil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

func mustFault(t *testing.T, s string) faults.Fault {
	t.Helper()
	f, err := faults.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// injectHeal injects f, checks that the server is down with down, heals
// and returns how long heal took (from the call until the server is
// ready).
func injectHeal(t *testing.T, inj *Injector, f faults.Fault, down func() error) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	heal, err := inj.Inject(ctx, f)
	if err != nil {
		t.Fatalf("Inject %s: %v", f, err)
	}
	if err := down(); err == nil {
		t.Errorf("the server answered during %s", f)
	} else {
		t.Logf("during %s: %v", f, err)
	}
	start := time.Now()
	if err := heal(ctx); err != nil {
		t.Fatalf("heal %s: %v", f, err)
	}
	return time.Since(start)
}

// TestRedisFaults pauses, restarts and kills a Redis server without
// persistence, through the Injector, and checks that the same port
// answers after each heal, and that a restart loses the data set.
func TestRedisFaults(t *testing.T) {
	inst := startContainer(t, provision.Redis, provision.PersistenceNone)
	addr := hostOf(t, inst.DSN)
	inj := New(inst, nil)
	ping := func(d time.Duration) error {
		got, err := redisDo(addr, d, "PING")
		if err == nil && got != "PONG" {
			err = fmt.Errorf("PING = %q", got)
		}
		return err
	}
	set := func() {
		t.Helper()
		if _, err := redisDo(addr, 2*time.Second, "SET", "occbench:chaos", "v1"); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}

	set()
	took := injectHeal(t, inj, mustFault(t, "pause@0s:1s"), func() error { return ping(300 * time.Millisecond) })
	t.Logf("pause: heal took %v", took.Round(time.Millisecond))
	if err := ping(2 * time.Second); err != nil {
		t.Fatalf("PING after pause healed: %v", err)
	}
	if got, err := redisDo(addr, 2*time.Second, "GET", "occbench:chaos"); err != nil || got != "v1" {
		t.Errorf("GET after pause = %q, %v; want v1", got, err)
	}

	for _, spec := range []string{"restart@0s", "kill@0s"} {
		set()
		took := injectHeal(t, inj, mustFault(t, spec), func() error { return ping(time.Second) })
		t.Logf("%s: heal (start until ready) took %v", spec, took.Round(time.Millisecond))
		if err := ping(2 * time.Second); err != nil {
			t.Fatalf("PING on the same port after %s healed: %v", spec, err)
		}
		if got, err := redisDo(addr, 2*time.Second, "GET", "occbench:chaos"); !errors.Is(err, errNil) {
			t.Errorf("GET after %s with persistence none = %q, %v; want no key", spec, got, err)
		}
	}
}

// TestRedisAOF checks that a Redis server with persistence aof keeps an
// acknowledged write across a restart and a kill.
func TestRedisAOF(t *testing.T) {
	inst := startContainer(t, provision.Redis, provision.PersistenceAOF)
	addr := hostOf(t, inst.DSN)
	inj := New(inst, nil)
	for i, spec := range []string{"restart@0s", "kill@0s"} {
		v := fmt.Sprintf("v%d", i)
		if _, err := redisDo(addr, 2*time.Second, "SET", "occbench:chaos", v); err != nil {
			t.Fatalf("SET: %v", err)
		}
		took := injectHeal(t, inj, mustFault(t, spec), func() error { _, err := redisDo(addr, time.Second, "PING"); return err })
		t.Logf("%s: heal (start until ready) took %v", spec, took.Round(time.Millisecond))
		if got, err := redisDo(addr, 2*time.Second, "GET", "occbench:chaos"); err != nil || got != v {
			t.Errorf("GET after %s with persistence aof = %q, %v; want %q", spec, got, err, v)
		}
	}
}

// TestPostgresRestart restarts and kills a Postgres server through the
// Injector and checks that the same DSN connects after each heal.
func TestPostgresRestart(t *testing.T) {
	inst := startContainer(t, provision.Postgres, "")
	inj := New(inst, nil)
	query := func(d time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		conn, err := pgx.Connect(ctx, inst.DSN)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			return fmt.Errorf("SELECT 1 = %d, %v", one, err)
		}
		return nil
	}
	if err := query(5 * time.Second); err != nil {
		t.Fatalf("before: %v", err)
	}
	for _, spec := range []string{"restart@0s", "kill@0s"} {
		took := injectHeal(t, inj, mustFault(t, spec), func() error { return query(time.Second) })
		t.Logf("%s: heal (start until ready) took %v", spec, took.Round(time.Millisecond))
		if err := query(5 * time.Second); err != nil {
			t.Errorf("after %s healed: %v", spec, redact.DSN(err.Error()))
		}
	}
}
