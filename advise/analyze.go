package advise

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/occbench/occbench/results"
)

// Objective is what a band's winner is best on.
type Objective string

// The objectives.
const (
	Goodput Objective = "goodput" // committed ops/s, higher is better
	P99     Objective = "p99"     // committed-op p99 latency, lower is better
)

// Objectives in report order.
func Objectives() []Objective { return []Objective{Goodput, P99} }

// of returns the objective's value of a cell: a cell that committed
// nothing has the worst (goodput 0, p99 +Inf).
func (o Objective) of(c *results.Cell) float64 {
	if o == Goodput {
		return c.ThroughputOpsS
	}
	if c.Ops == 0 {
		return math.Inf(1)
	}
	return c.LatencyMS.P99
}

// advantage is how much better a is than b on o, as a log ratio: > 0
// when a is better.
func (o Objective) advantage(a, b float64) float64 {
	if o == Goodput {
		return math.Log(a / b)
	}
	return math.Log(b / a)
}

// better reports whether a is strictly better than b on o.
func (o Objective) better(a, b float64) bool {
	if o == Goodput {
		return a > b
	}
	return a < b
}

// Stat is one strategy's measurements at one point: medians over its
// trials.
type Stat struct {
	Strategy string
	Cells    []results.Cell
	// Goodput (ops/s), P99 (ms) and Conflict (conflicts ÷ attempts) are
	// medians over the trials.
	Goodput, P99, Conflict float64
	// Valid is false when a trial was skipped or interrupted, or none
	// committed anything; Note says which.
	Valid bool
	Note  string
}

func (s *Stat) value(o Objective) float64 {
	if o == Goodput {
		return s.Goodput
	}
	return s.P99
}

func (s *Stat) trials(o Objective) []float64 {
	out := make([]float64, len(s.Cells))
	for i := range s.Cells {
		out[i] = o.of(&s.Cells[i])
	}
	return out
}

func newStat(strategy string, cells []results.Cell) Stat {
	s := Stat{Strategy: strategy, Cells: cells, Valid: len(cells) > 0}
	committed := 0
	for i := range cells {
		switch c := &cells[i]; {
		case c.Skipped != "":
			s.Valid, s.Note = false, "skipped: "+c.Skipped
		case c.Interrupted:
			s.Valid, s.Note = false, "interrupted"
		case c.Ops > 0:
			committed++
		}
	}
	if len(cells) == 0 {
		s.Note = "not run"
	} else if s.Valid && committed == 0 {
		s.Valid, s.Note = false, "no committed ops"
	}
	s.Goodput = results.Median(s.trials(Goodput))
	s.P99 = results.Median(s.trials(P99))
	cr := make([]float64, len(cells))
	for i := range cells {
		cr[i] = cells[i].ConflictRatio
	}
	s.Conflict = results.Median(cr)
	return s
}

// Verdict is the outcome of one objective at one point.
type Verdict struct {
	// Best is the strategy with the best median; "" when no strategy is
	// valid at the point.
	Best string
	// Set is Best and every strategy within noise of it, in the plan's
	// strategy order (so that a tie is the same tie whichever of its
	// members leads).
	Set []string
	// Why says, for each strategy of Set, why it is in it: "best",
	// "within margin", "not significant" or "ranges overlap".
	Why []string
}

// Label names the winner: "optimistic", or "tie: optimistic, lease".
func (v Verdict) Label() string {
	if len(v.Set) > 1 {
		return "tie: " + strings.Join(v.Set, ", ")
	}
	return v.Best
}

// PointResult is one writers count of one skew.
type PointResult struct {
	Writers int
	// Conflict is optimistic's median conflict ratio at the point, the
	// axis of the bands; NaN when optimistic did not run validly.
	Conflict float64
	Stats    []Stat // in the plan's strategy order
	Goodput  Verdict
	P99      Verdict
}

// Verdict returns the point's verdict on o.
func (p *PointResult) Verdict(o Objective) Verdict {
	if o == Goodput {
		return p.Goodput
	}
	return p.P99
}

