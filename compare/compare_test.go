package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"

	"github.com/occbench/occbench/results"
)

// vals are one run's numbers.
type vals struct {
	tput, attempts, conflict, retries, p50, p90, p99, p999 float64
	giveUps, errs, lost                                    int64
}

func base() vals {
	return vals{tput: 1000, attempts: 1200, conflict: 0.15, retries: 0.2, p50: 1, p90: 2, p99: 5, p999: 9}
}

func cellOf(strategy, backoff string, writers, trial int, v vals) results.Cell {
	return results.Cell{
		Driver: "memory", Strategy: strategy, Backoff: backoff, Writers: writers, Trial: trial,
		OnConflict: "retry", Scope: "document", Keys: 1000,
		DurationS: 10, Ops: int64(v.tput * 10), Attempts: int64(v.attempts * 10),
		ThroughputOpsS: v.tput, AttemptsS: v.attempts, ConflictRatio: v.conflict,
		RetriesPerOp: results.Retries{Mean: v.retries},
		LatencyMS:    results.Latency{P50: v.p50, P90: v.p90, P99: v.p99, P999: v.p999},
		GiveUps:      map[string]int64{"max-attempts": v.giveUps, "interrupted": 5},
		Errors:       map[string]int64{"timeout": v.errs},
		Audit:        results.Audit{LostUpdates: v.lost, OK: v.lost == 0},
	}
}

func fileOf(dist string, cells ...results.Cell) *results.File {
	return &results.File{
		Schema:   results.Schema,
		Scenario: results.Scenario{"name": "t", "driver": "memory", "distribution": dist, "payload_bytes": 64.0, "field_groups": 1.0, "keys": 1000.0},
		Cells:    cells,
	}
}

func trials(strategy string, p99s ...float64) []results.Cell {
	var out []results.Cell
	for i, p := range p99s {
		v := base()
		v.p99 = p
		out = append(out, cellOf(strategy, "expo", 8, i+1, v))
	}
	return out
}

