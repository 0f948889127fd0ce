package capacity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/internal/golden"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/results"
)

// fakeSystem is a store whose p99 grows linearly with load and whose
// throughput saturates: p99 = base + slope·load ms, throughput =
// min(perUnit·load, ceiling) ops/s.
type fakeSystem struct {
	base, slope       float64
	perUnit, ceiling  float64
	vary              Vary
	clk               *clock.Fake
	probeTime         time.Duration // advanced on clk per call
	calls             []float64     // loads, in call order
	outlierEvery      int           // every n-th call at a load is a 10× p99 outlier
	perLoad           map[float64]int
	skip              string
	failAfter         int // > 0: the n-th call returns an error
	interruptAt       int // > 0: the n-th call cancels ctx and comes back interrupted
	cancel            context.CancelFunc
	successRateAbove  float64 // load above which success_rate drops to 0.99
	successRateAtHigh float64
}

func (f *fakeSystem) run(ctx context.Context, strategy, backoff string, load float64) (results.Cell, error) {
	f.calls = append(f.calls, load)
	if f.clk != nil {
		f.clk.Advance(f.probeTime)
	}
	n := len(f.calls)
	if f.failAfter > 0 && n == f.failAfter {
		return results.Cell{}, errors.New("store went away")
	}
	c := results.Cell{Strategy: strategy, Backoff: backoff, Writers: int(load), SuccessRate: 1}
	if f.vary == Rate {
		c.Writers, c.Rate = 8, load
	}
	if f.skip != "" {
		c.Skipped = f.skip
		return c, nil
	}
	if f.interruptAt > 0 && n == f.interruptAt {
		f.cancel()
		c.Interrupted = true
		return c, nil
	}
	p99 := f.base + f.slope*load
	if f.outlierEvery > 0 {
		if f.perLoad == nil {
			f.perLoad = map[float64]int{}
		}
		f.perLoad[load]++
		if f.perLoad[load]%f.outlierEvery == 0 {
			p99 *= 10
		}
	}
	c.LatencyMS = results.Latency{P50: p99 / 4, P90: p99 / 2, P99: p99, P999: p99 * 2}
	c.ThroughputOpsS = math.Min(f.perUnit*load, f.ceiling)
	if f.successRateAbove > 0 && load > f.successRateAbove {
		c.SuccessRate = f.successRateAtHigh
	}
	return c, nil
}

func mustSLO(t *testing.T, s string) SLO {
	t.Helper()
	slo, err := ParseSLO(s)
	if err != nil {
		t.Fatal(err)
	}
	return slo
}

