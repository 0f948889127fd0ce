package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// Share makes a cell one runner's share of a cell that several
// processes (runners) run together against one store (occbench run
// --runners N): runner Index runs the writers w of the cell with
// w mod Runners = Index, each under its global writer id (its random
// stream, payload, op ids and open-loop slots are those of the
// single-process run), so that the runners' union is the single-process
// cell. Runner 0 sets the cell up and reads the store's totals; the
// others attach to what it seeded (drivers.Attacher). No runner audits:
// the cell's audit is pending until occbench merge.
type Share struct {
	Index, Runners int
	Coord          Coordination
}

// Coordination is how the runners of a Share meet, per cell (cell is the
// cell's position in the run order, the same on every runner).
type Coordination interface {
	// Seeded: runner 0 calls it once the cell is set up (it marks the
	// seed); the others call it before attaching and return once
	// runner 0 has.
	Seeded(ctx context.Context, cell int) error
	// Start is the barrier before the cell's start: it returns when every
	// runner has arrived (or at the agreed start time).
	Start(ctx context.Context, cell int) error
	// Finished is the barrier at the cell's end: each runner reports its
	// writers done; runner 0 returns once every runner has, the others
	// at once.
	Finished(ctx context.Context, cell int) error
}

// active reports whether s shares cells.
func (s *Share) active() bool { return s != nil && s.Runners > 1 }

// owns reports whether writer w (global id) runs on this runner.
func (s *Share) owns(w int) bool { return !s.active() || w%s.Runners == s.Index }

// Writers is the number of a cell's writers runner index of runners
// runs: those w < writers with w mod runners = index.
func Writers(writers, index, runners int) int {
	if runners <= 1 {
		return writers
	}
	if index >= writers {
		return 0
	}
	return (writers-index-1)/runners + 1
}

// prepare sets the cell up (runner 0, or alone) or attaches to the cell
// runner 0 set up.
func (s *Share) prepare(ctx context.Context, cfg Config, cell int, dspec drivers.Spec) error {
	if !s.active() || s.Index == 0 {
		if err := cfg.Store.Setup(ctx, dspec); err != nil {
			return fmt.Errorf("%s: setup: %w", cfg.DriverName, err)
		}
		if s.active() {
			return s.Coord.Seeded(ctx, cell)
		}
		return nil
	}
	a, ok := cfg.Store.(drivers.Attacher)
	if !ok {
		return fmt.Errorf("%s: --runners: the driver cannot attach to a cell another runner set up", cfg.DriverName)
	}
	if err := s.Coord.Seeded(ctx, cell); err != nil {
		return err
	}
	if err := a.Attach(ctx, dspec); err != nil {
		return fmt.Errorf("%s: attach: %w", cfg.DriverName, err)
	}
	return nil
}

// pendingAudit is a part cell's audit, with runner 0's read of the
// store's totals in cr.
func (s *Share) pendingAudit(ctx context.Context, cfg Config, cr *results.CellRunner, expected, indeterminate int64, lossExpected bool, bound time.Duration) results.Audit {
	if s.Index == 0 {
		t, err := readTotals(ctx, cfg.Store, bound)
		if err != nil {
			cr.StoreError = fmt.Sprintf("%s: %v", cfg.DriverName, err)
		} else {
			cr.StoreTotals = &results.StoreTotals{Docs: t.Docs, Counter: t.Counter, Versions: t.Versions}
		}
	}
	reason := results.PendingReason(s.Index, s.Runners)
	return results.Audit{
		Expected: expected, Indeterminate: indeterminate, LossExpected: lossExpected,
		Pending: reason, Verdict: results.PendingWord + " (" + reason + ")",
	}
}
