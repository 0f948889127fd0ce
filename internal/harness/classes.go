package harness

import (
	"fmt"
	"strings"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// checkClassFlags refuses a flag that sets a field the scenario's
// classes replace (writers, strategies, backoffs): each class sets its
// own.
func (p *Plan) checkClassFlags(sc *scenarios.Scenario) error {
	if len(sc.Classes) == 0 {
		return nil
	}
	for _, f := range scenarios.ClassSweepFields() {
		if flag, ok := p.flags[f]; ok {
			return fmt.Errorf("%s: not with the scenario's classes (each class sets its own writers, strategy and backoff: edit classes in the scenario file)", flag)
		}
	}
	return nil
}

// classStrategies are the strategies a threshold may be scoped to: the
// cell label of a scenario with classes ("optimistic+lease"), else the
// scenario's strategies.
func classStrategies(sc scenarios.Scenario) []string {
	if len(sc.Classes) == 0 {
		return sc.Strategies
	}
	st, _ := sc.ClassLabels()
	return []string{st}
}

// classRows are the plan's rows for a scenario with classes, in place of
// writers, strategies and backoffs: one row per class.
func (p *Plan) classRows() [][3]string {
	sc := p.Scenario
	var rows [][3]string
	for i, c := range sc.Classes {
		v := fmt.Sprintf("%s: %d writers, %s, backoff %s, field group %d", c.Name, c.Writers, c.Strategy, c.Backoff, c.FieldGroup)
		if n := sc.GroupName(c.FieldGroup); n != "" {
			v += " (" + n + ")"
		}
		if c.Think > 0 {
			v += ", think " + c.Think.String()
		}
		if c.Rate > 0 {
			v += fmt.Sprintf(", rate %g/s", c.Rate)
		}
		rows = append(rows, [3]string{fmt.Sprintf("classes[%d]", i), v, p.Origin("classes")})
	}
	return rows
}

// checkRunnableClasses refuses a scenario with classes of which a class
// cannot run on these stores: the cell needs every class. It names the
// class and the reason.
func (p *Plan) checkRunnableClasses(st *Stores, scope drivers.Scope) error {
	var reasons []string
	for i, c := range p.Scenario.Classes {
		_, err := strategy.New(c.Strategy, st.Data, p.Scenario.Driver, strategy.Config{Leaser: st.Leaser, Fencing: p.Scenario.Fencing,
			LeaseTTL: p.Scenario.LeaseTTL.D(), Hold: p.Scenario.Hold, Scope: scope})
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("classes[%d] (%s): %v", i, c.Name, err))
		}
	}
	if len(reasons) > 0 {
		return BadInputf("the cell cannot run: %s", strings.Join(reasons, "; "))
	}
	return nil
}