func gates(t *testing.T, s string) []Gate {
	t.Helper()
	g, err := ParseGates(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func metricOf(t *testing.T, r *Report, cell, metric string) MetricDiff {
	t.Helper()
	for _, cd := range r.Cells {
		if cd.Name != cell {
			continue
		}
		for _, md := range cd.Metrics {
			if md.Metric == metric {
				return md
			}
		}
	}
	t.Fatalf("no %s of %s in report", metric, cell)
	return MetricDiff{}
}

// TestParseGates: --fail-on is the grammar of package threshold (see its
// tests for the details); gates keep the canonical metric name.
func TestParseGates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []Gate
		wantStr string // the canonical forms, comma separated
		wantErr string
	}{
		{in: "", want: nil},
		{in: "throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0", want: []Gate{
			{Metric: "throughput_ops_s", Op: "<", Kind: Relative, Value: -5},
			{Metric: "p99_ms", Op: ">", Kind: Relative, Value: 10},
			{Metric: "conflict_ratio", Op: ">", Kind: Absolute, Value: 0.02},
			{Metric: "lost_updates", Op: ">", Kind: Plain, Value: 0},
		}, wantStr: "throughput_ops_s < -5%,p99_ms > +10%,conflict_ratio > +0.02,lost_updates > 0"},
		{in: " p999 >= 25% , errors>=+3 ,", want: []Gate{
			{Metric: "p999_ms", Op: ">=", Kind: Relative, Value: 25},
			{Metric: "errors", Op: ">=", Kind: Absolute, Value: 3},
		}, wantStr: "p999_ms >= +25%,errors >= +3"},
		{in: "give_ups<=-1", want: []Gate{{Metric: "give_ups", Op: "<=", Kind: Absolute, Value: -1}}, wantStr: "give_ups <= -1"},
		{in: "p99==0", want: []Gate{{Metric: "p99_ms", Op: "==", Kind: Plain, Value: 0}}, wantStr: "p99_ms == 0"},
		{in: "optimistic: max_ms>+7%, error_ratio>0.01", want: []Gate{
			{Scope: "optimistic", Metric: "max_ms", Op: ">", Kind: Relative, Value: 7},
			{Metric: "error_ratio", Op: ">", Kind: Plain, Value: 0.01},
		}, wantStr: "optimistic: max_ms > +7%,error_ratio > 0.01"},
		{in: "p99>+10%,latency>5", wantErr: `gate "latency>5": unknown metric "latency" (allowed: throughput_ops_s, attempts_s, conflict_ratio,`},
		{in: "p99>>10%", wantErr: `gate "p99>>10%": unknown operator ">>"`},
		{in: "p99 10%", wantErr: `gate "p99 10%": want METRIC OP VALUE with OP one of <, <=, >, >=, ==, !=`},
		{in: "p99>", wantErr: `gate "p99>": want a number or a change (+10%, -5%, +0.02) after >, got ""`},
		{in: "p99>%", wantErr: `after >, got "%"`},
		{in: "p99>+ten%", wantErr: `got "+ten%"`},
		{in: "p99>1ms", wantErr: `got "1ms"`},
		{in: ">5", wantErr: `unknown metric ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseGates(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseGates = %+v, want %+v", got, tt.want)
			}
			if s := gateList(got); s != tt.wantStr {
				t.Errorf("String() = %q, want %q", s, tt.wantStr)
			}
			if again, err := ParseGates(gateList(got)); err != nil || !reflect.DeepEqual(again, got) { // the canonical form parses back
				t.Errorf("ParseGates(%q) = %+v, %v", gateList(got), again, err)
			}
		})
	}
}

func gateList(gs []Gate) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, g.String())
	}
	return strings.Join(parts, ",")
}

// TestCompareSingleRuns: without trials, every change beyond a gate fails.
func TestCompareSingleRuns(t *testing.T) {
	t.Parallel()
	b := base()
	n := base()
	n.tput = 940      // -6 %
	n.p99 = 5.4       // +8 %
	n.conflict = 0.18 // +0.03
	n.lost = 2
	tests := []struct {
		name  string
		gates string
		want  []string // failures
	}{
		{"all four", "throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0", []string{
			"throughput_ops_s < -5%: optimistic/expo/w8: throughput_ops_s 1,000 → 940: -6.00%",
			"conflict_ratio > +0.02: optimistic/expo/w8: conflict_ratio 0.150 → 0.180: +0.0300 (+20.00%)",
			"lost_updates > 0: optimistic/expo/w8: lost_updates is 2",
		}},
		{"looser", "throughput<-10%,p99>+8.5%,conflict_ratio>+0.05", nil},
		{"p99 at 5%", "p99>5%", []string{"p99_ms > +5%: optimistic/expo/w8: p99_ms 5 → 5.40: +8.00%"}},
		{"scoped to another strategy", "lww: p99>5%", nil},
		{"scoped", "optimistic: p99>5%", []string{"optimistic: p99_ms > +5%: optimistic/expo/w8: p99_ms 5 → 5.40: +8.00%"}},
		{"improvement gate", "p50<-1%", nil},
		{"none", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(fileOf("uniform", cellOf("optimistic", "expo", 8, 0, b)), fileOf("uniform", cellOf("optimistic", "expo", 8, 0, n)), Options{Gates: gates(t, tt.gates)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Failed() {
				got = append(got, f.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("failures:\n%q\nwant\n%q", got, tt.want)
			}
			md := metricOf(t, r, "optimistic/expo/w8", "p99_ms")
			if md.Tested || md.Decided != DecidedSingle || md.Base.Center != 5 || md.New.Center != 5.4 {
				t.Errorf("p99 diff %+v", md)
			}
		})
	}
}

func TestCompareSignificance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		base, cur   []float64 // p99 per trial
		wantDecided Decision
		wantSig     bool
		wantChange  string
		wantFail    bool
		wantNoteSub string
	}{
		{"clearly different", []float64{1.00, 1.02, 0.98, 1.01, 0.99}, []float64{2.0, 2.1, 1.9, 2.05, 1.95},
			DecidedUTest, true, "+100.00% (p=0.008 n=5)", true, ""},
		{"same distribution", []float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8, 10},
			DecidedUTest, false, "~ (p=0.690 n=5)", false, ""},
		{"too few samples: decided on medians", []float64{1.00, 1.02, 0.98}, []float64{2.0, 2.1, 1.9},
			DecidedMedians, false, "+100.00% (medians, n=3)", true, "n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4"},
		{"too few samples, medians within the gate", []float64{1.00, 1.02, 0.98}, []float64{1.05, 1.06, 1.04},
			DecidedMedians, false, "+5.00% (medians, n=3)", false, "n=3 cannot be tested at alpha 0.05"},
		{"unequal sizes without power", []float64{1.00, 1.02, 0.98}, []float64{2.0, 2.1, 1.9, 2.05},
			DecidedMedians, false, "+102.50% (medians, n=3+4)", true, "n=3+4 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4"},
		{"unequal sizes", []float64{1.00, 1.02, 0.98, 1.01, 0.99, 1.03}, []float64{2.0, 2.1, 1.9, 2.05},
			DecidedUTest, true, "+101.49% (p=0.010 n=6+4)", true, ""},
		{"one side single", []float64{1.0}, []float64{2.0, 2.1, 1.9},
			DecidedSingle, false, "+100.00%", true, ""},
		{"all equal", []float64{1, 1, 1}, []float64{1, 1, 1}, DecidedMedians, false, "0.00%", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Compare(fileOf("uniform", trials("optimistic", tt.base...)...), fileOf("uniform", trials("optimistic", tt.cur...)...),
				Options{Gates: gates(t, "p99>+10%")})
			if err != nil {
				t.Fatal(err)
			}
			md := metricOf(t, r, "optimistic/expo/w8", "p99_ms")
			if md.Decided != tt.wantDecided || md.Significant != tt.wantSig || md.Tested != (tt.wantDecided != DecidedSingle) {
				t.Errorf("decided %s tested %v significant %v (p=%v), want %s %v", md.Decided, md.Tested, md.Significant, md.P, tt.wantDecided, tt.wantSig)
			}
			if got := changeText(md); got != tt.wantChange {
				t.Errorf("change %q, want %q", got, tt.wantChange)
			}
			if got := len(r.Failed()) > 0; got != tt.wantFail {
				t.Errorf("failed %v, want %v: %v", got, tt.wantFail, r.Failed())
			}
			var notes []string
			for _, n := range md.Notes {
				notes = append(notes, r.Notes[n])
			}
			if tt.wantNoteSub != "" && !strings.Contains(strings.Join(notes, "\n"), tt.wantNoteSub) {
				t.Errorf("notes %q lack %q", notes, tt.wantNoteSub)
			}
			if strings.Contains(strings.Join(notes, "\n"), "to detect a difference") && md.Decided == DecidedMedians {
				t.Errorf("notes %q repeat benchmath's warning", notes)
			}
			// The other metrics are identical on both sides: never flagged.
			if md := metricOf(t, r, "optimistic/expo/w8", "throughput_ops_s"); !md.Equal || md.Significant || len(md.Notes) != 0 {
				t.Errorf("constant throughput: %+v", md)
			}
		})
	}
}

// TestGateDecision: a relative gate on a 10x latency regression and on an
// unchanged metric, for 1, 3 and 5 trials per side at alpha 0.05 and 0.1.
// Without the power to reach alpha (3 per side at 0.05) the medians
// decide; with it, only a significant change fails.
func TestGateDecision(t *testing.T) {
	t.Parallel()
	spread := func(center float64, n int) []float64 { // n values around center, all distinct
		out := make([]float64, n)
		for i := range out {
			out[i] = center * (1 + 0.01*float64(i-n/2))
		}
		return out
	}
	tests := []struct {
		n           int
		alpha       float64
		wantDecided Decision
		wantMinP    float64
	}{
		{1, 0.05, DecidedSingle, 1},
		{1, 0.1, DecidedSingle, 1},
		{3, 0.05, DecidedMedians, 0.1},
		{3, 0.1, DecidedUTest, 0.1}, // p = 0.10000000000000002 is p ≤ 0.1
		{5, 0.05, DecidedUTest, 2.0 / 252},
		{5, 0.1, DecidedUTest, 2.0 / 252},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d alpha=%v", tt.n, tt.alpha), func(t *testing.T) {
			t.Parallel()
			var b, n []results.Cell
			for i, p99 := range spread(0.3, tt.n) {
				v := base()
				v.p99, v.tput = p99, 1000+float64(i)
				b = append(b, cellOf("optimistic", "expo", 8, i+1, v))
			}
			for i, p99 := range spread(3, tt.n) {
				v := base()
				v.p99, v.tput = p99, 1000+float64(i)
				n = append(n, cellOf("optimistic", "expo", 8, i+1, v))
			}
			r, err := Compare(fileOf("uniform", b...), fileOf("uniform", n...), Options{Alpha: tt.alpha, Gates: gates(t, "throughput<-50%,p99>+100%")})
			if err != nil {
				t.Fatal(err)
			}
			md := metricOf(t, r, "optimistic/expo/w8", "p99_ms")
			if md.Decided != tt.wantDecided || math.Abs(md.MinP-tt.wantMinP) > 1e-12 {
				t.Errorf("p99: decided %s, min p %v; want %s, %v", md.Decided, md.MinP, tt.wantDecided, tt.wantMinP)
			}
			f := r.Failed()
			if len(f) != 1 || f[0].Gate.Metric != "p99_ms" || f[0].Decided != tt.wantDecided {
				t.Fatalf("failures %v, want p99_ms > +100%% only, decided %s", f, tt.wantDecided)
			}
			if tp := metricOf(t, r, "optimistic/expo/w8", "throughput_ops_s"); tp.Failed != nil || tp.Delta != 0 || tp.Decided != tt.wantDecided {
				t.Errorf("unchanged throughput: %+v", tp)
			}
			note := fmt.Sprintf("n=%d cannot be tested at alpha %v: decided on medians; use --trials >= 4", tt.n, tt.alpha)
			for _, format := range Formats() {
				out := string(render(t, r, format))
				if format == "junit" { // XML escapes
					out = strings.NewReplacer("&gt;", ">", "&lt;", "<", "&amp;", "&").Replace(out)
				}
				if got := strings.Contains(out, note); got != (tt.wantDecided == DecidedMedians) {
					t.Errorf("%s: has the note %q: %v, want %v\n%s", format, note, got, !got, out)
				}
				if want := `"decided": "` + string(tt.wantDecided) + `"`; format == "json" && !strings.Contains(out, want) {
					t.Errorf("json lacks %s", want)
				}
			}
		})
	}
}

// TestSignificanceAtTheBoundary: p is compared with alpha within a
// relative 1e-9, so the U-test's 0.10000000000000002 for 3 against 3
// separated trials is significant at 0.1, and 0.1 + 1e-6 is not.
func TestSignificanceAtTheBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, alpha float64
		want     bool
	}{
		{0.10000000000000002, 0.1, true},
		{0.1, 0.1, true},
		{0.1 + 1e-6, 0.1, false},
		{0.05, 0.05, true},
		{0.0500000001, 0.05, false},
		{0.0079, 0.05, true},
		{1, 0.05, false},
	}
	for _, tt := range tests {
		if got := reaches(tt.p, tt.alpha); got != tt.want {
			t.Errorf("reaches(%v, %v) = %v, want %v", tt.p, tt.alpha, got, tt.want)
		}
	}
}

func TestMinP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{0, 5, 1}, {1, 1, 1}, {1, 3, 0.5}, {2, 2, 1.0 / 3}, {3, 3, 0.1}, {3, 4, 2.0 / 35}, {4, 4, 2.0 / 70},
		{5, 5, 2.0 / 252}, {6, 4, 2.0 / 210}, {9, 9, 4.113533525298231e-05}, {600, 600, 0},
	}
	for _, tt := range tests {
		if got := MinP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("MinP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
	for _, tt := range []struct {
		alpha float64
		want  int
	}{{0.05, 4}, {0.1, 3}, {0.01, 5}, {0.001, 7}, {1.0 / 3, 2}, {0.99, 2}, {0, 0}, {-1, 0}, {math.NaN(), 0}, {1e-300, 502}} {
		if got := MinTrials(tt.alpha); got != tt.want {
			t.Errorf("MinTrials(%v) = %d, want %d", tt.alpha, got, tt.want)
		}
	}
}

// TestGateOnAnyMetric: a gate on a metric the report does not show by
// default adds its row, so every metric of the table can be gated.
func TestGateOnAnyMetric(t *testing.T) {
	t.Parallel()
	b, n := cellOf("optimistic", "expo", 8, 0, base()), cellOf("optimistic", "expo", 8, 0, base())
	b.LatencyMS.Max, n.LatencyMS.Max = 10, 30
	n.Errors = map[string]int64{"timeout": 120}
	for _, name := range Metrics() {
		r, err := Compare(fileOf("uniform", b), fileOf("uniform", n), Options{Gates: gates(t, name+">-100")})
		if err != nil {
			t.Fatal(err)
		}
		metricOf(t, r, "optimistic/expo/w8", name)
	}
	r, err := Compare(fileOf("uniform", b), fileOf("uniform", n), Options{Gates: gates(t, "max>+100%,error_ratio>0.005,cut_off>0,lww: p99>0")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range r.Failed() {
		got = append(got, f.String())
	}
	want := []string{
		"max_ms > +100%: optimistic/expo/w8: max_ms 10 → 30: +200.00%",
		"error_ratio > 0.005: optimistic/expo/w8: error_ratio is 0.0100",
		"cut_off > 0: optimistic/expo/w8: cut_off is 5",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failures\n%q\nwant\n%q", got, want)
	}
	if md := metricOf(t, r, "optimistic/expo/w8", "max_ms"); md.Label != "max (ms)" || md.Abs {
		t.Errorf("max_ms row: %+v", md)
	}
	if !slices.Contains(r.Notes, `gate "lww: p99_ms > 0" checked no cell: no compared cell of strategy "lww"`) {
		t.Errorf("notes %q do not say the lww gate checked nothing", r.Notes)
	}
	// A hand-made gate may use an alias; an unknown metric is an error.
	if r, err := Compare(fileOf("uniform", b), fileOf("uniform", n), Options{Gates: []Gate{{Metric: "max", Op: ">", Kind: Relative, Value: 100}}}); err != nil || len(r.Failed()) != 1 {
		t.Errorf("alias gate: %v, %v", r, err)
	}
	if _, err := Compare(fileOf("uniform", b), fileOf("uniform", n), Options{Gates: []Gate{{Metric: "latency", Op: ">"}}}); err == nil || !strings.Contains(err.Error(), `unknown metric "latency"`) {
		t.Errorf("unknown gate metric: %v", err)
	}
}

// TestComparePlainGateWithTrials: a plain threshold fails when any new
// trial crosses it, significant or not.
func TestComparePlainGateWithTrials(t *testing.T) {
	t.Parallel()
	b := trials("optimistic", 1, 1, 1)
	n := trials("optimistic", 1, 1, 1)
	n[1].Audit.LostUpdates = 1
	r, err := Compare(fileOf("uniform", b...), fileOf("uniform", n...), Options{Gates: gates(t, "lost_updates>0,give_ups>+0")})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Failed()
	if len(f) != 1 || f[0].String() != "lost_updates > 0: optimistic/expo/w8: lost_updates is 1" {
		t.Errorf("failures %v", f)
	}
}

// lwwLossGated compares a lww cell that lost 40 updates, as expected,
// with itself under the gate lost_updates>0.
func lwwLossGated(t *testing.T) *Report {
	t.Helper()
	v := base()
	v.lost = 40
	lww := cellOf("lww", "none", 8, 0, v)
	lww.Audit.LossExpected, lww.Audit.OK = true, true
	r, err := Compare(fileOf("uniform", lww), fileOf("uniform", lww), Options{Gates: gates(t, "lost_updates>0")})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCompareExpectedLossNotGated(t *testing.T) {
	t.Parallel()
	r := lwwLossGated(t)
	if len(r.Failed()) != 0 {
		t.Errorf("expected lww loss failed a gate: %v", r.Failed())
	}
	if md := metricOf(t, r, "lww/none/w8", "lost_updates"); md.NotGated != "loss expected for lww" {
		t.Errorf("not gated = %q", md.NotGated)
	}
}

func TestCompareUnmatchedAndSkipped(t *testing.T) {
	t.Parallel()
	skipped := results.Cell{Driver: "memory", Strategy: "lease", Backoff: "expo", Writers: 8, OnConflict: "retry", Scope: "document", Keys: 1000, Skipped: "no leases"}
	b := fileOf("uniform",
		cellOf("optimistic", "expo", 8, 0, base()),
		cellOf("pessimistic", "expo", 8, 0, base()),
		skipped)
	n := fileOf("uniform",
		cellOf("optimistic", "expo", 8, 0, base()),
		cellOf("optimistic", "expo", 16, 0, base()),
		skipped)
	r, err := Compare(b, n, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cells) != 2 || r.Cells[1].Skipped != "skipped in both: no leases" {
		t.Errorf("cells %+v", r.Cells)
	}
	if len(r.BaseOnly) != 1 || r.BaseOnly[0].Name != "pessimistic/expo/w8" || len(r.NewOnly) != 1 || r.NewOnly[0].Name != "optimistic/expo/w16" {
		t.Errorf("unmatched: base only %+v, new only %+v", r.BaseOnly, r.NewOnly)
	}

	// A different distribution: nothing matches, and the report says why.
	r, err = Compare(b, fileOf("zipfian", n.Cells...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Matched() != 0 || len(r.BaseOnly) != 3 || len(r.NewOnly) != 3 {
		t.Errorf("matched %d, base only %d, new only %d", r.Matched(), len(r.BaseOnly), len(r.NewOnly))
	}
	if want := []string{"distribution: uniform → zipfian", "zipf_theta: 0 → 0.990"}; !reflect.DeepEqual(r.WorkloadDiffs, want) {
		t.Errorf("workload diffs %q, want %q", r.WorkloadDiffs, want)
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	f := fileOf("uniform", cellOf("optimistic", "expo", 8, 0, base()))
	if _, err := Compare(nil, f, Options{}); err == nil {
		t.Error("nil base accepted")
	}
	if _, err := Compare(f, f, Options{Alpha: 1.5}); err == nil || err.Error() != "--alpha: must be in (0, 1), got 1.5" {
		t.Errorf("alpha 1.5: %v", err)
	}
	bad := fileOf("uniform")
	bad.Scenario["keys"] = "many"
	if _, err := Compare(f, bad, Options{NewName: "new.json"}); err == nil || !strings.HasPrefix(err.Error(), "new.json: scenario:") {
		t.Errorf("bad scenario: %v", err)
	}
}

// report is a comparison with trials, unmatched cells, a skipped cell,
// a footnote and failing gates: what the golden files show.
func report(t *testing.T) *Report {
	t.Helper()
	b := fileOf("uniform", trials("optimistic", 1.00, 1.02, 0.98, 1.01, 0.99)...)
	n := fileOf("uniform", trials("optimistic", 2.0, 2.1, 1.9, 2.05, 1.95)...)
	for i := range n.Cells {
		n.Cells[i].ThroughputOpsS = 900 + float64(i) // -10 %, significant
		n.Cells[i].ConflictRatio = 0.15 + 0.001*float64(i%2)
	}
	pb, pn := base(), base()
	pn.p99, pn.giveUps, pn.lost = 6, 3, 1
	b.Cells = append(b.Cells, cellOf("pessimistic", "none", 8, 0, pb), cellOf("lww", "none", 8, 0, pb))
	n.Cells = append(n.Cells, cellOf("pessimistic", "none", 8, 0, pn), cellOf("optimistic", "none", 4, 0, pn))
	b.Cells = append(b.Cells, trials("serializable", 1, 2, 3)...)
	n.Cells = append(n.Cells, trials("serializable", 4, 5, 6)...)
	r, err := Compare(b, n, Options{BaseName: "base.json", NewName: "new.json", Gates: gates(t, "throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0")})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func render(t *testing.T, r *Report, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, format); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderText(t *testing.T) {
	t.Parallel()
	out := render(t, report(t), "text")
	golden.Check(t, golden.Path(t), out)
	for _, want := range []string{
		"FAIL p99_ms > +10%: optimistic/expo/w8: p99_ms 1 → 2: +100.00% (p=0.008 n=5)",
		"FAIL lost_updates > 0: pessimistic/none/w8: lost_updates is 1",
		"only in base.json: lww/none/w8", "only in new.json: optimistic/none/w4",
		"+150.00% (medians, n=3) ¹ ²", "² n=3 cannot be tested at alpha 0.05: decided on medians; use --trials >= 4",
		"FAIL p99_ms > +10%: serializable/expo/w8: p99_ms 2 → 5: +150.00% (medians, n=3)",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	out := render(t, report(t), "markdown")
	golden.Check(t, golden.Path(t), out)
	if !bytes.Contains(out, []byte("**+100.00% (p=0.008 n=5) ¹** ❌ `p99_ms > +10%")) {
		t.Error("markdown report does not mark the failing p99 in bold with ❌")
	}
}

func TestRenderJSON(t *testing.T) {
	t.Parallel()
	r := report(t)
	var got struct {
		Regression bool `json:"regression"`
		Failures   []struct {
			Gate, Cell string
		} `json:"failures"`
		Cells []struct {
			Name    string `json:"name"`
			Metrics []struct {
				Metric string   `json:"metric"`
				P      *float64 `json:"p"`
				Failed []string `json:"failed_gates"`
			} `json:"metrics"`
		} `json:"cells"`
		BaseOnly []struct{ Name string } `json:"base_only"`
	}
	if err := json.Unmarshal(render(t, r, "json"), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Regression || len(got.Failures) != len(r.Failed()) || len(got.BaseOnly) != 1 {
		t.Errorf("json: %+v", got)
	}
	p99 := got.Cells[0].Metrics[6]
	if p99.Metric != "p99_ms" || p99.P == nil || len(p99.Failed) != 1 || p99.Failed[0] != "p99_ms > +10%" {
		t.Errorf("json p99: %+v", p99)
	}
}

func TestRenderNoGatesNoTrials(t *testing.T) {
	t.Parallel()
	n := base()
	n.p50 = 0.5
	r, err := Compare(fileOf("uniform", cellOf("optimistic", "expo", 8, 0, base())), fileOf("uniform", cellOf("optimistic", "expo", 8, 0, n)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, r, "text")
	golden.Check(t, golden.Path(t), out)
	if bytes.Contains(out, []byte("gate")) || bytes.Contains(out, []byte("trials")) {
		t.Errorf("report mentions gates or trials:\n%s", out)
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n++; return len(p), nil }

type failWriter struct{ n int }

var errWrite = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errWrite
	}
	w.n--
	return len(p), nil
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	r := report(t)
	var buf bytes.Buffer
	if err := r.Render(&buf, "csv"); err == nil || err.Error() != `--format: unknown format "csv" (allowed: text, markdown, json, junit)` {
		t.Errorf("csv: %v", err)
	}
	for _, format := range Formats() {
		var cw countWriter
		if err := r.Render(&cw, format); err != nil || cw.n == 0 {
			t.Fatalf("%s: %d writes, error %v", format, cw.n, err)
		}
		for n := range cw.n {
			if err := r.Render(&failWriter{n: n}, format); !errors.Is(err, errWrite) {
				t.Errorf("%s, write %d of %d fails: error %v", format, n+1, cw.n, err)
			}
		}
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {5, "5"}, {1234.6, "1,235"}, {-1234567, "-1,234,567"}, {99.96, "100"}, {12.345, "12.3"}, {0.0123456, "0.0123"}, {-2.5, "-2.50"}, {0.15, "0.150"},
	} {
		if got := num(tt.in); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := marker(11); got != "¹²" {
		t.Errorf("marker(11) = %q", got)
	}
}

func BenchmarkCompare(b *testing.B) {
	base := fileOf("uniform", trials("optimistic", 1, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01, 0.99, 1)...)
	cur := fileOf("uniform", trials("optimistic", 2, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98, 2.01, 1.99, 2)...)
	g, err := ParseGates("p99>+10%,throughput<-5%")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(base, cur, Options{Gates: g}); err != nil {
			b.Fatal(err)
		}
	}
}
