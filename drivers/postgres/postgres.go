package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
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
		Params:  []string{ParamLockWait, ParamConns, ParamTransport},
		Server:  true,
		// Options.Namespace prefixes the tables; Attach and the
		// Coordinator's markers (coordinate.go) let runners share them.
		Namespace: true,
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			return Open(ctx, o)
		},
	})
}

var (
	_ drivers.Store               = (*Store)(nil)
	_ drivers.Versioner           = (*Store)(nil)
	_ drivers.Reader              = (*Store)(nil)
	_ drivers.CompareAndSwapper   = (*Store)(nil)
	_ drivers.Putter              = (*Store)(nil)
	_ drivers.FencedReader        = (*Store)(nil)
	_ drivers.LockedUpdater       = (*Store)(nil)
	_ drivers.SerializableUpdater = (*Store)(nil)
	_ drivers.Leaser              = (*Store)(nil)
	_ drivers.Sessioner           = (*Store)(nil)

	_ drivers.Store               = (*Session)(nil)
	_ drivers.CompareAndSwapper   = (*Session)(nil)
	_ drivers.Putter              = (*Session)(nil)
	_ drivers.FencedReader        = (*Session)(nil)
	_ drivers.LockedUpdater       = (*Session)(nil)
	_ drivers.SerializableUpdater = (*Session)(nil)
	_ drivers.Leaser              = (*Session)(nil)
)

// Config holds the settings specific to this driver.
type Config struct {
	// LockWait is LockedUpdate's lock mode: LockWait ("" too) or
	// LockNoWait.
	LockWait string
	// Conns is how writers reach the server: ConnsWriter ("" too: a
	// Session per writer) or ConnsPool (the shared pool).
	Conns string
	// Transport is how a session's connection waits for the server:
	// TransportAuto (""), TransportBlocking or TransportNetpoll. The pool
	// always uses Go's netpoller.
	Transport string
}

// Store is a PostgreSQL store. Setup must not run concurrently with any
// other method; every other method is safe for concurrent use.
type Store struct {
	pool       *pgxpool.Pool
	connCfg    *pgconn.Config // how sessions dial: the pool's settings
	nowait     bool
	sessions   bool         // Session offers connections of writers' own
	blocking   bool         // sessions' connections are blockConns
	sessionSeq atomic.Int64 // names sessions' prepared statements
	tables     tables       // in Options.Namespace
	fixed      fixedSQL     // statements of tables that no cell changes

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
		case ParamTransport:
			c.Transport = v
		default:
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("postgres: params: unknown key %s (allowed: %s, %s, %s)", strings.Join(unknown, ", "), ParamLockWait, ParamConns, ParamTransport)
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
	var blocking bool
	switch c.Transport {
	case "", TransportAuto:
		// A writer waiting in ppoll keeps its P (its thread's right to run
		// Go code); with as many writers as Ps, every P is in a system
		// call and the runtime hands them round, which costs more than
		// the netpoller (bench/PARITY.md, session 3).
		blocking = blockingSupported && o.Writers < runtime.GOMAXPROCS(0)
	case TransportBlocking:
		if !blockingSupported {
			return nil, fmt.Errorf("postgres: %s: %s is Linux only (allowed here: %s)", ParamTransport, TransportBlocking, TransportNetpoll)
		}
		blocking = true
	case TransportNetpoll:
		blocking = false
	default:
		return nil, fmt.Errorf("postgres: %s: unknown mode %q (allowed: %s, %s, %s)", ParamTransport, c.Transport, TransportAuto, TransportBlocking, TransportNetpoll)
	}
	if err := drivers.ValidateNamespace(o.Namespace); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if o.DSN == "" {
		return nil, errors.New("postgres: no connection string: pass --dsn postgres://user@host:5432/db")
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("postgres: writers: must be ≥ 0, got %d", o.Writers)
	}
	if o.ConnectTimeout < 0 {
		return nil, fmt.Errorf("postgres: connect_timeout: must be ≥ 0, got %v: %w", o.ConnectTimeout, drivers.ErrInvalidOption)
	}
	cfg, err := pgxpool.ParseConfig(o.DSN)
	if err != nil {
		// pgx's message masks passwords only on a best-effort basis, and
		// the error itself keeps the raw string: keep neither.
		return nil, fmt.Errorf("postgres: --dsn %q: %s", redact.DSN(o.DSN), redact.DSN(err.Error()))
	}
	cfg.MaxConns = int32(max(o.Writers+2, MinConns))
	// Every connect, the pool's and the sessions', is bounded: by
	// Options.ConnectTimeout, else the DSN's connect_timeout, else the
	// default. pgx applies it to each address it tries.
	switch {
	case o.ConnectTimeout > 0:
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	case cfg.ConnConfig.ConnectTimeout == 0:
		cfg.ConnConfig.ConnectTimeout = drivers.DefaultConnectTimeout
	}
	if o.Dial != nil {
		cfg.ConnConfig.DialFunc = o.Dial
	}
	// The pool pings a connection idle for over a second before handing
	// it out; on a hung server the ping must end too.
	cfg.PingTimeout = cfg.ConnConfig.ConnectTimeout
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
	connCfg := cfg.ConnConfig.Config.Copy()
	if blocking {
		dial := connCfg.DialFunc
		connCfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return newBlockConn(c)
		}
	}
	t := tablesIn(o.Namespace)
	return &Store{pool: pool, connCfg: connCfg, nowait: nowait, sessions: sessions, blocking: blocking, tables: t, fixed: buildFixed(t)}, nil
}

