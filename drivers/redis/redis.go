package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
)

// Name is the --driver name.
const Name = "redis"

// CompareAndSwap modes, the values of Config.CAS and of the "cas"
// parameter.
const (
	CASLua   = "lua"   // one EVALSHA of a compare-and-set script
	CASWatch = "watch" // WATCH, HGET, MULTI … EXEC
)

// ParamCAS is the Options.Params key for Config.CAS.
const ParamCAS = "cas"

// How writers reach the server: the values of Config.Conns and of the
// "conns" parameter.
const (
	// ConnsWriter (the default) gives each writer a Session: a
	// connection of its own, as redis-benchmark gives each client one.
	ConnsWriter = "writer"
	// ConnsPool makes every call borrow a connection of go-redis's
	// pool, as an application on go-redis does.
	ConnsPool = "pool"
)

// ParamConns is the Options.Params key for Config.Conns.
const ParamConns = "conns"

// MinConns is the smallest pool Open makes.
const MinConns = 4

// batch is the number of commands per pipeline in Setup and Totals.
const batch = 2000

func init() {
	drivers.Register(drivers.Driver{
		Name:    Name,
		Summary: "Redis via go-redis: Lua or WATCH/MULTI compare-and-set, fenced Lua writes, SET NX PX leases; a container, or --dsn",
		Params:  []string{ParamCAS, ParamConns},
		Server:  true,
		// Options.Namespace prefixes the keys; Attach and the
		// Coordinator's markers (coordinate.go) let runners share them.
		Namespace: true,
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
	_ drivers.Leaser            = (*Store)(nil)
	_ drivers.Sessioner         = (*Store)(nil)
)

// Config holds the settings specific to this driver.
type Config struct {
	// CAS is how CompareAndSwap is made atomic: CASLua ("" too) or
	// CASWatch.
	CAS string
	// Conns is how writers reach the server: ConnsWriter ("" too) or
	// ConnsPool.
	Conns string
}

// Store is a Redis store. Setup must not run concurrently with any other
// method; every other method is safe for concurrent use.
type Store struct {
	rdb      *goredis.Client
	watch    bool
	sessions bool       // Conns is ConnsWriter
	cc       connConfig // how a session connects
	ks       keyspace   // the keys of Options.Namespace

	// Set by Setup.
	spec    drivers.Spec
	gb      int      // spec.GroupBytes()
	keys    []string // occbench:doc:{i}
	fields  []string // every hash field, in read order
	gvNames []string // gv0 …
	pNames  []string // p0 …
	sc      scripts
	hmget   []byte // the fields of a read, RESP bulk strings, for sessions
}

// Open connects to o.DSN with the settings of o.Params (see ParamCAS).
func Open(ctx context.Context, o drivers.Options) (*Store, error) {
	c, err := configFromParams(o.Params)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, o, c)
}

func configFromParams(params map[string]string) (Config, error) {
	var c Config
	var unknown []string
	for k, v := range params {
		switch k {
		case ParamCAS:
			c.CAS = v
		case ParamConns:
			c.Conns = v
		default:
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("redis: params: unknown key %s (allowed: %s, %s)", strings.Join(unknown, ", "), ParamCAS, ParamConns)
	}
	return c, nil
}

// OpenConfig connects to o.DSN with a pool of o.Writers+2 connections (at
// least MinConns) and checks that the server answers. Sessions (with
// Conns ConnsWriter) dial connections of their own.
func OpenConfig(ctx context.Context, o drivers.Options, c Config) (*Store, error) {
	if err := drivers.ValidateNamespace(o.Namespace); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	var watch bool
	switch c.CAS {
	case "", CASLua:
	case CASWatch:
		watch = true
	default:
		return nil, fmt.Errorf("redis: %s: unknown mode %q (allowed: %s, %s)", ParamCAS, c.CAS, CASLua, CASWatch)
	}
	sessions := true
	switch c.Conns {
	case "", ConnsWriter:
	case ConnsPool:
		sessions = false
	default:
		return nil, fmt.Errorf("redis: %s: unknown mode %q (allowed: %s, %s)", ParamConns, c.Conns, ConnsWriter, ConnsPool)
	}
	if o.DSN == "" {
		return nil, errors.New("redis: no connection string: pass --dsn redis://host:6379/0")
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("redis: writers: must be ≥ 0, got %d", o.Writers)
	}
	if o.ConnectTimeout < 0 {
		return nil, fmt.Errorf("redis: connect_timeout: must be ≥ 0, got %v: %w", o.ConnectTimeout, drivers.ErrInvalidOption)
	}
	ct := o.ConnectTimeout
	if ct == 0 {
		ct = drivers.DefaultConnectTimeout
	}
	var opts *goredis.Options
	if strings.Contains(o.DSN, "://") {
		var err error
		if opts, err = goredis.ParseURL(o.DSN); err != nil {
			return nil, fmt.Errorf("redis: --dsn %q: %s", redact.DSN(o.DSN), redact.DSN(err.Error()))
		}
	} else {
		opts = &goredis.Options{Addr: o.DSN}
	}
	opts.PoolSize = max(o.Writers+2, MinConns)
	opts.MaxRetries = -1
	// Timeouts: the dial is bounded by ConnectTimeout, one attempt per
	// call (go-redis would retry 5 times, sleeping between); every
	// command by its context's deadline exactly (-1: go-redis then sets
	// the socket's deadline to ctx's, and none without one), as the
	// runner gives each attempt a deadline.
	opts.DialTimeout = ct
	opts.DialerRetries = 1
	opts.ReadTimeout, opts.WriteTimeout = -1, -1
	opts.ContextTimeoutEnabled = true
	raw := rawDialer(o.Dial, ct, opts.TLSConfig)
	opts.Dialer = dialer(raw)
	// No CLIENT MAINT_NOTIFICATIONS round trip on every connect.
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	routeLogs()
	s := &Store{watch: watch, sessions: sessions, cc: newConnConfig(opts, raw, ct), ks: keyspaceOf(o.Namespace)}
	router.join(s, o.Log)
	s.rdb = goredis.NewClient(opts)
	// The handshake after the dial is bounded by the call's context:
	// Open's is ConnectTimeout.
	pctx, cancel := context.WithTimeout(ctx, ct)
	defer cancel()
	if err := s.rdb.Ping(pctx).Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("redis: connect %q: %w", redact.DSN(o.DSN), opErr("ping", -1, classify(err), err))
	}
	return s, nil
}

// Setup deletes the previous cell's keys and seeds spec.Keys documents at
// version 0, counter 0, fence 0, with zero group versions and zero
// payloads. A cancelled ctx ends it at once (see honour).
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("redis: setup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return opErr("setup", -1, classify(err), err)
	}
	var cell setupCell
	prev := len(s.keys)
	err := honour(ctx, func(ctx context.Context) error {
		c, err := seed(ctx, s.rdb, s.ks, prev, spec)
		cell = c
		return err
	})
	if err != nil {
		return opErr("setup", -1, classify(err), err)
	}
	s.use(spec, cell)
	return nil
}

