package plots

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
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
// decode. All holds every chart at once; Charts draws them one at a time.
func All(f *results.File) ([]Plot, error) {
	cs, err := NewCharts(f)
	if err != nil {
		return nil, err
	}
	var out []Plot
	for p, err := range cs.Sweeps() {
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	for _, id := range cs.Cells() {
		ps, err := cs.Cell(id)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// Charts draws the charts of a results file one at a time, so that a
// caller can render each and let it go: the charts of a large file do not
// fit in memory together. It holds the file's cells, grouped, and
// decodes a cell's histograms only while drawing its charts. Its charts
// are All's, in All's order: Sweeps, then Cell for each of Cells.
type Charts struct {
	m    *model
	byID map[string][]cellKey // several when names collide ("a b", "a-b")
	ids  []string             // m.order's ids, each once
}

// NewCharts digests f for plotting.
func NewCharts(f *results.File) (*Charts, error) {
	if f == nil {
		return nil, errors.New("plots: nil results file")
	}
	m := newModel(f)
	cs := &Charts{m: m, byID: make(map[string][]cellKey, len(m.order))}
	for _, k := range m.order {
		id := m.cellID(k)
		if _, dup := cs.byID[id]; !dup {
			cs.ids = append(cs.ids, id)
		}
		cs.byID[id] = append(cs.byID[id], k)
	}
	return cs, nil
}

// Sweeps yields the sweep charts (throughput, conflicts, latency,
// spectrum-w<N> for each writer count), each drawn when the loop asks for
// it. After an error it yields nothing more.
func (cs *Charts) Sweeps() iter.Seq2[Plot, error] {
	return func(yield func(Plot, error) bool) {
		m := cs.m
		if len(m.order) == 0 {
			return
		}
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
				yield(Plot{}, fmt.Errorf("plots: %s: %w", s.name, err))
				return
			}
			if p != nil {
				p.Title.Text = s.title
				if !yield(Plot{Name: s.name, Title: s.title, P: p}, nil) {
					return
				}
			}
		}
		for _, w := range m.writers {
			p, err := spectrumSweepPlot(m, w)
			if err != nil {
				yield(Plot{}, fmt.Errorf("plots: %w", err))
				return
			}
			if p != nil && !yield(*p, nil) {
				return
			}
		}
	}
}

// Cells returns the ids of the cells that have charts (those that ran,
// trials together), in file order of first appearance: the ids CellIDs
// gives.
func (cs *Charts) Cells() []string { return cs.ids }

// Cell returns the charts of the cell id (see CellIDs): spectrum,
// attempts, timeseries and timeseries-p99, each when the cell has the
// data. It fails on an unknown id and on a histogram that does not
// decode, naming the cell and the outcome.
func (cs *Charts) Cell(id string) ([]Plot, error) {
	keys, ok := cs.byID[id]
	if !ok {
		return nil, fmt.Errorf("plots: no cell %q", id)
	}
	var out []Plot
	for _, k := range keys {
		ps, err := cellPlots(cs.m, k)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		out = append(out, ps...)
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
	cs, err := NewCharts(f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var paths []string
	write := func(p Plot) error {
		for _, fm := range formats {
			var b []byte
			var err error
			switch fm {
			case FormatPNG:
				b, err = PNG(p, DefaultWidth, DefaultHeight)
			case FormatSVG:
				b, err = SVG(p, DefaultWidth, DefaultHeight)
			}
			if err != nil {
				return err
			}
			path := filepath.Join(dir, p.Name+"."+fm)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return fmt.Errorf("plots: %w", err)
			}
			paths = append(paths, path)
		}
		return nil
	}
	for p, err := range cs.Sweeps() {
		if err != nil {
			return paths, err
		}
		if err := write(p); err != nil {
			return paths, err
		}
	}
	for _, id := range cs.Cells() {
		ps, err := cs.Cell(id)
		if err != nil {
			return paths, err
		}
		for _, p := range ps {
			if err := write(p); err != nil {
				return paths, err
			}
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
