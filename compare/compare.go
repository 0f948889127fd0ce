package compare

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/threshold"
)

// Defaults for Options.
const (
	DefaultAlpha      = results.NoiseAlpha
	DefaultConfidence = 0.95
)

// Options tunes a comparison.
type Options struct {
	Alpha      float64 // significance level of the U-test; 0 = DefaultAlpha
	Confidence float64 // confidence level of the intervals; 0 = DefaultConfidence
	Gates      []Gate  // --fail-on
	// BaseName and NewName label the two files in the report (their
	// paths); "" = "base" and "new".
	BaseName, NewName string
}

// reported are the metrics every report shows, in table order; a gate on
// another metric of the table adds its row.
var reported = [...]string{"throughput_ops_s", "attempts_s", "conflict_ratio", "retries_mean",
	"p50_ms", "p90_ms", "p99_ms", "p999_ms", "give_ups", "errors", "lost_updates"}

// metric is one compared number.
type metric struct {
	threshold.Metric
	label string // report label: "p99 (ms)", "conflict_ratio"
	abs   bool   // changes are differences (ratios, counts), not percentages
}

// compared returns the metrics a report with gates gs shows: the reported
// ones and those the gates name, in table order.
func compared(gs []Gate) []metric {
	var out []metric
	for _, m := range threshold.Table() {
		gated := slices.ContainsFunc(gs, func(g Gate) bool { return g.Metric == m.Name })
		if !gated && !slices.Contains(reported[:], m.Name) {
			continue
		}
		md := metric{Metric: m, label: m.Name, abs: m.Unit == threshold.UnitRatio || m.Unit == threshold.UnitCount}
		if !md.abs {
			md.label = m.Short() + " (" + m.Unit + ")"
		}
		out = append(out, md)
	}
	return out
}

// Decision says what decided whether a change crosses a gate.
type Decision string

// The decisions.
const (
	// DecidedSingle: a side has a single run, so there is no test; the
	// change of the values (of the medians for the side with trials)
	// decides.
	DecidedSingle Decision = "single"
	// DecidedUTest: both sides have trials, enough for the U-test to
	// reach alpha; only a significant change fails a gate.
	DecidedUTest Decision = "u-test"
	// DecidedMedians: both sides have trials, too few for the U-test to
	// ever reach alpha (MinP > alpha); the change of the medians decides,
	// so that a gate never passes because the test lacks power.
	DecidedMedians Decision = "medians"
)

// reaches reports whether p ≤ alpha, within a relative 1e-9: a p-value
// computed as 0.10000000000000002 is 0.1 (results.Reaches).
func reaches(p, alpha float64) bool { return results.Reaches(p, alpha) }

// MinP is the smallest p-value the two-sided exact Mann-Whitney U-test
// can give for samples of n1 and n2 values (all of one sample below all of
// the other): 2 ÷ C(n1+n2, n1), at most 1. benchmath keeps its own table
// of these unexported, for equal sizes only; the reports' verdict uses the
// same function (results.MinP).
func MinP(n1, n2 int) float64 { return results.MinP(n1, n2) }

// MinTrials is the smallest number of trials per side with which the
// U-test can reach alpha (MinP(n, n) ≤ alpha): 4 at 0.05, 3 at 0.1. It is
// 0 for an alpha ≤ 0, which no test reaches.
func MinTrials(alpha float64) int { return results.MinTrials(alpha) }

// Key is what makes two cells the same workload.
type Key struct {
	Driver       string  `json:"driver"`
	Strategy     string  `json:"strategy"`
	Backoff      string  `json:"backoff"`
	Writers      int     `json:"writers"`
	Keys         int     `json:"keys"`
	Distribution string  `json:"distribution"`
	ZipfTheta    float64 `json:"zipf_theta,omitempty"`   // zipfian only
	HotFraction  float64 `json:"hot_fraction,omitempty"` // hotspot only
	HotOps       float64 `json:"hot_ops,omitempty"`      // hotspot only
	Scope        string  `json:"scope"`
	OnConflict   string  `json:"on_conflict"`
	Rate         float64 `json:"rate,omitempty"`
	PayloadBytes int     `json:"payload_bytes"`
	FieldGroups  int     `json:"field_groups"`
}

