package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/strategy"
)

// Name is the --driver name.
const Name = "postgres"

// LockedUpdate's lock modes, the values of Config.LockWait and of the
// "lock_wait" parameter.
const (
	LockWait   = "wait"   // SELECT … FOR UPDATE: wait for the row lock
	LockNoWait = "nowait" // SELECT … FOR UPDATE NOWAIT: fail with 55P03
)

// ParamLockWait is the Options.Params key read by Open.
const ParamLockWait = "lock_wait"

// MinConns is the smallest pool Open makes.
const MinConns = 4

func init() {
	drivers.Register(drivers.Driver{
		Name:    Name,
		Summary: "PostgreSQL via pgx (a connection per writer, or pgxpool): conditional UPDATE, SELECT … FOR UPDATE [NOWAIT], SERIALIZABLE, lease rows; a container, or --dsn",
		Params:  []string{ParamLockWait, ParamConns},
		Server:  true,
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			return Open(ctx, o)
		},
	})
}

var (
	_ drivers.Store                = (*Store)(nil)
	_ drivers.Versioner            = (*Store)(nil)
	_ strategy.Reader              = (*Store)(nil)
	_ strategy.CompareAndSwapper   = (*Store)(nil)
	_ strategy.Putter              = (*Store)(nil)
	_ strategy.FencedReader        = (*Store)(nil)
	_ strategy.LockedUpdater       = (*Store)(nil)
	_ strategy.SerializableUpdater = (*Store)(nil)
	_ strategy.Leaser              = (*Store)(nil)
	_ drivers.Sessioner            = (*Store)(nil)

	_ drivers.Store                = (*Session)(nil)
	_ strategy.CompareAndSwapper   = (*Session)(nil)
	_ strategy.Putter              = (*Session)(nil)
	_ strategy.FencedReader        = (*Session)(nil)
	_ strategy.LockedUpdater       = (*Session)(nil)
	_ strategy.SerializableUpdater = (*Session)(nil)
	_ strategy.Leaser              = (*Session)(nil)
)

// Config holds the settings specific to this driver.
type Config struct {
	// LockWait is LockedUpdate's lock mode: LockWait ("" too) or
	// LockNoWait.
	LockWait string
	// Conns is how writers reach the server: ConnsWriter ("" too: a
	// Session per writer) or ConnsPool (the shared pool).
	Conns string
}

// Store is a PostgreSQL store. Setup must not run concurrently with any
// other method; every other method is safe for concurrent use.
type Store struct {
	pool         *pgxpool.Pool
	nowait       bool
	sessions     bool         // Session offers connections of writers' own
	sessionSeq   atomic.Int64 // names sessions' prepared statements
	maxConns     int32        // the pool's size
	openSessions atomic.Int64 // sessions not closed yet

	// Set by Setup.
	spec       drivers.Spec
	gb         int // spec.GroupBytes()
	sql        statements
	sessionSQL sessionStatements // s.sql by index, as sessions prepare it
}

// Open connects to o.DSN with the settings of o.Params (see
// ParamLockWait).
func Open(ctx context.Context, o drivers.Options) (*Store, error) {
	c, err := configFromParams(o.Params)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, o, c)
}

// configFromParams reads Config from driver parameters.
func configFromParams(params map[string]string) (Config, error) {
	var c Config
	var unknown []string
	for k, v := range params {
		switch k {
		case ParamLockWait:
			c.LockWait = v
		case ParamConns:
			c.Conns = v
		default:
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("postgres: params: unknown key %s (allowed: %s, %s)", strings.Join(unknown, ", "), ParamLockWait, ParamConns)
	}
	return c, nil
}

// OpenConfig connects to o.DSN with a pool of o.Writers+2 connections (at
// least MinConns) and checks that the server answers.
func OpenConfig(ctx context.Context, o drivers.Options, c Config) (*Store, error) {
	var nowait bool
	switch c.LockWait {
	case "", LockWait:
	case LockNoWait:
		nowait = true
	default:
		return nil, fmt.Errorf("postgres: %s: unknown mode %q (allowed: %s, %s)", ParamLockWait, c.LockWait, LockWait, LockNoWait)
	}
	sessions := true
	switch c.Conns {
	case "", ConnsWriter:
	case ConnsPool:
		sessions = false
	default:
		return nil, fmt.Errorf("postgres: %s: unknown mode %q (allowed: %s, %s)", ParamConns, c.Conns, ConnsWriter, ConnsPool)
	}
	if o.DSN == "" {
		return nil, errors.New("postgres: no connection string: pass --dsn postgres://user@host:5432/db")
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("postgres: writers: must be ≥ 0, got %d", o.Writers)
	}
	cfg, err := pgxpool.ParseConfig(o.DSN)
	if err != nil {
		// pgx's message masks passwords only on a best-effort basis, and
		// the error itself keeps the raw string: keep neither.
		return nil, fmt.Errorf("postgres: --dsn %q: %s", redact.DSN(o.DSN), redact.DSN(err.Error()))
	}
	cfg.MaxConns = int32(max(o.Writers+2, MinConns))
	if mode := cfg.ConnConfig.DefaultQueryExecMode; mode != pgx.QueryExecModeCacheStatement {
		// The DSN asked for another exec mode (simple_protocol for a
		// transaction-pooling proxy, say): no prepared statements of our
		// own either.
		if c.Conns == ConnsWriter {
			return nil, fmt.Errorf("postgres: %s=%s needs prepared statements, but the DSN sets default_query_exec_mode=%s (use %s=%s)", ParamConns, ConnsWriter, strings.ReplaceAll(mode.String(), " ", "_"), ParamConns, ConnsPool)
		}
		sessions = false
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: --dsn %q: %w", redact.DSN(o.DSN), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect %q: %w", redact.DSN(o.DSN), err)
	}
	return &Store{pool: pool, nowait: nowait, sessions: sessions, maxConns: cfg.MaxConns}, nil
}

// Setup drops occbench_docs and occbench_leases if they exist, recreates
// them for spec and seeds spec.Keys rows in each, in one transaction.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	gb := spec.GroupBytes()
	zero := make([]byte, gb) // never nil: nil would be NULL
	q := buildSetup(spec.FieldGroups)
	keys := int64(spec.Keys)
	// One-off statements: QueryExecModeExec and the simple protocol keep
	// them out of the statement cache.
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, ddl := range q.ddl {
			if _, err := tx.Exec(ctx, ddl, pgx.QueryExecModeSimpleProtocol); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, q.seedDocs, pgx.QueryExecModeExec, keys, zero); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q.seedLeases, pgx.QueryExecModeExec, keys)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE "+docsTable+", "+leasesTable, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	s.spec = spec
	s.gb = gb
	s.sql = buildStatements(spec.FieldGroups, s.nowait)
	s.sessionSQL = buildSessionStatements(s.sql)
	return nil
}

// Totals counts the documents and sums their counters and versions.
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	var t drivers.Totals
	err := s.pool.QueryRow(ctx, totalsSQL).Scan(&t.Docs, &t.Counter, &t.Versions)
	if err != nil {
		return drivers.Totals{}, wrap("totals", -1, err)
	}
	return t, nil
}

// Close closes the pool. It drops nothing.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// ServerVersion reports SHOW server_version.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := s.pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", wrap("server version", -1, err)
	}
	return v, nil
}
