package report

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
)

// doc is a parsed report.
type doc struct {
	root *html.Node
	raw  string
}

func parse(t *testing.T, b []byte) doc {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("report does not parse: %v", err)
	}
	return doc{root, string(b)}
}

// all returns the elements for which match is true, in document order.
func (d doc) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range d.root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

// text is the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func TestHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		file       func(t *testing.T) *results.File
		redCells   []string // cells the red banner must name; nil: no red banner
		wantBanner string   // class of the first banner
	}{
		{
			name:       "expected loss only",
			file:       func(t *testing.T) *results.File { return testFile(t) },
			wantBanner: "good",
		},
		{
			name: "unexpected loss",
			file: func(t *testing.T) *results.File {
				return testFile(t,
					func(r *rand.Rand) results.Cell { return testCell(t, r, "pessimistic", "expo", 8, lost(7, false)) },
					func(r *rand.Rand) results.Cell { return testCell(t, r, "optimistic", "expo", 1, lost(-2, false)) },
				)
			},
			redCells:   []string{"pessimistic / expo, 8 writers lost 7 of", "optimistic / expo, 1 writer: the store holds 2 more updates"},
			wantBanner: "bad",
		},
		{
			name: "trials share a section",
			file: func(t *testing.T) *results.File {
				trial := func(n int) func(r *rand.Rand) results.Cell {
					return func(r *rand.Rand) results.Cell {
						c := testCell(t, r, "optimistic", "expo", 4)
						c.Trial = n
						return c
					}
				}
				return testFile(t, trial(1), trial(2))
			},
			wantBanner: "good",
		},
		{
			name: "audit failure without a count is red too",
			file: func(t *testing.T) *results.File {
				return testFile(t, func(r *rand.Rand) results.Cell {
					c := testCell(t, r, "optimistic", "expo", 8)
					c.Audit.OK = false
					return c
				})
			},
			redCells:   []string{"optimistic / expo, 8 writers: audit failed"},
			wantBanner: "bad",
		},
		{
			name: "interrupted, every cell skipped",
			file: func(t *testing.T) *results.File {
				f := testFile(t)
				f.Interrupted = true
				for i := range f.Cells {
					f.Cells[i] = results.Cell{Strategy: f.Cells[i].Strategy, Backoff: "none", Writers: 1, Skipped: "interrupted"}
				}
				return f
			},
			wantBanner: "warn",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.file(t)
			var buf bytes.Buffer
			if err := HTML(&buf, f); err != nil {
				t.Fatal(err)
			}
			d := parse(t, buf.Bytes())
			checkSelfContained(t, d)

			// An inline <svg> for every chart, in its figure.
			ps, err := plots.All(f)
			if err != nil {
				t.Fatal(err)
			}
			svgs := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Svg })
			if len(svgs) != len(ps) {
				t.Errorf("%d <svg> elements, want one per chart: %d", len(svgs), len(ps))
			}
			for _, p := range ps {
				figs := d.all(func(n *html.Node) bool {
					id, _ := attr(n, "id")
					return n.DataAtom == atom.Figure && id == "chart-"+p.Name
				})
				if len(figs) != 1 {
					t.Errorf("chart %s: %d figures", p.Name, len(figs))
					continue
				}
				var svg *html.Node
				for c := figs[0].FirstChild; c != nil; c = c.NextSibling {
					if c.DataAtom == atom.Svg {
						svg = c
					}
				}
				if svg == nil {
					t.Errorf("chart %s: figure without <svg>", p.Name)
					continue
				}
				if label, _ := attr(svg, "aria-label"); label != p.Title {
					t.Errorf("chart %s: aria-label %q, want %q", p.Name, label, p.Title)
				}
				if vb, _ := attr(svg, "viewBox"); vb == "" {
					t.Errorf("chart %s: no viewBox", p.Name)
				}
			}

			// The title names the scenario.
			if titles := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Title }); len(titles) != 1 || text(titles[0]) != "occbench: fixture" {
				t.Errorf("title: %v", titles)
			}

			// The verdict banner.
			banners := d.all(func(n *html.Node) bool { return hasClass(n, "banner") })
			if len(banners) == 0 || !hasClass(banners[0], tt.wantBanner) {
				t.Fatalf("first banner is not %q", tt.wantBanner)
			}
			red := d.all(func(n *html.Node) bool { return hasClass(n, "banner") && hasClass(n, "bad") })
			switch {
			case tt.redCells == nil && len(red) > 0:
				t.Errorf("red banner without an unexpected loss: %q", text(red[0]))
			case tt.redCells != nil && len(red) != 1:
				t.Errorf("%d red banners, want 1", len(red))
			case tt.redCells != nil:
				got := text(red[0])
				for _, c := range tt.redCells {
					if !strings.Contains(got, c) {
						t.Errorf("red banner %q does not name %q", got, c)
					}
				}
				if strings.Contains(got, "lww") {
					t.Errorf("red banner names the lww cell, whose loss is expected: %q", got)
				}
			}
			// One section per cell that ran, trials together.
			ids := map[string]bool{}
			for _, id := range plots.CellIDs(f) {
				if id != "" {
					ids[id] = true
				}
			}
			sections := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Details })
			if len(sections) != len(ids) {
				t.Errorf("%d cell sections, want %d", len(sections), len(ids))
			}
			for _, s := range sections {
				id, _ := attr(s, "id")
				if !ids[strings.TrimPrefix(id, "cell-")] {
					t.Errorf("section %q for no cell", id)
				}
				_, open := attr(s, "open")
				if open != hasClass(s, "unexpected") {
					t.Errorf("section %q: open %v, class %v: only cells with unexpected losses are open", id, open, s.Attr)
				}
			}
			trialTables := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Table && hasClass(n, "facts") })
			if wantTables := map[bool]int{false: 0, true: 1}[strings.Contains(tt.name, "trials")]; len(trialTables) != wantTables {
				t.Errorf("%d trial tables, want %d", len(trialTables), wantTables)
			}
			if f.Interrupted && len(d.all(func(n *html.Node) bool {
				return hasClass(n, "banner") && hasClass(n, "warn") && strings.Contains(text(n), "Interrupted")
			})) != 1 {
				t.Error("no interrupted banner")
			}

			// One summary row per cell, its audit coloured by verdict.
			summary := d.all(func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "summary" })
			if len(summary) != 1 {
				t.Fatalf("%d summary sections", len(summary))
			}
			rows := (doc{root: summary[0]}).all(func(n *html.Node) bool {
				return n.DataAtom == atom.Tr && n.Parent != nil && n.Parent.DataAtom == atom.Tbody
			})
			if len(rows) != len(f.Cells) {
				t.Fatalf("%d summary rows, want %d", len(rows), len(f.Cells))
			}
			for i, row := range rows {
				c := &f.Cells[i]
				want := verdictOf(c).class()
				if !hasClass(row, want) {
					t.Errorf("row %d (%s/%s/w%d): class %v, want %q", i, c.Strategy, c.Backoff, c.Writers, row.Attr, want)
				}
				badges := (doc{root: row}).all(func(n *html.Node) bool { return hasClass(n, "badge") })
				if len(badges) != 1 || !hasClass(badges[0], want) || text(badges[0]) != results.AuditText(c) {
					t.Errorf("row %d: audit badge %v, want class %q text %q", i, badges, want, results.AuditText(c))
				}
			}
		})
	}
}

