package tune

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/occbench/occbench/results"
)

// Objective is what a ranking optimises.
type Objective string

// Objectives.
const (
	P99      Objective = "p99"      // lowest committed p99 latency
	Goodput  Objective = "goodput"  // highest throughput_ops_s
	Attempts Objective = "attempts" // lowest attempts per committed op
)

var objectiveOrder = [...]Objective{P99, Goodput, Attempts}

// Objectives lists the allowed objective names.
func Objectives() []string {
	out := make([]string, len(objectiveOrder))
	for i, o := range objectiveOrder {
		out[i] = string(o)
	}
	return out
}

// ParseObjective parses an objective name.
func ParseObjective(s string) (Objective, error) {
	for _, o := range objectiveOrder {
		if string(o) == s {
			return o, nil
		}
	}
	return "", fmt.Errorf("unknown objective %q (allowed: %s)", s, strings.Join(Objectives(), ", "))
}

// order returns o then the other objectives, in their fixed order: the
// keys a ranking sorts by.
func (o Objective) order() []Objective {
	out := []Objective{o}
	for _, x := range objectiveOrder {
		if x != o {
			out = append(out, x)
		}
	}
	return out
}

// LowerIsBetter reports the direction of the objective.
func (o Objective) LowerIsBetter() bool { return o != Goodput }

// Describe says what the objective ranks by.
func (o Objective) Describe() string {
	switch o {
	case P99:
		return "lowest committed p99"
	case Goodput:
		return "highest goodput, committed ops/s"
	case Attempts:
		return "lowest amplification, attempts per committed op"
	}
	return string(o)
}

// Of returns the objective's value for one cell. A cell with no
// committed ops has the worst value of every objective: a p99 and an
// amplification of +Inf, a goodput of 0.
func (o Objective) Of(c *results.Cell) float64 {
	switch o {
	case P99:
		if c.Ops == 0 {
			return math.Inf(1)
		}
		return c.LatencyMS.P99
	case Goodput:
		return c.ThroughputOpsS
	case Attempts:
		if c.Ops == 0 {
			return math.Inf(1)
		}
		return c.Amplification
	}
	return math.NaN()
}

// Format renders a value of the objective with its unit.
func (o Objective) Format(v float64) string {
	switch o {
	case P99:
		return "p99 " + results.FormatMS(v) + " ms"
	case Goodput:
		return results.FormatCount(v) + " ops/s"
	case Attempts:
		return strings.TrimSuffix(results.FormatMS(v), ".00") + " attempts/op"
	}
	return fmt.Sprint(v)
}

// Combo is one grid point.
type Combo struct {
	Strategy  string
	Policy    string
	Base, Cap time.Duration
}

// Label names the combination's backoff in a results file's backoff
// field, which has no room for base and cap: "full-jitter(1ms,100ms)".
func (c Combo) Label() string {
	return fmt.Sprintf("%s(%s,%s)", c.Policy, c.Base, c.Cap)
}

// Settings is the backoff part of the combination: "full-jitter base 1ms cap 100ms".
func (c Combo) Settings() string {
	return fmt.Sprintf("%s base %s cap %s", c.Policy, c.Base, c.Cap)
}

func (c Combo) String() string { return c.Strategy + " " + c.Settings() }

// Grid is the search space.
type Grid struct {
	Strategies []string
	Policies   []string
	Bases      []time.Duration
	Caps       []time.Duration
}

// Combos lists the grid in run order (strategy, policy, base, cap) and,
// separately, the combinations skipped because cap < base.
func (g Grid) Combos() (run, skipped []Combo) {
	for _, s := range g.Strategies {
		for _, p := range g.Policies {
			for _, b := range g.Bases {
				for _, c := range g.Caps {
					combo := Combo{Strategy: s, Policy: p, Base: b, Cap: c}
					if c < b {
						skipped = append(skipped, combo)
						continue
					}
					run = append(run, combo)
				}
			}
		}
	}
	return run, skipped
}

// Validate reports an empty list, a non-positive duration or a repeat.
func (g Grid) Validate() error {
	if err := noRepeats("strategies", g.Strategies); err != nil {
		return err
	}
	if err := noRepeats("policies", g.Policies); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    []time.Duration
	}{{"base", g.Bases}, {"cap", g.Caps}} {
		if len(d.v) == 0 {
			return fmt.Errorf("%s: want at least one duration", d.name)
		}
		for i, x := range d.v {
			if x <= 0 {
				return fmt.Errorf("%s: must be > 0, got %s", d.name, x)
			}
			if slices.Contains(d.v[:i], x) {
				return fmt.Errorf("%s: %s listed twice", d.name, x)
			}
		}
	}
	if run, _ := g.Combos(); len(run) == 0 {
		return fmt.Errorf("cap: every cap is below every base: nothing to run")
	}
	return nil
}

