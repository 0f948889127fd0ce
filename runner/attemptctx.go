package runner

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/occbench/occbench/clock"
)

// attemptCtx is the context of one writer's attempts: cancelled at the
// attempt's start + the op timeout (a timer of the injected clock), or
// when its parent (the cell's store context) is. Building a context per
// attempt (context.WithTimeout) would allocate on the hot path, so a
// writer reuses one attemptCtx for attempt after attempt, re-arming its
// deadline and timer, as long as it is not cancelled. Once cancelled it
// stays cancelled — Done closed, Err set — as a context must, for the
// store calls and derived contexts that may still hold it; the writer
// then takes a fresh one (next), the only allocation, after a timeout.
//
// Deadline returns the current attempt's deadline: clients such as
// go-redis set socket deadlines from it. AfterFunc lets context.WithX
// and context.AfterFunc on it register without a goroutine each.
type attemptCtx struct {
	parent  context.Context
	clk     clock.Clock
	timeout time.Duration
	done    chan struct{} // closed on cancellation; never replaced

	stopParent func() bool // unregisters from parent
	timer      clock.Timer // nil until the first arm

	mu       sync.Mutex
	deadline time.Time
	armed    bool  // an attempt is running: the timer may cancel it
	err      error // set once, when done is closed
	afters   []afterFunc
	nextID   uint64
}

type afterFunc struct {
	id uint64
	f  func()
}

var _ context.Context = (*attemptCtx)(nil)

func newAttemptCtx(parent context.Context, clk clock.Clock, timeout time.Duration) *attemptCtx {
	c := &attemptCtx{parent: parent, clk: clk, timeout: timeout, done: make(chan struct{})}
	c.stopParent = context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
	return c
}

// next returns the context for an attempt starting at start: c itself,
// re-armed, or a fresh one when c was cancelled (unless the parent is
// done too: every attempt is then cancelled at once).
func (c *attemptCtx) next(start time.Time) *attemptCtx {
	if c.Err() != nil && c.parent.Err() == nil {
		c.release()
		c = newAttemptCtx(c.parent, c.clk, c.timeout)
	}
	c.arm(start)
	return c
}

func (c *attemptCtx) arm(start time.Time) {
	c.mu.Lock()
	c.deadline = start.Add(c.timeout)
	c.armed = c.err == nil
	armed := c.armed
	c.mu.Unlock()
	if !armed {
		return
	}
	if c.timer == nil {
		c.timer = clock.AfterFunc(c.clk, c.timeout, c.expire)
	} else {
		c.timer.Reset(c.timeout)
	}
}

// disarm ends the attempt: the timer can no longer cancel c.
func (c *attemptCtx) disarm() {
	c.mu.Lock()
	c.armed = false
	c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
}

// release stops c's timer and unregisters it from its parent.
func (c *attemptCtx) release() {
	c.disarm()
	c.stopParent()
}

// expire is the timer's function. A timer that fired late, for an
// attempt that has already ended, finds c disarmed or the new attempt's
// deadline not reached (now is read before the lock: never late), and
// does nothing.
func (c *attemptCtx) expire() {
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed && !now.Before(c.deadline) {
		c.cancelLocked(context.DeadlineExceeded)
	}
}

// cancel closes done with err, once: the parent's cancellation, at any
// time.
func (c *attemptCtx) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelLocked(err)
}

func (c *attemptCtx) cancelLocked(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	close(c.done)
	for _, a := range c.afters {
		go a.f()
	}
	c.afters = nil
}

func (c *attemptCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, !c.deadline.IsZero()
}

func (c *attemptCtx) Done() <-chan struct{} { return c.done }

func (c *attemptCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *attemptCtx) Value(key any) any { return c.parent.Value(key) }

// AfterFunc runs f in its own goroutine once c is cancelled; stop
// unregisters it. The context package uses it for contexts derived from
// c, instead of a goroutine each.
func (c *attemptCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	c.nextID++
	id := c.nextID
	c.afters = append(c.afters, afterFunc{id: id, f: f})
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := slices.IndexFunc(c.afters, func(a afterFunc) bool { return a.id == id })
		if i < 0 {
			return false
		}
		c.afters = slices.Delete(c.afters, i, i+1)
		return true
	}
}