// use makes cell the store's current cell.
func (s *Store) use(spec drivers.Spec, cell setupCell) {
	s.spec, s.gb, s.keys, s.fields, s.gvNames, s.pNames, s.sc = spec, cell.gb, cell.keys, cell.fields, cell.gvNames, cell.pNames, cell.sc
	s.hmget = nil
	for _, f := range s.fields {
		s.hmget = appendBulk(s.hmget, f)
	}
}

// setupCell is what Setup leaves in the Store.
type setupCell struct {
	gb              int
	keys, fields    []string
	gvNames, pNames []string
	sc              scripts
}

// seed drops the previous cell (of prev keys, as this Store knows) and
// seeds spec's, checking ctx before each step.
func seed(ctx context.Context, rdb *goredis.Client, ks keyspace, prev int, spec drivers.Spec) (setupCell, error) {
	if err := dropPrevious(ctx, rdb, ks, prev); err != nil {
		return setupCell{}, err
	}
	// Recorded before seeding, so that a Setup that fails half way is
	// still cleaned up by the next one.
	if err := rdb.HSet(ctx, ks.meta(), metaKeysFld, spec.Keys).Err(); err != nil {
		return setupCell{}, err
	}
	n := spec.FieldGroups
	gb := spec.GroupBytes()
	args := make([]any, 0, 2*(len(fixedFields)+2*n))
	for _, f := range fixedFields {
		args = append(args, f, 0)
	}
	gvNames, pNames, keys := cellNames(ks, spec)
	for g := range n {
		args = append(args, gvNames[g], 0)
	}
	zero := make([]byte, gb)
	for g := range n {
		args = append(args, pNames[g], zero)
	}
	for lo := 0; lo < len(keys); lo += batch {
		if err := ctx.Err(); err != nil {
			return setupCell{}, err
		}
		p := rdb.Pipeline()
		for _, k := range keys[lo:min(lo+batch, len(keys))] {
			p.HSet(ctx, k, args...)
		}
		if _, err := p.Exec(ctx); err != nil {
			return setupCell{}, err
		}
	}
	return loadCell(ctx, rdb, spec, keys, gvNames, pNames)
}