func noRepeats(name string, xs []string) error {
	if len(xs) == 0 {
		return fmt.Errorf("%s: want at least one", name)
	}
	for i, x := range xs {
		if slices.Contains(xs[:i], x) {
			return fmt.Errorf("%s: %q listed twice", name, x)
		}
	}
	return nil
}

// RunFunc runs one trial (1-based) of a combination. A cell that comes
// back Skipped or Interrupted makes the combination unrankable.
type RunFunc func(ctx context.Context, c Combo, trial int) (results.Cell, error)

// Defaults of Options; the package doc says how each is used.
const (
	// DefaultTrials is the number of rounds: with 12 combinations per
	// strategy, 6 is the fewest with which the Bonferroni-corrected
	// U-test can tell two combinations apart at DefaultAlpha.
	DefaultTrials         = 6
	DefaultAlpha          = 0.05
	DefaultMargin         = 0.10
	DefaultAttemptsMargin = 0.05
)

// Options configure a tuning run. Zero values take the defaults.
type Options struct {
	Objective Objective
	// Trials is the number of rounds: every combination runs at most
	// this many trials. 0 and 1 mean DefaultTrials: one trial cannot
	// tell anything apart.
	Trials int
	// Alpha is the family-wise significance level of the comparisons
	// with the best, split among them (Bonferroni); 0 = DefaultAlpha.
	Alpha float64
	// Margin is the practical-equivalence margin: a combination whose
	// median is at most this fraction worse than the best's is within
	// noise whatever the test says; 0 = DefaultMargin.
	Margin float64
	// AttemptsMargin is the tie-break's tolerance: combinations within
	// noise whose median attempts/op are at most this fraction above
	// the fewest count as tied on attempts; 0 = DefaultAttemptsMargin.
	AttemptsMargin float64
}

// normalize checks o and fills in the defaults. Errors name the option
// as occbench tune-backoff names its flag.
func (o Options) normalize() (Options, error) {
	if _, err := ParseObjective(string(o.Objective)); err != nil {
		return o, fmt.Errorf("objective: %w", err)
	}
	if o.Trials < 0 {
		return o, fmt.Errorf("trials: must be ≥ 1, got %d", o.Trials)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"alpha", o.Alpha}, {"margin", o.Margin}, {"attempts-margin", o.AttemptsMargin}} {
		if !(f.v >= 0 && f.v < 1) {
			return o, fmt.Errorf("%s: must be in [0, 1), got %v", f.name, f.v)
		}
	}
	if o.Trials <= 1 {
		o.Trials = DefaultTrials
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.AttemptsMargin == 0 {
		o.AttemptsMargin = DefaultAttemptsMargin
	}
	return o, nil
}

// MaxCells returns the number of cells Run runs at most for g and opts:
// every combination, Trials times. Fewer run only when a combination's
// cell comes back skipped or interrupted, or the run stops early. Times
// the duration of one cell, it is the wall time of the plan.
func MaxCells(g Grid, opts Options) (int, error) {
	if err := g.Validate(); err != nil {
		return 0, err
	}
	opts, err := opts.normalize()
	if err != nil {
		return 0, err
	}
	combos, _ := g.Combos()
	return len(combos) * opts.Trials, nil
}

// Result is a combination's measurements in one stage.
type Result struct {
	Combo
	Cells []results.Cell // one per trial, in order
	// Medians over the trials.
	P99, Goodput, Amplification, SuccessRate float64
	// Valid is false when a trial was skipped or interrupted, or when no
	// trial committed anything; Note says which. A trial that committed
	// nothing among others that did counts as the worst value of every
	// objective, and Note says how many there were.
	Valid bool
	Note  string
}

// Value returns the result's (median) value of an objective.
func (r *Result) Value(o Objective) float64 {
	switch o {
	case P99:
		return r.P99
	case Goodput:
		return r.Goodput
	case Attempts:
		return r.Amplification
	}
	return math.NaN()
}

// TrialValues returns the objective's value in each trial.
func (r *Result) TrialValues(o Objective) []float64 {
	out := make([]float64, len(r.Cells))
	for i := range r.Cells {
		out[i] = o.Of(&r.Cells[i])
	}
	return out
}

