package harness

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	_ "github.com/occbench/occbench/drivers/memory"
	_ "github.com/occbench/occbench/drivers/sqlite"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/threshold"
)

func TestJudge(t *testing.T) {
	ok := results.Cell{Strategy: "optimistic", Backoff: "none", Writers: 2, Ops: 100, Attempts: 110, Audit: results.Audit{OK: true}}
	errored := ok
	errored.Errors = map[string]int64{"connection": 80, "timeout": 3}
	errored.Attempts, errored.Ops = 100, 17
	onlyErrors := results.Cell{Strategy: "lease", Backoff: "expo", Writers: 4, Errors: map[string]int64{"connection": 5}, Audit: results.Audit{OK: true}}
	skipped := results.Cell{Strategy: "serializable", Skipped: "no transactions", Errors: map[string]int64{"other": 9}}
	lost := ok
	lost.Audit = results.Audit{OK: false, LostUpdates: 3}
	thrFail := ok
	thrFail.Thresholds = []results.ThresholdResult{{Metric: "p99_ms", Pass: false}}
	reset := ok
	reset.Audit = results.Audit{OK: false, LostUpdates: 40422, StoreReset: true, Verdict: "STORE RESET: documents missing after a restart"}
	unavailable := ok
	unavailable.Audit = results.Audit{OK: false, Unavailable: "connection refused", Verdict: "AUDIT UNAVAILABLE: connection refused"}
	judged := errored
	judged.Thresholds = []results.ThresholdResult{{Metric: "error_ratio", Value: 0.83, Pass: true}}
	for _, tt := range []struct {
		name        string
		cells       []results.Cell
		interrupted bool
		runErr      error
		code        int
		line        string
	}{
		{"all ok", []results.Cell{ok}, false, nil, ExitOK, ""},
		{"a failed cell", []results.Cell{ok}, false, errors.New("setup: boom"), ExitFailed, ""},
		{"bad input from a cell", nil, false, BadInputf("--keys: too many"), ExitBadInput, ""},
		{"errors dominate", []results.Cell{ok, errored}, false, nil, ExitFailed, "cell optimistic/none/w2: error_ratio 0.83 > 0.5 (100 attempts, 17 committed; mostly connection: 80)"},
		{"only errors", []results.Cell{onlyErrors}, false, nil, ExitFailed, "cell lease/expo/w4: error_ratio 1 > 0.5"},
		{"errors beat an interrupt", []results.Cell{errored}, true, nil, ExitFailed, "error_ratio"},
		{"skipped cells are not judged", []results.Cell{ok, skipped}, false, nil, ExitOK, ""},
		{"a threshold on error_ratio decides", []results.Cell{judged}, false, nil, ExitOK, ""},
		{"interrupted", []results.Cell{ok}, true, nil, ExitInterrupted, ""},
		{"lost updates", []results.Cell{ok, lost}, false, nil, ExitFailed, "unexpected lost updates"},
		{"threshold failed", []results.Cell{thrFail}, false, nil, ExitThreshold, "thresholds failed"},
		{"a store reset is not a lost update", []results.Cell{ok, reset}, false, nil, ExitFailed, "cell optimistic/none/w2: STORE RESET: documents missing"},
		{"an unavailable audit fails the run", []results.Cell{unavailable}, false, nil, ExitFailed, "AUDIT UNAVAILABLE"},
		{"an interrupt keeps an unavailable audit", []results.Cell{unavailable}, true, nil, ExitInterrupted, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(&results.File{Cells: tt.cells, Interrupted: tt.interrupted}, tt.runErr)
			if v.Code != tt.code {
				t.Fatalf("code %d, want %d (%+v)", v.Code, tt.code, v)
			}
			joined := strings.Join(v.Lines, "\n")
			if !strings.Contains(joined, tt.line) {
				t.Errorf("lines %q lack %q", joined, tt.line)
			}
			if tt.code == ExitFailed && v.Err == nil && len(v.Lines) == 0 {
				t.Error("a failure must say why")
			}
		})
	}
}

func TestErrorRatio(t *testing.T) {
	for _, tt := range []struct {
		attempts int64
		errs     map[string]int64
		want     float64
	}{
		{0, nil, 0}, {10, nil, 0}, {0, map[string]int64{"x": 1}, 1}, {4, map[string]int64{"a": 1, "b": 1}, 0.5},
	} {
		c := results.Cell{Attempts: tt.attempts, Errors: tt.errs}
		if got := threshold.ErrorRatio(&c); got != tt.want {
			t.Errorf("ErrorRatio(attempts %d, errors %v) = %v, want %v", tt.attempts, tt.errs, got, tt.want)
		}
	}
}

