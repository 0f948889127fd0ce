package results

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Verdict answers the question a sweep asks, from its cells alone: in
// each group of cells that differ only by strategy, backoff and trial
// (normally one writers count), which strategy × backoff has the highest
// goodput (committed ops/s) and which the lowest p99 of committed ops,
// and whether the lead over the next best is more than noise.
type Verdict struct {
	Groups []VerdictGroup
	// Trials is the largest number of trials of a combination: 1 when
	// the file has single runs, whose differences are not tested.
	Trials int
	// Excluded says which cells cannot be best and why, e.g. "2 cells
	// skipped", "4 cells lost updates (lww: unconditional writes)".
	Excluded []string
}

// VerdictGroup is one group of cells: one writers count, with the driver,
// rate, scope, on_conflict and keys when they vary in the file.
type VerdictGroup struct {
	Label    string // "16 writers", "16 writers, driver redis"
	Eligible int    // strategy × backoff combinations that may be best
	// Goodput and P99 are the best eligible combination on each; nil
	// when none is eligible.
	Goodput, P99 *Best
}

// Best is the best combination of a group on one measure.
type Best struct {
	Name  string  // strategy/backoff
	Value float64 // the median over its trials
	// Next is the runner-up ("" when the best is the only eligible
	// combination), NextValue its median, and Noise the U-test of the
	// best's trials against the runner-up's.
	Next      string
	NextValue float64
	Noise     NoiseResult
}

// combo is one strategy × backoff of a group, with its trials.
type combo struct {
	name  string
	cells []*Cell
	why   string // reason it cannot be best; "" when eligible
}

// groupKey is what a verdict group's cells share.
type groupKey struct {
	driver     string
	writers    int
	rate       float64
	scope      string
	onConflict string
	keys       int
}

// ineligible says why c cannot be best, "" when it can: it was skipped,
// failed its audit or has none, lost updates (even as its strategy
// allows), committed nothing, or was cut short by an interrupt.
func ineligible(c *Cell) string {
	switch {
	case c.Skipped != "":
		return "skipped"
	case unexpected(c):
		return "failed the audit"
	case NoVerdict(c):
		return "without an audit verdict"
	case c.Audit.LostUpdates > 0:
		return "lost updates"
	case c.Ops == 0:
		return "committed nothing"
	case c.Interrupted:
		return "cut short (interrupted)"
	}
	return ""
}

// ineligibleOrder is the order of the reasons in Verdict.Excluded.
var ineligibleOrder = []string{"failed the audit", "lost updates", "without an audit verdict", "committed nothing", "cut short (interrupted)", "skipped"}

// VerdictOf works out f's verdict. Cells keep their order: groups and
// combinations come in the order of their first cell, and ties go to
// the first.
func VerdictOf(f *File) Verdict {
	var keys []groupKey
	groups := map[groupKey][]*combo{}
	excluded := map[string]int{}
	lossBy := map[string]bool{}
	v := Verdict{Trials: 1}
	for i := range f.Cells {
		c := &f.Cells[i]
		k := groupKey{c.Driver, c.Writers, c.Rate, c.Scope, c.OnConflict, c.Keys}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
			groups[k] = nil
		}
		name := c.Strategy + "/" + c.Backoff
		j := slices.IndexFunc(groups[k], func(x *combo) bool { return x.name == name })
		if j < 0 {
			groups[k] = append(groups[k], &combo{name: name})
			j = len(groups[k]) - 1
		}
		cb := groups[k][j]
		cb.cells = append(cb.cells, c)
		v.Trials = max(v.Trials, len(cb.cells))
		if why := ineligible(c); why != "" {
			excluded[why]++
			if why == "lost updates" {
				lossBy[c.Strategy] = true
			}
			if cb.why == "" {
				cb.why = why
			}
		}
	}
	for _, why := range ineligibleOrder {
		n := excluded[why]
		if n == 0 {
			continue
		}
		s := plural(n, "cell") + " " + why
		if why == "lost updates" {
			var parts []string
			for _, st := range slices.Sorted(maps.Keys(lossBy)) {
				parts = append(parts, st+": "+LossReason(st))
			}
			s += " (" + strings.Join(parts, "; ") + ")"
		}
		v.Excluded = append(v.Excluded, s)
	}
	label := groupLabeler(keys)
	for _, k := range keys {
		g := VerdictGroup{Label: label(k)}
		var ok []*combo
		for _, cb := range groups[k] {
			if cb.why == "" {
				ok = append(ok, cb)
			}
		}
		g.Eligible = len(ok)
		if len(ok) > 0 {
			g.Goodput = best(ok, func(c *Cell) float64 { return c.ThroughputOpsS }, true)
			g.P99 = best(ok, func(c *Cell) float64 { return c.LatencyMS.P99 }, false)
		}
		v.Groups = append(v.Groups, g)
	}
	return v
}

