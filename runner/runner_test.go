package runner_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// scriptStore conflicts on the first `conflicts` attempts of every op,
// then commits; each call advances the fake clock by `took`.
type scriptStore struct {
	clk       *clock.Fake
	took      time.Duration
	conflicts int
	err       error // returned instead of committing, when set
	lose      int64 // commits to "forget" (simulates a broken store)

	mu       sync.Mutex
	version  int64
	counter  int64
	failures int
	lastOp   int64
}

func (s *scriptStore) Setup(ctx context.Context, spec drivers.Spec) error { return nil }
func (s *scriptStore) Close() error                                       { return nil }
func (s *scriptStore) Totals(ctx context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return drivers.Totals{Docs: 1, Counter: s.counter - s.lose, Versions: s.version - s.lose}, nil
}

func (s *scriptStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Version, d.Counter = s.version, s.counter
	d.Groups = append(d.Groups[:0], 0)
	return nil
}

func (s *scriptStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.clk.Advance(s.took)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.Op != s.lastOp {
		s.failures, s.lastOp = 0, w.Op
	}
	if s.failures < s.conflicts {
		s.failures++
		return drivers.ErrVersionMismatch
	}
	if s.err != nil {
		return s.err
	}
	s.failures = 0
	s.version++
	s.counter++
	return nil
}

func baseScenario() scenarios.Scenario {
	sc := scenarios.Default()
	sc.Name = "test"
	sc.Strategies = []string{"optimistic"}
	sc.Backoffs = []string{"expo"}
	sc.BackoffBase = scenarios.Duration(time.Millisecond)
	sc.BackoffCap = scenarios.Duration(time.Second)
	sc.Writers = []int{1}
	sc.OpsPerWriter = 10
	sc.Duration = 0
	return sc
}

func runOne(t *testing.T, st drivers.Store, clk clock.Clock, sc scenarios.Scenario) results.Cell {
	t.Helper()
	spec := runner.Cells(sc)[0]
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "script", Clock: clk}, spec, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetryPolicies(t *testing.T) {
	for _, tt := range []struct {
		name      string
		conflicts int
		mod       func(*scenarios.Scenario)
		ops       int64
		attempts  int64
		giveUps   map[string]int64
		p50ms     float64 // committed op latency
		backoffMS float64
	}{
		// Two conflicts then a commit: 3 attempts of 1 ms, sleeps of 1 ms
		// and 2 ms: every op takes exactly 6 ms.
		{name: "retry expo", conflicts: 2, ops: 10, attempts: 30, p50ms: 6, backoffMS: 3},
		{name: "no conflicts", conflicts: 0, ops: 10, attempts: 10, p50ms: 1},
		{name: "constant", conflicts: 2, mod: func(s *scenarios.Scenario) { s.Backoffs = []string{"constant"} }, ops: 10, attempts: 30, p50ms: 5, backoffMS: 2},
		{name: "fail policy", conflicts: 1, mod: func(s *scenarios.Scenario) { s.OnConflict = "fail" }, ops: 0, attempts: 10, giveUps: map[string]int64{"fail-policy": 10}},
		{name: "max attempts", conflicts: 3, mod: func(s *scenarios.Scenario) { s.MaxAttempts = 2 }, ops: 0, attempts: 20, giveUps: map[string]int64{"max-attempts": 10}},
		{name: "max elapsed", conflicts: 5, mod: func(s *scenarios.Scenario) { s.MaxElapsed = scenarios.Duration(4 * time.Millisecond) }, ops: 0, attempts: 30, giveUps: map[string]int64{"max-elapsed": 10}},
		// Capacity 10, each retry costs 5: two retries, then empty.
		{name: "budget", conflicts: 1, mod: func(s *scenarios.Scenario) { s.Budget = 10; s.BudgetRefund = 0 }, ops: 2, attempts: 12, giveUps: map[string]int64{"budget": 8}, p50ms: 3, backoffMS: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := &scriptStore{clk: clk, took: time.Millisecond, conflicts: tt.conflicts}
			sc := baseScenario()
			if tt.mod != nil {
				tt.mod(&sc)
			}
			c := runOne(t, st, clk, sc)
			if c.Ops != tt.ops || c.Attempts != tt.attempts {
				t.Errorf("ops %d attempts %d, want %d %d", c.Ops, c.Attempts, tt.ops, tt.attempts)
			}
			for k, v := range tt.giveUps {
				if c.GiveUps[k] != v {
					t.Errorf("give_ups[%s] = %d, want %d (all: %v)", k, c.GiveUps[k], v, c.GiveUps)
				}
			}
			if tt.ops > 0 && (c.LatencyMS.P50 < tt.p50ms || c.LatencyMS.P50 > tt.p50ms*1.001) {
				t.Errorf("p50 = %v ms, want %v", c.LatencyMS.P50, tt.p50ms)
			}
			if c.Components.BackoffMean != tt.backoffMS && tt.ops > 0 {
				t.Errorf("backoff mean = %v ms, want %v", c.Components.BackoffMean, tt.backoffMS)
			}
			if !c.Audit.OK || c.Audit.Expected != tt.ops {
				t.Errorf("audit: %+v", c.Audit)
			}
			if want := float64(tt.attempts-tt.ops) / float64(tt.attempts); tt.attempts > 0 && c.ConflictRatio != round6(want) {
				t.Errorf("conflict ratio %v, want %v", c.ConflictRatio, want)
			}
		})
	}
}

