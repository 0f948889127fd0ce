package advise

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
)

// ink is the colour of the crossover marks, as capacity marks its answer.
var ink = color.Gray{Y: 0x33}

// Plot returns the crossover plot of one skew, in package plots' style:
// goodput (top) and p99 (bottom) against writers on a log2 axis, one
// line per strategy through its medians (the strategy's colour, the
// backoff's dashes and markers), each crossover on the panel's objective
// a dotted vertical line at its interpolated writers count, named in the
// legend with its conflict ratio.
func (r *Report) Plot(sr *SkewResult) (plots.Plot, error) {
	if len(sr.Points) == 0 {
		return plots.Plot{}, fmt.Errorf("%s: no point to plot", sr.Skew.Label())
	}
	title := fmt.Sprintf("strategy crossover on %s — %s on %s, backoff %s", sr.Skew.Label(), r.Plan.Scenario, r.Plan.Driver, r.Plan.Backoff)
	leg := plots.NewLegend()
	seen := map[string]bool{}
	var panels []*plot.Plot
	for _, o := range Objectives() {
		y := "goodput (committed ops/s)"
		if o == P99 {
			y = "p99 latency (ms)"
		}
		p, err := r.panel(sr, o, y, leg, seen)
		if err != nil {
			return plots.Plot{}, err
		}
		panels = append(panels, p)
	}
	return plots.Plot{Name: "advise-" + sr.Skew.Name, Title: title, Panels: panels, Stack: true, Legend: leg}, nil
}

func (r *Report) panel(sr *SkewResult, o Objective, yLabel string, shared *plot.Legend, seen map[string]bool) (*plot.Plot, error) {
	p := plots.NewPlot("", "writers", yLabel)
	add := func(name string, th ...plot.Thumbnailer) {
		if !seen[name] {
			seen[name] = true
			shared.Add(name, th...)
		}
	}
	x := func(w float64) float64 { return math.Log2(w) }
	ymax := 0.0
	for _, st := range r.Plan.Strategies {
		var xys plotter.XYs
		for i := range sr.Points {
			s := sr.Points[i].Stat(st)
			if s == nil || !s.Valid {
				continue
			}
			v := s.value(o)
			if math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
			xys = append(xys, plotter.XY{X: x(float64(sr.Points[i].Writers)), Y: v})
			ymax = max(ymax, v)
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width, l.Dashes = plots.StrategyColour(st), vg.Points(1.8), plots.BackoffDashes(r.Plan.Backoff)
		s.GlyphStyle = draw.GlyphStyle{Color: plots.StrategyColour(st), Radius: vg.Points(3), Shape: plots.BackoffGlyph(r.Plan.Backoff)}
		p.Add(l, s)
		add(st+" (median)", l, s)
	}
	if ymax <= 0 {
		ymax = 1
	}
	lo, hi := x(float64(sr.Points[0].Writers)), x(float64(sr.Points[len(sr.Points)-1].Writers))
	p.X.Min, p.X.Max = lo-0.5, hi+0.5
	p.Y.Min, p.Y.Max = 0, ymax*1.15
	p.X.Tick.Marker = writerTicks{}
	for _, c := range sr.Crossovers {
		if c.Objective != o {
			continue
		}
		v, err := plotter.NewLine(plotter.XYs{{X: x(c.Writers), Y: 0}, {X: x(c.Writers), Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		v.Color, v.Width, v.Dashes = ink, vg.Points(1.5), []vg.Length{vg.Points(1.5), vg.Points(2.5)}
		p.Add(v)
		at := results.Sig3(c.Writers) + " writers"
		if !math.IsNaN(c.Conflict) {
			at = pct(c.Conflict) + " conflicts"
		}
		add(fmt.Sprintf("%s crossover at %s: %s → %s", o, at, short(c.From), short(c.To)), v)
	}
	return p, nil
}

// short names a verdict in a legend: a strategy, or "tie".
func short(label string) string {
	if strings.HasPrefix(label, "tie:") {
		return "tie"
	}
	return label
}

// writerTicks marks powers of two on an axis over log2(writers).
type writerTicks struct{}

func (writerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for n := math.Ceil(lo); n <= math.Floor(hi); n++ {
		ts = append(ts, plot.Tick{Value: n, Label: results.FormatCount(math.Exp2(n))})
	}
	return ts
}

// PlotName is the file name of a skew's plot: advise-<skew>.png.
func PlotName(s Skew) string { return "advise-" + strings.ToLower(s.Name) + ".png" }

// WritePlots writes one PNG per skew with points into dir (created if
// missing) and returns the paths written.
func (r *Report) WritePlots(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for i := range r.Skews {
		sr := &r.Skews[i]
		if len(sr.Points) == 0 {
			continue
		}
		pl, err := r.Plot(sr)
		if err != nil {
			return out, err
		}
		w, h := pl.Size()
		b, err := plots.PNG(pl, w, h)
		if err != nil {
			return out, err
		}
		path := filepath.Join(dir, PlotName(sr.Skew))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, path)
	}
	return out, nil
}
