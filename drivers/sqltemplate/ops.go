package sqltemplate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/occbench/occbench/drivers"
)

// ready returns the prepared statements, or an error naming op when
// Setup has not run or key is out of range.
func (s *Store) ready(op string, key int) (*stmts, error) {
	if s.st == nil {
		return nil, fmt.Errorf("write_path.%s: %s key %d: Setup has not run", s.driver, op, key)
	}
	if key < 0 || key >= s.spec.Keys {
		return nil, fmt.Errorf("write_path.%s: %s: key %d (keys: %d): %w", s.driver, op, key, s.spec.Keys, drivers.ErrNotFound)
	}
	return s.st, nil
}

// started refuses a call whose ctx has already ended: it sends nothing.
func started(ctx context.Context, driver, op string, key int) error {
	if err := ctx.Err(); err != nil {
		return drivers.NotSent(fmt.Errorf("write_path.%s: %s key %d: %w", driver, op, key, err))
	}
	return nil
}

// readInto runs a read statement (the store's or a transaction's) for
// key into d; no row is drivers.ErrNotFound. Errors are unwrapped.
func (s *Store) readInto(ctx context.Context, q *sql.Stmt, key int, d *drivers.Doc) error {
	return s.readWith(ctx, q, s.read, s.readCols, key, d)
}

func (s *Store) readWith(ctx context.Context, q *sql.Stmt, t *template, cols []field, key int, d *drivers.Doc) error {
	rows, err := q.QueryContext(ctx, s.bind(t, &values{key: int64(key)})...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%s: no row for key %d: %w", t.name, key, drivers.ErrNotFound)
	}
	if err := scan(rows, cols, key, d); err != nil {
		return err
	}
	return rows.Close()
}

// Read runs the read template for key into d.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	st, err := s.ready("read", key)
	if err != nil {
		return err
	}
	if err := started(ctx, s.driver, "read", key); err != nil {
		return err
	}
	if err := s.readInto(ctx, st.read, key, d); err != nil {
		return drivers.NotSent(s.fail(ctx, "read", key, err, true)) // a read writes nothing
	}
	return nil
}

// affected runs a write and returns the rows it changed.
func affected(ctx context.Context, q *sql.Stmt, args []any) (int64, error) {
	res, err := q.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// tooMany is the error of a write that changed more than one row: it
// committed (or, in a transaction, was rolled back), and the template is
// wrong.
func tooMany(t *template, key int, n int64) error {
	return fmt.Errorf("%s changed %d rows for key %d: a write must change the one row of @key (WHERE … = @key)", t.name, n, key)
}

// CompareAndSwap runs the cas template with @version = w.Expect and
// @new_version = w.Expect+1, in autocommit: one row changed commits,
// none is a VersionMismatch conflict, more is an error (committed: the
// template's WHERE does not select one row).
func (s *Store) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	st, err := s.ready("cas", w.Key)
	if err != nil {
		return err
	}
	if w.Scope != drivers.ScopeDocument {
		return fmt.Errorf("write_path.%s: cas key %d: scope %s: a template compares the row's version only (scope document)", s.driver, w.Key, w.Scope)
	}
	if err := started(ctx, s.driver, "cas", w.Key); err != nil {
		return err
	}
	v := values{key: int64(w.Key), version: w.Expect, newVersion: w.Expect + 1, writer: w.Writer, op: w.Op, updatedAt: w.UpdatedAt, payload: w.Payload}
	n, err := affected(ctx, st.cas, s.bind(s.cas, &v))
	switch {
	case err != nil:
		return s.fail(ctx, "cas", w.Key, err, false)
	case n == 0:
		return drivers.ErrVersionMismatch
	case n > 1:
		return &drivers.OpError{Driver: "write_path." + s.driver, Op: "cas", Key: w.Key, Class: drivers.ClassOther, Err: tooMany(s.cas, w.Key, n)}
	}
	return nil
}

