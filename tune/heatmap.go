package tune

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/occbench/occbench/plots"
)

// heatmapColours is the number of palette steps.
const heatmapColours = 64

// grid is one policy's base × cap values, as plotter.GridXYZ: column =
// base index, row = cap index, NaN where nothing valid was measured.
type grid struct {
	z          [][]float64 // [cap][base]
	cols, rows int
}

func (g grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() (m float64)   { return g.extreme(math.Min, math.Inf(1)) }
func (g grid) Max() (m float64)   { return g.extreme(math.Max, math.Inf(-1)) }
func (g grid) extreme(f func(a, b float64) float64, m float64) float64 {
	for _, row := range g.z {
		for _, v := range row {
			if !math.IsNaN(v) {
				m = f(m, v)
			}
		}
	}
	return m
}

var _ plotter.GridXYZ = grid{}

// scale returns the colour range shared by a strategy's heatmaps.
func (r *Report) scale(rk *Ranking) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, res := range rk.Results {
		if v := res.Value(r.Objective); res.Valid && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return 0, 0, false
	}
	if lo == hi {
		pad := math.Max(math.Abs(lo)*0.1, 1e-9)
		lo, hi = lo-pad, hi+pad
	}
	return lo, hi, true
}

// colours is the palette, blue for better and red for worse.
func (r *Report) colours() []color.Color {
	cs := slices.Clone(moreland.SmoothBlueRed().Palette(heatmapColours).Colors())
	if !r.Objective.LowerIsBetter() {
		slices.Reverse(cs)
	}
	return cs
}

type colours []color.Color

func (c colours) Colors() []color.Color { return c }

var _ palette.Palette = colours(nil)

// Heatmap draws one strategy × policy: base across, cap up, each cell
// coloured by the objective (blue = better, red = worse, on a scale
// shared by the strategy's policies) and labelled with its value. The
// recommendation is labelled "best"; cells with cap < base, or without a
// valid result, are grey.
func (r *Report) Heatmap(strategy, policy string) (*plot.Plot, error) {
	i := slices.IndexFunc(r.Rankings, func(rk Ranking) bool { return rk.Strategy == strategy })
	if i < 0 {
		return nil, fmt.Errorf("heatmap: no results for strategy %q", strategy)
	}
	rk := &r.Rankings[i]
	lo, hi, ok := r.scale(rk)
	if !ok {
		return nil, fmt.Errorf("heatmap: %s: no valid result to draw", strategy)
	}
	bases, caps := r.Grid.Bases, r.Grid.Caps
	g := grid{cols: len(bases), rows: len(caps), z: make([][]float64, len(caps))}
	labels := plotter.XYLabels{}
	for ci, cp := range caps {
		g.z[ci] = make([]float64, len(bases))
		for bi, b := range bases {
			g.z[ci][bi] = math.NaN()
			label := "cap < base"
			if cp >= b {
				label = "not run"
			}
			for k := range rk.Results {
				res := &rk.Results[k]
				if res.Policy != policy || res.Base != b || res.Cap != cp {
					continue
				}
				if !res.Valid {
					label = res.Note
					break
				}
				v := res.Value(r.Objective)
				g.z[ci][bi] = v
				label = r.Objective.Format(v)
				if k == 0 {
					label += "\nbest"
				}
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(bi), Y: float64(ci)})
			labels.Labels = append(labels.Labels, label)
		}
	}
	pal := colours(r.colours())
	h := plotter.NewHeatMap(g, pal)
	h.Min, h.Max = lo, hi
	h.NaN = color.Gray{Y: 0xdd}

	p := plots.NewPlot(fmt.Sprintf("%s · %s: %s\nblue = better, red = worse (scale at the right)", strategy, policy, r.Objective), "base", "cap")
	p.Add(h)
	lb, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for k := range lb.TextStyle {
		st := &lb.TextStyle[k]
		st.Font = font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(10)}
		st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
		st.Color = color.Black
		if v := g.z[k/len(bases)][k%len(bases)]; !math.IsNaN(v) && dark(pal[index(v, lo, hi, len(pal))]) {
			st.Color = color.White
		}
	}
	p.Add(lb)
	var xt, yt []plot.Tick
	for bi, b := range bases {
		xt = append(xt, plot.Tick{Value: float64(bi), Label: b.String()})
	}
	for ci, c := range caps {
		yt = append(yt, plot.Tick{Value: float64(ci), Label: c.String()})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Padding, p.Y.Padding = 0, 0
	return p, nil
}