func TestPlan(t *testing.T) {
	p, err := NewPlan("", []Setting{{"driver", "memory"}, {"strategy", "optimistic,lease"}, {"trials", "2"}, {"latency", "normal:1ms,100us"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(p.Cells); got != 4*2*4*2 {
		t.Errorf("%d cells", got)
	}
	for field, want := range map[string]string{
		"writers": "built-in quickstart", "strategies": "flag --strategy", "trials": "flag --trials",
		"payload_bytes": "default", "latency": "flag --latency",
	} {
		if got := p.Origin(field); got != want {
			t.Errorf("Origin(%s) = %q, want %q", field, got, want)
		}
	}
	if got := p.ResultsName(); got != "quickstart-memory" {
		t.Errorf("ResultsName = %q", got)
	}
	d, ok := p.Estimate()
	if want := 64 * (time.Second + 100*time.Millisecond + cellOverhead); !ok || d != want {
		t.Errorf("Estimate = %v %v, want %v", d, ok, want)
	}
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"plan: 64 cells of quickstart on memory, about 1m 17s", "strategies  optimistic, lease", "(flag --strategy)", "latency", "(flag --latency)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
	if err := p.CheckSize(false); err != nil {
		t.Error(err)
	}
	ops, err := NewPlan("", []Setting{{"driver", "memory"}, {"ops-per-writer", "10"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ops.Estimate(); ok {
		t.Error("ops mode has no time estimate")
	}
}

func TestPlanRefusals(t *testing.T) {
	for _, tt := range []struct {
		settings []Setting
		want     string
	}{
		{[]Setting{{"driver", "memory"}, {"params", "conns=pool"}}, `--params: unknown key "conns" for driver memory (allowed: none)`},
		{[]Setting{{"driver", "sqlite"}, {"latency", "1ms"}}, "--latency: driver sqlite does not inject latency"},
		{[]Setting{{"driver", "memory"}, {"lease-dsn", "redis://x"}}, "--lease-dsn: set --lease-store too"},
		{[]Setting{{"driver", "memory"}, {"lease-store", "sqlite"}, {"strategies", "optimistic"}}, "--lease-store: only the lease strategy and hybrid with --hybrid-lock lease use a lease store"},
		{[]Setting{{"driver", "memory"}, {"lease-store", "sqlite"}, {"strategies", "hybrid"}, {"hybrid-lock", "row"}}, "--lease-store: only the lease strategy and hybrid with --hybrid-lock lease use a lease store, and strategies are hybrid"},
		{[]Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"hybrid-lock", "mutex"}}, `hybrid_lock (--hybrid-lock): unknown value "mutex" (allowed: lease, row)`},
		{[]Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"escalate-after", "0"}}, "escalate_after (--escalate-after): must be ≥ 1, got 0"},
		{[]Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"escalate-window", "0s"}}, "escalate_window (--escalate-window): must be > 0 and ≤ 1h, got 0s"},
		{[]Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"deescalate-after", "-1s"}}, "deescalate_after (--deescalate-after): must be ≥ 0"},
		{[]Setting{{"driver", "memory"}, {"strategies", "hybrid"}, {"escalate-after", "x"}}, "--escalate-after: want an integer"},
	} {
		_, err := NewPlan("", tt.settings)
		if err == nil || !IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want bad input containing %q", tt.settings, err, tt.want)
		}
	}
}

func TestFormatWall(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 200 * time.Second: "3m 20s", 7500 * time.Second: "2h 05m",
	} {
		if got := FormatWall(d); got != want {
			t.Errorf("FormatWall(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestVersion(t *testing.T) {
	bi := func(v string, kv ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{Main: debug.Module{Version: v}}
		for i := 0; i+1 < len(kv); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return b
	}
	for _, tt := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "devel"},
		{bi("(devel)"), "devel"},
		{bi("v1.2.0"), "v1.2.0"},
		{bi("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), "devel (rev 0123456789ab, modified)"},
		{bi("v0.0.0-20261202-0123456789ab", "vcs.revision", "0123456789abcdef"), "v0.0.0-20261202-0123456789ab"},
	} {
		if got := version(tt.bi); got != tt.want {
			t.Errorf("version(%v) = %q, want %q", tt.bi, got, tt.want)
		}
	}
}

func TestRunOrderInterleavesTrials(t *testing.T) {
	p, err := NewPlan("", []Setting{{"driver", "memory"}, {"writers", "1,8"}, {"strategies", "optimistic"}, {"backoffs", "none"}, {"trials", "3"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range runner.RunOrder(p.Cells) {
		got = append(got, fmt.Sprintf("w%d#%d", p.Cells[i].Writers, p.Cells[i].Trial))
	}
	if want := "w1#1 w8#1 w1#2 w8#2 w1#3 w8#3"; strings.Join(got, " ") != want {
		t.Errorf("run order %v, want %s", got, want)
	}
	one, _ := NewPlan("", []Setting{{"driver", "memory"}, {"writers", "1,8"}})
	if got := runner.RunOrder(one.Cells); len(got) != len(one.Cells) || got[0] != 0 || got[len(got)-1] != len(got)-1 {
		t.Errorf("one trial: order %v, want plan order", got)
	}
}

func TestRunKeepsPlanOrder(t *testing.T) {
	p, err := NewPlan("", []Setting{{"driver", "memory"}, {"writers", "1,2"}, {"strategies", "optimistic"}, {"backoffs", "none"},
		{"trials", "2"}, {"ops-per-writer", "5"}, {"warmup", "0s"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), p.Scenario, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Run(context.Background(), p, st, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range f.Cells {
		got = append(got, fmt.Sprintf("w%d#%d", c.Writers, c.Trial))
	}
	if want := "w1#1 w1#2 w2#1 w2#2"; strings.Join(got, " ") != want {
		t.Errorf("file order %v, want %s", got, want)
	}
}

func TestLibLogShowsOnceAndCounts(t *testing.T) {
	var b strings.Builder
	l := &libLog{driver: "redis", w: &b}
	if got := l.summary(); got != "" {
		t.Errorf("summary with no line = %q, want none", got)
	}
	l.line("redis: 2026/12/02 pool.go:770: connection pool: failed to dial after 5 attempts: dial tcp redis://u:secret@127.0.0.1:1: connect: connection refused\n")
	for range 4 {
		l.line("redis: pool.go:770: again")
	}
	out := b.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "occbench: redis: the client library reports") {
		t.Errorf("shown %q, want one line in occbench's words", out)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("shown %q: the password leaked", out)
	}
	if got := l.summary(); !strings.Contains(got, "reported 5 problems in all") {
		t.Errorf("summary = %q, want the count of 5", got)
	}
}