// Put runs the write template with the values the client computed from
// its read: @new_version = w.Version, @version = w.Version−1, @counter =
// w.Counter. With w.Fence > 0 it first raises the key's fence in
// occbench_tpl_fences, in the same transaction (BEGIN IMMEDIATE on
// SQLite): a higher fence already accepted is a StaleFence conflict and
// nothing is written.
func (s *Store) Put(ctx context.Context, w *drivers.Write) error {
	st, err := s.ready("put", w.Key)
	if err != nil {
		return err
	}
	if s.write == nil {
		return fmt.Errorf("write_path.%s: put key %d: %s", s.driver, w.Key, s.Unsupported(drivers.CapPut))
	}
	if err := started(ctx, s.driver, "put", w.Key); err != nil {
		return err
	}
	v := values{key: int64(w.Key), version: w.Version - 1, newVersion: w.Version, counter: w.Counter, writer: w.Writer, op: w.Op, updatedAt: w.UpdatedAt, payload: w.Payload}
	args := s.bind(s.write, &v)
	if w.Fence <= 0 {
		n, err := affected(ctx, st.write, args)
		switch {
		case err != nil:
			return s.fail(ctx, "put", w.Key, err, false)
		case n == 0:
			return s.fail(ctx, "put", w.Key, fmt.Errorf("%s changed no row for key %d: %w", s.write.name, w.Key, drivers.ErrNotFound), true)
		case n > 1:
			return &drivers.OpError{Driver: "write_path." + s.driver, Op: "put", Key: w.Key, Class: drivers.ClassOther, Err: tooMany(s.write, w.Key, n)}
		}
		return nil
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, "put: begin", w.Key, err, true)
	}
	defer tx.Rollback()
	n, err := affected(ctx, tx.StmtContext(ctx, st.raiseFence), []any{w.Fence, w.Key})
	switch {
	case err != nil:
		return drivers.NotSent(s.fail(ctx, "put: fence", w.Key, err, true))
	case n == 0:
		return drivers.ErrStaleFence
	}
	n, err = affected(ctx, tx.StmtContext(ctx, st.txWrite), args)
	switch {
	case err != nil:
		return drivers.NotSent(s.fail(ctx, "put", w.Key, err, true)) // rolled back
	case n == 0:
		return s.fail(ctx, "put", w.Key, fmt.Errorf("%s changed no row for key %d: %w", s.write.name, w.Key, drivers.ErrNotFound), true)
	case n > 1:
		return drivers.NotSent(fmt.Errorf("write_path.%s: put: %w (rolled back)", s.driver, tooMany(s.write, w.Key, n)))
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "put: commit", w.Key, err, false)
	}
	return nil
}

// ReadFenced raises the key's fence to fence and runs the read, in one
// transaction; a higher fence already accepted is a StaleFence conflict.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	st, err := s.ready("read fenced", key)
	if err != nil {
		return err
	}
	if err := started(ctx, s.driver, "read fenced", key); err != nil {
		return err
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, "read fenced: begin", key, err, true)
	}
	defer tx.Rollback()
	n, err := affected(ctx, tx.StmtContext(ctx, st.raiseFence), []any{fence, key})
	switch {
	case err != nil:
		return drivers.NotSent(s.fail(ctx, "read fenced", key, err, true))
	case n == 0:
		return drivers.ErrStaleFence
	}
	if err := s.readInto(ctx, tx.StmtContext(ctx, st.txRead), key, d); err != nil {
		return drivers.NotSent(s.fail(ctx, "read fenced", key, err, true))
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "read fenced: commit", key, err, false)
	}
	return nil
}

