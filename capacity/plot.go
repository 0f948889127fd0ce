package capacity

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of what is not the pair's series: a failed probe in the
// report's red; the SLO and the answer in ink, dashed and dotted.
var (
	failInk = color.RGBA{0xb3, 0x26, 0x1e, 0xff}
	ink     = color.Gray{Y: 0x33}
	greyInk = color.Gray{Y: 0x77}
)

// Plots returns the two panels of the search plot for a: throughput vs
// load on top, the SLO's latency metric (p99 when the SLO names none) vs
// load below. Probes are marked (green circle = pass, red square = fail)
// and numbered in the order they ran; the SLO's thresholds are dashed
// horizontal lines and the answer a dotted vertical one. The load axis is
// logarithmic (base 2, ticks at Start·2ⁿ). It returns an error when a has
// no judged probe.
func (r *Report) Plots(a *Answer) (top, bottom *plot.Plot, err error) {
	top, bottom, _, err = r.plots(a)
	return top, bottom, err
}

// plots returns Plots's panels and one legend for both, each entry once.
func (r *Report) plots(a *Answer) (top, bottom *plot.Plot, shared *plot.Legend, err error) {
	var judged []Probe
	for _, p := range a.Probes {
		if p.Values != nil {
			judged = append(judged, p)
		}
	}
	if len(judged) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no judged probe to plot", a.Pair)
	}
	slices.SortStableFunc(judged, func(x, y Probe) int {
		switch {
		case x.Load < y.Load:
			return -1
		case x.Load > y.Load:
			return 1
		}
		return 0
	})
	lat := P99MS
	for _, c := range r.SLO {
		if strings.HasSuffix(c.Metric, "_ms") {
			lat = c.Metric
			break
		}
	}
	loadLabel := "writers"
	if r.Vary == Rate {
		loadLabel = "arrival rate (ops/s)"
	}
	shared = plots.NewLegend()
	seen := map[string]bool{}
	top, err = r.panel(a, judged, ThroughputOpsS, "throughput (ops/s)", loadLabel, shared, seen)
	if err != nil {
		return nil, nil, nil, err
	}
	top.Title.Text = r.title(a)
	bottom, err = r.panel(a, judged, lat, strings.TrimSuffix(lat, "_ms")+" latency (ms)", loadLabel, shared, seen)
	if err != nil {
		return nil, nil, nil, err
	}
	return top, bottom, shared, nil
}

// title names the pair and the SLO: "optimistic / expo — SLO p99_ms < 20".
func (r *Report) title(a *Answer) string {
	return fmt.Sprintf("%s — SLO %s", a.Pair, r.SLO)
}

