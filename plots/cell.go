package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/occbench/occbench/results"
)

// usPerMS converts histogram values (µs) to ms.
const usPerMS = 1000

// ticksPerHalfDistance is the density of the spectrum's points, as in
// HdrHistogram's percentile output (5 per halving of the distance to
// 100%).
const ticksPerHalfDistance = 5

// spectrum returns h's percentile spectrum: x = -log10(1-q), y = value ÷
// scale, from the HdrHistogram percentile iteration. The 100% row (x = ∞)
// becomes the maximum at q = 1 - 1/count, x = log10(count). Points whose
// value is not above zero are left out (the y axis is logarithmic). A nil
// histogram has no points.
func spectrum(h *hdrhistogram.Histogram, scale float64) plotter.XYs {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	var pts plotter.XYs
	lastX := math.Inf(-1)
	for _, b := range h.CumulativeDistributionWithTicks(ticksPerHalfDistance) {
		if b.Quantile >= 100 {
			continue
		}
		x := -math.Log10(1 - b.Quantile/100)
		y := float64(b.ValueAt) / scale
		if y <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
		lastX = x
	}
	if y := float64(h.Max()) / scale; y > 0 {
		x := math.Log10(float64(h.TotalCount()))
		if x <= lastX {
			x = lastX
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts
}

// logYs returns pts with y = lg(y), for a log y axis.
func logYs(pts plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		out[i] = plotter.XY{X: pt.X, Y: lg(pt.Y)}
	}
	return out
}

// setNines makes p's x axis the percentile axis of a spectrum, from 0% to
// at least 99% (x = 2).
func setNines(p *plot.Plot, xmax float64) {
	p.X.Min = 0
	p.X.Max = max(2, xmax*1.02)
	p.X.Tick.Marker = ninesTicks{}
}

// cellPlots returns the charts of one cell: spectrum, attempts per op and
// time series, each when the cell has the data (time series: when it ran
// MinTimeseriesS or longer).
func cellPlots(m *model, k cellKey) ([]Plot, error) {
	id := m.cellID(k)
	name := m.cellTitle(k)
	var out []Plot
	add := func(kind, title string, p *plot.Plot) {
		if p != nil {
			p.Title.Text = title
			out = append(out, Plot{Name: kind + "-" + id, Kind: kind, Title: oneLine(title), P: p, Cell: id})
		}
	}

	title := m.title("Latency by percentile: " + name)
	p, err := cellSpectrum(m, k, title)
	if err != nil {
		return nil, err
	}
	add(KindSpectrum, title, p)

	title = m.title("Attempts per committed op: " + name)
	p, err = cellAttempts(m, k, title)
	if err != nil {
		return nil, err
	}
	add(KindAttempts, title, p)

	if m.measured(k) >= MinTimeseriesS {
		if ts := m.timeseries(k); len(ts) > 0 {
			title = m.title("Per second: " + name)
			leg := plot.NewLegend()
			styleLegend(&leg)
			rates, p99 := cellRates(m, k, ts, &leg), cellP99(m, k, ts, &leg)
			pl := Plot{Name: KindTimeseries + "-" + id, Kind: KindTimeseries, Title: oneLine(title), Cell: id, Stack: true}
			for _, q := range []*plot.Plot{rates, p99} {
				if q != nil {
					pl.Panels = append(pl.Panels, q)
				}
			}
			if rates != nil && p99 != nil {
				rates.X.Label.Text = ""
			}
			if shade := newFaultShade(m.faultWindows(k)); shade != nil {
				leg.Add(faultLegend, shade)
			}
			pl.Legend = &leg
			out = append(out, pl)
		}
	}
	return out, nil
}

func cellSpectrum(m *model, k cellKey, title string) (*plot.Plot, error) {
	c := m.colourOf(k.seriesKey)
	outcomes := []struct {
		outcome, label string
		colour         color.Color
		dashes         []vg.Length
		glyph          draw.GlyphDrawer
	}{
		{results.HistCommitted, "op latency (committed)", c, nil, draw.CircleGlyph{}},
		{results.HistAttempt, "single attempt", c, dashed(), draw.RingGlyph{}},
		{results.HistGaveUp, "ops that gave up", neutral, dotted(), draw.CrossGlyph{}},
	}
	p := newPlot(title, "percentile", "latency (ms, log scale)")
	r := newYRange()
	xmax := 1.0
	committed := false
	for _, o := range outcomes {
		h, err := m.histogram(k, o.outcome)
		if err != nil {
			return nil, err
		}
		pts := spectrum(h, usPerMS)
		if len(pts) == 0 {
			continue
		}
		committed = committed || o.outcome == results.HistCommitted
		for _, pt := range pts {
			r.lo, r.hi = min(r.lo, pt.Y), max(r.hi, pt.Y)
			xmax = max(xmax, pt.X)
		}
		lp := logYs(pts)
		l := line(lp, o.colour, o.dashes)
		at := ninesPoints(lp)
		if h.TotalCount() < 10 {
			at = lp // too few ops for a line: mark each point
		}
		sc := marks(at, o.colour, o.glyph)
		p.Add(l, sc)
		thumbs := []plot.Thumbnailer{l, sc}
		p.Legend.Add(fmt.Sprintf("%s (n=%s)", o.label, formatSI(float64(h.TotalCount()))), thumbs...)
	}
	if !committed {
		return nil, nil
	}
	setNines(p, xmax)
	setLogY(p, r.lo, r.hi, trimFloat)
	return p, nil
}

// attemptBucket is a bar of the attempts-per-op chart.
type attemptBucket struct {
	lo, hi int64 // inclusive
	label  string
}

// attemptBuckets returns the bars of the attempts-per-op chart: one per
// attempt count up to 5, then ranges.
func attemptBuckets() []attemptBucket {
	return []attemptBucket{
		{1, 1, "1"}, {2, 2, "2"}, {3, 3, "3"}, {4, 4, "4"}, {5, 5, "5"},
		{6, 10, "6–10"}, {11, 20, "11–20"}, {21, 50, "21–50"}, {51, 100, "51–100"},
		{101, 1000, "101–1k"}, {1001, 10000, "1k–10k"}, {10001, math.MaxInt64, ">10k"},
	}
}

func cellAttempts(m *model, k cellKey, title string) (*plot.Plot, error) {
	h, err := m.histogram(k, results.HistAttempts)
	if err != nil || h == nil {
		return nil, err
	}
	buckets := attemptBuckets()
	counts := make([]int64, len(buckets))
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		for i, ab := range buckets {
			if b.From >= ab.lo && b.From <= ab.hi || (i == 0 && b.From < 1) {
				counts[i] += b.Count
				break
			}
		}
	}
	n := len(counts)
	for n > 1 && counts[n-1] == 0 {
		n--
	}
	// Keep at least the first three bars so that a cell that never
	// retried still reads as "all at 1".
	n = max(n, 3)
	total := float64(h.TotalCount())
	shares := make([]float64, n)
	for i := range shares {
		shares[i] = math.NaN()
	}
	labels := make([]string, n)
	var pts plotter.XYs
	var texts []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range n {
		labels[i] = buckets[i].label
		if counts[i] == 0 {
			continue
		}
		share := 100 * float64(counts[i]) / total
		lo, hi = min(lo, share), max(hi, share)
		shares[i] = lg(share)
		pts = append(pts, plotter.XY{X: float64(i), Y: shares[i]})
		texts = append(texts, formatSI(float64(counts[i])))
	}
	p := newPlot(title, "attempts per committed op", "share of committed ops (%, log scale)")
	p.NominalX(labels...)
	// From at most 1% (so that a lone bar at 100% still reads as a bar)
	// to room above the tallest bar for its count; no label above 100%.
	p.Y.Tick.Marker = log10Ticks{format: func(v float64) string {
		if v > 100 {
			return ""
		}
		return trimFloat(v) + "%"
	}}
	p.Y.Min, p.Y.Max = lg(min(1, lo/3)), lg(hi*2.5)
	p.Add(&bars{vals: shares, colour: m.colourOf(k.seriesKey)})
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: texts})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", title, err)
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].Font = sans(tickSz)
		lbl.TextStyle[i].Color = ink
		lbl.TextStyle[i].XAlign = draw.XCenter
	}
	lbl.Offset = vg.Point{Y: 3}
	p.Add(lbl)
	p.X.Min, p.X.Max = -0.6, float64(n)-0.4
	p.Legend.Add("committed ops (count above bar), n="+formatSI(total), &bars{colour: m.colourOf(k.seriesKey)})
	return p, nil
}

