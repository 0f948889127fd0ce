package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// memRun runs a short memory-driver cell into dir/name.json and returns
// the path.
func memRun(t *testing.T, dir, name string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, name+".json")
	args := append([]string{"run", "--driver", "memory", "--strategy", "optimistic", "--backoff", "none", "--writers", "2",
		"--ops-per-writer", "2000", "--duration", "0s", "--warmup", "0s", "--keys", "1000", "--distribution", "uniform",
		"--quiet", "--out", out}, extra...)
	if r := runT(t, args...); r.code != exitOK {
		t.Fatalf("run %s: exit %d\nstderr: %s", name, r.code, r.stderr)
	}
	return out
}

// TestCompareGateEndToEnd runs the gate on real runs: injected latency
// must fail a p99 gate, identical runs must pass, and with trials only a
// significant change fails.
func TestCompareGateEndToEnd(t *testing.T) {
	dir := t.TempDir()
	base := memRun(t, dir, "base")
	same := memRun(t, dir, "same")
	slow := memRun(t, dir, "slow", "--latency", "200us")
	// Trials: 3 per side can never reach p ≤ 0.05 (the U-test's smallest
	// p for 3+3 is 0.1); 5 per side can.
	base3 := memRun(t, dir, "base3", "--trials", "3", "--ops-per-writer", "200")
	same3 := memRun(t, dir, "same3", "--trials", "3", "--ops-per-writer", "200")
	slow3 := memRun(t, dir, "slow3", "--trials", "3", "--ops-per-writer", "200", "--latency", "200us")
	base5 := memRun(t, dir, "base5", "--trials", "5", "--ops-per-writer", "200")
	slow5 := memRun(t, dir, "slow5", "--trials", "5", "--ops-per-writer", "200", "--latency", "200us")

	for _, tt := range []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     []string
		noStderr   string
		oneLineErr bool
	}{
		{name: "latency regression", args: []string{"compare", base, slow, "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{"optimistic/none/w2", "p99 (ms)", "FAIL p99>+10%", "gates: 1 failed (p99>+10%)"},
			stderr: []string{"occbench: regression: p99>+10%: optimistic/none/w2: p99 "}},
		{name: "identical runs", args: []string{"compare", base, same, "--fail-on", "lost_updates>0"}, code: exitOK,
			stdout: []string{"gates: all passed (lost_updates>0)"}, noStderr: "regression"},
		{name: "flags first, markdown", args: []string{"compare", "--format", "markdown", "--fail-on", "p99>+10%", base, slow}, code: exitFailed,
			stdout: []string{"| cell | metric | base | new | change |", "❌ `p99>+10%"}, stderr: []string{"regression: p99>+10%"}},
		{name: "json", args: []string{"compare", base, slow, "--format", "json", "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{`"regression": true`, `"gate": "p99>+10%"`}},
		{name: "trials 3 identical", args: []string{"compare", base3, same3, "--fail-on", "lost_updates>0"}, code: exitOK,
			stdout: []string{"trials", "n=3", "gates: all passed"}},
		{name: "trials 3 too few to be significant", args: []string{"compare", base3, slow3, "--fail-on", "p99>+10%"}, code: exitOK,
			stdout: []string{"~ (p=0.100 n=3)", "need >= 4 samples to detect a difference at alpha level 0.05", "gates: all passed"}},
		{name: "trials 5 significant", args: []string{"compare", base5, slow5, "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{"(p=0.008 n=5)", "FAIL p99>+10%"}, stderr: []string{"regression: p99>+10%: optimistic/none/w2"}},
		{name: "one side trials", args: []string{"compare", base, slow5, "--fail-on", "p99>+10%"}, code: exitFailed},
		{name: "no gates", args: []string{"compare", base, slow}, code: exitOK, stdout: []string{"p99 (ms)"}},

		{name: "bad gate", args: []string{"compare", base, slow, "--fail-on", "p99>+10%,latency>5"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--fail-on: gate "latency>5": unknown metric "latency" (allowed: throughput, attempts, conflict_ratio, retries, p50, p90, p99, p999, give_ups, errors, lost_updates)`}},
		{name: "bad gate operator", args: []string{"compare", base, slow, "--fail-on", "p99=>5"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--fail-on: gate "p99=>5": unknown operator "=>"`}},
		{name: "unreadable file", args: []string{"compare", base, filepath.Join(dir, "nope.json")}, code: exitBadInput, oneLineErr: true,
			stderr: []string{"nope.json"}},
		{name: "not a results file", args: []string{"compare", base, "go.mod"}, code: exitBadInput, oneLineErr: true, stderr: []string{"go.mod"}},
		{name: "one file", args: []string{"compare", base}, code: exitBadInput, oneLineErr: true, stderr: []string{"want two results files"}},
		{name: "bad format", args: []string{"compare", base, same, "--format", "csv"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--format: unknown format "csv" (allowed: text, markdown, json)`}},
		{name: "bad alpha", args: []string{"compare", base, same, "--alpha", "0"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{"--alpha: must be in (0, 1), got 0"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if tt.noStderr != "" && strings.Contains(r.stderr, tt.noStderr) {
				t.Errorf("stderr has %q:\n%s", tt.noStderr, r.stderr)
			}
			if tt.oneLineErr && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("bad input must be one line:\n%s", r.stderr)
			}
		})
	}

	// The json report is valid and names the failing gate per metric.
	r := runT(t, "compare", base, slow, "--format", "json", "--fail-on", "p99>+10%")
	var rep struct {
		Failures []struct{ Gate, Cell string } `json:"failures"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json report: %v", err)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Gate != "p99>+10%" || rep.Failures[0].Cell != "optimistic/none/w2" {
		t.Errorf("json failures %+v", rep.Failures)
	}

	// Different workloads share no cell: with gates that is bad input.
	other := memRun(t, dir, "other", "--keys", "10", "--ops-per-writer", "100")
	r = runT(t, "compare", base, other, "--fail-on", "p99>+10%")
	if r.code != exitBadInput || !strings.Contains(r.stderr, "nothing to check the gates against") {
		t.Errorf("no common cells: exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "only in "+base+": optimistic/none/w2") {
		t.Errorf("unmatched cells not listed:\n%s", r.stdout)
	}
}
