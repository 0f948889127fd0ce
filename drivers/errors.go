package drivers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

// ConflictKind says why an attempt lost to another writer.
type ConflictKind uint8

const (
	NotConflict      ConflictKind = iota
	VersionMismatch               // conditional write matched nothing
	LeaseHeld                     // someone else holds the lease
	LockNotAvailable              // NOWAIT / SQLITE_BUSY / lock timeout
	Serialization                 // 40001
	Deadlock                      // 40P01
	StaleFence                    // fenced write rejected: a newer holder wrote
	WriteConflict                 // Mongo 112
	LeaseLost                     // extend/release found another holder
	numConflictKinds
)

// NumConflictKinds is the number of ConflictKind values, for fixed arrays.
const NumConflictKinds = int(numConflictKinds)

var conflictNames = [...]string{
	NotConflict:      "none",
	VersionMismatch:  "version_mismatch",
	LeaseHeld:        "lease_held",
	LockNotAvailable: "lock_not_available",
	Serialization:    "serialization",
	Deadlock:         "deadlock",
	StaleFence:       "stale_fence",
	WriteConflict:    "write_conflict",
	LeaseLost:        "lease_lost",
}

// String is the name used in results files.
func (k ConflictKind) String() string {
	if int(k) < len(conflictNames) {
		return conflictNames[k]
	}
	return "unknown"
}

// ErrConflict matches every *ConflictError under errors.Is.
var ErrConflict = errors.New("conflict")

// ConflictError is an attempt that failed because of another writer.
type ConflictError struct {
	Kind ConflictKind
	Err  error // the store's own error, if any
}

func (e *ConflictError) Error() string {
	if e.Err != nil {
		return "conflict: " + e.Kind.String() + ": " + e.Err.Error()
	}
	return "conflict: " + e.Kind.String()
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the store's error.
func (e *ConflictError) Unwrap() error { return e.Err }

// Preallocated conflicts, so the hot path of in-process stores returns a
// conflict without allocating.
var (
	ErrVersionMismatch  error = &ConflictError{Kind: VersionMismatch}
	ErrLeaseHeld        error = &ConflictError{Kind: LeaseHeld}
	ErrStaleFence       error = &ConflictError{Kind: StaleFence}
	ErrLockNotAvailable error = &ConflictError{Kind: LockNotAvailable}
	ErrLeaseLost        error = &ConflictError{Kind: LeaseLost}
)

// Conflict wraps a store error as a conflict of the given kind.
func Conflict(kind ConflictKind, err error) error { return &ConflictError{Kind: kind, Err: err} }

// KindOf returns the conflict kind of err, or NotConflict.
func KindOf(err error) ConflictKind {
	if err == nil {
		return NotConflict
	}
	if ce, ok := err.(*ConflictError); ok { // fast path: no allocation
		return ce.Kind
	}
	var ce *ConflictError
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return NotConflict
}

// ErrorClass names the class of a non-conflict error in results files.
type ErrorClass uint8

const (
	ClassOther ErrorClass = iota
	ClassConnection
	ClassTimeout
	ClassCanceled
	ClassServer
	ClassNotFound
	numErrorClasses
)

// NumErrorClasses is the number of ErrorClass values, for fixed arrays.
const NumErrorClasses = int(numErrorClasses)

var classNames = [...]string{
	ClassOther:      "other",
	ClassConnection: "connection",
	ClassTimeout:    "timeout",
	ClassCanceled:   "canceled",
	ClassServer:     "server",
	ClassNotFound:   "not_found",
}

func (c ErrorClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "other"
}

// ErrNotFound is returned when a document the cell seeded is missing.
var ErrNotFound = errors.New("document not found")

// Classifier is implemented by driver errors that know their class.
type Classifier interface{ ErrorClass() ErrorClass }

// ClassOf classifies a non-conflict error by behaviour.
func ClassOf(err error) ErrorClass {
	var c Classifier
	switch {
	case errors.As(err, &c):
		return c.ErrorClass()
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, ErrNotFound):
		return ClassNotFound
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return ClassTimeout
		}
		return ClassConnection
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return ClassConnection
	}
	return ClassOther
}

// OpError is a driver call that failed for a reason other than a
// conflict. It carries its class, so ClassOf needs no knowledge of any
// client library's error types. Key < 0 means the call is not about one
// document.
type OpError struct {
	Driver string // "postgres", "redis", …
	Op     string // "cas", "read", …
	Key    int
	Class  ErrorClass
	Err    error
	// NotSent is set when the driver knows that no write of the call
	// reached the server (the dial failed, the pool had no connection,
	// the failing statement was a read before any write): the call
	// cannot have committed. The zero value means it may have.
	NotSent bool
}

func (e *OpError) Error() string {
	if e.Key < 0 {
		return fmt.Sprintf("%s: %s: %v", e.Driver, e.Op, e.Err)
	}
	return fmt.Sprintf("%s: %s key %d: %v", e.Driver, e.Op, e.Key, e.Err)
}

// Unwrap returns the client library's error.
func (e *OpError) Unwrap() error { return e.Err }

// ErrorClass implements Classifier.
func (e *OpError) ErrorClass() ErrorClass { return e.Class }

// MarkNotSent sets NotSent on err when notSent and err is an *OpError
// (a conflict or another error is returned as it is), for a driver that
// learns only after wrapping whether the call's write was sent.
func MarkNotSent(err error, notSent bool) error {
	if oe, ok := err.(*OpError); ok && notSent {
		oe.NotSent = true
	}
	return err
}

// ErrNotSent is matched, under errors.Is, by errors of calls that cannot
// have committed anything because no write reached the server. Wrap an
// error with NotSent to mark it so.
var ErrNotSent = errors.New("not sent")

type notSentError struct{ err error }

func (e *notSentError) Error() string   { return e.err.Error() }
func (e *notSentError) Unwrap() error   { return e.err }
func (e *notSentError) Is(t error) bool { return t == ErrNotSent }

// NotSent marks err as the error of a call whose write never reached the
// server. It returns nil for nil.
func NotSent(err error) error {
	if err == nil || !MayHaveCommitted(err) {
		return err
	}
	return &notSentError{err: err}
}

// MayHaveCommitted reports whether a failed call's write may have reached
// the server, so that the op it belongs to is indeterminate: it may or
// may not have committed. It is false for conflicts (the store refused
// the write), for errors marked NotSent (an *OpError with NotSent, or
// wrapped by NotSent), and for failures to dial: a connection refused,
// or a dial that timed out, sent nothing. Any other error may have.
func MayHaveCommitted(err error) bool {
	if err == nil || KindOf(err) != NotConflict || errors.Is(err, ErrNotSent) {
		return false
	}
	var oe *OpError
	if errors.As(err, &oe) && oe.NotSent {
		return false
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return false
	}
	return true
}