// cellNames names a cell's group fields and document keys.
func cellNames(ks keyspace, spec drivers.Spec) (gvNames, pNames, keys []string) {
	n := spec.FieldGroups
	gvNames, pNames = make([]string, n), make([]string, n)
	for g := range n {
		gvNames[g], pNames[g] = gvField(g), pField(g)
	}
	keys = make([]string, spec.Keys)
	for i := range keys {
		keys[i] = ks.doc(i)
	}
	return gvNames, pNames, keys
}

// loadCell loads the cell's scripts into the server and returns what
// Setup (or Attach) leaves in the Store.
func loadCell(ctx context.Context, rdb *goredis.Client, spec drivers.Spec, keys, gvNames, pNames []string) (setupCell, error) {
	fields := readFields(spec.FieldGroups)
	sc := newScripts(fields)
	for _, script := range sc.all() {
		if err := script.rs.Load(ctx, rdb).Err(); err != nil {
			return setupCell{}, fmt.Errorf("script load: %w", err)
		}
	}
	return setupCell{gb: spec.GroupBytes(), keys: keys, fields: fields, gvNames: gvNames, pNames: pNames, sc: sc}, nil
}

// dropPrevious deletes the documents, leases and fence counters of the
// previous cell: ids 0 … n-1 for the n this Store (prev) or
// occbench:meta remembers, or, when neither does, every key SCAN finds
// for occbench:*.
func dropPrevious(ctx context.Context, rdb *goredis.Client, ks keyspace, prev int) error {
	n := prev
	m, err := rdb.HGet(ctx, ks.meta(), metaKeysFld).Int()
	switch {
	case err == nil:
		n = max(n, m)
	case !errors.Is(err, goredis.Nil):
		return err
	}
	if n == 0 {
		return dropScan(ctx, rdb, ks)
	}
	for lo := 0; lo < n; lo += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+batch, n)
		args := make([]string, 0, 3*(hi-lo))
		for i := lo; i < hi; i++ {
			args = append(args, ks.doc(i), ks.lease(i), ks.fence(i))
		}
		if err := rdb.Unlink(ctx, args...).Err(); err != nil {
			return err
		}
	}
	return rdb.Unlink(ctx, ks.meta()).Err()
}

// dropScan deletes every key matching occbench:*.
func dropScan(ctx context.Context, rdb *goredis.Client, ks keyspace) error {
	it := rdb.Scan(ctx, 0, ks.scan(), 1000).Iterator()
	var found []string
	for it.Next(ctx) {
		found = append(found, it.Val())
		if len(found) == batch {
			if err := rdb.Unlink(ctx, found...).Err(); err != nil {
				return err
			}
			found = found[:0]
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(found) > 0 {
		return rdb.Unlink(ctx, found...).Err()
	}
	return nil
}

// Totals reads counter and version of every document of the cell. A
// cancelled ctx ends it at once (see honour).
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	if err := ctx.Err(); err != nil {
		return drivers.Totals{}, notSentErr("totals", -1, classify(err), err)
	}
	var t drivers.Totals
	keys := s.keys
	err := honour(ctx, func(ctx context.Context) error {
		var err error
		t, err = totals(ctx, s.rdb, keys)
		return err
	})
	var oe *drivers.OpError
	switch {
	case errors.As(err, &oe):
		return drivers.Totals{}, err
	case err != nil:
		return drivers.Totals{}, wrapRead("totals", -1, err)
	}
	return t, nil
}

// totals sums counter and version over keys, pipelined.
func totals(ctx context.Context, rdb *goredis.Client, keys []string) (drivers.Totals, error) {
	var t drivers.Totals
	for lo := 0; lo < len(keys); lo += batch {
		if err := ctx.Err(); err != nil {
			return drivers.Totals{}, err
		}
		p := rdb.Pipeline()
		cmds := make([]*goredis.SliceCmd, 0, batch)
		for _, k := range keys[lo:min(lo+batch, len(keys))] {
			cmds = append(cmds, p.HMGet(ctx, k, "counter", "version"))
		}
		if _, err := p.Exec(ctx); err != nil {
			return drivers.Totals{}, err
		}
		for i, c := range cmds {
			v := c.Val()
			if v[0] == nil {
				continue // missing document: the audit sees fewer docs
			}
			counter, err1 := intValue(v[0])
			version, err2 := intValue(v[1])
			if err := errors.Join(err1, err2); err != nil {
				return drivers.Totals{}, opErr("totals", lo+i, drivers.ClassOther, err)
			}
			t.Docs++
			t.Counter += counter
			t.Versions += version
		}
	}
	return t, nil
}

// Close closes the client. It deletes nothing. go-redis closes its
// connections without waiting for the server.
func (s *Store) Close() error {
	err := s.rdb.Close()
	router.leave(s)
	return err
}

// ServerVersion reports redis_version from INFO server.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	info, err := s.rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", wrapRead("server version", -1, err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("redis: server version: INFO server has no redis_version")
}
