package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
)

// Templates are a write_path's Lua scripts for Redis, as a scenario's
// write_path.redis gives them (package scenarios checks them first).
// See the package doc, "Templates", for KEYS, ARGV and the replies.
type Templates struct {
	KeyPattern string // "orders:{key}": {key} is the key index
	Setup      []string
	Read       string
	CAS        string
	Write      string // "" = no unconditional write: lww, check-then-write and lease are skipped
	Audit      string // "" = the audit is unavailable, and every cell says so
	Teardown   []string
}

// TemplateMaxScanKeys is the most keys for which Setup and Totals run
// the read of every key (Totals.Docs and Totals.Versions); above it
// Totals reports Docs = keys and Versions = 0.
const TemplateMaxScanKeys = 1000

// The keys a TemplateStore owns beside the user's: a key's lease, the
// counter its fences are granted from, and the fence its writes have
// accepted.
const (
	tplLeasePrefix = keyPrefix + "tpl:lease:{"
	tplGrantPrefix = keyPrefix + "tpl:grant:{"
	tplFencePrefix = keyPrefix + "tpl:fence:{"
)

// staleFenceReply is the status a fenced template wrapper returns when
// the key has accepted a higher fence: a user's script returns integers
// and arrays, never this status.
const staleFenceReply = "OCCBENCH_STALE_FENCE"

var (
	_ drivers.Store             = (*TemplateStore)(nil)
	_ drivers.Reader            = (*TemplateStore)(nil)
	_ drivers.CompareAndSwapper = (*TemplateStore)(nil)
	_ drivers.Putter            = (*TemplateStore)(nil)
	_ drivers.FencedReader      = (*TemplateStore)(nil)
	_ drivers.Leaser            = (*TemplateStore)(nil)
	_ drivers.Limiter           = (*TemplateStore)(nil)
	_ drivers.Versioner         = (*TemplateStore)(nil)
)

// TemplateError is a template the store refused or the server could
// not load or run: one line "write_path.redis.NAME: message", which
// matches drivers.ErrInvalidOption (the CLI exits 2 with it).
type TemplateError struct {
	Template string // write_path.redis.cas
	Err      error
}

