package tune

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/results"
)

const ms = time.Millisecond

// fake is a system where p99 and amplification depend on the backoff
// settings in a known way: decorrelated-jitter is best, a 5ms base beats
// 1ms, the cap matters little; noise (seeded) is added per trial.
type fake struct {
	noise float64 // relative noise per trial, uniform ±noise
	rng   *rand.Rand
	calls []Combo
	err   error // returned on the 3rd call
	skip  map[string]string
}

func (f *fake) run(ctx context.Context, c Combo, trial int) (results.Cell, error) {
	f.calls = append(f.calls, c)
	if f.err != nil && len(f.calls) == 3 {
		return results.Cell{}, f.err
	}
	cell := results.Cell{Driver: "memory", Strategy: c.Strategy, Backoff: c.Policy, Writers: 16, Trial: trial}
	if why, ok := f.skip[c.Strategy]; ok {
		cell.Skipped = why
		return cell, nil
	}
	p99 := map[string]float64{"full-jitter": 10, "equal-jitter": 12, "decorrelated-jitter": 8}[c.Policy]
	if c.Base == 5*ms {
		p99 *= 0.8
	}
	if c.Cap == time.Second {
		p99 *= 1.01
	}
	amp := p99 / 5
	tput := 100000 / p99
	if f.noise > 0 {
		k := 1 + f.noise*(2*f.rng.Float64()-1)
		p99 *= k
		tput /= k
	}
	cell.Ops = 1000
	cell.LatencyMS.P99 = p99
	cell.ThroughputOpsS = tput
	cell.Amplification = amp
	cell.SuccessRate = 1
	return cell, nil
}

func testGrid() Grid {
	return Grid{
		Strategies: []string{"optimistic"},
		Policies:   []string{"full-jitter", "equal-jitter", "decorrelated-jitter"},
		Bases:      []time.Duration{1 * ms, 5 * ms, 200 * ms},
		Caps:       []time.Duration{100 * ms, time.Second},
	}
}

func TestCombos(t *testing.T) {
	t.Parallel()
	run, skipped := testGrid().Combos()
	if len(run) != 15 || len(skipped) != 3 {
		t.Fatalf("%d run, %d skipped; want 15, 3", len(run), len(skipped))
	}
	for _, s := range skipped {
		if s.Base != 200*ms || s.Cap != 100*ms {
			t.Errorf("skipped %s", s)
		}
	}
	if run[0] != (Combo{"optimistic", "full-jitter", 1 * ms, 100 * ms}) || run[1].Cap != time.Second {
		t.Errorf("order: %v, %v", run[0], run[1])
	}
	if got := run[0].Label(); got != "full-jitter(1ms,100ms)" {
		t.Errorf("label %q", got)
	}
	if got := run[0].String(); got != "optimistic full-jitter base 1ms cap 100ms" {
		t.Errorf("string %q", got)
	}
}

func TestGridValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(*Grid)
		want string
	}{
		{"ok", func(*Grid) {}, ""},
		{"no policies", func(g *Grid) { g.Policies = nil }, "policies: want at least one"},
		{"repeated policy", func(g *Grid) { g.Policies = []string{"expo", "expo"} }, `policies: "expo" listed twice`},
		{"no bases", func(g *Grid) { g.Bases = nil }, "base: want at least one duration"},
		{"zero base", func(g *Grid) { g.Bases = []time.Duration{0} }, "base: must be > 0, got 0s"},
		{"repeated cap", func(g *Grid) { g.Caps = []time.Duration{ms, ms} }, "cap: 1ms listed twice"},
		{"every cap below every base", func(g *Grid) { g.Bases = []time.Duration{time.Second}; g.Caps = []time.Duration{ms} }, "nothing to run"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := testGrid()
			tt.edit(&g)
			err := g.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseObjective(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"p99", "goodput", "attempts"} {
		if o, err := ParseObjective(s); err != nil || string(o) != s {
			t.Errorf("%s: %v %v", s, o, err)
		}
	}
	if _, err := ParseObjective("p95"); err == nil || err.Error() != `unknown objective "p95" (allowed: p99, goodput, attempts)` {
		t.Errorf("error %v", err)
	}
}

func res(name string, p99, goodput, amp float64) Result {
	return Result{Combo: Combo{Strategy: "s", Policy: name, Base: ms, Cap: time.Second},
		P99: p99, Goodput: goodput, Amplification: amp, Valid: true, Cells: []results.Cell{{Ops: 1}}}
}

func TestRank(t *testing.T) {
	t.Parallel()
	invalid := Result{Combo: Combo{Policy: "broken"}, Note: "no committed ops"}
	in := []Result{
		invalid,
		res("a", 2.00, 100, 1.5),
		res("b", 1.00, 50, 3.0),
		res("c", 1.0004, 60, 2.0), // ties b on p99 at 3 digits; more goodput
		res("d", 3.00, 500, 1.1),
		res("e", 1.00, 60, 1.9), // ties c on p99 and goodput; fewer attempts
	}
	for _, tt := range []struct {
		o    Objective
		want string
	}{
		{P99, "ecbad-"},      // b, c, e tie on p99: goodput splits b off, attempts puts e before c
		{Goodput, "daecb-"},  // c and e tie on goodput and p99: attempts decide
		{Attempts, "daecb-"}, // lowest attempts, no ties
	} {
		got := ""
		for _, r := range Rank(in, tt.o) {
			if !r.Valid {
				got += "-"
				continue
			}
			got += r.Policy
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.o, got, tt.want)
		}
	}
	if in[0].Policy != "broken" {
		t.Error("Rank modified its input")
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	a, b := res("a", 2.0, 100, 1.5), res("b", 2.5, 80, 1.5)
	v := Compare(&a, &b, P99, 0)
	if math.Abs(v.Delta-0.25) > 1e-12 || v.Known || v.TieBreak != "" || v.Alpha != DefaultAlpha {
		t.Errorf("p99 verdict %+v", v)
	}
	if v.Significance() != "single trial: significance unknown" {
		t.Errorf("significance %q", v.Significance())
	}
	if v := Compare(&a, &b, Goodput, 0); math.Abs(v.Delta-0.2) > 1e-12 {
		t.Errorf("goodput delta %v, want 0.2", v.Delta)
	}
	if v := Compare(&a, &b, Attempts, 0); v.TieBreak != "p99" {
		t.Errorf("attempts tie broken by %q, want p99", v.TieBreak)
	}
	z := res("z", 0, 0, 0)
	if v := Compare(&z, &b, P99, 0); !math.IsNaN(v.Delta) {
		t.Errorf("delta from 0 = %v, want NaN", v.Delta)
	}
}

func TestCompareSignificance(t *testing.T) {
	t.Parallel()
	trials := func(name string, p99s ...float64) Result {
		r := res(name, results.Median(p99s), 1, 1)
		r.Cells = nil
		for _, v := range p99s {
			r.Cells = append(r.Cells, results.Cell{Ops: 1, LatencyMS: results.Latency{P99: v}})
		}
		return r
	}
	for _, tt := range []struct {
		name        string
		a, b        Result
		significant bool
		p           float64
		warn        string
	}{
		{"separated, 5 each", trials("a", 1, 1.1, 1.2, 1.05, 1.15), trials("b", 2, 2.1, 2.2, 2.05, 2.15), true, 0.0079, ""},
		{"separated, 3 each: too few", trials("a", 1, 1.1, 1.2), trials("b", 2, 2.1, 2.2), false, 0.1, "need >= 4 samples"},
		{"overlapping, 5 each", trials("a", 1, 2, 3, 4, 5), trials("b", 1.5, 2.5, 3.5, 4.5, 5.5), false, 0.69, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := Compare(&tt.a, &tt.b, P99, 0.05)
			if !v.Known || v.Significant != tt.significant || math.Abs(v.P-tt.p) > 0.01 {
				t.Errorf("known %v significant %v p %v; want %v p≈%v", v.Known, v.Significant, v.P, tt.significant, tt.p)
			}
			if s := v.Significance(); !strings.Contains(s, tt.warn) || !strings.Contains(s, "Mann-Whitney U") {
				t.Errorf("significance %q lacks %q", s, tt.warn)
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	f := &fake{}
	rep, err := Run(context.Background(), testGrid(), Options{Objective: P99}, f.run)
	if err != nil {
		t.Fatal(err)
	}
	// 15 combinations, DefaultTrials rounds; with 14 comparisons nothing
	// can be shown worse before round 6 (0.05/14 < 2/C(10,5)).
	if len(f.calls) != 15*DefaultTrials || len(rep.Skipped) != 3 || len(rep.Rankings) != 1 {
		t.Fatalf("%d calls, %d skipped, %d rankings", len(f.calls), len(rep.Skipped), len(rep.Rankings))
	}
	// Round-robin: round 2 starts one combination further along.
	if f.calls[15] != f.calls[1] || f.calls[29] != f.calls[0] {
		t.Errorf("round 2 runs %s first and %s last", f.calls[15], f.calls[29])
	}
	rk := rep.Rankings[0]
	best, second := rk.Results[0], rk.Results[1]
	if best.Combo != (Combo{"optimistic", "decorrelated-jitter", 5 * ms, 100 * ms}) ||
		second.Combo != (Combo{"optimistic", "decorrelated-jitter", 5 * ms, time.Second}) {
		t.Errorf("best %s, runner-up %s", best.Combo, second.Combo)
	}
	if rk.Verdict == nil || !rk.Verdict.Known || math.Abs(rk.Verdict.Delta-0.01) > 1e-9 {
		t.Errorf("verdict %+v", rk.Verdict)
	}
	// Without noise: 1% (cap 1s) is within the margin, 25% (full-jitter,
	// base 1ms) is told apart by the test.
	rec := rk.Recommendation
	want := []Combo{best.Combo, second.Combo}
	if rec == nil || !slices.Equal(rec.WithinNoise, want) || rec.Pick != best.Combo {
		t.Fatalf("recommendation %+v, want set %v", rec, want)
	}
	if rec.TieBreak != "fewest attempts/op (2 of the 2 within the margin are within 5.0% of 1.28), then simplest policy, then smaller cap" {
		t.Errorf("tie-break %q", rec.TieBreak)
	}
	if math.Abs(rec.Alpha-0.05/14) > 1e-12 || rec.Margin != DefaultMargin {
		t.Errorf("alpha %v margin %v", rec.Alpha, rec.Margin)
	}
	cells := rep.Cells()
	if len(cells) != 90 || cells[0].Backoff != "full-jitter(1ms,100ms)" || cells[0].Trial != 1 || cells[5].Trial != 6 ||
		cells[89].Backoff != "decorrelated-jitter(200ms,1s)" {
		t.Errorf("cells: %d, first %q, last %q", len(cells), cells[0].Backoff, cells[len(cells)-1].Backoff)
	}
}

func TestRunTrials(t *testing.T) {
	t.Parallel()
	g := Grid{Strategies: []string{"optimistic"}, Policies: []string{"full-jitter", "decorrelated-jitter"},
		Bases: []time.Duration{5 * ms}, Caps: []time.Duration{100 * ms}}
	f := &fake{noise: 0.05, rng: rand.New(rand.NewPCG(1, 2))}
	rep, err := Run(context.Background(), g, Options{Objective: P99, Trials: 4}, f.run)
	if err != nil {
		t.Fatal(err)
	}
	rk := rep.Rankings[0]
	if len(f.calls) != 8 || rk.Results[0].Policy != "decorrelated-jitter" || len(rk.Results[0].Cells) != 4 {
		t.Fatalf("%d calls; best %s with %d cells", len(f.calls), rk.Results[0].Policy, len(rk.Results[0].Cells))
	}
	// 8·0.8 ±5% against 10·0.8 ±5%: the samples cannot overlap, and 4
	// trials each reach p = 2/C(8,4) = 0.029 < 0.05.
	c := rk.Candidates[1]
	if c.WithinNoise || c.Why != "worse" || math.Abs(c.P-0.0286) > 0.001 || math.Abs(c.Delta-0.25) > 0.1 {
		t.Errorf("candidate %+v", c)
	}
	if v := rk.Verdict; !v.Known || !v.Significant || v.N1 != 4 || v.N2 != 4 {
		t.Errorf("verdict %+v", v)
	}
	if rec := rk.Recommendation; len(rec.WithinNoise) != 1 || rec.TieBreak != "none needed: only the best is within noise" {
		t.Errorf("recommendation %+v", rec)
	}
	for i, c := range rep.Cells() {
		if c.Trial != i%4+1 {
			t.Errorf("cell %d: trial %d", i, c.Trial)
		}
	}
}

func TestRunStops(t *testing.T) {
	t.Parallel()
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		f := &fake{err: errors.New("store went away")}
		rep, err := Run(context.Background(), testGrid(), Options{Objective: P99}, f.run)
		if err == nil || !strings.Contains(err.Error(), "optimistic full-jitter base 5ms cap 100ms (trial 1): store went away") {
			t.Fatalf("error %v", err)
		}
		if rep == nil || len(rep.Rankings[0].Results) != 2 {
			t.Errorf("partial report %+v", rep)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := &fake{}
		run := func(ctx context.Context, c Combo, trial int) (results.Cell, error) {
			if len(f.calls) == 1 {
				cancel()
			}
			return f.run(ctx, c, trial)
		}
		rep, err := Run(ctx, testGrid(), Options{Objective: P99}, run)
		if err != nil || !rep.Interrupted || len(f.calls) != 2 {
			t.Errorf("err %v interrupted %v calls %d", err, rep.Interrupted, len(f.calls))
		}
	})
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		opts  Options
		cells int
		err   string
	}{
		{"defaults", Options{Objective: P99}, 15 * DefaultTrials, ""},
		{"one trial is raised", Options{Objective: P99, Trials: 1}, 15 * DefaultTrials, ""},
		{"trials", Options{Objective: Goodput, Trials: 10}, 150, ""},
		{"unknown objective", Options{Objective: "p95"}, 0, `objective: unknown objective "p95"`},
		{"negative trials", Options{Objective: P99, Trials: -1}, 0, "trials: must be ≥ 1, got -1"},
		{"alpha 1", Options{Objective: P99, Alpha: 1}, 0, "alpha: must be in [0, 1), got 1"},
		{"negative margin", Options{Objective: P99, Margin: -0.1}, 0, "margin: must be in [0, 1), got -0.1"},
		{"NaN attempts margin", Options{Objective: P99, AttemptsMargin: math.NaN()}, 0, "attempts-margin: must be in [0, 1), got NaN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := MaxCells(testGrid(), tt.opts)
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || n != tt.cells {
				t.Errorf("MaxCells = %d, %v; want %d, %q", n, err, tt.cells, tt.err)
			}
			if tt.err == "" {
				return
			}
			if _, err := Run(context.Background(), testGrid(), tt.opts, (&fake{}).run); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Run: error %v, want %q", err, tt.err)
			}
		})
	}
	if _, err := MaxCells(Grid{}, Options{Objective: P99}); err == nil {
		t.Error("MaxCells of an empty grid: no error")
	}
}

