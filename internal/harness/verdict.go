package harness

import (
	"fmt"
	"sort"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// MaxErrorRatio is the share of a cell's attempts that may error before
// the cell fails the run: above it the cell measured the outage, not the
// write path. A threshold on error_ratio replaces this default for the
// cells it applies to.
const MaxErrorRatio = 0.5

// Verdict is the outcome of a run, a capacity search or a tuning run.
type Verdict struct {
	Code  int
	Lines []string // to print on stderr, each after "occbench: "
	Err   error    // the failure, when Code is ExitFailed for one
}

// Judge turns a results file and the run's error into the exit code and
// the lines that explain it, in this order: a failed cell (runErr), cells
// dominated by errors, an interrupt, a store that reset or could not be
// audited, unexpected lost updates, failed thresholds.
func Judge(f *results.File, runErr error) Verdict {
	var v Verdict
	if runErr != nil {
		v.Code, v.Err = ExitFailed, runErr
		if IsBadInput(runErr) {
			v.Code = ExitBadInput
		}
		return v
	}
	if lines := errorDominated(f); len(lines) > 0 {
		v.Lines = lines
		v.Code = ExitFailed
		v.Err = fmt.Errorf("%d cells dominated by errors: their numbers measure the failure, not the write path", len(lines))
		return v
	}
	switch {
	case f.Interrupted:
		v.Code = ExitInterrupted
	case len(auditProblems(f)) > 0:
		// Not lost updates: the store lost its data or could not be
		// read back, so the audit proves nothing about the strategy.
		v.Code = ExitFailed
		v.Lines = auditProblems(f)
	case unexpectedLoss(f):
		v.Code = ExitFailed
		v.Lines = []string{"the audit found unexpected lost updates (see above)"}
	case thresholdFailed(f):
		v.Code = ExitThreshold
		v.Lines = []string{"thresholds failed (see above)"}
	}
	return v
}

// errorDominated names the cells that ran and whose error ratio exceeds
// MaxErrorRatio (or that only errored), with the dominant error class,
// unless a threshold on error_ratio judges the cell.
func errorDominated(f *results.File) []string {
	var out []string
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped != "" || hasThreshold(c, "error_ratio") {
			continue
		}
		r := threshold.ErrorRatio(c)
		onlyErrors := r > 0 && c.Ops == 0 && c.Audit.Expected == 0
		if r <= MaxErrorRatio && !onlyErrors {
			continue
		}
		class, n := dominant(c.Errors)
		out = append(out, fmt.Sprintf("cell %s: error_ratio %.3g > %g (%d attempts, %d committed; mostly %s: %d)",
			cellName(c), r, MaxErrorRatio, c.Attempts, c.Ops, class, n))
	}
	return out
}

func cellName(c *results.Cell) string {
	s := fmt.Sprintf("%s/%s/w%d", c.Strategy, c.Backoff, c.Writers)
	if c.Trial > 0 {
		s += fmt.Sprintf("#%d", c.Trial)
	}
	return s
}

// dominant returns the class with the most errors (ties: the first by name).
func dominant(m map[string]int64) (string, int64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, n := "", int64(-1)
	for _, k := range keys {
		if m[k] > n {
			best, n = k, m[k]
		}
	}
	return best, n
}

func hasThreshold(c *results.Cell, metric string) bool {
	for _, t := range c.Thresholds {
		if t.Metric == metric {
			return true
		}
	}
	return false
}

func thresholdFailed(f *results.File) bool {
	for _, c := range f.Cells {
		for _, t := range c.Thresholds {
			if !t.Pass {
				return true
			}
		}
	}
	return false
}

func unexpectedLoss(f *results.File) bool {
	for _, c := range f.Cells {
		if c.Skipped == "" && !c.Audit.OK && !c.Audit.StoreReset && c.Audit.Unavailable == "" {
			return true
		}
	}
	return false
}

// auditProblems names the cells whose audit could not judge the
// strategy: the store reset (lost documents the cell seeded) or could
// not be read back.
func auditProblems(f *results.File) []string {
	var out []string
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && (c.Audit.StoreReset || c.Audit.Unavailable != "") {
			out = append(out, fmt.Sprintf("cell %s: %s", cellName(c), c.Audit.Verdict))
		}
	}
	return out
}