func loads(a Answer) []float64 {
	var out []float64
	for _, p := range a.Probes {
		out = append(out, p.Load)
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	pair := []Pair{{"optimistic", "full-jitter"}}
	for _, tt := range []struct {
		name    string
		sys     fakeSystem
		opts    Options
		outcome Outcome
		load    float64
		fail    float64 // load of the first failing probe; 0 = none
		knee    float64 // 0 = none
		probes  []float64
		phases  string // one letter per probe: d(ouble) or b(isect)
	}{
		{
			name: "found writers",
			sys:  fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000},
			opts: Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers},
			// p99 = 2+3w ≤ 71 ⇔ w ≤ 23
			outcome: Found, load: 23, fail: 24, knee: 8,
			probes: []float64{1, 2, 4, 8, 16, 32, 24, 20, 22, 23},
			phases: "ddddddbbbb",
		},
		{
			name: "boundary passes on equality",
			sys:  fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000},
			opts: Options{SLO: SLO{{P99MS, "<=", 50}}, Vary: Writers},
			// p99(16) = 50 exactly: passes
			outcome: Found, load: 16, fail: 17, knee: 8,
			probes: []float64{1, 2, 4, 8, 16, 32, 24, 20, 18, 17},
			phases: "ddddddbbbb",
		},
		{
			name:    "two conditions, the second binds",
			sys:     fakeSystem{base: 1, slope: 0.1, perUnit: 1000, ceiling: 1e9, successRateAbove: 12, successRateAtHigh: 0.99},
			opts:    Options{SLO: SLO{{P99MS, "<=", 50}, {SuccessRate, ">=", 0.999}}, Vary: Writers},
			outcome: Found, load: 12, fail: 13,
			probes: []float64{1, 2, 4, 8, 16, 12, 14, 13},
			phases: "dddddbbb",
		},
		{
			name:    "max reached, clamped last step",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 1e9},
			opts:    Options{SLO: SLO{{P99MS, "<=", 100}}, Vary: Writers, Max: 10},
			outcome: MaxReached, load: 10,
			probes: []float64{1, 2, 4, 8, 10},
			phases: "ddddd",
		},
		{
			name:    "none met",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000},
			opts:    Options{SLO: SLO{{P99MS, "<=", 4}}, Vary: Writers},
			outcome: NoneMet, fail: 1,
			probes: []float64{1},
			phases: "d",
		},
		{
			name:    "start above one",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000},
			opts:    Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Start: 3},
			outcome: Found, load: 23, fail: 24, knee: 12,
			probes: []float64{3, 6, 12, 24, 18, 21, 22, 23},
			phases: "ddddbbbb",
		},
		{
			name: "rate to within 5%",
			sys:  fakeSystem{base: 1, slope: 0.01, perUnit: 1, ceiling: 850, vary: Rate},
			opts: Options{SLO: SLO{{P99MS, "<=", 10}}, Vary: Rate},
			// p99 = 1 + r/100 ≤ 10 ⇔ r ≤ 900; the last fail is within 5% of 900
			outcome: Found, load: 900, fail: 925, knee: 800,
			probes: []float64{100, 200, 400, 800, 1600, 1200, 1000, 900, 950, 925},
			phases: "dddddbbbbb",
		},
		{
			name:    "median of trials ignores an outlier",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, outlierEvery: 3},
			opts:    Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Trials: 3},
			outcome: Found, load: 23, fail: 24, knee: 8,
			probes: []float64{1, 2, 4, 8, 16, 32, 24, 20, 22, 23},
			phases: "ddddddbbbb",
		},
		{
			name:    "budget stops the doubling: lower bound",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, probeTime: 10 * time.Second},
			opts:    Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Budget: 45 * time.Second},
			outcome: LowerBound, load: 8,
			probes: []float64{1, 2, 4, 8},
			phases: "dddd",
		},
		{
			name:    "budget stops the bisection: lower bound with a fail",
			sys:     fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, probeTime: 10 * time.Second},
			opts:    Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Budget: 80 * time.Second},
			outcome: LowerBound, load: 20, fail: 24, knee: 8,
			probes: []float64{1, 2, 4, 8, 16, 32, 24, 20},
			phases: "ddddddbb",
		},
		{
			name:    "skipped strategy",
			sys:     fakeSystem{skip: "memory does not grant leases"},
			opts:    Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers},
			outcome: Skipped,
			probes:  []float64{1},
			phases:  "d",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sys := tt.sys
			sys.vary = tt.opts.Vary
			sys.clk = clock.NewFake(time.Unix(0, 0))
			tt.opts.Clock = sys.clk
			rep, err := Search(context.Background(), pair, tt.opts, sys.run)
			if err != nil {
				t.Fatal(err)
			}
			a := rep.Answers[0]
			if a.Outcome != tt.outcome || a.Load != tt.load {
				t.Errorf("outcome %s load %v, want %s %v (reason %q)", a.Outcome, a.Load, tt.outcome, tt.load, a.Reason)
			}
			if got := loads(a); !slices.Equal(got, tt.probes) {
				t.Errorf("probes %v, want %v", got, tt.probes)
			}
			var phases string
			for i, p := range a.Probes {
				phases += string(p.Phase[0])
				if p.Seq != i+1 {
					t.Errorf("probe %d has Seq %d", i, p.Seq)
				}
				trials := max(tt.opts.Trials, 1)
				if tt.outcome != Skipped && len(p.Cells) != trials {
					t.Errorf("probe %d: %d cells, want %d", p.Seq, len(p.Cells), trials)
				}
			}
			if phases != tt.phases {
				t.Errorf("phases %q, want %q", phases, tt.phases)
			}
			if want := len(tt.probes) * max(tt.opts.Trials, 1); tt.outcome != Skipped && len(sys.calls) != want {
				t.Errorf("%d calls, want %d", len(sys.calls), want)
			}
			if (a.Fail == nil) != (tt.fail == 0) || (a.Fail != nil && a.Fail.Load != tt.fail) {
				t.Errorf("fail probe %+v, want load %v", a.Fail, tt.fail)
			}
			if a.Pass != nil && (!a.Pass.Pass || a.Pass.Load != a.Load) {
				t.Errorf("pass probe %+v does not match load %v", a.Pass, a.Load)
			}
			if (a.Knee == nil) != (tt.knee == 0) || (a.Knee != nil && a.Knee.Load != tt.knee) {
				t.Errorf("knee %+v, want load %v", a.Knee, tt.knee)
			}
			if tt.outcome == LowerBound && !strings.Contains(a.Reason, "budget") {
				t.Errorf("lower bound reason %q does not name the budget", a.Reason)
			}
			if tt.outcome == Skipped && a.Reason != tt.sys.skip {
				t.Errorf("skip reason %q", a.Reason)
			}
		})
	}
}

