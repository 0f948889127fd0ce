package plots

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/results"
)

// seriesKey identifies one line across the writer sweep.
type seriesKey struct {
	Driver, Strategy, Backoff string
	Rate                      float64 // open-loop target ops/s; 0 = closed loop
	Scope                     string  // a scope sweep's cells are series of their own
}

// cellKey identifies one point of a series: the cells repeated over
// trials share it.
type cellKey struct {
	seriesKey
	Writers int
}

// model is a results file digested for plotting: the cells that ran,
// grouped by series and writer count, trials together.
type model struct {
	multiDriver bool
	multiRate   bool
	multiScope  bool
	series      []seriesKey                 // sorted
	writers     []int                       // distinct writer counts, sorted
	cells       map[cellKey][]*results.Cell // trials in file order
	order       []cellKey                   // file order of first appearance
	driverIdx   map[string]int              // marker of each driver, with several
	context     string                      // driver(s) and scenario, for titles
}

func newModel(f *results.File) *model {
	m := &model{cells: map[cellKey][]*results.Cell{}}
	drivers := map[string]bool{}
	rates := map[float64]bool{}
	scopes := map[string]bool{}
	for i := range f.Cells {
		c := &f.Cells[i]
		// Every cell, skipped or not, takes part in the marker order so
		// that a driver keeps its marker whichever of its cells ran.
		drivers[c.Driver] = true
		rates[c.Rate] = true
		scopes[c.Scope] = true
		if c.Skipped != "" {
			continue
		}
		k := cellKey{seriesKey{c.Driver, c.Strategy, c.Backoff, c.Rate, c.Scope}, c.Writers}
		if _, ok := m.cells[k]; !ok {
			m.order = append(m.order, k)
		}
		m.cells[k] = append(m.cells[k], c)
	}
	m.multiDriver = len(drivers) > 1
	m.multiRate = len(rates) > 1
	m.multiScope = len(scopes) > 1

	driverNames := slices.Sorted(maps.Keys(drivers))
	m.driverIdx = index(driverNames)
	m.context = strings.Join(driverNames, ", ")
	if m.context == "" {
		m.context = "-"
	}
	if v, ok := f.Scenario["name"]; ok && v != nil && fmt.Sprint(v) != "" {
		m.context += " · " + fmt.Sprint(v)
	}

	seen := map[seriesKey]bool{}
	writers := map[int]bool{}
	for _, k := range m.order {
		writers[k.Writers] = true
		if !seen[k.seriesKey] {
			seen[k.seriesKey] = true
			m.series = append(m.series, k.seriesKey)
		}
	}
	slices.SortFunc(m.series, func(a, b seriesKey) int {
		return cmp.Or(
			cmp.Compare(slotOf(strategyOrder, a.Strategy), slotOf(strategyOrder, b.Strategy)),
			cmp.Compare(a.Strategy, b.Strategy),
			cmp.Compare(slotOf(backoffOrder, a.Backoff), slotOf(backoffOrder, b.Backoff)),
			cmp.Compare(a.Backoff, b.Backoff),
			cmp.Compare(a.Driver, b.Driver),
			cmp.Compare(a.Rate, b.Rate),
			cmp.Compare(a.Scope, b.Scope),
		)
	})
	m.writers = slices.Sorted(maps.Keys(writers))
	return m
}

// index maps each name to its position.
func index(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

// title is a chart's title: what it draws, then the file's driver(s)
// and scenario on a second line.
func (m *model) title(what string) string { return what + "\n" + m.context }

// oneLine is title on one line, for Plot.Title.
func oneLine(title string) string { return strings.Replace(title, "\n", " — ", 1) }

// measured is how long k ran, in seconds: the longest of its trials'
// measured durations, or, for a file without them, the seconds of its
// longest time series.
func (m *model) measured(k cellKey) float64 {
	d := 0.0
	for _, c := range m.cells[k] {
		if c.DurationS > 0 {
			d = max(d, c.DurationS)
		} else {
			d = max(d, float64(len(c.Timeseries)))
		}
	}
	return d
}

// inPanel names a series inside a panel of its strategy: the backoff,
// with the driver and rate when the file has several.
func (m *model) inPanel(s seriesKey) string { return m.qualify(s, s.Backoff) }

// qualify prefixes name with s's driver and suffixes its rate, when the
// file has several of them.
func (m *model) qualify(s seriesKey, name string) string {
	if m.multiDriver {
		name = s.Driver + ": " + name
	}
	if m.multiRate {
		if s.Rate > 0 {
			name += " @ " + formatSI(s.Rate) + "/s"
		} else {
			name += " (closed)"
		}
	}
	if m.multiScope {
		name += " [" + s.Scope + "]"
	}
	return name
}

// label names a series in legends: "optimistic / full-jitter", with the
// driver and rate when the file has several.
func (m *model) label(s seriesKey) string { return m.qualify(s, s.Strategy+" / "+s.Backoff) }

// cellTitle names a cell in chart titles.
func (m *model) cellTitle(k cellKey) string {
	w := "writers"
	if k.Writers == 1 {
		w = "writer"
	}
	t := fmt.Sprintf("%s, %d %s", m.label(k.seriesKey), k.Writers, w)
	if n := len(m.cells[k]); n > 1 {
		t += fmt.Sprintf(", %d trials", n)
	}
	return t
}

// cellID names a cell in chart names: "optimistic-full-jitter-w16",
// "memory-optimistic-full-jitter-w16-r500".
func (m *model) cellID(k cellKey) string {
	var parts []string
	if m.multiDriver {
		parts = append(parts, k.Driver)
	}
	parts = append(parts, k.Strategy, k.Backoff, "w"+strconv.Itoa(k.Writers))
	if m.multiRate {
		parts = append(parts, "r"+strconv.FormatFloat(k.Rate, 'f', -1, 64))
	}
	if m.multiScope {
		parts = append(parts, k.Scope)
	}
	return fileStem(strings.Join(parts, "-"))
}

// fileStem keeps letters, digits, '.', '_' and '-'; anything else
// becomes '-'.
func fileStem(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, s)
}

