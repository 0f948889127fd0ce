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

// opErr is a failed call that is not a conflict, with its class.
func opErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "redis", Op: op, Key: key, Class: class, Err: err}
}

// notSentErr is opErr for a call that sent no write: it cannot have
// committed.
func notSentErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "redis", Op: op, Key: key, Class: class, Err: err, NotSent: true}
}

// notFound is the error for a seeded document that is missing. The call
// that found it missing wrote nothing.
func notFound(op string, key int) error {
	return drivers.NotSent(fmt.Errorf("redis: %s key %d: %w", op, key, drivers.ErrNotFound))
}

// wrapRead is wrap for a call that writes nothing: never indeterminate.
func wrapRead(op string, key int, err error) error {
	return drivers.MarkNotSent(wrap(op, key, err), true)
}

// wrapWrite is wrap for a call that writes: not sent when go-redis could
// not get a connection (see sentNothing), indeterminate otherwise.
func wrapWrite(op string, key int, err error) error {
	return drivers.MarkNotSent(wrap(op, key, err), sentNothing(err))
}

// ended is the error of a call whose context had ended before it
// started: nothing was sent.
func ended(ctx context.Context, op string, key int) error {
	if err := ctx.Err(); err != nil {
		return notSentErr(op, key, classify(err), err)
	}
	return nil
}

// wrap classifies an error from go-redis: redis.Nil is a missing document,
// a failed EXEC a VersionMismatch conflict, anything else an *drivers.OpError.
func wrap(op string, key int, err error) error {
	switch {
	case errors.Is(err, goredis.Nil):
		return notFound(op, key)
	case errors.Is(err, goredis.TxFailedErr):
		return drivers.Conflict(drivers.VersionMismatch, fmt.Errorf("redis: %s key %d: %w", op, key, err))
	}
	return opErr(op, key, classify(err), err)
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
