package capacity

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// TestParseSLOGrammar: --slo is the grammar of package threshold: every
// metric of its table, the aliases, all six operators; changes and
// scopes are refused on one line.
func TestParseSLOGrammar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // canonical form
		wantErr string
	}{
		{in: "p99<=50,throughput>=1e3", want: "p99_ms<=50,throughput_ops_s>=1000"},
		{in: "max_ms<250, mean<=3, error_ratio<0.001, cut_off==0, give_ups!=1", want: "max_ms<250,mean_ms<=3,error_ratio<0.001,cut_off==0,give_ups!=1"},
		{in: "retries<0.5,attempts>10,amplification<=1.2,retries_p99<3,stale_writes_rejected>=0,errors==0",
			want: "retries_mean<0.5,attempts_s>10,amplification<=1.2,retries_p99<3,stale_writes_rejected>=0,errors==0"},
		{in: "p99_ms<=+10%", wantErr: `condition "p99_ms<=+10%": +10% is a relative change (a value with a sign or a %), only for compare --fail-on`},
		{in: "conflict_ratio<+0.02", wantErr: `+0.02 is an absolute change`},
		{in: "p99_ms<=50,optimistic: p99_ms<=20", wantErr: `condition "optimistic: p99_ms <= 20": a strategy scope (optimistic:) is not allowed in an SLO`},
		{in: "p99_ms<=1e999", wantErr: `want a number after <=, got "1e999"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			slo, err := ParseSLO(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || slo.String() != tt.want {
				t.Fatalf("ParseSLO = %q, %v; want %q", slo, err, tt.want)
			}
			again, err := ParseSLO(slo.String())
			if err != nil || !slices.Equal(again, slo) {
				t.Errorf("ParseSLO(%q) = %v, %v", slo.String(), again, err)
			}
		})
	}
}

// TestSLOMetricsAreTheTable: the SLO metrics, Values and Metric are those
// of package threshold.
func TestSLOMetricsAreTheTable(t *testing.T) {
	t.Parallel()
	if !slices.Equal(Metrics(), threshold.Metrics()) {
		t.Errorf("Metrics() = %q, want threshold.Metrics()", Metrics())
	}
	c := results.Cell{Attempts: 400, Errors: map[string]int64{"timeout": 4}, GiveUps: map[string]int64{"budget": 2, "interrupted": 3},
		LatencyMS: results.Latency{P99: 7, Max: 40}}
	vals := Values([]results.Cell{c})
	if len(vals) != len(threshold.Metrics()) {
		t.Errorf("Values has %d metrics, want %d", len(vals), len(threshold.Metrics()))
	}
	for name, want := range map[string]float64{"error_ratio": 0.01, "give_ups": 2, "cut_off": 3, "max_ms": 40, "p99_ms": 7} {
		if vals[name] != want {
			t.Errorf("Values[%s] = %v, want %v", name, vals[name], want)
		}
		if got, err := Metric(&c, name); err != nil || got != want {
			t.Errorf("Metric(%s) = %v, %v", name, got, err)
		}
	}
	if got, err := Metric(&c, "p99"); err != nil || got != 7 {
		t.Errorf("Metric(p99) = %v, %v", got, err)
	}
	if _, err := Metric(&c, "p98"); err == nil || !strings.Contains(err.Error(), `unknown metric "p98" (allowed: throughput_ops_s,`) {
		t.Errorf("Metric(p98): %v", err)
	}
}

func TestCondHoldsAndDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cond Cond
		v    float64
		want bool
		desc string
	}{
		{Cond{P99MS, "<=", 50}, 50, true, "p99 50.0 ms"},
		{Cond{"max_ms", "<", 50}, 71.2, false, "max 71.2 ms"},
		{Cond{ThroughputOpsS, ">=", 1000}, 41200, true, "throughput 41,200 ops/s"},
		{Cond{"give_ups", "!=", 0}, 0, false, "give_ups 0"},
		{Cond{"error_ratio", "<", 0.01}, 0.0125, false, "error_ratio 0.0125"},
		{Cond{SuccessRate, "==", 1}, math.NaN(), false, "success_rate NaN"},
		{Cond{SuccessRate, "~", 1}, 1, false, "success_rate 1"},
	}
	for _, tt := range tests {
		if got := tt.cond.Holds(tt.v); got != tt.want {
			t.Errorf("%v holds for %v = %v, want %v", tt.cond, tt.v, got, tt.want)
		}
		if got := (Failure{Cond: tt.cond, Value: tt.v}).String(); got != tt.desc {
			t.Errorf("describe %v = %q, want %q", tt.cond, got, tt.desc)
		}
	}
}
