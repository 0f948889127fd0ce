package report

import (
	"bytes"
	"html"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// TestHTMLKPIs: the summary table has the recov p99 ms and jain columns
// when a cell has them ("-" for a cell from an older file), and each
// cell's facts word its conflict recovery and fairness.
func TestHTMLKPIs(t *testing.T) {
	t.Parallel()
	f := testFile(t, func(r *rand.Rand) results.Cell {
		c := testCell(t, r, "optimistic", "expo", 4)
		c.RecoveryMS = &results.Recovery{Ops: 120, P50: 0.9, P90: 4.2, P99: 17.5, Max: 48, Mean: 1.6}
		c.WriterOps = []int64{200, 100, 0, 50}
		c.Fairness = &results.Fairness{Jain: 0.604938, MinShare: 0, MaxShare: 0.571429, StarvedOps: 3}
		return c
	})
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(buf.String())
	for _, want := range []string{
		`<th class="num">recov p99 ms</th>`, `<th class="num">jain</th>`,
		`<td class="num">17.5</td><td class="num">0.605</td>`,
		"conflict recovery ms (first conflict to commit)",
		"p50 0.900, p90 4.20, p99 17.5, max 48.0, mean 1.60 (120 ops met a conflict)",
		"Jain 0.605; writer shares 0.0% … 57.1% of 4 writers; 3 starved ops (> 100 attempts or > 100 × the median latency)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// A file written before the fields existed: no columns; its facts
	// say "-".
	buf.Reset()
	if err := HTML(&buf, testFile(t)); err != nil {
		t.Fatal(err)
	}
	page = html.UnescapeString(buf.String())
	if strings.Contains(page, "recov p99 ms") || strings.Contains(page, ">jain</th>") {
		t.Error("an old file's summary table has recovery or jain columns")
	}
	if !strings.Contains(page, "conflict recovery ms (first conflict to commit)") {
		t.Error("an old file's cell facts lack the recovery row")
	}
}