// Setup drops occbench_docs and occbench_leases if they exist, recreates
// them for spec and seeds spec.Keys rows in each, in one transaction.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	gb := spec.GroupBytes()
	zero := make([]byte, gb) // never nil: nil would be NULL
	q := buildSetup(s.tables, spec.FieldGroups)
	keys := int64(spec.Keys)
	c, err := s.fresh(ctx, "setup")
	if err != nil {
		return err
	}
	defer c.Release()
	// One-off statements: QueryExecModeExec and the simple protocol keep
	// them out of the statement cache.
	err = pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
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
	if _, err := c.Exec(ctx, "ANALYZE "+s.tables.docs+", "+s.tables.leases, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	s.prepare(spec)
	return nil
}

// prepare builds the statements of a cell of spec.
func (s *Store) prepare(spec drivers.Spec) {
	s.spec = spec
	s.gb = spec.GroupBytes()
	s.sql = buildStatements(s.tables, spec.FieldGroups, s.nowait)
	s.sessionSQL = buildSessionStatements(s.sql, s.fixed)
}

// Totals counts the documents and sums their counters and versions.
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	var t drivers.Totals
	c, err := s.fresh(ctx, "totals")
	if err != nil {
		return drivers.Totals{}, err
	}
	defer c.Release()
	if err := c.QueryRow(ctx, s.fixed.totals).Scan(&t.Docs, &t.Counter, &t.Versions); err != nil {
		return drivers.Totals{}, s.fail("totals", -1, err, true)
	}
	return t, nil
}

// fresh acquires a pool connection that answers a ping, for the calls
// the harness makes once per cell (Setup, Totals, ServerVersion): they
// must not fail on a connection the server closed while the pool kept
// it idle (pgx pings only connections idle for over a second). A
// connection that does not answer is dropped, with the rest of the
// pool, and one new connection dialed; nothing else is retried.
func (s *Store) fresh(ctx context.Context, op string) (*pgxpool.Conn, error) {
	c, err := s.acquire(ctx, op, -1)
	if err != nil {
		return nil, err
	}
	perr := c.Ping(ctx)
	if perr == nil {
		return c, nil
	}
	c.Release()
	if ctx.Err() != nil {
		return nil, s.fail(op, -1, perr, true)
	}
	s.pool.Reset()
	return s.acquire(ctx, op, -1)
}

// CloseWithin bounds Close: the pool waits for the connections that
// calls still hold, and for pgx to finish closing the broken ones (it
// sends the server a cancel request first), which a hung server delays.
const CloseWithin = 1500 * time.Millisecond

// Close closes the pool. It drops nothing. It returns within
// CloseWithin; connections still busy then are closed in the background
// when their calls end, and Close says so.
func (s *Store) Close() error {
	done := make(chan struct{})
	go func() {
		s.pool.Close()
		close(done)
	}()
	t := time.NewTimer(CloseWithin)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("postgres: close: connections still busy after %v; closing them in the background", CloseWithin)
	}
}

// ServerVersion reports SHOW server_version.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	c, err := s.fresh(ctx, "server version")
	if err != nil {
		return "", err
	}
	defer c.Release()
	var v string
	if err := c.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", s.fail("server version", -1, err, true)
	}
	return v, nil
}