func TestInvalidResults(t *testing.T) {
	t.Parallel()
	g := testGrid()
	g.Strategies = []string{"lease", "optimistic"}
	f := &fake{skip: map[string]string{"lease": "memory: no leases"}}
	rep, err := Run(context.Background(), g, Options{Objective: Goodput}, f.run)
	if err != nil {
		t.Fatal(err)
	}
	lease := rep.Rankings[0]
	if lease.Strategy != "lease" || lease.Verdict != nil || lease.Recommendation != nil || lease.Results[0].Valid ||
		lease.Results[0].Note != "skipped: memory: no leases" || len(lease.Results[0].Cells) != 1 {
		t.Errorf("lease ranking %+v", lease)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "recommendation: none: no combination committed ops") {
		t.Errorf("text lacks the no-recommendation line:\n%s", b.String())
	}
}

func TestNewResultEmptyTrials(t *testing.T) {
	t.Parallel()
	cell := func(ops int64, p99 float64) results.Cell {
		return results.Cell{Ops: ops, LatencyMS: results.Latency{P99: p99}, Amplification: 1.5, ThroughputOpsS: float64(ops)}
	}
	for _, tt := range []struct {
		name  string
		cells []results.Cell
		valid bool
		note  string
		p99   float64
	}{
		{"none committed", []results.Cell{cell(0, 0)}, false, "no committed ops", math.Inf(1)},
		{"one of three empty counts as the worst", []results.Cell{cell(10, 5), cell(0, 0), cell(10, 7)}, true, "1 of 3 trials committed nothing", 7},
		{"two of three empty", []results.Cell{cell(0, 0), cell(10, 5), cell(0, 0)}, true, "2 of 3 trials committed nothing", math.Inf(1)},
		{"not run", nil, false, "not run", math.NaN()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewResult(Combo{}, tt.cells)
			if r.Valid != tt.valid || r.Note != tt.note || !(r.P99 == tt.p99 || math.IsNaN(r.P99) && math.IsNaN(tt.p99)) {
				t.Errorf("valid %v note %q p99 %v; want %v %q %v", r.Valid, r.Note, r.P99, tt.valid, tt.note, tt.p99)
			}
		})
	}
}

