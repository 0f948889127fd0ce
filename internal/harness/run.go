package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/threshold"
)

// RunOptions are what a plan's run needs besides the plan and stores.
type RunOptions struct {
	Observer runner.Observer  // progress, metrics; nil = none
	Now      func() time.Time // the results file's timestamps; nil = time.Now
}

// Run runs every cell of the plan in order and returns the results file
// (also when it stops early: then with the cells measured so far). A
// cancelled ctx stops the current cell, which keeps what it measured,
// and marks the file interrupted. The error is a cell that could not
// run at all (setup, audit): the file still holds the cells before it.
func Run(ctx context.Context, p *Plan, st *Stores, o RunOptions) (*results.File, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	sc := p.Scenario
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   now().UTC(),
		Scenario:    sc.ToMap(redact.DSN),
		Environment: Environment(ctx, sc, st),
		Cells:       []results.Cell{},
	}
	thresholds, err := threshold.ParseAll(sc.Thresholds)
	if err != nil {
		return file, BadInputf("thresholds: %w", err)
	}
	cfg := runner.Config{Scenario: sc, Store: st.Data, DriverName: sc.Driver, Leaser: st.Leaser, Observer: o.Observer}
	var runErr error
	for i, spec := range p.Cells {
		if ctx.Err() != nil {
			break
		}
		cell, err := runner.RunCell(ctx, cfg, spec, i, len(p.Cells))
		if err != nil {
			runErr = fmt.Errorf("cell %s: %w", spec, err)
			break
		}
		cell.Thresholds = threshold.Evaluate(thresholds, &cell)
		file.Cells = append(file.Cells, cell)
	}
	file.FinishedAt = now().UTC()
	file.Interrupted = ctx.Err() != nil
	return file, runErr
}