// Stat returns the strategy's stat, nil when it is not in the plan.
func (p *PointResult) Stat(strategy string) *Stat {
	for i := range p.Stats {
		if p.Stats[i].Strategy == strategy {
			return &p.Stats[i]
		}
	}
	return nil
}

// Band is a run of neighbouring points with the same winner on an
// objective.
type Band struct {
	Objective Objective
	Verdict   Verdict // of the band's first point; every point has its Label
	// First and Last index the skew's Points.
	First, Last int
	// Above and Below are the crossovers bounding the band (nil at an
	// open end).
	Above, Below *Crossover
	// RunnerUp is the other strategy closest to the winner (the tie's
	// best) over the band; GoodputX and P99X the median over the band's
	// points of the winner's goodput and p99 over the runner-up's. ""
	// and NaN when no other strategy ran validly in the band.
	RunnerUp       string
	GoodputX, P99X float64
}

// Crossover is where the winner on an objective changes between two
// neighbouring points.
type Crossover struct {
	Objective Objective
	From, To  string // verdict labels
	// Before and After index the skew's Points on either side.
	Before, After int
	// Conflict is optimistic's conflict ratio at the crossover, NaN when
	// not known at either point; Writers the crossover on the writers
	// axis (interpolated on log2). Interpolated is true when both come
	// from where the two winners' difference on the objective changes
	// sign, false when they are the midpoint (one side is a tie that the
	// other's winner is the best of, or the difference does not change
	// sign).
	Conflict, Writers float64
	Interpolated      bool
}

// SkewResult is the analysis of one skew.
type SkewResult struct {
	Skew       Skew
	Points     []PointResult // writers ascending
	Bands      map[Objective][]Band
	Crossovers []Crossover // goodput's, then p99's, in writers order
	// ConflictAxis is true when optimistic's conflict ratio is known at
	// every point and never falls by more than MonotoneSlack from one
	// writers count to the next: only then do the bands read as ranges
	// of conflict ratio; otherwise the writers place them.
	ConflictAxis bool
}

// MonotoneSlack is how far optimistic's conflict ratio may fall from
// one writers count to the next (noise where there are almost no
// conflicts) with the bands still placed on the conflict axis: half a
// percentage point.
const MonotoneSlack = 0.005

// Report is the outcome of an advise run.
type Report struct {
	Plan        Plan
	Options     Options
	Cells       []results.Cell // every cell, in run order
	Skews       []SkewResult
	Interrupted bool
}

// Analyze groups cells (by distribution label, writers and strategy)
// into the plan's points and finds, per skew, the winners, bands and
// crossovers. Cells of other skews, writers or strategies are kept in
// the report's Cells but not analysed.
func Analyze(p Plan, opts Options, cells []results.Cell) (*Report, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return analyze(p, opts, cells), nil
}

func analyze(p Plan, opts Options, cells []results.Cell) *Report {
	rep := &Report{Plan: p, Options: opts, Cells: cells}
	ws := slices.Clone(p.Writers)
	slices.Sort(ws)
	for _, sk := range p.Skews {
		sr := SkewResult{Skew: sk, Bands: map[Objective][]Band{}}
		for _, w := range ws {
			pr := PointResult{Writers: w, Conflict: math.NaN()}
			for _, st := range p.Strategies {
				var mine []results.Cell
				for _, c := range cells {
					if c.Distribution == sk.Label() && c.Writers == w && c.Strategy == st {
						mine = append(mine, c)
					}
				}
				pr.Stats = append(pr.Stats, newStat(st, mine))
			}
			if s := pr.Stat("optimistic"); s != nil && s.Valid {
				pr.Conflict = s.Conflict
			}
			pr.Goodput = judge(pr.Stats, Goodput, opts)
			pr.P99 = judge(pr.Stats, P99, opts)
			sr.Points = append(sr.Points, pr)
		}
		sr.ConflictAxis = len(sr.Points) > 0
		for i := range sr.Points {
			c := sr.Points[i].Conflict
			if math.IsNaN(c) || (i > 0 && c < sr.Points[i-1].Conflict-MonotoneSlack) {
				sr.ConflictAxis = false
			}
		}
		for _, o := range Objectives() {
			bands, xs := bandsOf(sr.Points, o)
			sr.Bands[o] = bands
			sr.Crossovers = append(sr.Crossovers, xs...)
		}
		rep.Skews = append(rep.Skews, sr)
	}
	return rep
}

