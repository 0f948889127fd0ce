package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/results"
)

// RunFunc runs one cell of strategy × backoff at a load: a writers count
// (Vary Writers) or a total arrival rate in ops/s (Vary Rate). A cell
// that comes back Skipped ends the search for its pair; one that comes
// back Interrupted is not judged.
type RunFunc func(ctx context.Context, strategy, backoff string, load float64) (results.Cell, error)

// Vary names the load a search varies.
type Vary string

// The loads a search can vary.
const (
	Writers Vary = "writers" // closed loop: concurrent writers, integer
	Rate    Vary = "rate"    // open loop: total arrival rate, ops/s
)

// VaryValues lists the allowed Vary values.
func VaryValues() []string { return []string{string(Writers), string(Rate)} }

// ParseVary parses "writers" or "rate".
func ParseVary(s string) (Vary, error) {
	switch v := Vary(s); v {
	case Writers, Rate:
		return v, nil
	}
	return "", fmt.Errorf("unknown value %q (allowed: %s)", s, strings.Join(VaryValues(), ", "))
}

// Format renders a load with its unit: "1 writer", "24 writers",
// "1,800 ops/s".
func (v Vary) Format(load float64) string {
	if v == Rate {
		return results.FormatCount(load) + " ops/s"
	}
	if load == 1 {
		return "1 writer"
	}
	return fmt.Sprintf("%.0f writers", load)
}

// Defaults.
const (
	DefaultMaxWriters = 1024
	DefaultMaxRate    = 1_000_000
	DefaultRateStart  = 100
	DefaultBudget     = 5 * time.Minute

	// RateTolerance ends a rate bisection once the first failing rate is
	// within this fraction of the last passing one.
	RateTolerance = 0.05
	// KneeGain is the throughput gain per doubling of load below which
	// the curve has flattened (see the package doc).
	KneeGain = 0.10

	// DefaultConfirmTrials is the number of trials of each re-probe at
	// the best answer's load.
	DefaultConfirmTrials = 5
	// DefaultConfirmPairs bounds the pairs re-probed besides the best.
	DefaultConfirmPairs = 4
	// DefaultAttemptsMargin is the tie-break's tolerance on attempts/op.
	DefaultAttemptsMargin = 0.05
	// DefaultAlpha is the family-wise level of the re-probes' tests.
	DefaultAlpha = 0.05
)

// Pair is one strategy × backoff combination.
type Pair struct{ Strategy, Backoff string }

func (p Pair) String() string { return p.Strategy + "/" + p.Backoff }

// Options configure a search.
type Options struct {
	SLO  SLO
	Vary Vary
	// Start is the first load probed: 0 = 1 writer, or DefaultRateStart
	// ops/s. Writers must be an integer.
	Start float64
	// Max is the largest load probed: 0 = DefaultMaxWriters or
	// DefaultMaxRate.
	Max float64
	// Budget bounds the whole search, shared among the pairs (each pair
	// gets the time left divided by the pairs left); 0 = unbounded.
	Budget time.Duration
	// Trials runs each probe this many times and judges the medians;
	// 0 = 1.
	Trials int
	// Clock measures the budget; nil = the wall clock.
	Clock clock.Clock
	// ConfirmTrials is the number of trials of each re-probe at the best
	// answer's load, run in interleaved rounds (see the package doc);
	// 0 = DefaultConfirmTrials.
	ConfirmTrials int
	// ConfirmPairs bounds the pairs re-probed besides the best, those
	// with the largest answers first; 0 = DefaultConfirmPairs.
	ConfirmPairs int
	// NoConfirm skips the re-probes: the set within noise of the best is
	// then the best and the pairs within one bisection step of it.
	NoConfirm bool
	// AttemptsMargin is the tie-break's tolerance: pairs within noise
	// whose median attempts/op are at most this fraction above the
	// fewest count as tied on attempts; 0 = DefaultAttemptsMargin.
	AttemptsMargin float64
	// Alpha is the family-wise level of the tests comparing each
	// re-probe with the best's, split among them (Bonferroni);
	// 0 = DefaultAlpha.
	Alpha float64
}

