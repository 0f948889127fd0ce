package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
)

// flaky is a memory store whose reads fail with a connection error
// three times in four: a store that is mostly down.
type flaky struct {
	*memory.Store
	n *atomic.Int64
}

func (f flaky) Read(ctx context.Context, key int, d *drivers.Doc) error {
	if f.n.Add(1)%4 != 0 {
		return &drivers.OpError{Driver: "test-flaky", Op: "read", Key: key, Class: drivers.ClassConnection, Err: errors.New("connection refused")}
	}
	return f.Store.Read(ctx, key, d)
}

func init() {
	drivers.Register(drivers.Driver{Name: "test-flaky", Summary: "test only: a memory store whose reads fail 3 times in 4",
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			st, err := memory.New(o)
			return flaky{st, new(atomic.Int64)}, err
		}})
}

// TestRefusedBeforeAnyWork: every input that would run something other
// than what was asked is refused with exit 2 and one line naming the
// flag or field, before a store opens.
func TestRefusedBeforeAnyWork(t *testing.T) {
	many := []string{"run", "--driver", "memory", "--trials", "1000", "--writers", "1,2,3,4", "--strategies", "optimistic,pessimistic,lease"}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown param key", []string{"run", "--driver", "memory", "--params", "lock_wait=nowait"}, `--params: unknown key "lock_wait" for driver memory (allowed: none)`},
		{"unknown postgres param", []string{"run", "--driver", "postgres", "--param", "fsync=off"}, `--param: unknown key "fsync" for driver postgres (allowed: lock_wait, conns, transport)`},
		{"latency on sqlite", []string{"run", "--driver", "sqlite", "--latency", "1ms"}, "--latency: driver sqlite does not inject latency (only: memory"},
		{"image on memory", []string{"run", "--driver", "memory", "--image", "postgres:17"}, "--image: driver memory runs no server"},
		{"dsn on memory", []string{"run", "--driver", "memory", "--dsn", "x"}, "--dsn: driver memory is in-process"},
		{"empty list item", []string{"run", "--writers", "1,,4"}, `--writers: empty item in "1,,4"`},
		{"duplicate list item", []string{"run", "--writers", "4,4"}, `--writers: "4" listed twice`},
		{"no cell can run", []string{"run", "--driver", "memory", "--strategy", "serializable"}, "no cell can run: "},
		{"no cell can run in operation scope", []string{"run", "--driver", "memory", "--scope", "operation", "--strategies", "pessimistic,lease"}, "no cell can run: --scope operation: strategy pessimistic locks or leases the whole document"},
		{"hybrid lock", []string{"run", "--driver", "memory", "--strategies", "hybrid", "--hybrid-lock", "mutex"}, `hybrid_lock (--hybrid-lock): unknown value "mutex" (allowed: lease, row)`},
		{"hybrid escalate after", []string{"run", "--driver", "memory", "--strategies", "hybrid", "--escalate-after", "0"}, "escalate_after (--escalate-after): must be ≥ 1, got 0"},
		{"NaN", []string{"run", "--driver", "memory", "--rate", "NaN"}, "--rate: want a finite number"},
		{"Inf", []string{"run", "--driver", "memory", "--hot-ops", "Inf"}, "--hot-ops: want a finite number"},
		{"warmup bound", []string{"run", "--driver", "memory", "--warmup", "2h"}, "warmup (--warmup): must be ≤ 1h"},
		{"think bound", []string{"run", "--driver", "memory", "--think", "61m"}, "think (--think): must be ≤ 1h"},
		{"duration bound", []string{"run", "--driver", "memory", "--duration", "48h"}, "duration (--duration): must be ≤ 24h"},
		{"too many cells", many, "the plan has 48000 cells, more than 10000"},
		{"unknown flag suggests", []string{"run", "--strategys", "lease"}, "unknown flag --strategys (did you mean --strategy?)"},
		{"plural flag works, errors name it", []string{"run", "--strategies", "hope"}, `strategies (--strategies): unknown value "hope"`},
		{"lock-wait typo", []string{"run", "--lock-wait", "soon"}, `--lock-wait: unknown value "soon"`},
		{"memory store too large", []string{"run", "--driver", "memory", "--keys", "2000000000"}, "keys: 2000000000 documents of 64 payload bytes"},
		{"unknown command suggests", []string{"rnu"}, `unknown command "rnu"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != exitBadInput {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitBadInput, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("want one line, got %d:\n%s", n+1, r.stderr)
			}
			if strings.HasPrefix(r.stderr, "plan:") || strings.Contains(r.stderr, "results written") {
				t.Errorf("work started before the refusal:\n%s", r.stderr)
			}
		})
	}
	// --force lets the large plan through (dry run: nothing runs).
	if r := runT(t, append(many, "--force", "--dry-run")...); r.code != exitOK || !strings.Contains(r.stdout, "plan: 48000 cells") {
		t.Errorf("--force --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestDryRunPlan: the plan names every dimension and where its value
// came from, and nothing runs.
func TestDryRunPlan(t *testing.T) {
	dir := t.TempDir()
	r := runT(t, "run", "--driver", "redis", "--strategy", "optimistic,lease", "--duration", "2s", "--dry-run", "--out", filepath.Join(dir, "x.json"))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"plan: 32 cells of quickstart on redis (a container occbench starts), about 1m 10s",
		"writers     1, 4, 16, 64", "(built-in quickstart)",
		"strategies  optimistic, lease", "(flag --strategy)",
		"duration    2s", "(flag --duration)",
		"trials      1", "(default)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote results: %v", err)
	}
}

// TestErrorDominatedCellFails: a cell whose attempts mostly errored is a
// failure (exit 1, naming the cell and the error class), even though its
// ops committed in the end (errored attempts are retried after the error
// backoff); a threshold on error_ratio replaces the default.
func TestErrorDominatedCellFails(t *testing.T) {
	dir := t.TempDir()
	args := []string{"run", "--driver", "test-flaky", "--writers", "2", "--ops-per-writer", "50", "--warmup", "0s", "--backoffs", "none", "--error-backoff", "constant:1ms", "--strategies", "optimistic", "--quiet"}
	r := runT(t, append(args, "--out", filepath.Join(dir, "a.json"))...)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"cell optimistic/none/w2: error_ratio 0.75 > 0.5", "mostly connection"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	f, err := results.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil || len(f.Cells) != 1 || f.Cells[0].Attempts != 400 || f.Cells[0].Ops != 100 {
		t.Fatalf("results kept? %v %+v", err, f)
	}
	// The user's own threshold decides instead.
	r = runT(t, append(args, "--out", filepath.Join(dir, "b.json"), "--threshold", "error_ratio<0.9")...)
	if r.code != exitOK {
		t.Errorf("with a threshold error_ratio<0.9: exit %d\n%s", r.code, r.stderr)
	}
	r = runT(t, append(args, "--out", filepath.Join(dir, "c.json"), "--threshold", "error_ratio<0.1")...)
	if r.code != exitThreshold {
		t.Errorf("with a threshold error_ratio<0.1: exit %d, want 3\n%s", r.code, r.stderr)
	}
}

// TestOutFallback: when --out cannot be written the results go to the
// temporary directory, both paths are printed, the report still is, and
// the exit code is 1.
func TestOutFallback(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	blocker := filepath.Join(tmp, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(blocker, "sub", "r.json") // a path under a file: cannot be created
	r := runT(t, "run", "--driver", "memory", "--writers", "1", "--ops-per-writer", "10", "--warmup", "0s", "--strategies", "optimistic", "--backoffs", "none", "--quiet", "--out", out)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, out) || !strings.Contains(r.stderr, "the results were written to "+tmp) {
		t.Fatalf("stderr must name both paths:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "optimistic") {
		t.Errorf("no report on stdout:\n%s", r.stdout)
	}
	matches, _ := filepath.Glob(filepath.Join(tmp, "occbench-*-r.json"))
	if len(matches) != 1 {
		t.Fatalf("fallback files: %v", matches)
	}
	if _, err := results.ReadFile(matches[0]); err != nil {
		t.Errorf("fallback unreadable: %v", err)
	}
}

// TestHelpAndVersion: help goes to stdout with exit 0, grouped with the
// defaults a bare run uses; every command has a usage line.
func TestHelpAndVersion(t *testing.T) {
	r := runT(t, "run", "-h")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("run -h: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"usage: occbench run", "\nworkload:\n", "\nstrategy:\n", "\nbackoff:\n", "\nstore:\n", "\noutput:\n",
		"--writers", "(default 1,4,16,64, quickstart scenario)", "--strategies", "also --strategy", "--dry-run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run -h lacks %q", want)
		}
	}
	if h := runT(t, "help", "run"); h.code != exitOK || h.stdout != r.stdout {
		t.Errorf("help run differs from run -h (exit %d)", h.code)
	}
	for _, cmd := range []string{"list", "report", "plot", "compare", "merge", "capacity", "tune-backoff"} {
		h := runT(t, "help", cmd)
		if h.code != exitOK || !strings.HasPrefix(h.stdout, "usage: occbench "+cmd) {
			t.Errorf("help %s: exit %d, stdout %.80q, stderr %q", cmd, h.code, h.stdout, h.stderr)
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		v := runT(t, args...)
		if v.code != exitOK || !strings.HasPrefix(v.stdout, "occbench ") {
			t.Errorf("%v: exit %d, %q", args, v.code, v.stdout)
		}
	}
}