// cand is a candidate within the margin of the best, with a policy,
// base, cap and attempts.
func cand(policy string, base, cap time.Duration, amp float64) Candidate {
	return Candidate{Result: Result{Combo: Combo{Strategy: "s", Policy: policy, Base: base, Cap: cap}, Amplification: amp, Valid: true},
		WithinNoise: true, Equivalent: true}
}

func TestPick(t *testing.T) {
	t.Parallel()
	out := cand("none", ms, ms, 1)
	out.WithinNoise, out.Equivalent = false, false
	notApart := cand("constant", ms, ms, 1) // in the set, beyond the margin
	notApart.Equivalent = false
	for _, tt := range []struct {
		name string
		cs   []Candidate
		pick int
		how  string
	}{
		{"alone", []Candidate{cand("expo", ms, ms, 2), out}, 0, "none needed: only the best is within noise"},
		{"only the best within the margin", []Candidate{cand("expo", ms, ms, 2), notApart}, 0,
			"the best: no other member of the set is within the margin of it"},
		{"fewest attempts decides", []Candidate{cand("expo", ms, ms, 2), cand("decorrelated-jitter", ms, ms, 1.5), notApart, out}, 1,
			"fewest attempts/op among the 2 within the margin (1.5; the other is more than 5.0% above)"},
		{"attempts within 5% tie, simplest policy", []Candidate{cand("decorrelated-jitter", ms, ms, 1.5), cand("full-jitter", ms, ms, 1.55), cand("none", ms, ms, 3)}, 1,
			"fewest attempts/op (2 of the 3 within the margin are within 5.0% of 1.5), then simplest policy"},
		{"same policy: smaller cap", []Candidate{cand("full-jitter", ms, time.Second, 1.5), cand("full-jitter", 5*ms, 50*ms, 1.5)}, 1,
			"fewest attempts/op (2 of the 2 within the margin are within 5.0% of 1.5), then simplest policy, then smaller cap"},
		{"same policy and cap: smaller base", []Candidate{cand("full-jitter", 5*ms, time.Second, 1.5), cand("full-jitter", ms, time.Second, 1.5)}, 1,
			"fewest attempts/op (2 of the 2 within the margin are within 5.0% of 1.5), then simplest policy, then smaller cap, then smaller base"},
		{"unknown policy is least simple", []Candidate{cand("fibonacci", ms, ms, 1), cand("decorrelated-jitter", ms, ms, 1)}, 1,
			"fewest attempts/op (2 of the 2 within the margin are within 5.0% of 1), then simplest policy"},
		{"none within noise", []Candidate{out}, -1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pick, how := Pick(tt.cs, DefaultAttemptsMargin)
			if pick != tt.pick || how != tt.how {
				t.Errorf("pick %d %q, want %d %q", pick, how, tt.pick, tt.how)
			}
		})
	}
}

