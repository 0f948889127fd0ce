package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// switchStore is one document whose writes fail with a connection error
// while it is down; each call takes 1 ms of fake time. The audit notes
// how many faults were still in effect when it read the totals.
type switchStore struct {
	clk *clock.Fake

	mu          sync.Mutex
	down        bool
	counter     int64
	inOutage    int
	activeAtSum int // faults in effect when Totals ran
	active      int
	audited     bool
}

func (s *switchStore) Setup(context.Context, drivers.Spec) error { return nil }
func (s *switchStore) Close() error                              { return nil }
func (s *switchStore) Totals(context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.activeAtSum, s.audited = s.active, true
	return drivers.Totals{Docs: 1, Counter: s.counter, Versions: s.counter}, nil
}

func (s *switchStore) Read(_ context.Context, _ int, d *drivers.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Version, d.Counter = s.counter, s.counter
	d.Groups = append(d.Groups[:0], 0)
	return nil
}

func (s *switchStore) CompareAndSwap(_ context.Context, w *drivers.Write) error {
	s.clk.Advance(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		s.inOutage++
		return errReset
	}
	if w.Expect != s.counter {
		return drivers.ErrVersionMismatch
	}
	s.counter++
	return nil
}

// switchInjector takes the store down for pause faults, fails to inject
// the kinds in fail, and logs what it did at which offset.
type switchInjector struct {
	st     *switchStore
	t0     time.Time
	fail   map[faults.Kind]error
	during func() // called once a fault is in effect
	mu     sync.Mutex
	log    []string
}

func (j *switchInjector) logf(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, fmt.Sprintf(format, args...))
}

func (j *switchInjector) Inject(ctx context.Context, f faults.Fault) (func(context.Context) error, error) {
	if err := j.fail[f.Kind]; err != nil {
		j.logf("inject %s failed", f.Spec)
		return nil, err
	}
	j.logf("inject %s at %v", f.Spec, j.st.clk.Now().Sub(j.t0))
	j.st.mu.Lock()
	j.st.down = f.Kind == faults.Pause
	j.st.active++
	j.st.mu.Unlock()
	if j.during != nil {
		j.during()
	}
	return func(ctx context.Context) error {
		if ctx.Err() != nil {
			return fmt.Errorf("heal called with a done context: %w", ctx.Err())
		}
		j.logf("heal %s at %v", f.Spec, j.st.clk.Now().Sub(j.t0))
		j.st.mu.Lock()
		j.st.down = false
		j.st.active--
		j.st.mu.Unlock()
		return nil
	}, nil
}

func mustFaults(t *testing.T, specs ...string) []faults.Fault {
	t.Helper()
	fs, err := faults.ParseList(specs)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestFaultSchedule: faults are injected at their offsets from the start
// of measurement (after the warmup) and healed after their duration, on
// the injected clock, before the audit; one that fails to inject and one
// past the end say why; each gets its record from the fine series.
func TestFaultSchedule(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	st := &switchStore{clk: clk}
	inj := &switchInjector{st: st, t0: t0, fail: map[faults.Kind]error{faults.Latency: errors.New("no proxy")}}
	sc := baseScenario()
	sc.OpsPerWriter = 0
	sc.Warmup = scenarios.Duration(time.Second)
	sc.Duration = scenarios.Duration(10 * time.Second)
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "switch", Clock: clk, Injector: inj,
		Faults: mustFaults(t, "pause@2s:2s", "latency@5s:1s", "kill@10s")}
	c, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets from t0: measurement starts after the 1 s warmup.
	want := []string{"inject pause@2s:2s at 3s", "heal pause@2s:2s at 5s", "inject latency@5s:1s failed"}
	if strings.Join(inj.log, "; ") != strings.Join(want, "; ") {
		t.Errorf("injector log\n got  %q\n want %q", inj.log, want)
	}
	if !st.audited || st.activeAtSum != 0 {
		t.Errorf("%d faults still in effect at the audit", st.activeAtSum)
	}
	if len(c.Faults) != 3 {
		t.Fatalf("%d fault records, want 3", len(c.Faults))
	}
	p := c.Faults[0]
	if p.Kind != "pause" || p.Spec != "pause@2s:2s" || p.AtS != 2 || p.DurationS != 2 || p.Error != "" {
		t.Errorf("pause record %+v", p)
	}
	if p.DetectS != 0 {
		t.Errorf("detect %v s, want 0: the first attempt at 2 s errored", p.DetectS)
	}
	// The error backoff has grown to ≈ 0.5 … 1 s by the end of the
	// outage: the writer is back within a second.
	if p.RecoverS < 0 || p.RecoverS > 1 {
		t.Errorf("recover %v s, want within the last error backoff (≤ 1 s)", p.RecoverS)
	}
	if p.ThroughputDrop < 0.9 {
		t.Errorf("throughput drop %v, want ≈ 1: nothing committed for 2 s", p.ThroughputDrop)
	}
	if n := int64(st.inOutage); p.Indeterminate != n || p.OpsRetried != 1 || p.OpsFailed != 0 || n < 4 || n > 12 {
		t.Errorf("pause: indeterminate %d retried %d failed %d; want %d (every attempt in the outage), 1, 0", p.Indeterminate, p.OpsRetried, p.OpsFailed, n)
	}
	if l := c.Faults[1]; l.Error != "inject: no proxy" || l.DurationS != 0 || l.DetectS != -1 {
		t.Errorf("failed injection's record %+v", l)
	}
	if k := c.Faults[2]; k.Error != "not injected: the cell ended first" || k.AtS != 10 {
		t.Errorf("fault at the end's record %+v", k)
	}
	if !c.Audit.OK || c.Audit.Indeterminate != int64(st.inOutage) {
		t.Errorf("audit %+v", c.Audit)
	}
}

