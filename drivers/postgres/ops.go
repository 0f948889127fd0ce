package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/occbench/occbench/drivers"
)

// checkKey returns an error wrapping drivers.ErrNotFound if the cell has
// no document key.
func (s *Store) checkKey(op string, key int) error {
	if key < 0 || key >= s.spec.Keys {
		return fmt.Errorf("postgres: %s: key %d (keys: %d): %w", op, key, s.spec.Keys, drivers.ErrNotFound)
	}
	return nil
}

// checkWrite validates w's key, group and payload against the spec.
func (s *Store) checkWrite(op string, w *drivers.Write) error {
	if err := s.checkKey(op, w.Key); err != nil {
		return err
	}
	if w.Group < 0 || w.Group >= s.spec.FieldGroups {
		return fmt.Errorf("postgres: %s key %d: group: must be 0 … %d, got %d", op, w.Key, s.spec.FieldGroups-1, w.Group)
	}
	if len(w.Payload) != s.gb {
		return fmt.Errorf("postgres: %s key %d: payload: must be %d bytes (group bytes), got %d", op, w.Key, s.gb, len(w.Payload))
	}
	return nil
}

// payload returns p, never nil: pgx sends a nil []byte as NULL.
func payload(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

// notFound is the error for a seeded document that is missing.
func notFound(op string, key int) error {
	return fmt.Errorf("postgres: %s key %d: %w", op, key, drivers.ErrNotFound)
}

// Read reads document key into d, reusing d's slices.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, s.sql.read, int64(key))
	if err != nil {
		return wrap("read", key, err)
	}
	return s.scanDoc("read", key, rows, d, nil)
}

// ReadFenced raises the document's fence to fence and reads it into d in
// one UPDATE … RETURNING; drivers.ErrStaleFence if the document has
// accepted a higher fence.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.checkKey("read fenced", key); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, s.sql.readFenced, int64(key), fence)
	if err != nil {
		return wrap("read fenced", key, err)
	}
	return s.scanDoc("read fenced", key, rows, d, drivers.ErrStaleFence)
}

// scanDoc reads the one row of rows into d and closes rows. No row is
// noRow, or a missing document when noRow is nil.
func (s *Store) scanDoc(op string, key int, rows pgx.Rows, d *drivers.Doc, noRow error) error {
	defer rows.Close()
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap(op, key, err)
		}
		if noRow == nil {
			return notFound(op, key)
		}
		return noRow
	}
	if err := s.decode(rows.FieldDescriptions(), rows.RawValues(), key, d); err != nil {
		return opErr(op, key, drivers.ClassOther, err)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap(op, key, err)
	}
	return nil
}

// decode fills d from one row of columnList's columns, reading pgx's raw
// values so that a read allocates nothing: int8 and bytea arrive in
// binary format under the default exec mode; text format (a DSN that
// sets default_query_exec_mode=simple_protocol) is decoded too.
func (s *Store) decode(fds []pgconn.FieldDescription, raw [][]byte, key int, d *drivers.Doc) error {
	n := s.spec.FieldGroups
	if len(raw) != numFixed+2*n || len(fds) != len(raw) {
		return fmt.Errorf("row has %d columns, want %d", len(raw), numFixed+2*n)
	}
	var fixed [numFixed]int64
	for i := range fixed {
		v, err := int8Value(fds[i].Format, raw[i])
		if err != nil {
			return fmt.Errorf("column %s: %w", fds[i].Name, err)
		}
		fixed[i] = v
	}
	d.Key = key
	d.Version, d.Counter, d.Fence = fixed[0], fixed[1], fixed[2]
	d.Writer, d.Op, d.UpdatedAt = fixed[3], fixed[4], fixed[5]
	d.Groups = d.Groups[:0]
	for i := numFixed; i < numFixed+n; i++ {
		v, err := int8Value(fds[i].Format, raw[i])
		if err != nil {
			return fmt.Errorf("column %s: %w", fds[i].Name, err)
		}
		d.Groups = append(d.Groups, v)
	}
	d.Payload = d.Payload[:0]
	for i := numFixed + n; i < numFixed+2*n; i++ {
		var err error
		if d.Payload, err = appendBytea(d.Payload, fds[i].Format, raw[i]); err != nil {
			return fmt.Errorf("column %s: %w", fds[i].Name, err)
		}
	}
	// Bytes that PayloadBytes leaves over after whole groups are zero.
	for len(d.Payload) < s.spec.PayloadBytes {
		d.Payload = append(d.Payload, 0)
	}
	return nil
}

var errNull = errors.New("unexpected NULL")

// int8Value decodes a bigint in either wire format.
func int8Value(format int16, raw []byte) (int64, error) {
	switch {
	case raw == nil:
		return 0, errNull
	case format == pgx.BinaryFormatCode:
		if len(raw) != 8 {
			return 0, fmt.Errorf("binary int8 of %d bytes", len(raw))
		}
		return int64(binary.BigEndian.Uint64(raw)), nil
	}
	return strconv.ParseInt(string(raw), 10, 64)
}

// appendBytea appends a bytea in either wire format (text: hex, \x…).
func appendBytea(dst []byte, format int16, raw []byte) ([]byte, error) {
	switch {
	case raw == nil:
		return dst, errNull
	case format == pgx.BinaryFormatCode:
		return append(dst, raw...), nil
	case len(raw) >= 2 && raw[0] == '\\' && raw[1] == 'x':
		return hex.AppendDecode(dst, raw[2:])
	}
	return dst, fmt.Errorf("bytea text not in hex format")
}

