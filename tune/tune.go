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
// committed ops has an amplification of +Inf.
func (o Objective) Of(c *results.Cell) float64 {
	switch o {
	case P99:
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

// DefaultAlpha is the significance level of the runner-up comparison.
const DefaultAlpha = 0.05

// Options configure a tuning run.
type Options struct {
	Objective Objective
	Trials    int     // per combination; 0 = 1
	Alpha     float64 // 0 = DefaultAlpha
}

// Result is a combination's measurements.
type Result struct {
	Combo
	Cells []results.Cell // one per trial, in order
	// Medians over the trials.
	P99, Goodput, Amplification, SuccessRate float64
	// Valid is false when a trial was skipped, interrupted or committed
	// nothing; Note says which.
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
	for i := range cells {
		switch cl := &cells[i]; {
		case cl.Skipped != "":
			r.Valid, r.Note = false, "skipped: "+cl.Skipped
		case cl.Interrupted:
			r.Valid, r.Note = false, "interrupted"
		case cl.Ops == 0 && r.Note == "":
			r.Valid, r.Note = false, "no committed ops"
		}
	}
	if len(cells) == 0 {
		r.Note = "not run"
	}
	r.P99 = median(r.TrialValues(P99))
	r.Goodput = median(r.TrialValues(Goodput))
	r.Amplification = median(r.TrialValues(Attempts))
	sr := make([]float64, len(cells))
	for i := range cells {
		sr[i] = cells[i].SuccessRate
	}
	r.SuccessRate = median(sr)
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
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

// Verdict compares the recommendation with the runner-up.
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
	switch {
	case b == 0 || math.IsInf(b, 0) || math.IsNaN(b):
		v.Delta = math.NaN()
	case o.LowerIsBetter():
		v.Delta = (r - b) / b
	default:
		v.Delta = (b - r) / b
	}
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
	th := &benchmath.Thresholds{CompareAlpha: alpha}
	c := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(best.TrialValues(o), th),
		benchmath.NewSample(runnerUp.TrialValues(o), th))
	v.Known, v.P = true, c.P
	v.Significant = c.P < alpha
	for _, w := range c.Warnings {
		v.Warnings = append(v.Warnings, w.Error())
	}
	return v
}

// Ranking is one strategy's ranked grid.
type Ranking struct {
	Strategy string
	Results  []Result // best first
	Verdict  *Verdict // nil with fewer than two valid results
}

// Report is the outcome of a tuning run.
type Report struct {
	Objective   Objective
	Trials      int
	Alpha       float64
	Grid        Grid
	Skipped     []Combo // cap < base
	Rankings    []Ranking
	Interrupted bool
}

// Run measures every combination of the grid, Trials times each, and
// ranks them per strategy. It stops at the first error from run and
// returns the report of what was measured with it; a cancelled ctx stops
// it too (the report is marked Interrupted).
func Run(ctx context.Context, g Grid, opts Options, run RunFunc) (*Report, error) {
	if _, err := ParseObjective(string(opts.Objective)); err != nil {
		return nil, fmt.Errorf("objective: %w", err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if opts.Trials < 0 {
		return nil, fmt.Errorf("trials: must be ≥ 1, got %d", opts.Trials)
	}
	if opts.Alpha < 0 || opts.Alpha >= 1 {
		return nil, fmt.Errorf("alpha: must be in [0, 1), got %v", opts.Alpha)
	}
	opts.Trials = max(opts.Trials, 1)
	if opts.Alpha == 0 {
		opts.Alpha = DefaultAlpha
	}
	combos, skipped := g.Combos()
	rep := &Report{Objective: opts.Objective, Trials: opts.Trials, Alpha: opts.Alpha, Grid: g, Skipped: skipped}
	byStrategy := map[string][]Result{}
	var runErr error
combos:
	for _, c := range combos {
		var cells []results.Cell
		for t := 1; t <= opts.Trials; t++ {
			if ctx.Err() != nil {
				break combos
			}
			cell, err := run(ctx, c, t)
			if err != nil {
				runErr = fmt.Errorf("%s (trial %d): %w", c, t, err)
				break combos
			}
			if opts.Trials > 1 {
				cell.Trial = t
			}
			cells = append(cells, cell)
			if cell.Skipped != "" || cell.Interrupted {
				break
			}
		}
		byStrategy[c.Strategy] = append(byStrategy[c.Strategy], NewResult(c, cells))
	}
	for _, s := range g.Strategies {
		rs, ok := byStrategy[s]
		if !ok {
			continue
		}
		rk := Ranking{Strategy: s, Results: Rank(rs, opts.Objective)}
		if len(rk.Results) >= 2 && rk.Results[1].Valid {
			v := Compare(&rk.Results[0], &rk.Results[1], opts.Objective, opts.Alpha)
			rk.Verdict = &v
		}
		rep.Rankings = append(rep.Rankings, rk)
	}
	rep.Interrupted = ctx.Err() != nil
	return rep, runErr
}

// Cells returns every measured cell, in run order, with the combination
// in the backoff field (see Combo.Label).
func (r *Report) Cells() []results.Cell {
	type indexed struct {
		order int
		cell  results.Cell
	}
	var all []indexed
	order := map[Combo]int{}
	combos, _ := r.Grid.Combos()
	for i, c := range combos {
		order[c] = i
	}
	for _, rk := range r.Rankings {
		for _, res := range rk.Results {
			for t, c := range res.Cells {
				c.Backoff = res.Label()
				all = append(all, indexed{order[res.Combo]*10000 + t, c})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b indexed) int { return cmp.Compare(a.order, b.order) })
	out := make([]results.Cell, len(all))
	for i, x := range all {
		out[i] = x.cell
	}
	return out
}
