package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/strategy"
)

// Charts are checked at a small size: enough pixels to tell a drawn
// chart from a blank one, fast enough to render them all.
const (
	testW = 3 * vg.Inch
	testH = 2 * vg.Inch
)

// distinctColours counts the distinct colours of img, up to limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// checkPNG fails unless b is a PNG of a drawn chart: it decodes, has the
// requested size and more than a few colours (text, axes, series).
func checkPNG(t *testing.T, name string, b []byte, w, h vg.Length) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: png: %v", name, err)
	}
	wantW := int(math.Ceil(w.Points() / 72 * DPI))
	if got := img.Bounds().Dx(); got < wantW-1 || got > wantW+1 {
		t.Errorf("%s: png width %d px, want %d", name, got, wantW)
	}
	if n := distinctColours(img, 50); n < 10 {
		t.Errorf("%s: png has %d distinct colours: blank chart?", name, n)
	}
}

// checkSVG fails unless b is well-formed XML with an <svg> root that
// draws text and paths.
func checkSVG(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var root string
	elems := map[string]int{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: svg does not parse: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			elems[se.Name.Local]++
		}
	}
	if root != "svg" {
		t.Errorf("%s: svg root element %q", name, root)
	}
	if elems["text"] == 0 || elems["path"] < 3 {
		t.Errorf("%s: svg draws %d texts and %d paths: blank chart?", name, elems["text"], elems["path"])
	}
}

func TestAllRenders(t *testing.T) {
	t.Parallel()
	for _, trials := range []int{1, 3} {
		t.Run(fmt.Sprintf("trials=%d", trials), func(t *testing.T) {
			t.Parallel()
			f := testFile(t, trials)
			ps, err := All(f)
			if err != nil {
				t.Fatal(err)
			}
			// 7 sweep charts (the USL fit among them), a spectrum per
			// writer count, 3 per ran cell (trials together): 7 + 3 + 12×3.
			if want := 7 + 3 + 12*3; len(ps) != want {
				t.Errorf("All: %d charts, want %d", len(ps), want)
			}
			seen := map[string]bool{}
			for _, p := range ps {
				if seen[p.Name] {
					t.Errorf("chart name %q twice", p.Name)
				}
				seen[p.Name] = true
				if p.Title == "" || (p.P == nil) == (len(p.Panels) == 0) {
					t.Errorf("%s: empty title or plot", p.Name)
				}
				b, err := PNG(p, testW, testH)
				if err != nil {
					t.Fatal(err)
				}
				checkPNG(t, p.Name, b, testW, testH)
				s, err := SVG(p, testW, testH)
				if err != nil {
					t.Fatal(err)
				}
				checkSVG(t, p.Name, s)
			}
			for _, name := range []string{
				"throughput-committed", "throughput-usl", "latency-p99", "attempts-amplification", "attempts-conflicts", "spectrum-w1", "spectrum-w16",
				"spectrum-optimistic-full-jitter-w16", "attempts-optimistic-full-jitter-w16",
				"timeseries-optimistic-full-jitter-w16",
			} {
				if !seen[name] {
					t.Errorf("no chart %q", name)
				}
			}
			for name := range seen {
				if strings.Contains(name, "lease") {
					t.Errorf("chart %q of a skipped cell", name)
				}
			}
		})
	}
}

