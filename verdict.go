package occbench

import (
	"strings"

	"github.com/occbench/occbench/internal/judge"
	"github.com/occbench/occbench/results"
)

// Exit codes of occbench run, which Verdict.Code gives for the same file.
const (
	ExitOK          = judge.ExitOK          // every check passed
	ExitFailed      = judge.ExitFailed      // unexpected lost updates, an audit that could not judge, cells dominated by errors
	ExitThreshold   = judge.ExitThreshold   // a threshold failed
	ExitInterrupted = judge.ExitInterrupted // the run was stopped: what was measured is kept
)

// MaxErrorRatio is the share of a cell's attempts that may fail with an
// error before the cell fails the run, unless a threshold on error_ratio
// judges the cell (as occbench run judges it).
const MaxErrorRatio = judge.MaxErrorRatio

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
	j := judge.Judge(f)
	return Verdict{Code: j.Code, Lines: j.Lines, LostUpdates: j.LostUpdates, err: j.Kind}
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
