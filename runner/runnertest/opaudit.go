package runnertest

import (
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/strategy"
)

// opsAudit runs cells with --audit ops on a store that keeps an op log
// (drivers.OpLogger): under every safe strategy the store can run, the
// audit finds every committed op in the store exactly once; under lww it
// names lost ops, as expected. A store declared non-atomic
// (NonAtomicCAS) must show its optimistic losses by name.
func (s *suite) opsAudit(t *testing.T) {
	for _, strat := range []string{strategy.Optimistic, strategy.Pessimistic, strategy.Serializable, strategy.Lease, strategy.LWW} {
		t.Run(strat, func(t *testing.T) {
			o := drivers.Options{Writers: 8}
			if strat == strategy.LWW {
				o.Latency = delay.Constant(200 * time.Microsecond)
			}
			st := s.open(t, o)
			if _, ok := st.(drivers.OpLogger); !ok {
				t.Skip("driver has no op log")
			}
			if err := st.Setup(ctxFor(t), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}); err != nil {
				t.Fatal(err)
			}
			if err := runner.CheckOpLog(st, "under-test"); err != nil {
				t.Skip(err.Error())
			}
			sc := s.scenario(strat, 8, 50)
			sc.Audit = runner.AuditOps
			sc.MaxAttempts = 1000 // a store that fails every write fails the test, not the deadline
			cfg := runner.Config{Scenario: sc, Store: st, DriverName: "under-test", Leaser: s.cellLeaser(t, st, o)}
			if strat != strategy.Lease {
				cfg.Leaser = nil
			}
			c, err := runner.RunCell(ctxFor(t), cfg, runner.Spec{Strategy: strat, Backoff: sc.Backoffs[0], Writers: 8, Trial: 1}, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if c.Skipped != "" {
				t.Skipf("driver does not run %s: %s", strat, c.Skipped)
			}
			if len(c.Errors) > 0 {
				t.Errorf("errors during the cell: %v", c.Errors)
			}
			a := c.Audit
			if a.Ops == nil || a.Ops.Error != "" {
				t.Fatalf("no ops audit: %+v", a)
			}
			o2 := *a.Ops
			if o2.Checked != a.Expected || o2.Unexplained != 0 {
				t.Errorf("ops audit %+v: want %d checked, none unexplained (%s)", o2, a.Expected, a.Verdict)
			}
			switch {
			case strat == strategy.LWW:
				if o2.Lost == 0 || !a.OK || len(o2.Examples) == 0 {
					t.Errorf("lww ops audit %+v: want named lost ops, as expected (%s)", o2, a.Verdict)
				}
			case s.NonAtomicCAS && strat == strategy.Optimistic:
				if o2.Lost == 0 && a.LostUpdates > 0 || a.OK {
					t.Errorf("non-atomic store: ops audit %+v with %d lost updates: want the lost ops named (%s)", o2, a.LostUpdates, a.Verdict)
				}
			default:
				if o2.Lost != 0 || o2.Duplicated != 0 || !a.OK {
					t.Errorf("ops audit %+v: want every committed op in the store once (%s)", o2, a.Verdict)
				}
			}
		})
	}
}