func TestAllEdgeCases(t *testing.T) {
	t.Parallel()
	r := func() *results.File { return &results.File{Schema: results.Schema} }
	cell := func(t *testing.T, s cellSpec) results.Cell {
		return testCell(t, newRand(), s)
	}
	tests := []struct {
		name      string
		file      func(t *testing.T) *results.File
		wantNames []string // exactly, in order; nil: don't check
		wantErr   string
	}{
		{
			name:    "nil file",
			file:    func(*testing.T) *results.File { return nil },
			wantErr: "nil results file",
		},
		{
			name:      "no cells",
			file:      func(*testing.T) *results.File { return r() },
			wantNames: []string{},
		},
		{
			name: "only skipped cells",
			file: func(t *testing.T) *results.File {
				f := r()
				f.Cells = []results.Cell{
					cell(t, cellSpec{strategy: "lease", backoff: "none", writers: 1, skipped: "no leases"}),
					cell(t, cellSpec{strategy: "lease", backoff: "none", writers: 8, skipped: "no leases"}),
				}
				return f
			},
			wantNames: []string{},
		},
		{
			name: "one cell",
			file: func(t *testing.T) *results.File {
				f := r()
				f.Cells = []results.Cell{cell(t, cellSpec{strategy: "optimistic", backoff: "expo", writers: 8})}
				return f
			},
			wantNames: []string{"throughput-committed", "latency-p50", "latency-p99", "latency-p999", "attempts-amplification", "attempts-conflicts", "spectrum-w8",
				"spectrum-optimistic-expo-w8", "attempts-optimistic-expo-w8", "timeseries-optimistic-expo-w8"},
		},
		{
			name: "one cell beside skipped ones",
			file: func(t *testing.T) *results.File {
				f := r()
				f.Cells = []results.Cell{
					cell(t, cellSpec{strategy: "lease", backoff: "none", writers: 1, skipped: "no leases"}),
					cell(t, cellSpec{strategy: "optimistic", backoff: "none", writers: 1}),
					cell(t, cellSpec{strategy: "lease", backoff: "none", writers: 4, skipped: "no leases"}),
				}
				return f
			},
			wantNames: []string{"throughput-committed", "latency-p50", "latency-p99", "latency-p999", "attempts-amplification", "attempts-conflicts", "spectrum-w1",
				"spectrum-optimistic-none-w1", "attempts-optimistic-none-w1", "timeseries-optimistic-none-w1"},
		},
		{
			name: "cell without histograms, time series or ops",
			file: func(t *testing.T) *results.File {
				f := r()
				c := results.Cell{Driver: "memory", Strategy: "optimistic", Backoff: "none", Writers: 2, DurationS: 1}
				f.Cells = []results.Cell{c}
				return f
			},
			// Conflict ratio 0 is a value; nothing else has one, and a 1 s
			// cell has no time series.
			wantNames: []string{"attempts-conflicts"},
		},
		{
			name: "every latency the same (1 µs, as the memory store gives)",
			file: func(t *testing.T) *results.File {
				f := r()
				c := cell(t, cellSpec{strategy: "lww", backoff: "none", writers: 2})
				c.Histograms[results.HistCommitted] = hist(t, 500, func() int64 { return 1 })
				c.Histograms[results.HistAttempts] = hist(t, 500, func() int64 { return 1 })
				c.LatencyMS = results.Latency{P50: 0.001, P90: 0.001, P99: 0.001, P999: 0.001, Max: 0.001, Mean: 0.001}
				for i := range c.Timeseries {
					c.Timeseries[i].P99MS = 0
				}
				f.Cells = []results.Cell{c}
				return f
			},
		},
		{
			name: "zero latencies are left out of log axes",
			file: func(t *testing.T) *results.File {
				f := r()
				c := cell(t, cellSpec{strategy: "lww", backoff: "none", writers: 2})
				c.Histograms[results.HistCommitted] = hist(t, 100, func() int64 { return 0 })
				c.LatencyMS = results.Latency{}
				c.ThroughputOpsS, c.AttemptsS = 0, 0
				f.Cells = []results.Cell{c}
				return f
			},
			// No spectrum: no committed latency above zero.
			wantNames: []string{"attempts-amplification", "attempts-conflicts", "attempts-lww-none-w2", "timeseries-lww-none-w2"},
		},
		{
			name: "several drivers and rates name cells apart",
			file: func(t *testing.T) *results.File {
				f := r()
				a := cell(t, cellSpec{strategy: "optimistic", backoff: "none", writers: 2})
				b := cell(t, cellSpec{strategy: "optimistic", backoff: "none", writers: 2})
				b.Driver, b.Rate = "sqlite", 500
				f.Cells = []results.Cell{a, b}
				return f
			},
			wantNames: []string{"throughput-committed", "latency-p50", "latency-p99", "latency-p999", "attempts-amplification", "attempts-conflicts", "spectrum-w2",
				"spectrum-memory-optimistic-none-w2-r0", "attempts-memory-optimistic-none-w2-r0", "timeseries-memory-optimistic-none-w2-r0",
				"spectrum-sqlite-optimistic-none-w2-r500", "attempts-sqlite-optimistic-none-w2-r500", "timeseries-sqlite-optimistic-none-w2-r500"},
		},
		{
			name: "corrupt histogram",
			file: func(t *testing.T) *results.File {
				f := r()
				c := cell(t, cellSpec{strategy: "optimistic", backoff: "none", writers: 2})
				c.Histograms[results.HistCommitted] = "bm90IGEgaGlzdG9ncmFt"
				f.Cells = []results.Cell{c}
				return f
			},
			wantErr: "optimistic-none-w2: histograms: committed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := All(tt.file(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("All: error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Name)
				b, err := PNG(p, testW, testH)
				if err != nil {
					t.Fatal(err)
				}
				checkPNG(t, p.Name, b, testW, testH)
				s, err := SVG(p, testW, testH)
				if err != nil {
					t.Fatal(err)
				}
				checkSVG(t, p.Name, s)
			}
			if tt.wantNames != nil && !slices.Equal(got, tt.wantNames) && !(len(got) == 0 && len(tt.wantNames) == 0) {
				t.Errorf("chart names:\n got %q\nwant %q", got, tt.wantNames)
			}
		})
	}
}

