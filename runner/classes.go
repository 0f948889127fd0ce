package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// writerClass is what the writers of one class run with: a cell
// without classes is one class of every writer, with the cell's
// strategy, backoff, think and rate, and field group id % field_groups.
type writerClass struct {
	name     string // "" = the cell's only class (no classes block)
	strategy string
	backoff  string
	policy   backoff.Policy // conflicts
	think    time.Duration
	rate     float64 // ops/s across the class's writers; 0 = closed loop
	writers  int
	first    int // the first writer's id: the class's writers are first … first+writers−1
	group    int // field group of every writer; −1 = the writer's id % field_groups
}

// classCells is Cells for a scenario with classes: one cell per trial,
// of every class's writers, labelled with the classes' strategies and
// backoffs (scenarios.Scenario.ClassLabels).
func classCells(s scenarios.Scenario) []Spec {
	st, b := s.ClassLabels()
	var out []Spec
	for t := 1; t <= max(s.Trials, 1); t++ {
		out = append(out, Spec{Strategy: st, Backoff: b, Writers: s.ClassWriters(), Trial: t})
	}
	return out
}

// cellClasses returns the classes of a cell: the scenario's, or one of
// spec's writers when it has none.
func cellClasses(sc scenarios.Scenario, spec Spec) ([]writerClass, error) {
	if len(sc.Classes) == 0 {
		policy, err := backoff.New(spec.Backoff, sc.BackoffBase.D(), sc.BackoffCap.D())
		if err != nil {
			return nil, err
		}
		return []writerClass{{strategy: spec.Strategy, backoff: spec.Backoff, policy: policy,
			think: sc.Think.D(), rate: sc.Rate, writers: spec.Writers, group: -1}}, nil
	}
	if n := sc.ClassWriters(); n != spec.Writers {
		return nil, fmt.Errorf("classes: %d writers in all, but the cell has %d", n, spec.Writers)
	}
	out := make([]writerClass, len(sc.Classes))
	first := 0
	for i, c := range sc.Classes {
		policy, err := backoff.New(c.Backoff, sc.BackoffBase.D(), sc.BackoffCap.D())
		if err != nil {
			return nil, fmt.Errorf("classes[%d].backoff: %w", i, err)
		}
		out[i] = writerClass{name: c.Name, strategy: c.Strategy, backoff: c.Backoff, policy: policy,
			think: c.Think.D(), rate: c.Rate, writers: c.Writers, first: first, group: c.FieldGroup}
		first += c.Writers
	}
	return out, nil
}

// classStrategies builds each class's strategy over the store. A
// strategy the store cannot run skips the cell: the reason names the
// class when there are classes.
func classStrategies(cfg Config, classes []writerClass, scfg strategy.Config) (strats []strategy.Strategy, skipped string) {
	strats = make([]strategy.Strategy, len(classes))
	for i, c := range classes {
		s, err := strategy.New(c.strategy, cfg.Store, cfg.DriverName, scfg)
		if err != nil {
			if c.name != "" {
				return nil, "class " + c.name + ": " + err.Error()
			}
			return nil, err.Error()
		}
		strats[i] = s
	}
	return strats, ""
}

// usesLease reports whether a class takes leases (lease, or hybrid
// with the lease lock).
func usesLease(classes []writerClass, sc scenarios.Scenario) bool {
	for _, c := range classes {
		if usesLeases(c.strategy, sc) {
			return true
		}
	}
	return false
}

// runsHybrid reports whether the cell of strategy name (or one of the
// scenario's classes) runs hybrid, whose writers share a per-key
// escalation.
func runsHybrid(name string, sc scenarios.Scenario) bool {
	if name == strategy.Hybrid {
		return true
	}
	for _, c := range sc.Classes {
		if c.Strategy == strategy.Hybrid {
			return true
		}
	}
	return false
}

// summarizeClasses breaks the cell down by class: each class's writers'
// recorders merged apart (record.Merged) and summarised as a cell is.
// Call it before the cell's own merge, which changes recs[0].
func summarizeClasses(sc scenarios.Scenario, classes []writerClass, recs []*record.Recorder, measured time.Duration) ([]results.Class, error) {
	if len(sc.Classes) == 0 {
		return nil, nil
	}
	out := make([]results.Class, len(classes))
	for i, c := range classes {
		m, err := record.Merged(recs[c.first : c.first+c.writers])
		if err != nil {
			return nil, fmt.Errorf("class %s: %w", c.name, err)
		}
		var cc results.Cell
		if err := m.Summarize(&cc, measured); err != nil {
			return nil, fmt.Errorf("class %s: %w", c.name, err)
		}
		k := results.Class{Name: c.name, Writers: c.writers, Strategy: c.strategy, Backoff: c.backoff,
			FieldGroup: c.group, FieldGroupName: sc.GroupName(c.group), ThinkMS: float64(c.think) / float64(time.Millisecond), Rate: c.rate}
		results.ClassOf(&k, &cc)
		out[i] = k
	}
	return out, nil
}

// classRate is the cell's open-loop rate: the sum of its classes'.
func classRate(classes []writerClass) float64 {
	var r float64
	for _, c := range classes {
		r += c.rate
	}
	return r
}

// lossClasses names the classes whose writes may overwrite others' and
// why: a class whose strategy promises no safety (lww, check-then-write,
// an unfenced lease), and a lease class beside a class of another
// strategy, since its write is unconditional and a lease excludes only
// the writers that take one.
func lossClasses(classes []writerClass, strats []strategy.Strategy) []string {
	var out []string
	others := func(i int) []string {
		var names []string
		for j, c := range classes {
			if j != i && c.strategy != strategy.Lease {
				names = append(names, c.name+" ("+c.strategy+")")
			}
		}
		return names
	}
	for i, c := range classes {
		switch {
		case strats[i].LossExpected():
			out = append(out, fmt.Sprintf("class %s (%s: %s)", c.name, c.strategy, whyExpected(c.strategy)))
		case c.strategy == strategy.Lease:
			if o := others(i); len(o) > 0 {
				out = append(out, fmt.Sprintf("class %s (lease: its write is unconditional, and its lease excludes only lease holders, not class %s)", c.name, strings.Join(o, ", class ")))
			}
		}
	}
	return out
}

// classAudit is the audit of a cell of classes: the store's totals
// against every class's commits, with a loss expected only when some
// class may overwrite others (lossClasses), which the verdict names.
func classAudit(expected, indeterminate int64, t drivers.Totals, classes []writerClass, strats []strategy.Strategy) results.Audit {
	why := lossClasses(classes, strats)
	a := Audit(expected, indeterminate, t, "", len(why) > 0)
	switch {
	case a.LostUpdates > 0 && a.LossExpected:
		a.Verdict = fmt.Sprintf("lost %d of %d committed updates, as expected: %s", a.LostUpdates, expected, strings.Join(why, "; "))
	case a.LostUpdates > 0:
		var names []string
		for _, c := range classes {
			names = append(names, c.name+" ("+c.strategy+")")
		}
		a.Verdict = fmt.Sprintf("LOST UPDATES: %d of %d committed updates are missing from the store; classes %s promise none", a.LostUpdates, expected, strings.Join(names, ", "))
	}
	return a
}
