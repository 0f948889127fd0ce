package harness

import (
	"strings"
)

// Refusal is a strategy the stores cannot run, with the reason.
type Refusal struct {
	Strategy, Reason string
}

// Runnable splits names into the strategies these stores can run with
// the plan's scope, hold and lease settings, and the refusals of the
// others, by the rules of CheckRunnable applied to each alone: occbench
// advise sweeps the strategies a store can run and names the others.
func (p *Plan) Runnable(st *Stores, names []string) (ok []string, refused []Refusal) {
	for _, name := range names {
		q := *p
		q.Scenario.Strategies = []string{name}
		err := q.CheckRunnable(st)
		if err == nil {
			ok = append(ok, name)
			continue
		}
		why := strings.TrimPrefix(err.Error(), "no cell can run: ")
		why = strings.TrimPrefix(why, "--strategy "+name+": ")
		refused = append(refused, Refusal{Strategy: name, Reason: why})
	}
	return ok, refused
}