// stat is one point of a sweep: a metric averaged over trials.
type stat struct {
	X              float64
	Mean, Min, Max float64
	N              int
}

// sweep returns metric for series s at each writer count it ran, averaged
// over trials. Values that are NaN, infinite or (when positive is set)
// not above zero are left out, as is a point left with none.
func (m *model) sweep(s seriesKey, positive bool, metric func(*results.Cell) float64) []stat {
	var out []stat
	for _, w := range m.writers {
		st := stat{X: float64(w), Min: math.Inf(1), Max: math.Inf(-1)}
		var sum float64
		for _, c := range m.cells[cellKey{s, w}] {
			v := metric(c)
			if math.IsNaN(v) || math.IsInf(v, 0) || (positive && v <= 0) {
				continue
			}
			sum += v
			st.N++
			st.Min = min(st.Min, v)
			st.Max = max(st.Max, v)
		}
		if st.N == 0 {
			continue
		}
		st.Mean = sum / float64(st.N)
		out = append(out, st)
	}
	return out
}

// histogram merges the outcome histograms of the trials of k. It returns
// nil, nil when no trial has a non-empty one.
func (m *model) histogram(k cellKey, outcome string) (*hdrhistogram.Histogram, error) {
	var merged *hdrhistogram.Histogram
	for _, c := range m.cells[k] {
		s, ok := c.Histograms[outcome]
		if !ok || s == "" {
			continue
		}
		h, err := results.DecodeHistogram(s)
		if err != nil {
			return nil, fmt.Errorf("cell %s: histograms: %s: %w", m.cellID(k), outcome, err)
		}
		if merged == nil {
			merged = h
			continue
		}
		if dropped := merged.Merge(h); dropped > 0 {
			return nil, fmt.Errorf("cell %s: histograms: %s: merging trials dropped %d values out of range", m.cellID(k), outcome, dropped)
		}
	}
	if merged == nil || merged.TotalCount() == 0 {
		return nil, nil
	}
	return merged, nil
}

// second is one second of a cell's time series, averaged over trials.
type second struct {
	T                               float64
	Ops, Attempts, Conflicts, P99MS float64
}

// timeseries averages the trials of k second by second. Points after a
// trial's measured duration are left out.
func (m *model) timeseries(k cellKey) []second {
	type acc struct {
		second
		n int
	}
	by := map[float64]*acc{}
	for _, c := range m.cells[k] {
		for _, p := range c.Timeseries {
			if c.DurationS > 0 && p.T > math.Ceil(c.DurationS) {
				// After the measured window: ops in flight at the
				// deadline, not a second of the measurement.
				continue
			}
			a := by[p.T]
			if a == nil {
				a = &acc{second: second{T: p.T}}
				by[p.T] = a
			}
			a.Ops += float64(p.Ops)
			a.Attempts += float64(p.Attempts)
			a.Conflicts += float64(p.Conflicts)
			a.P99MS += p.P99MS
			a.n++
		}
	}
	out := make([]second, 0, len(by))
	for _, t := range slices.Sorted(maps.Keys(by)) {
		a := by[t]
		n := float64(a.n)
		out = append(out, second{T: t, Ops: a.Ops / n, Attempts: a.Attempts / n, Conflicts: a.Conflicts / n, P99MS: a.P99MS / n})
	}
	return out
}
