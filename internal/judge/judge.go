package judge

import (
	"errors"
	"fmt"
	"sort"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// Exit codes of occbench run for a results file.
const (
	ExitOK          = 0   // every check passed
	ExitFailed      = 1   // unexpected lost updates, an audit that could not judge, cells dominated by errors
	ExitThreshold   = 3   // a threshold failed
	ExitInterrupted = 130 // the run was stopped: what was measured is kept
)

// MaxErrorRatio is the share of a cell's attempts that may error before
// the cell fails the run: above it the cell measured the outage, not the
// write path. A threshold on error_ratio replaces this default for the
// cells it applies to.
const MaxErrorRatio = 0.5

// The kinds of failure, for errors.Is.
var (
	ErrLostUpdates      = errors.New("unexpected lost updates")
	ErrAuditUnavailable = errors.New("audit unavailable")
	ErrStoreReset       = errors.New("store reset")
	ErrErrors           = errors.New("cells dominated by errors")
	ErrInterrupted      = errors.New("interrupted")
	ErrThresholds       = errors.New("thresholds failed")
)

// Verdict is what a results file says: the exit code and the findings.
type Verdict struct {
	Code  int      // ExitOK, ExitFailed, ExitThreshold or ExitInterrupted
	Lines []string // the findings, one a line, each naming its cell
	// LostUpdates is the number of updates missing from the store in
	// cells whose strategy promises none are lost.
	LostUpdates int64
	// Kind is nil when every check passed, else one of the Err values
	// above (several joined for audits that could not judge).
	Kind error
	// ErrorCells is the number of cells dominated by errors.
	ErrorCells int
}

// Judge judges f. Skipped cells are not judged.
func Judge(f *results.File) Verdict {
	var v Verdict
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && unexpectedLoss(c) {
			v.LostUpdates += c.Audit.LostUpdates
		}
	}
	if lines := errorDominated(f); len(lines) > 0 {
		v.Code, v.Lines, v.Kind, v.ErrorCells = ExitFailed, lines, ErrErrors, len(lines)
		return v
	}
	if f.Interrupted {
		v.Code, v.Kind = ExitInterrupted, ErrInterrupted
		v.Lines = []string{fmt.Sprintf("interrupted after %d cells: what was measured is kept", len(f.Cells))}
		return v
	}
	var kinds []error
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped != "" {
			continue
		}
		switch {
		case c.Audit.StoreReset:
			kinds = appendOnce(kinds, ErrStoreReset)
		case c.Audit.Unavailable != "":
			kinds = appendOnce(kinds, ErrAuditUnavailable)
		default:
			continue
		}
		v.Lines = append(v.Lines, fmt.Sprintf("cell %s: %s", CellName(c), c.Audit.Verdict))
	}
	if len(kinds) > 0 {
		v.Code, v.Kind = ExitFailed, errors.Join(kinds...)
		return v
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && unexpectedLoss(c) {
			v.Lines = append(v.Lines, fmt.Sprintf("cell %s: %s", CellName(c), c.Audit.Verdict))
		}
	}
	if len(v.Lines) > 0 {
		v.Code, v.Kind = ExitFailed, ErrLostUpdates
		return v
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		for _, t := range c.Thresholds {
			if !t.Pass {
				v.Lines = append(v.Lines, fmt.Sprintf("cell %s: threshold %s failed: %s = %g", CellName(c), t.Expr, t.Metric, t.Value))
			}
		}
	}
	if len(v.Lines) > 0 {
		v.Code, v.Kind = ExitThreshold, ErrThresholds
	}
	return v
}

// CellName is strategy/backoff/wN[#trial].
func CellName(c *results.Cell) string {
	s := fmt.Sprintf("%s/%s/w%d", c.Strategy, c.Backoff, c.Writers)
	if c.Trial > 0 {
		s += fmt.Sprintf("#%d", c.Trial)
	}
	return s
}

func appendOnce(errs []error, err error) []error {
	for _, e := range errs {
		if e == err {
			return errs
		}
	}
	return append(errs, err)
}

// unexpectedLoss: the audit judged the strategy and found a loss it
// does not allow.
func unexpectedLoss(c *results.Cell) bool {
	return !c.Audit.OK && !c.Audit.StoreReset && c.Audit.Unavailable == "" && c.Audit.Pending == ""
}

// errorDominated names the cells that ran and whose error ratio exceeds
// MaxErrorRatio (or that only errored), with their dominant error class,
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
			CellName(c), r, MaxErrorRatio, c.Attempts, c.Ops, class, n))
	}
	return out
}

func hasThreshold(c *results.Cell, metric string) bool {
	for _, t := range c.Thresholds {
		if t.Metric == metric {
			return true
		}
	}
	return false
}

// dominant returns the class with the most errors (ties: the first by
// name).
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