// NewResult summarises the trials of one combination.
func NewResult(c Combo, cells []results.Cell) Result {
	r := Result{Combo: c, Cells: cells, Valid: len(cells) > 0}
	empty := 0
	for i := range cells {
		switch cl := &cells[i]; {
		case cl.Skipped != "":
			r.Valid, r.Note = false, "skipped: "+cl.Skipped
		case cl.Interrupted:
			r.Valid, r.Note = false, "interrupted"
		case cl.Ops == 0:
			empty++
		}
	}
	switch {
	case len(cells) == 0:
		r.Note = "not run"
	case !r.Valid:
	case empty == len(cells):
		r.Valid, r.Note = false, "no committed ops"
	case empty > 0:
		r.Note = fmt.Sprintf("%d of %d trials committed nothing", empty, len(cells))
	}
	r.P99 = results.Median(r.TrialValues(P99))
	r.Goodput = results.Median(r.TrialValues(Goodput))
	r.Amplification = results.Median(r.TrialValues(Attempts))
	sr := make([]float64, len(cells))
	for i := range cells {
		sr[i] = cells[i].SuccessRate
	}
	r.SuccessRate = results.Median(sr)
	return r
}

// Rank orders results best first by o (see the package doc for ties)
// and returns the sorted copy; the input order is the final tie-break.
func Rank(rs []Result, o Objective) []Result {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b Result) int { return compareResults(&a, &b, o) })
	return out
}

// compareResults is < 0 when a ranks before b.
func compareResults(a, b *Result, o Objective) int {
	if a.Valid != b.Valid {
		if a.Valid {
			return -1
		}
		return 1
	}
	if !a.Valid {
		return 0
	}
	for _, k := range o.order() {
		x, y := results.RoundSig(a.Value(k), 3), results.RoundSig(b.Value(k), 3)
		if c := cmp.Compare(x, y); c != 0 {
			if !k.LowerIsBetter() {
				c = -c
			}
			return c
		}
	}
	return 0
}

// Verdict compares the best with the runner-up.
type Verdict struct {
	Best, RunnerUp *Result
	// Delta is how much worse the runner-up is on the objective,
	// relative to the best (0.082 = 8.2% worse); NaN when the best is 0.
	Delta float64
	// TieBreak names the objective that decided the order when the two
	// are equal on the objective at three significant digits; "" when
	// the objective decided, "grid order" when every key tied.
	TieBreak string
	// Known is false with fewer than two trials each: no test is run.
	Known       bool
	P, Alpha    float64
	N1, N2      int
	Significant bool     // P < Alpha
	Warnings    []string // from benchmath, e.g. too few samples
}

// Compare builds the verdict for best and runnerUp on objective o.
func Compare(best, runnerUp *Result, o Objective, alpha float64) Verdict {
	if alpha <= 0 {
		alpha = DefaultAlpha
	}
	v := Verdict{Best: best, RunnerUp: runnerUp, Alpha: alpha}
	b, r := best.Value(o), runnerUp.Value(o)
	v.Delta = worse(b, r, o)
	if results.RoundSig(b, 3) == results.RoundSig(r, 3) {
		v.TieBreak = "grid order"
		for _, k := range o.order()[1:] {
			if results.RoundSig(best.Value(k), 3) != results.RoundSig(runnerUp.Value(k), 3) {
				v.TieBreak = string(k)
				break
			}
		}
	}
	v.N1, v.N2 = len(best.Cells), len(runnerUp.Cells)
	if v.N1 < 2 || v.N2 < 2 {
		return v
	}
	c := uTest(best.TrialValues(o), runnerUp.TrialValues(o), alpha)
	v.Known, v.P = true, c.P
	v.Significant = c.P < alpha
	for _, w := range c.Warnings {
		v.Warnings = append(v.Warnings, w.Error())
	}
	return v
}

// uTest is the two-sided Mann-Whitney U test of benchmath.
func uTest(x, y []float64, alpha float64) benchmath.Comparison {
	th := &benchmath.Thresholds{CompareAlpha: alpha}
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(x), th), benchmath.NewSample(slices.Clone(y), th))
}

// Ranking is one strategy's outcome.
type Ranking struct {
	Strategy string
	// Results are every combination, best first (see Rank).
	Results []Result
	// Candidates are the results compared with the best, in the same
	// order, with the set within noise marked.
	Candidates []Candidate
	// Recommendation is nil when no combination has a valid result.
	Recommendation *Recommendation
	// Verdict compares the best and the runner-up at the level of each
	// comparison (Recommendation.Alpha); nil with fewer than two valid
	// results.
	Verdict *Verdict
}

// Report is the outcome of a tuning run.
type Report struct {
	Objective Objective
	// Trials is the number of rounds, the most trials a combination ran.
	Trials                        int
	Alpha, Margin, AttemptsMargin float64
	Grid                          Grid
	Skipped                       []Combo // cap < base
	Rankings                      []Ranking
	Interrupted                   bool
}

