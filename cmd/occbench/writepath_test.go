package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
)

// ordersFile writes the built-in orders scenario, with edit applied to
// its text, into dir.
func ordersFile(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	src, ok := scenarios.Source("orders")
	if !ok {
		t.Fatal("no built-in orders")
	}
	text := string(src)
	if edit != nil {
		if text = edit(text); text == string(src) {
			t.Fatal("the edit changed nothing")
		}
	}
	path := filepath.Join(dir, fmt.Sprintf("orders-%d.yaml", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pgSchema returns the PostgreSQL DSN with a fresh schema of its own as
// search_path (dropped at cleanup), or skips without a server.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("occbench_cmd_tpl_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestWritePathRun: occbench run over the orders templates gives
// conflict counts and a real audit for every cell, on SQLite and (with
// a server) PostgreSQL.
func TestWritePathRun(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			args := []string{"run", "orders", "--driver", driver, "--writers", "4", "--ops-per-writer", "30", "--duration", "0s", "--warmup", "0s",
				"--strategies", "optimistic,pessimistic,lease,lww", "--quiet"}
			if driver == "postgres" {
				args = append(args, "--dsn", pgSchema(t))
			}
			out := filepath.Join(t.TempDir(), "orders.json")
			r := runT(t, append(args, "--out", out)...)
			if r.code != exitOK {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			f, err := results.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Cells) != 4 {
				t.Fatalf("%d cells, want 4", len(f.Cells))
			}
			wp, _ := f.Scenario["write_path"].(map[string]any)
			if wp[driver] == nil {
				t.Errorf("results file's scenario has no write_path.%s: %v", driver, f.Scenario["write_path"])
			}
			for _, c := range f.Cells {
				a := c.Audit
				if !a.OK || a.Unavailable != "" || a.Expected != 120 {
					t.Errorf("%s: audit %+v, want ok over 120 committed orders", c.Strategy, a)
				}
				if c.Strategy != "lww" && a.Observed != a.Expected {
					t.Errorf("%s: %d units sold for %d orders: %s", c.Strategy, a.Observed, a.Expected, a.Verdict)
				}
			}
		})
	}
}

