package advise

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
)

// Candidates of the sweep, in report order: Candidates keeps those the
// strategy registry has.
var candidateOrder = [...]string{"optimistic", "pessimistic", "lease", "hybrid"}

// Candidates returns the strategies advise compares that registered
// (strategy.Names()) lists, in the order optimistic, pessimistic, lease,
// hybrid.
func Candidates(registered []string) []string {
	var out []string
	for _, c := range candidateOrder {
		if slices.Contains(registered, c) {
			out = append(out, c)
		}
	}
	return out
}

// Defaults of a plan.
const (
	DefaultBackoff = "decorrelated-jitter"
	// DefaultTrials is the fewest trials that give a spread: 1 trial
	// tells a tie only by the margin.
	DefaultTrials = 2
	DefaultMargin = 0.10
	DefaultAlpha  = results.NoiseAlpha
	// ZipfTheta is the zipfian skew's θ (YCSB's default).
	ZipfTheta = 0.99
	// DefaultKeys is the number of keys of the zipfian and uniform skews
	// when the scenario has a single key.
	DefaultKeys = 1000
)

// DefaultWriters is the writers sweep when the flag does not set one.
func DefaultWriters() []int { return []int{1, 2, 4, 8, 16, 32} }

// Skew is a key distribution of the sweep.
type Skew struct {
	Name  string  // single, zipfian, uniform
	Theta float64 // zipfian only
}

// Label names the skew as the cells' distribution field does:
// "single", "zipfian(0.99)", "uniform".
func (s Skew) Label() string {
	if s.Name == "zipfian" {
		return "zipfian(" + strconv.FormatFloat(s.Theta, 'g', -1, 64) + ")"
	}
	return s.Name
}

// Describe says what the skew does.
func (s Skew) Describe() string {
	switch s.Name {
	case "single":
		return "every op on one hot key"
	case "zipfian":
		return fmt.Sprintf("zipfian θ %g over the keys", s.Theta)
	case "uniform":
		return "uniform over the keys"
	}
	return s.Name
}

// SkewNames lists the allowed skews.
func SkewNames() []string { return []string{"single", "zipfian", "uniform"} }

// ParseSkews parses a comma list of skews ("single,zipfian,uniform").
func ParseSkews(v string) ([]Skew, error) {
	var out []Skew
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(SkewNames(), p) {
			return nil, fmt.Errorf("unknown skew %q (allowed: %s)", p, strings.Join(SkewNames(), ", "))
		}
		if slices.ContainsFunc(out, func(s Skew) bool { return s.Name == p }) {
			return nil, fmt.Errorf("%q listed twice", p)
		}
		s := Skew{Name: p}
		if p == "zipfian" {
			s.Theta = ZipfTheta
		}
		out = append(out, s)
	}
	return out, nil
}

// Omission is a candidate strategy the store cannot run.
type Omission struct {
	Strategy, Reason string
}

func (o Omission) String() string { return o.Strategy + ": " + o.Reason }

// Plan is the sweep: every skew × writers × strategy, Trials times, with
// one backoff.
type Plan struct {
	// Scenario and Driver name the run in the report's first line.
	Scenario, Driver string
	Writers          []int
	Skews            []Skew
	Strategies       []string   // those the store can run
	Omitted          []Omission // candidates it cannot
	Backoff          string
	Trials           int
}

// Validate reports an empty or repeated list, a writer count below 1 or
// fewer than one trial; errors name the flag.
func (p Plan) Validate() error {
	if len(p.Writers) == 0 {
		return fmt.Errorf("writers: want at least one writer count")
	}
	for i, w := range p.Writers {
		if w < 1 {
			return fmt.Errorf("writers: must be ≥ 1, got %d", w)
		}
		if slices.Contains(p.Writers[:i], w) {
			return fmt.Errorf("writers: %d listed twice", w)
		}
	}
	if len(p.Skews) == 0 {
		return fmt.Errorf("skews: want at least one (allowed: %s)", strings.Join(SkewNames(), ", "))
	}
	if len(p.Strategies) == 0 {
		return fmt.Errorf("strategies: the store can run none of %s", strings.Join(candidateOrder[:], ", "))
	}
	if p.Backoff == "" {
		return fmt.Errorf("backoffs: want one backoff")
	}
	if p.Trials < 1 {
		return fmt.Errorf("trials: must be ≥ 1, got %d", p.Trials)
	}
	return nil
}

// Point is one measured point of the sweep.
type Point struct {
	Skew     Skew
	Writers  int
	Strategy string
}

// Points lists the plan's points in run order: skew, then writers
// ascending, then strategy.
func (p Plan) Points() []Point {
	ws := slices.Clone(p.Writers)
	slices.Sort(ws)
	var out []Point
	for _, s := range p.Skews {
		for _, w := range ws {
			for _, st := range p.Strategies {
				out = append(out, Point{Skew: s, Writers: w, Strategy: st})
			}
		}
	}
	return out
}

// Cells is the number of cells the plan runs: points × trials.
func (p Plan) Cells() int {
	return len(p.Skews) * len(p.Writers) * len(p.Strategies) * p.Trials
}

// RunFunc runs one trial (1-based) of a point and returns its cell.
type RunFunc func(ctx context.Context, pt Point, trial int) (results.Cell, error)

// Options are the tie rules; zero values take the defaults.
type Options struct {
	// Margin: two medians at most this fraction apart are a tie.
	Margin float64
	// Alpha is the U test's level with enough trials to reach it.
	Alpha float64
}

func (o Options) normalize() (Options, error) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"margin", o.Margin}, {"alpha", o.Alpha}} {
		if !(f.v >= 0 && f.v < 1) {
			return o, fmt.Errorf("%s: must be in [0, 1), got %v", f.name, f.v)
		}
	}
	if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	return o, nil
}

// Run measures the plan in Trials rounds (each round runs every point
// once, the strategies of a point in an order rotated by one each round
// so that none always runs first), then analyses the cells. It stops at
// the first error from run, or when ctx is done, and returns the report
// of what was measured with it (Interrupted when ctx was done).
func Run(ctx context.Context, p Plan, opts Options, run RunFunc) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	var cells []results.Cell
	var runErr error
	pts := p.Points()
	n := len(p.Strategies)
rounds:
	for trial := 1; trial <= p.Trials; trial++ {
		for i := 0; i < len(pts); i += n {
			for k := range n {
				pt := pts[i+(k+trial-1)%n]
				if ctx.Err() != nil {
					break rounds
				}
				c, err := run(ctx, pt, trial)
				if err != nil {
					runErr = fmt.Errorf("%s at %d writers on %s (trial %d): %w", pt.Strategy, pt.Writers, pt.Skew.Label(), trial, err)
					break rounds
				}
				c.Distribution, c.Trial = pt.Skew.Label(), trial
				cells = append(cells, c)
			}
		}
	}
	rep := analyze(p, opts, cells)
	rep.Interrupted = ctx.Err() != nil
	return rep, runErr
}
