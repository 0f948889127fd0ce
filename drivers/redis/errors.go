package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

// opError is a failed call that is not a conflict. It knows its
// drivers.ErrorClass.
type opError struct {
	op    string
	key   int // < 0: the call is not about one key
	class drivers.ErrorClass
	err   error
}

func (e *opError) Error() string {
	if e.key < 0 {
		return fmt.Sprintf("redis: %s: %v", e.op, e.err)
	}
	return fmt.Sprintf("redis: %s key %d: %v", e.op, e.key, e.err)
}

func (e *opError) Unwrap() error { return e.err }

// ErrorClass implements drivers.Classifier.
func (e *opError) ErrorClass() drivers.ErrorClass { return e.class }

// notFound is the error for a seeded document that is missing.
func notFound(op string, key int) error {
	return fmt.Errorf("redis: %s key %d: %w", op, key, drivers.ErrNotFound)
}

// wrap classifies an error from go-redis: redis.Nil is a missing document,
// a failed EXEC a VersionMismatch conflict, anything else an *opError.
func wrap(op string, key int, err error) error {
	switch {
	case errors.Is(err, goredis.Nil):
		return notFound(op, key)
	case errors.Is(err, goredis.TxFailedErr):
		return drivers.Conflict(drivers.VersionMismatch, fmt.Errorf("redis: %s key %d: %w", op, key, err))
	}
	return &opError{op: op, key: key, class: classify(err), err: err}
}

// classify returns the class of an error that is not a conflict.
func classify(err error) drivers.ErrorClass {
	switch {
	case errors.Is(err, context.Canceled):
		return drivers.ClassCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, goredis.ErrPoolTimeout):
		return drivers.ClassTimeout
	case errors.Is(err, drivers.ErrNotFound), errors.Is(err, goredis.Nil):
		return drivers.ClassNotFound
	case errors.Is(err, goredis.ErrClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return drivers.ClassConnection
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
	var re goredis.Error
	if errors.As(err, &re) {
		return drivers.ClassServer
	}
	return drivers.ClassOther
}
