package harness

import (
	"context"
	"errors"
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
	// Grace bounds how long attempts in flight may go on after a stop
	// before their context is cancelled; 0 = the runner's 10s.
	Grace time.Duration
	// Share makes every cell this runner's share of a multi-runner run
	// (Multi.Join), and Runner is recorded in the file; nil = alone.
	Share  *runner.Share
	Runner *results.Runner
}

// Run runs every cell of the plan, trials interleaved (runner.RunOrder), and
// returns the results file, cells in plan order (also when it stops
// early: then with the cells measured so far). A cancelled ctx stops the
// current cell, which keeps what it measured, and marks the file
// interrupted. The error is a cell that could not run at all (setup,
// audit): the file still holds the cells that ran before it.
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
		Runner:      o.Runner,
	}
	thresholds, err := threshold.ParseAll(sc.Thresholds)
	if err != nil {
		return file, BadInputf("thresholds: %w", err)
	}
	cfg := runner.Config{Scenario: sc, Store: st.Data, DriverName: sc.Driver, Leaser: st.Leaser, Observer: o.Observer, Faults: st.Faults, Injector: st.Injector, Grace: o.Grace, Share: o.Share}
	var runErr error
	done := make([]*results.Cell, len(p.Cells))
	for n, i := range runner.RunOrder(p.Cells) {
		if ctx.Err() != nil {
			break
		}
		spec := p.Cells[i]
		cell, err := runner.RunCell(ctx, cfg, spec, n, len(p.Cells))
		if err != nil && o.Share != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			break // interrupted while waiting for the other runners
		}
		if err != nil {
			runErr = fmt.Errorf("cell %s: %w", spec, err)
			break
		}
		cell.Thresholds = threshold.Evaluate(thresholds, &cell)
		done[i] = &cell
	}
	// The file lists the cells in plan order (trials of a cell side by
	// side), whatever order they ran in.
	for _, c := range done {
		if c != nil {
			file.Cells = append(file.Cells, *c)
		}
	}
	file.USL = results.FitUSL(file)
	file.FinishedAt = now().UTC()
	file.Interrupted = ctx.Err() != nil
	return file, runErr
}