// scaleLabel names the objective and its unit on the colour scale.
func scaleLabel(o Objective) string {
	switch o {
	case P99:
		return "p99 latency (ms)"
	case Goodput:
		return "goodput (committed ops/s)"
	case Attempts:
		return "attempts per committed op"
	}
	return string(o)
}

// Scale draws the colour scale of a strategy's heatmaps: the palette
// from the lowest to the highest value on a y axis in the objective's
// unit.
func (r *Report) Scale(strategy string) (*plot.Plot, error) {
	i := slices.IndexFunc(r.Rankings, func(rk Ranking) bool { return rk.Strategy == strategy })
	if i < 0 {
		return nil, fmt.Errorf("heatmap: no results for strategy %q", strategy)
	}
	lo, hi, ok := r.scale(&r.Rankings[i])
	if !ok {
		return nil, fmt.Errorf("heatmap: %s: no valid result to draw", strategy)
	}
	p := plots.NewPlot("", "", scaleLabel(r.Objective))
	p.Add(&scaleBar{colours: r.colours()})
	p.HideX()
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
			}
		}
		return ts
	})
	p.X.Min, p.X.Max = 0, 1
	return p, nil
}

// scaleBar fills its plot's data area with the palette, bottom (the
// lowest value) to top, one band per colour as HeatMap maps values.
type scaleBar struct{ colours []color.Color }

func (b *scaleBar) Plot(c draw.Canvas, p *plot.Plot) {
	n := len(b.colours)
	h := c.Max.Y - c.Min.Y
	for i, col := range b.colours {
		// Band i holds the values HeatMap gives colour i: centred on
		// i/(n-1) of the range, half a band at either end.
		y0 := c.Min.Y + h*vg.Length(max(0, (float64(i)-0.5)/float64(n-1)))
		y1 := c.Min.Y + h*vg.Length(min(1, (float64(i)+0.5)/float64(n-1)))
		c.SetColor(col)
		c.Fill(vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y0}, Max: vg.Point{X: c.Max.X, Y: y1}}.Path())
	}
}

// index is the palette index HeatMap uses for v.
func index(v, lo, hi float64, n int) int {
	i := int((v-lo)*float64(n-1)/(hi-lo) + 0.5)
	return min(max(i, 0), n-1)
}

// dark reports whether white text reads better than black on c.
func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
	return lum < 0.45
}

// HeatmapName is the file name of a heatmap: tune-<strategy>-<policy>.png.
func HeatmapName(strategy, policy string) string {
	return "tune-" + strategy + "-" + policy + ".png"
}

// WriteHeatmaps writes one PNG heatmap per strategy × policy with a valid
// result into dir (created if missing) and returns the paths written.
func (r *Report) WriteHeatmaps(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, rk := range r.Rankings {
		if _, _, ok := r.scale(&rk); !ok {
			continue
		}
		for _, pol := range r.Grid.Policies {
			p, err := r.Heatmap(rk.Strategy, pol)
			if err != nil {
				return out, err
			}
			path := filepath.Join(dir, HeatmapName(rk.Strategy, pol))
			if err := r.writeHeatmap(path, p, rk.Strategy); err != nil {
				return out, err
			}
			out = append(out, path)
		}
	}
	return out, nil
}

// scaleW is the width of the colour scale beside a heatmap.
const scaleW = 4.6 * vg.Centimeter

// writeHeatmap draws heat with the strategy's colour scale at its right,
// aligned with its cells, as a PNG file at path, mode 0644.
func (r *Report) writeHeatmap(path string, heat *plot.Plot, strategy string) error {
	scale, err := r.Scale(strategy)
	if err != nil {
		return err
	}
	w := vg.Length(4+3*len(r.Grid.Bases))*vg.Centimeter + scaleW
	h := vg.Length(4+2*len(r.Grid.Caps)) * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plots.DPI))
	c := draw.New(img)
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	hc := draw.Crop(c, 0, -scaleW, 0, 0)
	heat.Draw(hc)
	// The scale's data area spans the heatmap's rows.
	cells := heat.DataCanvas(hc)
	sc := draw.Crop(c, w-scaleW+3*vg.Millimeter, -8*vg.Millimeter, 0, 0)
	probe := scale.DataCanvas(sc)
	sc.Min.Y = cells.Min.Y - (probe.Min.Y - sc.Min.Y)
	sc.Max.Y = cells.Max.Y + (sc.Max.Y - probe.Max.Y)
	// The axis and its label on the left of the bar: draw the bar from
	// the left edge of the scale's area.
	scale.Draw(sc)
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