// panel draws one metric of the probes against the load, in plots'
// style: the pair's line (its strategy's colour, its backoff's dashes)
// through the median of the probes at each load, in load order; each
// probe marked (filled: pass, red cross: fail) and numbered in the order
// it ran; the SLO's thresholds dashed, the answer dotted. Legend entries
// go to p.Legend and, each once, to shared.
func (r *Report) panel(a *Answer, judged []Probe, metric, yLabel, xLabel string, shared *plot.Legend, seen map[string]bool) (*plot.Plot, error) {
	p := plots.NewPlot("", xLabel, yLabel)
	add := func(name string, th ...plot.Thumbnailer) {
		p.Legend.Add(name, th...)
		if !seen[name] {
			seen[name] = true
			shared.Add(name, th...)
		}
	}
	colour := plots.StrategyColour(a.Pair.Strategy)

	x := func(load float64) float64 { return math.Log2(load) }
	var loads []float64 // in load order, each once
	byLoad := map[float64][]float64{}
	var pass, fail plotter.XYs
	labels := plotter.XYLabels{}
	lo, hi := math.Inf(1), math.Inf(-1)
	ymax := 0.0
	for _, pr := range judged {
		v := pr.Values[metric]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		pt := plotter.XY{X: x(pr.Load), Y: v}
		if _, ok := byLoad[pr.Load]; !ok {
			loads = append(loads, pr.Load)
		}
		byLoad[pr.Load] = append(byLoad[pr.Load], v)
		if pr.Pass {
			pass = append(pass, pt)
		} else {
			fail = append(fail, pt)
		}
		labels.XYs = append(labels.XYs, pt)
		labels.Labels = append(labels.Labels, fmt.Sprint(pr.Seq))
		lo, hi = min(lo, pr.Load), max(hi, pr.Load)
		ymax = max(ymax, v)
	}
	line := make(plotter.XYs, len(loads)) // the median at each load
	for i, load := range loads {
		vs := byLoad[load]
		slices.Sort(vs)
		line[i] = plotter.XY{X: x(load), Y: vs[len(vs)/2]}
		if len(vs)%2 == 0 {
			line[i].Y = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
	}
	var slo []Cond
	for _, c := range r.SLO {
		if c.Metric == metric {
			slo = append(slo, c)
			ymax = max(ymax, c.Value)
		}
	}
	var fit plotter.XYs // the USL fit over the plotted range, on the throughput panel
	if u := a.USL; metric == ThroughputOpsS && u != nil && u.Error == "" {
		m := u.Model()
		const steps = 64
		for i := 0; i <= steps; i++ {
			lx := x(lo) - 0.5 + (x(hi)-x(lo)+1)*float64(i)/steps
			if n := math.Exp2(lx); n >= 1 {
				y := m.X(n)
				fit = append(fit, plotter.XY{X: lx, Y: y})
				ymax = max(ymax, y)
			}
		}
		// The peak itself, when in range, so that the curve reaches it.
		if pk := u.PeakWriters; pk != nil && *pk >= 1 && x(*pk) > x(lo)-0.5 && x(*pk) < x(hi)+0.5 {
			fit = append(fit, plotter.XY{X: x(*pk), Y: *u.PeakOpsS})
			slices.SortFunc(fit, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
			ymax = max(ymax, *u.PeakOpsS)
		}
	}
	if ymax <= 0 {
		ymax = 1
	}
	p.X.Min, p.X.Max = x(lo)-0.5, x(hi)+0.5
	p.Y.Min, p.Y.Max = 0, ymax*1.15
	p.X.Tick.Marker = doublingTicks{start: r.Start}

	l, err := plotter.NewLine(line)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = colour, vg.Points(1.8), plots.BackoffDashes(a.Pair.Backoff)
	p.Add(l)
	add(a.Pair.String()+" (median at each load)", l)
	if len(fit) > 1 {
		f, err := plotter.NewLine(fit)
		if err != nil {
			return nil, err
		}
		f.Color, f.Width, f.Dashes = greyInk, vg.Points(1.5), []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(f)
		add(uslLegend(a.USL, r.Vary), f)
	}
	for _, c := range slo {
		s, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: c.Value}, {X: p.X.Max, Y: c.Value}})
		if err != nil {
			return nil, err
		}
		s.Color, s.Width, s.Dashes = ink, vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(s)
		add("SLO "+c.String(), s)
	}
	if a.Pass != nil {
		v, err := plotter.NewLine(plotter.XYs{{X: x(a.Load), Y: 0}, {X: x(a.Load), Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		v.Color, v.Width, v.Dashes = ink, vg.Points(1.5), []vg.Length{vg.Points(1.5), vg.Points(2.5)}
		p.Add(v)
		add("answer: "+r.Vary.Format(a.Load), v)
	}
	for _, m := range []struct {
		xys   plotter.XYs
		ink   color.Color
		glyph draw.GlyphDrawer
		name  string
	}{{pass, colour, draw.CircleGlyph{}, "probe that passed the SLO"}, {fail, failInk, draw.CrossGlyph{}, "probe that failed it"}} {
		if len(m.xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(m.xys)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: m.ink, Radius: vg.Points(4), Shape: m.glyph}
		p.Add(s)
		add(m.name, s)
	}
	lb, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font = font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(10)}
		lb.TextStyle[i].Color = greyInk
	}
	p.Add(lb)
	// Curves rise to the right: the top left corner is the free one.
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(8)
	return p, nil
}

// doublingTicks marks start·2ⁿ on an axis over log2 of the load.
type doublingTicks struct{ start float64 }

func (t doublingTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	s := math.Log2(t.start)
	n0, n1 := math.Ceil(lo-s), math.Floor(hi-s)
	step := math.Max(1, math.Ceil((n1-n0+1)/10)) // at most ~10 labels
	for n := n0; n <= n1; n++ {
		v := s + n
		label := ""
		if math.Mod(n-n0, step) == 0 {
			label = results.FormatCount(math.Exp2(v))
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
	}
	return ts
}

// WritePlot draws the search plot for a as a PNG file, mode 0644, in the
// style of package plots: the two panels stacked, one legend beside them.
func (r *Report) WritePlot(path string, a *Answer) error {
	top, bottom, leg, err := r.plots(a)
	if err != nil {
		return err
	}
	pl := plots.Plot{Name: "capacity", Title: r.title(a), Panels: []*plot.Plot{top, bottom}, Stack: true, Legend: leg}
	top.Title.Text = ""
	w, h := pl.Size()
	b, err := plots.PNG(pl, w, h)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// PlotName is the file name of a pair's plot: capacity-<strategy>-<backoff>.png.
func PlotName(p Pair) string {
	return "capacity-" + p.Strategy + "-" + p.Backoff + ".png"
}

// WritePlots writes one plot per answer that has judged probes into dir
// (created if missing) and returns the paths written.
func (r *Report) WritePlots(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for i := range r.Answers {
		a := &r.Answers[i]
		judged := slices.ContainsFunc(a.Probes, func(p Probe) bool { return p.Values != nil })
		if !judged {
			continue
		}
		path := filepath.Join(dir, PlotName(a.Pair))
		if err := r.WritePlot(path, a); err != nil {
			return out, err
		}
		out = append(out, path)
	}
	return out, nil
}