func TestMinP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n1, n2 int
		want   float64
	}{{1, 1, 1}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {6, 6, 2.0 / 924}, {5, 8, 2.0 / 1287}} {
		if got := minP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("minP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
	if got := trialsFor(0.05 / 11); got != 6 {
		t.Errorf("trialsFor(0.05/11) = %d, want 6", got)
	}
}

func TestFewTrialsNote(t *testing.T) {
	t.Parallel()
	rep, err := Run(context.Background(), testGrid(), Options{Objective: P99, Trials: 3}, (&fake{}).run)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "  note:           3 trials cannot tell combinations apart at alpha 0.00357 per comparison (the U test's smallest p is 0.1): it takes 6\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, b.String())
	}
}

func TestSimplicity(t *testing.T) {
	t.Parallel()
	order := []string{"none", "constant", "expo", "full-jitter", "equal-jitter", "decorrelated-jitter", "fibonacci"}
	for i := 1; i < len(order); i++ {
		if backoff.Simplicity(order[i-1]) >= backoff.Simplicity(order[i]) {
			t.Errorf("%s is not simpler than %s", order[i-1], order[i])
		}
	}
	if got := backoff.SimplicityOrder(); got != "none < constant < expo < full-jitter < equal-jitter < decorrelated-jitter" {
		t.Errorf("order %q", got)
	}
}

