package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
)

// SQLSTATE codes the driver gives a meaning to.
const (
	codeSerialization    = "40001" // serialization_failure
	codeDeadlock         = "40P01" // deadlock_detected
	codeLockNotAvailable = "55P03" // lock_not_available
	codeQueryCanceled    = "57014" // query_canceled (statement_timeout, pg_cancel_backend)
)

// opErr is a failed call that is not a conflict, with its class.
func opErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "postgres", Op: op, Key: key, Class: class, Err: err}
}

// notSentErr is opErr for a call that sent no write: it cannot have
// committed.
func notSentErr(op string, key int, class drivers.ErrorClass, err error) error {
	return &drivers.OpError{Driver: "postgres", Op: op, Key: key, Class: class, Err: err, NotSent: true}
}

// wrapSent is wrap for a failed call, marking the error not sent when
// notSent (the caller knows no write of the call was sent: it failed at
// a read, or before COMMIT) or when committedNothing(err).
func wrapSent(op string, key int, err error, notSent bool) error {
	werr := wrap(op, key, err)
	if oe, ok := werr.(*drivers.OpError); ok && (notSent || committedNothing(err)) {
		oe.NotSent = true
	}
	return werr
}

// committedNothing reports whether pgx's error says that the call
// committed nothing: pgconn failed before sending anything (SafeToRetry:
// a context that had already ended, a connection already closed, a
// write that sent no byte), the connect failed, or COMMIT answered
// ROLLBACK.
func committedNothing(err error) bool {
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.As(err, &ce) || errors.Is(err, pgx.ErrTxCommitRollback)
}

// wrap turns an error from pgx into a conflict (40001, 40P01, 55P03) or an
// *drivers.OpError with its class; pgx.ErrNoRows (a seeded row is missing)
// becomes drivers.ErrNotFound.
func wrap(op string, key int, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeSerialization:
			return drivers.Conflict(drivers.Serialization, fmt.Errorf("postgres: %s key %d: %w", op, key, err))
		case codeDeadlock:
			return drivers.Conflict(drivers.Deadlock, fmt.Errorf("postgres: %s key %d: %w", op, key, err))
		case codeLockNotAvailable:
			return drivers.Conflict(drivers.LockNotAvailable, fmt.Errorf("postgres: %s key %d: %w", op, key, err))
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(op, key)
	}
	return opErr(op, key, Classify(err), err)
}

// Classify returns the class of an error that is not a conflict: the
// PostgreSQL driver's, and the template driver's for pgx errors.
func Classify(err error) drivers.ErrorClass {
	switch {
	case errors.Is(err, context.Canceled):
		return drivers.ClassCanceled
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return drivers.ClassTimeout
	case errors.Is(err, drivers.ErrNotFound):
		return drivers.ClassNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == codeQueryCanceled:
			return drivers.ClassTimeout
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03": // cannot_connect_now
			return drivers.ClassConnection
		}
		return drivers.ClassServer
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return drivers.ClassConnection
	}
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
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
	return drivers.ClassOther
}
