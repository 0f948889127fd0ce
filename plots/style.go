package plots

import (
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Known strategies and backoffs, in the order of strategy.Names and
// backoff.Names: each keeps its colour (strategy) and its dash pattern
// and marker (backoff) in every chart of every file. Names not listed
// take the slots after these, in sorted order.
var (
	strategyOrder = []string{"optimistic", "pessimistic", "serializable", "lease", "lww", "check-then-write", "hybrid", "idempotent"}
	backoffOrder  = []string{"none", "constant", "expo", "full-jitter", "equal-jitter", "decorrelated-jitter"}
)

// paletteColour returns colour i of the series palette, cycling: the
// Okabe–Ito colours (distinct for colour-blind readers) first, for the
// known strategies, then more. None is amber, the fault windows' colour,
// nor grey, the colour of legend keys.
func paletteColour(i int) color.RGBA {
	palette := [...]color.RGBA{
		{0x00, 0x72, 0xb2, 0xff}, // optimistic: blue
		{0xd5, 0x5e, 0x00, 0xff}, // pessimistic: vermillion
		{0x00, 0x9e, 0x73, 0xff}, // serializable: bluish green
		{0xcc, 0x79, 0xa7, 0xff}, // lease: reddish purple
		{0x8c, 0x56, 0x4b, 0xff}, // lww: brown
		{0x56, 0xb4, 0xe9, 0xff}, // check-then-write: sky blue
		{0x39, 0x3b, 0x79, 0xff}, // hybrid: indigo
		{0xbc, 0xbd, 0x22, 0xff}, // idempotent: olive
		{0x6a, 0x3d, 0x9a, 0xff}, // purple
		{0x1b, 0x7a, 0x8a, 0xff}, // teal
		{0x99, 0x34, 0x04, 0xff}, // rust
	}
	return palette[i%len(palette)]
}

// StrategyColour is the colour of strategy in occbench's charts (those
// of packages plots, capacity and tune).
func StrategyColour(strategy string) color.Color {
	if i := slices.Index(strategyOrder, strategy); i >= 0 {
		return paletteColour(i)
	}
	return paletteColour(len(strategyOrder) + int(fnv32(strategy)%3))
}

// BackoffDashes is the dash pattern of backoff's lines (nil: solid).
func BackoffDashes(backoff string) []vg.Length {
	return dashAt(slotOf(backoffOrder, backoff))
}

// BackoffGlyph is the marker of backoff's lines.
func BackoffGlyph(backoff string) draw.GlyphDrawer {
	return shapeAt(slotOf(backoffOrder, backoff))
}

// slotOf is name's index in known, or a slot after them for another.
func slotOf(known []string, name string) int {
	if i := slices.Index(known, name); i >= 0 {
		return i
	}
	return len(known) + int(fnv32(name)%4)
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// dashAt returns dash pattern i, cycling: solid, long dashes, dashes,
// dots, dash-dot, dash-dot-dot, then more.
func dashAt(i int) []vg.Length {
	patterns := [...][]vg.Length{
		nil,
		{10, 4},
		{5, 3},
		{1.5, 2.5},
		{7, 2.5, 1.5, 2.5},
		{7, 2.5, 1.5, 2.5, 1.5, 2.5},
		{3, 1.5},
		{12, 3, 3, 3},
		{2, 5},
		{9, 6},
	}
	d := patterns[i%len(patterns)]
	return slices.Clone(d)
}

// shapeAt returns marker i, cycling; filled and hollow shapes
// alternate so that neighbours differ in both.
func shapeAt(i int) draw.GlyphDrawer {
	shapes := [...]draw.GlyphDrawer{
		draw.CircleGlyph{},
		draw.PlusGlyph{},
		draw.BoxGlyph{},
		draw.PyramidGlyph{},
		draw.RingGlyph{},
		draw.CrossGlyph{},
		draw.SquareGlyph{},
		draw.TriangleGlyph{},
	}
	return shapes[i%len(shapes)]
}

// Colours of text, grid, the background and the lines that are not a
// series.
var (
	ink              = color.Gray{Y: 0x33}
	gridInk          = color.Gray{Y: 0xdd}
	neutral          = color.Gray{Y: 0x55}
	backgroundColour = color.White
)

// Sizes, in points.
const (
	lineW    vg.Length = 1.8
	glyphR   vg.Length = 3
	titleSz  vg.Length = 13
	panelSz  vg.Length = 12
	labelSz  vg.Length = 12
	tickSz   vg.Length = 11.5
	legendSz vg.Length = 11.5
)

// Dash patterns of the per-cell charts' outcomes; nil is a solid line.
func dashed() []vg.Length { return []vg.Length{6, 3} }
func dotted() []vg.Length { return []vg.Length{1.5, 2.5} }

// colourOf is the colour of s: its strategy's.
func (m *model) colourOf(s seriesKey) color.Color { return StrategyColour(s.Strategy) }

// dashesOf is the dash pattern of s: its backoff's.
func (m *model) dashesOf(s seriesKey) []vg.Length { return BackoffDashes(s.Backoff) }

// shapeOf is the marker of s: its backoff's, or, with several drivers,
// its driver's.
func (m *model) shapeOf(s seriesKey) draw.GlyphDrawer {
	if m.multiDriver {
		return shapeAt(m.driverIdx[s.Driver])
	}
	return BackoffGlyph(s.Backoff)
}

// NewPlot returns a plot in occbench's style: its fonts, a light grid,
// the title (a second line after "\n" for the context) and axis labels.
// Packages capacity and tune draw with it.
func NewPlot(title, xLabel, yLabel string) *plot.Plot { return newPlot(title, xLabel, yLabel) }

// newPlot returns a plot with occbench's fonts, a light grid and the
// given title and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSz)
	p.Title.TextStyle.Color = ink
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSz)
		a.Label.TextStyle.Color = ink
		a.Tick.Label.Font = sans(tickSz)
		a.Tick.Label.Color = ink
		a.Color = ink
		a.Tick.Color = ink
		a.Padding = vg.Points(4)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	styleLegend(&p.Legend)
	g := plotter.NewGrid()
	g.Vertical.Color = gridInk
	g.Horizontal.Color = gridInk
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	p.Add(g)
	return p
}