func TestSearchTrialsNumberCells(t *testing.T) {
	t.Parallel()
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000}
	rep, err := Search(context.Background(), []Pair{{"optimistic", "expo"}},
		Options{SLO: SLO{{P99MS, "<=", 4}}, Vary: Writers, Trials: 3, Clock: clock.NewFake(time.Unix(0, 0))}, sys.run)
	if err != nil {
		t.Fatal(err)
	}
	var trials []int
	for _, c := range rep.Cells() {
		trials = append(trials, c.Trial)
	}
	if !slices.Equal(trials, []int{1, 2, 3}) {
		t.Errorf("trials %v, want [1 2 3]", trials)
	}
}

func TestSearchBudgetIsShared(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Unix(0, 0))
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, probeTime: 10 * time.Second, clk: clk}
	pairs := []Pair{{"optimistic", "expo"}, {"optimistic", "full-jitter"}}
	rep, err := Search(context.Background(), pairs,
		Options{SLO: SLO{{P99MS, "<=", 1000}}, Vary: Writers, Budget: 100 * time.Second, Clock: clk, NoConfirm: true}, sys.run)
	if err != nil {
		t.Fatal(err)
	}
	// Each pair gets 50s: five 10s probes (the fifth ends exactly on the
	// deadline), then stops as a lower bound.
	for _, a := range rep.Answers {
		if got := loads(a); a.Outcome != LowerBound || !slices.Equal(got, []float64{1, 2, 4, 8, 16}) {
			t.Errorf("%s: %s probes %v, want lower bound after [1 2 4 8 16]", a.Pair, a.Outcome, got)
		}
	}
	if el := clk.Now().Sub(time.Unix(0, 0)); el > 100*time.Second {
		t.Errorf("search took %s, budget 100s", el)
	}
}

func TestSearchInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, interruptAt: 3, cancel: cancel}
	pairs := []Pair{{"optimistic", "expo"}, {"optimistic", "full-jitter"}}
	rep, err := Search(ctx, pairs, Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Clock: clock.NewFake(time.Unix(0, 0))}, sys.run)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted {
		t.Error("report not marked interrupted")
	}
	a := rep.Answers[0]
	if a.Outcome != LowerBound || a.Load != 2 || a.Reason != "interrupted" {
		t.Errorf("first pair: %s load %v reason %q, want lower bound 2, interrupted", a.Outcome, a.Load, a.Reason)
	}
	if last := a.Probes[len(a.Probes)-1]; !last.Interrupted || last.Values != nil || last.Load != 4 {
		t.Errorf("interrupted probe judged: %+v", last)
	}
	if b := rep.Answers[1]; b.Outcome != Unknown || len(b.Probes) != 0 {
		t.Errorf("second pair: %s with %d probes, want unknown with none", b.Outcome, len(b.Probes))
	}
	if len(sys.calls) != 3 {
		t.Errorf("%d calls after the interrupt, want 3", len(sys.calls))
	}
}

func TestSearchRunError(t *testing.T) {
	t.Parallel()
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, failAfter: 3}
	rep, err := Search(context.Background(), []Pair{{"optimistic", "expo"}, {"lease", "expo"}},
		Options{SLO: SLO{{P99MS, "<=", 71}}, Vary: Writers, Clock: clock.NewFake(time.Unix(0, 0))}, sys.run)
	if err == nil || !strings.Contains(err.Error(), "optimistic/expo: 4 writers: store went away") {
		t.Fatalf("error %v, want one naming the pair and load", err)
	}
	if rep == nil || len(rep.Answers) != 1 || rep.Answers[0].Outcome != LowerBound || rep.Answers[0].Load != 2 {
		t.Errorf("partial report %+v", rep)
	}
}