func (o Options) normalize() (Options, error) {
	if len(o.SLO) == 0 {
		return o, errors.New("capacity: the SLO has no conditions")
	}
	switch o.Vary {
	case Writers:
		if o.Start == 0 {
			o.Start = 1
		}
		if o.Max == 0 {
			o.Max = DefaultMaxWriters
		}
		if o.Start != math.Trunc(o.Start) || o.Max != math.Trunc(o.Max) {
			return o, fmt.Errorf("capacity: writers: start %v and max %v must be integers", o.Start, o.Max)
		}
	case Rate:
		if o.Start == 0 {
			o.Start = DefaultRateStart
		}
		if o.Max == 0 {
			o.Max = DefaultMaxRate
		}
	default:
		_, err := ParseVary(string(o.Vary))
		return o, fmt.Errorf("capacity: vary: %w", err)
	}
	if o.Start <= 0 || math.IsInf(o.Start, 0) || math.IsNaN(o.Start) {
		return o, fmt.Errorf("capacity: start must be > 0, got %v", o.Start)
	}
	if o.Max < o.Start || math.IsInf(o.Max, 0) || math.IsNaN(o.Max) {
		return o, fmt.Errorf("capacity: max must be ≥ start (%v), got %v", o.Start, o.Max)
	}
	if o.Budget < 0 {
		return o, fmt.Errorf("capacity: budget must be ≥ 0, got %s", o.Budget)
	}
	if o.Trials < 0 {
		return o, fmt.Errorf("capacity: trials must be ≥ 1, got %d", o.Trials)
	}
	o.Trials = max(o.Trials, 1)
	if o.ConfirmTrials < 0 {
		return o, fmt.Errorf("capacity: confirm-trials must be ≥ 1, got %d", o.ConfirmTrials)
	}
	if o.ConfirmPairs < 0 {
		return o, fmt.Errorf("capacity: confirm-pairs must be ≥ 1, got %d", o.ConfirmPairs)
	}
	if !(o.AttemptsMargin >= 0 && o.AttemptsMargin < 1) {
		return o, fmt.Errorf("capacity: attempts-margin must be in [0, 1), got %v", o.AttemptsMargin)
	}
	if !(o.Alpha >= 0 && o.Alpha < 1) {
		return o, fmt.Errorf("capacity: alpha must be in [0, 1), got %v", o.Alpha)
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.ConfirmTrials == 0 {
		o.ConfirmTrials = DefaultConfirmTrials
	}
	if o.ConfirmPairs == 0 {
		o.ConfirmPairs = DefaultConfirmPairs
	}
	if o.AttemptsMargin == 0 {
		o.AttemptsMargin = DefaultAttemptsMargin
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	return o, nil
}

// Phase is the search phase a probe belongs to.
type Phase string

// Phases.
const (
	Doubling   Phase = "double"
	Bisecting  Phase = "bisect"
	Confirming Phase = "confirm" // a re-probe at the best answer's load
)

// Probe is one measured load.
type Probe struct {
	Seq    int // 1-based, in the order the pair's probes ran
	Phase  Phase
	Load   float64
	Cells  []results.Cell     // one per trial
	Values map[string]float64 // median of each metric over the trials
	Pass   bool               // met every SLO condition
	Failed []Failure          // the conditions it failed
	// Interrupted probes stopped early and are not judged.
	Interrupted bool
	Elapsed     time.Duration
}

// Outcome says what kind of answer a pair got.
type Outcome int

// Outcomes.
const (
	Found      Outcome = iota // Load passes and the next load up fails
	MaxReached                // Load is Max and passes: capacity ≥ Max
	NoneMet                   // Start fails: no load meets the SLO
	LowerBound                // stopped early (budget or interrupt): capacity ≥ Load
	Unknown                   // stopped before any probe was judged
	Skipped                   // the store cannot run the strategy
)

var outcomeNames = [...]string{"found", "max-reached", "none-met", "lower-bound", "unknown", "skipped"}

func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// Answer is the result of the search for one pair.
type Answer struct {
	Pair
	Outcome Outcome
	Load    float64 // largest load that met the SLO; 0 when none did
	Pass    *Probe  // the probe at Load (nil when none passed)
	Fail    *Probe  // the lowest failing probe above Load (nil when none)
	Knee    *Probe  // nil when the throughput never flattened
	Reason  string  // why the search stopped early, or why it was skipped
	Probes  []Probe // in the order they ran
	// USL is the Universal Scalability Law fitted to the judged probes'
	// median throughput against writers (see FitProbes); nil for a rate
	// search and when fewer than three writer counts were judged.
	USL *results.USL
}

// Report is the result of a search over several pairs.
type Report struct {
	SLO         SLO
	Vary        Vary
	Start, Max  float64
	Budget      time.Duration
	Trials      int
	Answers     []Answer
	Interrupted bool
	// Alpha and AttemptsMargin are the options the recommendation used.
	Alpha, AttemptsMargin float64
	// Recommendation is nil when no pair met the SLO at any load.
	Recommendation *Recommendation
}

// Search finds, for each pair, the largest load that meets opts.SLO,
// then re-probes the best answer's load with the pairs closest to it and
// recommends a pair from those within noise of the best (see the package
// doc). It stops at the first error from run and returns the report so
// far with it. A cancelled ctx ends the search; the answers then say so.
func Search(ctx context.Context, pairs []Pair, opts Options, run RunFunc) (*Report, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	rep := &Report{SLO: opts.SLO, Vary: opts.Vary, Start: opts.Start, Max: opts.Max, Budget: opts.Budget, Trials: opts.Trials,
		Alpha: opts.Alpha, AttemptsMargin: opts.AttemptsMargin}
	clk := opts.Clock
	begin := clk.Now()
	confirm := !opts.NoConfirm && len(pairs) >= 2
	slots := len(pairs) // shares of the budget: one per pair, one for the re-probes
	if confirm {
		slots++
	}
	for i, p := range pairs {
		s := searcher{opts: opts, run: run, pair: p}
		if opts.Budget > 0 {
			now := clk.Now()
			left := opts.Budget - now.Sub(begin)
			s.deadline = now.Add(left / time.Duration(slots-i))
		}
		a, err := s.search(ctx)
		rep.Answers = append(rep.Answers, a)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", p, err)
		}
	}
	var reprobes []Reprobe
	var runErr error
	if confirm && ctx.Err() == nil {
		c := confirmer{opts: opts, run: run}
		if opts.Budget > 0 {
			c.deadline = begin.Add(opts.Budget)
		}
		reprobes, runErr = c.reprobe(ctx, rep.Answers)
	}
	rep.Recommendation = recommend(rep.Answers, reprobes, opts)
	rep.Interrupted = ctx.Err() != nil
	return rep, runErr
}

// MaxProbes bounds the probes of one pair's search: the doubling steps
// (plus a clamped last one) and the bisection steps. Invalid options
// give 0.
func MaxProbes(opts Options) int {
	o, err := opts.normalize()
	if err != nil {
		return 0
	}
	doubling := int(math.Floor(math.Log2(o.Max/o.Start))) + 2
	bisect := int(math.Ceil(math.Log2(max(o.Max, 2))))
	if o.Vary == Rate {
		bisect = int(math.Ceil(math.Log2(1/RateTolerance))) + 1
	}
	return max(doubling+bisect, 1)
}

// MaxCells returns the number of cells Search runs at most for pairs
// pairs: MaxProbes × Trials per pair, then, with two or more pairs and
// re-probes on, ConfirmTrials for the best and each of at most
// ConfirmPairs others. Times the length of a cell it bounds the wall
// time of the search (Budget bounds it too).
func MaxCells(pairs int, opts Options) (int, error) {
	o, err := opts.normalize()
	if err != nil {
		return 0, err
	}
	if pairs < 1 {
		return 0, fmt.Errorf("capacity: want at least one strategy × backoff pair, got %d", pairs)
	}
	n := pairs * MaxProbes(o) * o.Trials
	if !o.NoConfirm && pairs >= 2 {
		n += (1 + min(o.ConfirmPairs, pairs-1)) * o.ConfirmTrials
	}
	return n, nil
}

type searcher struct {
	opts     Options
	run      RunFunc
	pair     Pair
	deadline time.Time // zero = no budget
	last     time.Duration
	a        Answer
}

// errStop ends a search early without an error: s.a.Reason says why.
var errStop = errors.New("stop")

func (s *searcher) search(ctx context.Context) (Answer, error) {
	s.a = Answer{Pair: s.pair}
	err := s.bracket(ctx)
	a := &s.a
	switch {
	case errors.Is(err, errStop):
		if a.Outcome != Skipped {
			if a.Pass != nil {
				a.Outcome = LowerBound
			} else {
				a.Outcome = Unknown
			}
		}
		err = nil
	case err != nil:
		if a.Pass != nil {
			a.Outcome = LowerBound
		} else {
			a.Outcome = Unknown
		}
		a.Reason = "error: " + err.Error()
	}
	if a.Pass != nil {
		a.Load = a.Pass.Load
	}
	a.Knee = knee(a.Probes)
	if s.opts.Vary == Writers {
		a.USL = FitProbes(s.pair, a.Probes)
	}
	return *a, err
}

// bracket runs the doubling then the bisection, filling s.a.
func (s *searcher) bracket(ctx context.Context) error {
	o := s.opts
	a := &s.a
	load := o.Start
	for {
		p, err := s.probe(ctx, load, Doubling)
		if err != nil {
			return err
		}
		if !p.Pass {
			a.Fail = p
			break
		}
		a.Pass = p
		if load >= o.Max {
			a.Outcome = MaxReached
			return nil
		}
		load = min(load*2, o.Max)
	}
	if a.Pass == nil {
		a.Outcome = NoneMet
		return nil
	}
	for !s.closeEnough(a.Pass.Load, a.Fail.Load) {
		p, err := s.probe(ctx, s.midpoint(a.Pass.Load, a.Fail.Load), Bisecting)
		if err != nil {
			return err
		}
		if p.Pass {
			a.Pass = p
		} else {
			a.Fail = p
		}
	}
	a.Outcome = Found
	return nil
}

func (s *searcher) closeEnough(lo, hi float64) bool {
	if s.opts.Vary == Writers {
		return hi-lo <= 1
	}
	return hi <= lo*(1+RateTolerance)
}

func (s *searcher) midpoint(lo, hi float64) float64 {
	if s.opts.Vary == Writers {
		return math.Floor((lo + hi) / 2)
	}
	mid := results.RoundSig((lo+hi)/2, 3)
	if mid <= lo || mid >= hi {
		mid = (lo + hi) / 2
	}
	return mid
}

// probe runs the trials of one load and judges them. It returns errStop
// when the budget or ctx ends the search, or the store skips the pair.
func (s *searcher) probe(ctx context.Context, load float64, phase Phase) (*Probe, error) {
	clk := s.opts.Clock
	if err := ctx.Err(); err != nil {
		s.a.Reason = "interrupted"
		return nil, errStop
	}
	if !s.deadline.IsZero() {
		now := clk.Now()
		if !now.Before(s.deadline) || now.Add(s.last).After(s.deadline) {
			s.a.Reason = fmt.Sprintf("the time budget (%s) ran out", s.opts.Budget)
			return nil, errStop
		}
	}
	start := clk.Now()
	p := Probe{Seq: len(s.a.Probes) + 1, Phase: phase, Load: load}
	for t := 1; t <= s.opts.Trials; t++ {
		c, err := s.run(ctx, s.pair.Strategy, s.pair.Backoff, load)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.opts.Vary.Format(load), err)
		}
		if s.opts.Trials > 1 {
			c.Trial = t
		}
		p.Cells = append(p.Cells, c)
		if c.Skipped != "" {
			s.a.Outcome, s.a.Reason = Skipped, c.Skipped
			p.Elapsed = clk.Now().Sub(start)
			s.a.Probes = append(s.a.Probes, p)
			return nil, errStop
		}
		if c.Interrupted || ctx.Err() != nil {
			p.Interrupted = true
			p.Elapsed = clk.Now().Sub(start)
			s.a.Probes = append(s.a.Probes, p)
			s.a.Reason = "interrupted"
			return nil, errStop
		}
	}
	p.Elapsed = clk.Now().Sub(start)
	s.last = p.Elapsed
	p.Values = Values(p.Cells)
	p.Pass, p.Failed = s.opts.SLO.Check(p.Values)
	s.a.Probes = append(s.a.Probes, p)
	return &p, nil
}

