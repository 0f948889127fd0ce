package record

import (
	"sync"
	"time"

	"github.com/occbench/occbench/drivers"
)

// FineStep is the step of the fine time series a cell with faults keeps.
const FineStep = 100 * time.Millisecond

// maxSteps bounds the fine series as maxSeconds bounds the series.
const maxSteps = maxSeconds * int(time.Second/FineStep)

// Step is one FineStep of a cell: ops committed in it, attempts and
// errored attempts (errors other than conflicts) that ended in it.
type Step struct {
	Ops, Attempts, Errors int64
}

// FineSeries is a cell's time series in FineSteps, shared by its
// writers. A writer adds to it once per step it was active in, under a
// mutex.
type FineSeries struct {
	mu    sync.Mutex
	steps []Step
}

func (s *FineSeries) add(i int, st *Step) {
	if i < 0 || i > maxSteps {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.steps) <= i {
		s.steps = append(s.steps, Step{})
	}
	s.steps[i].Ops += st.Ops
	s.steps[i].Attempts += st.Attempts
	s.steps[i].Errors += st.Errors
}

// Steps returns a copy of the series, step i covering [i, i+1)·FineStep
// from the start of measurement; steps after the last active one are
// left out.
func (s *FineSeries) Steps() []Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Step(nil), s.steps...)
}

// Window counts what happened in one fault's window: from its injection
// (Start, from the start of measurement) to the next fault's, or to the
// end of the cell. Ops are counted in the window they ended in.
type Window struct {
	Start time.Duration
	// OpsFailed gave up on an error (their last attempt errored);
	// OpsRetried committed after at least one errored attempt.
	OpsFailed, OpsRetried int64
	// Indeterminate counts errored attempts that may have committed.
	Indeterminate int64
	// FirstError is when the window's first errored attempt ended; -1
	// when none did.
	FirstError time.Duration
}

// TrackFaults makes r keep a fine time series in fine and one Window per
// start (fault injection offsets, in increasing order). It allocates; call
// it before the writer starts, only for cells with faults.
func (r *Recorder) TrackFaults(fine *FineSeries, starts []time.Duration) {
	r.fine = fine
	r.step = -1
	r.Windows = make([]Window, len(starts))
	for i, s := range starts {
		r.Windows[i] = Window{Start: s, FirstError: -1}
	}
}

// AttemptErrored records an attempt that failed with an error of class c
// (not a conflict), ending at t. mayHaveCommitted counts it as
// indeterminate for the audit. An attempt of an op that started before
// the measurement (measured false) counts only toward the audit: it is
// indeterminate, or not found, but not a measured error.
func (r *Recorder) AttemptErrored(t time.Duration, c drivers.ErrorClass, mayHaveCommitted, measured bool) {
	if c == drivers.ClassNotFound {
		r.NotFound++
	}
	if mayHaveCommitted {
		r.Indeterminate++
	}
	if !measured {
		return
	}
	r.Errors[c]++
	if r.fine != nil {
		r.stepAt(t).Errors++
	}
	if w := r.window(t); w != nil {
		if mayHaveCommitted {
			w.Indeterminate++
		}
		if w.FirstError < 0 {
			w.FirstError = t
		}
	}
}

// OpRetried records, for the fault windows, a measured op that committed
// at t after at least one errored attempt.
func (r *Recorder) OpRetried(t time.Duration) {
	if w := r.window(t); w != nil {
		w.OpsRetried++
	}
}

// OpFailed records, for the fault windows, a measured op that gave up at
// t on an error.
func (r *Recorder) OpFailed(t time.Duration) {
	if w := r.window(t); w != nil {
		w.OpsFailed++
	}
}

// window returns the window t falls in, or nil before the first (or
// when r tracks no faults).
func (r *Recorder) window(t time.Duration) *Window {
	for i := len(r.Windows) - 1; i >= 0; i-- {
		if t >= r.Windows[i].Start {
			return &r.Windows[i]
		}
	}
	return nil
}

func (r *Recorder) stepAt(t time.Duration) *Step {
	i := int(t / FineStep)
	if t < 0 {
		i = -1 // before the measurement: dropped by add
	}
	if i != r.step {
		r.flushStep()
		r.step = i
	}
	return &r.stepCur
}

func (r *Recorder) flushStep() {
	if r.fine != nil && r.step >= 0 && r.stepCur != (Step{}) {
		r.fine.add(r.step, &r.stepCur)
	}
	r.stepCur = Step{}
	r.step = -1
}

func (r *Recorder) mergeWindows(o *Recorder) {
	if len(r.Windows) != len(o.Windows) {
		if len(r.Windows) != 0 {
			return // different faults: nothing to add up
		}
		r.Windows = append([]Window(nil), o.Windows...)
		return
	}
	for i := range r.Windows {
		w, v := &r.Windows[i], &o.Windows[i]
		w.OpsFailed += v.OpsFailed
		w.OpsRetried += v.OpsRetried
		w.Indeterminate += v.Indeterminate
		if v.FirstError >= 0 && (w.FirstError < 0 || v.FirstError < w.FirstError) {
			w.FirstError = v.FirstError
		}
	}
}