// TestWritePathBadTemplate: a template the server cannot parse is one
// line naming it and the server's message, exit 2; an unknown parameter
// is refused before anything starts.
func TestWritePathBadTemplate(t *testing.T) {
	dir := t.TempDir()
	broken := func(s string) string {
		return strings.Replace(s, "cas: >\n      UPDATE inventory", "cas: >\n      UPDAT inventory", -1)
	}
	for _, tc := range []struct {
		name, driver string
		edit         func(string) string
		want         string
	}{
		{"sqlite syntax", "sqlite", broken, `occbench: write_path.sqlite.cas: SQL logic error: near "UPDAT": syntax error`},
		{"postgres syntax", "postgres", broken, `occbench: write_path.postgres.cas: ERROR: syntax error at or near "UPDAT" (SQLSTATE 42601)`},
		{"unknown parameter", "sqlite", func(s string) string { return strings.Replace(s, "last_order = @op", "last_order = @order", 1) },
			`write_path.sqlite.cas: unknown parameter @order at offset`},
		{"unknown template", "sqlite", func(s string) string { return strings.Replace(s, "    audit:", "    audits:", 1) },
			`write_path (line `},
		{"field groups", "sqlite", nil, `field_groups (--field-groups): must be 1 with a write_path`},
		{"no entry", "memory", nil, `write_path: driver memory runs no templates (write_path supports mongo, postgres, redis, sqlite)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"run", ordersFile(t, dir, tc.edit), "--driver", tc.driver, "--writers", "1", "--ops-per-writer", "1", "--duration", "0s", "--quiet",
				"--out", filepath.Join(dir, "bad.json")}
			if tc.driver == "postgres" {
				args = append(args, "--dsn", pgSchema(t))
			}
			if tc.name == "field groups" {
				args = append(args, "--field-groups", "2")
			}
			r := runT(t, args...)
			if r.code != exitBadInput {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitBadInput, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("bad input must be one line, got %d:\n%s", lines, r.stderr)
			}
		})
	}
}

// TestWritePathNoAudit: without an audit template the run goes on, and
// every cell's audit is unavailable and says why, never ok.
func TestWritePathNoAudit(t *testing.T) {
	dir := t.TempDir()
	path := ordersFile(t, dir, func(s string) string {
		i := strings.Index(s, "    audit: SELECT coalesce(sum(initial - stock), 0) FROM inventory\n")
		return s[:i] + s[i+len("    audit: SELECT coalesce(sum(initial - stock), 0) FROM inventory\n"):]
	})
	out := filepath.Join(dir, "noaudit.json")
	r := runT(t, "run", path, "--writers", "2", "--ops-per-writer", "10", "--duration", "0s", "--warmup", "0s", "--strategies", "optimistic,pessimistic", "--out", out)
	if r.code == exitOK || r.code == exitBadInput {
		t.Errorf("exit %d: a run whose audit is unavailable must not pass, nor be refused\nstderr: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "without an audit: every cell's audit will be unavailable") {
		t.Errorf("the plan does not say the audit is unavailable:\n%s", r.stderr)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cells {
		if c.Audit.OK || !strings.Contains(c.Audit.Unavailable, "write_path.sqlite has no audit template") {
			t.Errorf("%s: audit %+v, want unavailable naming the missing template", c.Strategy, c.Audit)
		}
	}
}

// redisOrders writes the orders scenario with its Redis keys under a
// prefix of the test's own, plus edit, and returns its path and the DSN.
func redisOrders(t *testing.T, dir string, edit func(string) string) (string, string) {
	t.Helper()
	dsn := testenv.DSN(t, testenv.RedisDSN)
	prefix := fmt.Sprintf("cmdtest%d:", time.Now().UnixNano())
	path := ordersFile(t, dir, func(s string) string {
		s = strings.Replace(s, `key_pattern: "orders:inventory:{key}"`, `key_pattern: "`+prefix+`orders:inventory:{key}"`, 1)
		if edit != nil {
			s = edit(s)
		}
		return s
	})
	return path, dsn
}

// TestWritePathRedis: occbench run over the orders Lua scripts gives a
// real audit for every cell (pessimistic skipped: Redis has no row
// lock), and a script the server cannot compile is one line naming it,
// exit 2.
func TestWritePathRedis(t *testing.T) {
	dir := t.TempDir()
	t.Run("run", func(t *testing.T) {
		path, dsn := redisOrders(t, dir, nil)
		out := filepath.Join(dir, "redis.json")
		r := runT(t, "run", path, "--driver", "redis", "--dsn", dsn, "--writers", "4", "--ops-per-writer", "30", "--duration", "0s", "--warmup", "0s",
			"--strategies", "optimistic,lease,lww", "--quiet", "--out", out)
		if r.code != exitOK {
			t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
		}
		f, err := results.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Cells) != 3 {
			t.Fatalf("%d cells, want 3", len(f.Cells))
		}
		wp, _ := f.Scenario["write_path"].(map[string]any)
		if wp["redis"] == nil {
			t.Errorf("results file's scenario has no write_path.redis: %v", f.Scenario["write_path"])
		}
		for _, c := range f.Cells {
			a := c.Audit
			if !a.OK || a.Unavailable != "" || a.Expected != 120 {
				t.Errorf("%s: audit %+v, want ok over 120 committed orders", c.Strategy, a)
			}
			if c.Strategy != "lww" && a.Observed != a.Expected {
				t.Errorf("%s: %d units sold for %d orders: %s", c.Strategy, a.Observed, a.Expected, a.Verdict)
			}
		}
	})
	for _, tc := range []struct {
		name string
		edit func(string) string
		want string
	}{
		{"lua syntax", func(s string) string {
			return strings.Replace(s, "if v[1] ~= ARGV[1] or tonumber(v[2]) <= 0 then return 0 end", "if v[1] ~= ARGV[1] or then return 0 end", 1)
		}, "occbench: write_path.redis.cas: ERR Error compiling script"},
		{"no version", func(s string) string {
			return strings.Replace(s, "return {'version', v[1], 'counter'", "return {'vers', v[1], 'counter'", 1)
		}, "occbench: write_path.redis.read: key 0: returns no version"},
		{"lock_read", func(s string) string {
			return strings.Replace(s, "    teardown: return redis.call('DEL', KEYS[1])", "    lock_read: x", 1)
		}, `unknown template "lock_read"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, dsn := redisOrders(t, dir, tc.edit)
			r := runT(t, "run", path, "--driver", "redis", "--dsn", dsn, "--writers", "1", "--ops-per-writer", "1", "--duration", "0s", "--quiet",
				"--out", filepath.Join(dir, "bad.json"))
			if r.code != exitBadInput {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitBadInput, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("bad input must be one line, got %d:\n%s", lines, r.stderr)
			}
		})
	}
}