// knee returns the first doubling probe after which throughput gained
// less than KneeGain per doubling of load, or nil.
func knee(probes []Probe) *Probe {
	var pts []*Probe
	for i := range probes {
		if p := &probes[i]; p.Phase == Doubling && p.Values != nil {
			pts = append(pts, p)
		}
	}
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		ta, tb := a.Values[ThroughputOpsS], b.Values[ThroughputOpsS]
		if ta <= 0 || b.Load <= a.Load {
			continue
		}
		gain := math.Pow(tb/ta, 1/math.Log2(b.Load/a.Load)) - 1
		if gain < KneeGain {
			return a
		}
	}
	return nil
}

// Reprobe is one pair's re-probe at the best answer's load.
type Reprobe struct {
	Pair
	Probe Probe // Phase Confirming; Values nil when it was not judged
	// Judged is false when the re-probe was skipped or interrupted.
	Judged bool
}

// confirmer runs the re-probes.
type confirmer struct {
	opts     Options
	run      RunFunc
	deadline time.Time // zero = no budget
}

// hasAnswer reports whether a met the SLO at some load.
func hasAnswer(a *Answer) bool { return a.Pass != nil && a.Load > 0 }

// bestAnswer returns the index of the largest answer (the first of
// equals), -1 when no pair met the SLO.
func bestAnswer(as []Answer) int {
	best := -1
	for i := range as {
		if hasAnswer(&as[i]) && (best < 0 || as[i].Load > as[best].Load) {
			best = i
		}
	}
	return best
}

