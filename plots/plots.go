package plots

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/occbench/occbench/results"
)

// Plot is one chart.
type Plot struct {
	Name  string // file stem, e.g. "throughput", "spectrum-optimistic-full-jitter-w16"
	Title string
	P     *plot.Plot
	Cell  string // per-cell charts: the cell's id (see CellIDs); "" for sweep charts
}

// Size and resolution of the charts WriteDir writes.
const (
	DefaultWidth  = 8 * vg.Inch
	DefaultHeight = 4.5 * vg.Inch
	DPI           = 144 // PNG pixels per inch: 1152×648 at the default size
)

// Formats WriteDir accepts.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// All returns every chart of f: the sweep charts (throughput, conflicts,
// latency, spectrum-w<N> for each writer count), then, for each cell that
// ran in file order (trials together), its spectrum, attempts,
// timeseries and timeseries-p99 charts. A chart without data (a cell with
// no committed op has no spectrum) is left out, so a file whose cells
// were all skipped has no charts. It fails on a histogram that does not
// decode.
func All(f *results.File) ([]Plot, error) {
	if f == nil {
		return nil, errors.New("plots: nil results file")
	}
	m := newModel(f)
	if len(m.order) == 0 {
		return nil, nil
	}
	var out []Plot
	for _, s := range []struct {
		name, title string
		build       func(*model) (*plot.Plot, error)
	}{
		{"throughput", "Throughput vs writers", throughputPlot},
		{"conflicts", "Conflict ratio vs writers", conflictPlot},
		{"latency", "Op latency vs writers", latencyPlot},
	} {
		p, err := s.build(m)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", s.name, err)
		}
		if p != nil {
			p.Title.Text = s.title
			out = append(out, Plot{Name: s.name, Title: s.title, P: p})
		}
	}
	sp, err := spectrumSweepPlots(m)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	out = append(out, sp...)
	for _, k := range m.order {
		cp, err := cellPlots(m, k)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		out = append(out, cp...)
	}
	return out, nil
}

// CellIDs returns the id that names the per-cell charts of each of f's
// cells, index for index ("" for a skipped cell): strategy-backoff-w<N>,
// prefixed by the driver when f has several and followed by -r<rate> when
// f mixes rates. Trials of a cell share its id.
func CellIDs(f *results.File) []string {
	if f == nil {
		return nil
	}
	m := newModel(f)
	ids := make([]string, len(f.Cells))
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" {
			ids[i] = m.cellID(cellKey{seriesKey{c.Driver, c.Strategy, c.Backoff, c.Rate}, c.Writers})
		}
	}
	return ids
}

// WriteDir writes every chart of f (All) to dir, created if missing, as
// <name>.png and/or <name>.svg at DefaultWidth × DefaultHeight; formats
// default to both. It returns the paths written, in All's order, a chart's
// formats together.
func WriteDir(f *results.File, dir string, formats ...string) ([]string, error) {
	if len(formats) == 0 {
		formats = []string{FormatPNG, FormatSVG}
	}
	for _, fm := range formats {
		if fm != FormatPNG && fm != FormatSVG {
			return nil, fmt.Errorf("plots: format %q: unknown (allowed: %s, %s)", fm, FormatPNG, FormatSVG)
		}
	}
	ps, err := All(f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var paths []string
	for _, p := range ps {
		for _, fm := range formats {
			var b []byte
			switch fm {
			case FormatPNG:
				b, err = PNG(p, DefaultWidth, DefaultHeight)
			case FormatSVG:
				b, err = SVG(p, DefaultWidth, DefaultHeight)
			}
			if err != nil {
				return paths, err
			}
			path := filepath.Join(dir, p.Name+"."+fm)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return paths, fmt.Errorf("plots: %w", err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// SVG renders p as a w × h SVG document (fonts referenced by name, not
// embedded), for example to inline in an HTML page.
func SVG(p Plot, w, h vg.Length) ([]byte, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("plots: %s: size %v × %v: must be positive", p.Name, w, h)
	}
	c := vgsvg.New(w, h)
	if err := render(p, c); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: %s: svg: %w", p.Name, err)
	}
	return buf.Bytes(), nil
}

// PNG renders p as a w × h PNG image at DPI.
func PNG(p Plot, w, h vg.Length) ([]byte, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("plots: %s: size %v × %v: must be positive", p.Name, w, h)
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	if err := render(p, c); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: %s: png: %w", p.Name, err)
	}
	return buf.Bytes(), nil
}

// render draws p on c with its legend outside the plot area. gonum/plot
// panics on some inputs (a log axis over a non-positive range); All never
// builds such a chart, but a caller may modify one, so a panic becomes an
// error here.
func render(p Plot, c vg.CanvasSizer) (err error) {
	if p.P == nil {
		return fmt.Errorf("plots: %s: nil plot", p.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: %s: drawing: %v", p.Name, r)
		}
	}()
	drawWithLegend(p.P, draw.New(c))
	return nil
}

// legendGap separates the legend from the plot area and the canvas edge.
const legendGap vg.Length = 10

// drawWithLegend draws p on c with its legend beside the plot area (many
// entries) or below it (a few), so that the legend never hides data. p is
// not modified.
func drawWithLegend(p *plot.Plot, c draw.Canvas) {
	leg := p.Legend
	size := leg.Rectangle(c).Size()
	if size.X == 0 {
		p.Draw(c)
		return
	}
	if p.BackgroundColor != nil {
		c.SetColor(p.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	bare := *p
	bare.Legend = plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.XOffs, leg.YOffs = 0, 0

	height := c.Size().Y
	if size.Y <= height/4 {
		// Below: the plot keeps the full width, the legend is a short list
		// under the x axis label, clear of the bottom edge (the last
		// entry's descent is not part of size).
		const margin = 4
		reserve := size.Y + legendGap + margin
		bare.Draw(draw.Crop(c, 0, 0, reserve, 0))
		leg.Draw(draw.Crop(c, legendGap+4*vg.Millimeter, 0, margin, -(height - reserve + legendGap/2)))
		return
	}
	top := vg.Length(0)
	if p.Title.Text != "" {
		top = p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
	}
	bare.Draw(draw.Crop(c, 0, -(size.X + 2*legendGap), 0, 0))
	leg.Draw(draw.Crop(c, c.Size().X-size.X-legendGap, -legendGap, 0, -(top + legendGap)))
}