// noisy is a system with known true medians and seeded noise: a trial's
// p99 is truth · e^(sigma·N(0,1)), three times that with probability
// outlier (a noisy neighbour); attempts/op get a tenth of the noise.
type noisy struct {
	truth          map[Combo]float64
	sigma, outlier float64
	rng            *rand.Rand
}

func (n *noisy) run(_ context.Context, c Combo, _ int) (results.Cell, error) {
	p99 := n.truth[c] * math.Exp(n.sigma*n.rng.NormFloat64())
	if n.rng.Float64() < n.outlier {
		p99 *= 3
	}
	amp := 1.5 * math.Exp(n.sigma/10*n.rng.NormFloat64())
	return results.Cell{Strategy: c.Strategy, Writers: 16, Ops: 1000, SuccessRate: 1,
		LatencyMS: results.Latency{P99: p99}, ThroughputOpsS: 1e5 / p99, Amplification: amp}, nil
}

// equalsAndWorse is a grid of four combinations, three truly equal and
// full-jitter base 1ms truly 30% worse.
func equalsAndWorse() (Grid, map[Combo]float64, Combo) {
	g := Grid{Strategies: []string{"optimistic"}, Policies: []string{"full-jitter", "decorrelated-jitter"},
		Bases: []time.Duration{ms, 5 * ms}, Caps: []time.Duration{time.Second}}
	combos, _ := g.Combos()
	truth := map[Combo]float64{}
	for _, c := range combos {
		truth[c] = 20
	}
	worse := combos[0]
	truth[worse] = 26
	return g, truth, worse
}

// The adversarial case: the truly worse combination is the tie-break's
// favourite (the simplest policy, the smaller base, the same attempts),
// so a run that cannot exclude it recommends it.
func TestWithinNoiseSeeded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		trials         int
		sigma, outlier float64
		// least counts out of 200 runs
		excluded, exact int
	}{
		{"default trials, quiet", 0, 0.08, 0, 196, 192},
		{"10 trials, 5% outliers", 10, 0.1, 0.05, 192, 186},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, truth, worse := equalsAndWorse()
			const reps = 200
			exact, excluded := 0, 0
			for seed := range uint64(reps) {
				sys := &noisy{truth: truth, sigma: tt.sigma, outlier: tt.outlier, rng: rand.New(rand.NewPCG(seed, 1))}
				rep, err := Run(context.Background(), g, Options{Objective: P99, Trials: tt.trials}, sys.run)
				if err != nil {
					t.Fatal(err)
				}
				rec := rep.Rankings[0].Recommendation
				equalIn := 0
				for c := range truth {
					if c != worse && rec.InSet(c) {
						equalIn++
					}
				}
				if !rec.InSet(worse) {
					excluded++
					if equalIn == 3 {
						exact++
					}
				}
			}
			t.Logf("the worse combination excluded in %d of %d runs; the set exactly the three equal ones in %d", excluded, reps, exact)
			if excluded < tt.excluded || exact < tt.exact {
				t.Errorf("excluded %d, exact %d; want at least %d, %d", excluded, exact, tt.excluded, tt.exact)
			}
		})
	}
}

