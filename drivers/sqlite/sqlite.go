package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/occbench/occbench/drivers"
)

// Name is the --driver name.
const Name = "sqlite"

// errNoRow is a row that vanished inside a transaction that had just read
// it: a bug, never a conflict.
var errNoRow = fmt.Errorf("sqlite: row read in this transaction not updated: %w", drivers.ErrNotFound)

// BusyTimeout is how long a statement waits for a lock another
// connection holds before it fails with SQLITE_BUSY.
const BusyTimeout = 5 * time.Second

// pragmas are the parameters every connection is opened with.
func pragmas(busy time.Duration) string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", busy.Milliseconds())
}

func init() {
	drivers.Register(drivers.Driver{
		Name:    Name,
		Summary: "SQLite file in WAL mode (modernc.org/sqlite, no cgo); --dsn is a path, default a temp file",
		File:    true,
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			return Open(ctx, o)
		},
	})
}

var (
	_ drivers.Store             = (*Store)(nil)
	_ drivers.Versioner         = (*Store)(nil)
	_ drivers.Reader            = (*Store)(nil)
	_ drivers.CompareAndSwapper = (*Store)(nil)
	_ drivers.Putter            = (*Store)(nil)
	_ drivers.FencedReader      = (*Store)(nil)
	_ drivers.LockedUpdater     = (*Store)(nil)
	_ drivers.Leaser            = (*Store)(nil)
	_ drivers.Offerer           = (*Store)(nil)
)

// Store is a SQLite database file. Setup must not run concurrently with
// any other method; every other method is safe for concurrent use.
type Store struct {
	path   string  // the database file or file: URI, without parameters
	tmpDir string  // created by Open, removed by Close; "" for a user DSN
	db     *sql.DB // autocommit statements, deferred transactions
	lockDB *sql.DB // the same file; transactions BEGIN IMMEDIATE
	clock  drivers.Clock

	spec drivers.Spec
	gb   int
	st   *stmts // nil until Setup
}

// stmts are the statements of one Setup, prepared once and reused by every
// op. Slices are indexed by field group.
type stmts struct {
	read      *sql.Stmt   // db
	casDoc    []*sql.Stmt // db: … WHERE id = ? AND version = ?
	casGroup  []*sql.Stmt // db: … WHERE id = ? AND gvN = ?
	casSlot   []*sql.Stmt // db: … WHERE id = ? AND the writer's slot = ?; nil without slots
	put       []*sql.Stmt // db
	putFenced []*sql.Stmt // db: … AND fence <= ?
	acquire   *sql.Stmt   // db
	extend    *sql.Stmt   // db
	release   *sql.Stmt   // db

	lockRead   []*sql.Stmt // lockDB: SELECT version, counter, gvN
	lockWrite  []*sql.Stmt // lockDB: the put statement
	raiseFence *sql.Stmt   // lockDB
	fencedRead *sql.Stmt   // lockDB: the read statement
}

func (st *stmts) close() {
	all := []*sql.Stmt{st.read, st.acquire, st.extend, st.release, st.raiseFence, st.fencedRead}
	for _, g := range [][]*sql.Stmt{st.casDoc, st.casGroup, st.casSlot, st.put, st.putFenced, st.lockRead, st.lockWrite} {
		all = append(all, g...)
	}
	for _, s := range all {
		if s != nil {
			s.Close()
		}
	}
}

// Open opens (creating if need be) the database file named by o.DSN, or a
// new file in a fresh temporary directory when o.DSN is empty. Both pools
// hold up to o.Writers+2 connections.
func Open(ctx context.Context, o drivers.Options) (*Store, error) {
	return open(ctx, o, BusyTimeout)
}

// open is Open with a busy timeout (tests shorten it).
func open(ctx context.Context, o drivers.Options, busy time.Duration) (_ *Store, err error) {
	s := &Store{path: o.DSN, clock: o.Clock}
	if s.path == "" {
		dir, err := os.MkdirTemp("", "occbench-sqlite-")
		if err != nil {
			return nil, fmt.Errorf("sqlite: temporary database: %w", err)
		}
		s.tmpDir = dir
		s.path = filepath.Join(dir, "occbench.db")
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	conns := max(o.Writers, 1) + 2
	for _, p := range []struct {
		db     **sql.DB
		params string
	}{
		{&s.db, pragmas(busy)},
		{&s.lockDB, pragmas(busy) + "&_txlock=immediate"},
	} {
		db, err := sql.Open("sqlite", withParams(s.path, p.params))
		if err != nil {
			return nil, fmt.Errorf("sqlite: --dsn %q: %w", s.path, err)
		}
		*p.db = db
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("sqlite: --dsn %q: %w", s.path, err)
		}
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: --dsn %q: journal mode: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return nil, fmt.Errorf("sqlite: --dsn %q: journal mode is %q, not WAL (an in-memory database?)", s.path, mode)
	}
	return s, nil
}

