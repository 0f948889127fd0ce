package plots

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/occbench/occbench/results"
)

// Plot is one chart: a single panel P, or small multiples Panels that
// share the axes' ranges and one Legend.
type Plot struct {
	// Name is unique among a file's charts: the kind, a dash and the
	// chart's stem, e.g. "throughput-committed",
	// "spectrum-optimistic-full-jitter-w16".
	Name string
	// Kind is the folder WriteDir writes the chart to: KindThroughput,
	// KindLatency, …
	Kind  string
	Title string // one line: what is drawn, then the driver and scenario
	P     *plot.Plot
	// Panels are small multiples drawn instead of P, in a grid of at
	// most three columns (Stack: one column), each titled by what sets
	// it apart; Legend explains the lines of all of them.
	Panels []*plot.Plot
	Stack  bool
	Legend *plot.Legend
	Cell   string // per-cell charts: the cell's id (see CellIDs); "" for sweep charts
}

// Kinds of chart: the folders WriteDir writes.
const (
	KindThroughput = "throughput" // committed ops/s across the writer sweep
	KindLatency    = "latency"    // op latency percentiles across the sweep
	KindSpectrum   = "spectrum"   // latency by percentile, per writer count and per cell
	KindAttempts   = "attempts"   // amplification, conflict ratio, attempts per op of each cell
	KindTimeseries = "timeseries" // per second, cells of MinTimeseriesS or longer
	KindRecovery   = "recovery"   // conflict recovery time, when the file has it
)

// MinTimeseriesS is the shortest cell, in measured seconds, that gets a
// time-series chart: a shorter one has one or two points per line, which
// show nothing the summary does not.
const MinTimeseriesS = 3

// MaxSeries is the most lines a panel draws: a sweep with more series is
// drawn as small multiples, one panel per strategy.
const MaxSeries = 8

// File returns the chart's path relative to the folder WriteDir writes
// into: Kind/<stem>.<ext>, the stem being Name without the kind.
func (p Plot) File(ext string) string {
	if p.Kind == "" {
		return p.Name + "." + ext
	}
	return filepath.Join(p.Kind, strings.TrimPrefix(p.Name, p.Kind+"-")+"."+ext)
}

// Size of the charts: a single panel at DefaultWidth × DefaultHeight;
// small multiples at PanelWidth × PanelHeight per panel, plus the room of
// their title and legend.
const (
	DefaultWidth  = 8 * vg.Inch
	DefaultHeight = 4.5 * vg.Inch
	PanelWidth    = 3.6 * vg.Inch
	PanelHeight   = 3.2 * vg.Inch
	DPI           = 144 // PNG pixels per inch: 1152×648 at the default size
)

// Size returns the size p is drawn at by WriteDir and package report.
func (p Plot) Size() (w, h vg.Length) {
	if len(p.Panels) == 0 {
		return DefaultWidth, DefaultHeight
	}
	cols, rows := p.grid()
	if p.Stack {
		return DefaultWidth + 2*vg.Inch, vg.Length(rows)*PanelHeight*0.8 + 0.5*vg.Inch
	}
	return vg.Length(cols)*PanelWidth + 2.4*vg.Inch, vg.Length(rows)*PanelHeight + 0.6*vg.Inch
}

// grid is the layout of the panels: at most three columns.
func (p Plot) grid() (cols, rows int) {
	n := len(p.Panels)
	cols = min(n, 3)
	if p.Stack {
		cols = 1
	}
	return cols, (n + cols - 1) / cols
}

// Formats WriteDir accepts.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// All returns every chart of f: the sweep charts, then, for each cell
// that ran in file order (trials together), its spectrum, attempts and
// timeseries charts. A chart without data (a cell with no committed op
// has no spectrum) is left out, so a file whose cells were all skipped
// has no charts. It fails on a histogram that does not decode. All holds
// every chart at once; Charts draws them one at a time.
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

