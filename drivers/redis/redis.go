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

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/strategy"
)

// Name is the --driver name.
const Name = "redis"

// CompareAndSwap modes, the values of Config.CAS and of the "cas"
// parameter.
const (
	CASLua   = "lua"   // one EVALSHA of a compare-and-set script
	CASWatch = "watch" // WATCH, HGET, MULTI … EXEC
)

// ParamCAS is the Options.Params key read by Open.
const ParamCAS = "cas"

// MinConns is the smallest pool Open makes.
const MinConns = 4

// batch is the number of commands per pipeline in Setup and Totals.
const batch = 2000

func init() {
	drivers.Register(drivers.Driver{
		Name:    Name,
		Summary: "Redis via go-redis: Lua or WATCH/MULTI compare-and-set, fenced Lua writes, SET NX PX leases; a container, or --dsn",
		Params:  []string{ParamCAS},
		Server:  true,
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			return Open(ctx, o)
		},
	})
}

var (
	_ drivers.Store              = (*Store)(nil)
	_ drivers.Versioner          = (*Store)(nil)
	_ strategy.Reader            = (*Store)(nil)
	_ strategy.CompareAndSwapper = (*Store)(nil)
	_ strategy.Putter            = (*Store)(nil)
	_ strategy.FencedReader      = (*Store)(nil)
	_ strategy.Leaser            = (*Store)(nil)
)

// Config holds the settings specific to this driver.
type Config struct {
	// CAS is how CompareAndSwap is made atomic: CASLua ("" too) or
	// CASWatch.
	CAS string
}

// Store is a Redis store. Setup must not run concurrently with any other
// method; every other method is safe for concurrent use.
type Store struct {
	rdb   *goredis.Client
	watch bool

	// Set by Setup.
	spec    drivers.Spec
	gb      int      // spec.GroupBytes()
	keys    []string // occbench:doc:{i}
	fields  []string // every hash field, in read order
	gvNames []string // gv0 …
	pNames  []string // p0 …
	sc      scripts
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
		default:
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, fmt.Errorf("redis: params: unknown key %s (allowed: %s)", strings.Join(unknown, ", "), ParamCAS)
	}
	return c, nil
}

// OpenConfig connects to o.DSN with a pool of o.Writers+2 connections (at
// least MinConns) and checks that the server answers.
func OpenConfig(ctx context.Context, o drivers.Options, c Config) (*Store, error) {
	var watch bool
	switch c.CAS {
	case "", CASLua:
	case CASWatch:
		watch = true
	default:
		return nil, fmt.Errorf("redis: %s: unknown mode %q (allowed: %s, %s)", ParamCAS, c.CAS, CASLua, CASWatch)
	}
	if o.DSN == "" {
		return nil, errors.New("redis: no connection string: pass --dsn redis://host:6379/0")
	}
	if o.Writers < 0 {
		return nil, fmt.Errorf("redis: writers: must be ≥ 0, got %d", o.Writers)
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
	opts.ContextTimeoutEnabled = true
	rdb := goredis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis: connect %q: %w", redact.DSN(o.DSN), opErr("ping", -1, classify(err), err))
	}
	return &Store{rdb: rdb, watch: watch}, nil
}

// Setup deletes the previous cell's keys and seeds spec.Keys documents at
// version 0, counter 0, fence 0, with zero group versions and zero
// payloads.
func (s *Store) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("redis: setup: %w", err)
	}
	if err := s.dropPrevious(ctx); err != nil {
		return opErr("setup", -1, classify(err), err)
	}
	// Recorded before seeding, so that a Setup that fails half way is
	// still cleaned up by the next one.
	if err := s.rdb.HSet(ctx, metaKey, metaKeysFld, spec.Keys).Err(); err != nil {
		return opErr("setup", -1, classify(err), err)
	}
	n := spec.FieldGroups
	gb := spec.GroupBytes()
	seed := make([]any, 0, 2*(len(fixedFields)+2*n))
	for _, f := range fixedFields {
		seed = append(seed, f, 0)
	}
	gvNames, pNames := make([]string, n), make([]string, n)
	for g := range n {
		gvNames[g], pNames[g] = gvField(g), pField(g)
		seed = append(seed, gvNames[g], 0)
	}
	zero := make([]byte, gb)
	for g := range n {
		seed = append(seed, pNames[g], zero)
	}
	keys := make([]string, spec.Keys)
	for i := range keys {
		keys[i] = docKey(i)
	}
	for lo := 0; lo < len(keys); lo += batch {
		p := s.rdb.Pipeline()
		for _, k := range keys[lo:min(lo+batch, len(keys))] {
			p.HSet(ctx, k, seed...)
		}
		if _, err := p.Exec(ctx); err != nil {
			return opErr("setup", -1, classify(err), err)
		}
	}
	fields := readFields(n)
	sc := newScripts(fields)
	for _, script := range sc.all() {
		if err := script.Load(ctx, s.rdb).Err(); err != nil {
			return opErr("setup: script load", -1, classify(err), err)
		}
	}
	s.spec, s.gb, s.keys, s.fields, s.gvNames, s.pNames, s.sc = spec, gb, keys, fields, gvNames, pNames, sc
	return nil
}

// dropPrevious deletes the documents, leases and fence counters of the
// previous cell: ids 0 … n-1 for the n this Store or occbench:meta
// remembers, or, when neither does, every key SCAN finds for occbench:*.
func (s *Store) dropPrevious(ctx context.Context) error {
	n := len(s.keys)
	m, err := s.rdb.HGet(ctx, metaKey, metaKeysFld).Int()
	switch {
	case err == nil:
		n = max(n, m)
	case !errors.Is(err, goredis.Nil):
		return err
	}
	if n == 0 {
		return s.dropScan(ctx)
	}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		args := make([]string, 0, 3*(hi-lo))
		for i := lo; i < hi; i++ {
			args = append(args, docKey(i), leaseKey(i), fenceKey(i))
		}
		if err := s.rdb.Unlink(ctx, args...).Err(); err != nil {
			return err
		}
	}
	return s.rdb.Unlink(ctx, metaKey).Err()
}

// dropScan deletes every key matching occbench:*.
func (s *Store) dropScan(ctx context.Context) error {
	it := s.rdb.Scan(ctx, 0, scanPattern, 1000).Iterator()
	var found []string
	for it.Next(ctx) {
		found = append(found, it.Val())
		if len(found) == batch {
			if err := s.rdb.Unlink(ctx, found...).Err(); err != nil {
				return err
			}
			found = found[:0]
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(found) > 0 {
		return s.rdb.Unlink(ctx, found...).Err()
	}
	return nil
}

// Totals reads counter and version of every document of the cell.
func (s *Store) Totals(ctx context.Context) (drivers.Totals, error) {
	var t drivers.Totals
	for lo := 0; lo < len(s.keys); lo += batch {
		p := s.rdb.Pipeline()
		cmds := make([]*goredis.SliceCmd, 0, batch)
		for _, k := range s.keys[lo:min(lo+batch, len(s.keys))] {
			cmds = append(cmds, p.HMGet(ctx, k, "counter", "version"))
		}
		if _, err := p.Exec(ctx); err != nil {
			return drivers.Totals{}, wrap("totals", -1, err)
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

// Close closes the client. It deletes nothing.
func (s *Store) Close() error { return s.rdb.Close() }

// ServerVersion reports redis_version from INFO server.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	info, err := s.rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", wrap("server version", -1, err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("redis: server version: INFO server has no redis_version")
}