// Name is the short cell name: strategy/backoff/wN, with the rate of an
// open-loop cell, a scope other than document (a scope sweep's cells
// differ by it alone), and the driver when withDriver.
func (k Key) Name(withDriver bool) string {
	s := k.Strategy + "/" + k.Backoff + "/w" + strconv.Itoa(k.Writers)
	if k.Rate > 0 {
		s += "/r" + num(k.Rate)
	}
	if k.Scope != "" && k.Scope != "document" {
		s += "/" + k.Scope
	}
	if withDriver {
		s = k.Driver + "/" + s
	}
	return s
}

// workload is the file-level part of a Key, from the scenario.
type workload struct {
	distribution                   string
	zipfTheta, hotFraction, hotOps float64
	payloadBytes, fieldGroups      int
}

func workloadOf(f *results.File) (workload, error) {
	sc, err := scenarios.FromMap(f.Scenario)
	if err != nil {
		return workload{}, err
	}
	w := workload{distribution: sc.Distribution, payloadBytes: sc.PayloadBytes, fieldGroups: sc.FieldGroups}
	switch sc.Distribution {
	case "zipfian":
		w.zipfTheta = sc.ZipfTheta
	case "hotspot":
		w.hotFraction, w.hotOps = sc.HotFraction, sc.HotOps
	}
	return w, nil
}

func keyOf(c *results.Cell, w workload) Key {
	return Key{
		Driver: c.Driver, Strategy: c.Strategy, Backoff: c.Backoff, Writers: c.Writers,
		Keys: c.Keys, Distribution: w.distribution, ZipfTheta: w.zipfTheta, HotFraction: w.hotFraction, HotOps: w.hotOps,
		Scope: c.Scope, OnConflict: c.OnConflict, Rate: c.Rate, PayloadBytes: w.payloadBytes, FieldGroups: w.fieldGroups,
	}
}

// Summary is one side of a metric: its values over the trials and their
// center (the value itself for one run, the median for several) with a
// confidence interval (Lo = Hi = Center for one run; ±Inf when there are
// too few trials for one).
type Summary struct {
	N      int
	Values []float64 // in trial order
	Center float64
	Lo, Hi float64
}

// MetricDiff is one metric of one matched cell.
type MetricDiff struct {
	Metric string // canonical name (threshold.Metrics)
	Label  string
	Abs    bool // change shown as a difference
	Base   Summary
	New    Summary
	Delta  float64 // New.Center − Base.Center
	Rel    float64 // Delta ÷ Base.Center; ±Inf when Base.Center is 0 and Delta is not
	// Tested says both sides had at least two trials and the U-test ran;
	// P is its p-value, Significant is P ≤ alpha (within a relative
	// 1e-9), MinP the smallest p it could have given with these sample
	// sizes (1 when untested).
	Tested      bool
	P           float64
	MinP        float64
	Significant bool
	// Decided says what a relative or absolute gate is judged on: the
	// U-test, or the change of the medians when a side has a single run
	// or when MinP > alpha (the test could never be significant).
	Decided  Decision
	Equal    bool   // every value on both sides is the same: no change at all
	Compared string // benchmath's "p=0.400 n=3" when Tested
	Notes    []int  // footnotes (indexes into Report.Notes)
	NotGated string // why gates skip this metric here ("" = they apply)
	Failed   []Gate // gates this metric fails
}

// CellDiff is one matched cell.
type CellDiff struct {
	Key     Key
	Name    string
	Skipped string // set when a side has no cell that ran; Metrics is then empty
	Metrics []MetricDiff
}

// Unmatched is a cell found in one file only.
type Unmatched struct {
	Key  Key
	Name string
	N    int // trials
}

// Failure is one gate failed by one cell.
type Failure struct {
	Gate    Gate
	Cell    string
	Metric  string   // canonical name
	Base    float64  // center
	New     float64  // center, or the trial most beyond a plain gate
	Change  string   // as shown in the report
	Decided Decision // what decided a relative or absolute gate
}