// withParams appends driver parameters to a path or file: URI.
func withParams(path, params string) string {
	if strings.Contains(path, "?") {
		return path + "&" + params
	}
	return path + "?" + params
}

// Close closes both pools and removes the temporary directory if Open
// created one. It drops no table.
func (s *Store) Close() error {
	var errs []error
	if s.st != nil {
		s.st.close()
		s.st = nil
	}
	for _, db := range []*sql.DB{s.lockDB, s.db} {
		if db != nil {
			if err := db.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.db, s.lockDB = nil, nil
	if s.tmpDir != "" {
		if err := os.RemoveAll(s.tmpDir); err != nil {
			errs = append(errs, err)
		}
		s.tmpDir = ""
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Path returns the database file (or file: URI) the store uses.
func (s *Store) Path() string { return s.path }

// ServerVersion returns sqlite_version().
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
		return "", fmt.Errorf("sqlite: version: %w", err)
	}
	return v, nil
}

// Setup drops and recreates occbench_docs and occbench_leases, seeds
// spec.Keys rows in each in one transaction, and prepares the statements
// every op uses.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("sqlite: setup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: setup: %w", err) // before the statements are closed
	}
	if s.st != nil {
		s.st.close()
		s.st = nil
	}
	s.spec, s.gb = spec, spec.GroupBytes()
	n := spec.FieldGroups

	var cols, seed strings.Builder
	for g := range n {
		fmt.Fprintf(&cols, ", gv%d INTEGER NOT NULL", g)
		seed.WriteString(", 0")
	}
	for g := range n {
		fmt.Fprintf(&cols, ", p%d BLOB NOT NULL", g)
		fmt.Fprintf(&seed, ", zeroblob(%d)", s.gb)
	}
	// Operation slots: one fixed-width hex field of slotWidth digits per
	// writer, in one text column, so that a conditional write checks and
	// bumps its slot in the same UPDATE as the document.
	cols.WriteString(", slots TEXT NOT NULL")
	fmt.Fprintf(&seed, ", hex(zeroblob(%d))", spec.Slots*slotWidth/2)
	const series = "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?) "
	ddl := []struct {
		sql  string
		args []any
	}{
		{"DROP TABLE IF EXISTS occbench_docs", nil},
		{"DROP TABLE IF EXISTS occbench_leases", nil},
		{"DROP TABLE IF EXISTS " + idemTable, nil}, // idempotency.go
		{idemCreate, nil},
		{"CREATE TABLE occbench_docs (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, counter INTEGER NOT NULL, " +
			"fence INTEGER NOT NULL, writer INTEGER NOT NULL, op INTEGER NOT NULL, updated_at INTEGER NOT NULL" +
			cols.String() + ")", nil},
		{"CREATE TABLE occbench_leases (id INTEGER PRIMARY KEY, holder INTEGER NOT NULL, " +
			"expires_at INTEGER NOT NULL, fence INTEGER NOT NULL)", nil},
		{series + "INSERT INTO occbench_docs SELECT i, 0, 0, 0, 0, 0, 0" + seed.String() + " FROM seq", []any{spec.Keys}},
		{series + "INSERT INTO occbench_leases SELECT i, 0, 0, 0 FROM seq", []any{spec.Keys}},
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: setup: %w", err)
	}
	defer tx.Rollback()
	for _, d := range ddl {
		if _, err := tx.ExecContext(ctx, d.sql, d.args...); err != nil {
			return fmt.Errorf("sqlite: setup: %s: %w", d.sql, err)
		}
	}
	for _, q := range opLogDDL(spec) { // oplog.go
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: setup: %s: %w", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: setup: commit: %w", err)
	}

	st, err := s.prepare(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: setup: %w", err)
	}
	s.st = st
	return nil
}

