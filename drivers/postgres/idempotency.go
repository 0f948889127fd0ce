package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
)

var _ drivers.IdempotencyStore = (*Store)(nil)

// The idempotency table: one row per key under a PRIMARY KEY (the unique
// constraint), dropped and recreated by Setup with the documents. done
// stays true once the key completed, through expiry and reclaim, so that
// IdemTotals counts every key ever completed. A Session's idempotency
// calls go through the pool (the methods are the Store's).
const (
	idemTable = "occbench_idem"
	idemDrop  = "DROP TABLE IF EXISTS " + idemTable
	idemDDL   = "CREATE TABLE " + idemTable + " (key bigint PRIMARY KEY, status text NOT NULL, hash bigint NOT NULL, " +
		"token bigint NOT NULL, claimed_at bigint NOT NULL, expires_at bigint NOT NULL, done boolean NOT NULL)"

	// idemInsert claims a key no row holds: the unique constraint
	// decides, in one autocommit statement.
	idemInsert = "INSERT INTO " + idemTable + " (key, status, hash, token, claimed_at, expires_at, done) " +
		"VALUES ($1, 'PENDING', $2, $3, $4, $5, false) ON CONFLICT (key) DO NOTHING"
	idemSelect = "SELECT status, hash, claimed_at, expires_at FROM " + idemTable + " WHERE key = $1 FOR UPDATE"
	idemClaim  = "UPDATE " + idemTable + " SET status = 'PENDING', hash = $2, token = $3, claimed_at = $4, expires_at = $5 WHERE key = $1"
	idemMark   = "UPDATE " + idemTable + " SET status = $3, done = done OR $4 WHERE key = $1 AND status = 'PENDING' AND token = $2"
	idemEffect = "UPDATE " + docsTable + " SET version = version + 1, counter = counter + 1, writer = $2, op = $3, updated_at = $4 WHERE id = $1"
	idemCount  = "SELECT count(*) FILTER (WHERE done), count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'FAILED') FROM " + idemTable
)

// Begin claims r.Key: first an INSERT … ON CONFLICT DO NOTHING, which
// claims a key no row holds; when a row holds it, a transaction locks the
// row (SELECT … FOR UPDATE), decides (drivers.IdemDecide) and claims it
// if it may.
func (s *Store) Begin(ctx context.Context, r *drivers.IdemRequest, c *drivers.IdemClaim) error {
	const op = "idempotency begin"
	if err := s.checkIdem(op, r); err != nil {
		return err
	}
	c.State, c.PendingSince = 0, 0
	conn, err := s.acquire(ctx, op, r.Doc)
	if err != nil {
		return err
	}
	defer conn.Release()
	tag, err := conn.Exec(ctx, idemInsert, r.Key, int64(r.Hash), r.Token, r.Now, r.Now+int64(r.TTL))
	if err != nil {
		return s.fail(op, r.Doc, err, false)
	}
	if tag.RowsAffected() == 1 {
		c.State = drivers.IdemNew
		return nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return s.fail(op, r.Doc, err, true)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing
	var (
		status                     string
		hash, claimedAt, expiresAt int64
	)
	err = tx.QueryRow(ctx, idemSelect, r.Key).Scan(&status, &hash, &claimedAt, &expiresAt)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return s.fail(op, r.Doc, err, true)
	}
	state, claim := drivers.IdemDecide(found, status, uint64(hash), claimedAt, expiresAt, r)
	if !claim {
		c.State = state
		return nil
	}
	q := idemClaim
	if !found { // deleted since the INSERT: never by occbench, but claim it all the same
		q = idemInsert
	}
	if _, err := tx.Exec(ctx, q, r.Key, int64(r.Hash), r.Token, r.Now, r.Now+int64(r.TTL)); err != nil {
		return s.fail(op, r.Doc, err, true)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.fail(op, r.Doc, err, false)
	}
	c.State = state
	if state == drivers.IdemRecovered {
		c.PendingSince = claimedAt
	}
	return nil
}

// Complete marks r.Key COMPLETED and applies the effect to document
// r.Doc in one transaction; a claim no longer r.Token's rolls back with
// drivers.ErrClaimLost.
func (s *Store) Complete(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency complete"
	if err := s.checkIdem(op, r); err != nil {
		return err
	}
	conn, err := s.acquire(ctx, op, r.Doc)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return s.fail(op, r.Doc, err, true)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing
	tag, err := tx.Exec(ctx, idemMark, r.Key, r.Token, drivers.IdemStatusCompleted, true)
	if err != nil {
		return s.fail(op, r.Doc, err, true)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrClaimLost
	}
	tag, err = tx.Exec(ctx, idemEffect, int64(r.Doc), r.Writer, r.Op, r.Now)
	if err != nil {
		return s.fail(op, r.Doc, err, true)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op, r.Doc)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.fail(op, r.Doc, err, false)
	}
	return nil
}

// Fail marks r.Key FAILED if r.Token holds its claim, in one statement.
func (s *Store) Fail(ctx context.Context, r *drivers.IdemRequest) error {
	const op = "idempotency fail"
	if err := s.checkIdem(op, r); err != nil {
		return err
	}
	conn, err := s.acquire(ctx, op, r.Doc)
	if err != nil {
		return err
	}
	tag, err := conn.Exec(ctx, idemMark, r.Key, r.Token, drivers.IdemStatusFailed, false)
	conn.Release()
	if err != nil {
		return s.fail(op, r.Doc, err, false)
	}
	if tag.RowsAffected() == 0 {
		return drivers.ErrClaimLost
	}
	return nil
}

// IdemTotals counts the keys ever completed and the entries PENDING and
// FAILED now.
func (s *Store) IdemTotals(ctx context.Context) (drivers.IdemTotals, error) {
	var t drivers.IdemTotals
	conn, err := s.fresh(ctx, "idempotency totals")
	if err != nil {
		return t, err
	}
	defer conn.Release()
	if err := conn.QueryRow(ctx, idemCount).Scan(&t.Completed, &t.Pending, &t.Failed); err != nil {
		return drivers.IdemTotals{}, s.fail("idempotency totals", -1, err, true)
	}
	return t, nil
}

// checkIdem refuses a request out of range.
func (s *Store) checkIdem(op string, r *drivers.IdemRequest) error {
	if err := s.checkKey(op, r.Doc); err != nil {
		return err
	}
	if err := drivers.CheckIdem(r); err != nil {
		return drivers.NotSent(fmt.Errorf("postgres: %s: %w", op, err))
	}
	return nil
}
