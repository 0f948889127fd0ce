package plots

import (
	"cmp"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the fault windows: a translucent amber over the data area
// (no series colour is amber), so that the grid and the series show
// through, an opaque bar for a fault without duration, and the labels'
// ink.
var (
	faultFill = color.NRGBA{R: 0xf5, G: 0xb0, B: 0x00, A: 0x40}
	faultBar  = color.NRGBA{R: 0xe0, G: 0x8e, B: 0x00, A: 0xc0}
	faultInk  = color.RGBA{R: 0x8a, G: 0x55, B: 0x00, A: 0xff}
)

// faultBarW is the width of the bar marking a fault without duration
// (restart or kill at once), and the narrowest a window is drawn.
const faultBarW vg.Length = 2

// faultWindow is a fault on the time axis of a cell's charts: from its
// injection to its healing, in seconds of the time series' clock.
type faultWindow struct {
	from, to float64
	label    string // the fault's kind
}

// faultWindows returns the windows of the faults of k's trials, each
// window once (trials repeat the same schedule), by injection time. A
// fault that could not be injected or healed (Fault.Error) is labelled
// "kind (error)"; a negative or non-finite duration counts as none, and
// a fault at a non-finite time is left out.
func (m *model) faultWindows(k cellKey) []faultWindow {
	var out []faultWindow
	for _, c := range m.cells[k] {
		for _, fl := range c.Faults {
			if math.IsNaN(fl.AtS) || math.IsInf(fl.AtS, 0) {
				continue
			}
			dur := fl.DurationS
			if !(dur > 0) || math.IsInf(dur, 0) {
				dur = 0
			}
			label := fl.Kind
			if label == "" {
				label = "fault"
			}
			if fl.Error != "" {
				label += " (error)"
			}
			w := faultWindow{from: fl.AtS, to: fl.AtS + dur, label: label}
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b faultWindow) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to)) })
	return out
}

// faultShade shades fault windows across the full height of a plot's
// data area, each labelled with its kind at the top; labels that would
// overlap go one line lower. It draws nothing outside the x axis's range.
type faultShade struct{ windows []faultWindow }

// newFaultShade returns the shading of ws, nil when there is none.
func newFaultShade(ws []faultWindow) *faultShade {
	if len(ws) == 0 {
		return nil
	}
	return &faultShade{windows: ws}
}

// faultLabelStyle is the style of the windows' labels.
func faultLabelStyle() text.Style {
	return text.Style{Color: faultInk, Font: sans(tickSz), XAlign: draw.XLeft, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
}

// Plot implements plot.Plotter.
func (s *faultShade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := faultLabelStyle()
	lineH := sty.Height("Mg")
	const pad vg.Length = 3
	var rowEnd []vg.Length // right end of the last label of each row
	for _, w := range s.windows {
		if w.to < p.X.Min || w.from > p.X.Max {
			continue
		}
		x0, x1 := trX(max(w.from, p.X.Min)), trX(min(w.to, p.X.Max))
		fill := faultFill
		if w.to == w.from {
			fill = faultBar
		}
		if x1-x0 < faultBarW {
			mid := (x0 + x1) / 2
			x0, x1 = mid-faultBarW/2, mid+faultBarW/2
		}
		c.SetColor(fill)
		c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}.Path())

		lx := x0 + pad
		row := 0
		for row < len(rowEnd) && rowEnd[row] > lx {
			row++
		}
		if row == len(rowEnd) {
			rowEnd = append(rowEnd, 0)
		}
		rowEnd[row] = lx + sty.Width(w.label) + 2*pad
		c.FillText(sty, vg.Point{X: lx, Y: c.Max.Y - pad - vg.Length(row)*lineH}, w.label)
	}
}

// Thumbnail draws a shaded square in a legend.
func (s *faultShade) Thumbnail(c *draw.Canvas) {
	c.SetColor(faultFill)
	c.Fill(c.Rectangle.Path())
}

// faultHeadroom is the factor over the data's maximum a chart with fault
// windows gives its y axis, so that the windows' labels sit above the
// lines.
const faultHeadroom = 1.25

// faultLegend is the legend entry of the fault windows.
const faultLegend = "fault injected (shaded, labelled with its kind)"