func TestSearchBadOptions(t *testing.T) {
	t.Parallel()
	slo := SLO{{P99MS, "<=", 1}}
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"no slo", Options{Vary: Writers}, "no conditions"},
		{"bad vary", Options{SLO: slo, Vary: "keys"}, `unknown value "keys" (allowed: writers, rate)`},
		{"fractional writers", Options{SLO: slo, Vary: Writers, Start: 1.5}, "must be integers"},
		{"max below start", Options{SLO: slo, Vary: Rate, Start: 100, Max: 50}, "max must be ≥ start"},
		{"negative start", Options{SLO: slo, Vary: Rate, Start: -1}, "start must be > 0"},
		{"negative budget", Options{SLO: slo, Vary: Writers, Budget: -time.Second}, "budget"},
		{"negative trials", Options{SLO: slo, Vary: Writers, Trials: -1}, "trials"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Search(context.Background(), []Pair{{"optimistic", "expo"}}, tt.opts,
				func(context.Context, string, string, float64) (results.Cell, error) {
					t.Fatal("run called with bad options")
					return results.Cell{}, nil
				})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestKnee(t *testing.T) {
	t.Parallel()
	probe := func(phase Phase, load, tput float64) Probe {
		return Probe{Phase: phase, Load: load, Values: map[string]float64{ThroughputOpsS: tput}}
	}
	for _, tt := range []struct {
		name   string
		probes []Probe
		want   float64 // 0 = none
	}{
		{"flattens", []Probe{probe(Doubling, 1, 10), probe(Doubling, 2, 19), probe(Doubling, 4, 35), probe(Doubling, 8, 41), probe(Doubling, 16, 42)}, 8},
		{"exactly 10% is not a knee", []Probe{probe(Doubling, 1, 100), probe(Doubling, 2, 110), probe(Doubling, 4, 120)}, 2},
		{"drops", []Probe{probe(Doubling, 1, 100), probe(Doubling, 2, 180), probe(Doubling, 4, 90)}, 2},
		{"still growing", []Probe{probe(Doubling, 1, 100), probe(Doubling, 2, 200), probe(Doubling, 4, 400)}, 0},
		{"clamped step is normalised per doubling", []Probe{probe(Doubling, 8, 100), probe(Doubling, 10, 120)}, 0},
		{"bisect probes are ignored", []Probe{probe(Doubling, 1, 100), probe(Doubling, 2, 200), probe(Bisecting, 3, 201), probe(Doubling, 4, 400)}, 0},
		{"unjudged probes are ignored", []Probe{probe(Doubling, 1, 100), {Phase: Doubling, Load: 2}}, 0},
		{"zero throughput start", []Probe{probe(Doubling, 1, 0), probe(Doubling, 2, 0), probe(Doubling, 4, 0)}, 0},
		{"one probe", []Probe{probe(Doubling, 1, 100)}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := knee(tt.probes)
			if (k == nil) != (tt.want == 0) || (k != nil && k.Load != tt.want) {
				t.Errorf("knee %+v, want load %v", k, tt.want)
			}
		})
	}
}