// prepare builds and prepares the statements for s.spec.
func (s *Store) prepare(ctx context.Context) (_ *stmts, err error) {
	n := s.spec.FieldGroups
	st := &stmts{}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	prep := func(db *sql.DB, q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var p *sql.Stmt
		if p, err = db.PrepareContext(ctx, q); err != nil {
			err = fmt.Errorf("prepare %s: %w", q, err)
		}
		return p
	}

	var sel strings.Builder
	sel.WriteString("SELECT version, counter, fence, writer, op, updated_at")
	for g := range n {
		fmt.Fprintf(&sel, ", gv%d", g)
	}
	for g := range n {
		fmt.Fprintf(&sel, ", p%d", g)
	}
	if s.spec.Slots > 0 {
		sel.WriteString(", slots")
	}
	sel.WriteString(" FROM occbench_docs WHERE id = ?")
	st.read = prep(s.db, sel.String())
	st.fencedRead = prep(s.lockDB, sel.String())
	st.raiseFence = prep(s.lockDB, "UPDATE occbench_docs SET fence = ?1 WHERE id = ?2 AND fence <= ?1")

	for g := range n {
		// CAS arguments: ?1 payload, ?2 writer, ?3 op, ?4 updated_at, ?5 id, ?6 expected version.
		cas := fmt.Sprintf("UPDATE occbench_docs SET version = version + 1, counter = counter + 1, gv%[1]d = gv%[1]d + 1, "+
			"p%[1]d = ?1, writer = ?2, op = ?3, updated_at = ?4 WHERE id = ?5", g)
		st.casDoc = append(st.casDoc, prep(s.db, cas+" AND version = ?6"))
		st.casGroup = append(st.casGroup, prep(s.db, cas+fmt.Sprintf(" AND gv%d = ?6", g)))
		if s.spec.Slots > 0 {
			// ?7 is the slot's offset: writer × slotWidth.
			slot := fmt.Sprintf("UPDATE occbench_docs SET version = version + 1, counter = counter + 1, gv%[1]d = gv%[1]d + 1, "+
				"p%[1]d = ?1, writer = ?2, op = ?3, updated_at = ?4, "+
				"slots = substr(slots, 1, ?7) || printf('%%0%[2]dx', ?6 + 1) || substr(slots, ?7 + %[3]d) "+
				"WHERE id = ?5 AND substr(slots, ?7 + 1, %[2]d) = printf('%%0%[2]dx', ?6)", g, slotWidth, slotWidth+1)
			st.casSlot = append(st.casSlot, prep(s.db, slot))
		}
		// Put arguments: ?1 version, ?2 counter, ?3 group version, ?4 payload,
		// ?5 writer, ?6 op, ?7 updated_at, ?8 id, ?9 fence.
		put := fmt.Sprintf("UPDATE occbench_docs SET version = ?1, counter = ?2, gv%[1]d = ?3, p%[1]d = ?4, "+
			"writer = ?5, op = ?6, updated_at = ?7", g)
		st.put = append(st.put, prep(s.db, put+" WHERE id = ?8"))
		st.putFenced = append(st.putFenced, prep(s.db, put+", fence = ?9 WHERE id = ?8 AND fence <= ?9"))
		st.lockRead = append(st.lockRead, prep(s.lockDB, fmt.Sprintf("SELECT version, counter, gv%d FROM occbench_docs WHERE id = ?", g)))
		st.lockWrite = append(st.lockWrite, prep(s.lockDB, put+" WHERE id = ?8"))
	}

	// ?1 holder, ?2 expires_at, ?3 id, ?4 now.
	st.acquire = prep(s.db, "UPDATE occbench_leases SET holder = ?1, expires_at = ?2, fence = fence + 1 "+
		"WHERE id = ?3 AND (holder = 0 OR expires_at <= ?4) RETURNING fence")
	// ?1 expires_at, ?2 id, ?3 holder, ?4 fence, ?5 now.
	st.extend = prep(s.db, "UPDATE occbench_leases SET expires_at = ?1 WHERE id = ?2 AND holder = ?3 AND fence = ?4 AND expires_at > ?5")
	// ?1 id, ?2 holder, ?3 fence.
	st.release = prep(s.db, "UPDATE occbench_leases SET holder = 0, expires_at = 0 WHERE id = ?1 AND holder = ?2 AND fence = ?3")
	return st, err
}

// slotWidth is the hex digits of one operation slot version.
const slotWidth = 16