// CompareAndSwap runs one UPDATE … WHERE id=$1 AND version=$2 (gvG=$2
// in the field-group scope). Zero rows is drivers.ErrVersionMismatch.
func (s *Store) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("cas", w); err != nil {
		return err
	}
	q := &s.sql.groups[w.Group]
	sql := q.casDoc
	if w.Scope == drivers.ScopeFieldGroup {
		sql = q.casGroup
	}
	tag, err := s.pool.Exec(ctx, sql, int64(w.Key), w.Expect, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt)
	if err != nil {
		return wrap("cas", w.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrVersionMismatch
	}
	return nil
}

// Put stores w.Version, w.Counter, w.GroupVersion, the payload and the
// metadata unconditionally. With w.Fence > 0 the UPDATE also requires
// fence <= w.Fence and sets fence = w.Fence; zero rows is then
// drivers.ErrStaleFence.
func (s *Store) Put(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("put", w); err != nil {
		return err
	}
	q := &s.sql.groups[w.Group]
	var tag pgconn.CommandTag
	var err error
	if w.Fence > 0 {
		tag, err = s.pool.Exec(ctx, q.putFenced, int64(w.Key), w.Version, w.Counter, w.GroupVersion, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Fence)
	} else {
		tag, err = s.pool.Exec(ctx, q.put, int64(w.Key), w.Version, w.Counter, w.GroupVersion, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt)
	}
	switch {
	case err != nil:
		return wrap("put", w.Key, err)
	case tag.RowsAffected() > 0:
		return nil
	case w.Fence > 0:
		return drivers.ErrStaleFence
	}
	return notFound("put", w.Key)
}

// LockedUpdate runs BEGIN; SELECT version, counter, gvG … FOR UPDATE
// [NOWAIT]; an UPDATE of version+1, counter+1, gvG+1 computed from that
// read plus w's payload and metadata; COMMIT. Under lock_wait=nowait a
// held lock is a LockNotAvailable conflict.
func (s *Store) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("locked update", w); err != nil {
		return err
	}
	q := &s.sql.groups[w.Group]
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return readModifyWrite(ctx, tx, q.lockRead, q.put, w)
	})
	if err != nil {
		return wrap("locked update", w.Key, err)
	}
	return nil
}

// SerializableUpdate reads the document and writes version+1, counter+1,
// gvG+1 plus w's payload and metadata in one SERIALIZABLE transaction.
// SQLSTATE 40001 is a Serialization conflict, 40P01 a Deadlock.
func (s *Store) SerializableUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("serializable update", w); err != nil {
		return err
	}
	q := &s.sql.groups[w.Group]
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		return readModifyWrite(ctx, tx, q.plainRead, q.put, w)
	})
	if err != nil {
		return wrap("serializable update", w.Key, err)
	}
	return nil
}

// errRowVanished is an UPDATE in a transaction that matched no row after
// the same transaction read it.
var errRowVanished = errors.New("row read in this transaction matched no UPDATE")

// readModifyWrite reads version, counter and gvG with read and writes them
// +1 with put, inside tx.
func readModifyWrite(ctx context.Context, tx pgx.Tx, read, put string, w *drivers.Write) error {
	var version, counter, gv int64
	if err := tx.QueryRow(ctx, read, int64(w.Key)).Scan(&version, &counter, &gv); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, put, int64(w.Key), version+1, counter+1, gv+1, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errRowVanished
	}
	return nil
}

// micros converts a TTL to whole microseconds, rounding up.
func micros(ttl time.Duration) int64 {
	return int64((ttl + time.Microsecond - 1) / time.Microsecond)
}

func (s *Store) checkLease(op string, key int, holder int64, ttl time.Duration, needTTL bool) error {
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	if holder == 0 {
		return fmt.Errorf("postgres: %s key %d: holder: must be ≠ 0 (0 marks a free lease)", op, key)
	}
	if needTTL && ttl <= 0 {
		return fmt.Errorf("postgres: %s key %d: ttl: must be > 0, got %v", op, key, ttl)
	}
	return nil
}

// Acquire grants the lease on key to holder if it is free or expired by
// the server's clock, bumping and returning the lease row's fence;
// drivers.ErrLeaseHeld otherwise.
func (s *Store) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := s.checkLease("acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	var fence int64
	err := s.pool.QueryRow(ctx, acquireSQL, int64(key), holder, micros(ttl)).Scan(&fence)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, drivers.ErrLeaseHeld
	case err != nil:
		return 0, wrap("acquire", key, err)
	}
	return fence, nil
}

// Extend sets the expiry to the server's now()+ttl if holder still holds
// the unexpired lease with fence; drivers.ErrLeaseLost otherwise.
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, extendSQL, int64(key), holder, fence, micros(ttl))
	if err != nil {
		return wrap("extend", key, err)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release frees the lease if holder still holds it with fence;
// drivers.ErrLeaseLost otherwise. The fence stays, so the next holder
// gets a higher one.
func (s *Store) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := s.checkLease("release", key, holder, 0, false); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, releaseSQL, int64(key), holder, fence)
	if err != nil {
		return wrap("release", key, err)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrLeaseLost
	}
	return nil
}
