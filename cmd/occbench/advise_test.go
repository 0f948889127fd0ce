package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

func TestAdviseBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown skew", []string{"advise", "--driver", "memory", "--skews", "hot"}, `--skews: unknown skew "hot" (allowed: single, zipfian, uniform)`},
		{"two backoffs", []string{"advise", "--driver", "memory", "--backoffs", "none,expo"}, "--backoffs: advise compares strategies under one backoff, got 2"},
		{"one key for zipfian", []string{"advise", "--driver", "memory", "--keys", "1"}, "--keys: the zipfian and uniform skews need at least 2 keys"},
		{"distribution", []string{"advise", "--driver", "memory", "--distribution", "uniform"}, "--distribution: advise sweeps the key distribution; use --skews"},
		{"margin", []string{"advise", "--driver", "memory", "--margin", "1"}, "--margin: must be in [0, 1)"},
		{"format", []string{"advise", "--driver", "memory", "--format", "csv"}, "--format: advise prints text or markdown"},
		{"rate", []string{"advise", "--driver", "memory", "--rate", "100"}, "--rate: advise compares closed-loop writers"},
		{"plots", []string{"advise", "--driver", "memory", "--plots", "x"}, "--plots: advise draws its crossover plots with --plot DIR"},
		{"too many cells", []string{"advise", "--driver", "memory", "--trials", "600"}, "the sweep has 43200 cells, more than 10000"},
		{"no runnable strategy", []string{"advise", "--driver", "memory", "--scope", "operation", "--strategies", "pessimistic", "--skews", "single", "--quiet"}, "no cell can run"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runT(t, tt.args...)
			if r.code != exitBadInput {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("bad input must be one line, got %d:\n%s", n+1, r.stderr)
			}
		})
	}
}

func TestAdviseDryRun(t *testing.T) {
	t.Parallel()
	r := runT(t, "advise", "--driver", "memory", "--dry-run")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	want := "plan: advise on memory with decorrelated-jitter: 3 skews (single,zipfian,uniform) × 6 writer counts (1,2,4,8,16,32) × 4 strategies (optimistic, pessimistic, lease, hybrid) × 2 trials = 144 cells of 1s"
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "keys 1000") {
		t.Errorf("dry run:\n%s\nwant it to start with:\n%s", r.stdout, want)
	}
}

// bandLine is the shape of a recommendation line.
var bandLine = regexp.MustCompile(`^  best on (goodput|p99), (below [0-9.]+% conflicts \(≤ \d+ writers? on single\)|above [0-9.]+% conflicts \(≥ \d+ writers on single\)|[0-9.]+%–[0-9.]+% conflicts \(.*\)|at every measured load \(.*\)|up to \d+ writers? on single|from \d+ writers on single|\d+(–\d+)? writers? on single): ` +
	`((optimistic|pessimistic|lease|hybrid) with full-jitter( \((goodput|p99) [0-9.]+× (optimistic|pessimistic|lease|hybrid), (goodput|p99) [0-9.]+×\))?|tie within noise on (goodput|p99): .*)$`)

func TestAdviseRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "advise.json")
	r := runT(t, "advise", "--driver", "memory", "--latency", "1ms", "--hold", "0", "--duration", "200ms", "--warmup", "0s",
		"--writers", "1,4", "--skews", "single", "--backoffs", "full-jitter", "--quiet", "--out", out, "--plot", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	if !strings.HasPrefix(lines[0], "advise: quickstart on memory, backoff full-jitter, 2 trials per point (a tie: medians within 10%, or trial ranges that overlap)") {
		t.Errorf("header = %q", lines[0])
	}
	bands := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "  best on ") {
			bands++
			if !bandLine.MatchString(l) {
				t.Errorf("band line %q has not the format", l)
			}
		}
	}
	if bands < 2 {
		t.Errorf("%d band lines, want one per band and objective (≥ 2):\n%s", bands, r.stdout)
	}
	if !strings.Contains(r.stdout, "skew    writers  conflicts  optimistic ops/s") {
		t.Errorf("no table:\n%s", r.stdout)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cells) != 16 || f.Advice == nil || len(f.Advice.Skews) != 1 || f.Advice.Trials != 2 || f.Advice.Backoff != "full-jitter" {
		t.Fatalf("results: %d cells, advice %+v", len(f.Cells), f.Advice)
	}
	for _, c := range f.Cells {
		if c.Distribution != "single" || c.Trial == 0 || !c.Audit.OK {
			t.Errorf("cell %s/w%d: distribution %q trial %d audit %+v", c.Strategy, c.Writers, c.Distribution, c.Trial, c.Audit)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "advise-single.png")); err != nil {
		t.Errorf("--plot: %v", err)
	}
	md := runT(t, "report", out, "--format", "markdown")
	if md.code != exitOK || !strings.Contains(md.stdout, "keys dist") {
		t.Errorf("report of the advise file: exit %d, no distribution column:\n%s", md.code, md.stdout)
	}
}

// TestAdviseInterrupted: Ctrl-C during the sweep exits 130 and keeps the
// what was measured, with its advice.
func TestAdviseInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "int.json")
	sig := make(chan os.Signal, 1)
	sig <- os.Interrupt
	var stdout, stderr bytes.Buffer
	code := runWithSignals(context.Background(), []string{"advise", "--driver", "memory", "--skews", "single", "--duration", "1h", "--out", out, "--quiet"}, &stdout, &stderr, sig)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitInterrupted, stderr.String())
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The signal may stop the sweep before or during its first cell.
	if !f.Interrupted || f.Advice == nil || len(f.Cells) > 1 || (len(f.Cells) == 1 && !f.Cells[0].Interrupted) {
		t.Errorf("interrupted %v, advice %v, %d cells", f.Interrupted, f.Advice != nil, len(f.Cells))
	}
	if !strings.Contains(stdout.String(), "interrupted: the advice is from the points measured before the stop") {
		t.Errorf("report does not say it was interrupted:\n%s", stdout.String())
	}
}
