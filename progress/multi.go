package progress

import (
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// Multi returns an Observer that tells each of obs, in order. Nil
// observers are skipped; with none left Multi returns nil (no observer),
// with one it returns that one.
func Multi(obs ...runner.Observer) runner.Observer {
	var m multi
	for _, o := range obs {
		if o != nil {
			m = append(m, o)
		}
	}
	switch len(m) {
	case 0:
		return nil
	case 1:
		return m[0]
	}
	return m
}

type multi []runner.Observer

func (m multi) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	for _, o := range m {
		o.CellStarted(spec, index, total, live)
	}
}

func (m multi) CellFinished(spec runner.Spec, c *results.Cell) {
	for _, o := range m {
		o.CellFinished(spec, c)
	}
}
