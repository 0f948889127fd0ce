package occbench

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// Exit codes of occbench run, which Verdict.Code gives for the same file.
const (
	ExitOK          = 0   // every check passed
	ExitFailed      = 1   // unexpected lost updates, an audit that could not judge, cells dominated by errors
	ExitThreshold   = 3   // a threshold failed
	ExitInterrupted = 130 // the run was stopped: what was measured is kept
)

// MaxErrorRatio is the share of a cell's attempts that may fail with an
// error before the cell fails the run, unless a threshold on error_ratio
// judges the cell (as occbench run judges it).
const MaxErrorRatio = 0.5

// Verdict is what a results file says about the code under test: the
// exit code occbench run would give it and the findings behind it.
type Verdict struct {
	Code  int      // ExitOK, ExitFailed, ExitThreshold or ExitInterrupted
	Lines []string // the findings, one a line, each naming its cell
	// LostUpdates is the number of updates missing from the store in
	// cells whose strategy promises none are lost.
	LostUpdates int64

	err error
}

// Judge judges a results file as occbench run does, in the same order:
// cells dominated by errors, an interrupt, audits that could not judge
// (unavailable, store reset), unexpected lost updates, failed
// thresholds. Skipped cells are not judged.
func Judge(f *results.File) Verdict {
	var v Verdict
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && unexpectedLoss(c) {
			v.LostUpdates += c.Audit.LostUpdates
		}
	}
	if lines := errorDominated(f); len(lines) > 0 {
		v.Code, v.Lines = ExitFailed, lines
		v.err = fmt.Errorf("%w: %d cells: their numbers measure the failure, not the write path", ErrErrors, len(lines))
		return v
	}
	if f.Interrupted {
		v.Code = ExitInterrupted
		v.Lines = []string{fmt.Sprintf("interrupted after %d cells: what was measured is kept", len(f.Cells))}
		v.err = ErrInterrupted
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
		v.Lines = append(v.Lines, fmt.Sprintf("cell %s: %s", cellName(c), c.Audit.Verdict))
	}
	if len(kinds) > 0 {
		v.Code, v.err = ExitFailed, errors.Join(kinds...)
		return v
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && unexpectedLoss(c) {
			v.Lines = append(v.Lines, fmt.Sprintf("cell %s: %s", cellName(c), c.Audit.Verdict))
		}
	}
	if len(v.Lines) > 0 {
		v.Code, v.err = ExitFailed, ErrLostUpdates
		return v
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		for _, t := range c.Thresholds {
			if !t.Pass {
				v.Lines = append(v.Lines, fmt.Sprintf("cell %s: threshold %s failed: %s = %g", cellName(c), t.Expr, t.Metric, t.Value))
			}
		}
	}
	if len(v.Lines) > 0 {
		v.Code, v.err = ExitThreshold, ErrThresholds
	}
	return v
}

// OK reports whether every check passed.
func (v Verdict) OK() bool { return v.Code == ExitOK }

// Err is nil when every check passed, else an error that matches one of
// ErrErrors, ErrInterrupted, ErrAuditUnavailable, ErrStoreReset,
// ErrLostUpdates and ErrThresholds under errors.Is, and whose message
// lists the findings: what a test passes to t.Fatal.
func (v Verdict) Err() error {
	if v.err == nil {
		return nil
	}
	return verdictError{v}
}

// String is "ok", or the findings, one a line.
func (v Verdict) String() string {
	if v.err == nil {
		return "ok"
	}
	return verdictError{v}.Error()
}

type verdictError struct{ v Verdict }

func (e verdictError) Error() string {
	if len(e.v.Lines) == 0 {
		return "occbench: " + e.v.err.Error()
	}
	return "occbench: " + e.v.err.Error() + ":\n\t" + strings.Join(e.v.Lines, "\n\t")
}

func (e verdictError) Unwrap() error { return e.v.err }

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
	return !c.Audit.OK && !c.Audit.StoreReset && c.Audit.Unavailable == ""
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
			cellName(c), r, MaxErrorRatio, c.Attempts, c.Ops, class, n))
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

func cellName(c *results.Cell) string {
	s := fmt.Sprintf("%s/%s/w%d", c.Strategy, c.Backoff, c.Writers)
	if c.Trial > 0 {
		s += fmt.Sprintf("#%d", c.Trial)
	}
	return s
}