// judge ranks the valid stats on o and returns the best with every
// strategy tied with it.
func judge(stats []Stat, o Objective, opts Options) Verdict {
	var valid []*Stat
	for i := range stats {
		if stats[i].Valid {
			valid = append(valid, &stats[i])
		}
	}
	if len(valid) == 0 {
		return Verdict{}
	}
	slices.SortStableFunc(valid, func(a, b *Stat) int {
		x, y := results.RoundSig(a.value(o), 3), results.RoundSig(b.value(o), 3)
		if o == Goodput {
			return cmp.Compare(y, x)
		}
		return cmp.Compare(x, y)
	})
	best := valid[0]
	v := Verdict{Best: best.Strategy}
	for i := range stats {
		s := &stats[i]
		why := "best"
		if s != best {
			if !s.Valid {
				continue
			}
			if why = tie(best, s, o, opts); why == "" {
				continue
			}
		}
		v.Set = append(v.Set, s.Strategy)
		v.Why = append(v.Why, why)
	}
	return v
}

// tie says why s is within noise of best on o, "" when it is not:
//
//   - "within margin": its median is at most Margin worse than best's;
//   - "not significant": with enough trials for the U test to reach
//     Alpha, the test does not tell the trials apart;
//   - "ranges overlap": with 2 or more trials each but too few for the
//     test, the ranges (min to max) of the trials overlap.
//
// With one trial on either side only the margin can make a tie.
func tie(best, s *Stat, o Objective, opts Options) string {
	b, v := best.value(o), s.value(o)
	worse := math.Inf(1)
	switch {
	case b == v:
		worse = 0
	case o == Goodput && b > 0:
		worse = (b - v) / b
	case o == P99 && !math.IsInf(b, 0) && b > 0:
		worse = (v - b) / b
	}
	if worse <= opts.Margin {
		return "within margin"
	}
	bt, st := best.trials(o), s.trials(o)
	switch results.NoiseTest(bt, st, opts.Alpha).Noise {
	case results.WithinNoise:
		return "not significant"
	case results.TooFew:
		if slices.Min(bt) <= slices.Max(st) && slices.Min(st) <= slices.Max(bt) {
			return "ranges overlap"
		}
	}
	return ""
}

// bandsOf groups neighbouring points with the same verdict on o into
// bands and finds the crossover between each two bands. Points where no
// strategy ran validly belong to no band.
func bandsOf(pts []PointResult, o Objective) ([]Band, []Crossover) {
	var bands []Band
	for i := range pts {
		v := pts[i].Verdict(o)
		if v.Best == "" {
			continue
		}
		if n := len(bands); n > 0 && bands[n-1].Verdict.Label() == v.Label() && bands[n-1].Last == i-1 {
			bands[n-1].Last = i
			continue
		}
		bands = append(bands, Band{Objective: o, Verdict: v, First: i, Last: i})
	}
	var xs []Crossover
	for k := 1; k < len(bands); k++ {
		x := crossover(pts, o, &bands[k-1], &bands[k])
		xs = append(xs, x)
	}
	for k := range bands {
		if k > 0 {
			bands[k].Above = &xs[k-1]
		}
		if k < len(xs) {
			bands[k].Below = &xs[k]
		}
		runnerUp(pts, &bands[k])
	}
	return bands, xs
}

// crossover finds where a's winner stops being best and b's takes over,
// between a's last point and b's first.
func crossover(pts []PointResult, o Objective, a, b *Band) Crossover {
	i, j := a.Last, b.First
	x := Crossover{Objective: o, From: a.Verdict.Label(), To: b.Verdict.Label(), Before: i, After: j}
	t := 0.5
	wa, wb := a.Verdict.Best, pts[j].Verdict(o).Best
	if wa != wb {
		sai, sbi := pts[i].Stat(wa), pts[i].Stat(wb)
		saj, sbj := pts[j].Stat(wa), pts[j].Stat(wb)
		if sai.Valid && sbi.Valid && saj.Valid && sbj.Valid {
			di := o.advantage(sai.value(o), sbi.value(o))
			dj := o.advantage(saj.value(o), sbj.value(o))
			if di > 0 && dj < 0 && !math.IsInf(di, 0) && !math.IsInf(dj, 0) {
				t, x.Interpolated = di/(di-dj), true
			}
		}
	}
	x.Conflict = pts[i].Conflict + t*(pts[j].Conflict-pts[i].Conflict)
	li, lj := math.Log2(float64(pts[i].Writers)), math.Log2(float64(pts[j].Writers))
	x.Writers = math.Exp2(li + t*(lj-li))
	return x
}

