package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

// serverError is a Redis error reply, as go-redis's own are.
type serverError string

func (e serverError) Error() string { return string(e) }
func (serverError) RedisError()     {}

func TestWrapClassifies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		kind     drivers.ConflictKind
		class    drivers.ErrorClass
		notFound bool
	}{
		{"nil reply is a missing doc", goredis.Nil, drivers.NotConflict, drivers.ClassNotFound, true},
		{"failed EXEC is a version mismatch", goredis.TxFailedErr, drivers.VersionMismatch, 0, false},
		{"error reply", serverError("ERR wrong number of arguments"), drivers.NotConflict, drivers.ClassServer, false},
		{"OOM reply", serverError("OOM command not allowed"), drivers.NotConflict, drivers.ClassServer, false},
		{"pool timeout", goredis.ErrPoolTimeout, drivers.NotConflict, drivers.ClassTimeout, false},
		{"client closed", goredis.ErrClosed, drivers.NotConflict, drivers.ClassConnection, false},
		{"EOF", io.EOF, drivers.NotConflict, drivers.ClassConnection, false},
		{"net timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, drivers.NotConflict, drivers.ClassTimeout, false},
		{"net refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, drivers.NotConflict, drivers.ClassConnection, false},
		{"ctx canceled", fmt.Errorf("x: %w", context.Canceled), drivers.NotConflict, drivers.ClassCanceled, false},
		{"ctx deadline", context.DeadlineExceeded, drivers.NotConflict, drivers.ClassTimeout, false},
		{"other", errors.New("boom"), drivers.NotConflict, drivers.ClassOther, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := wrap("cas", 4, tt.err)
			if got := drivers.KindOf(err); got != tt.kind {
				t.Fatalf("KindOf = %v, want %v (err %v)", got, tt.kind, err)
			}
			if !strings.Contains(err.Error(), "redis: cas key 4") {
				t.Errorf("error %q does not name the driver, operation and key", err)
			}
			if tt.kind != drivers.NotConflict {
				return
			}
			if got := drivers.ClassOf(err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v", got, tt.class)
			}
			if errors.Is(err, drivers.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
		})
	}
}

func TestOpenBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		o       drivers.Options
		want    string
		hideKey string
	}{
		{"no dsn", drivers.Options{}, "pass --dsn", ""},
		{"bad cas mode", drivers.Options{DSN: "redis://h:1", Params: map[string]string{"cas": "optimistic"}},
			`cas: unknown mode "optimistic" (allowed: lua, watch)`, ""},
		{"unknown param", drivers.Options{DSN: "redis://h:1", Params: map[string]string{"lock_wait": "nowait"}},
			`params: unknown key "lock_wait" (allowed: cas, conns)`, ""},
		{"bad conns mode", drivers.Options{DSN: "redis://h:1", Params: map[string]string{"conns": "shared"}},
			`conns: unknown mode "shared" (allowed: writer, pool)`, ""},
		{"bad scheme keeps password hidden", drivers.Options{DSN: "http://u:hunter2secret@h:6379/0"}, "redis: --dsn", "hunter2secret"},
		{"bad db keeps password hidden", drivers.Options{DSN: "redis://u:hunter2secret@h:6379/notadb"}, "redis: --dsn", "hunter2secret"},
		{"negative writers", drivers.Options{DSN: "redis://h:1", Writers: -2}, "writers: must be ≥ 0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(context.Background(), tt.o)
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.hideKey != "" && strings.Contains(err.Error(), tt.hideKey) {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}

func TestOpenUnreachableIsConnectionError(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), drivers.Options{DSN: "redis://:hunter2secret@127.0.0.1:1/0"})
	if err == nil {
		s.Close()
		t.Fatal("Open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("error %q leaks the password", err)
	}
	if c := drivers.ClassOf(err); c != drivers.ClassConnection {
		t.Errorf("ClassOf(%v) = %v, want connection", err, c)
	}
}

func TestReadFencedScriptNamesFields(t *testing.T) {
	t.Parallel()
	sc := readFencedScript(readFields(2))
	// The script's text is in its hash; compare against a known-good
	// construction instead of reaching into go-redis.
	want := goredis.NewScript(`
local f = redis.call('HGET', KEYS[1], 'fence')
if not f then return -1 end
if tonumber(f) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1])
return redis.call('HMGET', KEYS[1], 'version', 'counter', 'fence', 'writer', 'op', 'updated_at', 'gv0', 'gv1', 'p0', 'p1')
`)
	if sc.sha != want.Hash() {
		t.Error("readFencedScript(readFields(2)) does not HMGET version … updated_at, gv0, gv1, p0, p1")
	}
}