// Offers implements drivers.Offerer: documents keep operation slots
// (drivers.CapOperationScope).
func (s *Store) Offers(c drivers.Capability) bool { return c == drivers.CapOperationScope }

// parseSlots decodes the slots column into d.Slots, reusing it.
func parseSlots(raw []byte, slots int, d *drivers.Doc) error {
	if len(raw) != slots*slotWidth {
		return fmt.Errorf("slots: want %d hex digits, got %d", slots*slotWidth, len(raw))
	}
	d.Slots = slices.Grow(d.Slots[:0], slots)[:slots]
	for w := range slots {
		var v uint64
		for _, c := range raw[w*slotWidth : (w+1)*slotWidth] {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | uint64(c-'0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | uint64(c-'a'+10)
			case c >= 'A' && c <= 'F':
				v = v<<4 | uint64(c-'A'+10)
			default:
				return fmt.Errorf("slots: writer %d: %q is not hex", w, raw[w*slotWidth:(w+1)*slotWidth])
			}
		}
		d.Slots[w] = int64(v)
	}
	return nil
}

// Totals sums counters and versions over occbench_docs.
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	var t drivers.Totals
	err := s.db.QueryRowContext(ctx,
		"SELECT COUNT(*), COALESCE(SUM(counter), 0), COALESCE(SUM(version), 0) FROM occbench_docs",
	).Scan(&t.Docs, &t.Counter, &t.Versions)
	if err != nil {
		return drivers.Totals{}, fmt.Errorf("sqlite: totals: %w", err)
	}
	return t, nil
}

// fail wraps err from op on key: the context's error when ctx ended, a
// LockNotAvailable conflict for SQLITE_BUSY / SQLITE_LOCKED, otherwise an
// error.
//
// A call that ctx ended committed nothing, and its error is marked not
// sent: database/sql checks ctx before it starts a statement and before
// COMMIT, and a statement ctx interrupts (modernc's sqlite3_interrupt,
// or its busy handler giving up) fails and is rolled back; one that
// completed returns no error.
func fail(ctx context.Context, op string, key int, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return drivers.NotSent(fmt.Errorf("sqlite: %s key %d: %w", op, key, err))
	}
	if busy(err) {
		return drivers.Conflict(drivers.LockNotAvailable, fmt.Errorf("sqlite: %s key %d: %w", op, key, err))
	}
	return fmt.Errorf("sqlite: %s key %d: %w", op, key, err)
}

// busy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended
// code).
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

// check returns the prepared statements, or an error naming op when key is
// out of range or Setup has not run.
func (s *Store) check(op string, key int) (*stmts, error) {
	if s.st == nil {
		return nil, fmt.Errorf("sqlite: %s key %d: Setup has not run", op, key)
	}
	if key < 0 || key >= s.spec.Keys {
		return nil, fmt.Errorf("sqlite: %s: key %d (keys: %d): %w", op, key, s.spec.Keys, drivers.ErrNotFound)
	}
	return s.st, nil
}

// checkWrite is check plus w's group and payload.
func (s *Store) checkWrite(op string, w *drivers.Write) (*stmts, error) {
	st, err := s.check(op, w.Key)
	if err != nil {
		return nil, err
	}
	if w.Group < 0 || w.Group >= s.spec.FieldGroups {
		return nil, fmt.Errorf("sqlite: %s key %d: group: must be 0 … %d, got %d", op, w.Key, s.spec.FieldGroups-1, w.Group)
	}
	if len(w.Payload) != s.gb {
		return nil, fmt.Errorf("sqlite: %s key %d: payload: must be %d bytes (group bytes), got %d", op, w.Key, s.gb, len(w.Payload))
	}
	return st, nil
}