func (f Failure) String() string {
	if f.Gate.Kind == Plain {
		return fmt.Sprintf("%s: %s: %s is %s", f.Gate, f.Cell, f.Metric, num(f.New))
	}
	return fmt.Sprintf("%s: %s: %s %s → %s: %s", f.Gate, f.Cell, f.Metric, num(f.Base), num(f.New), f.Change)
}

// Report is the comparison of two files.
type Report struct {
	BaseName, NewName string
	Alpha, Confidence float64
	Gates             []Gate
	Cells             []CellDiff
	BaseOnly, NewOnly []Unmatched
	// WorkloadDiffs names the scenario parameters that differ between the
	// files and keep their cells from matching ("distribution: uniform → zipfian").
	WorkloadDiffs []string
	Notes         []string // footnotes: warnings about samples and tests
	failures      []Failure
	cur           *results.File // the new file, for its audits in JUnit
}

// Failed returns the gates that failed, in report order.
func (r *Report) Failed() []Failure { return slices.Clone(r.failures) }

// Matched returns the number of matched cells.
func (r *Report) Matched() int { return len(r.Cells) }

// group is a cell's runs in one file, in trial order.
type group struct {
	key   Key
	cells []*results.Cell // all, skipped included
}

func groups(f *results.File, w workload) ([]*group, map[Key]*group) {
	var order []*group
	byKey := map[Key]*group{}
	for i := range f.Cells {
		c := &f.Cells[i]
		k := keyOf(c, w)
		g := byKey[k]
		if g == nil {
			g = &group{key: k}
			byKey[k] = g
			order = append(order, g)
		}
		g.cells = append(g.cells, c)
	}
	for _, g := range order {
		slices.SortStableFunc(g.cells, func(a, b *results.Cell) int { return cmp.Compare(a.Trial, b.Trial) })
	}
	return order, byKey
}

// ran returns the cells that ran, and the reason the first skipped one
// did not.
func (g *group) ran() (out []*results.Cell, skipped string) {
	for _, c := range g.cells {
		if c.Skipped == "" {
			out = append(out, c)
		} else if skipped == "" {
			skipped = c.Skipped
		}
	}
	return out, skipped
}

// Compare compares cur (the new file) with base.
func Compare(base, cur *results.File, o Options) (*Report, error) {
	if base == nil || cur == nil {
		return nil, errors.New("compare: nil results file")
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return nil, fmt.Errorf("--alpha: must be in (0, 1), got %v", o.Alpha)
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return nil, fmt.Errorf("compare: confidence: must be in (0, 1), got %v", o.Confidence)
	}
	gates := slices.Clone(o.Gates)
	for i, g := range gates { // hand-made gates may use an alias
		m, ok := threshold.Lookup(g.Metric)
		if !ok {
			return nil, fmt.Errorf("--fail-on: gate %q: unknown metric %q (allowed: %s)", g.String(), g.Metric, strings.Join(Metrics(), ", "))
		}
		gates[i].Metric = m.Name
	}
	r := &Report{
		BaseName: cmp.Or(o.BaseName, "base"), NewName: cmp.Or(o.NewName, "new"),
		Alpha: o.Alpha, Confidence: o.Confidence, Gates: gates, cur: cur,
	}
	ms := compared(gates)
	wb, err := workloadOf(base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.BaseName, err)
	}
	wn, err := workloadOf(cur)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.NewName, err)
	}
	r.WorkloadDiffs = workloadDiffs(wb, wn)

	bOrder, _ := groups(base, wb)
	nOrder, nByKey := groups(cur, wn)
	withDriver := multiDriver(bOrder, nOrder)
	notes := &footnotes{}
	matched := map[Key]bool{}
	for _, bg := range bOrder {
		ng := nByKey[bg.key]
		if ng == nil {
			r.BaseOnly = append(r.BaseOnly, Unmatched{Key: bg.key, Name: bg.key.Name(withDriver), N: len(bg.cells)})
			continue
		}
		matched[bg.key] = true
		r.Cells = append(r.Cells, r.cellDiff(bg, ng, ms, withDriver, notes))
	}
	for _, ng := range nOrder {
		if !matched[ng.key] {
			r.NewOnly = append(r.NewOnly, Unmatched{Key: ng.key, Name: ng.key.Name(withDriver), N: len(ng.cells)})
		}
	}
	for _, g := range r.Gates {
		if g.Scope != "" && !slices.ContainsFunc(r.Cells, func(cd CellDiff) bool { return cd.Skipped == "" && cd.Key.Strategy == g.Scope }) {
			notes.add(nil, fmt.Sprintf("gate %q checked no cell: no compared cell of strategy %q", g.String(), g.Scope))
		}
	}
	r.Notes = notes.list
	for _, cd := range r.Cells {
		for _, md := range cd.Metrics {
			for _, g := range md.Failed {
				f := Failure{Gate: g, Cell: cd.Name, Metric: md.Metric, Base: md.Base.Center, New: md.New.Center, Change: changeText(md), Decided: md.Decided}
				if g.Kind == Plain {
					f.New, _ = crossing(g, md.New.Values)
				}
				r.failures = append(r.failures, f)
			}
		}
	}
	return r, nil
}

