package threshold

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

func TestParseCondition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ctx     Context
		in      string
		want    Condition
		wantStr string // String(); "" = in
		wantErr string // substring; "" = no error
	}{
		{name: "gate relative", ctx: ForGate, in: "p99>+10%", want: Condition{Metric: "p99_ms", Op: GT, Kind: Relative, Value: 10}, wantStr: "p99_ms > +10%"},
		{name: "gate relative negative", ctx: ForGate, in: "throughput<-5%", want: Condition{Metric: "throughput_ops_s", Op: LT, Kind: Relative, Value: -5}, wantStr: "throughput_ops_s < -5%"},
		{name: "gate relative unsigned", ctx: ForGate, in: " p999 >= 25 % ", want: Condition{Metric: "p999_ms", Op: GE, Kind: Relative, Value: 25}, wantStr: "p999_ms >= +25%"},
		{name: "gate absolute", ctx: ForGate, in: "conflict_ratio>+0.02", want: Condition{Metric: "conflict_ratio", Op: GT, Kind: Absolute, Value: 0.02}, wantStr: "conflict_ratio > +0.02"},
		{name: "gate absolute negative", ctx: ForGate, in: "give_ups<=-1", want: Condition{Metric: "give_ups", Op: LE, Kind: Absolute, Value: -1}, wantStr: "give_ups <= -1"},
		{name: "gate plain", ctx: ForGate, in: "lost_updates>0", want: Condition{Metric: "lost_updates", Op: GT, Value: 0}, wantStr: "lost_updates > 0"},
		{name: "gate scoped", ctx: ForGate, in: "optimistic: p99 > +7%", want: Condition{Scope: "optimistic", Metric: "p99_ms", Op: GT, Kind: Relative, Value: 7}, wantStr: "optimistic: p99_ms > +7%"},
		{name: "gate equality", ctx: ForGate, in: "errors==0", want: Condition{Metric: "errors", Op: EQ, Value: 0}, wantStr: "errors == 0"},
		{name: "gate minus zero", ctx: ForGate, in: "p50 < -0%", want: Condition{Metric: "p50_ms", Op: LT, Kind: Relative, Value: 0}, wantStr: "p50_ms < -0%"},
		{name: "slo", ctx: ForSLO, in: "p99_ms<=50", want: Condition{Metric: "p99_ms", Op: LE, Value: 50}, wantStr: "p99_ms <= 50"},
		{name: "slo alias", ctx: ForSLO, in: "max <= 250", want: Condition{Metric: "max_ms", Op: LE, Value: 250}, wantStr: "max_ms <= 250"},
		{name: "slo not equal", ctx: ForSLO, in: "lost_updates != 1", want: Condition{Metric: "lost_updates", Op: NE, Value: 1}},
		{name: "threshold", ctx: ForThreshold, in: "lease-fenced: give_ups == 0", want: Condition{Scope: "lease-fenced", Metric: "give_ups", Op: EQ, Value: 0}},

		{name: "slo relative", ctx: ForSLO, in: "p99_ms<=+5%", wantErr: `condition "p99_ms<=+5%": +5% is a relative change (a value with a sign or a %), only for compare --fail-on; a --slo condition takes a plain number, e.g. p99_ms<=50`},
		{name: "slo absolute", ctx: ForSLO, in: "p99_ms<=+5", wantErr: `+5 is an absolute change`},
		{name: "threshold absolute", ctx: ForThreshold, in: "conflict_ratio > +0.02", wantErr: `threshold "conflict_ratio > +0.02": +0.02 is an absolute change`},
		{name: "gate bad value", ctx: ForGate, in: "p99>+ten%", wantErr: `gate "p99>+ten%": want a number or a change (+10%, -5%, +0.02) after >, got "+ten%"`},
		{name: "gate empty value", ctx: ForGate, in: "p99>%", wantErr: `after >, got "%"`},
		{name: "gate NaN", ctx: ForGate, in: "p99>NaN%", wantErr: `got "NaN%"`},
		{name: "gate Inf", ctx: ForGate, in: "p99>+Inf", wantErr: `got "+Inf"`},
		{name: "gate double sign", ctx: ForGate, in: "p99>+-5", wantErr: `got "+-5"`},
		{name: "gate unknown metric", ctx: ForGate, in: "latency>5", wantErr: `gate "latency>5": unknown metric "latency" (allowed: throughput_ops_s, attempts_s, conflict_ratio, success_rate, amplification, retries_mean, retries_p99, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms, give_ups, errors, error_ratio, lost_updates, stale_writes_rejected, cut_off, recovery_p99_ms, fairness_jain, starved_ops)`},
		{name: "gate operator", ctx: ForGate, in: "p99>>10%", wantErr: `gate "p99>>10%": unknown operator ">>" (want METRIC OP VALUE with OP one of <, <=, >, >=, ==, !=)`},
		{name: "slo no operator", ctx: ForSLO, in: "p99_ms", wantErr: `condition "p99_ms": want METRIC OP VALUE with OP one of <, <=, >, >=, ==, != (no operator)`},
		{name: "bad scope", ctx: ForGate, in: "opt imistic: p99>1", wantErr: `got strategy "opt imistic"`},
		{name: "metric case", ctx: ForThreshold, in: "P99_MS < 1", wantErr: `unknown metric "P99_MS"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCondition(tt.in, tt.ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCondition(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCondition(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseCondition(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			wantStr := tt.wantStr
			if wantStr == "" {
				wantStr = tt.in
			}
			if got.String() != wantStr {
				t.Errorf("String() = %q, want %q", got.String(), wantStr)
			}
			again, err := ParseCondition(got.String(), tt.ctx)
			if err != nil || again != got {
				t.Errorf("ParseCondition(String()) = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

// TestLegacyNames: every name any of the three former parsers (scenario
// thresholds, capacity --slo, compare --fail-on) accepted still parses,
// to the same metric as before.
func TestLegacyNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ctx   Context
		names []string
		want  []string // canonical; nil = names
	}{
		{ForThreshold, []string{"throughput_ops_s", "attempts_s", "conflict_ratio", "success_rate", "amplification", "retries_mean", "retries_p99",
			"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms", "give_ups", "errors", "lost_updates", "stale_writes_rejected"}, nil},
		{ForSLO, []string{"p50_ms", "p90_ms", "p99_ms", "p999_ms", "success_rate", "conflict_ratio", "throughput_ops_s", "lost_updates"}, nil},
		{ForGate, []string{"throughput", "attempts", "conflict_ratio", "retries", "p50", "p90", "p99", "p999", "give_ups", "errors", "lost_updates"},
			[]string{"throughput_ops_s", "attempts_s", "conflict_ratio", "retries_mean", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "give_ups", "errors", "lost_updates"}},
	}
	for _, tt := range tests {
		for i, name := range tt.names {
			want := name
			if tt.want != nil {
				want = tt.want[i]
			}
			c, err := ParseCondition(name+" < 1", tt.ctx)
			if err != nil || c.Metric != want {
				t.Errorf("context %d: %s < 1 = %+v, %v; want metric %s", tt.ctx, name, c, err, want)
			}
		}
	}
	// The nightly workflow's gates.
	gs, err := ParseList("throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0", ForGate)
	want := []Condition{
		{Metric: "throughput_ops_s", Op: LT, Kind: Relative, Value: -5},
		{Metric: "p99_ms", Op: GT, Kind: Relative, Value: 10},
		{Metric: "conflict_ratio", Op: GT, Kind: Absolute, Value: 0.02},
		{Metric: "lost_updates", Op: GT, Kind: Plain, Value: 0},
	}
	if err != nil || !reflect.DeepEqual(gs, want) {
		t.Errorf("nightly gates = %+v, %v", gs, err)
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		ctx     Context
		want    []string // String() of each
		wantErr string
	}{
		{in: "", ctx: ForGate},
		{in: " , ,", ctx: ForSLO},
		{in: "p99_ms<=50, success_rate>=0.999,", ctx: ForSLO, want: []string{"p99_ms <= 50", "success_rate >= 0.999"}},
		{in: "optimistic: p99<20, lost_updates==0", ctx: ForThreshold, want: []string{"optimistic: p99_ms < 20", "lost_updates == 0"}},
		{in: "p99>+10%,latency>5", ctx: ForGate, wantErr: `gate "latency>5": unknown metric`},
		{in: "p99>+10%", ctx: ForThreshold, wantErr: `threshold "p99>+10%": +10% is a relative change`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseList(tt.in, tt.ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("ParseList(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			var strs []string
			for _, c := range got {
				strs = append(strs, c.String())
			}
			if err != nil || !slices.Equal(strs, tt.want) {
				t.Errorf("ParseList(%q) = %q, %v; want %q", tt.in, strs, err, tt.want)
			}
		})
	}
}

func TestConditionCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Condition
		x    float64
		want bool
	}{
		{Condition{Op: GT, Kind: Relative, Value: 10}, 0.1, false}, // +10 % is not beyond +10 %
		{Condition{Op: GT, Kind: Relative, Value: 10}, 0.11, true},
		{Condition{Op: LT, Kind: Relative, Value: -5}, -0.06, true},
		{Condition{Op: LT, Kind: Relative, Value: -5}, math.Inf(-1), true},
		{Condition{Op: GT, Kind: Absolute, Value: 0.02}, 0.03, true},
		{Condition{Op: GT, Kind: Plain, Value: 0}, 0, false},
		{Condition{Op: GT, Kind: Plain, Value: 0}, math.NaN(), false},
		{Condition{Op: NE, Kind: Plain, Value: 0}, math.NaN(), false},
	}
	for _, tt := range tests {
		if got := tt.c.Check(tt.x); got != tt.want {
			t.Errorf("%v .Check(%v) = %v, want %v", tt.c, tt.x, got, tt.want)
		}
	}
	if c := (Condition{Scope: "lww"}); c.Applies("optimistic") || !c.Applies("lww") || !(Condition{}).Applies("x") {
		t.Error("Applies")
	}
	if Plain.String() != "plain" || Relative.String() != "relative" || Absolute.String() != "absolute" || Kind(7).String() != "Kind(7)" {
		t.Error("Kind.String")
	}
}

// TestTable: names and aliases are unique and never contain an operator
// character, every metric has a known unit and reads a cell, and Table
// returns a copy.
func TestTable(t *testing.T) {
	t.Parallel()
	units := []string{UnitOpsPerS, UnitPerS, UnitPerOp, UnitMS, UnitRatio, UnitCount}
	seen := map[string]bool{}
	for _, m := range Table() {
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			if seen[n] || n == "" || strings.ContainsAny(n, opChars+":, %") {
				t.Errorf("name %q: duplicate or not a name", n)
			}
			seen[n] = true
			if got, ok := Lookup(n); !ok || got.Name != m.Name {
				t.Errorf("Lookup(%q) = %v, %v", n, got.Name, ok)
			}
		}
		if !slices.Contains(units, m.Unit) || m.Doc == "" {
			t.Errorf("%s: unit %q, doc %q", m.Name, m.Unit, m.Doc)
		}
		if v := m.Of(&results.Cell{}); v != 0 {
			t.Errorf("%s of an empty cell = %v", m.Name, v)
		}
		if !math.IsNaN(m.Of(nil)) {
			t.Errorf("%s of nil is not NaN", m.Name)
		}
	}
	if !slices.Equal(Aliases(), []string{"throughput", "attempts", "retries", "p50", "p90", "p99", "p999", "max", "mean", "recovery_p99", "jain"}) {
		t.Errorf("Aliases() = %q", Aliases())
	}
	tab := Table()
	tab[0].Name, tab[0].Aliases[0] = "x", "y"
	if m, _ := Lookup("throughput"); m.Name != "throughput_ops_s" || Metrics()[0] != "throughput_ops_s" {
		t.Error("Table is not a copy")
	}
	if m, ok := Lookup("p99"); !ok || m.Short() != "p99" || m.HigherIsBetter {
		t.Errorf("p99: %+v", m)
	}
	if m, _ := Lookup("success_rate"); m.Short() != "success_rate" || !m.HigherIsBetter {
		t.Errorf("success_rate: %+v", m)
	}
	if !math.IsNaN((Metric{}).Of(&results.Cell{})) {
		t.Error("zero Metric reads a number")
	}
}

func TestErrorRatioGiveUpsCutOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		attempts, cutOff  int64
		errors, giveUps   map[string]int64
		wantRatio         float64
		wantGive, wantCut int64
	}{
		{name: "none", wantRatio: 0},
		{name: "no attempts, no errors", errors: map[string]int64{"timeout": 0}, wantRatio: 0},
		{name: "errors without attempts", errors: map[string]int64{"timeout": 2}, wantRatio: 1},
		{name: "ratio", attempts: 200, errors: map[string]int64{"timeout": 3, "connection": 2}, wantRatio: 0.025},
		{name: "legacy cut off", attempts: 10, giveUps: map[string]int64{"max-attempts": 2, "budget": 1, "error": 4, "interrupted": 7}, wantGive: 7, wantCut: 7},
		{name: "cut off", attempts: 10, cutOff: 5, giveUps: map[string]int64{"max-attempts": 2, "budget": 1}, wantGive: 3, wantCut: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &results.Cell{Attempts: tt.attempts, CutOff: tt.cutOff, Errors: tt.errors, GiveUps: tt.giveUps}
			if got := ErrorRatio(c); got != tt.wantRatio {
				t.Errorf("ErrorRatio = %v, want %v", got, tt.wantRatio)
			}
			if got := GiveUps(c); got != tt.wantGive {
				t.Errorf("GiveUps = %v, want %v", got, tt.wantGive)
			}
			if got := CutOff(c); got != tt.wantCut {
				t.Errorf("CutOff = %v, want %v", got, tt.wantCut)
			}
		})
	}
}
