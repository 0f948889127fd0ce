package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/occbench/occbench/results"
)

// readFaults reads the results file with faults that package results
// keeps for the packages that read results files.
func readFaults(t testing.TB) *results.File {
	t.Helper()
	f, err := results.ReadFile("../results/testdata/faults.json")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func renderHTML(t *testing.T, f *results.File) (doc, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	checkSelfContained(t, d)
	return d, buf.String()
}

// rowsOf returns the text of each cell of each body row of table.
func rowsOf(table *html.Node) [][]string {
	var out [][]string
	for _, tr := range (doc{root: table}).all(func(n *html.Node) bool {
		return n.DataAtom == atom.Tr && n.Parent != nil && n.Parent.DataAtom == atom.Tbody
	}) {
		var row []string
		for td := tr.FirstChild; td != nil; td = td.NextSibling {
			if td.DataAtom == atom.Td {
				row = append(row, text(td))
			}
		}
		out = append(out, row)
	}
	return out
}

// TestHTMLFaults: every cell section lists its faults, a row each; the
// audits without a verdict get their own banner, badges and wording, and
// are never called lost updates; the time series charts shade the
// faults.
func TestHTMLFaults(t *testing.T) {
	t.Parallel()
	f := readFaults(t)
	d, page := renderHTML(t, f)

	banners := d.all(func(n *html.Node) bool { return hasClass(n, "banner") })
	if len(banners) != 2 || !hasClass(banners[0], "good") || !hasClass(banners[1], "warn") {
		t.Fatalf("banners %d, want good then warn", len(banners))
	}
	if got := text(banners[0]); !strings.Contains(got, "No unexpected lost updates in the 2 cells audited (2 of the 4 that ran have no audit verdict)") {
		t.Errorf("verdict banner %q", got)
	}
	warn := text(banners[1])
	for _, want := range []string{
		"No audit verdict in 2 cells: STORE RESET or AUDIT UNAVAILABLE (not lost updates",
		"STORE RESET: pessimistic / expo, 8 writers: the store lost documents the cell seeded",
		"AUDIT UNAVAILABLE: lww / none, 8 writers: the store could not be read back (read totals: dial tcp 127.0.0.1:56379: connect: connection refused)",
	} {
		if !strings.Contains(warn, want) {
			t.Errorf("no-verdict banner %q lacks %q", warn, want)
		}
	}
	for _, bad := range []string{"UNEXPECTED LOST UPDATES", "LOST 5581", "lost 5581", "LOST UPDATES"} {
		if strings.Contains(page, bad) {
			t.Errorf("page says %q of an audit without a verdict", bad)
		}
	}

	// Summary: a faults column and the states' classes and badges.
	summary := d.all(func(n *html.Node) bool { id, _ := attr(n, "id"); return id == "summary" })
	rows := rowsOf(summary[0])
	trs := (doc{root: summary[0]}).all(func(n *html.Node) bool {
		return n.DataAtom == atom.Tr && n.Parent != nil && n.Parent.DataAtom == atom.Tbody
	})
	for i, want := range []struct{ class, faults, audit string }{
		{"ok", "2", "ok, 10 indeterminate"},
		{"reset", "1", "STORE RESET: no verdict, 5 indeterminate"},
		{"unavailable", "2", "AUDIT UNAVAILABLE: no verdict, 230 indeterminate"},
		{"ok", "0", "ok"},
	} {
		row := rows[i]
		if !hasClass(trs[i], want.class) || row[len(row)-2] != want.faults || row[len(row)-1] != want.audit {
			t.Errorf("summary row %d: %v (class %v), want faults %s, audit %q, class %s", i, row, trs[i].Attr, want.faults, want.audit, want.class)
		}
	}

	// Sections: the fault rows, as results.FaultRow words them.
	for _, tt := range []struct {
		id    string
		class string
		cell  int
		rows  int
	}{
		{"cell-optimistic-expo-w8", "ok", 0, 2},
		{"cell-pessimistic-expo-w8", "reset", 1, 1},
		{"cell-lww-none-w8", "unavailable", 2, 2},
		{"cell-optimistic-none-w8", "ok", 3, 0},
	} {
		secs := d.all(func(n *html.Node) bool { id, _ := attr(n, "id"); return n.DataAtom == atom.Details && id == tt.id })
		if len(secs) != 1 {
			t.Fatalf("%d sections %s", len(secs), tt.id)
		}
		sec := doc{root: secs[0]}
		if !hasClass(secs[0], tt.class) {
			t.Errorf("section %s: class %v, want %s", tt.id, secs[0].Attr, tt.class)
		}
		tables := sec.all(func(n *html.Node) bool { return n.DataAtom == atom.Table && hasClass(n, "faults") })
		if tt.rows == 0 {
			if len(tables) != 0 {
				t.Errorf("section %s: a fault table without faults", tt.id)
			}
			continue
		}
		if len(tables) != 1 {
			t.Fatalf("section %s: %d fault tables", tt.id, len(tables))
		}
		got := rowsOf(tables[0])
		if len(got) != tt.rows {
			t.Fatalf("section %s: %d fault rows, want %d", tt.id, len(got), tt.rows)
		}
		for j, row := range got {
			if want := results.FaultRow(&f.Cells[tt.cell].Faults[j]); !slices.Equal(row, want) {
				t.Errorf("section %s, fault %d: %q, want %q", tt.id, j, row, want)
			}
		}
		// The time series chart shades and labels every fault.
		for _, fl := range f.Cells[tt.cell].Faults {
			label := fl.Kind
			if fl.Error != "" {
				label += " (error)"
			}
			found := false
			for _, fig := range sec.all(func(n *html.Node) bool {
				id, _ := attr(n, "id")
				return n.DataAtom == atom.Figure && strings.HasPrefix(id, "chart-timeseries-")
			}) {
				found = found || strings.Contains(text(fig), label)
			}
			if !found {
				t.Errorf("section %s: no time series chart labels the %s fault", tt.id, label)
			}
		}
	}
	if !strings.Contains(page, "<td class=\"error\">latency: heal: proxy: use of closed network connection</td>") {
		t.Error("the fault's error is not in its row")
	}
	if !strings.Contains(page, "no verdict: STORE RESET (missing updates are the store&#39;s loss, not lost updates); expected 7442, observed 1861, versions 1861, missing 5581, indeterminate 5") {
		t.Error("the store reset cell's audit fact is not worded as missing")
	}
	if !strings.Contains(page, "no verdict: AUDIT UNAVAILABLE (read totals: dial tcp 127.0.0.1:56379: connect: connection refused); the store was not read: expected 21841, indeterminate 230") {
		t.Error("the unavailable cell's audit fact shows store counts")
	}
}

// TestHTMLFaultsTrials: a section of several trials names the trial of
// each fault.
func TestHTMLFaultsTrials(t *testing.T) {
	t.Parallel()
	f := readFaults(t)
	c := f.Cells[0]
	c.Trial = 1
	f.Cells[0].Trial = 2
	f.Cells[0].Faults = f.Cells[0].Faults[:1]
	f.Cells = append(f.Cells, c)
	d, _ := renderHTML(t, f)
	tables := d.all(func(n *html.Node) bool { return n.DataAtom == atom.Table && hasClass(n, "faults") })
	if len(tables) != 3 {
		t.Fatalf("%d fault tables, want 3", len(tables))
	}
	var trials []string
	for _, row := range rowsOf(tables[0]) {
		trials = append(trials, row[0]+" "+row[1])
	}
	if want := []string{"trial 2 pause", "trial 1 pause", "trial 1 restart"}; !slices.Equal(trials, want) {
		t.Errorf("fault rows %v, want %v", trials, want)
	}
	if !strings.HasPrefix(strings.TrimSpace(text(tables[0])), "trialkindspec") {
		t.Errorf("fault table header: %.40q", text(tables[0]))
	}
}

// TestVerdictOf: an audit without a verdict is neither ok nor a loss.
func TestVerdictOf(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		a    results.Audit
		want verdict
	}{
		{"ok", results.Audit{OK: true}, verdictOK},
		{"lost", results.Audit{LostUpdates: 3}, verdictUnexpected},
		{"reset", results.Audit{StoreReset: true, LostUpdates: 3}, verdictStoreReset},
		{"reset, lww", results.Audit{StoreReset: true, LostUpdates: 3, LossExpected: true, OK: true}, verdictStoreReset},
		{"unavailable", results.Audit{Unavailable: "down", LostUpdates: 9}, verdictUnavailable},
		{"both", results.Audit{Unavailable: "down", StoreReset: true}, verdictUnavailable},
	} {
		if got := verdictOf(&results.Cell{Strategy: "optimistic", Audit: tt.a}); got != tt.want {
			t.Errorf("%s: verdict %s, want %s", tt.name, got.class(), tt.want.class())
		}
	}
}
