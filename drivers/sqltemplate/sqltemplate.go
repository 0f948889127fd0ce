package sqltemplate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/sqltemplate/placeholder"
	"github.com/occbench/occbench/internal/redact"
)

// Templates are one driver's statements, as a scenario's write_path
// gives them (package scenarios checks them first).
type Templates struct {
	Setup    []string
	Read     string
	CAS      string
	Write    string // "" = no unconditional write: lww, check-then-write and lease are skipped
	LockRead string // "" = no locking read: pessimistic is skipped
	Audit    string // "" = the audit is unavailable, and every cell says so
	Teardown []string
}

// Table names occbench owns in the user's database: the leases it grants
// and the fence each key has accepted. Setup drops and recreates both,
// and nothing else of occbench's.
const (
	leasesTable = "occbench_tpl_leases"
	fencesTable = "occbench_tpl_fences"
)

// MaxScanKeys is the most keys for which Setup and Totals read every
// row back (Totals.Docs and Totals.Versions); above it Totals reports
// Docs = keys and Versions = 0.
const MaxScanKeys = 1000

// BusyTimeout is SQLite's busy_timeout, as the sqlite driver's.
const BusyTimeout = 5 * time.Second

var (
	_ drivers.Store             = (*Store)(nil)
	_ drivers.Reader            = (*Store)(nil)
	_ drivers.CompareAndSwapper = (*Store)(nil)
	_ drivers.Putter            = (*Store)(nil)
	_ drivers.FencedReader      = (*Store)(nil)
	_ drivers.LockedUpdater     = (*Store)(nil)
	_ drivers.Leaser            = (*Store)(nil)
	_ drivers.Limiter           = (*Store)(nil)
	_ drivers.Versioner         = (*Store)(nil)
)

// template is one parsed single-statement template.
type template struct {
	name string // "write_path.sqlite.cas"
	st   placeholder.Statement
	args []param // st.Names, as params
}

// Store runs the strategies over the user's templates. Setup must not run
// concurrently with any other method; every other method is safe for
// concurrent use.
type Store struct {
	driver  string // "postgres" or "sqlite"
	dialect placeholder.Dialect
	db      *sql.DB
	lockDB  *sql.DB // sqlite: BEGIN IMMEDIATE; postgres: db
	tmpDir  string
	clock   drivers.Clock
	ownSQL  ownSQL // occbench's lease and fence statements

	setup, teardown            []*template
	read, cas, write, lockRead *template // write, lockRead may be nil
	audit                      *template // nil: no audit

	// Set by Setup.
	spec         drivers.Spec
	st           *stmts
	readCols     []field
	lockCols     []field
	baseAudit    int64
	baseVersions int64
	ranSetup     bool
}

// stmts are one Setup's prepared statements.
type stmts struct {
	read, cas, write, lockRead, audit *sql.Stmt
	raiseFence                        *sql.Stmt // lockDB
	acquire, extend, release          *sql.Stmt
	// The read, cas and write on lockDB, for transactions (the same
	// statements when lockDB is db).
	txRead, txCAS, txWrite *sql.Stmt
}

func (st *stmts) close() {
	all := []*sql.Stmt{st.read, st.cas, st.write, st.lockRead, st.audit, st.raiseFence, st.acquire, st.extend, st.release}
	for _, tx := range []*sql.Stmt{st.txRead, st.txCAS, st.txWrite} {
		if tx != st.read && tx != st.cas && tx != st.write {
			all = append(all, tx)
		}
	}
	for _, s := range all {
		if s != nil {
			s.Close()
		}
	}
}