// NewLegend returns an empty legend in occbench's style, for the shared
// legend of small multiples (Plot.Legend).
func NewLegend() *plot.Legend {
	l := plot.NewLegend()
	styleLegend(&l)
	return &l
}

// styleLegend gives l occbench's legend style.
func styleLegend(l *plot.Legend) {
	l.TextStyle.Font = sans(legendSz)
	l.TextStyle.Color = ink
	l.Top = true
	l.Left = true
	l.ThumbnailWidth = vg.Points(30)
	l.Padding = vg.Points(2)
}

// sans is Liberation Sans (metric-compatible with Arial and Helvetica,
// which an SVG viewer without it falls back to) at size.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// line returns a line through xys in the given colour and dash pattern.
func line(xys plotter.XYs, c color.Color, dashes []vg.Length) *plotter.Line {
	l := &plotter.Line{XYs: xys}
	l.LineStyle = draw.LineStyle{Color: c, Width: lineW, Dashes: dashes}
	return l
}

// marks returns markers at xys.
func marks(xys plotter.XYs, c color.Color, shape draw.GlyphDrawer) *plotter.Scatter {
	s := &plotter.Scatter{XYs: xys}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: glyphR, Shape: shape}
	return s
}

// keyLine is a legend thumbnail explaining a dash pattern.
func keyLine(dashes []vg.Length) plot.Thumbnailer {
	return line(nil, neutral, dashes)
}

// formatSI formats v for a tick label: 3 significant digits with a k, M
// or G suffix (1.5M, 250k, 12, 0.5).
func formatSI(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 1e9:
		return trimFloat(v/1e9) + "G"
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e3:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}