// reprobe runs ConfirmTrials rounds at the best answer's load: one trial
// per round of the best and of each of the ConfirmPairs other pairs with
// the largest answers at least half of it, every round starting one pair
// further along, so that drift hits every pair alike. A round starts only
// when the budget has room for one more round as long as the last.
func (c *confirmer) reprobe(ctx context.Context, as []Answer) ([]Reprobe, error) {
	best := bestAnswer(as)
	if best < 0 {
		return nil, nil
	}
	load := as[best].Load
	var others []int
	for i := range as {
		if i != best && hasAnswer(&as[i]) && as[i].Load >= load/2 {
			others = append(others, i)
		}
	}
	if len(others) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(others, func(i, j int) int { return -cmpFloat(as[i].Load, as[j].Load) })
	others = others[:min(len(others), c.opts.ConfirmPairs)]
	order := append([]int{best}, others...)
	rs := make([]Reprobe, len(order))
	done := make([]bool, len(order))
	for k, i := range order {
		rs[k] = Reprobe{Pair: as[i].Pair, Probe: Probe{Seq: 1, Phase: Confirming, Load: load}}
	}
	clk := c.opts.Clock
	var last time.Duration
	var err error
rounds:
	for round := 1; round <= c.opts.ConfirmTrials; round++ {
		start := clk.Now()
		if !c.deadline.IsZero() && start.Add(last).After(c.deadline) {
			break
		}
		for k := range order {
			k = (k + round - 1) % len(order)
			if done[k] {
				continue
			}
			if ctx.Err() != nil {
				break rounds
			}
			t0 := clk.Now()
			cell, e := c.run(ctx, rs[k].Strategy, rs[k].Backoff, load)
			if e != nil {
				err = fmt.Errorf("%s: re-probe at %s: %w", rs[k].Pair, c.opts.Vary.Format(load), e)
				break rounds
			}
			cell.Trial = c.opts.Trials + round // after the search's trials at any load
			p := &rs[k].Probe
			p.Cells = append(p.Cells, cell)
			p.Elapsed += clk.Now().Sub(t0)
			if cell.Skipped != "" || cell.Interrupted {
				done[k], p.Interrupted = true, cell.Interrupted
			}
		}
		last = clk.Now().Sub(start)
	}
	for k := range rs {
		p := &rs[k].Probe
		if done[k] || len(p.Cells) == 0 {
			continue
		}
		p.Values = Values(p.Cells)
		p.Pass, p.Failed = c.opts.SLO.Check(p.Values)
		rs[k].Judged = true
	}
	return rs, err
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Member is a pair compared with the best answer.
type Member struct {
	Pair        Pair    `json:"pair"`
	Load        float64 `json:"load"` // its own answer
	WithinNoise bool    `json:"within_noise"`
	// Equivalent marks the members the tie-break picks among: the best,
	// those within one step of it and those meeting the SLO at its
	// load. One only not told apart from the best is in the set but
	// likely worse, so it is not recommended over them.
	Equivalent bool `json:"equivalent"`
	// Why says why it is in or out of the set: "best", "within one
	// step", "meets the SLO at the best's load", "not told apart from
	// the best at its load", "worse than the best at its load", "below
	// half the best's load", "not re-probed".
	Why string `json:"why"`
	// P is the smallest p-value of the U tests of its re-probe against
	// the best's, one per SLO metric (NaN when none ran); Worse names
	// the metric on which it was significantly worse.
	P     float64 `json:"p"`
	Worse string  `json:"worse,omitempty"`
	// Attempts is the median attempts/op the tie-break compares: from
	// the re-probe at the best's load, or, without one, from the probe
	// at the pair's own answer.
	Attempts float64 `json:"attempts_per_op"`
	// Reprobe is the pair's re-probe at the best's load; nil when it had
	// none.
	Reprobe *Reprobe `json:"-"`
}

// Recommendation is the pair recommended and the set it was picked from.
type Recommendation struct {
	// Best is the pair with the largest answer, Load that answer (the
	// load of the re-probes).
	Best Pair    `json:"best"`
	Load float64 `json:"load"`
	// WithinNoise lists the pairs within noise of Best, Best first, then
	// by answer, largest first.
	WithinNoise []Pair `json:"within_noise"`
	// Pick is the recommendation: chosen from WithinNoise by the
	// tie-break; TieBreak says how.
	Pick     Pair   `json:"pick"`
	TieBreak string `json:"tie_break"`
	// Members are every pair that met the SLO at some load, compared
	// with the best, in the order of WithinNoise then the others.
	Members []Member `json:"members"`
	// BestHeld is false when the best's own re-probe failed the SLO at
	// its answer: that answer was high by noise. Reprobed is false when
	// no re-probe ran.
	BestHeld bool   `json:"best_held"`
	Reprobed bool   `json:"reprobed"`
	Note     string `json:"note,omitempty"`
}

// InSet reports whether p is within noise of the best.
func (r *Recommendation) InSet(p Pair) bool { return slices.Contains(r.WithinNoise, p) }

// withinStep reports whether load is within one bisection step below
// best: one writer, or RateTolerance of a rate.
func withinStep(v Vary, load, best float64) bool {
	if v == Writers {
		return best-load <= 1
	}
	return load*(1+RateTolerance) >= best
}

// recommend builds the recommendation from the answers and re-probes.
func recommend(as []Answer, rs []Reprobe, opts Options) *Recommendation {
	best := bestAnswer(as)
	if best < 0 {
		return nil
	}
	load := as[best].Load
	rec := &Recommendation{Best: as[best].Pair, Load: load, BestHeld: true, Reprobed: len(rs) > 0}
	reprobe := func(p Pair) *Reprobe {
		for i := range rs {
			if rs[i].Pair == p {
				return &rs[i]
			}
		}
		return nil
	}
	var bestRP *Reprobe
	if r := reprobe(as[best].Pair); r != nil && r.Judged {
		bestRP = r
	}
	compared := 0 // the other re-probes judged: the comparisons to split Alpha among
	for i := range rs {
		if rs[i].Judged && rs[i].Pair != as[best].Pair {
			compared++
		}
	}
	perTest := opts.Alpha / float64(max(compared, 1))
	var ms []Member
	for i := range as {
		a := &as[i]
		if !hasAnswer(a) {
			continue
		}
		m := Member{Pair: a.Pair, Load: a.Load, Reprobe: reprobe(a.Pair), Attempts: medianOf(a.Pass.Cells, amplification), P: math.NaN()}
		r := m.Reprobe
		judged := r != nil && r.Judged
		if judged {
			m.Attempts = medianOf(r.Probe.Cells, amplification)
			if bestRP != nil && i != best {
				m.P, m.Worse = worseThan(opts.SLO, r.Probe.Cells, bestRP.Probe.Cells, perTest)
			}
		}
		switch {
		case i == best:
			m.WithinNoise, m.Equivalent, m.Why = true, true, "best"
			if judged && !r.Probe.Pass {
				rec.BestHeld = false
			}
		case withinStep(opts.Vary, a.Load, load):
			m.WithinNoise, m.Equivalent, m.Why = true, true, "within one step"
		case judged && r.Probe.Pass:
			m.WithinNoise, m.Equivalent, m.Why = true, true, "meets the SLO at the best's load"
		case judged && bestRP != nil && m.Worse == "":
			m.WithinNoise, m.Why = true, "not told apart from the best at its load"
		case judged:
			m.Why = "worse than the best at its load"
		case a.Load < load/2:
			m.Why = "below half the best's load"
		default:
			m.Why = "not re-probed"
		}
		ms = append(ms, m)
	}
	slices.SortStableFunc(ms, func(x, y Member) int {
		switch {
		case x.Why == "best" || y.Why == "best":
			return cmpBool(x.Why != "best", y.Why != "best")
		case x.WithinNoise != y.WithinNoise:
			return cmpBool(!x.WithinNoise, !y.WithinNoise)
		}
		return -cmpFloat(x.Load, y.Load)
	})
	rec.Members = ms
	for _, m := range ms {
		if m.WithinNoise {
			rec.WithinNoise = append(rec.WithinNoise, m.Pair)
		}
	}
	pick, how := pickMember(ms, opts.AttemptsMargin)
	rec.Pick, rec.TieBreak = ms[pick].Pair, how
	if !rec.BestHeld {
		rec.Note = fmt.Sprintf("the best's own re-probe failed at %s: its answer was high by noise", opts.Vary.Format(load))
	}
	return rec
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// pickMember applies the tie-break to the equivalent members (ms in the
// order of Recommendation.Members): the fewest attempts/op, every member
// at most margin above the fewest counting as tied; then the simplest
// policy; then the largest answer; then the order of ms.
func pickMember(ms []Member, margin float64) (int, string) {
	fewest, set, pool := math.Inf(1), 0, 0
	for i := range ms {
		if ms[i].WithinNoise {
			set++
		}
		if ms[i].Equivalent {
			fewest = math.Min(fewest, ms[i].Attempts)
			pool++
		}
	}
	var tied []int
	for i := range ms {
		if ms[i].Equivalent && (ms[i].Attempts <= fewest*(1+margin) || math.IsInf(fewest, 1) || math.IsNaN(fewest)) {
			tied = append(tied, i)
		}
	}
	if len(tied) == 0 { // NaN attempts: fall back to the best
		return 0, "none: attempts/op unknown, the best"
	}
	pick := tied[0]
	for _, i := range tied[1:] {
		if a, b := backoff.Simplicity(ms[i].Pair.Backoff), backoff.Simplicity(ms[pick].Pair.Backoff); a < b || a == b && ms[i].Load > ms[pick].Load {
			pick = i
		}
	}
	amp := fmt.Sprintf("%.3g", fewest)
	switch {
	case set == 1:
		return pick, "none needed: only the best is within noise"
	case pool == 1:
		return pick, "the best: no other member is within one step of it or meets the SLO at its load"
	case len(tied) == 1:
		others := fmt.Sprintf("the other %d are", pool-1)
		if pool == 2 {
			others = "the other is"
		}
		return pick, fmt.Sprintf("fewest attempts/op among the %d equivalent (%s; %s more than %.0f%% above)", pool, amp, others, 100*margin)
	}
	how := fmt.Sprintf("fewest attempts/op (%d of the %d equivalent within %.0f%% of %s), then simplest policy", len(tied), pool, 100*margin, amp)
	same := 0
	for _, i := range tied {
		if backoff.Simplicity(ms[i].Pair.Backoff) == backoff.Simplicity(ms[pick].Pair.Backoff) {
			same++
		}
	}
	if same > 1 {
		how += ", then largest answer"
	}
	return pick, how
}

func amplification(c *results.Cell) float64 { return c.Amplification }

// medianOf is the median of f over cells; NaN for none.
func medianOf(cells []results.Cell, f func(*results.Cell) float64) float64 {
	if len(cells) == 0 {
		return math.NaN()
	}
	xs := make([]float64, len(cells))
	for i := range cells {
		xs[i] = f(&cells[i])
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// worseThan compares a re-probe's trials with the best's, per SLO
// metric, by a two-sided Mann-Whitney U test at level perTest, and
// returns the smallest p and the first metric on which the re-probe is
// significantly worse (in the direction the condition penalises: higher
// for < and <=, lower for > and >=, either for == and !=); "" when none.
func worseThan(slo SLO, cells, best []results.Cell, perTest float64) (minP float64, worse string) {
	minP = math.NaN()
	if len(cells) < 2 || len(best) < 2 {
		return minP, ""
	}
	for _, c := range slo {
		x, y := metricValues(cells, c.Metric), metricValues(best, c.Metric)
		if x == nil || y == nil {
			continue
		}
		th := &benchmath.Thresholds{CompareAlpha: perTest}
		p := benchmath.AssumeNothing.Compare(benchmath.NewSample(x, th), benchmath.NewSample(y, th)).P
		if math.IsNaN(minP) || p < minP {
			minP = p
		}
		if p >= perTest*(1-1e-9) || worse != "" {
			continue
		}
		mx, my := medianOf(cells, metricOf(c.Metric)), medianOf(best, metricOf(c.Metric))
		switch c.Op {
		case "<", "<=":
			if mx > my {
				worse = c.Metric
			}
		case ">", ">=":
			if mx < my {
				worse = c.Metric
			}
		default:
			worse = c.Metric
		}
	}
	return minP, worse
}

// metricOf returns a getter of the metric; NaN where it is unknown.
func metricOf(name string) func(*results.Cell) float64 {
	return func(c *results.Cell) float64 {
		v, err := Metric(c, name)
		if err != nil {
			return math.NaN()
		}
		return v
	}
}

// metricValues returns the metric of every cell; nil when a value is
// unknown.
func metricValues(cells []results.Cell, name string) []float64 {
	out := make([]float64, len(cells))
	for i := range cells {
		v, err := Metric(&cells[i], name)
		if err != nil || math.IsNaN(v) {
			return nil
		}
		out[i] = v
	}
	return out
}