func TestParseSLO(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want string // canonical form, or the error substring
		err  bool
	}{
		{in: "p99_ms<=50,success_rate>=0.999", want: "p99_ms<=50,success_rate>=0.999"},
		{in: " p99_ms <= 50 , lost_updates == 0 ", want: "p99_ms<=50,lost_updates==0"},
		{in: "p50_ms<1,p90_ms<2,p999_ms<3,conflict_ratio<0.5,throughput_ops_s>1e3", want: "p50_ms<1,p90_ms<2,p999_ms<3,conflict_ratio<0.5,throughput_ops_s>1000"},
		{in: "", err: true, want: "no conditions"},
		{in: ",,", err: true, want: "no conditions"},
		{in: "p99_ms", err: true, want: `condition "p99_ms": want METRIC OP VALUE with OP one of <, <=, >, >=, ==`},
		{in: "p99_ms=50", err: true, want: "want METRIC OP VALUE"},
		{in: "p99_ms=>50", err: true, want: "want METRIC OP VALUE"},
		{in: "p98_ms<=50", err: true, want: `unknown metric "p98_ms" (allowed: throughput_ops_s, attempts_s, conflict_ratio, success_rate,`},
		{in: "<=50", err: true, want: `unknown metric ""`},
		{in: "p99_ms<=fast", err: true, want: `want a number after <=, got "fast"`},
		{in: "p99_ms<=NaN", err: true, want: "want a number"},
		{in: "p99_ms<=", err: true, want: "want a number"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			slo, err := ParseSLO(tt.in)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || slo.String() != tt.want {
				t.Errorf("got %q, %v; want %q", slo, err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	slo := mustSLO(t, "p99_ms<=50,success_rate>=0.999,lost_updates==0,conflict_ratio<0.5,throughput_ops_s>100")
	cell := results.Cell{LatencyMS: results.Latency{P99: 71.2}, SuccessRate: 0.9981, ConflictRatio: 0.5, ThroughputOpsS: 100.5,
		Audit: results.Audit{LostUpdates: 0}}
	ok, failed := slo.Check(Values([]results.Cell{cell}))
	var got []string
	for _, f := range failed {
		got = append(got, f.String())
	}
	want := []string{"p99 71.2 ms", "success_rate 0.9981", "conflict_ratio 0.5"}
	if ok || !slices.Equal(got, want) {
		t.Errorf("ok %v failed %q, want false %q", ok, got, want)
	}
	if ok, _ := slo.Check(map[string]float64{}); ok {
		t.Error("missing metrics passed")
	}
}

func TestValuesMedian(t *testing.T) {
	t.Parallel()
	cells := func(p99s ...float64) []results.Cell {
		var out []results.Cell
		for _, v := range p99s {
			out = append(out, results.Cell{LatencyMS: results.Latency{P99: v}})
		}
		return out
	}
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{[]float64{5}, 5}, {[]float64{9, 1, 5}, 5}, {[]float64{1, 2, 3, 100}, 2.5}} {
		if got := Values(cells(tt.in...))[P99MS]; got != tt.want {
			t.Errorf("median of %v = %v, want %v", tt.in, got, tt.want)
		}
	}
	if v := Values(nil)[P99MS]; !math.IsNaN(v) {
		t.Errorf("median of nothing = %v, want NaN", v)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		got, want string
	}{
		{Writers.Format(1), "1 writer"},
		{Writers.Format(24), "24 writers"},
		{Rate.Format(1800), "1,800 ops/s"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// searchReport runs the fake searches the golden tests render.
func searchReport(t *testing.T) *Report {
	t.Helper()
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000}
	run := func(ctx context.Context, strategy, backoff string, load float64) (results.Cell, error) {
		if strategy == "lease" {
			return results.Cell{Strategy: strategy, Backoff: backoff, Skipped: "memory: no leases"}, nil
		}
		if backoff == "none" {
			load *= 4 // a worse backoff: the same curve, four times sooner
		}
		return sys.run(ctx, strategy, backoff, load)
	}
	pairs := []Pair{{"optimistic", "full-jitter"}, {"optimistic", "none"}, {"lease", "expo"}}
	rep, err := Search(context.Background(), pairs, Options{SLO: mustSLO(t, "p99_ms<=71,success_rate>=0.999"), Vary: Writers, Max: 64, Clock: clock.NewFake(time.Unix(0, 0))}, run)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestLines(t *testing.T) {
	t.Parallel()
	rep := searchReport(t)
	want := []string{
		"optimistic/full-jitter: 23 writers meet p99_ms<=71,success_rate>=0.999 (24 fail: p99 74.0 ms); knee at 8 writers (40,000 ops/s)",
		"optimistic/none: 5 writers meet p99_ms<=71,success_rate>=0.999 (6 fail: p99 74.0 ms); knee at 2 writers (40,000 ops/s)",
		"lease/expo: skipped: memory: no leases",
	}
	for i, w := range want {
		if got := rep.Line(&rep.Answers[i]); got != w {
			t.Errorf("line %d:\n got %s\nwant %s", i, got, w)
		}
	}
	for _, tt := range []struct {
		a    Answer
		want string
	}{
		{Answer{Pair: Pair{"o", "e"}, Outcome: MaxReached, Load: 64, Pass: &Probe{Load: 64}, Probes: []Probe{{Phase: Doubling, Load: 32, Values: map[string]float64{ThroughputOpsS: 10}}, {Phase: Doubling, Load: 64, Values: map[string]float64{ThroughputOpsS: 20}}}},
			"o/e: 64 writers meet p99_ms<=71,success_rate>=0.999 at the largest load searched (capacity is at least that); no knee up to 64 writers (throughput still grew ≥10% per doubling)"},
		{Answer{Pair: Pair{"o", "e"}, Outcome: NoneMet, Fail: &Probe{Load: 1, Failed: []Failure{{Cond{P99MS, "<=", 71}, 80}}}},
			"o/e: no load meets p99_ms<=71,success_rate>=0.999 (1 writer fails: p99 80.0 ms)"},
		{Answer{Pair: Pair{"o", "e"}, Outcome: LowerBound, Load: 1, Reason: "the time budget (1s) ran out", Pass: &Probe{Load: 1}, Probes: []Probe{{Phase: Doubling, Load: 1, Values: map[string]float64{}}}},
			"o/e: at least 1 writer meets p99_ms<=71,success_rate>=0.999 (lower bound: the time budget (1s) ran out before any load failed); knee unknown (fewer than two doubling probes)"},
		{Answer{Pair: Pair{"o", "e"}, Outcome: Unknown, Reason: "interrupted"},
			"o/e: unknown: interrupted before any probe was judged"},
	} {
		if got := rep.Line(&tt.a); got != tt.want {
			t.Errorf("\n got %s\nwant %s", got, tt.want)
		}
	}
}

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	rep := searchReport(t)
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"TestWriteText.golden", func(b *bytes.Buffer) error { return rep.WriteText(b) }},
		{"TestWriteMarkdown.golden", func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) }},
	} {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", tt.name), b.Bytes())
	}
}

