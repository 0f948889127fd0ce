package sqltemplate_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/sqltemplate"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/runner/runnertest"
	"github.com/occbench/occbench/scenarios"
)

// templates loads a scenario file's (or built-in's) write_path entry.
func templates(t testing.TB, arg, driver string) sqltemplate.Templates {
	t.Helper()
	sc, err := scenarios.Load(arg)
	if err != nil {
		t.Fatal(err)
	}
	w := sc.WritePath.For(driver)
	if w == nil {
		t.Fatalf("%s has no write_path.%s", arg, driver)
	}
	return sqltemplate.Templates{Setup: w.Setup, Read: w.Read, CAS: w.CAS, Write: w.Write, LockRead: w.LockRead, Audit: w.Audit, Teardown: w.Teardown}
}

// pgSchemaDSN returns the PostgreSQL DSN with a search_path of a fresh
// schema of its own (dropped at cleanup), so that tests sharing a server
// never touch each other's tables; it skips without a server.
func pgSchemaDSN(t testing.TB) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	schema := fmt.Sprintf("occbench_tpl_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
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

// opener opens a fresh template store per subtest: SQLite in a temporary
// file, PostgreSQL in the test's schema.
func opener(driver, dsn string, tpl sqltemplate.Templates) drivertest.Opener {
	return func(t testing.TB, o drivers.Options) drivers.Store {
		o.DSN = dsn
		if driver == "sqlite" {
			o.DSN = ""
		}
		st, err := sqltemplate.Open(context.Background(), driver, tpl, o)
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

// TestConformanceSQLite runs the strategy cells of the conformance suite
// over the built-in document written as a template: the counts and
// audits the built-in drivers give.
func TestConformanceSQLite(t *testing.T) {
	tpl := templates(t, "testdata/document.yaml", "sqlite")
	runnertest.Run(t, opener("sqlite", "", tpl)) // the sqlite driver's settings
}

func TestConformancePostgres(t *testing.T) {
	dsn := pgSchemaDSN(t)
	tpl := templates(t, "testdata/document.yaml", "postgres")
	runnertest.Run(t, opener("postgres", dsn, tpl), drivertest.Writers(8, 100), drivertest.ServerClock()) // the postgres driver's
}

// stores lists the drivers to run a test on: SQLite always, PostgreSQL
// with a server.
func stores(t *testing.T, f func(t *testing.T, driver, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "sqlite", "") })
	t.Run("postgres", func(t *testing.T) { f(t, "postgres", pgSchemaDSN(t)) })
}

// runCell runs one ops-counted cell of the scenario arg's settings over
// its write_path.
func runCell(t *testing.T, arg, driver, dsn, strat string, writers, ops int) (runner.Spec, scenarios.Scenario, drivers.Store, func() (*cellResult, error)) {
	t.Helper()
	sc, err := scenarios.Load(arg)
	if err != nil {
		t.Fatal(err)
	}
	sc.Driver = driver
	sc.Strategies = []string{strat}
	sc.Backoffs = []string{"full-jitter"}
	sc.BackoffBase = scenarios.Duration(50 * time.Microsecond)
	sc.BackoffCap = scenarios.Duration(5 * time.Millisecond)
	sc.MaxElapsed = 0
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops
	sc.Warmup = 0
	sc.Duration = 0
	st := opener(driver, dsn, templates(t, arg, driver))(t, drivers.Options{Writers: writers})
	spec := runner.Spec{Strategy: strat, Backoff: "full-jitter", Writers: writers, Trial: 1}
	return spec, sc, st, func() (*cellResult, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := runner.RunCell(ctx, runner.Config{Scenario: sc, Store: st, DriverName: driver}, spec, 0, 1)
		if err != nil {
			return nil, err
		}
		return &cellResult{skipped: c.Skipped, ops: c.Ops, expected: c.Audit.Expected, observed: c.Audit.Observed, ok: c.Audit.OK,
			verdict: c.Audit.Verdict, unavailable: c.Audit.Unavailable, errors: c.Errors, conflicts: c.Conflicts}, nil
	}
}

type cellResult struct {
	skipped              string
	ops                  int64
	expected, observed   int64
	ok                   bool
	verdict, unavailable string
	errors               map[string]int64
	conflicts            int64
}

// TestOrders runs the built-in orders scenario's templates: every
// strategy the scenario lists commits every op, and the audit (units
// sold = Σ initial − stock) finds each of them; lww, which writes stock
// from its read, oversells less than it commits and says so.
func TestOrders(t *testing.T) {
	stores(t, func(t *testing.T, driver, dsn string) {
		for _, strat := range []string{"optimistic", "pessimistic", "lease", "lww"} {
			t.Run(strat, func(t *testing.T) {
				_, _, _, run := runCell(t, "orders", driver, dsn, strat, 4, 50)
				c, err := run()
				if err != nil {
					t.Fatal(err)
				}
				if c.skipped != "" {
					t.Fatalf("skipped: %s", c.skipped)
				}
				if len(c.errors) != 0 {
					t.Errorf("errors: %v", c.errors)
				}
				if c.expected != 200 {
					t.Errorf("committed %d ops, want 200", c.expected)
				}
				if !c.ok {
					t.Errorf("audit not ok: %s", c.verdict)
				}
				if strat != "lww" && c.observed != c.expected {
					t.Errorf("audit observed %d units sold, want %d: %s", c.observed, c.expected, c.verdict)
				}
				t.Logf("%s: %s (conflicts %d)", strat, c.verdict, c.conflicts)
			})
		}
	})
}

// TestNoAudit: a write_path without audit runs, and every cell's audit
// is unavailable with the reason, never ok.
func TestNoAudit(t *testing.T) {
	stores(t, func(t *testing.T, driver, dsn string) {
		tpl := templates(t, "testdata/document.yaml", driver)
		tpl.Audit = ""
		st := opener(driver, dsn, tpl)(t, drivers.Options{Writers: 2})
		sc := scenarios.Default()
		sc.Driver, sc.Writers, sc.OpsPerWriter, sc.Duration = driver, []int{2}, 10, 0
		c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: driver},
			runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 2, Trial: 1}, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if c.Audit.OK || !strings.Contains(c.Audit.Unavailable, "has no audit template") || c.Audit.Expected != 20 {
			t.Errorf("audit %+v, want unavailable naming the missing audit template, 20 expected", c.Audit)
		}
	})
}

