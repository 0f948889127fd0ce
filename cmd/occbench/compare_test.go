package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memRun runs a short memory-driver cell into dir/name.json and returns
// the path.
func memRun(t *testing.T, dir, name string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, name+".json")
	// --hold 0: the quickstart's 200 µs hold, waited by yielding, would
	// put a loaded machine's scheduling into every p99 compared here.
	args := append([]string{"run", "--driver", "memory", "--strategy", "optimistic", "--backoff", "none", "--hold", "0", "--writers", "2",
		"--ops-per-writer", "2000", "--duration", "0s", "--warmup", "0s", "--keys", "1000", "--distribution", "uniform",
		"--quiet", "--out", out}, extra...)
	if r := runT(t, args...); r.code != exitOK {
		t.Fatalf("run %s: exit %d\nstderr: %s", name, r.code, r.stderr)
	}
	return out
}

// copyFile copies src to dir/name.json and returns the path.
func copyFile(t *testing.T, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".json")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompareGateEndToEnd runs the gate on real runs: injected latency
// must fail a p99 gate, identical runs must pass, and with trials a
// change fails when it is significant or, with too few trials for the
// U-test to ever be significant, when the change of the medians crosses
// the gate.
func TestCompareGateEndToEnd(t *testing.T) {
	dir := t.TempDir()
	base := memRun(t, dir, "base")
	same := memRun(t, dir, "same")
	slow := memRun(t, dir, "slow", "--latency", "200us")
	// A 10x latency regression with 3 trials per side: the U-test's
	// smallest p for 3+3 is 0.1, never ≤ 0.05, so the medians decide. One
	// writer: the injected latency is spun, and this machine is shared.
	fast3 := memRun(t, dir, "fast3", "--trials", "3", "--ops-per-writer", "200", "--writers", "1", "--latency", "200us")
	slow3 := memRun(t, dir, "slow3", "--trials", "3", "--ops-per-writer", "200", "--writers", "1", "--latency", "2ms")
	fast3copy := copyFile(t, fast3, dir, "fast3-copy")
	// 5 per side can reach p ≤ 0.05. The slow side's p99 is at least
	// 2 ms (two round trips of 1 ms), above what a loaded machine's
	// scheduling adds to the base's (200 µs was not, at load 20).
	base5 := memRun(t, dir, "base5", "--trials", "5", "--ops-per-writer", "200")
	slow5 := memRun(t, dir, "slow5", "--trials", "5", "--ops-per-writer", "200", "--latency", "1ms")
	const gates10x = "throughput<-50%,p99>+100%"

	for _, tt := range []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     []string
		noStdout   string
		noStderr   string
		oneLineErr bool
	}{
		{name: "latency regression", args: []string{"compare", base, slow, "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{"optimistic/none/w2", "p99 (ms)", "FAIL p99_ms > +10%", "gates: 1 failed (p99_ms > +10%)"},
			stderr: []string{"occbench: regression: p99_ms > +10%: optimistic/none/w2: p99_ms "}},
		{name: "identical runs", args: []string{"compare", base, same, "--fail-on", "lost_updates>0"}, code: exitOK,
			stdout: []string{"gates: all passed (lost_updates > 0)"}, noStderr: "regression"},
		{name: "flags first, markdown", args: []string{"compare", "--format", "markdown", "--fail-on", "p99>+10%", base, slow}, code: exitFailed,
			stdout: []string{"| cell | metric | base | new | change |", "❌ `p99_ms > +10%"}, stderr: []string{"regression: p99_ms > +10%"}},
		{name: "json", args: []string{"compare", base, slow, "--format", "json", "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{`"regression": true`, `"gate": "p99_ms > +10%"`}},

		// The throughput falls about 8x, far beyond its gate; the p99 rises
		// too, but a loaded machine's scheduling delays weigh on it, so
		// only its row is checked here (TestGateDecision in package compare
		// checks both gates on exact numbers).
		{name: "trials 3, 10x latency: decided on medians", args: []string{"compare", fast3, slow3, "--fail-on", gates10x}, code: exitFailed,
			stdout: []string{"(medians, n=3)", "n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4",
				"FAIL throughput_ops_s < -50%", "failed (throughput_ops_s < -50%, p99_ms > +100%)"},
			stderr: []string{"occbench: regression: throughput_ops_s < -50%: optimistic/none/w1: throughput_ops_s ", "(medians, n=3)"}},
		{name: "trials 3, 10x latency, markdown", args: []string{"compare", fast3, slow3, "--fail-on", gates10x, "--format", "markdown"}, code: exitFailed,
			stdout: []string{"(medians, n=3)", "n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4<br>", "❌ **", " failed**"}},
		{name: "trials 3, 10x latency, json", args: []string{"compare", fast3, slow3, "--fail-on", gates10x, "--format", "json"}, code: exitFailed,
			stdout: []string{`"decided": "medians"`, `"min_p": 0.1`, "n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4", `"regression": true`}},
		{name: "trials 3, 10x latency, alpha 0.1: the U-test decides", args: []string{"compare", fast3, slow3, "--fail-on", gates10x, "--alpha", "0.1"}, code: exitFailed,
			stdout: []string{"-50%: optimistic/none/w1: throughput_ops_s ", "(p=0.100 n=3)"}, noStdout: "decided on medians"},
		{name: "trials 3 identical files", args: []string{"compare", fast3, fast3copy, "--fail-on", gates10x}, code: exitOK,
			stdout: []string{"trials", "n=3", "gates: all passed (throughput_ops_s < -50%, p99_ms > +100%)"}, noStderr: "regression"},
		{name: "trials 5 significant", args: []string{"compare", base5, slow5, "--fail-on", "p99>+10%"}, code: exitFailed,
			stdout: []string{"(p=0.008 n=5)", "FAIL p99_ms > +10%"}, stderr: []string{"regression: p99_ms > +10%: optimistic/none/w2"}, noStdout: "decided on medians"},
		{name: "one side trials", args: []string{"compare", base, slow5, "--fail-on", "p99>+10%"}, code: exitFailed},
		{name: "no gates", args: []string{"compare", base, slow}, code: exitOK, stdout: []string{"p99 (ms)"}},

		{name: "bad gate", args: []string{"compare", base, slow, "--fail-on", "p99>+10%,latency>5"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--fail-on: gate "latency>5": unknown metric "latency" (allowed: throughput_ops_s, attempts_s, conflict_ratio, success_rate,`}},
		{name: "bad gate operator", args: []string{"compare", base, slow, "--fail-on", "p99=>5"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--fail-on: gate "p99=>5": unknown operator "=>"`}},
		{name: "unreadable file", args: []string{"compare", base, filepath.Join(dir, "nope.json")}, code: exitBadInput, oneLineErr: true,
			stderr: []string{"nope.json"}},
		{name: "not a results file", args: []string{"compare", base, "go.mod"}, code: exitBadInput, oneLineErr: true, stderr: []string{"go.mod"}},
		{name: "one file", args: []string{"compare", base}, code: exitBadInput, oneLineErr: true, stderr: []string{"want two results files"}},
		{name: "bad format", args: []string{"compare", base, same, "--format", "csv"}, code: exitBadInput, oneLineErr: true,
			stderr: []string{`--format: unknown format "csv" (allowed: text, markdown, json, junit)`}},
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
			if tt.noStdout != "" && strings.Contains(r.stdout, tt.noStdout) {
				t.Errorf("stdout has %q:\n%s", tt.noStdout, r.stdout)
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
	if len(rep.Failures) != 1 || rep.Failures[0].Gate != "p99_ms > +10%" || rep.Failures[0].Cell != "optimistic/none/w2" {
		t.Errorf("json failures %+v", rep.Failures)
	}

	// The 10x regression in json: both gated metrics rose or fell the
	// right way and were decided on the medians of 3 trials.
	r = runT(t, "compare", fast3, slow3, "--format", "json", "--fail-on", gates10x)
	var rep10 struct {
		Cells []struct {
			Metrics []struct {
				Metric  string   `json:"metric"`
				Delta   float64  `json:"delta"`
				Decided string   `json:"decided"`
				Failed  []string `json:"failed_gates"`
			} `json:"metrics"`
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep10); err != nil || len(rep10.Cells) != 1 {
		t.Fatalf("json report: %v\n%s", err, r.stdout)
	}
	for _, m := range rep10.Cells[0].Metrics {
		switch m.Metric {
		case "throughput_ops_s":
			if m.Decided != "medians" || m.Delta >= 0 || len(m.Failed) != 1 {
				t.Errorf("throughput: %+v", m)
			}
		case "p99_ms":
			if m.Decided != "medians" || m.Delta <= 0 {
				t.Errorf("p99: %+v", m)
			}
			if len(m.Failed) == 0 {
				t.Logf("p99 rose less than 100%% on this machine: %+v", m)
			}
		}
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
