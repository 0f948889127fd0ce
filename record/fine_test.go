package record

import (
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// TestFineSeriesAndWindows: two writers with faults at 1 s and 2 s; the
// fine series adds them up per 100 ms step and the windows count ops by
// the time they ended.
func TestFineSeriesAndWindows(t *testing.T) {
	fine := &FineSeries{}
	starts := []time.Duration{time.Second, 2 * time.Second}
	a, b := New(&Series{}), New(&Series{})
	a.TrackFaults(fine, starts)
	b.TrackFaults(fine, starts)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	// a: commits at 50 ms and 150 ms; an error at 1050 ms (indeterminate),
	// another at 1120 ms (not sent), the op commits at 1250 ms.
	a.AttemptDone(ms(50), ms(1), drivers.NotConflict)
	a.Commit(ms(50), ms(1), 1, 0, ms(1))
	a.AttemptDone(ms(150), ms(1), drivers.NotConflict)
	a.Commit(ms(150), ms(1), 1, 0, ms(1))
	a.AttemptDone(ms(1050), ms(1), drivers.NotConflict)
	a.AttemptErrored(ms(1050), drivers.ClassConnection, true, true)
	a.AttemptDone(ms(1120), ms(1), drivers.NotConflict)
	a.AttemptErrored(ms(1120), drivers.ClassConnection, false, true)
	a.AttemptDone(ms(1250), ms(1), drivers.NotConflict)
	a.Commit(ms(1250), ms(200), 3, ms(100), ms(3))
	a.OpRetried(ms(1250))
	// b: an error at 1010 ms, then the op gives up at 2100 ms after one
	// more error (window 2); a warmup error (not measured) that found no
	// document.
	b.AttemptErrored(-ms(10), drivers.ClassNotFound, false, false)
	b.AttemptDone(ms(1010), ms(1), drivers.NotConflict)
	b.AttemptErrored(ms(1010), drivers.ClassTimeout, true, true)
	b.AttemptDone(ms(2100), ms(1), drivers.NotConflict)
	b.AttemptErrored(ms(2100), drivers.ClassTimeout, true, true)
	b.OpFailed(ms(2100))
	a.Flush()
	b.Flush()
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}

	steps := fine.Steps()
	want := map[int]Step{
		0: {Ops: 1, Attempts: 1}, 1: {Ops: 1, Attempts: 1},
		10: {Attempts: 2, Errors: 2}, 11: {Attempts: 1, Errors: 1}, 12: {Ops: 1, Attempts: 1},
		21: {Attempts: 1, Errors: 1},
	}
	if len(steps) != 22 {
		t.Fatalf("%d steps, want 22", len(steps))
	}
	for i, st := range steps {
		if st != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, st, want[i])
		}
	}
	wantW := []Window{
		{Start: time.Second, OpsRetried: 1, Indeterminate: 2, FirstError: ms(1010)},
		{Start: 2 * time.Second, OpsFailed: 1, Indeterminate: 1, FirstError: ms(2100)},
	}
	for i := range wantW {
		if a.Windows[i] != wantW[i] {
			t.Errorf("window %d = %+v, want %+v", i, a.Windows[i], wantW[i])
		}
	}
	if a.Indeterminate != 3 || a.NotFound != 1 {
		t.Errorf("indeterminate %d not found %d, want 3 and 1 (the warmup's too)", a.Indeterminate, a.NotFound)
	}
	if a.Errors[drivers.ClassConnection] != 2 || a.Errors[drivers.ClassTimeout] != 2 || a.Errors[drivers.ClassNotFound] != 0 {
		t.Errorf("errors %v: the warmup's error is not a measured one", a.Errors)
	}
}

// TestNoFaultsNoWindows: without TrackFaults nothing is kept per step
// or window, and errors still count.
func TestNoFaultsNoWindows(t *testing.T) {
	r := New(nil)
	r.AttemptErrored(time.Second, drivers.ClassServer, true, true)
	r.OpFailed(time.Second)
	r.OpRetried(time.Second)
	r.Flush()
	if r.Windows != nil || r.fine != nil || r.Errors[drivers.ClassServer] != 1 || r.Indeterminate != 1 {
		t.Fatalf("windows %v errors %v indeterminate %d", r.Windows, r.Errors, r.Indeterminate)
	}
}

func TestRecordingWithFaultsAllocatesNothing(t *testing.T) {
	r := New(&Series{})
	r.TrackFaults(&FineSeries{}, []time.Duration{0, time.Hour})
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		at := time.Duration(i) * time.Microsecond
		r.AttemptDone(at, 3*time.Microsecond, drivers.NotConflict)
		r.AttemptErrored(at, drivers.ClassTimeout, true, true)
		r.AttemptDone(at, 3*time.Microsecond, drivers.NotConflict)
		r.Commit(at, 5*time.Microsecond, 2, time.Microsecond, 3*time.Microsecond)
		r.OpRetried(at)
		i++
	})
	if allocs != 0 {
		t.Fatalf("recording with faults allocates %v per op", allocs)
	}
}

func BenchmarkRecordWithFaults(b *testing.B) {
	r := New(&Series{})
	r.TrackFaults(&FineSeries{}, []time.Duration{0, time.Hour})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := time.Duration(i) * time.Microsecond
		r.AttemptDone(at, 3*time.Microsecond, drivers.NotConflict)
		r.Commit(at, 5*time.Microsecond, 1, 0, 3*time.Microsecond)
	}
}
