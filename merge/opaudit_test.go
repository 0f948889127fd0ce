package merge_test

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/merge"
	"github.com/occbench/occbench/results"
)

// TestMergeOpsAudit: the op-level audits of separate stores add up, with
// their examples capped and the verdict worded again; those of nodes
// that shared one store prove nothing, and the merged audit says so;
// parts without one leave none.
func TestMergeOpsAudit(t *testing.T) {
	part := func(host string, ops *results.OpsAudit) *results.File { // sqlite: the memory driver's stores are always separate
		h := results.NewHistogram()
		_ = h.RecordValue(100)
		enc, _ := results.EncodeHistogram(h)
		return &results.File{
			Scenario:    results.Scenario{"name": "hot", "driver": "sqlite", "writers": []any{2}, "audit": "ops"},
			Environment: results.Environment{Driver: "sqlite", Hostname: host},
			Cells: []results.Cell{{
				Driver: "sqlite", Strategy: "optimistic", Backoff: "none", Writers: 2, DurationS: 1, Ops: 10, Attempts: 10,
				Audit:      results.Audit{Expected: 10, Observed: 10, OK: true, Ops: ops},
				Histograms: map[string]string{results.HistCommitted: enc, results.HistAttempt: enc, results.HistAttempts: enc},
			}},
		}
	}
	lost := func(n int) *results.OpsAudit {
		o := &results.OpsAudit{Checked: 10, Lost: int64(n)}
		for i := range n {
			o.Examples = append(o.Examples, results.OpExample{Writer: 1, Op: int64(i), What: results.OpLost})
		}
		return o
	}
	for _, tt := range []struct {
		name     string
		a, b     *results.OpsAudit
		separate bool
		want     *results.OpsAudit // nil: none
		ok       bool
		verdict  string
	}{
		{name: "none", separate: true, ok: true},
		{name: "clean", a: &results.OpsAudit{Checked: 10}, b: &results.OpsAudit{Checked: 10}, separate: true,
			want: &results.OpsAudit{Checked: 20}, ok: true, verdict: "ops audit: all 20 committed ops in the store"},
		{name: "lost, examples capped", a: lost(7), b: lost(6), separate: true,
			want:    &results.OpsAudit{Checked: 20, Lost: 13, Examples: append(lost(7).Examples, lost(3).Examples...)},
			verdict: "LOST UPDATES: ops audit: 13 of 20 committed ops"},
		{name: "shared store", a: &results.OpsAudit{Checked: 10}, b: &results.OpsAudit{Checked: 10},
			want:    &results.OpsAudit{Error: "nodes shared one store: their op logs mix writers of the same ids, so the op-level audit cannot tell them apart"},
			verdict: "OPS AUDIT UNAVAILABLE"}, // and the counts: each node saw 10 of the 20
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := merge.Merge([]*results.File{part("a", tt.a), part("b", tt.b)}, merge.Options{SeparateStores: tt.separate})
			if err != nil {
				t.Fatal(err)
			}
			a := m.Cells[0].Audit
			switch {
			case tt.want == nil && a.Ops != nil:
				t.Fatalf("merged ops audit %+v, want none", *a.Ops)
			case tt.want == nil:
				return
			case a.Ops == nil:
				t.Fatalf("no merged ops audit, want %+v", *tt.want)
			}
			o := *a.Ops
			if o.Checked != tt.want.Checked || o.Lost != tt.want.Lost || o.Error != tt.want.Error || len(o.Examples) != len(tt.want.Examples) {
				t.Errorf("merged ops audit %+v, want %+v", o, *tt.want)
			}
			for i := range min(len(o.Examples), len(tt.want.Examples)) {
				if o.Examples[i] != tt.want.Examples[i] {
					t.Errorf("example %d = %v, want %v", i, o.Examples[i], tt.want.Examples[i])
				}
			}
			if a.OK != tt.ok || !strings.Contains(a.Verdict, tt.verdict) {
				t.Errorf("ok %v verdict %q, want ok %v and %q", a.OK, a.Verdict, tt.ok, tt.verdict)
			}
		})
	}
}
