package runner

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
)

// notInjected is the error of a fault whose time never came.
const notInjected = "not injected: the cell ended first"

// checkFaults checks what RunCell needs of Config.Faults: in order,
// without overlap, and an Injector for every kind but stall-holder.
func checkFaults(fs []faults.Fault, inj faults.Injector) error {
	for i, f := range fs {
		if f.Kind != faults.StallHolder && inj == nil {
			return fmt.Errorf("runner: Config.Injector: nil, but fault %q needs one", f.Spec)
		}
		if i > 0 && f.At < fs[i-1].End() {
			return fmt.Errorf("runner: Config.Faults: %q starts at %v, before %q ends at %v", f.Spec, f.At, fs[i-1].Spec, fs[i-1].End())
		}
	}
	return nil
}

// injected is what became of one fault: f as it was in effect (Duration
// from its offset until it began to heal; 0 when it never was) and why
// it failed, if it did.
type injected struct {
	f   faults.Fault
	err string
}

// runFaults carries out fs, in order, on the injected clock: each at
// start+At (start is the start of measurement) until it is healed
// Duration after its injection took effect, or sooner when the cell is
// interrupted (ctx), its writers are done (done) or its measured window
// ends (end; zero in ops mode). A fault whose time comes at or after the
// end, or after the cell stopped, is not injected. stall-holder faults
// switch stall on for their window; the others go to inj. Every
// successful injection is healed before runFaults returns, with a bounded
// context of its own.
func runFaults(ctx context.Context, clk clock.Clock, fs []faults.Fault, inj faults.Injector, stall *atomic.Bool, start, end time.Time, done <-chan struct{}) []injected {
	out := make([]injected, len(fs))
	over := false // the cell stopped: no more faults
	for i, f := range fs {
		out[i].f = f
		out[i].f.Duration = 0
		at := start.Add(f.At)
		if over || (!end.IsZero() && !at.Before(end)) || !waitUntil(ctx, clk, at, done) {
			over = true
			out[i].err = notInjected
			continue
		}
		var heal func(context.Context) error
		if f.Kind == faults.StallHolder {
			stall.Store(true)
			heal = func(context.Context) error { stall.Store(false); return nil }
		} else {
			ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healTimeout)
			h, err := inj.Inject(ictx, f)
			cancel()
			if err != nil {
				out[i].err = "inject: " + err.Error()
				continue
			}
			if h == nil {
				h = func(context.Context) error { return nil }
			}
			heal = h
		}
		healAt := clk.Now().Add(f.Duration)
		if !end.IsZero() && healAt.After(end) {
			healAt = end // healed at the end of the measured window at the latest
		}
		if !waitUntil(ctx, clk, healAt, done) {
			over = true
		}
		out[i].f.Duration = max(clk.Now().Sub(at), 0)
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healTimeout)
		if err := heal(hctx); err != nil {
			out[i].err = "heal: " + err.Error()
		}
		cancel()
	}
	return out
}

// waitUntil waits on clk until t and reports whether it came before ctx
// ended or done closed.
func waitUntil(ctx context.Context, clk clock.Clock, t time.Time, done <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case <-done:
		return false
	default:
	}
	d := t.Sub(clk.Now())
	if d <= 0 {
		return true
	}
	fired := make(chan struct{})
	tm := clock.AfterFunc(clk, d, func() { close(fired) })
	defer tm.Stop()
	select {
	case <-fired:
		return true
	case <-ctx.Done():
		return false
	case <-done:
		return false
	}
}

// faultRecords turns what became of the faults and what the cell
// measured into their records.
func faultRecords(inj []injected, steps []record.Step, windows []record.Window, measured time.Duration) []results.Fault {
	ops := make([]int64, len(steps))
	for i, s := range steps {
		ops[i] = s.Ops
	}
	out := make([]results.Fault, len(inj))
	for i, in := range inj {
		m := faults.Measured{Ops: ops, Step: record.FineStep, End: measured, FirstError: -1, Err: in.err}
		if i < len(windows) {
			w := windows[i]
			m.OpsFailed, m.OpsRetried, m.Indeterminate, m.FirstError = w.OpsFailed, w.OpsRetried, w.Indeterminate, w.FirstError
		}
		out[i] = faults.Analyze(in.f, m)
	}
	return out
}