func (e *TemplateError) Error() string {
	return e.Template + ": " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

// Unwrap returns the cause and drivers.ErrInvalidOption.
func (e *TemplateError) Unwrap() []error { return []error{e.Err, drivers.ErrInvalidOption} }

// tplScript is one template: its name and its script.
type tplScript struct {
	name string // write_path.redis.cas
	sc   *script
}

// TemplateStore runs the strategies over a write_path's Lua scripts, on
// go-redis's pool (no per-writer sessions). Setup must not run
// concurrently with any other method; every other method is safe for
// concurrent use.
type TemplateStore struct {
	base *Store // the connection: its pool, dialer, log routing
	rdb  *goredis.Client
	t    Templates

	setup, teardown          []tplScript
	read, cas, write, audit  *tplScript // write, audit may be nil
	readFenced, writeFenced  *tplScript // the fenced wrappers of read and write
	acquire, extend, release *script

	// Set by Setup.
	spec                    drivers.Spec
	keys                    []string // the user's key names
	leases, grants, fences  []string // occbench's per key
	baseAudit, baseVersions int64
	ranSetup                bool
	prevKeys                int // keys of the previous Setup, whose occbench keys it deletes
}

// OpenTemplates parses t and connects to o.DSN as Open does, on
// go-redis's pool. Options.Params must be empty: the templates say how
// to write. Nothing runs on the server until Setup.
func OpenTemplates(ctx context.Context, o drivers.Options, t Templates) (*TemplateStore, error) {
	if len(o.Params) > 0 {
		return nil, fmt.Errorf("write_path.redis: params: a write_path store takes no driver params (the scripts say how to write): %w", drivers.ErrInvalidOption)
	}
	ts := &TemplateStore{t: t}
	if err := ts.parse(); err != nil {
		return nil, err
	}
	base, err := OpenConfig(ctx, o, Config{Conns: ConnsPool})
	if err != nil {
		return nil, fmt.Errorf("write_path.%w", err)
	}
	ts.base, ts.rdb = base, base.rdb
	return ts, nil
}

// parse builds the scripts, refusing what cannot run.
func (s *TemplateStore) parse() error {
	t := s.t
	if strings.Count(t.KeyPattern, "{key}") != 1 {
		return &TemplateError{Template: "write_path.redis.key_pattern", Err: fmt.Errorf("must contain {key} exactly once, got %q", t.KeyPattern)}
	}
	one := func(name, src string) *tplScript {
		return &tplScript{name: "write_path.redis." + name, sc: newScript(src)}
	}
	for _, r := range []struct {
		name, src string
		dst       **tplScript
		need      bool
	}{
		{"read", t.Read, &s.read, true}, {"cas", t.CAS, &s.cas, true},
		{"write", t.Write, &s.write, false}, {"audit", t.Audit, &s.audit, false},
	} {
		if strings.TrimSpace(r.src) == "" {
			if r.need {
				return &TemplateError{Template: "write_path.redis." + r.name, Err: errors.New("required (a write_path needs read and cas)")}
			}
			continue
		}
		*r.dst = one(r.name, r.src)
	}
	for i, src := range t.Setup {
		s.setup = append(s.setup, *one(fmt.Sprintf("setup[%d]", i), src))
	}
	for i, src := range t.Teardown {
		s.teardown = append(s.teardown, *one(fmt.Sprintf("teardown[%d]", i), src))
	}
	s.readFenced = &tplScript{name: s.read.name + " (fenced)", sc: newScript(fencedSrc(t.Read, "occbench_r"))}
	if s.write != nil {
		s.writeFenced = &tplScript{name: s.write.name + " (fenced)", sc: newScript(fencedSrc(t.Write, "occbench_r == 1"))}
	}
	s.acquire, s.extend, s.release = newScript(acquireScriptSrc), newScript(extendScriptSrc), newScript(releaseScriptSrc)
	return nil
}

// fencedSrc wraps a user's script in the fence check: KEYS[2] is the
// key's accepted fence, ARGV[9] the caller's. A higher accepted fence
// returns staleFenceReply and runs nothing; otherwise the user's script
// runs as a function and, when its reply satisfies accept, the fence
// is raised: one script, so atomic. The prologue is on the script's
// first line, so that the user's line numbers stay as written.
func fencedSrc(user, accept string) string {
	return "local occbench_f = tonumber(ARGV[9]) " +
		"if tonumber(redis.call('GET', KEYS[2]) or '0') > occbench_f then return {ok='" + staleFenceReply + "'} end " +
		"local occbench_r = (function() " + user + "\nend)() " +
		"if " + accept + " then redis.call('SET', KEYS[2], ARGV[9]) end return occbench_r"
}

func (s *TemplateStore) keyName(i int) string {
	return strings.Replace(s.t.KeyPattern, "{key}", strconv.Itoa(i), 1)
}

// Setup deletes occbench's lease and fence keys of the previous cell
// and this one, loads every script (SCRIPT LOAD: the server compiles
// it), runs the setup scripts once per key, and checks what can be
// checked without writing: the read finds keys 0 and keys−1 and
// returns a version, and the audit returns one integer, which Totals
// subtracts from its own. A script the server refuses is a
// *TemplateError naming it.
func (s *TemplateStore) Setup(ctx context.Context, spec drivers.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("write_path.redis: setup: %w", err)
	}
	if spec.FieldGroups != 1 || spec.Slots != 0 {
		return fmt.Errorf("write_path.redis: setup: field_groups must be 1 and scope document (got %d field groups, %d slots): %w", spec.FieldGroups, spec.Slots, drivers.ErrInvalidOption)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write_path.redis: setup: %w", err)
	}
	s.spec = spec
	n := spec.Keys
	s.keys = make([]string, n)
	s.leases, s.grants, s.fences = make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		s.keys[i] = s.keyName(i)
		id := strconv.Itoa(i) + "}"
		s.leases[i], s.grants[i], s.fences[i] = tplLeasePrefix+id, tplGrantPrefix+id, tplFencePrefix+id
	}
	if err := s.dropOwn(ctx, max(n, s.prevKeys)); err != nil {
		return fmt.Errorf("write_path.redis: setup: %w", err)
	}
	s.prevKeys = n
	if err := s.load(ctx); err != nil {
		return err
	}
	s.ranSetup = true
	for _, sc := range s.setup {
		if err := s.perKey(ctx, sc); err != nil {
			return err
		}
	}
	return s.check(ctx)
}