// Open parses t for driver ("postgres" or "sqlite") and connects to
// o.DSN: a PostgreSQL connection string, or a SQLite file (empty: a
// file in a fresh temporary directory, removed by Close). Nothing runs
// on the server until Setup. A template error names the template.
func Open(ctx context.Context, driver string, t Templates, o drivers.Options) (_ *Store, err error) {
	s := &Store{driver: driver, clock: o.Clock}
	switch driver {
	case "postgres":
		s.dialect = placeholder.Postgres
	case "sqlite":
		s.dialect = placeholder.SQLite
	default:
		return nil, fmt.Errorf("write_path: driver %q runs no templates (allowed: postgres, sqlite): %w", driver, drivers.ErrInvalidOption)
	}
	s.ownSQL = s.own()
	if err := s.parse(t); err != nil {
		return nil, err
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("write_path.%s: writers: must be ≥ 0, got %d: %w", driver, o.Writers, drivers.ErrInvalidOption)
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	conns := max(o.Writers, 1) + 2
	if driver == "postgres" {
		err = s.openPostgres(ctx, o, conns)
	} else {
		err = s.openSQLite(ctx, o, conns)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parse checks and rewrites every template.
func (s *Store) parse(t Templates) error {
	one := func(name, sql string) (*template, error) {
		path := "write_path." + s.driver + "." + name
		allowed, _ := placeholder.Allowed(strings.SplitN(name, "[", 2)[0])
		st, err := placeholder.Parse(s.dialect, sql, allowed)
		if err != nil {
			return nil, &TemplateError{Template: path, Err: err}
		}
		tp := &template{name: path, st: st}
		for _, n := range st.Names {
			p, ok := paramOf(n)
			if !ok {
				return nil, &TemplateError{Template: path, Err: fmt.Errorf("parameter @%s has no value", n)}
			}
			tp.args = append(tp.args, p)
		}
		return tp, nil
	}
	var err error
	for _, r := range []struct {
		name string
		sql  string
		dst  **template
		need bool
	}{
		{placeholder.Read, t.Read, &s.read, true},
		{placeholder.CAS, t.CAS, &s.cas, true},
		{placeholder.Write, t.Write, &s.write, false},
		{placeholder.LockRead, t.LockRead, &s.lockRead, false},
		{placeholder.Audit, t.Audit, &s.audit, false},
	} {
		if strings.TrimSpace(r.sql) == "" {
			if r.need {
				return &TemplateError{Template: "write_path." + s.driver + "." + r.name, Err: errors.New("required (a write_path needs read and cas)")}
			}
			continue
		}
		if *r.dst, err = one(r.name, r.sql); err != nil {
			return err
		}
	}
	for i, q := range t.Setup {
		tp, err := one(fmt.Sprintf("%s[%d]", placeholder.Setup, i), q)
		if err != nil {
			return err
		}
		s.setup = append(s.setup, tp)
	}
	for i, q := range t.Teardown {
		tp, err := one(fmt.Sprintf("%s[%d]", placeholder.Teardown, i), q)
		if err != nil {
			return err
		}
		s.teardown = append(s.teardown, tp)
	}
	return nil
}

func (s *Store) openPostgres(ctx context.Context, o drivers.Options, conns int) error {
	if o.DSN == "" {
		return errors.New("write_path.postgres: no connection string: pass --dsn postgres://user@host:5432/db")
	}
	cfg, err := pgx.ParseConfig(o.DSN)
	if err != nil {
		return fmt.Errorf("write_path.postgres: --dsn %q: %s", redact.DSN(o.DSN), redact.DSN(err.Error()))
	}
	switch {
	case o.ConnectTimeout > 0:
		cfg.ConnectTimeout = o.ConnectTimeout
	case cfg.ConnectTimeout == 0:
		cfg.ConnectTimeout = drivers.DefaultConnectTimeout
	}
	if o.Dial != nil {
		cfg.DialFunc = o.Dial
	}
	s.db = stdlib.OpenDB(*cfg)
	s.lockDB = s.db
	s.db.SetMaxOpenConns(conns)
	s.db.SetMaxIdleConns(conns)
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("write_path.postgres: connect %q: %s", redact.DSN(o.DSN), redact.DSN(err.Error()))
	}
	return nil
}

func (s *Store) openSQLite(ctx context.Context, o drivers.Options, conns int) error {
	path := o.DSN
	if path == "" {
		dir, err := os.MkdirTemp("", "occbench-sqltemplate-")
		if err != nil {
			return fmt.Errorf("write_path.sqlite: temporary database: %w", err)
		}
		s.tmpDir = dir
		path = filepath.Join(dir, "occbench.db")
	}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", BusyTimeout.Milliseconds())
	with := func(params string) string {
		if strings.Contains(path, "?") {
			return path + "&" + params
		}
		return path + "?" + params
	}
	for _, p := range []struct {
		db     **sql.DB
		params string
	}{{&s.db, pragmas}, {&s.lockDB, pragmas + "&_txlock=immediate"}} {
		db, err := sql.Open("sqlite", with(p.params))
		if err != nil {
			return fmt.Errorf("write_path.sqlite: --dsn %q: %w", path, err)
		}
		*p.db = db
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("write_path.sqlite: --dsn %q: %w", path, err)
		}
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("write_path.sqlite: --dsn %q: journal mode: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("write_path.sqlite: --dsn %q: journal mode is %q, not WAL (an in-memory database?)", path, mode)
	}
	return nil
}

// Close runs the teardown statements (once Setup has run), closes the
// pools and removes the temporary directory Open created.
func (s *Store) Close() error {
	var errs []error
	if s.ranSetup && len(s.teardown) > 0 && s.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for _, t := range s.teardown {
			if _, err := s.db.ExecContext(ctx, t.st.SQL, s.bind(t, &values{keys: int64(s.spec.Keys)})...); err != nil {
				errs = append(errs, &TemplateError{Template: t.name, Err: err})
				break
			}
		}
		cancel()
		s.ranSetup = false
	}
	if s.st != nil {
		s.st.close()
		s.st = nil
	}
	if s.lockDB != nil && s.lockDB != s.db {
		if err := s.lockDB.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			errs = append(errs, err)
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
		return fmt.Errorf("write_path.%s: close: %w", s.driver, err)
	}
	return nil
}

// ServerVersion returns the server's version (sqlite_version() for
// SQLite).
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	q := "SHOW server_version"
	if s.dialect == placeholder.SQLite {
		q = "SELECT sqlite_version()"
	}
	var v string
	if err := s.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "", fmt.Errorf("write_path.%s: version: %w", s.driver, err)
	}
	return v, nil
}

// Unsupported implements drivers.Limiter: the capabilities whose template
// the write_path leaves out.
func (s *Store) Unsupported(c drivers.Capability) string {
	switch {
	case c == drivers.CapPut && s.write == nil:
		return fmt.Sprintf("write_path.%s has no write template: lww, check-then-write and lease need the unconditional write", s.driver)
	case c == drivers.CapLockedUpdate && s.lockRead == nil:
		return fmt.Sprintf("write_path.%s has no lock_read template: pessimistic needs the locking read (SELECT … FOR UPDATE)", s.driver)
	}
	return ""
}
