package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

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
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	return o, nil
}

// Phase is the search phase a probe belongs to.
type Phase string

// Phases.
const (
	Doubling  Phase = "double"
	Bisecting Phase = "bisect"
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
}

// Search finds, for each pair, the largest load that meets opts.SLO. It
// stops at the first error from run and returns the report so far with
// it. A cancelled ctx ends the search; the answers then say so.
func Search(ctx context.Context, pairs []Pair, opts Options, run RunFunc) (*Report, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	rep := &Report{SLO: opts.SLO, Vary: opts.Vary, Start: opts.Start, Max: opts.Max, Budget: opts.Budget, Trials: opts.Trials}
	clk := opts.Clock
	begin := clk.Now()
	for i, p := range pairs {
		s := searcher{opts: opts, run: run, pair: p}
		if opts.Budget > 0 {
			now := clk.Now()
			left := opts.Budget - now.Sub(begin)
			s.deadline = now.Add(left / time.Duration(len(pairs)-i))
		}
		a, err := s.search(ctx)
		rep.Answers = append(rep.Answers, a)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", p, err)
		}
	}
	rep.Interrupted = ctx.Err() != nil
	return rep, nil
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
