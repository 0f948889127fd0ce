package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/occbench/occbench/results"
)

// faultsFixture is the results file with faults that package results
// keeps for the packages that read results files.
const faultsFixture = "../results/testdata/faults.json"

func readFaults(t testing.TB) *results.File {
	t.Helper()
	f, err := results.ReadFile(faultsFixture)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFaultWindows(t *testing.T) {
	t.Parallel()
	pause := results.Fault{Kind: "pause", AtS: 3, DurationS: 4}
	for _, tt := range []struct {
		name   string
		trials [][]results.Fault
		want   []faultWindow
	}{
		{"none", [][]results.Fault{nil}, nil},
		{"one", [][]results.Fault{{pause}}, []faultWindow{{3, 7, "pause"}}},
		{"trials repeat the schedule", [][]results.Fault{{pause}, {pause}, {pause}}, []faultWindow{{3, 7, "pause"}}},
		{"by time, error labelled", [][]results.Fault{
			{{Kind: "restart", AtS: 12, DurationS: 2, Error: "docker: timeout"}, pause},
			{{Kind: "kill", AtS: 3}},
		}, []faultWindow{{3, 3, "kill"}, {3, 7, "pause"}, {12, 14, "restart (error)"}}},
		{"bad numbers", [][]results.Fault{{
			{Kind: "latency", AtS: 5, DurationS: -1},
			{AtS: 6, DurationS: math.Inf(1)},
			{Kind: "pause", AtS: math.NaN(), DurationS: 1},
		}}, []faultWindow{{5, 5, "latency"}, {6, 6, "fault"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &results.File{}
			for i, fs := range tt.trials {
				f.Cells = append(f.Cells, results.Cell{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: i + 1, Faults: fs})
			}
			m := newModel(f)
			if got := m.faultWindows(m.order[0]); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("faultWindows = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFaultShadeGeometry draws the shading on a recording canvas whose
// data area maps 0…20 s to 0…200 pt: each window covers its seconds, a
// fault without duration is a narrow bar, windows are clipped to the
// axis, and labels that would overlap go one line lower.
func TestFaultShadeGeometry(t *testing.T) {
	t.Parallel()
	p := plot.New()
	p.X.Min, p.X.Max = 0, 20
	p.Y.Min, p.Y.Max = 0, 1
	rec := &recorder.Canvas{}
	c := draw.Canvas{Canvas: rec, Rectangle: vg.Rectangle{Max: vg.Point{X: 200, Y: 100}}}
	s := newFaultShade([]faultWindow{
		{-2, 1, "early"},       // clipped to 0…1
		{5, 9, "pause"},        // 50…90
		{5.5, 5.5, "kill"},     // a bar around 55, its label under pause's
		{12, 25, "partition"},  // clipped to 120…200
		{21, 22, "after"},      // beyond the axis: not drawn
		{-5, -3, "before"},     // before it: not drawn
		{16, 16.01, "latency"}, // narrower than a bar: widened
	})
	s.Plot(c, p)

	type rect struct{ x0, x1, y0, y1 vg.Length }
	var fills []rect
	var colours []color.Color
	labels := map[string]vg.Point{}
	var last color.Color
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			last = a.Color
		case *recorder.Fill:
			r := rect{x0: math.MaxFloat64, y0: math.MaxFloat64, x1: -math.MaxFloat64, y1: -math.MaxFloat64}
			for _, pc := range a.Path {
				if pc.Type == vg.MoveComp || pc.Type == vg.LineComp {
					r.x0, r.x1 = min(r.x0, pc.Pos.X), max(r.x1, pc.Pos.X)
					r.y0, r.y1 = min(r.y0, pc.Pos.Y), max(r.y1, pc.Pos.Y)
				}
			}
			fills = append(fills, r)
			colours = append(colours, last)
		case *recorder.FillString:
			labels[a.String] = a.Point
		}
	}
	want := []rect{{0, 10, 0, 100}, {50, 90, 0, 100}, {54, 56, 0, 100}, {120, 200, 0, 100}, {159.05, 161.05, 0, 100}}
	if len(fills) != len(want) {
		t.Fatalf("%d fills %v, want %v", len(fills), fills, want)
	}
	for i, w := range want {
		g := fills[i]
		if math.Abs(float64(g.x0-w.x0)) > 0.01 || math.Abs(float64(g.x1-w.x1)) > 0.01 || g.y0 != w.y0 || g.y1 != w.y1 {
			t.Errorf("fill %d = %+v, want %+v", i, g, w)
		}
	}
	if colours[1] != color.Color(faultFill) || colours[2] != color.Color(faultBar) {
		t.Errorf("window colour %v, bar colour %v", colours[1], colours[2])
	}
	for _, l := range []string{"after", "before"} {
		if _, ok := labels[l]; ok {
			t.Errorf("label %q of a window outside the axis drawn", l)
		}
	}
	for _, l := range []string{"early", "pause", "kill", "partition", "latency"} {
		if _, ok := labels[l]; !ok {
			t.Errorf("no label %q", l)
		}
	}
	if !(labels["kill"].Y < labels["pause"].Y) || labels["partition"].Y != labels["pause"].Y || labels["early"].Y != labels["pause"].Y {
		t.Errorf("label rows: %v", labels)
	}
}

// shadedPixels counts the pixels of img of the fault windows' colours
// (window or bar) over white, within a tolerance for rounding.
func shadedPixels(img image.Image) int {
	var want [][3]float64
	for _, c := range []color.NRGBA{faultFill, faultBar} {
		blend := func(v uint8) float64 { return 255 - (255-float64(v))*float64(c.A)/255 }
		want = append(want, [3]float64{blend(c.R), blend(c.G), blend(c.B)})
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for _, w := range want {
				if math.Abs(float64(r>>8)-w[0]) <= 3 && math.Abs(float64(g>>8)-w[1]) <= 3 && math.Abs(float64(bl>>8)-w[2]) <= 3 {
					n++
					break
				}
			}
		}
	}
	return n
}

// TestFaultShadingCharts: the time series charts of a cell with faults
// shade and label every window, in PNG and SVG; those of a cell without
// faults, and the other charts, do not.
func TestFaultShadingCharts(t *testing.T) {
	t.Parallel()
	cs, err := NewCharts(readFaults(t))
	if err != nil {
		t.Fatal(err)
	}
	fillHex := "fill:#f5b000;fill-opacity:0.25" // faultFill's style rule
	for _, tt := range []struct {
		cell   string
		labels []string
		pixels int // at least, in the PNG: the legend's swatch alone has some 1000
	}{
		{"optimistic-expo-w8", []string{"pause", "restart"}, 30000}, // over both panels
		{"pessimistic-expo-w8", []string{"kill"}, 1500},             // a bar
		{"lww-none-w8", []string{"partition", "latency (error)"}, 30000},
		{"optimistic-none-w8", nil, 0},
	} {
		ps, err := cs.Cell(tt.cell)
		if err != nil {
			t.Fatal(err)
		}
		timelines := 0
		for _, p := range ps {
			w, h := p.Size()
			svg, err := SVG(p, w, h)
			if err != nil {
				t.Fatal(err)
			}
			timeline := strings.HasPrefix(p.Name, "timeseries-")
			shaded := timeline && len(tt.labels) > 0
			if got := bytes.Contains(svg, []byte(fillHex)); got != shaded {
				t.Errorf("%s: SVG has the fault colour: %v, want %v", p.Name, got, shaded)
			}
			if got := bytes.Contains(svg, []byte(faultLegend)); got != shaded {
				t.Errorf("%s: SVG has the fault legend: %v, want %v", p.Name, got, shaded)
			}
			if !timeline {
				continue
			}
			timelines++
			for _, l := range tt.labels {
				if !bytes.Contains(svg, []byte(">"+l+"</text>")) {
					t.Errorf("%s: SVG has no label %q", p.Name, l)
				}
			}
			b, err := PNG(p, w, h)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			n := shadedPixels(img)
			t.Logf("%s: %d pixels of the fault colours", p.Name, n)
			if shaded && n < tt.pixels || !shaded && n > 100 {
				t.Errorf("%s: %d pixels of the fault colour (shaded: %v)", p.Name, n, shaded)
			}
		}
		if timelines != 1 {
			t.Errorf("cell %s: %d time series charts, want 1", tt.cell, timelines)
		}
	}
	for p, err := range cs.Sweeps() {
		if err != nil {
			t.Fatal(err)
		}
		svg, err := SVG(p, testW, testH)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(svg, []byte(fillHex)) {
			t.Errorf("sweep chart %s shades faults", p.Name)
		}
	}
}