func TestCellsAndLoads(t *testing.T) {
	t.Parallel()
	rep := searchReport(t)
	if n := len(rep.Cells()); n != 10+6+1 {
		t.Errorf("%d cells, want 17 (10 + 6 probes + 1 skipped)", n)
	}
	want := []float64{1, 2, 4, 5, 6, 8, 16, 20, 22, 23, 24, 32}
	if got := rep.Loads(); !slices.Equal(got, want) {
		t.Errorf("loads %v, want %v", got, want)
	}
}

func TestWritePlots(t *testing.T) {
	t.Parallel()
	rep := searchReport(t)
	dir := filepath.Join(t.TempDir(), "plots")
	paths, err := rep.WritePlots(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "capacity-optimistic-full-jitter.png"), filepath.Join(dir, "capacity-optimistic-none.png")}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %v, want %v (the skipped pair has nothing to plot)", paths, want)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10_000 {
			t.Errorf("%s: not a plausible PNG (%d bytes)", p, len(b))
		}
	}
	top, bottom, err := rep.Plots(&rep.Answers[0])
	if err != nil {
		t.Fatal(err)
	}
	if top.Y.Label.Text != "throughput (ops/s)" || bottom.Y.Label.Text != "p99 latency (ms)" {
		t.Errorf("labels %q, %q", top.Y.Label.Text, bottom.Y.Label.Text)
	}
	if bottom.Y.Max < 98 { // the highest probe (32 writers) is 98 ms
		t.Errorf("bottom y max %v cuts off the 32-writer probe", bottom.Y.Max)
	}
	if _, _, err := rep.Plots(&rep.Answers[2]); err == nil {
		t.Error("plotting a skipped pair did not fail")
	}
}

func TestDoublingTicks(t *testing.T) {
	t.Parallel()
	ts := doublingTicks{start: 100}.Ticks(math.Log2(100)-0.5, math.Log2(1600)+0.5)
	var labels []string
	for _, tk := range ts {
		labels = append(labels, tk.Label)
	}
	if want := []string{"100", "200", "400", "800", "1,600"}; !slices.Equal(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	many := doublingTicks{start: 1}.Ticks(0, 20)
	n := 0
	for _, tk := range many {
		if tk.Label != "" {
			n++
		}
	}
	if len(many) != 21 || n > 11 {
		t.Errorf("%d ticks, %d labelled; want 21 ticks, at most 11 labels", len(many), n)
	}
}

func TestSearchBudgetKeepsAShareForReprobes(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Unix(0, 0))
	sys := fakeSystem{base: 2, slope: 3, perUnit: 5000, ceiling: 40000, probeTime: 10 * time.Second, clk: clk}
	pairs := []Pair{{"optimistic", "full-jitter"}, {"optimistic", "expo"}}
	rep, err := Search(context.Background(), pairs,
		Options{SLO: SLO{{P99MS, "<=", 1000}}, Vary: Writers, Budget: 120 * time.Second, Clock: clk}, sys.run)
	if err != nil {
		t.Fatal(err)
	}
	// Three shares of 40s: four probes per pair, then rounds of two 10s
	// re-probes at 8 writers while a round fits: two of them.
	for _, a := range rep.Answers {
		if got := loads(a); a.Outcome != LowerBound || !slices.Equal(got, []float64{1, 2, 4, 8}) {
			t.Errorf("%s: %s probes %v", a.Pair, a.Outcome, got)
		}
	}
	rec := rep.Recommendation
	if rec == nil || rec.Load != 8 || !rec.Reprobed || len(rec.Members) != 2 {
		t.Fatalf("recommendation %+v", rec)
	}
	for _, m := range rec.Members {
		if m.Reprobe == nil || len(m.Reprobe.Probe.Cells) != 2 || m.Reprobe.Probe.Phase != Confirming {
			t.Errorf("%s: re-probe %+v", m.Pair, m.Reprobe)
		}
	}
	// Both within noise (equal answers); equal attempts: expo is simpler.
	if !slices.Equal(rec.WithinNoise, pairs) || rec.Pick != pairs[1] {
		t.Errorf("set %v pick %s", rec.WithinNoise, rec.Pick)
	}
	if el := clk.Now().Sub(time.Unix(0, 0)); el > 120*time.Second {
		t.Errorf("search took %s, budget 120s", el)
	}
	if n := len(rep.Cells()); n != 8+4 {
		t.Errorf("%d cells, want 12", n)
	}
}

