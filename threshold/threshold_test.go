package threshold

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		want    Threshold
		wantErr string // substring; "" = no error
	}{
		{expr: "p99_ms < 50", want: Threshold{Metric: "p99_ms", Op: LT, Value: 50}},
		{expr: "conflict_ratio<0.05", want: Threshold{Metric: "conflict_ratio", Op: LT, Value: 0.05}},
		{expr: "  success_rate >= 0.999 ", want: Threshold{Metric: "success_rate", Op: GE, Value: 0.999}},
		{expr: "lost_updates == 0", want: Threshold{Metric: "lost_updates", Op: EQ, Value: 0}},
		{expr: "errors != 3", want: Threshold{Metric: "errors", Op: NE, Value: 3}},
		{expr: "throughput_ops_s > 1e3", want: Threshold{Metric: "throughput_ops_s", Op: GT, Value: 1000}},
		{expr: "p999_ms <= 250.5", want: Threshold{Metric: "p999_ms", Op: LE, Value: 250.5}},
		{expr: "optimistic: p99_ms < 20", want: Threshold{Scope: "optimistic", Metric: "p99_ms", Op: LT, Value: 20}},
		{expr: "lease:stale_writes_rejected>=1", want: Threshold{Scope: "lease", Metric: "stale_writes_rejected", Op: GE, Value: 1}},
		{expr: "p99 < 50", want: Threshold{Metric: "p99_ms", Op: LT, Value: 50}}, // an alias: the canonical name is kept
		{expr: "throughput > 100", want: Threshold{Metric: "throughput_ops_s", Op: GT, Value: 100}},
		{expr: "error_ratio < 0.01", want: Threshold{Metric: "error_ratio", Op: LT, Value: 0.01}},
		{expr: "cut_off == 0", want: Threshold{Metric: "cut_off", Op: EQ, Value: 0}},

		{expr: "", wantErr: `threshold "": empty expression`},
		{expr: "p98_ms < 50", wantErr: `threshold "p98_ms < 50": unknown metric "p98_ms" (allowed: throughput_ops_s, attempts_s,`},
		{expr: "p99_ms 50", wantErr: `threshold "p99_ms 50": want METRIC OP VALUE with OP one of <, <=, >, >=, ==, != (no operator)`},
		{expr: "p99_ms = 50", wantErr: `unknown operator "="`},
		{expr: "p99_ms => 50", wantErr: `unknown operator "=>"`},
		{expr: "p99_ms << 50", wantErr: `unknown operator "<<"`},
		{expr: "p99_ms < 50ms", wantErr: `want a number after <, got "50ms"`},
		{expr: "p99_ms <", wantErr: `want a number after <, got ""`},
		{expr: "< 5", wantErr: `unknown metric ""`},
		{expr: "p99_ms < NaN", wantErr: `want a number after <, got "NaN"`},
		{expr: "p99_ms < +Inf", wantErr: `want a number after <`},
		{expr: "p99_ms < 1e999", wantErr: `want a number after <`},
		{expr: ": p99_ms < 5", wantErr: `want STRATEGY: METRIC OP VALUE, got strategy ""`},
		{expr: "p99_ms < 5: optimistic", wantErr: `got strategy "p99_ms < 5"`},
		{expr: "p99_ms < +10%", wantErr: `threshold "p99_ms < +10%": +10% is a relative change (a value with a sign or a %), only for compare --fail-on; a threshold takes a plain number, e.g. p99_ms < 50`},
		{expr: "retries_mean > -1", wantErr: `-1 is an absolute change (a value with a sign or a %), only for compare --fail-on`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.expr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %q", tt.expr, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.expr, got, tt.want)
			}
			again, err := Parse(got.String())
			if err != nil || again != got {
				t.Errorf("Parse(String()) = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestUnknownMetricListsAllowed(t *testing.T) {
	t.Parallel()
	_, err := Parse("p98 < 50")
	if err == nil {
		t.Fatal("no error")
	}
	for _, m := range Metrics() {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not list %s", err, m)
		}
	}
}

func TestParseAll(t *testing.T) {
	t.Parallel()
	ts, err := ParseAll([]string{"p99_ms < 50", "optimistic: lost_updates == 0"})
	if err != nil || len(ts) != 2 || ts[1].Scope != "optimistic" {
		t.Fatalf("ParseAll = %+v, %v", ts, err)
	}
	if _, err := ParseAll([]string{"p99_ms < 50", "p42_ms < 1"}); err == nil || !strings.Contains(err.Error(), `"p42_ms < 1"`) {
		t.Errorf("ParseAll with a bad expression: error = %v", err)
	}
	if ts, err := ParseAll(nil); err != nil || len(ts) != 0 {
		t.Errorf("ParseAll(nil) = %v, %v", ts, err)
	}
}

func TestCheckStrategies(t *testing.T) {
	t.Parallel()
	ts, _ := ParseAll([]string{"p99_ms < 50", "optimistc: p99_ms < 5"})
	err := CheckStrategies(ts, []string{"lww", "optimistic"})
	if err == nil || err.Error() != `threshold "optimistc: p99_ms < 5": unknown strategy "optimistc" (allowed: lww, optimistic)` {
		t.Errorf("error = %v", err)
	}
	if err := CheckStrategies(ts[:1], nil); err != nil {
		t.Errorf("unscoped: %v", err)
	}
}

func TestOpHolds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op   Op
		v    float64
		want [3]bool // v vs 1 when v = 0, 1, 2
	}{
		{LT, 0, [3]bool{true, false, false}},
		{LE, 0, [3]bool{true, true, false}},
		{GT, 0, [3]bool{false, false, true}},
		{GE, 0, [3]bool{false, true, true}},
		{EQ, 0, [3]bool{false, true, false}},
		{NE, 0, [3]bool{true, false, true}},
	}
	for _, tt := range tests {
		for i, want := range tt.want {
			if got := tt.op.Holds(float64(i), 1); got != want {
				t.Errorf("%v %s 1 = %v, want %v", i, tt.op, got, want)
			}
		}
		if tt.op.Holds(math.NaN(), 1) {
			t.Errorf("NaN %s 1 holds", tt.op)
		}
	}
	if Op("~").Holds(1, 1) {
		t.Error("unknown operator holds")
	}
}