// dropOwn deletes occbench's lease, grant and fence keys 0 … n−1.
func (s *TemplateStore) dropOwn(ctx context.Context, n int) error {
	for lo := 0; lo < n; lo += batch {
		del := make([]string, 0, 3*batch)
		for i := lo; i < min(lo+batch, n); i++ {
			id := strconv.Itoa(i) + "}"
			del = append(del, tplLeasePrefix+id, tplGrantPrefix+id, tplFencePrefix+id)
		}
		if err := s.rdb.Unlink(ctx, del...).Err(); err != nil {
			return err
		}
	}
	return nil
}

// load sends SCRIPT LOAD for every script: a compile error is the
// template's.
func (s *TemplateStore) load(ctx context.Context) error {
	all := append([]tplScript{}, s.setup...)
	all = append(all, s.teardown...)
	for _, t := range []*tplScript{s.read, s.cas, s.write, s.audit, s.readFenced, s.writeFenced} {
		if t != nil {
			all = append(all, *t)
		}
	}
	for _, sc := range []*script{s.acquire, s.extend, s.release} {
		all = append(all, tplScript{name: "write_path.redis: occbench's lease script", sc: sc})
	}
	for _, t := range all {
		if err := s.rdb.ScriptLoad(ctx, t.sc.src).Err(); err != nil {
			return s.templateErr(t.name, err)
		}
	}
	return nil
}

// templateErr is a *TemplateError for the server's refusal of a script
// (an error reply), or a plain error when the server could not be
// reached.
func (s *TemplateStore) templateErr(name string, err error) error {
	var re goredis.Error
	if errors.As(err, &re) && !errors.Is(err, goredis.Nil) {
		return &TemplateError{Template: name, Err: err}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// perKey runs a setup or teardown script once per key, pipelined:
// KEYS[1] the key, ARGV[1] its index, ARGV[2] the number of keys.
func (s *TemplateStore) perKey(ctx context.Context, t tplScript) error {
	keys := strconv.Itoa(s.spec.Keys)
	for lo := 0; lo < s.spec.Keys; lo += batch {
		p := s.rdb.Pipeline()
		cmds := make([]*goredis.Cmd, 0, batch)
		for i := lo; i < min(lo+batch, s.spec.Keys); i++ {
			cmds = append(cmds, t.sc.rs.EvalSha(ctx, p, []string{s.keys[i]}, i, keys))
		}
		_, _ = p.Exec(ctx)
		for i, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, goredis.Nil) {
				return s.templateErr(t.name, fmt.Errorf("key %d (%s): %w", lo+i, s.keys[lo+i], err))
			}
		}
	}
	return nil
}

// check dry-runs the read and the audit after the setup.
func (s *TemplateStore) check(ctx context.Context) error {
	var d drivers.Doc
	for _, key := range []int{0, s.spec.Keys - 1} {
		v, err := s.read.sc.rs.EvalSha(ctx, s.rdb, []string{s.keys[key]}, key).Result()
		if errors.Is(err, goredis.Nil) {
			v, err = nil, nil
		}
		if err != nil {
			return s.templateErr(s.read.name, err)
		}
		found, err := decodeTplDoc(v, key, &d)
		if err != nil {
			return &TemplateError{Template: s.read.name, Err: fmt.Errorf("key %d: %w", key, err)}
		}
		if !found {
			return &TemplateError{Template: s.read.name, Err: fmt.Errorf("finds nothing for key %d (%s) after setup: setup must create keys 0 … keys−1 (%d keys)", key, s.keys[key], s.spec.Keys)}
		}
	}
	s.baseAudit = 0
	if s.audit != nil {
		n, err := s.runAudit(ctx)
		if err != nil {
			return err
		}
		s.baseAudit = n
	}
	s.baseVersions = 0
	if s.spec.Keys <= TemplateMaxScanKeys {
		_, v, err := s.scanAll(ctx)
		if err != nil {
			return err
		}
		s.baseVersions = v
	}
	return nil
}