func round6(v float64) float64 { return float64(int64(v*1e6+0.5)) / 1e6 }

// TestErrorsAreNotConflicts: errored attempts are retried under the
// error backoff, every one is recorded by class, and an op whose last
// attempt errored gives up for "error"; each may have committed.
func TestErrorsAreNotConflicts(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &scriptStore{clk: clk, took: time.Millisecond, err: context.DeadlineExceeded}
	sc := baseScenario()
	sc.MaxAttempts = 3
	c := runOne(t, st, clk, sc)
	if c.Ops != 0 || c.Conflicts != 0 || c.Attempts != 30 || c.Errors["timeout"] != 30 || c.GiveUps["error"] != 10 || len(c.GiveUps) != 1 {
		t.Fatalf("ops %d conflicts %d attempts %d errors %v give-ups %v", c.Ops, c.Conflicts, c.Attempts, c.Errors, c.GiveUps)
	}
	if c.Audit.Indeterminate != 30 {
		t.Errorf("indeterminate = %d, want 30 (attempts)", c.Audit.Indeterminate)
	}
}

func TestUnexpectedLossIsReported(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &scriptStore{clk: clk, took: time.Millisecond, lose: 3}
	c := runOne(t, st, clk, baseScenario())
	if c.Audit.OK || c.Audit.LostUpdates != 3 || c.Audit.LossExpected {
		t.Fatalf("audit %+v: want 3 unexpected lost updates", c.Audit)
	}
}

// TestOpenLoopNoCoordinatedOmission: a store that takes 2 ms per call
// under a schedule of one op per 1 ms falls further behind with every op;
// latency from the intended start shows it, and schedule lag is recorded.
func TestOpenLoopNoCoordinatedOmission(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &scriptStore{clk: clk, took: 2 * time.Millisecond}
	sc := baseScenario()
	sc.Rate = 1000
	sc.OpsPerWriter = 100
	c := runOne(t, st, clk, sc)
	if c.Ops != 100 {
		t.Fatalf("ops %d", c.Ops)
	}
	// Op k starts at 2k ms, was intended at k ms, ends at 2k+2: latency k+2 ms.
	if c.LatencyMS.Max < 100 || c.LatencyMS.P50 < 49 || c.LatencyMS.P50 > 53 {
		t.Errorf("latency from intended start: %+v, want p50 ≈ 51 ms, max ≈ 101 ms", c.LatencyMS)
	}
	if c.AttemptMS.Max > 2.01 {
		t.Errorf("attempt latency %+v, want 2 ms each", c.AttemptMS)
	}
	if c.ScheduleLagMS == nil || c.ScheduleLagMS.Max < 98 {
		t.Errorf("schedule lag %+v, want up to 99 ms", c.ScheduleLagMS)
	}
}