func TestMaxCells(t *testing.T) {
	t.Parallel()
	slo := SLO{{P99MS, "<=", 50}}
	for _, tt := range []struct {
		name  string
		pairs int
		opts  Options
		want  int
		err   string
	}{
		// doubling 1…1024: 11 probes (+1 clamp bound), bisection ≤ 10
		{"writers, one pair: no re-probes", 1, Options{SLO: slo, Vary: Writers}, 22, ""},
		{"writers, three pairs", 3, Options{SLO: slo, Vary: Writers, Trials: 2}, 3*22*2 + 3*DefaultConfirmTrials, ""},
		{"re-probes capped", 8, Options{SLO: slo, Vary: Writers, ConfirmPairs: 2, ConfirmTrials: 3}, 8*22 + 3*3, ""},
		{"no re-probes", 8, Options{SLO: slo, Vary: Writers, NoConfirm: true}, 8 * 22, ""},
		{"rate 100…1,000,000", 2, Options{SLO: slo, Vary: Rate}, 2*(15+6) + 2*DefaultConfirmTrials, ""},
		{"no pairs", 0, Options{SLO: slo, Vary: Writers}, 0, "at least one"},
		{"bad confirm-trials", 2, Options{SLO: slo, Vary: Writers, ConfirmTrials: -1}, 0, "confirm-trials must be ≥ 1"},
		{"bad alpha", 2, Options{SLO: slo, Vary: Writers, Alpha: 1.5}, 0, "alpha must be in [0, 1)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MaxCells(tt.pairs, tt.opts)
			if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("MaxCells = %d, %v; want %d, %q", got, err, tt.want, tt.err)
			}
		})
	}
}

// noisyCapacity is a store where pair i's true capacity is caps[i] writers
// under p99_ms<=50: the median p99 at load L is 50·L/cap, each trial
// multiplied by e^(sigma·N(0,1)) from a seeded generator.
type noisyCapacity struct {
	caps  map[Pair]float64
	sigma float64
	rng   *rand.Rand
}

func (n *noisyCapacity) run(_ context.Context, strategy, backoff string, load float64) (results.Cell, error) {
	p := Pair{strategy, backoff}
	p99 := 50 * load / n.caps[p] * math.Exp(n.sigma*n.rng.NormFloat64())
	return results.Cell{Strategy: strategy, Backoff: backoff, Writers: int(load), Ops: 1000, SuccessRate: 1,
		LatencyMS: results.Latency{P99: p99}, ThroughputOpsS: 1000 * min(load, n.caps[p]), Amplification: 1.5}, nil
}

// Three pairs with a capacity of 24 writers and one, optimistic/none
// (the tie-break's favourite: the simplest policy), of 16.
func equalCapacities() ([]Pair, map[Pair]float64, Pair) {
	pairs := []Pair{{"optimistic", "none"}, {"optimistic", "full-jitter"}, {"optimistic", "equal-jitter"}, {"optimistic", "decorrelated-jitter"}}
	caps := map[Pair]float64{pairs[0]: 16, pairs[1]: 24, pairs[2]: 24, pairs[3]: 24}
	return pairs, caps, pairs[0]
}

func TestRecommendationSeeded(t *testing.T) {
	t.Parallel()
	pairs, caps, worse := equalCapacities()
	slo := SLO{{P99MS, "<=", 50}}
	search := func(seed uint64) *Recommendation {
		sys := &noisyCapacity{caps: caps, sigma: 0.1, rng: rand.New(rand.NewPCG(seed, 3))}
		rep, err := Search(context.Background(), pairs, Options{SLO: slo, Vary: Writers, Max: 64, Clock: clock.NewFake(time.Unix(0, 0))}, sys.run)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Recommendation
	}
	const reps = 200
	exact, excluded, held := 0, 0, 0
	for i := range uint64(reps) {
		a, b := search(2*i), search(2*i+1)
		if !a.InSet(worse) {
			excluded++
			if len(a.WithinNoise) == 3 {
				exact++
			}
		}
		if a.InSet(b.Pick) && b.InSet(a.Pick) {
			held++
		}
	}
	t.Logf("of %d: the worse pair excluded %d times, the set exactly the three equal pairs %d times; %d pairs of runs held", reps, excluded, exact, held)
	if excluded < 196 || exact < 196 || held < 196 {
		t.Errorf("excluded %d, exact %d, held %d; want at least 196 each", excluded, exact, held)
	}
}

