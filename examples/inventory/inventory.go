package inventory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Item is one row of the items table.
type Item struct {
	ID      string
	Stock   int64 // units left
	Version int64 // +1 on every write
}

// Errors of the repository.
var (
	// ErrNotFound: no item has the id.
	ErrNotFound = errors.New("item not found")
	// ErrOutOfStock: the item has no unit left to reserve.
	ErrOutOfStock = errors.New("out of stock")
	// ErrBusy: another transaction held the write lock for longer than
	// the busy timeout.
	ErrBusy = errors.New("database busy")
)

// Repo is the items repository. Its methods are safe for concurrent use.
type Repo struct {
	db *sql.DB
}

// BusyTimeoutMS is how long a statement waits for another connection's
// write lock before it fails with ErrBusy.
const BusyTimeoutMS = 5000

// MaxConns bounds the connections Open keeps: SQLite has one writer at
// a time, and readers share the WAL.
const MaxConns = 16

// Open opens (creating when missing) the SQLite database at path in WAL
// mode, and the items table.
func Open(ctx context.Context, path string) (*Repo, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate") // transactions take the write lock at BEGIN
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("inventory: open %s: %w", path, err)
	}
	// Keep the connections: opening one runs the pragmas again.
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	const schema = `CREATE TABLE IF NOT EXISTS items (
		id      TEXT PRIMARY KEY,
		stock   INTEGER NOT NULL,
		version INTEGER NOT NULL
	)`
	if _, err := db.ExecContext(ctx, schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("inventory: open %s: %w", path, err)
	}
	return &Repo{db: db}, nil
}

// Close closes the database.
func (r *Repo) Close() error { return r.db.Close() }

// Restock sets the stock of every id, creating the items that are
// missing (at version 0) and advancing the version of the others.
func (r *Repo) Restock(ctx context.Context, ids []string, stock int64) error {
	const q = `INSERT INTO items (id, stock, version) VALUES (?, ?, 0)
		ON CONFLICT (id) DO UPDATE SET stock = excluded.stock, version = items.version + 1`
	for _, id := range ids {
		if _, err := r.db.ExecContext(ctx, q, id, stock); err != nil {
			return fmt.Errorf("inventory: restock %s: %w", id, classify(err))
		}
	}
	return nil
}

// Get reads one item.
func (r *Repo) Get(ctx context.Context, id string) (Item, error) {
	it := Item{ID: id}
	err := r.db.QueryRowContext(ctx, `SELECT stock, version FROM items WHERE id = ?`, id).Scan(&it.Stock, &it.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, fmt.Errorf("inventory: get %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Item{}, fmt.Errorf("inventory: get %s: %w", id, classify(err))
	}
	return it, nil
}

// Reserve takes one unit of id's stock if the item is still at version:
// one conditional UPDATE. ok is false when another write moved the
// version on (re-read and try again); ErrOutOfStock when the item, at
// version, has none left.
func (r *Repo) Reserve(ctx context.Context, id string, version int64) (ok bool, err error) {
	res, err := r.db.ExecContext(ctx,
		`UPDATE items SET stock = stock - 1, version = version + 1 WHERE id = ? AND version = ? AND stock > 0`, id, version)
	if err != nil {
		return false, fmt.Errorf("inventory: reserve %s: %w", id, classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("inventory: reserve %s: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	// Nothing matched: a newer version, no stock, or no item.
	it, err := r.Get(ctx, id)
	switch {
	case err != nil:
		return false, err
	case it.Version == version && it.Stock <= 0:
		return false, fmt.Errorf("inventory: reserve %s: %w", id, ErrOutOfStock)
	}
	return false, nil
}

// Update reads id and writes back what fn makes of it, in one
// transaction that holds the database's write lock from its read to
// its commit (BEGIN IMMEDIATE): the pessimistic read-modify-write. fn's
// error rolls the transaction back and is returned.
func (r *Repo) Update(ctx context.Context, id string, fn func(ctx context.Context, it *Item) error) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("inventory: update %s: %w", id, classify(err))
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	it := Item{ID: id}
	err = tx.QueryRowContext(ctx, `SELECT stock, version FROM items WHERE id = ?`, id).Scan(&it.Stock, &it.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("inventory: update %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("inventory: update %s: %w", id, classify(err))
	}
	if err := fn(ctx, &it); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET stock = ?, version = version + 1 WHERE id = ?`, it.Stock, id); err != nil {
		return fmt.Errorf("inventory: update %s: %w", id, classify(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("inventory: update %s: %w", id, classify(err))
	}
	return nil
}

// UpdateNaive is Update as it is often first written: read, let fn
// modify the item in Go, write it back by id alone. Between the read and
// the write another writer's update can land, and this write then
// overwrites it: a lost update. It is here so that the tests can show
// the audit catching it; do not copy it.
func (r *Repo) UpdateNaive(ctx context.Context, id string, fn func(ctx context.Context, it *Item) error) error {
	it, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := fn(ctx, &it); err != nil {
		return err
	}
	if _, err := r.db.ExecContext(ctx, `UPDATE items SET stock = ?, version = ? WHERE id = ?`, it.Stock, it.Version+1, id); err != nil {
		return fmt.Errorf("inventory: update %s: %w", id, classify(err))
	}
	return nil
}

// classify marks SQLITE_BUSY and SQLITE_LOCKED as ErrBusy, keeping the
// driver's error.
func classify(err error) error {
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %w", ErrBusy, err)
		}
	}
	return err
}
