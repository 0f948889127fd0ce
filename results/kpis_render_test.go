package results

import (
	"bytes"
	"slices"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// kpiFile is testFile with conflict recovery and fairness in its first
// cell (contended, one writer starved), the second's without a conflict
// (lww), none in the third (written before the fields existed); the
// fourth is skipped.
func kpiFile(t testing.TB) *File {
	f := testFile(t)
	f.Cells[0].RecoveryMS = &Recovery{Ops: 2100, P50: 1.5, P90: 6.25, P99: 31.7, Max: 812, Mean: 3.1}
	f.Cells[0].WriterOps = []int64{3000, 3100, 3245, 3000, 0, 1000, 1000, 1000}
	f.Cells[0].Fairness = &Fairness{Jain: 0.716, MinShare: 0, MaxShare: 0.262859, StarvedOps: 17}
	f.Cells[1].RecoveryMS = &Recovery{}
	f.Cells[1].WriterOps = []int64{2500, 2500, 2500, 2500, 2500, 2500, 2500, 2500}
	f.Cells[1].Fairness = &Fairness{Jain: 1, MinShare: 0.125, MaxShare: 0.125}
	return f
}

func TestRenderKPIs(t *testing.T) {
	for _, format := range []string{"text", "markdown", "csv"} {
		t.Run(format, func(t *testing.T) {
			out := render(t, kpiFile(t), format)
			golden.Check(t, golden.Path(t), out)
		})
	}
	cols, rows := SummaryTable(kpiFile(t))
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	at := slices.Index(names, "conflict%")
	if at < 0 || len(names) < at+3 || names[at+1] != "recov p99 ms" || names[at+2] != "jain" || !cols[at+1].Numeric || !cols[at+2].Numeric {
		t.Fatalf("columns %q: want recov p99 ms and jain after conflict%%", names)
	}
	for i, want := range [][2]string{
		{"31.7", "0.716"}, // recovery and fairness
		{"-", "1.000"},    // no conflict, even writers
		{"-", "-"},        // written before they existed
		{"-", "-"},        // skipped
	} {
		if got := [2]string{rows[i][at+1], rows[i][at+2]}; got != want {
			t.Errorf("row %d: recov p99 ms, jain = %q, want %q", i, got, want)
		}
	}
	// A file written before the fields existed has no such columns.
	if out := render(t, testFile(t), "text"); bytes.Contains(out, []byte("recov p99")) || bytes.Contains(out, []byte("jain")) {
		t.Error("an old file's table has recovery or jain columns")
	}
}

func TestKPITexts(t *testing.T) {
	f := kpiFile(t)
	tests := []struct {
		c                             *Cell
		p99, jain, recovery, fairness string
	}{
		{&f.Cells[0], "31.7", "0.716",
			"p50 1.50, p90 6.25, p99 31.7, max 812, mean 3.10 (2100 ops met a conflict)",
			"Jain 0.716; writer shares 0.0% … 26.3% of 8 writers; 17 starved ops (> 100 attempts or > 100 × the median latency)"},
		{&f.Cells[1], "-", "1.000", "no op committed after a conflict",
			"Jain 1.000; writer shares 12.5% … 12.5% of 8 writers; 0 starved ops (> 100 attempts or > 100 × the median latency)"},
		{&f.Cells[2], "-", "-", "-", "-"},
		{&Cell{RecoveryMS: &Recovery{}, Fairness: &Fairness{StarvedOps: 2}, WriterOps: []int64{0, 0}}, "-", "-",
			"no op committed after a conflict", "no op committed; 2 starved ops (> 100 attempts or > 100 × the median latency)"},
	}
	for i, tt := range tests {
		if got := RecoveryP99Text(tt.c); got != tt.p99 {
			t.Errorf("%d: RecoveryP99Text = %q, want %q", i, got, tt.p99)
		}
		if got := JainText(tt.c); got != tt.jain {
			t.Errorf("%d: JainText = %q, want %q", i, got, tt.jain)
		}
		if got := RecoveryText(tt.c); got != tt.recovery {
			t.Errorf("%d: RecoveryText = %q, want %q", i, got, tt.recovery)
		}
		if got := FairnessText(tt.c); got != tt.fairness {
			t.Errorf("%d: FairnessText = %q, want %q", i, got, tt.fairness)
		}
	}
	if HasKPIs(testFile(t)) || !HasKPIs(kpiFile(t)) {
		t.Error("HasKPIs")
	}
}
