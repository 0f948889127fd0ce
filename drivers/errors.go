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
