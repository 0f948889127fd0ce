package sqltemplate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/occbench/occbench/drivers/postgres"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/sqltemplate/placeholder"
)

// param is a named parameter a template may bind.
type param uint8

const (
	pKey param = iota
	pKeys
	pVersion
	pNewVersion
	pCounter
	pWriter
	pOp
	pPayload
	pUpdatedAt
)

func paramOf(name string) (param, bool) {
	switch name {
	case "key":
		return pKey, true
	case "keys":
		return pKeys, true
	case "version":
		return pVersion, true
	case "new_version":
		return pNewVersion, true
	case "counter":
		return pCounter, true
	case "writer":
		return pWriter, true
	case "op":
		return pOp, true
	case "payload":
		return pPayload, true
	case "updated_at":
		return pUpdatedAt, true
	}
	return 0, false
}

// values are the parameters of one call.
type values struct {
	key, keys, version, newVersion, counter, writer, op, updatedAt int64
	payload                                                        []byte
}

// bind returns t's arguments, by position.
func (s *Store) bind(t *template, v *values) []any {
	args := make([]any, len(t.args))
	for i, p := range t.args {
		switch p {
		case pKey:
			args[i] = v.key
		case pKeys:
			args[i] = v.keys
		case pVersion:
			args[i] = v.version
		case pNewVersion:
			args[i] = v.newVersion
		case pCounter:
			args[i] = v.counter
		case pWriter:
			args[i] = v.writer
		case pOp:
			args[i] = v.op
		case pUpdatedAt:
			args[i] = v.updatedAt
		case pPayload:
			if v.payload == nil {
				args[i] = []byte{}
			} else {
				args[i] = v.payload
			}
		}
	}
	return args
}

// field is what a column of the read (or lock_read) fills.
type field uint8

const (
	fIgnore field = iota
	fVersion
	fCounter
	fFence
	fWriter
	fOp
	fUpdatedAt
	fPayload
)

// fieldNames are the column names the read maps onto a document.
var fieldNames = [...]string{fVersion: "version", fCounter: "counter", fFence: "fence", fWriter: "writer", fOp: "op", fUpdatedAt: "updated_at", fPayload: "payload"}

// columns maps a read's column names onto document fields; version is
// required, unknown columns are ignored.
func columns(names []string) ([]field, error) {
	out := make([]field, len(names))
	version := false
	for i, n := range names {
		for f, fn := range fieldNames {
			if fn != "" && strings.EqualFold(n, fn) {
				out[i] = field(f)
			}
		}
		version = version || out[i] == fVersion
	}
	if !version {
		return nil, fmt.Errorf("returns no version column (columns: %s; alias one: … AS version)", strings.Join(names, ", "))
	}
	return out, nil
}

func has(cols []field, f field) bool {
	for _, c := range cols {
		if c == f {
			return true
		}
	}
	return false
}

// scan reads the current row of rows into d through cols. Fields the
// read does not return are zero; Groups is [Version] (one field group).
func scan(rows *sql.Rows, cols []field, key int, d *drivers.Doc) error {
	var payload sql.RawBytes
	var ignore any
	*d = drivers.Doc{Groups: d.Groups[:0], Payload: d.Payload[:0], Slots: d.Slots[:0], Key: key}
	dest := make([]any, len(cols))
	for i, f := range cols {
		switch f {
		case fVersion:
			dest[i] = &d.Version
		case fCounter:
			dest[i] = &d.Counter
		case fFence:
			dest[i] = &d.Fence
		case fWriter:
			dest[i] = &d.Writer
		case fOp:
			dest[i] = &d.Op
		case fUpdatedAt:
			dest[i] = &d.UpdatedAt
		case fPayload:
			dest[i] = &payload
		default:
			dest[i] = &ignore
		}
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	d.Groups = append(d.Groups, d.Version)
	d.Payload = append(d.Payload, payload...)
	return nil
}

// TemplateError is a template the store refused or the server could not
// run: its Error is one line, "write_path.DRIVER.NAME: message". It
// matches drivers.ErrInvalidOption: the user's input is at fault.
type TemplateError struct {
	Template string // write_path.postgres.cas
	Err      error
}

func (e *TemplateError) Error() string {
	return e.Template + ": " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

// Unwrap returns the cause and drivers.ErrInvalidOption.
func (e *TemplateError) Unwrap() []error { return []error{e.Err, drivers.ErrInvalidOption} }

// serverError reports whether err is the server's answer to a statement
// (a syntax error, a missing table), rather than a failure to reach it.
func serverError(err error) bool {
	var pg *pgconn.PgError
	var lite *msqlite.Error
	return errors.As(err, &pg) || errors.As(err, &lite)
}

// SQLSTATE codes that are conflicts.
const (
	codeSerialization    = "40001"
	codeDeadlock         = "40P01"
	codeLockNotAvailable = "55P03"
)

// fail turns err from op on key into a conflict or an *drivers.OpError.
// notSent says the caller knows nothing was written (a read, a
// transaction rolled back before COMMIT). A SQLite statement that ctx
// interrupted is rolled back, so it is not sent either; a PostgreSQL
// statement interrupted in flight may have committed.
func (s *Store) fail(ctx context.Context, op string, key int, err error, notSent bool) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		kind := drivers.NotConflict
		switch pg.Code {
		case codeSerialization:
			kind = drivers.Serialization
		case codeDeadlock:
			kind = drivers.Deadlock
		case codeLockNotAvailable:
			kind = drivers.LockNotAvailable
		}
		if kind != drivers.NotConflict {
			return drivers.Conflict(kind, fmt.Errorf("write_path.%s: %s key %d: %w", s.driver, op, key, err))
		}
	}
	if s.dialect == placeholder.SQLite && ctx.Err() == nil && busy(err) {
		return drivers.Conflict(drivers.LockNotAvailable, fmt.Errorf("write_path.%s: %s key %d: %w", s.driver, op, key, err))
	}
	if s.dialect == placeholder.SQLite && ctx.Err() != nil {
		notSent = true
	}
	if s.dialect == placeholder.Postgres && (pgconn.SafeToRetry(err) || errors.Is(err, sql.ErrTxDone)) {
		notSent = true
	}
	return &drivers.OpError{Driver: "write_path." + s.driver, Op: op, Key: key, Class: classify(err), Err: err, NotSent: notSent}
}

// busy reports whether err is SQLITE_BUSY or SQLITE_LOCKED.
func busy(err error) bool {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// classify returns the class of an error that is not a conflict: the
// PostgreSQL driver's classes (pgx's errors, contexts, the network), and
// a server error for SQLite's own.
func classify(err error) drivers.ErrorClass {
	if c := postgres.Classify(err); c != drivers.ClassOther {
		return c
	}
	var lite *msqlite.Error
	if errors.As(err, &lite) {
		return drivers.ClassServer
	}
	return drivers.ClassOther
}
