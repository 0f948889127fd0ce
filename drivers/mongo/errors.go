package mongo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	mgo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
)

// Server error codes and labels the driver gives a meaning to.
const (
	codeWriteConflict    = 112   // WriteConflict: another transaction wrote the document
	codeMaxTimeMSExpired = 50    // MaxTimeMSExpired
	codeDuplicateKey     = 11000 // an upsert raced another one on _id

	labelTransient = "TransientTransactionError"
	labelUnknown   = "UnknownTransactionCommitResult"
)

// Network-level server error codes: the server is going away or the
// node is not (or no longer) the primary. They are connection errors.
var connectionCodes = [...]int{
	6,     // HostUnreachable
	7,     // HostNotFound
	89,    // NetworkTimeout (classed as a timeout first)
	91,    // ShutdownInProgress
	189,   // PrimarySteppedDown
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
}

// opErr is a failed call that is not a conflict, with its class.
func opErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "mongo", Op: op, Key: key, Class: class, Err: err}
}

// notSentErr is opErr for a call that sent no write: it cannot have
// committed.
func notSentErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "mongo", Op: op, Key: key, Class: class, Err: err, NotSent: true}
}

// ended is the error of a call whose context had ended before it
// started: nothing was sent.
func ended(ctx context.Context, op string, key int) error {
	if err := ctx.Err(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	return nil
}

// wrapRead is wrap for a call that writes nothing: never indeterminate.
func wrapRead(op string, key int, err error) error {
	return drivers.MarkNotSent(wrap(op, key, err), true)
}

// wrapWrite is wrap for a call that writes: not sent when the driver
// found no server to send it to, indeterminate otherwise.
func wrapWrite(op string, key int, err error) error {
	return drivers.MarkNotSent(wrap(op, key, err), sentNothing(err))
}

// sentNothing reports whether the driver's error says the operation was
// never sent: no server could be selected (it is down, or unreachable
// within the server selection timeout), the client is disconnected, or
// the connection pool is closed.
func sentNothing(err error) bool {
	return errors.As(err, new(topology.ServerSelectionError)) ||
		errors.Is(err, mgo.ErrClientDisconnected) ||
		errors.Is(err, topology.ErrPoolClosed)
}

// wrap turns an error from the mongo driver into a WriteConflict conflict
// (code 112 or a TransientTransactionError label) or an *drivers.OpError with its
// class. key < 0 means the call is not about one key.
func wrap(op string, key int, err error) error {
	if isWriteConflict(err) {
		if key < 0 {
			return drivers.Conflict(drivers.WriteConflict, fmt.Errorf("mongo: %s: %w", op, err))
		}
		return drivers.Conflict(drivers.WriteConflict, fmt.Errorf("mongo: %s key %d: %w", op, key, err))
	}
	return opErr(op, key, classify(err), err)
}

// isWriteConflict reports whether err says another writer holds the
// document: a WriteConflict (112) anywhere in it, or a transaction error
// the server labels transient (the transaction may succeed if retried).
func isWriteConflict(err error) bool {
	var se mgo.ServerError
	if errors.As(err, &se) {
		if se.HasErrorCode(codeWriteConflict) || se.HasErrorLabel(labelTransient) {
			return true
		}
	}
	var le mgo.LabeledError
	return errors.As(err, &le) && le.HasErrorLabel(labelTransient) && !mgo.IsNetworkError(err)
}

// hasCode reports whether err is a server error carrying code.
func hasCode(err error, code int) bool {
	var se mgo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(code)
}

// classify returns the class of an error that is not a conflict.
func classify(err error) drivers.ErrorClass {
	switch {
	case errors.Is(err, context.Canceled):
		return drivers.ClassCanceled
	case errors.Is(err, drivers.ErrNotFound):
		return drivers.ClassNotFound
	case errors.As(err, new(topology.ServerSelectionError)):
		// No server could be reached in time: the server is down or
		// unreachable, whatever deadline ended the wait.
		return drivers.ClassConnection
	case mgo.IsTimeout(err), hasCode(err, codeMaxTimeMSExpired), hasCode(err, 89):
		return drivers.ClassTimeout
	case mgo.IsNetworkError(err), errors.Is(err, mgo.ErrClientDisconnected),
		errors.As(err, new(topology.ConnectionError)),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return drivers.ClassConnection
	}
	for _, c := range connectionCodes {
		if hasCode(err, c) {
			return drivers.ClassConnection
		}
	}
	var se mgo.ServerError
	if errors.As(err, &se) {
		return drivers.ClassServer
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return drivers.ClassTimeout
		}
		return drivers.ClassConnection
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return drivers.ClassConnection
	}
	return drivers.ClassOther
}

// redactedError hides every password in its wrapped error's message, for
// errors that may quote the DSN. errors.Is and errors.As still see the
// original.
type redactedError struct{ err error }

func (e redactedError) Error() string { return redact.DSN(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

// hideDSN wraps err so that its message cannot leak a password.
func hideDSN(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err}
}

// dialFunc is drivers.Options.Dial as the driver's ContextDialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// logSink hands the driver's log lines to Options.Log, or drops them.
type logSink struct{ log func(string) }

func (l logSink) Info(_ int, msg string, kv ...any) {
	if l.log != nil {
		l.log(logLine(msg, nil, kv))
	}
}

func (l logSink) Error(err error, msg string, kv ...any) {
	if l.log != nil {
		l.log(logLine(msg, err, kv))
	}
}

// logLine formats one line: "mongo: msg: err k=v …", passwords hidden.
func logLine(msg string, err error, kv []any) string {
	var b strings.Builder
	b.WriteString("mongo: ")
	b.WriteString(msg)
	if err != nil {
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	return redact.DSN(b.String())
}