// checkSelfContained fails when the report could load anything: a script,
// an external stylesheet, font or image, a link off the page.
func checkSelfContained(t *testing.T, d doc) {
	t.Helper()
	if strings.Contains(d.raw, "http://") || strings.Contains(d.raw, "https://") {
		t.Error("report contains an http(s) URL")
	}
	for _, n := range d.all(func(*html.Node) bool { return true }) {
		switch n.DataAtom {
		case atom.Script, atom.Link, atom.Iframe, atom.Object, atom.Embed, atom.Img, atom.Base:
			t.Errorf("report has a <%s> element", n.Data)
		}
		if n.Data == "script" || n.Data == "image" || n.Data == "use" || n.Data == "foreignObject" {
			t.Errorf("report has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			val := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(key, "on"):
				t.Errorf("<%s> has an event handler %s", n.Data, a.Key)
			case key == "src" || key == "srcset" || key == "action" || key == "formaction" || key == "poster" || key == "data":
				t.Errorf("<%s> has %s=%q", n.Data, a.Key, a.Val)
			case key == "href" || strings.HasSuffix(key, ":href") || a.Namespace != "" && a.Key == "href":
				// The one link out: the definitions of the numbers, in
				// the repository checkout.
				if !strings.HasPrefix(val, "#") && val != "docs/metrics.md" {
					t.Errorf("<%s> links off the page: %s=%q", n.Data, a.Key, a.Val)
				}
			case key == "style" && strings.Contains(val, "url("):
				t.Errorf("<%s> style loads %q", n.Data, a.Val)
			}
			if strings.HasPrefix(val, "//") || strings.HasPrefix(val, "http:") || strings.HasPrefix(val, "https:") || strings.HasPrefix(val, "javascript:") {
				t.Errorf("<%s> %s=%q points off the page", n.Data, a.Key, a.Val)
			}
		}
		if n.DataAtom == atom.Style {
			css := strings.ToLower(text(n))
			if strings.Contains(css, "url(") || strings.Contains(css, "@import") || strings.Contains(css, "@font-face") {
				t.Error("stylesheet loads something")
			}
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Scenario["name"] = `<script>alert(1)</script>`
	f.Cells[0].Strategy = `opt<b>"`
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	checkSelfContained(t, d)
	if strings.Contains(d.raw, "<script>") || strings.Contains(d.raw, `opt<b>`) {
		t.Error("user text reached the page unescaped")
	}
}

func TestHTMLErrors(t *testing.T) {
	t.Parallel()
	if err := HTML(&bytes.Buffer{}, nil); err == nil {
		t.Error("HTML(nil file): no error")
	}
	f := testFile(t)
	f.Cells[0].Histograms[results.HistCommitted] = "bm90IGEgaGlzdG9ncmFt"
	err := HTML(&bytes.Buffer{}, f)
	if err == nil || !strings.Contains(err.Error(), "histograms: committed") {
		t.Errorf("HTML with a corrupt histogram: error %v", err)
	}
}

func TestHTMLRefusesAbsurdHistogram(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Cells[2].Histograms[results.HistCommitted] = bomb48(t)
	err := HTML(&bytes.Buffer{}, f)
	want := "report: html: plots: cell optimistic-none-w8: histograms: committed: histogram: decode: refused: 5 significant figures over values 1 … 9223372036854775807"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("HTML with a 49 MB histogram: error %v, want one line starting %q", err, want)
	}
}

func TestHTMLTooManyCells(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	err := writeHTML(&bytes.Buffer{}, f, limits{cells: 5, charted: MaxChartedCells})
	want := "report: html: 6 cells: more than the 5 an HTML report holds (report.MaxCells); use --format text, markdown or csv"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if err := writeHTML(&bytes.Buffer{}, f, limits{cells: 6, charted: MaxChartedCells}); err != nil {
		t.Errorf("6 cells, limit 6: %v", err)
	}
}

// TestHTMLChartLimit draws the charts of 2 cells: the one with an
// unexpected loss (last in the file), then the first.
func TestHTMLChartLimit(t *testing.T) {
	t.Parallel()
	f := testFile(t, func(r *rand.Rand) results.Cell { return testCell(t, r, "pessimistic", "expo", 8, lost(7, false)) })
	var buf bytes.Buffer
	if err := writeHTML(&buf, f, limits{cells: MaxCells, charted: 2}); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	checkSelfContained(t, d)
	charted := map[string]int{}
	var uncharted []string
	sections := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Details })
	for _, s := range sections {
		id, _ := attr(s, "id")
		figs := (doc{root: s}).all(func(n *html.Node) bool { return n.DataAtom == atom.Figure })
		if len(figs) > 0 {
			charted[id] = len(figs)
		}
		if strings.Contains(text(s), "No charts for this cell: this report draws those of 2 cells") {
			uncharted = append(uncharted, id)
		}
	}
	if len(charted) != 2 || charted["cell-optimistic-none-w1"] == 0 || charted["cell-pessimistic-expo-w8"] == 0 {
		t.Errorf("charted sections %v, want the first and the unexpected one", charted)
	}
	if len(uncharted) != len(sections)-2 {
		t.Errorf("%d of %d sections say they have no charts, want %d", len(uncharted), len(sections), len(sections)-2)
	}
	note := d.all(func(n *html.Node) bool { return hasClass(n, "limit") })
	if len(note) != 1 || !strings.Contains(text(note[0]), "Charts are drawn for 2 of the 6 cells, the most an HTML report draws (report.MaxChartedCells, 2)") {
		t.Errorf("no note of the charted cells: %v", note)
	}
	if meta := d.all(func(n *html.Node) bool { return hasClass(n, "meta") }); len(meta) != 1 || !strings.Contains(text(meta[0]), "7 cells, 6 ran, 2 charted") {
		t.Error("the header does not say how many cells are charted")
	}
	// Every sweep chart is drawn.
	cs, err := plots.NewCharts(f)
	if err != nil {
		t.Fatal(err)
	}
	for p, err := range cs.Sweeps() {
		if err != nil {
			t.Fatal(err)
		}
		if len(d.all(func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "chart-"+p.Name })) != 1 {
			t.Errorf("sweep chart %s missing", p.Name)
		}
	}
	// Without the limit, no note.
	buf.Reset()
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `class="hint limit"`) || strings.Contains(buf.String(), "No charts for this cell") {
		t.Error("a report within the limit says charts were left out")
	}
}