func TestRecommendationRules(t *testing.T) {
	t.Parallel()
	pass := func(load float64, amp float64) *Probe {
		return &Probe{Load: load, Pass: true, Cells: []results.Cell{{Amplification: amp}}}
	}
	answer := func(backoff string, load, amp float64) Answer {
		return Answer{Pair: Pair{"o", backoff}, Outcome: Found, Load: load, Pass: pass(load, amp)}
	}
	reprobe := func(backoff string, amp float64, p99s ...float64) Reprobe {
		r := Reprobe{Pair: Pair{"o", backoff}, Judged: true, Probe: Probe{Phase: Confirming, Load: 24}}
		for _, v := range p99s {
			r.Probe.Cells = append(r.Probe.Cells, results.Cell{Ops: 1, Amplification: amp, LatencyMS: results.Latency{P99: v}})
		}
		r.Probe.Values = Values(r.Probe.Cells)
		r.Probe.Pass, r.Probe.Failed = SLO{{P99MS, "<=", 50}}.Check(r.Probe.Values)
		return r
	}
	opts, err := Options{SLO: SLO{{P99MS, "<=", 50}}, Vary: Writers}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	as := []Answer{
		answer("decorrelated-jitter", 24, 2),
		answer("equal-jitter", 23, 2.05), // within one step
		answer("full-jitter", 20, 2),     // passes the re-probe
		answer("expo", 18, 1.5),          // fails it, but not told apart
		answer("constant", 16, 1),        // fails it, clearly worse
		answer("none", 8, 1),             // below half: not re-probed
		{Pair: Pair{"o", "skipped"}, Outcome: Skipped},
	}
	rs := []Reprobe{
		reprobe("decorrelated-jitter", 2, 48, 49, 50, 51, 52),
		reprobe("equal-jitter", 2.05, 49, 50, 51, 52, 53),
		reprobe("full-jitter", 2, 45, 46, 47, 48, 49),
		reprobe("expo", 1.5, 47, 51, 53, 55, 60),
		reprobe("constant", 1, 70, 72, 74, 76, 78),
	}
	rec := recommend(as, rs, opts)
	var got []string
	for _, m := range rec.Members {
		got = append(got, fmt.Sprintf("%s %v %s", m.Pair.Backoff, m.WithinNoise, m.Why))
	}
	want := []string{
		"decorrelated-jitter true best",
		"equal-jitter true within one step",
		"full-jitter true meets the SLO at the best's load",
		"expo true not told apart from the best at its load",
		"constant false worse than the best at its load",
		"none false below half the best's load",
	}
	if !slices.Equal(got, want) {
		t.Errorf("members:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// expo has the fewest attempts of the set (1.5) but is only not told
	// apart: the tie-break is among the other three (2, 2.05, 2).
	if rec.Pick != (Pair{"o", "full-jitter"}) || rec.TieBreak != "fewest attempts/op (3 of the 3 equivalent within 5% of 2), then simplest policy" {
		t.Errorf("pick %s, tie-break %q", rec.Pick, rec.TieBreak)
	}
	if !rec.BestHeld || rec.Best != (Pair{"o", "decorrelated-jitter"}) || rec.Load != 24 {
		t.Errorf("best %s at %v, held %v", rec.Best, rec.Load, rec.BestHeld)
	}
	if m := rec.Members[4]; m.Worse != P99MS || !(m.P < 0.05/4) {
		t.Errorf("constant: worse %q p %v", m.Worse, m.P)
	}
	// Equal attempts: the simplest policy, then the largest answer.
	for i := range as[:5] {
		as[i].Pass.Cells[0].Amplification = 1
	}
	rec = recommend(as[:3], nil, opts)
	if rec.Pick != (Pair{"o", "equal-jitter"}) || rec.TieBreak != "fewest attempts/op (2 of the 2 equivalent within 5% of 1), then simplest policy" || rec.Reprobed {
		t.Errorf("without re-probes: set %v pick %s %q", rec.WithinNoise, rec.Pick, rec.TieBreak)
	}
	if recommend([]Answer{{Pair: Pair{"o", "e"}, Outcome: NoneMet}}, nil, opts) != nil {
		t.Error("a recommendation without any answer")
	}
}
