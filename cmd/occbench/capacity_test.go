package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/capacity"
	"github.com/occbench/occbench/results"
)

// fast makes every probe a few hundred ops on the memory store.
var fast = []string{"--driver", "memory", "--ops-per-writer", "50", "--duration", "0s", "--warmup", "0s", "--strategy", "optimistic", "--backoff", "none", "--quiet"}

func TestCapacityBadInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no slo", []string{"capacity"}, "--slo: required"},
		{"unknown metric", []string{"capacity", "--slo", "p98_ms<=5"}, `--slo: condition "p98_ms<=5": unknown metric "p98_ms" (allowed: throughput_ops_s,`},
		{"bad operator", []string{"capacity", "--slo", "p99_ms=5"}, `--slo: condition "p99_ms=5": unknown operator "="`},
		{"bad value", []string{"capacity", "--slo", "p99_ms<=fast"}, `want a number after <=, got "fast"`},
		{"unknown vary", []string{"capacity", "--slo", "p99_ms<=5", "--vary", "keys"}, `--vary: unknown value "keys" (allowed: writers, rate)`},
		{"csv format", []string{"capacity", "--slo", "p99_ms<=5", "--format", "csv"}, "--format: capacity prints text or markdown"},
		{"fractional max", append([]string{"capacity", "--slo", "p99_ms<=5", "--max", "1.5"}, fast...), "--max: --vary writers wants an integer"},
		{"rate start with writers", append([]string{"capacity", "--slo", "p99_ms<=5", "--rate-start", "10"}, fast...), "--rate-start: only with --vary rate"},
		{"rate with a writers sweep", []string{"capacity", "--slo", "p99_ms<=5", "--vary", "rate", "--driver", "memory"}, "--writers: --vary rate runs at one writer count"},
		{"rate max below start", append([]string{"capacity", "--slo", "p99_ms<=5", "--vary", "rate", "--writers", "2", "--rate-start", "100", "--max", "50"}, fast...), "--max: must be ≥ the start rate 100"},
		{"negative probe trials", append([]string{"capacity", "--slo", "p99_ms<=5", "--probe-trials", "-1"}, fast...), "--probe-trials: must be 1 … 1000"},
		{"negative budget", append([]string{"capacity", "--slo", "p99_ms<=5", "--budget-time", "-1s"}, fast...), "--budget-time: must be ≥ 0"},
		{"unknown flag names the command", []string{"capacity", "--slow", "x"}, "(see occbench capacity -h)"},
		{"bad scenario field", []string{"capacity", "--slo", "p99_ms<=5", "--driver", "memory", "--on-conflict", "panic"}, `on_conflict (--on-conflict): unknown value "panic"`},
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

func TestCapacityRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		args    []string
		stdout  string
		writers []int
	}{
		// Conditions that hold, or fail, whatever the machine's speed.
		{"max reached", []string{"--slo", "lost_updates==0", "--max", "4"}, "optimistic/none: 4 writers meet lost_updates==0 at the largest load searched", []int{1, 2, 4}},
		{"none met", []string{"--slo", "throughput_ops_s<0"}, "optimistic/none: no load meets throughput_ops_s<0 (1 writer fails: throughput ", []int{1}},
		{"markdown", []string{"--slo", "lost_updates==0", "--max", "2", "--format", "markdown"}, "## Capacity: `lost_updates==0`", []int{1, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			plots := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			args := append(append([]string{"capacity"}, tt.args...), append([]string{"--out", out, "--plot", plots}, fast...)...)
			r := runT(t, args...)
			if r.code != exitOK {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, r.stdout)
			}
			f, err := results.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, c := range f.Cells {
				got = append(got, c.Writers)
				if c.Ops != int64(50*c.Writers) || !c.Audit.OK {
					t.Errorf("cell w%d: %d ops, audit %s", c.Writers, c.Ops, c.Audit.Verdict)
				}
			}
			if !slices.Equal(got, tt.writers) {
				t.Errorf("probed writers %v, want %v", got, tt.writers)
			}
			if w, _ := f.Scenario["writers"].([]any); len(w) != len(tt.writers) {
				t.Errorf("scenario writers %v, want the probed %v", f.Scenario["writers"], tt.writers)
			}
			if _, err := os.Stat(filepath.Join(plots, capacity.PlotName(capacity.Pair{Strategy: "optimistic", Backoff: "none"}))); err != nil {
				t.Errorf("plot: %v", err)
			}
			if r := runT(t, "report", out); r.code != exitOK {
				t.Errorf("report of the capacity file: exit %d %s", r.code, r.stderr)
			}
		})
	}
}

func TestCapacityRate(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "rate.json")
	r := runT(t, "capacity", "--slo", "lost_updates==0", "--vary", "rate", "--writers", "2", "--rate-start", "1000", "--max", "4000",
		"--driver", "memory", "--ops-per-writer", "20", "--duration", "0s", "--warmup", "0s", "--strategy", "optimistic", "--backoff", "none", "--quiet", "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if want := "optimistic/none: 4,000 ops/s meet lost_updates==0 at the largest load searched"; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rates []float64
	for _, c := range f.Cells {
		rates = append(rates, c.Rate)
		if c.Writers != 2 {
			t.Errorf("rate cell with %d writers, want 2", c.Writers)
		}
	}
	if !slices.Equal(rates, []float64{1000, 2000, 4000}) {
		t.Errorf("rates %v, want [1000 2000 4000]", rates)
	}
}

func TestCapacityProbeTrials(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "trials.json")
	r := runT(t, append([]string{"capacity", "--slo", "lost_updates==0", "--max", "2", "--probe-trials", "3", "--out", out}, fast...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "each probe is the median of 3 trials") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	f, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, c := range f.Cells {
		got = append(got, c.Writers*10+c.Trial)
	}
	if want := []int{11, 12, 13, 21, 22, 23}; !slices.Equal(got, want) {
		t.Errorf("writers·10+trial %v, want %v", got, want)
	}
}