// bars draws one bar per value at x = 0, 1, …, from the bottom of the
// y axis (which may be logarithmic, so there is no zero to start from).
// NaN values are not drawn.
type bars struct {
	vals   []float64
	colour color.Color
}

const barWidth = 0.7 // in x units

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	c.SetColor(b.colour)
	for i, v := range b.vals {
		if math.IsNaN(v) || v <= p.Y.Min {
			continue
		}
		x0, x1 := trX(float64(i)-barWidth/2), trX(float64(i)+barWidth/2)
		y0, y1 := trY(p.Y.Min), trY(v)
		c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}.Path())
	}
}

// Thumbnail draws a small bar in a legend.
func (b *bars) Thumbnail(c *draw.Canvas) {
	c.SetColor(b.colour)
	r := c.Rectangle
	w := r.Size().X
	r.Min.X += w / 4
	r.Max.X -= w / 4
	c.Fill(r.Path())
}

// cellRates draws ops/s, attempts/s and conflicts/s per second, over the
// shaded windows of the cell's faults.
func cellRates(m *model, k cellKey, ts []second, leg *plot.Legend) *plot.Plot {
	if len(ts) == 0 {
		return nil
	}
	c := m.colourOf(k.seriesKey)
	p := newPlot("", "time (s)", "per second")
	shade := newFaultShade(m.faultWindows(k))
	if shade != nil {
		p.Add(shade)
	}
	series := []struct {
		label  string
		colour color.Color
		dashes []vg.Length
		glyph  draw.GlyphDrawer
		value  func(second) float64
	}{
		{"committed ops/s", c, nil, draw.CircleGlyph{}, func(s second) float64 { return s.Ops }},
		{"attempts/s", c, dashed(), draw.RingGlyph{}, func(s second) float64 { return s.Attempts }},
		{"conflicts/s", neutral, dotted(), draw.CrossGlyph{}, func(s second) float64 { return s.Conflicts }},
	}
	hi := 0.0
	for _, s := range series {
		pts := make(plotter.XYs, len(ts))
		for i, t := range ts {
			pts[i] = plotter.XY{X: t.T, Y: s.value(t)}
			hi = max(hi, pts[i].Y)
		}
		l := line(pts, s.colour, s.dashes)
		sc := marks(pts, s.colour, s.glyph)
		sc.Radius = 2.5
		p.Add(l, sc)
		leg.Add(s.label, l, sc)
	}
	setTime(p, ts)
	p.Y.Min, p.Y.Max = 0, max(1, hi*1.08)
	if shade != nil {
		p.Y.Max = max(1, hi*faultHeadroom)
	}
	p.Y.Tick.Marker = tickFunc(formatSI)
	return p
}

