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
	DefaultAlpha      = 0.05
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

// metric is one compared number.
type metric struct {
	name  string // gate name
	label string // report label
	abs   bool   // changes are differences (ratios, counts), not percentages
	of    string // threshold metric name
}

var metrics = [...]metric{
	{"throughput", "throughput (ops/s)", false, "throughput_ops_s"},
	{"attempts", "attempts (/s)", false, "attempts_s"},
	{"conflict_ratio", "conflict_ratio", true, "conflict_ratio"},
	{"retries", "retries (/op)", false, "retries_mean"},
	{"p50", "p50 (ms)", false, "p50_ms"},
	{"p90", "p90 (ms)", false, "p90_ms"},
	{"p99", "p99 (ms)", false, "p99_ms"},
	{"p999", "p999 (ms)", false, "p999_ms"},
	{"give_ups", "give_ups", true, "give_ups"},
	{"errors", "errors", true, "errors"},
	{"lost_updates", "lost_updates", true, "lost_updates"},
}

// Metrics returns the metric names a gate may use, in report order.
func Metrics() []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = m.name
	}
	return out
}

func metricByName(name string) (metric, bool) {
	for _, m := range metrics {
		if m.name == name {
			return m, true
		}
	}
	return metric{}, false
}

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
// open-loop cell, and the driver when withDriver.
func (k Key) Name(withDriver bool) string {
	s := k.Strategy + "/" + k.Backoff + "/w" + strconv.Itoa(k.Writers)
	if k.Rate > 0 {
		s += "/r" + num(k.Rate)
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
	Metric string // gate name
	Label  string
	Abs    bool // change shown as a difference
	Base   Summary
	New    Summary
	Delta  float64 // New.Center − Base.Center
	Rel    float64 // Delta ÷ Base.Center; ±Inf when Base.Center is 0 and Delta is not
	// Tested says both sides had at least two trials and the U-test ran;
	// P is its p-value, Significant is P ≤ alpha.
	Tested      bool
	P           float64
	Significant bool
	Equal       bool   // every value on both sides is the same: no change at all
	Compared    string // benchmath's "p=0.400 n=3" when Tested
	Notes       []int  // footnotes (indexes into Report.Notes)
	NotGated    string // why gates skip this metric here ("" = they apply)
	Failed      []Gate // gates this metric fails
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
	Gate   Gate
	Cell   string
	Metric string
	Base   float64 // center
	New    float64 // center, or the worst trial for a plain gate
	Change string  // as shown in the report
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
	r := &Report{
		BaseName: cmp.Or(o.BaseName, "base"), NewName: cmp.Or(o.NewName, "new"),
		Alpha: o.Alpha, Confidence: o.Confidence, Gates: slices.Clone(o.Gates),
	}
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
		r.Cells = append(r.Cells, r.cellDiff(bg, ng, withDriver, notes))
	}
	for _, ng := range nOrder {
		if !matched[ng.key] {
			r.NewOnly = append(r.NewOnly, Unmatched{Key: ng.key, Name: ng.key.Name(withDriver), N: len(ng.cells)})
		}
	}
	r.Notes = notes.list
	for _, cd := range r.Cells {
		for _, md := range cd.Metrics {
			for _, g := range md.Failed {
				f := Failure{Gate: g, Cell: cd.Name, Metric: md.Metric, Base: md.Base.Center, New: md.New.Center, Change: changeText(md)}
				if g.Kind == Plain {
					f.New = worst(g, md.New.Values)
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

func (r *Report) cellDiff(bg, ng *group, withDriver bool, notes *footnotes) CellDiff {
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
	for _, m := range metrics {
		md := MetricDiff{Metric: m.name, Label: m.label, Abs: m.abs}
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
		var warns []error
		warns = append(warns, bw...)
		warns = append(warns, nw...)
		if len(bv) >= 2 && len(nv) >= 2 {
			md.Tested = true
			if md.Equal {
				md.P = 1
				md.Compared = fmt.Sprintf("n=%d", len(bv))
				if len(bv) != len(nv) {
					md.Compared = fmt.Sprintf("n=%d+%d", len(bv), len(nv))
				}
				warns = nil // nothing to test and nothing to say
			} else {
				th := benchmath.Thresholds{CompareAlpha: r.Alpha}
				c := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(bv), &th), benchmath.NewSample(slices.Clone(nv), &th))
				md.P, md.Compared = c.P, c.String()
				md.Significant = c.P <= r.Alpha
				warns = append(warns, c.Warnings...)
			}
		}
		for _, w := range warns {
			md.Notes = notes.add(md.Notes, w.Error())
		}
		if m.name == "lost_updates" && lossExpected(bRan, nRan) {
			md.NotGated = "loss expected for " + bg.key.Strategy
		}
		md.Failed = r.failing(md)
		cd.Metrics = append(cd.Metrics, md)
	}
	return cd
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

// failing returns the gates md fails.
func (r *Report) failing(md MetricDiff) []Gate {
	if md.NotGated != "" {
		return nil
	}
	var out []Gate
	for _, g := range r.Gates {
		if g.Metric != md.Metric {
			continue
		}
		var fail bool
		switch g.Kind {
		case Plain:
			fail = g.crossed(worst(g, md.New.Values))
		case Relative:
			fail = !md.Equal && g.crossed(md.Rel) && (!md.Tested || md.Significant)
		case Absolute:
			fail = !md.Equal && g.crossed(md.Delta) && (!md.Tested || md.Significant)
		}
		if fail {
			out = append(out, g)
		}
	}
	return out
}

// worst is the value of vs most beyond a plain gate: the largest for > and
// >=, the smallest for < and <=.
func worst(g Gate, vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	if strings.HasPrefix(g.Op, ">") {
		return slices.Max(vs)
	}
	return slices.Min(vs)
}

func values(m metric, cells []*results.Cell) []float64 {
	out := make([]float64, len(cells))
	for i, c := range cells {
		out[i], _ = threshold.Value(m.of, c) // m.of is always a known metric
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