func TestThresholds(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	if s := thresholdSection(f, false); s != nil {
		t.Errorf("no thresholds: section %+v", s)
	}
	f.Scenario["thresholds"] = []any{"p99_ms<50", "optimistic: lost_updates==0"}
	s := thresholdSection(f, false)
	if s == nil || !slices.Equal(s.Declared, []string{"p99_ms<50", "optimistic: lost_updates==0"}) || len(s.Rows) != 0 {
		t.Fatalf("declared thresholds only: section %+v", s)
	}

	f.Cells[0].Thresholds = []results.ThresholdResult{
		{Expr: "p99_ms < 50", Metric: "p99_ms", Value: 12.5, Pass: true},
		{Expr: "optimistic: lost_updates == 0", Metric: "lost_updates", Value: 0, Pass: true},
	}
	f.Cells[1].Thresholds = []results.ThresholdResult{
		{Expr: "p99_ms < 50", Metric: "p99_ms", Value: 73.21234567, Pass: false},
	}
	s = thresholdSection(f, false)
	if want := []string{"p99_ms < 50", "optimistic: lost_updates == 0"}; !slices.Equal(s.Header, want) {
		t.Errorf("columns %q, want %q", s.Header, want)
	}
	if s.Total != 3 || s.Failed != 1 || len(s.Rows) != 2 {
		t.Fatalf("total %d, failed %d, rows %d; want 3, 1, 2", s.Total, s.Failed, len(s.Rows))
	}
	if r := s.Rows[1]; r.Class != "unexpected" || r.Values[0] != (thresholdValue{"73.2123", "fail", "FAIL"}) || r.Values[1] != (thresholdValue{}) {
		t.Errorf("failing row %+v", r)
	}
	if r := s.Rows[0]; r.Class != "ok" || r.Values[1] != (thresholdValue{"0", "pass", "pass"}) {
		t.Errorf("passing row %+v", r)
	}

	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	checkSelfContained(t, d)
	sec := d.all(func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "thresholds" })
	if len(sec) != 1 || !strings.Contains(text(sec[0]), "1 of 3 failed") {
		t.Error("no thresholds section counting the failure")
	}
	fail := d.all(func(n *html.Node) bool { return hasClass(n, "banner") && hasClass(n, "fail") })
	if len(fail) != 1 || !strings.Contains(text(fail[0]), "pessimistic / none, 1 writer: p99_ms < 50 (got 73.2123)") {
		t.Errorf("threshold banner: %d, want one naming the failed check", len(fail))
	}
	if red := d.all(func(n *html.Node) bool { return hasClass(n, "banner") && hasClass(n, "bad") }); len(red) != 0 {
		t.Error("a failed threshold raised the lost-updates banner")
	}
}

func TestScenarioValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{nil, "-"}, {"", `""`}, {"1s", "1s"}, {3.0, "3"}, {0.99, "0.99"}, {true, "true"},
		{[]any{1.0, 4.0, 16.0}, "1, 4, 16"},
		{map[string]any{"prob": 0.05, "duration": "1.5s"}, "duration: 1.5s; prob: 0.05"},
	}
	for _, tt := range tests {
		if got := scenarioValue(tt.in); got != tt.want {
			t.Errorf("scenarioValue(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvironmentParts(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Parts = []results.Environment{
		{Driver: "postgres", ServerVersion: "16.4", OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26.8", Occbench: "v1", Hostname: "a"},
		{Driver: "sqlite", CPUs: 2},
	}
	env := environment(f)
	var got []string
	for _, e := range env {
		if strings.HasPrefix(e.K, "merged part") {
			got = append(got, e.K+" = "+e.V)
		}
	}
	want := []string{
		"merged part 1 = postgres (server 16.4), linux/amd64, 8 CPUs, go1.26.8, occbench v1, host a",
		"merged part 2 = sqlite, -/-, 2 CPUs, -, occbench -",
	}
	if !slices.Equal(got, want) {
		t.Errorf("parts:\n got %q\nwant %q", got, want)
	}
}