// mongoDSN returns the server's DSN with a database of the test's own.
func mongoDSN(t *testing.T) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.MongoDSN)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/cmdtpl_%d", time.Now().UnixNano())
	return u.String()
}

// TestWritePathMongo: occbench run over the orders filters and updates
// with one writer gives an ok audit of every order (FerretDB loses
// concurrent updates: with one writer nothing can be lost); a template
// parsing or the server refuses is one line naming it, exit 2.
func TestWritePathMongo(t *testing.T) {
	dir := t.TempDir()
	t.Run("run", func(t *testing.T) {
		out := filepath.Join(dir, "mongo.json")
		r := runT(t, "run", "orders", "--driver", "mongo", "--dsn", mongoDSN(t), "--writers", "1", "--ops-per-writer", "20", "--duration", "0s", "--warmup", "0s",
			"--strategies", "optimistic,lease,lww", "--quiet", "--out", out)
		if r.code != exitOK {
			t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
		}
		f, err := results.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Cells) != 3 {
			t.Fatalf("%d cells, want 3", len(f.Cells))
		}
		for _, c := range f.Cells {
			if a := c.Audit; !a.OK || a.Expected != 20 || a.Observed != 20 {
				t.Errorf("%s: audit %+v, want ok, 20 orders sold", c.Strategy, a)
			}
		}
	})
	for _, tc := range []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown parameter", func(s string) string {
			return strings.Replace(s, `"last_order": "@op"}}`, `"last_order": "@order"}}`, 1)
		}, "occbench: write_path.mongo.cas.update: unknown parameter @order"},
		{"audit stage", func(s string) string {
			return strings.Replace(s, `audit: '[{"$project": {"_id": 0, "sold": 1}}]'`, `audit: '[{"$nosuchstage": {}}]'`, 1)
		}, "occbench: write_path.mongo.audit: "},
		{"not json", func(s string) string {
			return strings.Replace(s, `read: '{"_id": "@key"}'`+"\n    cas:\n      filter: '{\"_id\": \"@key\", \"version\": \"@version\", \"sold\"", `read: '{"_id": @key}'`+"\n    cas:\n      filter: '{\"_id\": \"@key\", \"version\": \"@version\", \"sold\"", 1)
		}, `write_path.mongo.read: want extended JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ordersFile(t, dir, tc.edit)
			r := runT(t, "run", path, "--driver", "mongo", "--dsn", mongoDSN(t), "--writers", "1", "--ops-per-writer", "1", "--duration", "0s", "--quiet",
				"--out", filepath.Join(dir, "bad.json"))
			if r.code != exitBadInput {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitBadInput, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("bad input must be one line, got %d:\n%s", lines, r.stderr)
			}
		})
	}
}
