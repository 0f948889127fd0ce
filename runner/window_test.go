package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// TestOpsPerWriterCountsMeasuredOps: --ops-per-writer N makes N measured
// ops per writer whatever the warmup; the warmup's ops are extra, and the
// audit counts them.
func TestOpsPerWriterCountsMeasuredOps(t *testing.T) {
	for _, tt := range []struct {
		name         string
		warmup       time.Duration
		ops          int
		wantExpected int64 // audit: measured + warmup ops
	}{
		{"no warmup", 0, 3, 3},
		// 1 ms per op: ops at 0 … 9 ms start in the warmup.
		{"warmup", 10 * time.Millisecond, 3, 13},
		{"warmup longer than the ops", 100 * time.Millisecond, 1, 101},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := &scriptStore{clk: clk, took: time.Millisecond}
			sc := baseScenario()
			sc.OpsPerWriter = tt.ops
			sc.Warmup = scenarios.Duration(tt.warmup)
			c := runOne(t, st, clk, sc)
			if c.Ops != int64(tt.ops) || c.Audit.Expected != tt.wantExpected || !c.Audit.OK {
				t.Errorf("ops %d, audit expected %d (%s); want %d measured ops, %d in all", c.Ops, c.Audit.Expected, c.Audit.Verdict, tt.ops, tt.wantExpected)
			}
		})
	}
}

// TestOpsPerWriterAfterWarmupOnMemory is the reported case: `run --driver
// memory --writers 50 --ops-per-writer 1 --latency 1ms` with the
// built-in 100 ms warmup measured 0 ops. It must measure 50.
func TestOpsPerWriterAfterWarmupOnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time latency")
	}
	lat := delay.Constant(time.Millisecond)
	st, err := memory.New(drivers.Options{Latency: lat})
	if err != nil {
		t.Fatal(err)
	}
	sc := baseScenario()
	sc.Driver = "memory"
	sc.Writers = []int{50}
	sc.Keys = 64
	sc.OpsPerWriter = 1
	sc.Warmup = scenarios.Duration(100 * time.Millisecond)
	sc.Latency = lat
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"}, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ops+results.GaveUp(&c) != 50 || c.Ops == 0 || !c.Audit.OK {
		t.Fatalf("ops %d, give-ups %v, cut off %d, audit %s: want 50 measured ops", c.Ops, c.GiveUps, c.CutOff, c.Audit.Verdict)
	}
}

// TestCutOffIsNotAGiveUp: ops that the end of the cell cuts off — while
// retrying, or committing only after the end — are counted in cut_off,
// not give_ups, and success_rate leaves them out. No backoff runs past
// the end.
func TestCutOffIsNotAGiveUp(t *testing.T) {
	for _, tt := range []struct {
		name      string
		took      time.Duration
		conflicts int
		mod       func(*scenarios.Scenario)
		ops       int64
		cutOff    int64
		giveUps   map[string]int64
		attempts  int64
		expected  int64 // audit
		success   float64
		clockEnd  time.Duration // the fake clock when the cell returned
	}{
		// Two conflicts, then a commit: 1 + 1 + 1 + 2 + 1 = 6 ms an op.
		// The 4th op conflicts at 19 ms; its 1 ms backoff would end at
		// the end of the cell: cut off, without sleeping.
		{name: "retrying at the end", took: time.Millisecond, conflicts: 2,
			ops: 3, cutOff: 1, attempts: 10, expected: 3, success: 1, clockEnd: 19 * time.Millisecond},
		// 7 ms an op: the 3rd commits at 21 ms, after the end. The audit
		// counts it; the measurement does not.
		{name: "committed after the end", took: 7 * time.Millisecond,
			ops: 2, cutOff: 1, attempts: 3, expected: 3, success: 1, clockEnd: 21 * time.Millisecond},
		// Every op gives up after 2 attempts (3 ms); the 7th is cut off.
		{name: "give-ups and a cut-off", took: time.Millisecond, conflicts: 9, mod: func(s *scenarios.Scenario) { s.MaxAttempts = 2 },
			ops: 0, cutOff: 1, giveUps: map[string]int64{"max-attempts": 6}, attempts: 13, expected: 0, success: 0, clockEnd: 19 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := &scriptStore{clk: clk, took: tt.took, conflicts: tt.conflicts}
			sc := baseScenario()
			sc.OpsPerWriter = 0
			sc.Duration = scenarios.Duration(20 * time.Millisecond)
			if tt.mod != nil {
				tt.mod(&sc)
			}
			c := runOne(t, st, clk, sc)
			if c.Ops != tt.ops || c.CutOff != tt.cutOff || c.Attempts != tt.attempts {
				t.Errorf("ops %d cut off %d attempts %d; want %d %d %d", c.Ops, c.CutOff, c.Attempts, tt.ops, tt.cutOff, tt.attempts)
			}
			if len(c.GiveUps) != len(tt.giveUps) {
				t.Errorf("give-ups %v, want %v", c.GiveUps, tt.giveUps)
			}
			for k, v := range tt.giveUps {
				if c.GiveUps[k] != v {
					t.Errorf("give_ups[%s] = %d, want %d", k, c.GiveUps[k], v)
				}
			}
			if c.SuccessRate != tt.success {
				t.Errorf("success rate %v, want %v (cut-offs excluded)", c.SuccessRate, tt.success)
			}
			if c.Audit.Expected != tt.expected || !c.Audit.OK {
				t.Errorf("audit %+v, want %d expected", c.Audit, tt.expected)
			}
			if c.DurationS != 0.02 {
				t.Errorf("duration %v s, want the planned 0.02", c.DurationS)
			}
			if got := clk.Now().Sub(time.Unix(0, 0)); got != tt.clockEnd {
				t.Errorf("cell returned at %v, want %v", got, tt.clockEnd)
			}
		})
	}
}

