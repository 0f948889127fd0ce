package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
)

// lossy is a memory store whose audit reads one update fewer than were
// committed: what a store that silently drops a write looks like.
type lossy struct{ *memory.Store }

func (l lossy) Totals(ctx context.Context) (drivers.Totals, error) {
	t, err := l.Store.Totals(ctx)
	t.Counter--
	return t, err
}

func init() {
	drivers.Register(drivers.Driver{Name: "test-lossy", Summary: "test only: a memory store that loses one update per cell",
		Open: func(ctx context.Context, o drivers.Options) (drivers.Store, error) {
			st, err := memory.New(o)
			return lossy{st}, err
		}})
}

type result struct {
	code           int
	stdout, stderr string
}

func runT(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWithSignals(context.Background(), args, &out, &errb, nil)
	return result{code, out.String(), errb.String()}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name+".json") }
	small := []string{"--driver", "memory", "--writers", "2", "--ops-per-writer", "200", "--duration", "0s", "--warmup", "0s", "--backoff", "none", "--quiet"}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string // substring; one line for exit 2
	}{
		{"no command", nil, exitBadInput, "usage: occbench"},
		{"unknown command", []string{"frobnicate"}, exitBadInput, `unknown command "frobnicate"`},
		{"unknown flag", []string{"run", "--writerz", "4"}, exitBadInput, "unknown flag --writerz (did you mean --writers?)"},
		{"bad flag value", []string{"run", "--writers", "four"}, exitBadInput, "--writers: want a comma list of integers"},
		{"bad field", []string{"run", "--driver", "memory", "--on-conflict", "panic"}, exitBadInput, `on_conflict (--on-conflict): unknown value "panic" (allowed: retry, fail, merge)`},
		{"unknown driver", []string{"run", "--driver", "oracle"}, exitBadInput, `driver (--driver): unknown value "oracle"`},
		{"unknown scenario", []string{"run", "no-such"}, exitBadInput, `scenario "no-such": no such file or built-in`},
		{"two scenarios", []string{"run", "quickstart", "open-loop"}, exitBadInput, "want at most one scenario"},
		{"bad format", []string{"run", "--format", "pdf"}, exitBadInput, `--format: unknown format "pdf"`},
		{"ok", append([]string{"run", "--strategy", "optimistic,pessimistic,lease", "--out", out("ok")}, small...), exitOK, ""},
		{"flags after scenario", append([]string{"run", "quickstart", "--strategy", "optimistic", "--out", out("after")}, small...), exitOK, ""},
		{"lww loss is expected", append([]string{"run", "--strategy", "lww", "--latency", "100us", "--out", out("lww")}, small...), exitOK, ""},
		{"unexpected loss", []string{"run", "--driver", "test-lossy", "--writers", "2", "--ops-per-writer", "10", "--warmup", "0s", "--out", out("lossy"), "--quiet"}, exitFailed, "unexpected lost updates"},
		{"threshold fails", append([]string{"run", "--strategy", "optimistic", "--threshold", "throughput_ops_s>1e12", "--out", out("thr")}, small...), exitThreshold, "thresholds failed"},
		{"threshold passes", append([]string{"run", "--strategy", "optimistic", "--threshold", "optimistic: lost_updates==0", "--out", out("thr2")}, small...), exitOK, ""},
		{"bad threshold", []string{"run", "--threshold", "p98<3"}, exitBadInput, `unknown metric "p98"`},
		{"list", []string{"list", "strategies"}, exitOK, ""},
		{"list unknown", []string{"list", "moods"}, exitBadInput, `unknown section "moods"`},
		{"report missing", []string{"report", filepath.Join(dir, "nope.json")}, exitBadInput, "nope.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
			if tt.code == exitBadInput && tt.args != nil {
				if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 && !strings.Contains(tt.stderr, "usage") {
					t.Errorf("bad input must be one line, got %d:\n%s", lines, r.stderr)
				}
				if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
					t.Errorf("stack trace on bad input:\n%s", r.stderr)
				}
			}
		})
	}
	// The results files of the runs above are complete and re-render.
	f, err := results.ReadFile(out("ok"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cells) != 3 || f.Interrupted || f.Scenario["driver"] != "memory" {
		t.Errorf("results: %d cells, interrupted %v, scenario %v", len(f.Cells), f.Interrupted, f.Scenario)
	}
	for _, c := range f.Cells {
		if c.Ops != 400 || !c.Audit.OK {
			t.Errorf("cell %s: ops %d audit %s", c.Strategy, c.Ops, c.Audit.Verdict)
		}
	}
	lww, err := results.ReadFile(out("lww"))
	if err != nil {
		t.Fatal(err)
	}
	if a := lww.Cells[0].Audit; a.LostUpdates <= 0 || !a.LossExpected {
		t.Errorf("lww audit: %+v", a)
	}
	for _, format := range []string{"text", "markdown", "csv", "json"} {
		if r := runT(t, "report", out("ok"), "--format", format); r.code != 0 || r.stdout == "" {
			t.Errorf("report --format %s: exit %d stderr %s", format, r.code, r.stderr)
		}
	}
}

func TestInterruptWritesPartialResults(t *testing.T) {
	out := filepath.Join(t.TempDir(), "int.json")
	sig := make(chan os.Signal, 1)
	sig <- os.Interrupt
	var stdout, stderr bytes.Buffer
	code := runWithSignals(context.Background(), []string{"run", "--driver", "memory", "--duration", "1h", "--out", out, "--quiet"}, &stdout, &stderr, sig)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitInterrupted, stderr.String())
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Interrupted {
		t.Error("results not marked interrupted")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	if len(matches) != 0 {
		t.Errorf("temp files left behind: %v", matches)
	}
}

func TestDSNPasswordNeverShown(t *testing.T) {
	// An unreachable server: the error must not echo the password.
	out := filepath.Join(t.TempDir(), "x.json")
	r := runT(t, "run", "--driver", "postgres", "--dsn", "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", "--out", out, "--quiet")
	if r.code == exitOK {
		t.Fatal("want a failure connecting to port 1")
	}
	if strings.Contains(r.stderr+r.stdout, "hunter2") {
		t.Fatalf("password shown: %s", r.stderr)
	}
}

func TestListGolden(t *testing.T) {
	r := runT(t, "list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden.Check(t, filepath.Join("testdata", "TestListGolden.golden"), []byte(r.stdout))
}