// runnerUp fills the band's runner-up and ratios: the other valid
// strategy with the smallest median advantage of the winner over it on
// the band's objective.
func runnerUp(pts []PointResult, b *Band) {
	b.GoodputX, b.P99X = math.NaN(), math.NaN()
	w := b.Verdict.Best
	bestAdv := math.Inf(1)
	for _, st := range pts[b.First].Stats {
		if st.Strategy == w {
			continue
		}
		var adv, gx, px []float64
		for i := b.First; i <= b.Last; i++ {
			ws, os := pts[i].Stat(w), pts[i].Stat(st.Strategy)
			if !ws.Valid || !os.Valid {
				continue
			}
			adv = append(adv, b.Objective.advantage(ws.value(b.Objective), os.value(b.Objective)))
			gx = append(gx, ws.Goodput/os.Goodput)
			px = append(px, ws.P99/os.P99)
		}
		if len(adv) == 0 {
			continue
		}
		if m := results.Median(adv); m < bestAdv || b.RunnerUp == "" {
			bestAdv, b.RunnerUp = m, st.Strategy
			b.GoodputX, b.P99X = results.Median(gx), results.Median(px)
		}
	}
}

// Advice is the report's answer as the results file keeps it.
func (r *Report) Advice() *results.Advice {
	a := &results.Advice{Backoff: r.Plan.Backoff, Trials: r.Plan.Trials, Margin: r.Options.Margin, Alpha: r.Options.Alpha}
	for _, o := range r.Plan.Omitted {
		a.Omitted = append(a.Omitted, o.String())
	}
	for si := range r.Skews {
		sr := &r.Skews[si]
		as := results.AdviceSkew{Skew: sr.Skew.Label()}
		for _, o := range Objectives() {
			for bi := range sr.Bands[o] {
				b := &sr.Bands[o][bi]
				ab := results.AdviceBand{Objective: string(o), FromWriters: sr.Points[b.First].Writers,
					ToWriters: sr.Points[b.Last].Writers, RunnerUp: b.RunnerUp, Line: r.BandLine(sr, b)}
				if len(b.Verdict.Set) > 1 {
					ab.Tie = b.Verdict.Set
				} else {
					ab.Winner = b.Verdict.Best
				}
				if b.Above != nil && sr.ConflictAxis {
					ab.Above = finite(b.Above.Conflict)
				}
				if b.Below != nil && sr.ConflictAxis {
					ab.Below = finite(b.Below.Conflict)
				}
				if b.RunnerUp != "" {
					ab.GoodputX, ab.P99X = orZero(b.GoodputX), orZero(b.P99X)
				}
				as.Bands = append(as.Bands, ab)
			}
		}
		for _, x := range sr.Crossovers {
			as.Crossovers = append(as.Crossovers, results.AdviceCrossover{Objective: string(x.Objective), From: x.From, To: x.To,
				FromWriters: sr.Points[x.Before].Writers, ToWriters: sr.Points[x.After].Writers,
				ConflictRatio: finite(x.Conflict), Interpolated: x.Interpolated, Writers: results.RoundSig(x.Writers, 3)})
		}
		a.Skews = append(a.Skews, as)
	}
	return a
}

// finite returns v rounded to 4 significant digits, nil when not finite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := results.RoundSig(v, 4)
	return &r
}

func orZero(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return results.RoundSig(v, 3)
}

// String is a compact form of a verdict for errors and tests.
func (v Verdict) String() string { return fmt.Sprintf("%s %v", v.Best, v.Set) }