// cellP99 draws the p99 op latency of each second, over the shaded
// windows of the cell's faults.
func cellP99(m *model, k cellKey, ts []second, leg *plot.Legend) *plot.Plot {
	if len(ts) == 0 {
		return nil
	}
	c := m.colourOf(k.seriesKey)
	p := newPlot("", "time (s)", "p99 op latency (ms)")
	shade := newFaultShade(m.faultWindows(k))
	if shade != nil {
		p.Add(shade)
	}
	// A second without a committed op has no p99.
	var pts plotter.XYs
	hi := 0.0
	for _, t := range ts {
		if t.Ops > 0 {
			pts = append(pts, plotter.XY{X: t.T, Y: t.P99MS})
			hi = max(hi, t.P99MS)
		}
	}
	if len(pts) == 0 {
		return nil
	}
	l := line(pts, c, nil)
	sc := marks(pts, c, draw.CircleGlyph{})
	sc.Radius = 2.5
	p.Add(l, sc)
	leg.Add("p99 op latency (ms, ops committed that second)", l, sc)
	setTime(p, ts)
	p.Y.Min, p.Y.Max = 0, hi*1.08
	if shade != nil {
		p.Y.Max = hi * faultHeadroom
	}
	if hi <= 0 {
		p.Y.Max = 1
	}
	p.Y.Tick.Marker = tickFunc(trimFloat)
	return p
}

// setTime sets the x axis of a time series: from 0 to the last second.
func setTime(p *plot.Plot, ts []second) {
	p.X.Min = min(0, ts[0].T)
	p.X.Max = max(ts[len(ts)-1].T, p.X.Min+1)
	p.X.Tick.Marker = tickFunc(func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) })
}
