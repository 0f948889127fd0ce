package merge

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// withHybrid makes c a hybrid cell whose first escalated ops committed
// under the lock, the rest with a conditional write.
func withHybrid(t *testing.T, c results.Cell, lat []int64, escalated int, escalations int64, secs float64) results.Cell {
	t.Helper()
	c.Strategy = results.HybridStrategy
	hs := map[string]string{}
	for k, v := range c.Histograms {
		hs[k] = v
	}
	e, p := hist(t, lat[:escalated]), hist(t, lat[escalated:])
	hs[results.HistEscalated], hs[results.HistPlain] = enc(t, e), enc(t, p)
	c.Histograms = hs
	results.SetHybridLatency(&c, e, p)
	c.Hybrid.Escalations, c.Hybrid.TimeEscalatedS = escalations, secs
	return c
}

// TestMergeHybrid: escalations and time escalated are summed, the
// escalated and plain latencies are the whole's; an input without
// hybrid results leaves the merged cell without them, and one whose
// escalated ops lack their histogram is refused.
func TestMergeHybrid(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	sa, sb := gen(r, 300), gen(r, 120)
	ca := withHybrid(t, cellOf(t, "optimistic", 2, sa, 10, 300), sa.lat, 100, 3, 1.25)
	cb := withHybrid(t, cellOf(t, "optimistic", 2, sb, 10, 420), sb.lat, 40, 2, 0.5)
	a := fileOf("host-a", t0, 1, ca)
	b := fileOf("host-b", t0, 2, cb)
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Cells[0].Hybrid
	if h == nil {
		t.Fatal("merged cell has no hybrid results")
	}
	esc := append(append([]int64{}, sa.lat[:100]...), sb.lat[:40]...)
	plain := append(append([]int64{}, sa.lat[100:]...), sb.lat[40:]...)
	want := results.Hybrid{Escalations: 5, TimeEscalatedS: 1.75,
		EscalatedLatencyMS: results.OpLatencyOf(hist(t, esc)), PlainLatencyMS: results.OpLatencyOf(hist(t, plain))}
	if *h != want {
		t.Errorf("merged hybrid %+v\nwant %+v", *h, want)
	}
	if h.EscalatedLatencyMS.Ops+h.PlainLatencyMS.Ops != m.Cells[0].Ops {
		t.Errorf("escalated + plain ops %d, cell ops %d", h.EscalatedLatencyMS.Ops+h.PlainLatencyMS.Ops, m.Cells[0].Ops)
	}

	old := fileOf("host-b", t0, 2, cellOf(t, "optimistic", 2, sb, 10, 420))
	old.Cells[0].Strategy = results.HybridStrategy
	m, err = Files([]*results.File{a, old})
	if err != nil {
		t.Fatal(err)
	}
	if m.Cells[0].Hybrid != nil {
		t.Errorf("merge with an input without hybrid results: %+v, want none", m.Cells[0].Hybrid)
	}

	bad := fileOf("host-b", t0, 2, cb)
	bad.Cells[0].Histograms = map[string]string{}
	for k, v := range cb.Histograms {
		if k != results.HistEscalated {
			bad.Cells[0].Histograms[k] = v
		}
	}
	if _, err := Files([]*results.File{a, bad}); err == nil || !strings.Contains(err.Error(), "no escalated histogram") {
		t.Errorf("merge without an escalated histogram: %v", err)
	}
}
