package plots

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/occbench/occbench/results"
)

// sweepFile is a quickstart-like sweep: strategies × backoffs × writers,
// cells of durationS seconds.
func sweepFile(t *testing.T, strategies, backoffs []string, durationS float64) *results.File {
	t.Helper()
	r := newRand()
	f := &results.File{Schema: results.Schema, Scenario: results.Scenario{"name": "quickstart"}}
	for _, w := range []int{1, 4} {
		for _, st := range strategies {
			for _, b := range backoffs {
				c := testCell(t, r, cellSpec{strategy: st, backoff: b, writers: w})
				c.Driver = "sqlite"
				c.DurationS = durationS
				c.Timeseries = c.Timeseries[:min(len(c.Timeseries), int(durationS))]
				f.Cells = append(f.Cells, c)
			}
		}
	}
	return f
}

// TestSmallMultiples: up to MaxSeries series share one panel; more are
// drawn one panel per strategy, with one y range and one legend naming
// the backoffs; titles name what is drawn, the driver and the scenario.
func TestSmallMultiples(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		strategies []string
		backoffs   []string
		panels     []string // titles; nil: one panel
	}{
		{"8 series: one panel", []string{"optimistic", "lease"}, []string{"none", "expo", "full-jitter", "decorrelated-jitter"}, nil},
		{"12 series: a panel per strategy", []string{"optimistic", "pessimistic", "lease"}, []string{"none", "expo", "full-jitter", "decorrelated-jitter"},
			[]string{"optimistic", "pessimistic", "lease"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, err := NewCharts(sweepFile(t, tt.strategies, tt.backoffs, 1))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for p, err := range cs.Sweeps() {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if !strings.HasSuffix(p.Title, " — sqlite · quickstart") {
					t.Errorf("%s: title %q does not name the driver and scenario", p.Name, p.Title)
				}
				if tt.panels == nil {
					if p.P == nil || p.Panels != nil {
						t.Fatalf("%s: want one panel", p.Name)
					}
					continue
				}
				if p.P != nil || p.Legend == nil {
					t.Fatalf("%s: want panels and a shared legend", p.Name)
				}
				var titles []string
				for _, q := range p.Panels {
					titles = append(titles, q.Title.Text)
					if q.Y.Min != p.Panels[0].Y.Min || q.Y.Max != p.Panels[0].Y.Max {
						t.Errorf("%s: panel %s y range [%v, %v], first panel's [%v, %v]", p.Name, q.Title.Text, q.Y.Min, q.Y.Max, p.Panels[0].Y.Min, p.Panels[0].Y.Max)
					}
					if q.Title.TextStyle.Color != StrategyColour(q.Title.Text) {
						t.Errorf("%s: panel %s titled in %v, not its strategy's colour", p.Name, q.Title.Text, q.Title.TextStyle.Color)
					}
				}
				if !slices.Equal(titles, tt.panels) {
					t.Errorf("%s: panels %q, want %q", p.Name, titles, tt.panels)
				}
				w, h := p.Size()
				if w <= DefaultWidth {
					t.Errorf("%s: %v wide: small multiples want more than a single chart's %v", p.Name, w, DefaultWidth)
				}
				svg, err := SVG(p, w, h)
				if err != nil {
					t.Fatal(err)
				}
				checkSVG(t, p.Name, svg)
				for _, b := range tt.backoffs {
					if c := bytes.Count(svg, []byte(">"+b+"</text>")); c != 1 {
						t.Errorf("%s: backoff %s in the legend %d times, want once", p.Name, b, c)
					}
				}
			}
			if n == 0 {
				t.Fatal("no sweep charts")
			}
		})
	}
}

// TestTimeseriesNeedsThreeSeconds: a cell shorter than MinTimeseriesS
// has no time-series chart, and ShortCell says so.
func TestTimeseriesNeedsThreeSeconds(t *testing.T) {
	t.Parallel()
	for _, d := range []float64{1, 2, 3, 4} {
		cs, err := NewCharts(sweepFile(t, []string{"optimistic"}, []string{"none"}, d))
		if err != nil {
			t.Fatal(err)
		}
		id := cs.Cells()[0]
		ps, err := cs.Cell(id)
		if err != nil {
			t.Fatal(err)
		}
		has := slices.ContainsFunc(ps, func(p Plot) bool { return p.Kind == KindTimeseries })
		short, secs := cs.ShortCell(id)
		if has != (d >= MinTimeseriesS) || short == has || secs != d {
			t.Errorf("%v s cell: time series chart %v, ShortCell %v, %v s", d, has, short, secs)
		}
	}
}