// blob returns p as a bind argument that is never NULL.
func blob(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

// Read copies document key into d, reusing d's slices.
func (s *Store) Read(ctx context.Context, key int, d *drivers.Doc) error {
	st, err := s.check("read", key)
	if err != nil {
		return err
	}
	if err := s.scan(ctx, st.read, key, d); err != nil {
		return drivers.NotSent(fail(ctx, "read", key, err)) // a read writes nothing
	}
	return nil
}

// scan runs a read statement (possibly bound to a transaction) into d.
func (s *Store) scan(ctx context.Context, q *sql.Stmt, key int, d *drivers.Doc) error {
	rows, err := q.QueryContext(ctx, key)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return drivers.ErrNotFound
	}
	n := s.spec.FieldGroups
	d.Groups = slices.Grow(d.Groups[:0], n)[:n]
	raw := make([]sql.RawBytes, n)
	var slotsRaw sql.RawBytes
	dest := make([]any, 0, 7+2*n)
	dest = append(dest, &d.Version, &d.Counter, &d.Fence, &d.Writer, &d.Op, &d.UpdatedAt)
	for g := range n {
		dest = append(dest, &d.Groups[g])
	}
	for g := range n {
		dest = append(dest, &raw[g])
	}
	if s.spec.Slots > 0 {
		dest = append(dest, &slotsRaw)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	d.Slots = d.Slots[:0]
	if s.spec.Slots > 0 {
		if err := parseSlots(slotsRaw, s.spec.Slots, d); err != nil {
			return err
		}
	}
	d.Key = key
	d.Payload = d.Payload[:0]
	for _, r := range raw {
		d.Payload = append(d.Payload, r...) // copied before rows close
	}
	// Bytes past FieldGroups × GroupBytes (PayloadBytes not a multiple of
	// FieldGroups) belong to no group and are never written: zeros.
	if pad := s.spec.PayloadBytes - len(d.Payload); pad > 0 {
		at := len(d.Payload)
		d.Payload = slices.Grow(d.Payload, pad)[:at+pad]
		clear(d.Payload[at:])
	}
	return rows.Close()
}

// CompareAndSwap is UPDATE … SET version = version + 1, counter = counter
// + 1, gvN = gvN + 1, pN = ?, … WHERE id = ? AND version = ? (gvN = ? for
// ScopeFieldGroup; for ScopeOperation the writer's slot in the slots
// column, which the UPDATE bumps too). No row affected is
// drivers.ErrVersionMismatch.
func (s *Store) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	st, err := s.checkWrite("cas", w)
	if err != nil {
		return err
	}
	switch w.Scope {
	case drivers.ScopeFieldGroup:
		return exec(ctx, "cas", w.Key, drivers.ErrVersionMismatch, st.casGroup[w.Group],
			blob(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Key, w.Expect)
	case drivers.ScopeOperation:
		if w.Writer < 0 || w.Writer >= int64(s.spec.Slots) {
			return fmt.Errorf("sqlite: cas key %d: scope operation: writer: must be 0 … %d (Spec.Slots %d), got %d", w.Key, s.spec.Slots-1, s.spec.Slots, w.Writer)
		}
		return exec(ctx, "cas", w.Key, drivers.ErrVersionMismatch, st.casSlot[w.Group],
			blob(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Key, w.Expect, w.Writer*slotWidth)
	}
	return exec(ctx, "cas", w.Key, drivers.ErrVersionMismatch, st.casDoc[w.Group],
		blob(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Key, w.Expect)
}

// exec runs q and returns none (unwrapped: a preallocated conflict) when
// it changed no row.
func exec(ctx context.Context, op string, key int, none error, q *sql.Stmt, args ...any) error {
	res, err := q.ExecContext(ctx, args...)
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

// Put writes w.Version, w.Counter, w.GroupVersion, payload and metadata.
// With w.Fence > 0 the UPDATE also requires fence <= w.Fence and sets
// fence = w.Fence; no row affected is drivers.ErrStaleFence.
func (s *Store) Put(ctx context.Context, w *drivers.Write) error {
	st, err := s.checkWrite("put", w)
	if err != nil {
		return err
	}
	args := []any{w.Version, w.Counter, w.GroupVersion, blob(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Key}
	q := st.put[w.Group]
	if w.Fence > 0 {
		q = st.putFenced[w.Group]
		args = append(args, w.Fence)
	}
	return exec(ctx, "put", w.Key, drivers.ErrStaleFence, q, args...)
}

// ReadFenced raises the document's fence to fence and reads it, in one
// BEGIN IMMEDIATE transaction; drivers.ErrStaleFence if a higher fence was
// accepted.
func (s *Store) ReadFenced(ctx context.Context, key int, fence int64, d *drivers.Doc) error {
	st, err := s.check("read fenced", key)
	if err != nil {
		return err
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return drivers.NotSent(fail(ctx, "read fenced: begin", key, err))
	}
	defer tx.Rollback()
	if err := exec(ctx, "read fenced", key, drivers.ErrStaleFence, tx.StmtContext(ctx, st.raiseFence), fence, key); err != nil {
		return drivers.NotSent(err) // rolled back
	}
	if err := s.scan(ctx, tx.StmtContext(ctx, st.fencedRead), key, d); err != nil {
		return drivers.NotSent(fail(ctx, "read fenced", key, err))
	}
	if err := tx.Commit(); err != nil {
		return fail(ctx, "read fenced: commit", key, err)
	}
	return nil
}

// LockedUpdate runs BEGIN IMMEDIATE; SELECT version, counter, gvN;
// w.CallHold, the write lock held; UPDATE with those plus one, w's
// payload and metadata; COMMIT. A write lock not had within the busy
// timeout is a LockNotAvailable conflict.
func (s *Store) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	st, err := s.checkWrite("locked update", w)
	if err != nil {
		return err
	}
	tx, err := s.lockDB.BeginTx(ctx, nil)
	if err != nil {
		return drivers.NotSent(fail(ctx, "locked update: begin", w.Key, err))
	}
	defer tx.Rollback()
	var version, counter, gv int64
	err = tx.StmtContext(ctx, st.lockRead[w.Group]).QueryRowContext(ctx, w.Key).Scan(&version, &counter, &gv)
	if errors.Is(err, sql.ErrNoRows) {
		err = drivers.ErrNotFound
	}
	if err != nil {
		return drivers.NotSent(fail(ctx, "locked update: select", w.Key, err))
	}
	if err := w.CallHold(ctx); err != nil { // the conflict window, the write lock held
		return drivers.NotSent(fail(ctx, "locked update: hold", w.Key, err))
	}
	err = exec(ctx, "locked update: update", w.Key, errNoRow, tx.StmtContext(ctx, st.lockWrite[w.Group]),
		version+1, counter+1, gv+1, blob(w.Payload), w.Writer, w.Op, w.UpdatedAt, w.Key)
	if err != nil {
		return drivers.NotSent(err) // rolled back
	}
	if err := tx.Commit(); err != nil {
		return fail(ctx, "locked update: commit", w.Key, err)
	}
	return nil
}

func (s *Store) now() int64 {
	if s.clock == nil {
		return time.Now().UnixNano()
	}
	return s.clock.Now().UnixNano()
}

func checkLease(op string, key int, holder int64, ttl time.Duration, needTTL bool) error {
	if holder == 0 {
		return fmt.Errorf("sqlite: %s key %d: holder: must be ≠ 0 (0 marks a free lease)", op, key)
	}
	if needTTL && ttl <= 0 {
		return fmt.Errorf("sqlite: %s key %d: ttl: must be > 0, got %v", op, key, ttl)
	}
	return nil
}

// Acquire takes the lease on key for holder if it is free or expired and
// returns the new fence: one UPDATE … RETURNING fence. No row is
// drivers.ErrLeaseHeld.
func (s *Store) Acquire(ctx context.Context, key int, holder int64, ttl time.Duration) (int64, error) {
	if err := checkLease("acquire", key, holder, ttl, true); err != nil {
		return 0, err
	}
	st, err := s.check("acquire", key)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var fence int64
	err = st.acquire.QueryRowContext(ctx, holder, now+int64(ttl), key, now).Scan(&fence)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, drivers.ErrLeaseHeld
	case err != nil:
		return 0, fail(ctx, "acquire", key, err)
	}
	return fence, nil
}

// Extend pushes the expiry to now+ttl if holder holds the unexpired lease
// with fence; drivers.ErrLeaseLost otherwise.
func (s *Store) Extend(ctx context.Context, key int, holder, fence int64, ttl time.Duration) error {
	if err := checkLease("extend", key, holder, ttl, true); err != nil {
		return err
	}
	st, err := s.check("extend", key)
	if err != nil {
		return err
	}
	now := s.now()
	return exec(ctx, "extend", key, drivers.ErrLeaseLost, st.extend, now+int64(ttl), key, holder, fence, now)
}

// Release frees the lease if holder holds it with fence;
// drivers.ErrLeaseLost otherwise. The fence stays, so the next holder gets
// a higher one.
func (s *Store) Release(ctx context.Context, key int, holder, fence int64) error {
	if err := checkLease("release", key, holder, 0, false); err != nil {
		return err
	}
	st, err := s.check("release", key)
	if err != nil {
		return err
	}
	return exec(ctx, "release", key, drivers.ErrLeaseLost, st.release, key, holder, fence)
}
