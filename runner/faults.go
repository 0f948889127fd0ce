package runner

import (
	"context"
	"fmt"
	"sync"
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
// from its offset until its heal returned — the server answers again, a
// restart's start included; 0 when it never took effect) and why it
// failed, if it did.
type injected struct {
	f   faults.Fault
	err string
}

// faultSchedule carries out a cell's faults, in order, on the injected
// clock: each at start+At (start is the start of measurement) until it
// is healed Duration after its injection took effect, or sooner when the
// cell is interrupted (ctx), its writers are done (done) or its measured
// window ends (end; zero in ops mode). A fault whose time comes at or
// after the end, or after the cell stopped, is not injected. stall-holder
// faults switch stall on for their window; the others go to inj. Every
// successful injection is healed before run returns, with a bounded
// context of its own.
//
// Each wait is an alarm of the clock, armed while the clock stands
// still: the first by newFaultSchedule, before the writers start; the
// next ones before the alarm that fired lets its clock go on (alarm).
type faultSchedule struct {
	ctx        context.Context
	clk        clock.Clock
	fs         []faults.Fault
	inj        faults.Injector
	stall      *atomic.Bool
	start, end time.Time
	done       <-chan struct{}
	first      *alarm
}

func newFaultSchedule(ctx context.Context, clk clock.Clock, fs []faults.Fault, inj faults.Injector, stall *atomic.Bool, start, end time.Time, done <-chan struct{}) *faultSchedule {
	s := &faultSchedule{ctx: ctx, clk: clk, fs: fs, inj: inj, stall: stall, start: start, end: end, done: done}
	if len(fs) > 0 {
		s.first = s.injectAlarm(0)
	}
	return s
}

// injectAlarm arms the alarm of fault i's injection: nil when it comes
// at or after the end.
func (s *faultSchedule) injectAlarm(i int) *alarm {
	at := s.start.Add(s.fs[i].At)
	if !s.end.IsZero() && !at.Before(s.end) {
		return nil
	}
	return setAlarm(s.clk, at)
}

// run carries the faults out and says what became of each.
func (s *faultSchedule) run() []injected {
	out := make([]injected, len(s.fs))
	next := s.first
	for i, f := range s.fs {
		out[i].f = f
		out[i].f.Duration = 0
		a := next
		next = nil
		if a == nil || !a.wait(s.ctx, s.done) {
			out[i].err = notInjected
			for j := i + 1; j < len(s.fs); j++ { // the cell is over
				out[j].f, out[j].f.Duration, out[j].err = s.fs[j], 0, notInjected
			}
			break
		}
		at := s.start.Add(f.At)
		heal, err := s.inject(f)
		if err != nil {
			out[i].err = "inject: " + err.Error()
			if i+1 < len(s.fs) {
				next = s.injectAlarm(i + 1)
			}
			a.release()
			continue
		}
		healAt := s.clk.Now().Add(f.Duration)
		if !s.end.IsZero() && healAt.After(s.end) {
			healAt = s.end // healed at the end of the measured window at the latest
		}
		h := setAlarm(s.clk, healAt)
		a.release()
		over := !h.wait(s.ctx, s.done)
		hctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), healTimeout)
		if err := heal(hctx); err != nil {
			out[i].err = "heal: " + err.Error()
		}
		cancel()
		out[i].f.Duration = max(s.clk.Now().Sub(at), 0)
		if !over && i+1 < len(s.fs) {
			next = s.injectAlarm(i + 1)
		}
		h.release()
	}
	return out
}

// inject puts f in effect and returns its heal.
func (s *faultSchedule) inject(f faults.Fault) (func(context.Context) error, error) {
	if f.Kind == faults.StallHolder {
		s.stall.Store(true)
		return func(context.Context) error { s.stall.Store(false); return nil }, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), healTimeout)
	defer cancel()
	heal, err := s.inj.Inject(ctx, f)
	if err == nil && heal == nil {
		heal = func(context.Context) error { return nil }
	}
	return heal, err
}

// alarm is a timer of the clock that a goroutine waits for. When it
// fires, the timer's function holds until release: on a Fake clock,
// whose timers fire in the goroutine that moves the clock (a writer),
// the clock stands still until the fault is in effect or healed and the
// next alarm is armed, so that faults take effect at their exact times;
// on the wall clock it holds only the timer's own goroutine.
type alarm struct {
	fired, acked chan struct{}
	tm           clock.Timer // nil when t had come already
	release      func()      // idempotent; must be called
}

func setAlarm(clk clock.Clock, t time.Time) *alarm {
	a := &alarm{fired: make(chan struct{}), acked: make(chan struct{})}
	a.release = sync.OnceFunc(func() { close(a.acked) })
	d := t.Sub(clk.Now())
	if d <= 0 {
		close(a.fired)
		return a
	}
	a.tm = clock.AfterFunc(clk, d, func() {
		close(a.fired)
		<-a.acked
	})
	return a
}

// wait reports whether the alarm fired before ctx ended or done closed
// (it counts as fired, even if the writers are done too, unless ctx
// ended). When it did not, it is released.
func (a *alarm) wait(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-a.fired:
	case <-ctx.Done():
	case <-done:
	}
	select {
	case <-a.fired:
		if ctx.Err() == nil {
			return true
		}
	default:
	}
	if a.tm != nil {
		a.tm.Stop()
	}
	a.release()
	return false
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
