package sqltemplate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/sqltemplate/placeholder"
)

// ownSQL are the statements of occbench's own tables in one dialect.
type ownSQL struct {
	ddl                              []string
	seed                             []string // one parameter: the number of keys
	raiseFence                       string   // fence, key
	acquire, extend, release         string
	acquireArgs, extendArgs, relArgs func(s *Store, key int, holder, fence, ttl int64) []any
}

const seriesSQLite = "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?1) "

func (s *Store) own() ownSQL {
	if s.dialect == placeholder.SQLite {
		return ownSQL{
			ddl: []string{
				"DROP TABLE IF EXISTS " + leasesTable,
				"DROP TABLE IF EXISTS " + fencesTable,
				"CREATE TABLE " + leasesTable + " (id INTEGER PRIMARY KEY, holder INTEGER NOT NULL, expires_at INTEGER NOT NULL, fence INTEGER NOT NULL)",
				"CREATE TABLE " + fencesTable + " (id INTEGER PRIMARY KEY, fence INTEGER NOT NULL)",
			},
			seed: []string{
				seriesSQLite + "INSERT INTO " + leasesTable + " SELECT i, 0, 0, 0 FROM seq",
				seriesSQLite + "INSERT INTO " + fencesTable + " SELECT i, 0 FROM seq",
			},
			raiseFence: "UPDATE " + fencesTable + " SET fence = ?1 WHERE id = ?2 AND fence <= ?1",
			// The client's clock (Options.Clock) expires leases, as the
			// sqlite driver's.
			acquire: "UPDATE " + leasesTable + " SET holder = ?1, expires_at = ?2, fence = fence + 1 WHERE id = ?3 AND (holder = 0 OR expires_at <= ?4) RETURNING fence",
			acquireArgs: func(s *Store, key int, holder, _, ttl int64) []any {
				now := s.now()
				return []any{holder, now + ttl, key, now}
			},
			extend: "UPDATE " + leasesTable + " SET expires_at = ?1 WHERE id = ?2 AND holder = ?3 AND fence = ?4 AND expires_at > ?5",
			extendArgs: func(s *Store, key int, holder, fence, ttl int64) []any {
				now := s.now()
				return []any{now + ttl, key, holder, fence, now}
			},
			release: "UPDATE " + leasesTable + " SET holder = 0, expires_at = 0 WHERE id = ?1 AND holder = ?2 AND fence = ?3",
			relArgs: func(_ *Store, key int, holder, fence, _ int64) []any { return []any{key, holder, fence} },
		}
	}
	return ownSQL{
		ddl: []string{
			"DROP TABLE IF EXISTS " + leasesTable + ", " + fencesTable,
			"CREATE TABLE " + leasesTable + " (id bigint PRIMARY KEY, holder bigint NOT NULL, expires_at timestamptz NOT NULL, fence bigint NOT NULL)",
			"CREATE TABLE " + fencesTable + " (id bigint PRIMARY KEY, fence bigint NOT NULL)",
		},
		seed: []string{
			"INSERT INTO " + leasesTable + " SELECT g, 0, '-infinity', 0 FROM generate_series(0, $1::bigint - 1) AS g",
			"INSERT INTO " + fencesTable + " SELECT g, 0 FROM generate_series(0, $1::bigint - 1) AS g",
		},
		raiseFence: "UPDATE " + fencesTable + " SET fence = $1 WHERE id = $2 AND fence <= $1",
		// The server's clock (now()) expires leases, as the postgres
		// driver's.
		acquire: "UPDATE " + leasesTable + " SET holder = $2, expires_at = now() + $3::bigint * interval '1 microsecond', fence = fence + 1 " +
			"WHERE id = $1 AND (holder = 0 OR expires_at <= now()) RETURNING fence",
		acquireArgs: func(_ *Store, key int, holder, _, ttl int64) []any { return []any{key, holder, ttl / 1000} },
		extend: "UPDATE " + leasesTable + " SET expires_at = now() + $4::bigint * interval '1 microsecond' " +
			"WHERE id = $1 AND holder = $2 AND fence = $3 AND expires_at > now()",
		extendArgs: func(_ *Store, key int, holder, fence, ttl int64) []any { return []any{key, holder, fence, ttl / 1000} },
		release:    "UPDATE " + leasesTable + " SET holder = 0, expires_at = '-infinity' WHERE id = $1 AND holder = $2 AND fence = $3",
		relArgs:    func(_ *Store, key int, holder, fence, _ int64) []any { return []any{key, holder, fence} },
	}
}

