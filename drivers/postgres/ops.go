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
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/occbench/occbench/drivers"
)

// checkKey returns an error wrapping drivers.ErrNotFound if the cell has
// no document key.
func (s *Store) checkKey(op string, key int) error {
	if key < 0 || key >= s.spec.Keys {
		return drivers.NotSent(fmt.Errorf("postgres: %s: key %d (keys: %d): %w", op, key, s.spec.Keys, drivers.ErrNotFound))
	}
	return nil
}

// checkWrite validates w's key, group and payload against the spec.
func (s *Store) checkWrite(op string, w *drivers.Write) error {
	if err := s.checkKey(op, w.Key); err != nil {
		return err
	}
	if w.Group < 0 || w.Group >= s.spec.FieldGroups {
		return drivers.NotSent(fmt.Errorf("postgres: %s key %d: group: must be 0 … %d, got %d", op, w.Key, s.spec.FieldGroups-1, w.Group))
	}
	if len(w.Payload) != s.gb {
		return drivers.NotSent(fmt.Errorf("postgres: %s key %d: payload: must be %d bytes (group bytes), got %d", op, w.Key, s.gb, len(w.Payload)))
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

// notFound is the error for a seeded document that is missing. The
// call that found it missing wrote nothing.
func notFound(op string, key int) error {
	return drivers.NotSent(fmt.Errorf("postgres: %s key %d: %w", op, key, drivers.ErrNotFound))
}

// acquire takes a pool connection for op. A failure (ctx ended, the
// dial failed) sent nothing.
func (s *Store) acquire(ctx context.Context, op string, key int) (*pgxpool.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, notSentErr(op, key, Classify(err), err)
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.fail(op, key, err, true)
	}
	return c, nil
}

// fail wraps err for op (see wrapSent). A connection error may have
// broken every connection of the pool (the server restarted): the pool
// is reset, so that the next calls dial afresh instead of each finding
// a dead idle connection.
func (s *Store) fail(op string, key int, err error, notSent bool) error {
	werr := wrapSent(op, key, err, notSent)
	if drivers.ClassOf(werr) == drivers.ClassConnection {
		s.pool.Reset()
	}
	return werr
}

// Read reads document key into d, reusing d's slices.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if err := s.checkKey("read", key); err != nil {
		return err
	}
	c, err := s.acquire(ctx, "read", key)
	if err != nil {
		return err
	}
	defer c.Release()
	rows, err := c.Query(ctx, s.sql.read, int64(key))
	if err != nil {
		return s.fail("read", key, err, true)
	}
	return s.scanDoc("read", key, rows, d, nil, true)
}

// ReadFenced raises the document's fence to fence and reads it into d in
// one UPDATE … RETURNING; drivers.ErrStaleFence if the document has
// accepted a higher fence.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	if err := s.checkKey("read fenced", key); err != nil {
		return err
	}
	c, err := s.acquire(ctx, "read fenced", key)
	if err != nil {
		return err
	}
	defer c.Release()
	rows, err := c.Query(ctx, s.sql.readFenced, int64(key), fence)
	if err != nil {
		return s.fail("read fenced", key, err, false)
	}
	return s.scanDoc("read fenced", key, rows, d, drivers.ErrStaleFence, false)
}

// scanDoc reads the one row of rows into d and closes rows. No row is
// noRow, or a missing document when noRow is nil. read says the
// statement wrote nothing.
func (s *Store) scanDoc(op string, key int, rows pgx.Rows, d *drivers.Doc, noRow error, read bool) error {
	defer rows.Close()
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.fail(op, key, err, read)
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
		return s.fail(op, key, err, read)
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
	c, err := s.acquire(ctx, "cas", w.Key)
	if err != nil {
		return err
	}
	tag, err := c.Exec(ctx, sql, int64(w.Key), w.Expect, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt)
	c.Release()
	if err != nil {
		return s.fail("cas", w.Key, err, false)
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
	c, err := s.acquire(ctx, "put", w.Key)
	if err != nil {
		return err
	}
	var tag pgconn.CommandTag
	if w.Fence > 0 {
		tag, err = c.Exec(ctx, q.putFenced, int64(w.Key), w.Version, w.Counter, w.GroupVersion, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Fence)
	} else {
		tag, err = c.Exec(ctx, q.put, int64(w.Key), w.Version, w.Counter, w.GroupVersion, payload(w.Payload), w.Writer, w.Op, w.UpdatedAt)
	}
	c.Release()
	switch {
	case err != nil:
		return s.fail("put", w.Key, err, false)
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
	return s.txUpdate(ctx, "locked update", pgx.TxOptions{}, q.lockRead, q.put, w)
}

// SerializableUpdate reads the document and writes version+1, counter+1,
// gvG+1 plus w's payload and metadata in one SERIALIZABLE transaction.
// SQLSTATE 40001 is a Serialization conflict, 40P01 a Deadlock.
func (s *Store) SerializableUpdate(ctx context.Context, w *drivers.Write) error {
	if err := s.checkWrite("serializable update", w); err != nil {
		return err
	}
	q := &s.sql.groups[w.Group]
	return s.txUpdate(ctx, "serializable update", pgx.TxOptions{IsoLevel: pgx.Serializable}, q.plainRead, q.put, w)
}

// txUpdate runs readModifyWrite in one transaction of opts on a pool
// connection. Every failure before COMMIT was sent committed nothing;
// the transaction is rolled back.
func (s *Store) txUpdate(ctx context.Context, op string, opts pgx.TxOptions, read, put string, w *drivers.Write) error {
	c, err := s.acquire(ctx, op, w.Key)
	if err != nil {
		return err
	}
	defer c.Release()
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		return s.fail(op, w.Key, err, true)
	}
	if err := readModifyWrite(ctx, tx, read, put, w); err != nil {
		_ = tx.Rollback(ctx) // on failure pgx closes the connection, which the pool then drops
		return s.fail(op, w.Key, err, true)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.fail(op, w.Key, err, false)
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
	if err := w.CallHold(ctx); err != nil { // the conflict window (--hold), inside the transaction
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
		return drivers.NotSent(fmt.Errorf("postgres: %s key %d: holder: must be ≠ 0 (0 marks a free lease)", op, key))
	}
	if needTTL && ttl <= 0 {
		return drivers.NotSent(fmt.Errorf("postgres: %s key %d: ttl: must be > 0, got %v", op, key, ttl))
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
	c, err := s.acquire(ctx, "acquire", key)
	if err != nil {
		return 0, err
	}
	var fence int64
	err = c.QueryRow(ctx, s.fixed.acquire, int64(key), holder, micros(ttl)).Scan(&fence)
	c.Release()
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, drivers.ErrLeaseHeld
	case err != nil:
		return 0, s.fail("acquire", key, err, false)
	}
	return fence, nil
}

// Extend sets the expiry to the server's now()+ttl if holder still holds
// the unexpired lease with fence; drivers.ErrLeaseLost otherwise.
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := s.checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	c, err := s.acquire(ctx, "extend", key)
	if err != nil {
		return err
	}
	tag, err := c.Exec(ctx, s.fixed.extend, int64(key), holder, fence, micros(ttl))
	c.Release()
	if err != nil {
		return s.fail("extend", key, err, false)
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
	c, err := s.acquire(ctx, "release", key)
	if err != nil {
		return err
	}
	tag, err := c.Exec(ctx, s.fixed.release, int64(key), holder, fence)
	c.Release()
	if err != nil {
		return s.fail("release", key, err, false)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrLeaseLost
	}
	return nil
}