func TestOpenLoopKeepsSchedule(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &scriptStore{clk: clk, took: 100 * time.Microsecond}
	sc := baseScenario()
	sc.Rate = 1000
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(time.Second)
	c := runOne(t, st, clk, sc)
	// 1000 ops/s for 1 s on a fast store: exactly the schedule.
	if c.Ops < 990 || c.Ops > 1000 {
		t.Errorf("ops %d in 1 s at 1000/s", c.Ops)
	}
}

func TestInterruptKeepsMeasurements(t *testing.T) {
	st, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc := baseScenario()
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(time.Hour)
	sc.Writers = []int{4}
	ctx, cancel := context.WithCancel(context.Background())
	obs := &cancelAfterStart{cancel: cancel}
	spec := runner.Cells(sc)[0]
	c, err := runner.RunCell(ctx, runner.Config{Scenario: sc, Store: st, DriverName: "memory", Observer: obs}, spec, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted {
		t.Error("cell not marked interrupted")
	}
	if !c.Audit.OK {
		t.Errorf("audit after interrupt: %s", c.Audit.Verdict)
	}
	if !obs.finished {
		t.Error("observer not told the cell finished")
	}
}

type cancelAfterStart struct {
	cancel   func()
	finished bool
}

func (o *cancelAfterStart) CellStarted(runner.Spec, int, int, *runner.Live) { o.cancel() }
func (o *cancelAfterStart) CellFinished(runner.Spec, *results.Cell)         { o.finished = true }

func TestUnsupportedStrategyIsSkipped(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &scriptStore{clk: clk}
	sc := baseScenario()
	sc.Strategies = []string{"pessimistic"}
	c := runOne(t, st, clk, sc)
	if c.Skipped == "" {
		t.Fatal("want the cell skipped with a reason")
	}
}

func TestCellsOrder(t *testing.T) {
	sc := baseScenario()
	sc.Writers = []int{1, 4}
	sc.Strategies = []string{"optimistic", "lease"}
	sc.Backoffs = []string{"none", "expo"}
	sc.Trials = 2
	cells := runner.Cells(sc)
	if len(cells) != 16 {
		t.Fatalf("%d cells", len(cells))
	}
	if cells[0] != (runner.Spec{Strategy: "optimistic", Backoff: "none", Writers: 1, Trial: 1}) || cells[1].Trial != 2 || cells[15] != (runner.Spec{Strategy: "lease", Backoff: "expo", Writers: 4, Trial: 2}) {
		t.Errorf("order: %v", cells)
	}
	// A scope list is a sweep: each cell once per scope, side by side.
	sc.Scope = "document,operation"
	sc.Trials = 1
	cells = runner.Cells(sc)
	if len(cells) != 16 || cells[0].Scope != "document" || cells[1] != (runner.Spec{Strategy: "optimistic", Backoff: "none", Writers: 1, Trial: 1, Scope: "operation"}) {
		t.Errorf("scope sweep: %v", cells)
	}
}

func TestAudit(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		expected, indet      int64
		counter              int64
		strat                string
		lossExpected, wantOK bool
		want                 string
	}{
		{"exact", 100, 0, 100, "optimistic", false, true, "ok: 100 committed"},
		{"lost", 100, 0, 97, "optimistic", false, false, "LOST UPDATES: 3 of 100"},
		{"lww", 100, 0, 40, "lww", true, true, "lost 60 of 100 committed updates, as expected for lww"},
		{"unfenced lease", 100, 0, 99, "lease", true, true, "leases without fencing"},
		{"indeterminate committed", 100, 2, 101, "optimistic", false, true, "did commit"},
		{"harness bug", 100, 0, 105, "optimistic", false, false, "HARNESS BUG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := runner.Audit(tt.expected, tt.indet, drivers.Totals{Counter: tt.counter}, tt.strat, tt.lossExpected)
			if a.OK != tt.wantOK || a.LostUpdates != tt.expected-tt.counter {
				t.Errorf("audit %+v", a)
			}
			if !contains(a.Verdict, tt.want) {
				t.Errorf("verdict %q lacks %q", a.Verdict, tt.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}