// Sweeps yields the sweep charts, each drawn when the loop asks for it:
// throughput-committed, latency-p50, latency-p99, latency-p999,
// attempts-amplification, attempts-conflicts, recovery-p99 (when a cell
// has conflict recovery times: results.Cell.RecoveryMS), throughput-usl
// (when a closed-loop series has three writer counts: the USL fit over
// the measured ops/s, uslChart), then spectrum-w<N> for each writer
// count. After an error it yields nothing more.
func (cs *Charts) Sweeps() iter.Seq2[Plot, error] {
	return func(yield func(Plot, error) bool) {
		m := cs.m
		if len(m.order) == 0 {
			return
		}
		for _, s := range sweepSpecs() {
			p, err := sweepChart(m, s)
			if err != nil {
				yield(Plot{}, fmt.Errorf("plots: %s: %w", s.name, err))
				return
			}
			if p != nil && !yield(*p, nil) {
				return
			}
		}
		if p, err := uslChart(m); err != nil || p != nil && !yield(*p, nil) {
			if err != nil {
				yield(Plot{}, fmt.Errorf("plots: %s: %w", USLName, err))
			}
			return
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
// attempts and timeseries, each when the cell has the data (timeseries:
// when it ran MinTimeseriesS or longer). It fails on an unknown id and on
// a histogram that does not decode, naming the cell and the outcome.
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

// ShortCell reports whether the cell id ran for less than
// MinTimeseriesS, and so has no time-series chart, and how long it ran
// (the longest of its trials, in seconds).
func (cs *Charts) ShortCell(id string) (short bool, seconds float64) {
	for _, k := range cs.byID[id] {
		seconds = max(seconds, cs.m.measured(k))
	}
	return seconds < MinTimeseriesS, seconds
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
			ids[i] = m.cellID(cellKey{seriesKey{c.Driver, c.Strategy, c.Backoff, c.Rate, c.Scope}, c.Writers})
		}
	}
	return ids
}

// WriteDir writes every chart of f (All) under dir, created if missing,
// one folder per kind (Plot.File), as PNG and/or SVG at the chart's Size;
// formats default to both. It returns the paths written, in All's order,
// a chart's formats together.
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
		w, h := p.Size()
		for _, fm := range formats {
			var b []byte
			var err error
			switch fm {
			case FormatPNG:
				b, err = PNG(p, w, h)
			case FormatSVG:
				b, err = SVG(p, w, h)
			}
			if err != nil {
				return err
			}
			path := filepath.Join(dir, p.File(fm))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("plots: %w", err)
			}
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

// SVG renders p as a standalone w × h SVG document, its styles in one
// <style> element (fonts referenced by name, not embedded).
func SVG(p Plot, w, h vg.Length) ([]byte, error) {
	sty := NewStyles("c")
	body, err := svgBody(p, w, h, sty)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%spt" height="%spt" viewBox="0 0 %s %s">`+"\n<style>\n%s\n</style>\n",
		num(w.Points()), num(h.Points()), num(w.Points()), num(h.Points()), sty.Rules())
	b.Write(body)
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

// SVGElement renders p as an <svg> element for an HTML page: a viewBox
// and no fixed size, so that it scales with its container, the title as
// its accessible name, and classes of sty instead of styles, whose new
// rules the page writes (Styles.NewRules) in a <style> element.
func SVGElement(p Plot, w, h vg.Length, sty *Styles) ([]byte, error) {
	body, err := svgBody(p, w, h, sty)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg viewBox="0 0 %s %s" role="img" aria-label="%s">`+"\n", num(w.Points()), num(h.Points()), escapeAttr(p.Title))
	b.Write(body)
	b.WriteString("</svg>")
	return b.Bytes(), nil
}

func escapeAttr(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;").Replace(s)
}

func svgBody(p Plot, w, h vg.Length, sty *Styles) ([]byte, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("plots: %s: size %v × %v: must be positive", p.Name, w, h)
	}
	c := newSVGCanvas(w, h, sty)
	if err := render(p, c); err != nil {
		return nil, err
	}
	c.flush()
	return c.buf.Bytes(), nil
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
	if p.P == nil && len(p.Panels) == 0 {
		return fmt.Errorf("plots: %s: nil plot", p.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: %s: drawing: %v", p.Name, r)
		}
	}()
	if len(p.Panels) > 0 {
		drawPanels(p, draw.New(c))
		return nil
	}
	drawWithLegend(p.P, draw.New(c))
	return nil
}

// Draw draws p on c as PNG, SVG and WriteDir do: the legend outside the
// data, small multiples in a grid. Package capacity and tune draw their
// charts with it.
func Draw(p Plot, c draw.Canvas) (err error) {
	if p.P == nil && len(p.Panels) == 0 {
		return fmt.Errorf("plots: %s: nil plot", p.Name)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: %s: drawing: %v", p.Name, r)
		}
	}()
	if len(p.Panels) > 0 {
		drawPanels(p, c)
	} else {
		drawWithLegend(p.P, c)
	}
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
	w := size.X + fontSlack(size.X)
	bare.Draw(draw.Crop(c, 0, -(w + 2*legendGap), 0, 0))
	leg.Draw(draw.Crop(c, c.Size().X-w-legendGap, -legendGap, 0, -(top + legendGap)))
}

// fontSlack is room left beside a legend w wide for a viewer that draws
// an SVG with a wider font than Liberation Sans, whose metrics placed it.
func fontSlack(w vg.Length) vg.Length { return w / 12 }

// titleStyle is the style of a chart's title.
func titleStyle() text.Style {
	return text.Style{Color: ink, Font: sans(titleSz), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
}

// drawPanels draws small multiples: the title on top, the legend at the
// right, the panels in a grid with their data areas aligned.
func drawPanels(p Plot, c draw.Canvas) {
	c.SetColor(backgroundColour)
	c.Fill(c.Rectangle.Path())
	ts := titleStyle()
	top := vg.Length(0)
	if p.Title != "" {
		t := panelTitle(p)
		c.FillText(ts, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - legendGap/2}, t)
		top = ts.Rectangle(t).Size().Y + legendGap
	}
	right := vg.Length(0)
	if p.Legend != nil {
		leg := *p.Legend
		size := leg.Rectangle(c).Size()
		if size.X > 0 {
			leg.Top, leg.Left = true, true
			leg.XOffs, leg.YOffs = 0, 0
			w := size.X + fontSlack(size.X)
			leg.Draw(draw.Crop(c, c.Size().X-w-legendGap, -legendGap, 0, -(top + 2*legendGap)))
			right = w + 2*legendGap
		}
	}
	area := draw.Crop(c, 0, -right, 0, -top)
	cols, rows := p.grid()
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for col := range grid[r] {
			if i := r*cols + col; i < len(p.Panels) {
				grid[r][col] = p.Panels[i]
			}
		}
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 6 * vg.Millimeter, PadY: 3 * vg.Millimeter,
		PadTop: 1 * vg.Millimeter, PadBottom: 1 * vg.Millimeter, PadLeft: 1 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	for r := range grid {
		for col, pl := range grid[r] {
			if pl != nil && col > 0 && !p.Stack {
				pl.Y.Label.Text = "" // the first column's label names the shared axis
			}
		}
	}
	canvases := plot.Align(grid, tiles, area)
	for r := range grid {
		for col, pl := range grid[r] {
			if pl != nil {
				bare := *pl // Legend explains every panel: none draws its own
				bare.Legend = plot.NewLegend()
				bare.Draw(canvases[r][col])
			}
		}
	}
}

// panelTitle is the title of small multiples: Title, its driver and
// scenario on a second line when it has them (" — ").
func panelTitle(p Plot) string {
	if what, ctx, ok := strings.Cut(p.Title, " — "); ok {
		return what + "\n" + ctx
	}
	return p.Title
}

// shareY gives panels one y range: the union of theirs.
func shareY(ps []*plot.Plot) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		lo, hi = min(lo, p.Y.Min), max(hi, p.Y.Max)
	}
	for _, p := range ps {
		p.Y.Min, p.Y.Max = lo, hi
	}
}