// TestFaultHealedOnInterrupt: Ctrl-C during a fault heals it at once,
// with a live context, before the audit; its duration is how long it
// was in effect.
func TestFaultHealedOnInterrupt(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	st := &switchStore{clk: clk}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inj := &switchInjector{st: st, t0: t0, during: cancel}
	sc := baseScenario()
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(time.Hour)
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "switch", Clock: clk, Injector: inj,
		Faults: mustFaults(t, "pause@1s:30m", "pause@40m:1s")}
	c, err := runner.RunCell(ctx, cfg, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted || len(c.Faults) != 2 {
		t.Fatalf("interrupted %v, %d fault records", c.Interrupted, len(c.Faults))
	}
	if len(inj.log) != 2 || !strings.HasPrefix(inj.log[1], "heal pause@1s:30m") {
		t.Errorf("injector log %q: want the fault healed", inj.log)
	}
	if st.activeAtSum != 0 {
		t.Error("the fault was still in effect at the audit")
	}
	if f := c.Faults[0]; f.Error != "" || f.DurationS > 1 {
		t.Errorf("interrupted fault %+v: want it healed at once, no error", f)
	}
	if f := c.Faults[1]; f.Error != "not injected: the cell ended first" {
		t.Errorf("fault after the interrupt %+v", f)
	}
}

// TestFaultCutAtTheEnd: a fault that would last past the end of the
// measured window is healed when the cell ends: here when the writer
// stops, its next retry due after the 3 s end.
func TestFaultCutAtTheEnd(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	st := &switchStore{clk: clk}
	inj := &switchInjector{st: st, t0: t0}
	sc := baseScenario()
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(3 * time.Second)
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "switch", Clock: clk, Injector: inj,
		Faults: mustFaults(t, "pause@2s:1h")}
	c, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f := c.Faults[0]; f.DurationS < 0.5 || f.DurationS > 1 || f.RecoverS != -1 || f.ThroughputDrop != 1 {
		t.Errorf("record %+v: want healed at the end (≤ 1 s), never recovered, nothing committed", f)
	}
	if got := clk.Now().Sub(t0); got > 3*time.Second {
		t.Errorf("the cell ran to %v, past its 3 s", got)
	}
	if c.CutOff != 1 || st.activeAtSum != 0 {
		t.Errorf("cut off %d, %d faults in effect at the audit", c.CutOff, st.activeAtSum)
	}
}

func TestFaultsNeedAnInjector(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	sc := baseScenario()
	cfg := runner.Config{Scenario: sc, Store: &switchStore{clk: clk}, DriverName: "switch", Clock: clk,
		Faults: mustFaults(t, "stall-holder@0s:1s", "pause@2s:1s")}
	_, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 0, 1)
	if err == nil || !strings.Contains(err.Error(), `Config.Injector: nil, but fault "pause@2s:1s" needs one`) {
		t.Fatalf("err %v, want the missing injector named", err)
	}
	cfg.Faults = cfg.Faults[:1] // stall-holder alone needs none
	if _, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 0, 1); err != nil {
		t.Fatal(err)
	}
}

// tickingMem is a memory store whose writes take 1 ms of fake time.
type tickingMem struct {
	*memory.Store
	clk *clock.Fake
}

func (s tickingMem) Put(ctx context.Context, w *drivers.Write) error {
	s.clk.Advance(time.Millisecond)
	return s.Store.Put(ctx, w)
}

// TestStallHolderFault: during a stall-holder fault every lease holder
// stalls mid-operation (100 ms here), with no injector; before and after
// it none does.
func TestStallHolderFault(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	mem, err := memory.New(drivers.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	sc := baseScenario()
	sc.Strategies = []string{"lease"}
	sc.LeaseStall = scenarios.Stall{Duration: scenarios.Duration(100 * time.Millisecond)}
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(4 * time.Second)
	cfg := runner.Config{Scenario: sc, Store: tickingMem{Store: mem, clk: clk}, DriverName: "memory", Clock: clk,
		Faults: mustFaults(t, "stall-holder@1s:1s")}
	c, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ts := c.Timeseries
	if len(ts) != 4 || ts[0].Ops < 900 || ts[1].Ops > 15 || ts[2].Ops < 850 || ts[3].Ops < 900 {
		t.Fatalf("ops per second %v, want ≈ 1000, ≈ 10 (stalled), ≈ 1000, ≈ 1000", ts)
	}
	if c.LatencyMS.Max < 100 {
		t.Errorf("max latency %v ms, want the 100 ms stalls", c.LatencyMS.Max)
	}
	f := c.Faults[0]
	if f.Kind != "stall-holder" || f.Error != "" || f.DurationS != 1 || f.ThroughputDrop < 0.9 || f.DetectS != -1 || f.RecoverS < 0 || f.RecoverS > 0.2 {
		t.Errorf("stall-holder record %+v", f)
	}
	if !c.Audit.OK {
		t.Errorf("audit %s", c.Audit.Verdict)
	}
}
