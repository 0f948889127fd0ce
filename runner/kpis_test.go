package runner_test

import (
	"slices"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
)

// TestConflictRecoveryAndStarvation: on a fake clock, the recovery time
// of an op runs from the end of its first conflicting attempt to its
// commit; an op of more than 100 attempts starves, committed or not.
func TestConflictRecoveryAndStarvation(t *testing.T) {
	for _, tt := range []struct {
		name      string
		conflicts int
		mod       func(*scenarios.Scenario)
		recovery  results.Recovery
		starved   int64
		fairness  results.Fairness
	}{
		// Attempts of 1 ms: the first conflict ends at 1 ms, the
		// second attempt runs 2–3 ms after a 1 ms backoff, the third
		// 5–6 ms after 2 ms, and commits: 5 ms after the first conflict.
		{name: "expo", conflicts: 2, recovery: results.Recovery{Ops: 10, P50: 5, P90: 5, P99: 5, Max: 5, Mean: 5},
			fairness: results.Fairness{Jain: 1, MinShare: 1, MaxShare: 1}},
		{name: "no conflict", conflicts: 0, fairness: results.Fairness{Jain: 1, MinShare: 1, MaxShare: 1}},
		// 101 conflicts without backoff: 102 attempts, the first conflict
		// ends at 1 ms and the commit at 102 ms; every op starved.
		{name: "many attempts", conflicts: 101, mod: func(s *scenarios.Scenario) { s.Backoffs = []string{"none"}; s.OpsPerWriter = 3 },
			recovery: results.Recovery{Ops: 3, P50: 101, P90: 101, P99: 101, Max: 101, Mean: 101}, starved: 3,
			fairness: results.Fairness{Jain: 1, MinShare: 1, MaxShare: 1}},
		// Ops that gave up after 120 attempts starved too; with no
		// commit there is no recovery, no median and no share.
		{name: "gave up", conflicts: 200, mod: func(s *scenarios.Scenario) {
			s.Backoffs = []string{"none"}
			s.OpsPerWriter = 4
			s.MaxAttempts = 120
		}, starved: 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := &scriptStore{clk: clk, took: time.Millisecond, conflicts: tt.conflicts}
			sc := baseScenario()
			if tt.mod != nil {
				tt.mod(&sc)
			}
			c := runOne(t, st, clk, sc)
			if c.RecoveryMS == nil || !near(*c.RecoveryMS, tt.recovery) {
				t.Errorf("recovery %+v, want %+v (within the histograms' 0.1%%)", c.RecoveryMS, tt.recovery)
			}
			if _, ok := c.Histograms[results.HistRecovery]; ok != (tt.recovery.Ops > 0) {
				t.Errorf("recovery histogram present: %v, want %v", ok, tt.recovery.Ops > 0)
			}
			want := tt.fairness
			want.StarvedOps = tt.starved
			if c.Fairness == nil || *c.Fairness != want {
				t.Errorf("fairness %+v, want %+v", c.Fairness, want)
			}
			if !slices.Equal(c.WriterOps, []int64{c.Ops}) {
				t.Errorf("writer ops %v, want [%d]", c.WriterOps, c.Ops)
			}
		})
	}
}

// near reports whether got has want's ops and its times within the
// histograms' resolution (3 significant figures: at most 0.1% above).
func near(got, want results.Recovery) bool {
	in := func(g, w float64) bool { return g >= w && g <= w*1.001 }
	return got.Ops == want.Ops && in(got.P50, want.P50) && in(got.P90, want.P90) && in(got.P99, want.P99) &&
		in(got.Max, want.Max) && in(got.Mean, want.Mean)
}

// TestWriterOps: a cell keeps each writer's commits, in writer order; in
// ops mode every writer commits as many.
func TestWriterOps(t *testing.T) {
	st, err := memory.New(drivers.Options{Writers: 4})
	if err != nil {
		t.Fatal(err)
	}
	sc := baseScenario()
	sc.Writers = []int{4}
	sc.Keys = 1
	sc.OpsPerWriter = 200
	sc.Backoffs = []string{"none"}
	c := runOne(t, st, nil, sc)
	if !slices.Equal(c.WriterOps, []int64{200, 200, 200, 200}) {
		t.Fatalf("writer ops %v, want 200 each", c.WriterOps)
	}
	if f := c.Fairness; f == nil || f.Jain != 1 || f.MinShare != 0.25 || f.MaxShare != 0.25 {
		t.Errorf("fairness %+v, want Jain 1 and shares of 0.25", f)
	}
	if c.RecoveryMS == nil || c.RecoveryMS.Ops > c.Ops {
		t.Errorf("recovery %+v of %d ops", c.RecoveryMS, c.Ops)
	}
}
