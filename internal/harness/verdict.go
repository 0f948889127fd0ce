package harness

import (
	"errors"
	"fmt"

	"github.com/occbench/occbench/internal/judge"
	"github.com/occbench/occbench/results"
)

// MaxErrorRatio is the share of a cell's attempts that may error before
// the cell fails the run (judge.MaxErrorRatio).
const MaxErrorRatio = judge.MaxErrorRatio

// Verdict is the outcome of a run, a capacity search or a tuning run.
type Verdict struct {
	Code  int
	Lines []string // to print on stderr, each after "occbench: "
	Err   error    // the failure, when Code is ExitFailed for one
}

// Judge turns a results file and the run's error into the exit code and
// the lines that explain it, in this order: a failed cell (runErr), then
// package judge's order: cells dominated by errors, an interrupt, a store
// that reset or could not be audited, unexpected lost updates, failed
// thresholds. Lost updates and failed thresholds were printed with the
// report, so their line points there.
func Judge(f *results.File, runErr error) Verdict {
	var v Verdict
	if runErr != nil {
		v.Code, v.Err = ExitFailed, runErr
		if IsBadInput(runErr) {
			v.Code = ExitBadInput
		}
		return v
	}
	j := judge.Judge(f)
	v.Code = j.Code
	switch {
	case j.Kind == nil:
	case errors.Is(j.Kind, judge.ErrErrors):
		v.Lines = j.Lines
		v.Err = fmt.Errorf("%d cells dominated by errors: their numbers measure the failure, not the write path", j.ErrorCells)
	case errors.Is(j.Kind, judge.ErrInterrupted):
	case errors.Is(j.Kind, judge.ErrStoreReset), errors.Is(j.Kind, judge.ErrAuditUnavailable):
		// Not lost updates: the store lost its data or could not be
		// read back, so the audit proves nothing about the strategy.
		v.Lines = j.Lines
	case errors.Is(j.Kind, judge.ErrLostUpdates):
		v.Lines = []string{"the audit found unexpected lost updates (see above)"}
	case errors.Is(j.Kind, judge.ErrThresholds):
		v.Lines = []string{"thresholds failed (see above)"}
	}
	return v
}
