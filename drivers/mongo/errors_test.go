package mongo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"

	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/occbench/occbench/drivers"
)

func TestWrapClassifies(t *testing.T) {
	t.Parallel()
	cmd := func(code int32, labels ...string) error {
		return mgo.CommandError{Code: code, Message: "m", Labels: labels, Name: "N"}
	}
	writeErr := func(code int) error {
		return mgo.WriteException{WriteErrors: mgo.WriteErrors{{Index: 0, Code: code, Message: "m"}}}
	}
	tests := []struct {
		name  string
		err   error
		kind  drivers.ConflictKind
		class drivers.ErrorClass // for non-conflicts
	}{
		{"write conflict", cmd(112, "TransientTransactionError"), drivers.WriteConflict, 0},
		{"write conflict without label", cmd(112), drivers.WriteConflict, 0},
		{"write conflict in a write error", writeErr(112), drivers.WriteConflict, 0},
		{"transient transaction error", cmd(251, "TransientTransactionError"), drivers.WriteConflict, 0},
		{"wrapped write conflict", fmt.Errorf("commit: %w", cmd(112)), drivers.WriteConflict, 0},
		{"network error", cmd(0, "NetworkError"), drivers.NotConflict, drivers.ClassConnection},
		{"transient network error", cmd(0, "NetworkError", "TransientTransactionError"), drivers.WriteConflict, 0},
		{"not primary", cmd(10107), drivers.NotConflict, drivers.ClassConnection},
		{"shutdown", cmd(91), drivers.NotConflict, drivers.ClassConnection},
		{"max time expired", cmd(50), drivers.NotConflict, drivers.ClassTimeout},
		{"network timeout label", cmd(0, "NetworkTimeoutError"), drivers.NotConflict, drivers.ClassTimeout},
		{"duplicate key", writeErr(11000), drivers.NotConflict, drivers.ClassServer},
		{"server NotImplemented (code 238)", cmd(238), drivers.NotConflict, drivers.ClassServer},
		{"client disconnected", mgo.ErrClientDisconnected, drivers.NotConflict, drivers.ClassConnection},
		{"server selection", topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}, drivers.NotConflict, drivers.ClassConnection},
		{"connection error", topology.ConnectionError{Wrapped: errors.New("reset")}, drivers.NotConflict, drivers.ClassConnection},
		{"unexpected EOF", io.ErrUnexpectedEOF, drivers.NotConflict, drivers.ClassConnection},
		{"net timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, drivers.NotConflict, drivers.ClassTimeout},
		{"net refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, drivers.NotConflict, drivers.ClassConnection},
		{"ctx canceled", fmt.Errorf("q: %w", context.Canceled), drivers.NotConflict, drivers.ClassCanceled},
		{"ctx deadline", context.DeadlineExceeded, drivers.NotConflict, drivers.ClassTimeout},
		{"not found", drivers.ErrNotFound, drivers.NotConflict, drivers.ClassNotFound},
		{"other", errors.New("boom"), drivers.NotConflict, drivers.ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := wrap("cas", 7, tt.err)
			if got := drivers.KindOf(err); got != tt.kind {
				t.Fatalf("KindOf = %v, want %v (err %v)", got, tt.kind, err)
			}
			if !chainHolds(err, tt.err) {
				t.Errorf("wrapped error does not hold the original: %v", err)
			}
			if !strings.Contains(err.Error(), "mongo: cas key 7") {
				t.Errorf("error %q does not name the driver, operation and key", err)
			}
			if tt.kind != drivers.NotConflict {
				if !errors.Is(err, drivers.ErrConflict) {
					t.Errorf("conflict does not match drivers.ErrConflict: %v", err)
				}
				return
			}
			if got := drivers.ClassOf(err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v (err %v)", got, tt.class, err)
			}
		})
	}
}

func TestWrapWithoutKey(t *testing.T) {
	t.Parallel()
	err := wrap("totals", -1, errors.New("boom"))
	if got := err.Error(); got != "mongo: totals: boom" {
		t.Errorf("Error() = %q, want %q", got, "mongo: totals: boom")
	}
	err = wrap("setup", -1, mgo.CommandError{Code: 112})
	if drivers.KindOf(err) != drivers.WriteConflict || !strings.HasPrefix(err.Error(), "conflict: write_conflict: mongo: setup: ") {
		t.Errorf("wrap(112) without a key = %v", err)
	}
}

func TestHideDSN(t *testing.T) {
	t.Parallel()
	inner := fmt.Errorf("parse mongodb://bob:hunter2@h:27017/db: %w", io.EOF)
	err := hideDSN(inner)
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "bob") {
		t.Errorf("hideDSN: %q, want the user without the password", err)
	}
	if !errors.Is(err, io.EOF) {
		t.Error("hideDSN broke the error chain")
	}
	if hideDSN(nil) != nil {
		t.Error("hideDSN(nil) != nil")
	}
}

// chainHolds reports whether target is in err's chain: errors.Is for
// comparable errors, the same type and message for the mongo driver's
// error structs, which hold slices.
func chainHolds(err, target error) bool {
	if reflect.TypeOf(target).Comparable() {
		return errors.Is(err, target)
	}
	for ; err != nil; err = errors.Unwrap(err) {
		if reflect.TypeOf(err) == reflect.TypeOf(target) && err.Error() == target.Error() {
			return true
		}
	}
	return false
}

// TestMayHaveCommitted: an operation the driver had no server for, or
// that only reads, is not indeterminate; a write whose connection broke
// may have been applied.
func TestMayHaveCommitted(t *testing.T) {
	t.Parallel()
	selection := topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no server selected", wrapWrite("cas", 1, selection), false},
		{"client disconnected", wrapWrite("put", 1, mgo.ErrClientDisconnected), false},
		{"pool closed", wrapWrite("put", 1, topology.ErrPoolClosed), false},
		{"connection lost mid-write", wrapWrite("cas", 1, topology.ConnectionError{Wrapped: io.EOF}), true},
		{"write timed out", wrapWrite("cas", 1, &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}), true},
		{"read lost", wrapRead("read", 1, topology.ConnectionError{Wrapped: io.EOF}), false},
		{"write conflict", wrapWrite("cas", 1, mgo.CommandError{Code: codeWriteConflict}), false},
		{"missing document", notFound("put", 1), false},
		{"context ended first", ended(canceledCtx(), "cas", 1), false},
	}
	for _, tt := range tests {
		if got := drivers.MayHaveCommitted(tt.err); got != tt.want {
			t.Errorf("%s: MayHaveCommitted(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
	if c := drivers.ClassOf(tests[0].err); c != drivers.ClassConnection {
		t.Errorf("no server selected: class %v, want connection", c)
	}
}

func canceledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
