package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/tune"
)

func TestTuneBadInput(t *testing.T) {
	t.Parallel()
	one := []string{"--driver", "memory", "--writers", "2"}
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown objective", []string{"tune-backoff", "--objective", "p95"}, `--objective: unknown objective "p95" (allowed: p99, goodput, attempts)`},
		{"unknown policy", []string{"tune-backoff", "--policies", "full-jitter,fibonacci"}, `--policies: unknown policy "fibonacci" (allowed: `},
		{"bad base", []string{"tune-backoff", "--base", "1ms,soon"}, `--base: want a comma list of durations like 1ms,5ms, got "soon"`},
		{"zero base", append([]string{"tune-backoff", "--base", "0s"}, one...), "--base: must be > 0, got 0s"},
		{"caps all below bases", append([]string{"tune-backoff", "--base", "1s", "--cap", "10ms"}, one...), "--cap: every cap is below every base: nothing to run"},
		{"repeated cap", append([]string{"tune-backoff", "--cap", "1s,1s"}, one...), `--cap: "1s" listed twice`},
		{"writers sweep", []string{"tune-backoff", "--driver", "memory"}, "--writers: tune-backoff runs at one writer count; the scenario lists [1 4 16 64]"},
		{"markdown", []string{"tune-backoff", "--format", "markdown"}, "--format: tune-backoff prints text"},
		{"unknown flag names the command", []string{"tune-backoff", "--polices", "x"}, "(see occbench tune-backoff -h)"},
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

func TestTuneRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "tune.json")
	heat := filepath.Join(dir, "heat")
	r := runT(t, "tune-backoff", "--driver", "memory", "--writers", "2", "--ops-per-writer", "30", "--duration", "0s", "--warmup", "0s",
		"--strategy", "optimistic", "--policies", "full-jitter,expo", "--base", "1ms,20ms", "--cap", "10ms", "--objective", "attempts",
		"--trials", "2", "--quiet", "--out", out, "--plot", heat)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"objective: attempts (lowest amplification, attempts per committed op; ties broken by p99, then goodput); 2 trials per combination (medians)",
		"grid: 2 policies × 2 bases × 1 cap: 2 combinations per strategy (2 skipped: cap < base)",
		"optimistic (memory, 2 writers):",
		"recommendation: ",
		"runner-up: ",
		"significance:   not significant (Mann-Whitney U",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, c := range f.Cells {
		labels = append(labels, c.Backoff)
		if c.Ops != 60 || c.Writers != 2 {
			t.Errorf("cell %s: %d ops, %d writers", c.Backoff, c.Ops, c.Writers)
		}
	}
	if got, want := strings.Join(labels, " "), "full-jitter(1ms,10ms) full-jitter(1ms,10ms) expo(1ms,10ms) expo(1ms,10ms)"; got != want {
		t.Errorf("cells %s, want %s", got, want)
	}
	for _, p := range []string{"full-jitter", "expo"} {
		if _, err := os.Stat(filepath.Join(heat, tune.HeatmapName("optimistic", p))); err != nil {
			t.Errorf("heatmap: %v", err)
		}
	}
}