// TestSVGStyles: the styles of a page's charts are written once, as
// classes; a chart's SVG element carries no style of its own.
func TestSVGStyles(t *testing.T) {
	t.Parallel()
	ps, err := All(testFile(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	sty := NewStyles("s")
	rules := 0
	for i, p := range ps[:4] {
		w, h := p.Size()
		el, err := SVGElement(p, w, h, sty)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(el, []byte("style=")) || bytes.Contains(el, []byte("<style")) {
			t.Errorf("%s: the element has styles of its own", p.Name)
		}
		if !bytes.HasPrefix(el, []byte(`<svg viewBox="0 0 `)) || !bytes.Contains(el, []byte(`aria-label="`)) {
			t.Errorf("%s: element starts %.80q", p.Name, el)
		}
		nr := sty.NewRules()
		if i == 0 && nr == "" {
			t.Errorf("%s: the first chart adds no rule", p.Name)
		}
		rules += strings.Count(nr, "\n") + min(1, len(nr))
		for _, c := range regexp.MustCompile(`class="(s\d+)"`).FindAllSubmatch(el, -1) {
			if !strings.Contains(sty.Rules(), "."+string(c[1])+"{") {
				t.Errorf("%s: class %s has no rule", p.Name, c[1])
			}
		}
	}
	if all := strings.Count(sty.Rules(), "\n") + 1; rules != all {
		t.Errorf("NewRules handed out %d rules, the sheet has %d", rules, all)
	}
	if sty.NewRules() != "" {
		t.Error("NewRules repeats rules")
	}
}

// TestSVGCanvasPaths: path data is exact to a tenth of a point, relative
// moves after a closed subpath start from its first point, and joined
// paths draw what separate ones would.
func TestSVGCanvasPaths(t *testing.T) {
	t.Parallel()
	sty := NewStyles("c")
	c := newSVGCanvas(100, 50, sty)
	dc := draw.New(c)
	dc.SetColor(StrategyColour("optimistic"))
	for _, x := range []vg.Length{10, 30} {
		// Two boxes: the second's move is relative to the first's start
		// after its Z.
		var p vg.Path
		p.Move(vg.Point{X: x, Y: 10})
		p.Line(vg.Point{X: x + 5, Y: 10})
		p.Line(vg.Point{X: x + 5, Y: 15})
		p.Close()
		dc.Fill(p)
	}
	c.flush()
	got := c.buf.String()
	want := `<path d="M10,40h5V35Zm20,0h5V35Z" class="c0"/>` + "\n"
	if got != want {
		t.Errorf("path data:\n got %q\nwant %q", got, want)
	}
	if r := sty.Rules(); r != ".c0{fill:#0072b2}" {
		t.Errorf("rules %q", r)
	}
	for _, tt := range []struct {
		v    int64
		want string
	}{{0, "0"}, {5, "0.5"}, {-5, "-0.5"}, {123, "12.3"}, {-120, "-12"}} {
		if got := fmtTenths(tt.v); got != tt.want {
			t.Errorf("fmtTenths(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// TestSVGMatchesPNG: the compact SVG canvas and gonum's image canvas
// draw the same marks where it counts: every text of the PNG's chart is
// in the SVG, once per FillString.
func TestSVGMatchesPNG(t *testing.T) {
	t.Parallel()
	ps, err := All(testFile(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	w, h := p.Size()
	var texts []string
	rec := &textRecorder{Canvas: vgimg.New(w, h), texts: &texts}
	if err := Draw(p, draw.New(rec)); err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(p, w, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range texts {
		if !bytes.Contains(svg, []byte(">"+s+"</text>")) {
			t.Errorf("SVG lacks text %q", s)
		}
	}
	if got, want := bytes.Count(svg, []byte("<text")), len(texts); got != want {
		t.Errorf("SVG has %d texts, the image canvas drew %d", got, want)
	}
}

// textRecorder records the strings drawn on a canvas.
type textRecorder struct {
	*vgimg.Canvas
	texts *[]string
}

func (r *textRecorder) FillString(f font.Face, pt vg.Point, s string) {
	*r.texts = append(*r.texts, s)
	r.Canvas.FillString(f, pt, s)
}