// Run measures every combination of the grid Trials times, in
// interleaved rounds, and decides per strategy which combinations are
// within noise of the best and which one to recommend (see the package
// doc). It stops at the first error from run and returns the report of
// what was measured with it; a cancelled ctx stops it too (the report is
// marked Interrupted).
func Run(ctx context.Context, g Grid, opts Options, run RunFunc) (*Report, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	combos, skipped := g.Combos()
	rep := &Report{Objective: opts.Objective, Trials: opts.Trials, Alpha: opts.Alpha, Margin: opts.Margin,
		AttemptsMargin: opts.AttemptsMargin, Grid: g, Skipped: skipped}
	r := measure{opts: opts, run: run, cells: map[Combo][]results.Cell{}, stopped: map[Combo]bool{}}
	runErr := r.rounds(ctx, combos)
	for _, s := range g.Strategies {
		rs := r.results(s, combos)
		if len(rs) == 0 {
			continue
		}
		rk := Ranking{Strategy: s, Results: Rank(rs, opts.Objective)}
		rk.decide(perTest(opts.Alpha, rs), opts)
		rep.Rankings = append(rep.Rankings, rk)
	}
	rep.Interrupted = ctx.Err() != nil
	return rep, runErr
}

// measure runs the rounds and keeps what they measured.
type measure struct {
	opts    Options
	run     RunFunc
	cells   map[Combo][]results.Cell
	stopped map[Combo]bool // skipped or interrupted: no more trials
}

// rounds runs Trials rounds of one trial per combination, every round
// starting one combination further along (round-robin), so that drift
// over time hits every combination alike. A combination whose cell
// comes back Skipped or Interrupted runs no more trials. rounds stops at
// the first error from run, or when ctx is done.
func (r *measure) rounds(ctx context.Context, combos []Combo) error {
	for round := 1; round <= r.opts.Trials; round++ {
		for i := range combos {
			c := combos[(i+round-1)%len(combos)]
			if r.stopped[c] {
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			cell, err := r.run(ctx, c, round)
			if err != nil {
				return fmt.Errorf("%s (trial %d): %w", c, round, err)
			}
			cell.Trial = round
			r.cells[c] = append(r.cells[c], cell)
			if cell.Skipped != "" || cell.Interrupted {
				r.stopped[c] = true
			}
		}
	}
	return nil
}

// results returns the strategy's results, in grid order.
func (r *measure) results(strategy string, combos []Combo) []Result {
	var out []Result
	for _, c := range combos {
		cells, ok := r.cells[c]
		if c.Strategy != strategy || !ok {
			continue
		}
		out = append(out, NewResult(c, cells))
	}
	return out
}

// perTest is the level of each comparison with the best: Alpha divided
// by the number of comparisons, one per valid result but the best.
func perTest(alpha float64, rs []Result) float64 {
	valid := 0
	for i := range rs {
		if rs[i].Valid {
			valid++
		}
	}
	return alpha / float64(max(valid-1, 1))
}

// decide fills the candidates, the recommendation and the verdict.
func (rk *Ranking) decide(perTest float64, opts Options) {
	o := opts.Objective
	rk.Candidates = WithinNoise(rk.Results, o, perTest, opts.Margin)
	cs := rk.Candidates
	if len(cs) == 0 || !cs[0].Valid {
		return
	}
	rec := &Recommendation{Best: cs[0].Combo, Alpha: perTest, Margin: opts.Margin}
	for i := range cs {
		if cs[i].WithinNoise {
			rec.WithinNoise = append(rec.WithinNoise, cs[i].Combo)
		}
	}
	pick, how := Pick(cs, opts.AttemptsMargin)
	rec.Pick, rec.TieBreak = cs[pick].Combo, how
	rk.Recommendation = rec
	if len(cs) >= 2 && cs[1].Valid {
		v := Compare(&cs[0].Result, &cs[1].Result, o, perTest)
		rk.Verdict = &v
	}
}

// Cells returns every measured cell, grouped by combination in grid
// order and by trial within one, with the combination in the backoff
// field (see Combo.Label).
func (r *Report) Cells() []results.Cell {
	type indexed struct {
		order, trial int
		cell         results.Cell
	}
	var all []indexed
	order := map[Combo]int{}
	combos, _ := r.Grid.Combos()
	for i, c := range combos {
		order[c] = i
	}
	for _, rk := range r.Rankings {
		for _, res := range rk.Results {
			for _, c := range res.Cells {
				c.Backoff = res.Label()
				all = append(all, indexed{order[res.Combo], c.Trial, c})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b indexed) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.trial, b.trial))
	})
	out := make([]results.Cell, len(all))
	for i, x := range all {
		out[i] = x.cell
	}
	return out
}
