package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
)

// rowStore is a scriptStore with row locks: a locked update takes
// s.took and commits.
type rowStore struct{ *scriptStore }

func (s rowStore) LockedUpdate(ctx context.Context, w *drivers.Write) error {
	s.clk.Advance(s.took)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	s.counter++
	return nil
}

// TestHybridCell: one writer whose every op's first conditional write
// conflicts, escalating after 2 conflicts and cooling after 3 ms, on the
// fake clock. Each attempt takes 1 ms and the first backoff 1 ms:
//
//	op 0: conflict (t 1), commit (t 3)                   plain 3 ms
//	op 1: conflict (t 4: escalates), locked (t 6)        escalated 3 ms
//	op 2: locked (t 7)                                    escalated 1 ms
//	op 3: cooled at t 7 (4 + 3); conflict, commit (t 10) plain 3 ms
//
// and so on: escalations at 4, 11 and 18 ms, each 3 ms long; ops 0, 3,
// 6 and 9 plain, the 6 others escalated.
func TestHybridCell(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := rowStore{&scriptStore{clk: clk, took: time.Millisecond, conflicts: 1}}
	sc := baseScenario()
	sc.Strategies = []string{"hybrid"}
	sc.HybridLock = "row"
	sc.EscalateAfter = 2
	sc.EscalateWindow = scenarios.Duration(time.Second)
	sc.DeescalateAfter = scenarios.Duration(3 * time.Millisecond)
	c := runOne(t, st, clk, sc)
	if c.Ops != 10 || !c.Audit.OK || c.Audit.LossExpected {
		t.Fatalf("ops %d, audit %s (loss expected %v)", c.Ops, c.Audit.Verdict, c.Audit.LossExpected)
	}
	h := c.Hybrid
	if h == nil {
		t.Fatal("no hybrid results")
	}
	if h.Escalations != 3 || h.TimeEscalatedS != 0.009 {
		t.Errorf("%d escalations, %v s escalated; want 3, 0.009", h.Escalations, h.TimeEscalatedS)
	}
	e, p := h.EscalatedLatencyMS, h.PlainLatencyMS
	in := func(g, w float64) bool { return g >= w && g <= w*1.001 } // 3 significant figures
	if e.Ops != 6 || p.Ops != 4 || !in(e.Max, 3) || !in(e.P50, 1) || !in(e.Mean, 2) || !in(p.P50, 3) || !in(p.Max, 3) {
		t.Errorf("escalated %+v, plain %+v; want 6 ops of 1 or 3 ms, 4 of 3 ms", e, p)
	}
	for _, name := range []string{results.HistEscalated, results.HistPlain} {
		if c.Histograms[name] == "" {
			t.Errorf("no %s histogram", name)
		}
	}

	// Another strategy's cell has no hybrid results.
	sc.Strategies = []string{"optimistic"}
	if c := runOne(t, &scriptStore{clk: clk, took: time.Millisecond, conflicts: 1}, clk, sc); c.Hybrid != nil {
		t.Errorf("optimistic cell with hybrid results %+v", c.Hybrid)
	}
}