func TestWriteDir(t *testing.T) {
	t.Parallel()
	f := testFile(t, 1)
	f.Cells = f.Cells[:1] // one cell: 10 charts at full size are enough
	dir := filepath.Join(t.TempDir(), "new", "plots")
	tests := []struct {
		name    string
		formats []string
		exts    []string
		wantErr string
	}{
		{name: "default both", exts: []string{".png", ".svg"}},
		{name: "png", formats: []string{"png"}, exts: []string{".png"}},
		{name: "svg", formats: []string{"svg"}, exts: []string{".svg"}},
		{name: "unknown", formats: []string{"png", "pdf"}, wantErr: `format "pdf": unknown (allowed: png, svg)`},
	}
	ps, err := All(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name)
			paths, err := WriteDir(f, out, tt.formats...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WriteDir: error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != len(ps)*len(tt.exts) {
				t.Fatalf("WriteDir wrote %d files, want %d", len(paths), len(ps)*len(tt.exts))
			}
			for i, p := range paths {
				chart := ps[i/len(tt.exts)]
				want := filepath.Join(out, chart.File(tt.exts[i%len(tt.exts)][1:]))
				if p != want {
					t.Errorf("path %d: %s, want %s", i, p, want)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := filepath.Base(filepath.Dir(p)); got != chart.Kind {
					t.Errorf("%s: in folder %q, want its kind %q", p, got, chart.Kind)
				}
				if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o644 {
					t.Errorf("%s: mode %v (%v), want 0644", p, info.Mode().Perm(), err)
				}
				switch filepath.Ext(p) {
				case ".png":
					w, h := chart.Size()
					checkPNG(t, p, b, w, h)
				case ".svg":
					checkSVG(t, p, b)
				}
			}
		})
	}
}

func TestColoursStable(t *testing.T) {
	t.Parallel()
	f := testFile(t, 1)
	m := newModel(f)
	// Colour is the strategy: one per strategy, the same whatever the
	// backoff, driver or file; dashes and markers are the backoff.
	colours := map[string]color.Color{}
	for _, s := range m.series {
		c := m.colourOf(s)
		if prev, ok := colours[s.Strategy]; ok && prev != c {
			t.Errorf("strategy %s has colours %v and %v", s.Strategy, prev, c)
		}
		colours[s.Strategy] = c
		if !slices.Equal(m.dashesOf(s), BackoffDashes(s.Backoff)) || m.shapeOf(s) != BackoffGlyph(s.Backoff) {
			t.Errorf("series %v: dashes or marker are not its backoff's", s)
		}
	}
	if colours["optimistic"] != StrategyColour("optimistic") || colours["optimistic"] == colours["lww"] {
		t.Errorf("colours %v: want optimistic's StrategyColour, distinct from lww's", colours)
	}
	// Every known strategy has a colour of its own, every known backoff
	// a dash pattern and a marker of its own.
	seenC, seenD, seenG := map[color.Color]string{}, map[string]string{}, map[draw.GlyphDrawer]string{}
	for _, st := range strategyOrder {
		if o, dup := seenC[StrategyColour(st)]; dup {
			t.Errorf("strategies %s and %s share a colour", o, st)
		}
		seenC[StrategyColour(st)] = st
	}
	for _, b := range backoffOrder {
		d := fmt.Sprint(BackoffDashes(b))
		if o, dup := seenD[d]; dup {
			t.Errorf("backoffs %s and %s share dashes %s", o, b, d)
		}
		seenD[d] = b
		if o, dup := seenG[BackoffGlyph(b)]; dup {
			t.Errorf("backoffs %s and %s share a marker", o, b)
		}
		seenG[BackoffGlyph(b)] = b
	}
	if StrategyColour("future") != StrategyColour("future") {
		t.Error("an unknown strategy's colour changes")
	}
	// Reversing the cells changes nothing.
	g := *f
	g.Cells = slices.Clone(f.Cells)
	slices.Reverse(g.Cells)
	m2 := newModel(&g)
	if !slices.Equal(m.series, m2.series) {
		t.Errorf("series order changes with cell order: %v, %v", m.series, m2.series)
	}
	for _, s := range m.series {
		if m.colourOf(s) != m2.colourOf(s) || m.shapeOf(s) != m2.shapeOf(s) {
			t.Errorf("series %v: style changes with cell order", s)
		}
	}
}