func multiDriver(gs ...[]*group) bool {
	seen := ""
	for _, list := range gs {
		for _, g := range list {
			if seen == "" {
				seen = g.key.Driver
			} else if g.key.Driver != seen {
				return true
			}
		}
	}
	return false
}

func workloadDiffs(b, n workload) []string {
	var out []string
	add := func(name, bv, nv string) {
		if bv != nv {
			out = append(out, name+": "+bv+" → "+nv)
		}
	}
	add("distribution", b.distribution, n.distribution)
	add("zipf_theta", num(b.zipfTheta), num(n.zipfTheta))
	add("hot_fraction", num(b.hotFraction), num(n.hotFraction))
	add("hot_ops", num(b.hotOps), num(n.hotOps))
	add("payload_bytes", strconv.Itoa(b.payloadBytes), strconv.Itoa(n.payloadBytes))
	add("field_groups", strconv.Itoa(b.fieldGroups), strconv.Itoa(n.fieldGroups))
	return out
}

func (r *Report) cellDiff(bg, ng *group, ms []metric, withDriver bool, notes *footnotes) CellDiff {
	cd := CellDiff{Key: bg.key, Name: bg.key.Name(withDriver)}
	bRan, bSkip := bg.ran()
	nRan, nSkip := ng.ran()
	switch {
	case len(bRan) == 0 && len(nRan) == 0:
		cd.Skipped = "skipped in both: " + bSkip
		return cd
	case len(bRan) == 0:
		cd.Skipped = "skipped in " + r.BaseName + ": " + bSkip
		return cd
	case len(nRan) == 0:
		cd.Skipped = "skipped in " + r.NewName + ": " + nSkip
		return cd
	}
	for _, m := range ms {
		md := MetricDiff{Metric: m.Name, Label: m.label, Abs: m.abs, MinP: 1, Decided: DecidedSingle}
		bv, nv := values(m, bRan), values(m, nRan)
		var bw, nw []error
		md.Base, bw = r.summarize(bv)
		md.New, nw = r.summarize(nv)
		md.Delta = md.New.Center - md.Base.Center
		switch {
		case md.Delta == 0:
			md.Rel = 0
		case md.Base.Center == 0:
			md.Rel = math.Inf(int(math.Copysign(1, md.Delta)))
		default:
			md.Rel = md.Delta / math.Abs(md.Base.Center)
		}
		md.Equal = constant(bv, nv)
		var warns []string
		for _, w := range append(bw, nw...) {
			warns = append(warns, w.Error())
		}
		if len(bv) >= 2 && len(nv) >= 2 {
			md.Tested = true
			md.MinP = MinP(len(bv), len(nv))
			md.Decided = DecidedUTest
			if !reaches(md.MinP, r.Alpha) {
				md.Decided = DecidedMedians
			}
			if md.Equal {
				md.P = 1
				md.Compared = sizes(len(bv), len(nv))
				warns = nil // nothing to test and nothing to say
			} else {
				th := benchmath.Thresholds{CompareAlpha: r.Alpha}
				c := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(bv), &th), benchmath.NewSample(slices.Clone(nv), &th))
				md.P, md.Compared = c.P, c.String()
				md.Significant = reaches(c.P, r.Alpha)
				for _, w := range c.Warnings {
					if md.Decided == DecidedMedians && strings.Contains(w.Error(), "to detect a difference") {
						continue // said below, with what was done instead
					}
					warns = append(warns, w.Error())
				}
				if md.Decided == DecidedMedians {
					warns = append(warns, fmt.Sprintf("%s cannot be tested at alpha %v: decided on medians; use --trials >= %d",
						sizes(len(bv), len(nv)), r.Alpha, MinTrials(r.Alpha)))
				}
			}
		}
		for _, w := range warns {
			md.Notes = notes.add(md.Notes, w)
		}
		if m.Name == "lost_updates" && lossExpected(bRan, nRan) {
			md.NotGated = "loss expected for " + bg.key.Strategy
		}
		md.Failed = r.failing(md, bg.key.Strategy)
		cd.Metrics = append(cd.Metrics, md)
	}
	return cd
}