func TestRecommendationHolds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		trials         int
		sigma, outlier float64
		held           int // least, out of 200 pairs of runs
	}{
		{"default trials, quiet", 0, 0.08, 0, 196},
		{"10 trials, 5% outliers", 10, 0.1, 0.05, 194},
		// Like the 2-core shared machine, where one trial's p99 spans a
		// factor of 3 to 10: the worse combination can rarely be told
		// apart, so both runs keep it and both sets are large.
		{"default trials, very noisy", 0, 0.5, 0.15, 188},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, truth, _ := equalsAndWorse()
			const reps = 200
			held := 0
			for i := range uint64(reps) {
				var recs [2]*Recommendation
				for k := range recs {
					sys := &noisy{truth: truth, sigma: tt.sigma, outlier: tt.outlier, rng: rand.New(rand.NewPCG(2*i+uint64(k), 2))}
					rep, err := Run(context.Background(), g, Options{Objective: P99, Trials: tt.trials}, sys.run)
					if err != nil {
						t.Fatal(err)
					}
					recs[k] = rep.Rankings[0].Recommendation
				}
				if recs[0].InSet(recs[1].Pick) && recs[1].InSet(recs[0].Pick) {
					held++
				}
			}
			t.Logf("%d of %d pairs of runs: each recommendation is in the other's set", held, reps)
			if held < tt.held {
				t.Errorf("recommendations held in %d of %d pairs, want at least %d", held, reps, tt.held)
			}
		})
	}
}

func TestWriteTextGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		opts   Options
		noise  float64
		golden string
	}{
		{"exact", Options{Objective: P99}, 0, "TestWriteText-exact.golden"},
		{"noise", Options{Objective: Goodput, Trials: 8}, 0.3, "TestWriteText-noise.golden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fake{noise: tt.noise, rng: rand.New(rand.NewPCG(7, 7))}
			rep, err := Run(context.Background(), testGrid(), tt.opts, f.run)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.golden), b.Bytes())
		})
	}
}

func TestHeatmaps(t *testing.T) {
	t.Parallel()
	g := testGrid()
	g.Strategies = []string{"optimistic", "lease"}
	f := &fake{skip: map[string]string{"lease": "memory: no leases"}}
	rep, err := Run(context.Background(), g, Options{Objective: Goodput}, f.run)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "heat")
	paths, err := rep.WriteHeatmaps(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG", p)
		}
	}
	want := []string{"tune-optimistic-full-jitter.png", "tune-optimistic-equal-jitter.png", "tune-optimistic-decorrelated-jitter.png"}
	if !slices.Equal(names, want) {
		t.Errorf("wrote %v, want %v (lease has nothing valid)", names, want)
	}
	p, err := rep.Heatmap("optimistic", "decorrelated-jitter")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "goodput") || p.X.Label.Text != "base" || p.Y.Label.Text != "cap" {
		t.Errorf("title %q, labels %q %q", p.Title.Text, p.X.Label.Text, p.Y.Label.Text)
	}
	if _, err := rep.Heatmap("serializable", "full-jitter"); err == nil {
		t.Error("heatmap of an unknown strategy did not fail")
	}
	if _, err := rep.Heatmap("lease", "full-jitter"); err == nil {
		t.Error("heatmap without valid results did not fail")
	}
}

func TestGridXYZ(t *testing.T) {
	t.Parallel()
	g := grid{cols: 2, rows: 2, z: [][]float64{{1, math.NaN()}, {3, 2}}}
	if g.Min() != 1 || g.Max() != 3 || g.Z(1, 1) != 2 || g.X(1) != 1 || g.Y(0) != 0 {
		t.Errorf("grid: min %v max %v z %v", g.Min(), g.Max(), g.Z(1, 1))
	}
	if index(1, 1, 3, 64) != 0 || index(3, 1, 3, 64) != 63 || index(5, 1, 3, 64) != 63 {
		t.Error("palette index out of range")
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ got, want string }{
		{formatPct(0.0823), "8.2%"}, {formatPct(math.NaN()), "n/a"},
		{P99.Format(2.5), "p99 2.50 ms"}, {Goodput.Format(12345), "12,300 ops/s"}, {Attempts.Format(1.5), "1.50 attempts/op"},
		{Attempts.Format(2), "2 attempts/op"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
