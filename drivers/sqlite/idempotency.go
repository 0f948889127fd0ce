package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.IdempotencyStore = (*Store)(nil)

// The idempotency table: one row per key under a PRIMARY KEY (the unique
// constraint), dropped and recreated by Setup with the documents. done
// stays 1 once the key completed, through expiry and reclaim, so that
// IdemTotals counts every key ever completed.
const (
	idemTable  = "occbench_idem"
	idemCreate = "CREATE TABLE " + idemTable + " (key INTEGER PRIMARY KEY, status TEXT NOT NULL, hash INTEGER NOT NULL, " +
		"token INTEGER NOT NULL, claimed_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, done INTEGER NOT NULL)"

	// idemInsert claims a key no row holds: the unique constraint
	// decides, in one autocommit statement.
	idemInsert = "INSERT INTO " + idemTable + " (key, status, hash, token, claimed_at, expires_at, done) " +
		"VALUES (?, 'PENDING', ?, ?, ?, ?, 0) ON CONFLICT(key) DO NOTHING"
	idemSelect = "SELECT status, hash, claimed_at, expires_at FROM " + idemTable + " WHERE key = ?"
	// idemClaim claims a row that exists (or vanished), keeping done.
	idemClaim = "INSERT INTO " + idemTable + " (key, status, hash, token, claimed_at, expires_at, done) " +
		"VALUES (?, 'PENDING', ?, ?, ?, ?, 0) ON CONFLICT(key) DO UPDATE SET status = 'PENDING', hash = excluded.hash, " +
		"token = excluded.token, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at"
	idemMark   = "UPDATE " + idemTable + " SET status = ?, done = done OR ? WHERE key = ? AND status = 'PENDING' AND token = ?"
	idemEffect = "UPDATE occbench_docs SET version = version + 1, counter = counter + 1, writer = ?, op = ?, updated_at = ? WHERE id = ?"
	idemCount  = "SELECT coalesce(sum(done), 0), coalesce(sum(status = 'PENDING'), 0), coalesce(sum(status = 'FAILED'), 0) FROM " + idemTable
)

// Begin claims r.Key: first an INSERT … ON CONFLICT DO NOTHING, which
// claims a key no row holds; when a row holds it, a BEGIN IMMEDIATE
// transaction reads the row, decides (drivers.IdemDecide) and claims it
// if it may, under the database's write lock.
func (s *Store) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	if err := s.checkIdem("idempotency begin", r); err != nil {
		return err
	}
	c.State, c.PendingSince = 0, 0
	res, err := s.db.ExecContext(ctx, idemInsert, r.Key, int64(r.Hash), r.Token, r.Now, r.Now+int64(r.TTL))
	if err != nil {
		return fail(ctx, "idempotency begin: insert", r.Doc, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(ctx, "idempotency begin: insert", r.Doc, err)
	} else if n == 1 {
		c.State = drivers.IdemNew
		return nil
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return drivers.NotSent(fail(ctx, "idempotency begin: begin", r.Doc, err))
	}
	defer tx.Rollback()
	var (
		status                     string
		hash, claimedAt, expiresAt int64
	)
	err = tx.QueryRowContext(ctx, idemSelect, r.Key).Scan(&status, &hash, &claimedAt, &expiresAt)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return drivers.NotSent(fail(ctx, "idempotency begin: select", r.Doc, err))
	}
	state, claim := drivers.IdemDecide(found, status, uint64(hash), claimedAt, expiresAt, r)
	if !claim {
		c.State = state
		return nil
	}
	if _, err := tx.ExecContext(ctx, idemClaim, r.Key, int64(r.Hash), r.Token, r.Now, r.Now+int64(r.TTL)); err != nil {
		return drivers.NotSent(fail(ctx, "idempotency begin: claim", r.Doc, err))
	}
	if err := tx.Commit(); err != nil {
		return fail(ctx, "idempotency begin: commit", r.Doc, err)
	}
	c.State = state
	if state == drivers.IdemRecovered {
		c.PendingSince = claimedAt
	}
	return nil
}

// Complete marks r.Key COMPLETED and applies the effect to document
// r.Doc in one BEGIN IMMEDIATE transaction; a claim no longer r.Token's
// rolls back with drivers.ErrClaimLost.
func (s *Store) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	if err := s.checkIdem("idempotency complete", r); err != nil {
		return err
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return drivers.NotSent(fail(ctx, "idempotency complete: begin", r.Doc, err))
	}
	defer tx.Rollback()
	if err := txExec(ctx, tx, "idempotency complete: mark", r.Doc, drivers.ErrClaimLost, idemMark, drivers.IdemStatusCompleted, 1, r.Key, r.Token); err != nil {
		return drivers.NotSent(err) // rolled back
	}
	if err := txExec(ctx, tx, "idempotency complete: effect", r.Doc, errNoRow, idemEffect, r.Writer, r.Op, r.Now, r.Doc); err != nil {
		return drivers.NotSent(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(ctx, "idempotency complete: commit", r.Doc, err)
	}
	return nil
}

// Fail marks r.Key FAILED if r.Token holds its claim, in one statement.
func (s *Store) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	if err := s.checkIdem("idempotency fail", r); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, idemMark, drivers.IdemStatusFailed, 0, r.Key, r.Token)
	if err != nil {
		return fail(ctx, "idempotency fail", r.Doc, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(ctx, "idempotency fail", r.Doc, err)
	} else if n == 0 {
		return drivers.ErrClaimLost
	}
	return nil
}

// IdemTotals counts the keys ever completed and the entries PENDING and
// FAILED now.
func (s *Store) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	var t drivers.IdemTotals
	if err := s.db.QueryRowContext(ctx, idemCount).Scan(&t.Completed, &t.Pending, &t.Failed); err != nil {
		return drivers.IdemTotals{}, fmt.Errorf("sqlite: idempotency totals: %w", err)
	}
	return t, nil
}

// checkIdem refuses a request out of range, or one made before Setup.
func (s *Store) checkIdem(op string, r *drivers.IdemRequest) error {
	if _, err := s.check(op, r.Doc); err != nil {
		return err
	}
	if err := drivers.CheckIdem(r); err != nil {
		return drivers.NotSent(fmt.Errorf("sqlite: %s: %w", op, err))
	}
	return nil
}

// txExec runs query in tx and returns none when it changed no row.
func txExec(ctx context.Context, tx *sql.Tx, op string, key int, none error, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fail(ctx, op, key, err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return fail(ctx, op, key, err)
	case n == 0:
		return none
	}
	return nil
}