// best picks the combination with the highest (or lowest) median of of,
// and tests it against the runner-up.
func best(cs []*combo, of func(*Cell) float64, highest bool) *Best {
	type ranked struct {
		name   string
		values []float64
		median float64
	}
	rs := make([]ranked, len(cs))
	for i, cb := range cs {
		vs := make([]float64, len(cb.cells))
		for j, c := range cb.cells {
			vs[j] = of(c)
		}
		rs[i] = ranked{cb.name, vs, Median(vs)}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if highest {
			return rs[i].median > rs[j].median
		}
		return rs[i].median < rs[j].median
	})
	b := &Best{Name: rs[0].name, Value: rs[0].median, Noise: NoiseResult{P: 1, N1: len(rs[0].values)}}
	if len(rs) > 1 {
		b.Next, b.NextValue = rs[1].name, rs[1].median
		b.Noise = NoiseTest(rs[0].values, rs[1].values, NoiseAlpha)
	}
	return b
}

// Median is the median of vs, NaN when vs is empty; vs is not
// modified. (Shared by verdicts, capacity, tune-backoff and advise.)
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// groupLabeler returns a function naming a group: its writers count,
// then each other dimension that varies among keys.
func groupLabeler(keys []groupKey) func(groupKey) string {
	varies := func(f func(groupKey) string) bool {
		for _, k := range keys {
			if f(k) != f(keys[0]) {
				return true
			}
		}
		return false
	}
	type dim struct {
		show bool
		text func(groupKey) string
	}
	dims := []dim{
		{true, func(k groupKey) string { return plural(k.writers, "writer") }},
		{false, func(k groupKey) string {
			if k.rate == 0 {
				return "closed loop"
			}
			return "rate " + FormatCount(k.rate) + "/s"
		}},
		{false, func(k groupKey) string { return "driver " + k.driver }},
		{false, func(k groupKey) string { return "scope " + k.scope }},
		{false, func(k groupKey) string { return "on_conflict " + k.onConflict }},
		{false, func(k groupKey) string { return plural(k.keys, "key") }},
	}
	for i := 1; i < len(dims); i++ {
		dims[i].show = varies(dims[i].text)
	}
	return func(k groupKey) string {
		var parts []string
		for _, d := range dims {
			if d.show {
				parts = append(parts, d.text(k))
			}
		}
		return strings.Join(parts, ", ")
	}
}

// plural is "1 cell", "3 cells".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Lines words the verdict as plain text, one line per group and then
// notes on noise and on the cells that cannot be best: "16 writers:
// goodput lease/full-jitter 1,990 ops/s; p99 pessimistic/full-jitter
// 6.50 ms".
func (v Verdict) Lines() (groups, notes []string) {
	return v.lines(func(s string) string { return s })
}

// lines is Lines with code wrapping combination names (backticks in
// markdown).
func (v Verdict) lines(code func(string) string) (groups, notes []string) {
	for _, g := range v.Groups {
		switch {
		case g.Eligible == 0:
			groups = append(groups, g.Label+": no cell can be best (see below)")
		case g.Eligible == 1:
			groups = append(groups, fmt.Sprintf("%s: only %s can be best: %s ops/s, p99 %s ms",
				g.Label, code(g.Goodput.Name), FormatCount(g.Goodput.Value), FormatMS(g.P99.Value)))
		default:
			groups = append(groups, fmt.Sprintf("%s: goodput %s %s ops/s%s; p99 %s %s ms%s", g.Label,
				code(g.Goodput.Name), FormatCount(g.Goodput.Value), noiseText(g.Goodput, code, func(x float64) string { return FormatCount(x) }),
				code(g.P99.Name), FormatMS(g.P99.Value), noiseText(g.P99, code, FormatMS)))
		}
	}
	if v.Trials <= 1 {
		notes = append(notes, fmt.Sprintf("differences not tested: 1 trial per cell (--trials %d or more tests them)", MinTrials(NoiseAlpha)))
	} else {
		notes = append(notes, fmt.Sprintf("medians of %d trials; \"~\": within noise (Mann-Whitney U-test at alpha %v, as occbench compare)", v.Trials, NoiseAlpha))
	}
	if len(v.Excluded) > 0 {
		notes = append(notes, "cannot be best: "+strings.Join(v.Excluded, "; "))
	}
	return groups, notes
}

// noiseText is the lead of b over its runner-up, with trials: " (~
// optimistic/expo 1,950: within noise, p=0.400 n=5)", " (ahead of
// optimistic/expo 1,500: p=0.008 n=5)", " (optimistic/expo 1,950 next:
// n=3 too few to test)"; "" for single runs.
func noiseText(b *Best, code func(string) string, format func(float64) string) string {
	if b.Next == "" {
		return ""
	}
	next := code(b.Next) + " " + format(b.NextValue)
	n := sampleSizes(b.Noise.N1, b.Noise.N2)
	switch b.Noise.Noise {
	case TooFew:
		return fmt.Sprintf(" (%s next: %s too few to test)", next, n)
	case WithinNoise:
		return fmt.Sprintf(" (~ %s: within noise, p=%.3f %s)", next, b.Noise.P, n)
	case Significant:
		return fmt.Sprintf(" (ahead of %s: p=%.3f %s)", next, b.Noise.P, n)
	}
	return ""
}

// sampleSizes is the sample sizes as benchmath shows them: "n=3",
// "n=3+4".
func sampleSizes(n1, n2 int) string {
	if n1 == n2 {
		return "n=" + strconv.Itoa(n1)
	}
	return "n=" + strconv.Itoa(n1) + "+" + strconv.Itoa(n2)
}