// TestKnownNames: the strategies and backoffs with a fixed style are
// those the packages define, in their order.
func TestKnownNames(t *testing.T) {
	if !slices.Equal(strategyOrder, strategy.Names()) {
		t.Errorf("strategyOrder %q, strategy.Names() %q", strategyOrder, strategy.Names())
	}
	if !slices.Equal(backoffOrder, backoff.Names()) {
		t.Errorf("backoffOrder %q, backoff.Names() %q", backoffOrder, backoff.Names())
	}
}

func TestSweepAveragesTrials(t *testing.T) {
	t.Parallel()
	f := &results.File{Cells: []results.Cell{
		{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: 1, ThroughputOpsS: 100},
		{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: 2, ThroughputOpsS: 300},
		{Strategy: "optimistic", Backoff: "none", Writers: 2, Trial: 3, ThroughputOpsS: 200},
		{Strategy: "optimistic", Backoff: "none", Writers: 4, Trial: 1, ThroughputOpsS: 0},
		{Strategy: "optimistic", Backoff: "none", Writers: 4, Trial: 2, ThroughputOpsS: 50},
		{Strategy: "optimistic", Backoff: "none", Writers: 8, Trial: 1, Skipped: "x"},
	}}
	m := newModel(f)
	tput := func(c *results.Cell) float64 { return c.ThroughputOpsS }
	tests := []struct {
		name     string
		positive bool
		want     []stat
	}{
		{"all values", false, []stat{{X: 2, Mean: 200, Min: 100, Max: 300, N: 3}, {X: 4, Mean: 25, Min: 0, Max: 50, N: 2}}},
		{"log axis drops zero", true, []stat{{X: 2, Mean: 200, Min: 100, Max: 300, N: 3}, {X: 4, Mean: 50, Min: 50, Max: 50, N: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.sweep(m.series[0], tt.positive, tput)
			if !slices.Equal(got, tt.want) {
				t.Errorf("sweep:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if !slices.Equal(m.writers, []int{2, 4}) {
		t.Errorf("writers %v, want [2 4] (the skipped cell's 8 left out)", m.writers)
	}
}

func TestSpectrum(t *testing.T) {
	t.Parallel()
	h := hdrhistogram.New(results.HistLowest, results.HistHighest, results.HistSigFigs)
	for v := int64(1); v <= 1000; v++ {
		if err := h.RecordValue(v * 10); err != nil { // 10 µs … 10 ms
			t.Fatal(err)
		}
	}
	pts := spectrum(h, usPerMS)
	if len(pts) < 20 {
		t.Fatalf("%d points, want a curve", len(pts))
	}
	if pts[0].X != 0 || pts[0].Y != 0.01 {
		t.Errorf("first point %+v, want the minimum, 0.01 ms at 0%%", pts[0])
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].X <= pts[i-1].X && i != len(pts)-1 || pts[i].Y < pts[i-1].Y {
			t.Fatalf("points %d, %d: %+v then %+v: not increasing", i-1, i, pts[i-1], pts[i])
		}
	}
	// The maximum comes last, at x = log10(count) = 3 or, when the
	// percentile rows already reach further, at the last row's x.
	last, prev := pts[len(pts)-1], pts[len(pts)-2]
	if last.X != max(3, prev.X) || math.Abs(last.Y-float64(h.Max())/1000) > 1e-12 {
		t.Errorf("last point %+v (after %+v), want the maximum %v ms at x = max(3, %v)", last, prev, float64(h.Max())/1000, prev.X)
	}
	// The median sits at x = log10(2).
	for _, p := range pts {
		if math.Abs(p.X-math.Log10(2)) < 1e-9 && math.Abs(p.Y-5.003) > 0.01 {
			t.Errorf("p50 point %+v, want about 5.0 ms", p)
		}
	}
	if got := spectrum(nil, usPerMS); got != nil {
		t.Errorf("nil histogram: %v", got)
	}
}

func TestTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lo   float64
		hi   float64
		want []string
	}{
		{"many decades: powers of ten", 0.002, 3000, []string{"0.01", "0.1", "1", "10", "100", "1000"}},
		{"two decades: also 2 and 5", 0.8, 60, []string{"1", "2", "5", "10", "20", "50"}},
		{"less than a decade: every tick", 1.1, 3.5, []string{"2", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range (logTicks{format: trimFloat}).Ticks(tt.lo, tt.hi) {
				if tk.Value < tt.lo || tk.Value > tt.hi {
					t.Errorf("tick %v outside [%v, %v]", tk.Value, tt.lo, tt.hi)
				}
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("labels %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range [][2]float64{{0, 10}, {-1, 10}, {10, 1}, {1, math.Inf(1)}} {
		if ts := (logTicks{format: trimFloat}).Ticks(bad[0], bad[1]); ts != nil {
			t.Errorf("logTicks(%v, %v) = %v, want none", bad[0], bad[1], ts)
		}
	}

	var nines []string
	for _, tk := range (ninesTicks{}).Ticks(0, 4.2) {
		if tk.Label != "" {
			nines = append(nines, tk.Label)
		}
	}
	if want := []string{"50%", "90%", "99%", "99.9%", "99.99%"}; !slices.Equal(nines, want) {
		t.Errorf("nines labels %q, want %q", nines, want)
	}
}

func TestFormatSI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.5, "0.5"}, {0.001, "0.001"}, {12, "12"}, {999, "999"},
		{1000, "1k"}, {1500, "1.5k"}, {250000, "250k"}, {2_760_000, "2.76M"}, {3e9, "3G"}, {-2000, "-2k"},
	}
	for _, tt := range tests {
		if got := formatSI(tt.v); got != tt.want {
			t.Errorf("formatSI(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestCellIDs(t *testing.T) {
	t.Parallel()
	f := &results.File{Cells: []results.Cell{
		{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 16},
		{Driver: "memory", Strategy: "lease", Backoff: "none", Writers: 16, Skipped: "no leases"},
		{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 16, Trial: 2},
		{Driver: "memory", Strategy: "a/b c", Backoff: "none", Writers: 1},
	}}
	want := []string{"optimistic-full-jitter-w16", "", "optimistic-full-jitter-w16", "a-b-c-none-w1"}
	if got := CellIDs(f); !slices.Equal(got, want) {
		t.Errorf("CellIDs = %q, want %q", got, want)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	if _, err := SVG(Plot{Name: "x"}, testW, testH); err == nil {
		t.Error("SVG of a nil plot: no error")
	}
	ps, err := All(testFile(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PNG(ps[0], 0, testH); err == nil {
		t.Error("PNG of zero width: no error")
	}
	// gonum panics drawing a log axis over a negative range: an error.
	p := plot.New()
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = -1, 1
	p.Add(line(plotter.XYs{{X: 0, Y: -1}, {X: 1, Y: 1}}, neutral, nil))
	if _, err := SVG(Plot{Name: "bad", P: p}, testW, testH); err == nil || !strings.Contains(err.Error(), "bad: drawing") {
		t.Errorf("SVG of a chart gonum cannot draw: error %v", err)
	}
}

func TestCharts(t *testing.T) {
	t.Parallel()
	f := testFile(t, 2)
	all, err := All(f)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := NewCharts(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for p, err := range cs.Sweeps() {
		if err != nil {
			t.Fatal(err)
		}
		if p.Cell != "" {
			t.Errorf("sweep chart %s has cell %q", p.Name, p.Cell)
		}
		names = append(names, p.Name)
	}
	var ids []string
	for _, id := range CellIDs(f) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if !slices.Equal(cs.Cells(), ids) {
		t.Errorf("Cells() = %q, want CellIDs's, once each: %q", cs.Cells(), ids)
	}
	for _, id := range cs.Cells() {
		ps, err := cs.Cell(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Cell != id {
				t.Errorf("chart %s of cell %s has cell %q", p.Name, id, p.Cell)
			}
			names = append(names, p.Name)
		}
	}
	var want []string
	for _, p := range all {
		want = append(want, p.Name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("Charts draws\n%q\nAll draws\n%q", names, want)
	}
	if _, err := cs.Cell("no-such-cell"); err == nil {
		t.Error("Cell of an unknown id: no error")
	}
	// Leaving the loop early stops the drawing.
	n := 0
	for range cs.Sweeps() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d sweep charts before break", n)
	}
	if _, err := NewCharts(nil); err == nil {
		t.Error("NewCharts(nil): no error")
	}
}

func TestChartsBadHistogram(t *testing.T) {
	t.Parallel()
	f := testFile(t, 1)
	f.Cells[0].Histograms[results.HistCommitted] = "bm90IGEgaGlzdG9ncmFt"
	cs, err := NewCharts(f)
	if err != nil {
		t.Fatal(err)
	}
	var last error
	n := 0
	for _, err := range cs.Sweeps() {
		n++
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), "histograms: committed") {
		t.Errorf("last of %d sweep results: error %v, want one naming the histogram", n, last)
	}
	if _, err := cs.Cell(cs.Cells()[0]); err == nil || !strings.Contains(err.Error(), "histograms: committed") {
		t.Errorf("Cell: error %v", err)
	}
}