// TestTemplateErrors: a template the server refuses, or whose result
// does not fit, fails Setup with one line naming it, which matches
// drivers.ErrInvalidOption.
func TestTemplateErrors(t *testing.T) {
	stores(t, func(t *testing.T, driver, dsn string) {
		for _, tc := range []struct {
			name string
			edit func(*sqltemplate.Templates)
			want string
		}{
			{"syntax", func(t *sqltemplate.Templates) { t.CAS = "UPDAT tpl_docs SET version = @new_version WHERE id = @key" },
				"write_path." + driver + ".cas: "},
			{"missing table", func(t *sqltemplate.Templates) { t.Read = "SELECT version FROM nope WHERE id = @key" },
				"write_path." + driver + ".read: "},
			{"no version", func(t *sqltemplate.Templates) { t.Read = "SELECT counter FROM tpl_docs WHERE id = @key" },
				"write_path." + driver + ".read: returns no version column (columns: counter; alias one: … AS version)"},
			{"no row", func(t *sqltemplate.Templates) { t.Read = "SELECT version FROM tpl_docs WHERE id = @key + 1" },
				"write_path." + driver + ".read: no row for @key = 2 after setup: setup must create keys 0 … @keys−1 (3 keys)"},
			{"counter unread", func(t *sqltemplate.Templates) { t.Read = "SELECT version FROM tpl_docs WHERE id = @key" },
				"write_path." + driver + ".write: binds @counter (the read's counter + 1), but write_path." + driver + ".read returns no counter column"},
			{"lock_read no version", func(t *sqltemplate.Templates) { t.LockRead = "SELECT counter FROM tpl_docs WHERE id = @key" },
				"write_path." + driver + ".lock_read: returns no version column"},
			{"audit two columns", func(t *sqltemplate.Templates) { t.Audit = "SELECT 1, 2" },
				"write_path." + driver + ".audit: returns 2 columns, want one integer"},
			{"audit text", func(t *sqltemplate.Templates) { t.Audit = "SELECT 'many'" },
				"write_path." + driver + ".audit: "},
			{"setup", func(t *sqltemplate.Templates) { t.Setup = append(t.Setup, "INSERT INTO nope VALUES (1)") },
				"write_path." + driver + ".setup[3]: "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tpl := templates(t, "testdata/document.yaml", driver)
				tc.edit(&tpl)
				st := opener(driver, dsn, tpl)(t, drivers.Options{Writers: 1})
				err := st.Setup(context.Background(), drivers.Spec{Keys: 3, FieldGroups: 1, PayloadBytes: 8})
				var te *sqltemplate.TemplateError
				if !errors.As(err, &te) || !errors.Is(err, drivers.ErrInvalidOption) {
					t.Fatalf("Setup: %v, want a *TemplateError matching ErrInvalidOption", err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, tc.want) || strings.Contains(msg, "\n") || len(msg) <= len("write_path."+driver+".cas: ") {
					t.Errorf("Setup: %q, want one line starting %q and saying why", msg, tc.want)
				}
			})
		}
	})
}

