package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/runner/runnertest"
	"github.com/occbench/occbench/scenarios"
)

// tplDB is the database the template tests use: not testDB, whose
// built-in Setup may SCAN for occbench:* keys and delete them.
const tplDB = "12"

func tplDSN(t testing.TB) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.RedisDSN)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "redis" || u.Scheme == "rediss") {
		u.Path = "/" + tplDB
		dsn = u.String()
	}
	return dsn
}

// tplFrom loads a scenario's write_path.redis, with the key pattern's
// prefix made the test's own.
func tplFrom(t testing.TB, arg, prefix string) Templates {
	t.Helper()
	sc, err := scenarios.Load(arg)
	if err != nil {
		t.Fatal(err)
	}
	w := sc.WritePath
	if w == nil || w.Redis == nil {
		t.Fatalf("%s has no write_path.redis", arg)
	}
	r := w.Redis
	return Templates{KeyPattern: prefix + r.KeyPattern, Setup: r.Setup, Read: r.Read, CAS: r.CAS, Write: r.Write, Audit: r.Audit, Teardown: r.Teardown}
}

func tplOpener(dsn string, tpl Templates) drivertest.Opener {
	return func(t testing.TB, o drivers.Options) drivers.Store {
		o.DSN = dsn
		st, err := OpenTemplates(context.Background(), o, tpl)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		return st
	}
}

// TestTemplateConformance runs the strategy cells of the conformance
// suite over the built-in document written as Lua templates: the
// counts and audits the built-in redis driver gives (leases expire by
// Redis's clock).
func TestTemplateConformance(t *testing.T) {
	dsn := tplDSN(t)
	tpl := tplFrom(t, "testdata/document.yaml", fmt.Sprintf("conf%d:", time.Now().UnixNano()))
	runnertest.Run(t, tplOpener(dsn, tpl), drivertest.ServerClock())
}

// tplCell runs one ops-counted cell of orders over the store.
func tplCell(t *testing.T, st drivers.Store, strat string, writers, ops int) runnerCellAudit {
	t.Helper()
	sc, err := scenarios.Load("orders")
	if err != nil {
		t.Fatal(err)
	}
	sc.Driver = "redis"
	sc.Strategies = []string{strat}
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops
	sc.Duration, sc.Warmup = 0, 0
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "redis"}
	spec := runner.Spec{Strategy: strat, Backoff: sc.Backoffs[0], Writers: writers, Trial: 1}
	c, err := runner.RunCell(testCtx(t), cfg, spec, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Skipped != "" || c.Interrupted || len(c.Errors) != 0 {
		t.Fatalf("%s: skipped %q, interrupted %v, errors %v", strat, c.Skipped, c.Interrupted, c.Errors)
	}
	return runnerCellAudit{ok: c.Audit.OK, expected: c.Audit.Expected, observed: c.Audit.Observed, unavailable: c.Audit.Unavailable, verdict: c.Audit.Verdict}
}

type runnerCellAudit struct {
	ok                 bool
	expected, observed int64
	unavailable        string
	verdict            string
}

// TestTemplateOrders: the orders example's Lua never oversells under
// optimistic and lease writers, and the audit sees lww's oversells.
func TestTemplateOrders(t *testing.T) {
	dsn := tplDSN(t)
	tpl := tplFrom(t, "orders", fmt.Sprintf("orders%d:", time.Now().UnixNano()))
	for _, tt := range []struct {
		strat   string
		writers int
	}{{"optimistic", 4}, {"lease", 4}, {"lww", 1}, {"lww", 8}} {
		t.Run(fmt.Sprintf("%s_%d", tt.strat, tt.writers), func(t *testing.T) {
			st := tplOpener(dsn, tpl)(t, drivers.Options{Writers: tt.writers})
			a := tplCell(t, st, tt.strat, tt.writers, 40)
			if want := int64(tt.writers * 40); a.expected != want {
				t.Errorf("expected %d committed orders, want %d", a.expected, want)
			}
			if tt.strat != "lww" || tt.writers == 1 {
				if !a.ok || a.observed != a.expected {
					t.Errorf("%d units sold for %d orders, ok=%v: %s", a.observed, a.expected, a.ok, a.verdict)
				}
			} else if a.observed > a.expected {
				t.Errorf("lww: %d units sold for %d orders: a double count", a.observed, a.expected)
			}
		})
	}
}

