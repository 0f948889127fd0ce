package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
)

func TestWrapClassifies(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "m"} }
	tests := []struct {
		name  string
		err   error
		kind  drivers.ConflictKind
		class drivers.ErrorClass // for non-conflicts
	}{
		{"serialization", pg("40001"), drivers.Serialization, 0},
		{"deadlock", pg("40P01"), drivers.Deadlock, 0},
		{"lock not available", pg("55P03"), drivers.LockNotAvailable, 0},
		{"wrapped serialization", fmt.Errorf("commit: %w", pg("40001")), drivers.Serialization, 0},
		{"query canceled", pg("57014"), drivers.NotConflict, drivers.ClassTimeout},
		{"connection failure", pg("08006"), drivers.NotConflict, drivers.ClassConnection},
		{"admin shutdown", pg("57P01"), drivers.NotConflict, drivers.ClassConnection},
		{"unique violation", pg("23505"), drivers.NotConflict, drivers.ClassServer},
		{"undefined table", pg("42P01"), drivers.NotConflict, drivers.ClassServer},
		{"connect error", &pgconn.ConnectError{Config: &pgconn.Config{}}, drivers.NotConflict, drivers.ClassConnection},
		{"conn closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), drivers.NotConflict, drivers.ClassConnection},
		{"unexpected EOF", io.ErrUnexpectedEOF, drivers.NotConflict, drivers.ClassConnection},
		{"net timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, drivers.NotConflict, drivers.ClassTimeout},
		{"net refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, drivers.NotConflict, drivers.ClassConnection},
		{"ctx canceled", fmt.Errorf("q: %w", context.Canceled), drivers.NotConflict, drivers.ClassCanceled},
		{"ctx deadline", context.DeadlineExceeded, drivers.NotConflict, drivers.ClassTimeout},
		{"other", errors.New("boom"), drivers.NotConflict, drivers.ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := wrap("cas", 7, tt.err)
			if got := drivers.KindOf(err); got != tt.kind {
				t.Fatalf("KindOf = %v, want %v (err %v)", got, tt.kind, err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("wrapped error does not match the original under errors.Is: %v", err)
			}
			if !strings.Contains(err.Error(), "postgres: cas key 7") {
				t.Errorf("error %q does not name the driver, operation and key", err)
			}
			if tt.kind != drivers.NotConflict {
				if !errors.Is(err, drivers.ErrConflict) {
					t.Errorf("conflict does not match drivers.ErrConflict: %v", err)
				}
				return
			}
			if got := drivers.ClassOf(err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v", got, tt.class)
			}
		})
	}
}

func TestWrapNoRowsIsNotFound(t *testing.T) {
	t.Parallel()
	err := wrap("locked update", 3, pgx.ErrNoRows)
	if !errors.Is(err, drivers.ErrNotFound) || drivers.ClassOf(err) != drivers.ClassNotFound {
		t.Fatalf("wrap(ErrNoRows) = %v (class %v), want drivers.ErrNotFound", err, drivers.ClassOf(err))
	}
}

func TestOpenBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		o       drivers.Options
		want    string // substring of the error
		hideKey string // must not appear in the error
	}{
		{"no dsn", drivers.Options{}, "pass --dsn", ""},
		{"bad lock_wait", drivers.Options{DSN: "postgres://u@h/db", Params: map[string]string{"lock_wait": "sometimes"}},
			`lock_wait: unknown mode "sometimes" (allowed: wait, nowait)`, ""},
		{"unknown param", drivers.Options{DSN: "postgres://u@h/db", Params: map[string]string{"cas": "lua"}},
			`params: unknown key "cas" (allowed: lock_wait, conns, transport)`, ""},
		{"bad transport", drivers.Options{DSN: "postgres://u@h/db", Params: map[string]string{"transport": "epoll"}},
			`transport: unknown mode "epoll" (allowed: auto, blocking, netpoll)`, ""},
		{"bad conns", drivers.Options{DSN: "postgres://u@h/db", Params: map[string]string{"conns": "shared"}},
			`conns: unknown mode "shared" (allowed: writer, pool)`, ""},
		{"conns=writer without prepared statements", drivers.Options{DSN: "postgres://u@h/db?default_query_exec_mode=simple_protocol", Params: map[string]string{"conns": "writer"}},
			`conns=writer needs prepared statements, but the DSN sets default_query_exec_mode=simple_protocol (use conns=pool)`, ""},
		{"unparsable url keeps password hidden", drivers.Options{DSN: "postgres://u:hunter2secret@host:notaport/db"},
			"postgres: --dsn", "hunter2secret"},
		{"unparsable key/value keeps password hidden", drivers.Options{DSN: "host=h password=hunter2secret port=xx"},
			"postgres: --dsn", "hunter2secret"},
		{"negative writers", drivers.Options{DSN: "postgres://u@h/db", Writers: -1}, "writers: must be ≥ 0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(ctx, tt.o)
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
	// Port 1 on loopback: nothing listens there, the dial is refused.
	dsn := "postgres://u:hunter2secret@127.0.0.1:1/db?connect_timeout=5&sslmode=disable"
	s, err := Open(context.Background(), drivers.Options{DSN: dsn})
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

func TestBuildStatements(t *testing.T) {
	t.Parallel()
	st := buildStatements(tablesIn(""), 2, true)
	g := st.groups[1]
	tests := []struct{ name, got, want string }{
		{"cas document", g.casDoc, "UPDATE occbench_docs SET version = version + 1, counter = counter + 1, gv1 = gv1 + 1, p1 = $3, writer = $4, op = $5, updated_at = $6 WHERE id = $1 AND version = $2"},
		{"cas group", g.casGroup, "UPDATE occbench_docs SET version = version + 1, counter = counter + 1, gv1 = gv1 + 1, p1 = $3, writer = $4, op = $5, updated_at = $6 WHERE id = $1 AND gv1 = $2"},
		{"put fenced", g.putFenced, "UPDATE occbench_docs SET version = $2, counter = $3, gv1 = $4, p1 = $5, writer = $6, op = $7, updated_at = $8, fence = $9 WHERE id = $1 AND fence <= $9"},
		{"lock nowait", g.lockRead, "SELECT version, counter, gv1 FROM occbench_docs WHERE id = $1 FOR UPDATE NOWAIT"},
		{"read", st.read, "SELECT version, counter, fence, writer, op, updated_at, gv0, gv1, p0, p1 FROM occbench_docs WHERE id = $1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
	if l := buildStatements(tablesIn(""), 1, false).groups[0].lockRead; !strings.HasSuffix(l, "FOR UPDATE") {
		t.Errorf("wait mode lock read %q does not end in FOR UPDATE", l)
	}
}

func TestDecodeTextFormat(t *testing.T) {
	t.Parallel()
	s := &Store{spec: drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 5}}
	var fds []pgconn.FieldDescription
	var raw [][]byte
	for _, v := range []string{"3", "4", "5", "6", "7", "8", "1", "2", `\x0102`, `\xff00`} {
		fds = append(fds, pgconn.FieldDescription{Name: "c", Format: pgx.TextFormatCode})
		raw = append(raw, []byte(v))
	}
	var d drivers.Doc
	if err := s.decode(fds, raw, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || d.UpdatedAt != 8 || len(d.Groups) != 2 || d.Groups[1] != 2 {
		t.Errorf("decoded %+v", d)
	}
	if want := []byte{1, 2, 0xff, 0, 0}; string(d.Payload) != string(want) {
		t.Errorf("payload %x, want %x (groups, then zero padding)", d.Payload, want)
	}
	raw[9] = nil
	if err := s.decode(fds, raw, 0, &d); err == nil {
		t.Error("decode accepted a NULL payload")
	}
}

// TestMayHaveCommitted: which failures leave a call indeterminate.
// Nothing was committed by a call that could not connect, that failed at
// a read or before COMMIT was sent, whose COMMIT answered ROLLBACK, or
// that the server refused as a conflict; a write whose connection broke
// after it was sent may have been.
func TestMayHaveCommitted(t *testing.T) {
	t.Parallel()
	cfg, err := pgconn.ParseConfig("postgres://u@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	_, refused := pgconn.ConnectConfig(context.Background(), cfg)
	if refused == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	pg := func(code string) error { return &pgconn.PgError{Severity: "FATAL", Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connect refused", wrapSent("cas", 1, refused, false), false},
		{"backend terminated mid-write", wrapSent("cas", 1, pg("57P01"), false), true},
		{"connection lost mid-write", wrapSent("put", 1, io.ErrUnexpectedEOF, false), true},
		{"write timed out", wrapSent("cas", 1, &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, false), true},
		{"read lost", wrapSent("read", 1, io.ErrUnexpectedEOF, true), false},
		{"lost before COMMIT", wrapSent("locked update", 1, io.ErrUnexpectedEOF, true), false},
		{"lost at COMMIT", wrapSent("locked update", 1, io.ErrUnexpectedEOF, false), true},
		{"COMMIT answered ROLLBACK", wrapSent("serializable update", 1, fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback), false), false},
		{"serialization failure", wrapSent("serializable update", 1, pg("40001"), false), false},
		{"missing row", wrapSent("locked update", 1, pgx.ErrNoRows, false), false},
		{"not found", notFound("put", 1), false},
		{"session reconnect failed", (&Session{ctx: context.Background()}).dialFailed(context.Background(), "cas", 1, refused), false},
	}
	for _, tt := range tests {
		if got := drivers.MayHaveCommitted(tt.err); got != tt.want {
			t.Errorf("%s: MayHaveCommitted(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
	if c := drivers.ClassOf(tests[len(tests)-1].err); c != drivers.ClassConnection {
		t.Errorf("a failed reconnect is class %v, want connection", c)
	}
}