// LockedUpdate runs, in one transaction (BEGIN IMMEDIATE on SQLite):
// lock_read for w.Key; w.CallHold, the lock held; the cas template with
// @version = the version lock_read returned; COMMIT. Under the lock the
// cas must change one row: none means another condition of the template
// refused it, an error (rolled back), not a conflict.
func (s *Store) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	st, err := s.ready("locked update", w.Key)
	if err != nil {
		return err
	}
	if s.lockRead == nil {
		return fmt.Errorf("write_path.%s: locked update key %d: %s", s.driver, w.Key, s.Unsupported(drivers.CapLockedUpdate))
	}
	if err := started(ctx, s.driver, "locked update", w.Key); err != nil {
		return err
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return drivers.NotSent(s.fail(ctx, "locked update: begin", w.Key, err, true))
	}
	defer tx.Rollback()
	var d drivers.Doc
	if err := s.readWith(ctx, tx.StmtContext(ctx, st.lockRead), s.lockRead, s.lockCols, w.Key, &d); err != nil {
		return drivers.NotSent(s.fail(ctx, "locked update: lock_read", w.Key, err, true))
	}
	if err := w.CallHold(ctx); err != nil { // the conflict window, the lock held
		return drivers.NotSent(s.fail(ctx, "locked update: hold", w.Key, err, true))
	}
	v := values{key: int64(w.Key), version: d.Version, newVersion: d.Version + 1, writer: w.Writer, op: w.Op, updatedAt: w.UpdatedAt, payload: w.Payload}
	n, err := affected(ctx, tx.StmtContext(ctx, st.txCAS), s.bind(s.cas, &v))
	switch {
	case err != nil:
		return drivers.NotSent(s.fail(ctx, "locked update: cas", w.Key, err, true))
	case n != 1:
		return drivers.NotSent(&drivers.OpError{Driver: "write_path." + s.driver, Op: "locked update", Key: w.Key, Class: drivers.ClassOther,
			Err: fmt.Errorf("%s changed %d rows for key %d under %s's lock, want 1 (rolled back): its other conditions refused the write, or its WHERE does not select the row of @key", s.cas.name, n, w.Key, s.lockRead.name)})
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "locked update: commit", w.Key, err, false)
	}
	return nil
}

func (s *Store) now() int64 {
	if s.clock == nil {
		return time.Now().UnixNano()
	}
	return s.clock.Now().UnixNano()
}

func (s *Store) checkLease(op string, key int, holder int64, ttl time.Duration, needTTL bool) (*stmts, error) {
	if holder == 0 {
		return nil, fmt.Errorf("write_path.%s: %s key %d: holder: must be ≠ 0 (0 marks a free lease)", s.driver, op, key)
	}
	if needTTL && ttl <= 0 {
		return nil, fmt.Errorf("write_path.%s: %s key %d: ttl: must be > 0, got %v", s.driver, op, key, ttl)
	}
	return s.ready(op, key)
}

// Acquire takes the lease on key in occbench_tpl_leases for holder if it
// is free or expired (by the client's clock on SQLite, the server's on
// PostgreSQL) and returns the new fence; a LeaseHeld conflict otherwise.
func (s *Store) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	st, err := s.checkLease("acquire", key, holder, ttl, true)
	if err != nil {
		return 0, err
	}
	var fence int64
	err = st.acquire.QueryRowContext(ctx, s.ownSQL.acquireArgs(s, key, holder, 0, int64(ttl))...).Scan(&fence)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, drivers.ErrLeaseHeld
	case err != nil:
		return 0, s.fail(ctx, "acquire", key, err, false)
	}
	return fence, nil
}

// Extend pushes the expiry to now+ttl if holder holds the unexpired lease
// with fence; a LeaseLost conflict otherwise.
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	st, err := s.checkLease("extend", key, holder, ttl, true)
	if err != nil {
		return err
	}
	n, err := affected(ctx, st.extend, s.ownSQL.extendArgs(s, key, holder, fence, int64(ttl)))
	switch {
	case err != nil:
		return s.fail(ctx, "extend", key, err, false)
	case n == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}

// Release frees the lease if holder holds it with fence; a LeaseLost
// conflict otherwise. The fence stays, so the next holder gets a higher
// one.
func (s *Store) Release(ctx context.Context, key int, holder, fence int64) error {
	st, err := s.checkLease("release", key, holder, 0, false)
	if err != nil {
		return err
	}
	n, err := affected(ctx, st.release, s.ownSQL.relArgs(s, key, holder, fence, 0))
	switch {
	case err != nil:
		return s.fail(ctx, "release", key, err, false)
	case n == 0:
		return drivers.ErrLeaseLost
	}
	return nil
}