// trimFloat formats v with at most 3 significant digits, no exponent and
// no trailing zeros.
func trimFloat(v float64) string {
	if v == 0 {
		return "0"
	}
	digits := int(math.Floor(math.Log10(math.Abs(v)))) + 1
	dec := max(0, 3-digits)
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// logTicks are log-axis ticks: a major tick at each power of ten, minor
// ticks at 2…9 times it. When fewer than three powers of ten fall inside
// the range, 2× and 5× are labelled too, and when that still gives fewer
// than two labels, every minor tick is.
type logTicks struct{ format func(float64) string }

func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	first := math.Floor(math.Log10(lo))
	last := math.Ceil(math.Log10(hi))
	in := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	count := func(mults ...int) int {
		n := 0
		for e := first; e <= last; e++ {
			for _, k := range mults {
				if in(float64(k) * math.Pow(10, e)) {
					n++
				}
			}
		}
		return n
	}
	labelled := map[int]bool{1: true}
	if count(1) < 3 {
		labelled[2], labelled[5] = true, true
		if count(1, 2, 5) < 2 {
			for k := 1; k <= 9; k++ {
				labelled[k] = true
			}
		}
	}
	var ts []plot.Tick
	for e := first; e <= last; e++ {
		for k := 1; k <= 9; k++ {
			v := float64(k) * math.Pow(10, e)
			if !in(v) {
				continue
			}
			tk := plot.Tick{Value: v}
			if labelled[k] {
				tk.Label = t.format(v)
			}
			ts = append(ts, tk)
		}
	}
	return ts
}

// Logarithmic axes are drawn as linear axes over log10 (log2 for
// writers) of the values, with ticks labelled in the values' domain:
// gonum's LogScale centres the axis label at the arithmetic middle of the
// range, which on a log axis pushes it off the top and leaves a gap, and
// panics on values that are not above zero.

// lg is the y coordinate of v on a log axis.
func lg(v float64) float64 { return math.Log10(v) }

// log10Ticks are logTicks for an axis over log10 of the values.
type log10Ticks struct{ format func(float64) string }

func (t log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	ts := logTicks(t).Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ts {
		ts[i].Value = lg(ts[i].Value)
	}
	return ts
}

// setLogY makes p's y axis logarithmic over [lo, hi] (the data's positive
// range, in the values' domain), padded so that markers do not sit on the
// frame. Data must be added as lg(y).
func setLogY(p *plot.Plot, lo, hi float64, format func(float64) string) {
	lo, hi = logRange(lo, hi)
	p.Y.Tick.Marker = log10Ticks{format: format}
	p.Y.Min, p.Y.Max = lg(lo), lg(hi)
}

// logRange pads a positive range for a log axis: by a quarter of a decade
// each side, or half a decade each side of a single value.
func logRange(lo, hi float64) (float64, float64) {
	if !(lo > 0) || math.IsInf(hi, 0) || hi < lo {
		return 1, 10
	}
	if hi == lo {
		return lo / math.Sqrt(10), hi * math.Sqrt(10)
	}
	pad := math.Pow(10, 0.25)
	return lo / pad, hi * pad
}

// wx is the x coordinate of a writer count.
func wx(w int) float64 { return math.Log2(float64(w)) }

// setWriters makes p's x axis the writer sweep: logarithmic (base 2), a
// labelled tick at each writer count. Data must be added at wx(writers).
func setWriters(p *plot.Plot, writers []int) {
	lo, hi := wx(writers[0]), wx(writers[len(writers)-1])
	pad := max(0.5, (hi-lo)/12)
	ts := make(plot.ConstantTicks, len(writers))
	for i, w := range writers {
		ts[i] = plot.Tick{Value: wx(w), Label: strconv.Itoa(w)}
	}
	p.X.Tick.Marker = ts
	p.X.Min, p.X.Max = lo-pad, hi+pad
}

// ninesTicks label the spectrum's x axis, x = -log10(1-q), in percent.
type ninesTicks struct{}

func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	add := func(x float64, label string) {
		if x >= lo-1e-9 && x <= hi+1e-9 {
			ts = append(ts, plot.Tick{Value: x, Label: label})
		}
	}
	add(0, "")
	add(-math.Log10(0.5), "50%")
	for n := 1; float64(n) <= hi+1e-9; n++ {
		add(float64(n), ninesLabel(n))
	}
	return ts
}

// ninesLabel is the percentile with n nines: 90%, 99%, 99.9%, …
func ninesLabel(n int) string {
	if n <= 2 {
		return strings.Repeat("9", n) + strings.Repeat("0", 2-n) + "%"
	}
	return "99." + strings.Repeat("9", n-2) + "%"
}