// Setup recreates occbench's lease and fence tables (spec.Keys rows
// each), runs the setup statements in order (each in its own
// transaction, @keys bound), prepares every template, and checks what
// can be checked without writing: the read and lock_read return a
// version column and find keys 0 and keys−1, a write that binds
// @counter has a read that returns counter, and the audit returns one
// integer, which Totals subtracts from its own. A statement the server
// refuses is a *TemplateError naming it.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("write_path.%s: setup: %w", s.driver, err)
	}
	if spec.FieldGroups != 1 || spec.Slots != 0 {
		return fmt.Errorf("write_path.%s: setup: field_groups must be 1 and scope document (got %d field groups, %d slots): %w", s.driver, spec.FieldGroups, spec.Slots, drivers.ErrInvalidOption)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write_path.%s: setup: %w", s.driver, err)
	}
	if s.st != nil {
		s.st.close()
		s.st = nil
	}
	s.spec = spec
	keys := int64(spec.Keys)
	own := s.ownSQL
	for _, q := range own.ddl {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write_path.%s: setup: %s: %w", s.driver, q, err)
		}
	}
	for _, q := range own.seed {
		if _, err := s.db.ExecContext(ctx, q, keys); err != nil {
			return fmt.Errorf("write_path.%s: setup: %s: %w", s.driver, q, err)
		}
	}
	s.ranSetup = true
	for _, t := range s.setup {
		if _, err := s.db.ExecContext(ctx, t.st.SQL, s.bind(t, &values{keys: keys})...); err != nil {
			return s.templateErr(t, err)
		}
	}
	st, err := s.prepare(ctx, own)
	if err != nil {
		return err
	}
	s.st = st
	return s.check(ctx)
}

// templateErr is a *TemplateError for a server's refusal of t, or a
// plain error when the server could not be reached.
func (s *Store) templateErr(t *template, err error) error {
	if serverError(err) {
		return &TemplateError{Template: t.name, Err: err}
	}
	return fmt.Errorf("%s: %w", t.name, err)
}

// prepare prepares the templates and occbench's own statements.
func (s *Store) prepare(ctx context.Context, own ownSQL) (_ *stmts, err error) {
	st := &stmts{}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	for _, p := range []struct {
		t  *template
		db *sql.DB
		to **sql.Stmt
	}{
		{s.read, s.db, &st.read}, {s.cas, s.db, &st.cas}, {s.write, s.db, &st.write},
		{s.lockRead, s.lockDB, &st.lockRead}, {s.audit, s.db, &st.audit},
	} {
		if p.t == nil {
			continue
		}
		if *p.to, err = p.db.PrepareContext(ctx, p.t.st.SQL); err != nil {
			return nil, s.templateErr(p.t, err)
		}
	}
	// Transactions run on lockDB: they need its own statements.
	st.txRead, st.txCAS, st.txWrite = st.read, st.cas, st.write
	if s.lockDB != s.db {
		for _, p := range []struct {
			t  *template
			to **sql.Stmt
		}{{s.read, &st.txRead}, {s.cas, &st.txCAS}, {s.write, &st.txWrite}} {
			if p.t == nil {
				continue
			}
			if *p.to, err = s.lockDB.PrepareContext(ctx, p.t.st.SQL); err != nil {
				return nil, s.templateErr(p.t, err)
			}
		}
	}
	for _, p := range []struct {
		q  string
		db *sql.DB
		to **sql.Stmt
	}{
		{own.raiseFence, s.lockDB, &st.raiseFence}, {own.acquire, s.db, &st.acquire},
		{own.extend, s.db, &st.extend}, {own.release, s.db, &st.release},
	} {
		if *p.to, err = p.db.PrepareContext(ctx, p.q); err != nil {
			return nil, fmt.Errorf("write_path.%s: setup: prepare %s: %w", s.driver, p.q, err)
		}
	}
	return st, nil
}

// check dry-runs the reads and the audit after the setup.
func (s *Store) check(ctx context.Context) error {
	cols, err := s.readColumns(ctx, s.st.read, s.read)
	if err != nil {
		return err
	}
	s.readCols = cols
	if s.write != nil && s.write.st.Uses("counter") && !has(cols, fCounter) {
		return &TemplateError{Template: s.write.name, Err: fmt.Errorf("binds @counter (the read's counter + 1), but %s returns no counter column", s.read.name)}
	}
	if s.lockRead != nil {
		tx, err := s.lockDB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("%s: begin: %w", s.lockRead.name, err)
		}
		cols, err := s.readColumns(ctx, tx.StmtContext(ctx, s.st.lockRead), s.lockRead)
		_ = tx.Rollback()
		if err != nil {
			return err
		}
		s.lockCols = cols
	}
	s.baseAudit = 0
	if s.audit != nil {
		if s.baseAudit, err = s.runAudit(ctx); err != nil {
			return err
		}
	}
	s.baseVersions = 0
	if s.spec.Keys <= MaxScanKeys {
		_, v, err := s.scanAll(ctx)
		if err != nil {
			return err
		}
		s.baseVersions = v
	}
	return nil
}