// TestThinkNeverRunsPastTheEnd: a think time that would end after the
// cell's end is not slept: the writer stops, and the measured window is
// still the whole duration.
func TestThinkNeverRunsPastTheEnd(t *testing.T) {
	for _, tt := range []struct {
		name     string
		think    time.Duration
		ops      int64
		clockEnd time.Duration
	}{
		// Ops at 0, 401 and 802 ms; the next would start at 1203 ms.
		{"long think", 400 * time.Millisecond, 3, 803 * time.Millisecond},
		{"think longer than the cell", 5 * time.Second, 1, time.Millisecond},
		// Ops at 0, 500; 1000 is the end itself: no op starts there.
		{"think to the end", 499 * time.Millisecond, 2, 501 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := &scriptStore{clk: clk, took: time.Millisecond}
			sc := baseScenario()
			sc.OpsPerWriter = 0
			sc.Duration = scenarios.Duration(time.Second)
			sc.Think = scenarios.Duration(tt.think)
			c := runOne(t, st, clk, sc)
			if c.Ops != tt.ops || c.CutOff != 0 {
				t.Errorf("ops %d cut off %d, want %d and 0", c.Ops, c.CutOff, tt.ops)
			}
			if got := clk.Now().Sub(time.Unix(0, 0)); got != tt.clockEnd {
				t.Errorf("cell returned at %v, want %v: think ran past the end", got, tt.clockEnd)
			}
			if c.DurationS != 1 || c.ThroughputOpsS != float64(tt.ops) {
				t.Errorf("duration %v s, %v ops/s; want 1 s and %d ops/s", c.DurationS, c.ThroughputOpsS, tt.ops)
			}
		})
	}
}

// seedRecorder records the seeds its cells were set up with.
type seedRecorder struct {
	*scriptStore
	seeds []uint64
}

func (s *seedRecorder) Setup(ctx context.Context, spec drivers.Spec) error {
	s.seeds = append(s.seeds, spec.Seed)
	return nil
}

// TestStoreSeed: each cell's store is seeded from the scenario's seed
// and the trial, so that its random draws repeat across runs and differ
// across trials.
func TestStoreSeed(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &seedRecorder{scriptStore: &scriptStore{clk: clk, took: time.Millisecond}}
	sc := baseScenario()
	sc.Trials = 2
	sc.Seed = 99
	for _, spec := range runner.Cells(sc) {
		if _, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "script", Clock: clk}, spec, 0, 2); err != nil {
			t.Fatal(err)
		}
	}
	want := []uint64{runner.StoreSeed(99, 1), runner.StoreSeed(99, 2)}
	if len(st.seeds) != 2 || st.seeds[0] != want[0] || st.seeds[1] != want[1] || want[0] == want[1] {
		t.Errorf("seeds %v, want %v (distinct)", st.seeds, want)
	}
	if runner.StoreSeed(99, 1) == runner.StoreSeed(98, 1) {
		t.Error("StoreSeed ignores the scenario's seed")
	}
}

// TestMemoryRandomLatency: with a random latency the memory store gives
// each writer a session drawing from its own stream; every strategy
// still commits exactly what the audit finds.
func TestMemoryRandomLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time latency")
	}
	lat := delay.Normal(200*time.Microsecond, 50*time.Microsecond)
	for _, strat := range []string{"optimistic", "pessimistic", "lease", "lww"} {
		t.Run(strat, func(t *testing.T) {
			st, err := memory.New(drivers.Options{Latency: lat})
			if err != nil {
				t.Fatal(err)
			}
			sc := baseScenario()
			sc.Driver = "memory"
			sc.Strategies = []string{strat}
			sc.Backoffs = []string{"full-jitter"}
			sc.BackoffBase = scenarios.Duration(100 * time.Microsecond)
			sc.BackoffCap = scenarios.Duration(2 * time.Millisecond)
			sc.Writers = []int{4}
			sc.OpsPerWriter = 20
			sc.Latency = lat
			c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"}, runner.Cells(sc)[0], 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if c.Ops != 80 || !c.Audit.OK {
				t.Errorf("ops %d, audit %s; want 80 ok", c.Ops, c.Audit.Verdict)
			}
		})
	}
}
