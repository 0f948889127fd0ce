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

// metricLine is one metric drawn per series in a sweep chart.
type metricLine struct {
	name   string // legend key, "" for none
	dashes []vg.Length
	marks  bool
	bars   bool // min/max over trials
	value  func(*results.Cell) float64
}

// sweepPlot draws metrics for every series against writers. It returns
// nil when no series has a value to draw.
func sweepPlot(m *model, title, yLabel string, logY bool, format func(float64) string, metrics []metricLine) (*plot.Plot, error) {
	p := newPlot(title, "writers", yLabel)
	r := newYRange()
	for _, s := range m.series {
		c := m.colourOf(s)
		var thumbs []plot.Thumbnailer
		for _, ml := range metrics {
			sts := m.sweep(s, logY, ml.value)
			if len(sts) == 0 {
				continue
			}
			r.add(sts)
			sts = toAxes(sts, logY)
			pts := xys(sts)
			l := line(pts, c, ml.dashes)
			p.Add(l)
			if ml.marks {
				sc := marks(pts, c, m.shapeOf(s))
				p.Add(sc)
				if thumbs == nil {
					thumbs = []plot.Thumbnailer{line(nil, c, nil), sc}
				}
			}
			if ml.bars {
				b, err := errorBars(sts, c)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", title, m.label(s), err)
				}
				if b != nil {
					p.Add(b)
				}
			}
		}
		if thumbs != nil {
			p.Legend.Add(m.label(s), thumbs...)
		}
	}
	if r.empty() {
		return nil, nil
	}
	if len(metrics) > 1 {
		for _, ml := range metrics {
			if ml.name != "" {
				p.Legend.Add(ml.name, keyLine(ml.dashes))
			}
		}
	}
	setWriters(p, m.writers)
	if logY {
		setLogY(p, r.lo, r.hi, format)
	} else {
		p.Y.Tick.Marker = tickFunc(format)
		p.Y.Min = 0
		p.Y.Max = r.hi * 1.08
		if p.Y.Max <= 0 {
			p.Y.Max = 1
		}
	}
	return p, nil
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

func throughputPlot(m *model) (*plot.Plot, error) {
	return sweepPlot(m, "Throughput: committed ops/s (solid) and attempts/s (dashed)",
		"per second (log scale)", true, formatSI, []metricLine{
			{name: "committed ops/s", marks: true, bars: true, value: func(c *results.Cell) float64 { return c.ThroughputOpsS }},
			{name: "attempts/s", dashes: dashed(), bars: true, value: func(c *results.Cell) float64 { return c.AttemptsS }},
		})
}

func conflictPlot(m *model) (*plot.Plot, error) {
	return sweepPlot(m, "Conflict ratio (conflicts ÷ attempts)", "conflicts (% of attempts)", false,
		func(v float64) string { return trimFloat(v) + "%" }, []metricLine{
			{marks: true, bars: true, value: func(c *results.Cell) float64 { return 100 * c.ConflictRatio }},
		})
}

func latencyPlot(m *model) (*plot.Plot, error) {
	return sweepPlot(m, "Op latency: p50 (solid), p99 (dashed), p99.9 (dotted)", "latency (ms, log scale)", true, trimFloat,
		[]metricLine{
			{name: "p50", marks: true, bars: true, value: func(c *results.Cell) float64 { return c.LatencyMS.P50 }},
			{name: "p99", dashes: dashed(), bars: true, value: func(c *results.Cell) float64 { return c.LatencyMS.P99 }},
			{name: "p99.9", dashes: dotted(), bars: true, value: func(c *results.Cell) float64 { return c.LatencyMS.P999 }},
		})
}

// spectrumSweepPlot draws the committed latency spectrum of every series
// at w writers; nil when none has one.
func spectrumSweepPlot(m *model, w int) (*Plot, error) {
	wl := "writers"
	if w == 1 {
		wl = "writer"
	}
	title := fmt.Sprintf("Op latency by percentile, %d %s", w, wl)
	p := newPlot(title, "percentile", "latency (ms, log scale)")
	r := newYRange()
	xmax := 1.0
	for _, s := range m.series {
		k := cellKey{s, w}
		if _, ok := m.cells[k]; !ok {
			continue
		}
		h, err := m.histogram(k, results.HistCommitted)
		if err != nil {
			return nil, err
		}
		pts := spectrum(h, usPerMS)
		if len(pts) == 0 {
			continue
		}
		for _, pt := range pts {
			r.lo, r.hi = min(r.lo, pt.Y), max(r.hi, pt.Y)
			xmax = max(xmax, pt.X)
		}
		c := m.colourOf(s)
		l := line(logYs(pts), c, nil)
		p.Add(l)
		p.Legend.Add(m.label(s), l)
	}
	if r.empty() {
		return nil, nil
	}
	setNines(p, xmax)
	setLogY(p, r.lo, r.hi, trimFloat)
	return &Plot{Name: "spectrum-w" + strconv.Itoa(w), Title: title, P: p}, nil
}
