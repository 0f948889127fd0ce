package report

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/occbench/occbench/results"
)

// TestHTMLClasses: a cell of writer classes has a "Writer classes" table
// in its section, one row per class; other sections have none.
func TestHTMLClasses(t *testing.T) {
	t.Parallel()
	f := testFile(t, func(r *rand.Rand) results.Cell {
		c := testCell(t, r, "optimistic+lease", "expo+none", 8)
		for _, k := range []results.Class{
			{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "expo", FieldGroup: 0, Ops: 100, ThroughputOpsS: 50},
			{Name: "workers", Writers: 6, Strategy: "lease", Backoff: "none", FieldGroup: 1, Ops: 400, ThroughputOpsS: 200},
		} {
			c.Classes = append(c.Classes, k)
		}
		return c
	})
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	heads := d.all(func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "h4" && text(n) == "Writer classes"
	})
	if len(heads) != 1 {
		t.Fatalf("%d writer classes headings, want 1 (one cell has classes)", len(heads))
	}
	var rows []string
	for _, tr := range d.all(func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "tr" }) {
		if s := text(tr); strings.HasPrefix(s, "editors") || strings.HasPrefix(s, "workers") {
			rows = append(rows, s)
		}
	}
	if len(rows) != 2 || !strings.Contains(rows[1], "lease") {
		t.Errorf("class rows %q, want editors and workers (lease)", rows)
	}
}