// sizes is the sample sizes as benchmath shows them: "n=3", "n=3+4".
func sizes(n1, n2 int) string {
	if n1 == n2 {
		return fmt.Sprintf("n=%d", n1)
	}
	return fmt.Sprintf("n=%d+%d", n1, n2)
}

func lossExpected(sides ...[]*results.Cell) bool {
	for _, cells := range sides {
		for _, c := range cells {
			if c.Audit.LossExpected {
				return true
			}
		}
	}
	return false
}

// failing returns the gates md, a metric of a cell of strategy, fails. A
// plain gate fails when any new value crosses it. A relative or absolute
// one fails when the change crosses it and, when the U-test decides, the
// change is significant.
func (r *Report) failing(md MetricDiff, strategy string) []Gate {
	if md.NotGated != "" {
		return nil
	}
	var out []Gate
	for _, g := range r.Gates {
		if g.Metric != md.Metric || !g.Applies(strategy) {
			continue
		}
		var fail bool
		switch g.Kind {
		case Plain:
			_, fail = crossing(g, md.New.Values)
		case Relative:
			fail = !md.Equal && g.Check(md.Rel) && (md.Decided != DecidedUTest || md.Significant)
		case Absolute:
			fail = !md.Equal && g.Check(md.Delta) && (md.Decided != DecidedUTest || md.Significant)
		}
		if fail {
			out = append(out, g)
		}
	}
	return out
}

func values(m metric, cells []*results.Cell) []float64 {
	out := make([]float64, len(cells))
	for i, c := range cells {
		out[i] = m.Of(c)
	}
	return out
}

func constant(a, b []float64) bool {
	for _, v := range a {
		if v != a[0] {
			return false
		}
	}
	for _, v := range b {
		if v != a[0] {
			return false
		}
	}
	return true
}

// summarize is the median and its confidence interval for several
// values, the value itself for one.
func (r *Report) summarize(vs []float64) (Summary, []error) {
	s := Summary{N: len(vs), Values: vs}
	if len(vs) == 1 {
		s.Center, s.Lo, s.Hi = vs[0], vs[0], vs[0]
		return s, nil
	}
	sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(vs), &benchmath.Thresholds{CompareAlpha: r.Alpha}), r.Confidence)
	s.Center, s.Lo, s.Hi = sum.Center, sum.Lo, sum.Hi
	if constant(vs, nil) { // a constant sample: the interval is the value
		s.Lo, s.Hi = s.Center, s.Center
		return s, nil
	}
	return s, sum.Warnings
}

// footnotes numbers distinct warnings.
type footnotes struct{ list []string }

func (f *footnotes) add(refs []int, note string) []int {
	i := slices.Index(f.list, note)
	if i < 0 {
		i = len(f.list)
		f.list = append(f.list, note)
	}
	if !slices.Contains(refs, i) {
		refs = append(refs, i)
	}
	return refs
}
