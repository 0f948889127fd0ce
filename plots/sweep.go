package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/occbench/occbench/results"
)

// xys returns the means of sts as points.
func xys(sts []stat) plotter.XYs {
	out := make(plotter.XYs, len(sts))
	for i, s := range sts {
		out[i] = plotter.XY{X: s.X, Y: s.Mean}
	}
	return out
}

// toAxes moves sts to the chart's coordinates: x = wx(writers) and, on a
// log y axis, y = lg(value).
func toAxes(sts []stat, logY bool) []stat {
	out := make([]stat, len(sts))
	for i, s := range sts {
		s.X = wx(int(s.X))
		if logY {
			s.Mean, s.Min, s.Max = lg(s.Mean), lg(s.Min), lg(s.Max)
		}
		out[i] = s
	}
	return out
}

// errorBars returns min/max bars for the points of sts averaged over
// more than one trial, or nil when there are none.
func errorBars(sts []stat, c color.Color) (*plotter.YErrorBars, error) {
	var pts struct {
		plotter.XYs
		plotter.YErrors
	}
	for _, s := range sts {
		if s.N < 2 {
			continue
		}
		pts.XYs = append(pts.XYs, plotter.XY{X: s.X, Y: s.Mean})
		pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{s.Mean - s.Min, s.Max - s.Mean})
	}
	if len(pts.XYs) == 0 {
		return nil, nil
	}
	b, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, err
	}
	b.LineStyle = draw.LineStyle{Color: c, Width: 1.2}
	b.CapWidth = 6
	return b, nil
}

// yRange tracks the range of the values drawn, for axes whose range is
// set by hand.
type yRange struct{ lo, hi float64 }

func newYRange() yRange { return yRange{math.Inf(1), math.Inf(-1)} }

func (r *yRange) add(sts []stat) {
	for _, s := range sts {
		r.lo = min(r.lo, s.Min)
		r.hi = max(r.hi, s.Max)
	}
}

func (r yRange) empty() bool { return r.lo > r.hi }

// sweepSpec is one chart across the writer sweep: a metric per series.
type sweepSpec struct {
	kind, name string // Plot.Kind; Name is kind-name
	what       string // title: what is drawn
	yLabel     string
	logY       bool
	format     func(float64) string
	value      func(*results.Cell) float64 // NaN: no value
	bars       bool                        // min/max over trials
}

func sweepSpecs() []sweepSpec {
	pct := func(v float64) string { return trimFloat(v) + "%" }
	recovery := func(c *results.Cell) float64 {
		if c.RecoveryMS == nil || c.RecoveryMS.Ops == 0 {
			return math.NaN()
		}
		return c.RecoveryMS.P99
	}
	return []sweepSpec{
		{KindThroughput, "committed", "Committed ops/s vs writers", "committed ops/s (log scale)", true, formatSI,
			func(c *results.Cell) float64 { return c.ThroughputOpsS }, true},
		{KindLatency, "p50", "Op latency p50 vs writers", "p50 op latency (ms, log scale)", true, trimFloat,
			func(c *results.Cell) float64 { return c.LatencyMS.P50 }, true},
		{KindLatency, "p99", "Op latency p99 vs writers", "p99 op latency (ms, log scale)", true, trimFloat,
			func(c *results.Cell) float64 { return c.LatencyMS.P99 }, true},
		{KindLatency, "p999", "Op latency p99.9 vs writers", "p99.9 op latency (ms, log scale)", true, trimFloat,
			func(c *results.Cell) float64 { return c.LatencyMS.P999 }, true},
		{KindAttempts, "amplification", "Retry amplification (attempts ÷ committed ops) vs writers", "attempts per committed op (log scale)", true, trimFloat,
			func(c *results.Cell) float64 { return c.Amplification }, true},
		{KindAttempts, "conflicts", "Conflict ratio (conflicts ÷ attempts) vs writers", "conflicts (% of attempts)", false, pct,
			func(c *results.Cell) float64 { return 100 * c.ConflictRatio }, true},
		{KindRecovery, "p99", "Conflict recovery p99 (first conflict to commit) vs writers", "p99 recovery (ms, log scale)", true, trimFloat,
			recovery, true},
	}
}