// readColumns runs a read for keys 0 and keys−1 and maps its columns.
func (s *Store) readColumns(ctx context.Context, q *sql.Stmt, t *template) ([]field, error) {
	var cols []field
	for _, key := range []int{0, s.spec.Keys - 1} {
		rows, err := q.QueryContext(ctx, s.bind(t, &values{key: int64(key)})...)
		if err != nil {
			return nil, s.templateErr(t, err)
		}
		names, err := rows.Columns()
		if err == nil && cols == nil {
			cols, err = columns(names)
			if err != nil {
				rows.Close()
				return nil, &TemplateError{Template: t.name, Err: err}
			}
		}
		var d drivers.Doc
		found := rows.Next()
		if found {
			if err = scan(rows, cols, key, &d); err != nil {
				rows.Close()
				return nil, &TemplateError{Template: t.name, Err: fmt.Errorf("key %d: %w", key, err)}
			}
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return nil, s.templateErr(t, err)
		}
		if !found {
			return nil, &TemplateError{Template: t.name, Err: fmt.Errorf("no row for @key = %d after setup: setup must create keys 0 … @keys−1 (%d keys)", key, s.spec.Keys)}
		}
	}
	return cols, nil
}

// runAudit runs the audit: one row, one integer column (NULL = 0).
func (s *Store) runAudit(ctx context.Context) (int64, error) {
	rows, err := s.st.audit.QueryContext(ctx, s.bind(s.audit, &values{keys: int64(s.spec.Keys)})...)
	if err != nil {
		return 0, s.templateErr(s.audit, err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return 0, s.templateErr(s.audit, err)
	}
	if len(names) != 1 {
		return 0, &TemplateError{Template: s.audit.name, Err: fmt.Errorf("returns %d columns, want one integer (the committed ops the store holds)", len(names))}
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, s.templateErr(s.audit, err)
		}
		return 0, &TemplateError{Template: s.audit.name, Err: errors.New("returns no row, want one integer (the committed ops the store holds)")}
	}
	var n sql.NullInt64
	if err := rows.Scan(&n); err != nil {
		return 0, &TemplateError{Template: s.audit.name, Err: fmt.Errorf("want one integer (the committed ops the store holds): %w", err)}
	}
	if rows.Next() {
		return 0, &TemplateError{Template: s.audit.name, Err: errors.New("returns more than one row, want one integer (the committed ops the store holds)")}
	}
	return n.Int64, rows.Err()
}

// scanAll reads every key: the rows found and Σ version.
func (s *Store) scanAll(ctx context.Context) (docs, versions int64, err error) {
	var d drivers.Doc
	for key := range s.spec.Keys {
		err := s.readInto(ctx, s.st.read, key, &d)
		if errors.Is(err, drivers.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		docs++
		versions += d.Version
	}
	return docs, versions, nil
}

// errNoAudit is Totals' answer when the write_path has no audit.
var errNoAudit = errors.New("has no audit template: nothing reads back what the store holds, so no lost update can be seen")

// Totals runs the audit: Counter is its integer less its value after
// Setup. Docs and Versions come from reading every key back (Σ version
// less its value after Setup) when there are at most MaxScanKeys keys;
// above, Docs is the keys and Versions 0. Without an audit template it
// fails, and the runner marks the cell's audit unavailable.
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	if s.st == nil {
		return drivers.Totals{}, fmt.Errorf("write_path.%s: totals: Setup has not run", s.driver)
	}
	if s.audit == nil {
		return drivers.Totals{}, fmt.Errorf("write_path.%s %w", s.driver, errNoAudit)
	}
	n, err := s.runAudit(ctx)
	if err != nil {
		return drivers.Totals{}, err
	}
	t := drivers.Totals{Docs: int64(s.spec.Keys), Counter: n - s.baseAudit}
	if s.spec.Keys <= MaxScanKeys {
		docs, v, err := s.scanAll(ctx)
		if err != nil {
			return drivers.Totals{}, err
		}
		t.Docs, t.Versions = docs, v-s.baseVersions
	}
	return t, nil
}