// TestOpRefusals: writes a template cannot make are errors, not
// conflicts, and the missing templates are Limiter reasons.
func TestOpRefusals(t *testing.T) {
	stores(t, func(t *testing.T, driver, dsn string) {
		ctx := context.Background()
		tpl := templates(t, "testdata/document.yaml", driver)
		tpl.CAS = "UPDATE tpl_docs SET version = version + 1, counter = counter + 1 WHERE version = @version AND @key >= 0"
		tpl.Write, tpl.LockRead = "", ""
		st := opener(driver, dsn, tpl)(t, drivers.Options{Writers: 1})
		if err := st.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8}); err != nil {
			t.Fatal(err)
		}
		s := st.(*sqltemplate.Store)
		err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: 0})
		if err == nil || drivers.KindOf(err) != drivers.NotConflict || !strings.Contains(err.Error(), "changed 2 rows for key 0") || !drivers.MayHaveCommitted(err) {
			t.Errorf("cas over two rows: %v, want an error (not a conflict, may have committed) naming the 2 rows", err)
		}
		if err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: 0}); drivers.KindOf(err) != drivers.VersionMismatch {
			t.Errorf("stale cas: %v, want a version mismatch", err)
		}
		if why := s.Unsupported(drivers.CapPut); !strings.Contains(why, "no write template") {
			t.Errorf("Unsupported(put) = %q", why)
		}
		if why := s.Unsupported(drivers.CapLockedUpdate); !strings.Contains(why, "no lock_read template") {
			t.Errorf("Unsupported(locked update) = %q", why)
		}
		if why := s.Unsupported(drivers.CapCompareAndSwap); why != "" {
			t.Errorf("Unsupported(cas) = %q, want none", why)
		}
		tot, err := s.Totals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tot != (drivers.Totals{Docs: 2, Counter: 2, Versions: 2}) {
			t.Errorf("totals %+v, want 2 docs, counter 2, versions 2", tot)
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		var d drivers.Doc
		if err := s.Read(canceled, 0, &d); err == nil || drivers.MayHaveCommitted(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("read with an ended context: %v, want context.Canceled, not sent", err)
		}
		if err := s.CompareAndSwap(canceled, &drivers.Write{Key: 0, Expect: 2}); err == nil || drivers.MayHaveCommitted(err) {
			t.Errorf("cas with an ended context: %v, want an error that cannot have committed", err)
		}
	})
}

func TestOpenRefusals(t *testing.T) {
	tpl := templates(t, "testdata/document.yaml", "sqlite")
	for _, tc := range []struct {
		driver string
		edit   func(*sqltemplate.Templates)
		want   string
	}{
		{"redis", func(*sqltemplate.Templates) {}, `write_path: driver "redis" runs no templates (allowed: postgres, sqlite)`},
		{"sqlite", func(t *sqltemplate.Templates) { t.Read = "" }, "write_path.sqlite.read: required"},
		{"sqlite", func(t *sqltemplate.Templates) { t.CAS = "UPDATE t SET v = @stock" }, "write_path.sqlite.cas: unknown parameter @stock at offset 17 (allowed here: @key, @version, @new_version, @writer, @op, @payload, @updated_at)"},
		{"sqlite", func(t *sqltemplate.Templates) { t.Setup = []string{"SELECT ?"} }, "write_path.sqlite.setup[0]: parameter ? at offset 7"},
	} {
		tp := tpl
		tc.edit(&tp)
		_, err := sqltemplate.Open(context.Background(), tc.driver, tp, drivers.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.Is(err, drivers.ErrInvalidOption) {
			t.Errorf("Open(%s): %v, want %q (invalid option)", tc.driver, err, tc.want)
		}
	}
}