func testCell() *results.Cell {
	return &results.Cell{
		Strategy: "optimistic", Backoff: "expo", Writers: 16, Attempts: 15000,
		ThroughputOpsS: 1234.5, AttemptsS: 1500, ConflictRatio: 0.177, SuccessRate: 0.9995, Amplification: 1.215,
		RetriesPerOp:        results.Retries{Mean: 0.215, P99: 3, Max: 9},
		LatencyMS:           results.Latency{P50: 1.2, P90: 4.5, P99: 73.2, P999: 120, Max: 300, Mean: 2.5},
		GiveUps:             map[string]int64{"max-attempts": 2, "budget": 1, "interrupted": 7},
		Errors:              map[string]int64{"timeout": 4, "connection": 1},
		StaleWritesRejected: 6,
		Audit:               results.Audit{LostUpdates: 3},
		RecoveryMS:          &results.Recovery{Ops: 40, P50: 0.8, P90: 2.1, P99: 9.5, Max: 31, Mean: 1.1},
		Fairness:            &results.Fairness{Jain: 0.93, MinShare: 0.02, MaxShare: 0.11, StarvedOps: 4},
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	c := testCell()
	want := map[string]float64{
		"throughput_ops_s": 1234.5, "attempts_s": 1500, "conflict_ratio": 0.177, "success_rate": 0.9995,
		"amplification": 1.215, "retries_mean": 0.215, "retries_p99": 3,
		"p50_ms": 1.2, "p90_ms": 4.5, "p99_ms": 73.2, "p999_ms": 120, "max_ms": 300, "mean_ms": 2.5,
		"give_ups": 3, "errors": 5, "error_ratio": 5.0 / 15000, "lost_updates": 3, "stale_writes_rejected": 6, "cut_off": 7,
		"recovery_p99_ms": 9.5, "fairness_jain": 0.93, "starved_ops": 4,
	}
	if len(want) != len(Metrics()) {
		t.Fatalf("test covers %d metrics, there are %d", len(want), len(Metrics()))
	}
	for _, m := range Metrics() {
		got, err := Value(m, c)
		if err != nil || got != want[m] {
			t.Errorf("Value(%s) = %v, %v; want %v", m, got, err, want[m])
		}
	}
	if got, err := Value("p99", c); err != nil || got != 73.2 {
		t.Errorf("Value(p99) = %v, %v; want 73.2 (an alias)", got, err)
	}
	// Files written before recovery_ms and fairness existed read 0.
	old := testCell()
	old.RecoveryMS, old.Fairness = nil, nil
	for _, m := range []string{"recovery_p99_ms", "fairness_jain", "starved_ops"} {
		if got, err := Value(m, old); err != nil || got != 0 {
			t.Errorf("Value(%s) of an old cell = %v, %v; want 0", m, got, err)
		}
	}
	if _, err := Value("p42_ms", c); err == nil || !strings.Contains(err.Error(), `unknown metric "p42_ms" (allowed: throughput_ops_s`) {
		t.Errorf("Value(unknown) error = %v", err)
	}
	if _, err := Value("p99_ms", nil); err == nil {
		t.Error("Value(nil cell) succeeded")
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	ts, err := ParseAll([]string{
		"p99_ms < 50",
		"conflict_ratio < 0.2",
		"success_rate >= 0.999",
		"lost_updates == 0",
		"optimistic: give_ups <= 3",
		"lww: p99_ms < 1",
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cell func(c *results.Cell)
		want []results.ThresholdResult
	}{
		{"optimistic", func(c *results.Cell) {}, []results.ThresholdResult{
			{Expr: "p99_ms < 50", Metric: "p99_ms", Value: 73.2, Pass: false},
			{Expr: "conflict_ratio < 0.2", Metric: "conflict_ratio", Value: 0.177, Pass: true},
			{Expr: "success_rate >= 0.999", Metric: "success_rate", Value: 0.9995, Pass: true},
			{Expr: "lost_updates == 0", Metric: "lost_updates", Value: 3, Pass: false},
			{Expr: "optimistic: give_ups <= 3", Metric: "give_ups", Value: 3, Pass: true},
		}},
		{"lww: other scope", func(c *results.Cell) { c.Strategy = "lww"; c.LatencyMS.P99 = 0.5; c.Audit.LostUpdates = 0 }, []results.ThresholdResult{
			{Expr: "p99_ms < 50", Metric: "p99_ms", Value: 0.5, Pass: true},
			{Expr: "conflict_ratio < 0.2", Metric: "conflict_ratio", Value: 0.177, Pass: true},
			{Expr: "success_rate >= 0.999", Metric: "success_rate", Value: 0.9995, Pass: true},
			{Expr: "lost_updates == 0", Metric: "lost_updates", Value: 0, Pass: true},
			{Expr: "lww: p99_ms < 1", Metric: "p99_ms", Value: 0.5, Pass: true},
		}},
		{"skipped", func(c *results.Cell) { c.Skipped = "no leases" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testCell()
			tt.cell(c)
			got := Evaluate(ts, c)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Evaluate =\n%+v\nwant\n%+v", got, tt.want)
			}
			wantFailed := false
			for _, r := range tt.want {
				wantFailed = wantFailed || !r.Pass
			}
			if Failed(got) != wantFailed {
				t.Errorf("Failed = %v, want %v", Failed(got), wantFailed)
			}
		})
	}
	if got := Evaluate(ts, nil); got != nil {
		t.Errorf("Evaluate(nil) = %v", got)
	}
	// A hand-made threshold on an unknown metric fails rather than passes.
	got := Evaluate([]Threshold{{Metric: "p42_ms", Op: LT, Value: 1}}, testCell())
	if len(got) != 1 || got[0].Pass {
		t.Errorf("unknown metric: %+v", got)
	}
	// So does a change, which only a gate can judge.
	got = Evaluate([]Threshold{{Metric: "p99_ms", Op: LT, Kind: Relative, Value: 1e9}}, testCell())
	if len(got) != 1 || got[0].Pass {
		t.Errorf("relative threshold: %+v", got)
	}
}

func ExampleEvaluate() {
	ts, err := ParseAll([]string{"optimistic: p99_ms<20", "lost_updates == 0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &results.Cell{Strategy: "optimistic", LatencyMS: results.Latency{P99: 25.5}}
	for _, r := range Evaluate(ts, c) {
		fmt.Printf("%s: got %v, pass %v\n", r.Expr, r.Value, r.Pass)
	}
	_, err = Parse("p99 < +10%")
	fmt.Println(err)
	// Output:
	// optimistic: p99_ms < 20: got 25.5, pass false
	// lost_updates == 0: got 0, pass true
	// threshold "p99 < +10%": +10% is a relative change (a value with a sign or a %), only for compare --fail-on; a threshold takes a plain number, e.g. p99_ms < 50
}

func BenchmarkEvaluate(b *testing.B) {
	ts, err := ParseAll([]string{"p99_ms < 50", "conflict_ratio < 0.2", "optimistic: give_ups <= 3"})
	if err != nil {
		b.Fatal(err)
	}
	c := testCell()
	b.ReportAllocs()
	for b.Loop() {
		_ = Evaluate(ts, c)
	}
}