// panelGroups splits the series into the panels of a chart: one panel
// when there are at most MaxSeries, else one per strategy, and, when a
// strategy still has too many, one per strategy, driver and rate.
func (m *model) panelGroups(series []seriesKey) [][]seriesKey {
	if len(series) <= MaxSeries {
		return [][]seriesKey{series}
	}
	split := func(key func(seriesKey) string) ([][]seriesKey, bool) {
		var out [][]seriesKey
		at := map[string]int{}
		fits := true
		for _, s := range series {
			k := key(s)
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				out = append(out, nil)
			}
			out[i] = append(out[i], s)
			fits = fits && len(out[i]) <= MaxSeries
		}
		return out, fits
	}
	if g, ok := split(func(s seriesKey) string { return s.Strategy }); ok {
		return g
	}
	g, _ := split(func(s seriesKey) string {
		return s.Strategy + "\x00" + s.Driver + "\x00" + strconv.FormatFloat(s.Rate, 'g', -1, 64)
	})
	return g
}

// panelName titles the panel of group g: its strategy, with its driver
// and rate when the panels are split by them.
func (m *model) panelName(g []seriesKey) string {
	s := g[0]
	name := s.Strategy
	for _, o := range g[1:] {
		if o.Driver != s.Driver || o.Rate != s.Rate {
			return name
		}
	}
	return m.qualify(s, name)
}

// panelled makes a Plot of the panels drawn for groups: P when there is
// one (its legend naming each series), else small multiples sharing the
// y range, each titled in its strategy's colour, and one legend naming
// the lines by backoff.
func (m *model) panelled(name, kind, title string, groups [][]seriesKey, panels []*plot.Plot, legendOf func(s seriesKey, neutral bool) []plot.Thumbnailer, extra func(*plot.Legend)) Plot {
	out := Plot{Name: name, Kind: kind, Title: oneLine(title)}
	if len(panels) == 1 {
		p := panels[0]
		p.Title.Text = title
		for _, s := range groups[0] {
			if th := legendOf(s, false); th != nil {
				p.Legend.Add(m.label(s), th...)
			}
		}
		if extra != nil {
			extra(&p.Legend)
		}
		out.P = p
		return out
	}
	leg := plot.NewLegend()
	styleLegend(&leg)
	leg.Add("backoff")
	seen := map[string]bool{}
	for _, g := range groups {
		for _, s := range g {
			l := m.inPanel(s)
			if seen[l] {
				continue
			}
			if th := legendOf(s, true); th != nil {
				seen[l] = true
				leg.Add(l, th...)
			}
		}
	}
	if extra != nil {
		extra(&leg)
	}
	for i, p := range panels {
		p.Title.Text = m.panelName(groups[i])
		p.Title.TextStyle.Font = sans(panelSz)
		p.Title.TextStyle.Color = m.colourOf(groups[i][0])
		p.Title.Padding = vg.Points(4)
	}
	shareY(panels)
	out.Panels, out.Legend = panels, &leg
	return out
}

