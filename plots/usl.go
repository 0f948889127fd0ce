package plots

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/usl"
)

// USLName is the name of the chart of the Universal Scalability Law fits
// (Kind KindThroughput, so throughput/usl.png and .svg).
const USLName = KindThroughput + "-usl"

// uslReach bounds how far past the writers measured the chart follows a
// fit to its predicted peak: at most this many times the largest writer
// count.
const uslReach = 4

// uslFit is one series' fit and the points it was fitted to.
type uslFit struct {
	s   seriesKey
	pts []stat // committed ops/s at each writer count, trials averaged
	u   results.USL
}

// uslFits fits every closed-loop series of m with three or more writer
// counts, as results.FitUSL fits a file's: the cells that ran and were
// not interrupted, their throughput averaged over trials. Series whose
// fit fails (no throughput) are left out.
func uslFits(m *model) []uslFit {
	opsS := func(c *results.Cell) float64 {
		if c.Interrupted {
			return math.NaN()
		}
		return c.ThroughputOpsS
	}
	var out []uslFit
	for _, s := range m.series {
		if s.Rate > 0 {
			continue
		}
		sts := m.sweep(s, false, opsS)
		pts := make([]usl.Point, len(sts))
		cells := 0
		for i, st := range sts {
			pts[i] = usl.Point{N: st.X, X: st.Mean}
			cells += st.N
		}
		u, ok := results.NewUSL(s.Driver, s.Strategy, s.Backoff, pts, cells)
		if !ok || u.Error != "" {
			continue
		}
		out = append(out, uslFit{s: s, pts: sts, u: u})
	}
	return out
}

// uslChart draws, per closed-loop series with at least three writer
// counts, the committed ops/s measured (markers; trials averaged, min/max
// bars) and the Universal Scalability Law fitted to them (a line in the
// series' colour and dash), on a linear y axis from 0. The x axis, log₂
// of writers, reaches past the writers measured to the furthest peak
// predicted beyond them, up to uslReach times the largest; every fit is
// drawn across it, and its peak is ringed where it falls inside. Series
// are split into panels as in the other sweep charts. nil when no series
// has a fit.
func uslChart(m *model) (*Plot, error) {
	fits := uslFits(m)
	if len(fits) == 0 {
		return nil, nil
	}
	ws := map[int]bool{}
	for _, f := range fits {
		for _, st := range f.pts {
			ws[int(st.X)] = true
		}
	}
	writers := make([]int, 0, len(ws))
	for w := range ws {
		writers = append(writers, w)
	}
	slices.Sort(writers)
	lo, top := float64(writers[0]), float64(writers[len(writers)-1])
	hi := top
	for _, f := range fits {
		if p := f.u.PeakWriters; p != nil && f.u.PeakBeyond && *p <= uslReach*top {
			hi = max(hi, *p)
		}
	}
	ticks := writers
	if hi > top {
		ticks = append(slices.Clone(writers), int(math.Round(hi)))
	}

	series := make([]seriesKey, len(fits))
	byKey := make(map[seriesKey]*uslFit, len(fits))
	for i := range fits {
		series[i] = fits[i].s
		byKey[fits[i].s] = &fits[i]
	}
	groups := m.panelGroups(series)
	var panels []*plot.Plot
	peaks := false
	for _, g := range groups {
		p := newPlot("", "writers", "committed ops/s")
		ymax := 0.0
		for _, s := range g {
			f := byKey[s]
			c := m.colourOf(s)
			model := f.u.Model()
			const steps = 96
			curve := make(plotter.XYs, 0, steps+2)
			for i := 0; i <= steps; i++ {
				x := wx(int(lo)) + (math.Log2(hi)-wx(int(lo)))*float64(i)/steps
				y := model.X(math.Exp2(x))
				curve = append(curve, plotter.XY{X: x, Y: y})
				ymax = max(ymax, y)
			}
			var ring plotter.XYs
			if pk := f.u.PeakWriters; pk != nil && *pk >= lo && *pk <= hi {
				pt := plotter.XY{X: math.Log2(*pk), Y: *f.u.PeakOpsS}
				curve = append(curve, pt)
				slices.SortFunc(curve, func(a, b plotter.XY) int {
					return cmpFloat(a.X, b.X)
				})
				ring = plotter.XYs{pt}
				ymax = max(ymax, pt.Y)
			}
			sts := toAxes(f.pts, false)
			for _, st := range sts {
				ymax = max(ymax, st.Max)
			}
			p.Add(line(curve, c, m.dashesOf(s)), marks(xys(sts), c, m.shapeOf(s)))
			b, err := errorBars(sts, c)
			if err != nil {
				return nil, err
			}
			if b != nil {
				p.Add(b)
			}
			if ring != nil {
				r := marks(ring, c, draw.RingGlyph{})
				r.GlyphStyle.Radius = 2.2 * glyphR
				p.Add(r)
				peaks = true
			}
		}
		setWriters(p, ticks)
		p.Y.Tick.Marker = tickFunc(formatSI)
		p.Y.Min, p.Y.Max = 0, max(ymax*1.08, 1e-9)
		panels = append(panels, p)
	}
	title := m.title("Committed ops/s vs writers with the USL fit " + results.USLFormula)
	extra := func(l *plot.Legend) {
		if peaks {
			r := marks(nil, ink, draw.RingGlyph{})
			r.GlyphStyle.Radius = 2.2 * glyphR
			l.Add("predicted peak", r)
		}
	}
	pl := m.panelled(USLName, KindThroughput, title, groups, panels, func(s seriesKey, neutral bool) []plot.Thumbnailer {
		c := m.colourOf(s)
		if neutral {
			c = ink
		}
		return []plot.Thumbnailer{line(nil, c, m.dashesOf(s)), marks(nil, c, m.shapeOf(s))}
	}, extra)
	if pl.P != nil {
		// One panel: the legend names each series with its fit.
		leg := plot.NewLegend()
		styleLegend(&leg)
		for _, s := range series {
			f := byKey[s]
			c := m.colourOf(s)
			leg.Add(m.label(s)+": "+uslLabel(&f.u), line(nil, c, m.dashesOf(s)), marks(nil, c, m.shapeOf(s)))
		}
		extra(&leg)
		pl.P.Legend = leg
	}
	return &pl, nil
}

// uslLabel is a fit in a legend: "σ 0.050, κ 0.004, peak 15.4".
func uslLabel(u *results.USL) string {
	s := "σ " + results.FormatSigma(u.Sigma) + ", κ " + results.FormatKappa(u.Kappa)
	switch {
	case u.PeakWriters == nil:
		return s + ", no peak"
	case *u.PeakWriters < 1:
		return s + ", falls from 1 writer"
	case u.PeakBeyond:
		return s + ", peak " + strconv.FormatFloat(results.RoundSig(*u.PeakWriters, 3), 'f', -1, 64) + " (beyond)"
	}
	return s + ", peak " + strconv.FormatFloat(results.RoundSig(*u.PeakWriters, 3), 'f', -1, 64)
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
