package record

import (
	"math"
	"testing"
	"time"

	"github.com/occbench/occbench/results"
)

// TestHybrid: a hybrid cell's escalated and plain op latencies are kept
// apart, merged exactly, and summarised; other cells have none.
func TestHybrid(t *testing.T) {
	t.Parallel()
	a, b := New(nil), New(nil)
	a.TrackHybrid()
	b.TrackHybrid()
	for i, r := range []*Recorder{a, b} {
		for j := range 10 {
			lat := time.Duration(1+j) * time.Millisecond
			r.Commit(0, lat, 1, 0, lat)
			r.HybridCommit(lat, j < 3+i) // a: 3 escalated, b: 4
		}
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	var c results.Cell
	if err := a.Summarize(&c, time.Second); err != nil {
		t.Fatal(err)
	}
	if c.Hybrid == nil {
		t.Fatal("no hybrid results")
	}
	e, p := c.Hybrid.EscalatedLatencyMS, c.Hybrid.PlainLatencyMS
	if e.Ops != 7 || p.Ops != 13 {
		t.Errorf("escalated %d, plain %d ops; want 7, 13", e.Ops, p.Ops)
	}
	// Escalated: 1, 2, 3 ms (a) and 1, 2, 3, 4 ms (b); plain 4 … 10, 5 … 10.
	r1 := func(v float64) float64 { return math.Round(v*10) / 10 } // HDR: 3 significant figures
	if r1(e.Max) != 4 || r1(e.P50) != 2 || r1(p.Max) != 10 || r1(p.P50) != 7 {
		t.Errorf("escalated %+v, plain %+v", e, p)
	}
	for _, name := range []string{results.HistEscalated, results.HistPlain} {
		if c.Histograms[name] == "" {
			t.Errorf("no %s histogram", name)
		}
	}

	// A recorder of another strategy records nothing apart.
	o := New(nil)
	o.Commit(0, time.Millisecond, 1, 0, time.Millisecond)
	o.HybridCommit(time.Millisecond, true)
	var oc results.Cell
	if err := o.Summarize(&oc, time.Second); err != nil {
		t.Fatal(err)
	}
	if oc.Hybrid != nil || oc.Histograms[results.HistEscalated] != "" {
		t.Errorf("a cell that is not hybrid has hybrid results: %+v", oc.Hybrid)
	}
}