// runAudit runs the audit: KEYS every key name, ARGV[1] the number of
// keys; one integer.
func (s *TemplateStore) runAudit(ctx context.Context) (int64, error) {
	v, err := s.audit.sc.rs.Run(ctx, s.rdb, s.keys, s.spec.Keys).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return 0, s.templateErr(s.audit.name, err)
	}
	n, ok := v.(int64)
	if !ok {
		return 0, &TemplateError{Template: s.audit.name, Err: fmt.Errorf("returned %s, want one integer (the committed ops the store holds)", describeReply(v))}
	}
	return n, nil
}

// describeReply names a reply's type for an error message.
func describeReply(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil (false)"
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return fmt.Sprintf("an array of %d", len(v))
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// scanAll runs the read of every key: the keys found and Σ version.
func (s *TemplateStore) scanAll(ctx context.Context) (docs, versions int64, err error) {
	var d drivers.Doc
	for lo := 0; lo < s.spec.Keys; lo += batch {
		p := s.rdb.Pipeline()
		cmds := make([]*goredis.Cmd, 0, batch)
		for i := lo; i < min(lo+batch, s.spec.Keys); i++ {
			cmds = append(cmds, s.read.sc.rs.EvalSha(ctx, p, []string{s.keys[i]}, i))
		}
		_, _ = p.Exec(ctx)
		for i, c := range cmds {
			v, err := c.Result()
			if errors.Is(err, goredis.Nil) {
				continue
			}
			if err != nil {
				return 0, 0, s.templateErr(s.read.name, err)
			}
			found, err := decodeTplDoc(v, lo+i, &d)
			if err != nil {
				return 0, 0, &TemplateError{Template: s.read.name, Err: fmt.Errorf("key %d: %w", lo+i, err)}
			}
			if found {
				docs++
				versions += d.Version
			}
		}
	}
	return docs, versions, nil
}

// errNoTplAudit is Totals' answer when the write_path has no audit.
var errNoTplAudit = errors.New("write_path.redis has no audit template: nothing reads back what the store holds, so no lost update can be seen")

// Totals runs the audit: Counter is its integer less its value after
// Setup. Docs and Versions come from reading every key back (Σ version
// less its value after Setup) when there are at most
// TemplateMaxScanKeys keys; above, Docs is the keys and Versions 0.
// Without an audit template it fails, and the runner marks the cell's
// audit unavailable.
func (s *TemplateStore) Totals(ctx context.Context) (drivers.Totals, error) {
	if !s.ranSetup {
		return drivers.Totals{}, errors.New("write_path.redis: totals: Setup has not run")
	}
	if s.audit == nil {
		return drivers.Totals{}, errNoTplAudit
	}
	if err := ended(ctx, "totals", -1); err != nil {
		return drivers.Totals{}, err
	}
	n, err := s.runAudit(ctx)
	if err != nil {
		return drivers.Totals{}, err
	}
	t := drivers.Totals{Docs: int64(s.spec.Keys), Counter: n - s.baseAudit}
	if s.spec.Keys <= TemplateMaxScanKeys {
		docs, v, err := s.scanAll(ctx)
		if err != nil {
			return drivers.Totals{}, err
		}
		t.Docs, t.Versions = docs, v-s.baseVersions
	}
	return t, nil
}

// Close runs the teardown scripts once per key (once Setup has run) and
// closes the pool. It deletes none of occbench's keys of the last cell.
func (s *TemplateStore) Close() error {
	var errs []error
	if s.ranSetup && len(s.teardown) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for _, t := range s.teardown {
			if err := s.perKey(ctx, t); err != nil {
				errs = append(errs, err)
				break
			}
		}
		cancel()
		s.ranSetup = false
	}
	if s.base != nil {
		if err := s.base.Close(); err != nil {
			errs = append(errs, err)
		}
		s.base = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write_path.redis: close: %w", err)
	}
	return nil
}

// ServerVersion reports redis_version from INFO server.
func (s *TemplateStore) ServerVersion(ctx context.Context) (string, error) {
	return s.base.ServerVersion(ctx)
}

// Unsupported implements drivers.Limiter: lww, check-then-write and
// lease need the write template.
func (s *TemplateStore) Unsupported(c drivers.Capability) string {
	if c == drivers.CapPut && s.write == nil {
		return "write_path.redis has no write template: lww, check-then-write and lease need the unconditional write"
	}
	return ""
}