// sweepChart draws s for every series against writers; nil when no
// series has a value.
func sweepChart(m *model, s sweepSpec) (*Plot, error) {
	groups := m.panelGroups(m.series)
	title := m.title(s.what)
	var panels []*plot.Plot
	drawn := map[seriesKey]bool{}
	any := false
	for _, g := range groups {
		p := newPlot("", "writers", s.yLabel)
		r := newYRange()
		for _, sk := range g {
			sts := m.sweep(sk, s.logY, s.value)
			if len(sts) == 0 {
				continue
			}
			drawn[sk] = true
			r.add(sts)
			sts = toAxes(sts, s.logY)
			pts := xys(sts)
			c := m.colourOf(sk)
			p.Add(line(pts, c, m.dashesOf(sk)), marks(pts, c, m.shapeOf(sk)))
			if s.bars {
				b, err := errorBars(sts, c)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", s.what, m.label(sk), err)
				}
				if b != nil {
					p.Add(b)
				}
			}
		}
		setWriters(p, m.writers)
		if r.empty() {
			r = yRange{1, 10}
		} else {
			any = true
		}
		if s.logY {
			setLogY(p, r.lo, r.hi, s.format)
		} else {
			p.Y.Tick.Marker = tickFunc(s.format)
			p.Y.Min, p.Y.Max = 0, max(r.hi*1.08, 1e-9)
			if r.hi <= 0 {
				p.Y.Max = 1
			}
		}
		panels = append(panels, p)
	}
	if !any {
		return nil, nil
	}
	pl := m.panelled(s.kind+"-"+s.name, s.kind, title, groups, panels, func(sk seriesKey, neutral bool) []plot.Thumbnailer {
		if !drawn[sk] {
			return nil
		}
		c := m.colourOf(sk)
		if neutral {
			c = ink
		}
		return []plot.Thumbnailer{line(nil, c, m.dashesOf(sk)), marks(nil, c, m.shapeOf(sk))}
	}, nil)
	return &pl, nil
}

// tickFunc labels default linear ticks with format.
func tickFunc(format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = format(ts[i].Value)
			}
		}
		return ts
	})
}

// spectrumSweepPlot draws the committed latency spectrum of every series
// at w writers; nil when none has one.
func spectrumSweepPlot(m *model, w int) (*Plot, error) {
	wl := "writers"
	if w == 1 {
		wl = "writer"
	}
	var series []seriesKey
	for _, s := range m.series {
		if _, ok := m.cells[cellKey{s, w}]; ok {
			series = append(series, s)
		}
	}
	groups := m.panelGroups(series)
	title := m.title(fmt.Sprintf("Op latency by percentile, %d %s", w, wl))
	var panels []*plot.Plot
	drawn := map[seriesKey]bool{}
	all := newYRange()
	xmax := 1.0
	for _, g := range groups {
		p := newPlot("", "percentile", "op latency (ms, log scale)")
		for _, s := range g {
			h, err := m.histogram(cellKey{s, w}, results.HistCommitted)
			if err != nil {
				return nil, err
			}
			pts := spectrum(h, usPerMS)
			if len(pts) == 0 {
				continue
			}
			drawn[s] = true
			for _, pt := range pts {
				all.lo, all.hi = min(all.lo, pt.Y), max(all.hi, pt.Y)
				xmax = max(xmax, pt.X)
			}
			c := m.colourOf(s)
			lp := logYs(pts)
			p.Add(line(lp, c, m.dashesOf(s)), marks(ninesPoints(lp), c, m.shapeOf(s)))
		}
		panels = append(panels, p)
	}
	if all.empty() {
		return nil, nil
	}
	for _, p := range panels {
		setNines(p, xmax)
		setLogY(p, all.lo, all.hi, trimFloat)
	}
	pl := m.panelled("spectrum-w"+strconv.Itoa(w), KindSpectrum, title, groups, panels, func(s seriesKey, neutral bool) []plot.Thumbnailer {
		if !drawn[s] {
			return nil
		}
		c := m.colourOf(s)
		if neutral {
			c = ink
		}
		return []plot.Thumbnailer{line(nil, c, m.dashesOf(s)), marks(nil, c, m.shapeOf(s))}
	}, nil)
	return &pl, nil
}

// ninesPoints picks the points of a spectrum (x in nines) to mark: the
// first at or past 50%, 90%, 99%, 99.9%, … and the last (the maximum).
func ninesPoints(pts plotter.XYs) plotter.XYs {
	var out plotter.XYs
	next := []float64{-math.Log10(0.5), 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for i, pt := range pts {
		if len(next) > 0 && pt.X >= next[0]-1e-9 {
			out = append(out, pt)
			for len(next) > 0 && pt.X >= next[0]-1e-9 {
				next = next[1:]
			}
			continue
		}
		if i == len(pts)-1 {
			out = append(out, pt)
		}
	}
	return out
}