// TestTemplateNoAudit: without an audit script Totals fails naming the
// missing template, so every cell's audit is unavailable, never ok.
func TestTemplateNoAudit(t *testing.T) {
	dsn := tplDSN(t)
	tpl := tplFrom(t, "orders", fmt.Sprintf("noaudit%d:", time.Now().UnixNano()))
	tpl.Audit = ""
	st := tplOpener(dsn, tpl)(t, drivers.Options{Writers: 2})
	a := tplCell(t, st, "optimistic", 2, 10)
	if a.ok || !strings.Contains(a.unavailable, "write_path.redis has no audit template") {
		t.Errorf("audit ok=%v unavailable=%q, want unavailable naming the missing template", a.ok, a.unavailable)
	}
}

// TestTemplateErrors: a script the server refuses, or whose reply does
// not fit, is a *TemplateError naming it, matching ErrInvalidOption.
func TestTemplateErrors(t *testing.T) {
	dsn := tplDSN(t)
	base := tplFrom(t, "orders", fmt.Sprintf("errs%d:", time.Now().UnixNano()))
	for _, tc := range []struct {
		name string
		edit func(*Templates)
		want string
	}{
		{"cas syntax", func(t *Templates) { t.CAS = "if then" }, "write_path.redis.cas: ERR Error compiling script"},
		{"setup runtime", func(t *Templates) { t.Setup = []string{"return redis.call('NOSUCHCMD')"} }, "write_path.redis.setup[0]: key 0"},
		{"read no version", func(t *Templates) { t.Read = "return {'counter', 1}" }, "write_path.redis.read: key 0: returns no version"},
		{"read nothing", func(t *Templates) { t.Read = "return false" }, "write_path.redis.read: finds nothing for key 0"},
		{"audit string", func(t *Templates) { t.Audit = "return 'x'" }, `write_path.redis.audit: returned the string "x", want one integer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := base
			tc.edit(&tpl)
			st, err := OpenTemplates(testCtx(t), drivers.Options{DSN: dsn, Writers: 1}, tpl)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			err = st.Setup(testCtx(t), drivers.Spec{Keys: 2, FieldGroups: 1})
			var te *TemplateError
			if !errors.As(err, &te) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Fatalf("Setup = %v, want a *TemplateError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Setup = %q, want one line starting %q", err, tc.want)
			}
		})
	}
}

// TestTemplateReplies: a cas reply other than 1 or 0 is an error (not a
// commit, not a conflict); a write of a missing key is ErrNotFound; a
// fenced write under an older fence is StaleFence and writes nothing.
func TestTemplateReplies(t *testing.T) {
	dsn := tplDSN(t)
	tpl := tplFrom(t, "testdata/document.yaml", fmt.Sprintf("replies%d:", time.Now().UnixNano()))
	ctx := testCtx(t)
	open := func(t *testing.T, tpl Templates) *TemplateStore {
		st, err := OpenTemplates(ctx, drivers.Options{DSN: dsn, Writers: 1}, tpl)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	t.Run("cas reply 2", func(t *testing.T) {
		bad := tpl
		bad.CAS = "return 2"
		st := open(t, bad)
		err := st.CompareAndSwap(ctx, &drivers.Write{Key: 0})
		if err == nil || errors.Is(err, drivers.ErrConflict) || !strings.Contains(err.Error(), "returned 2 (int64), want 1 (committed) or 0 (conflict)") {
			t.Errorf("cas = %v, want an error naming the reply", err)
		}
	})
	t.Run("fences", func(t *testing.T) {
		st := open(t, tpl)
		var d drivers.Doc
		if err := st.ReadFenced(ctx, 1, 5, &d); err != nil {
			t.Fatal(err)
		}
		w := &drivers.Write{Key: 1, Version: 1, Counter: 1, Fence: 4, Payload: []byte("x")}
		if err := st.Put(ctx, w); !errors.Is(err, drivers.ErrStaleFence) {
			t.Fatalf("Put under fence 4 after 5 = %v, want StaleFence", err)
		}
		if err := st.ReadFenced(ctx, 1, 3, &d); !errors.Is(err, drivers.ErrStaleFence) {
			t.Fatalf("ReadFenced 3 after 5 = %v, want StaleFence", err)
		}
		w.Fence = 5
		if err := st.Put(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := st.Read(ctx, 1, &d); err != nil || d.Version != 1 || d.Counter != 1 || string(d.Payload) != "x" {
			t.Fatalf("Read = %+v, %v: want the fenced write", d, err)
		}
		tot, err := st.Totals(ctx)
		if err != nil || tot.Counter != 1 || tot.Docs != 2 || tot.Versions != 1 {
			t.Errorf("Totals = %+v, %v; want counter 1, 2 docs, versions 1", tot, err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		st := open(t, tpl)
		if err := st.rdb.Del(ctx, st.keys[1]).Err(); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, &drivers.Write{Key: 1, Version: 1}); !errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("Put of a deleted key = %v, want ErrNotFound", err)
		}
		var d drivers.Doc
		if err := st.Read(ctx, 1, &d); !errors.Is(err, drivers.ErrNotFound) || drivers.MayHaveCommitted(err) {
			t.Errorf("Read of a deleted key = %v, want ErrNotFound, not sent", err)
		}
	})
}

// TestDecodeTplDoc covers the read reply shapes offline.
func TestDecodeTplDoc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		v       any
		found   bool
		want    drivers.Doc
		wantErr string
	}{
		{"integer", int64(7), true, drivers.Doc{Key: 3, Version: 7}, ""},
		{"string", "8", true, drivers.Doc{Key: 3, Version: 8}, ""},
		{"nil", nil, false, drivers.Doc{Key: 3}, ""},
		{"empty", []any{}, false, drivers.Doc{Key: 3}, ""},
		{"pairs", []any{"version", "2", "counter", int64(5), "stock", "9", "payload", "ab"}, true, drivers.Doc{Key: 3, Version: 2, Counter: 5, Payload: []byte("ab")}, ""},
		{"odd", []any{"version"}, false, drivers.Doc{}, "want name, value pairs"},
		{"no version", []any{"counter", "1"}, false, drivers.Doc{}, "returns no version"},
		{"bad version", []any{"version", "x"}, false, drivers.Doc{}, "version: strconv.ParseInt"},
		{"name not string", []any{int64(1), "1"}, false, drivers.Doc{}, "want a field name"},
		{"status", drivers.ErrNotFound, false, drivers.Doc{}, "want name, value pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d drivers.Doc
			found, err := decodeTplDoc(tc.v, 3, &d)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || found != tc.found || d.Version != tc.want.Version || d.Counter != tc.want.Counter || string(d.Payload) != string(tc.want.Payload) || d.Key != 3 {
				t.Errorf("decode = %+v, %v, %v; want %+v, found %v", d, found, err, tc.want, tc.found)
			}
		})
	}
}

// TestFencedSrc: the wrapper keeps the user's line numbers (its
// prologue is on the first line) and accepts a multi-line script.
func TestFencedSrc(t *testing.T) {
	t.Parallel()
	src := fencedSrc("local a = 1\nreturn a", "occbench_r == 1")
	if n := strings.Count(src, "\n"); n != 2 {
		t.Errorf("wrapper has %d newlines, want the user's 1 + 1: %q", n, src)
	}
	if !strings.Contains(src, "(function() local a = 1\nreturn a\nend)()") {
		t.Errorf("the user's script is not the wrapped function's body: %q", src)
	}
}

func TestOpenTemplatesRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    drivers.Options
		t    Templates
		want string
	}{
		{"params", drivers.Options{Params: map[string]string{"cas": "watch"}}, Templates{KeyPattern: "k:{key}", Read: "x", CAS: "x"}, "write_path.redis: params: a write_path store takes no driver params"},
		{"pattern", drivers.Options{}, Templates{KeyPattern: "k", Read: "x", CAS: "x"}, "write_path.redis.key_pattern: must contain {key} exactly once"},
		{"no cas", drivers.Options{}, Templates{KeyPattern: "k:{key}", Read: "x"}, "write_path.redis.cas: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenTemplates(context.Background(), tc.o, tc.t)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Errorf("OpenTemplates = %v, want %q (invalid option)", err, tc.want)
			}
		})
	}
}
