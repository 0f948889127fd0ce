package runner

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/occbench/occbench/clock"
)

// attemptCtx is the context of one writer's attempts: cancelled at the
// attempt's start + the op timeout (a timer of the injected clock), or
// when its parent (the cell's store context) is. Building a context per
// attempt (context.WithTimeout) would allocate on the hot path, so a
// writer reuses one attemptCtx for attempt after attempt, moving its
// deadline, as long as it is not cancelled. Once cancelled it stays
// cancelled — Done closed, Err set — as a context must, for the store
// calls and derived contexts that may still hold it; the writer then
// takes a fresh one (next), the only allocation, after a timeout.
//
// The timer is not reset per attempt (a Reset and a Stop of a runtime
// timer per attempt cost the memory store a fifth of its rate). It is
// pending at most once: armed at the first attempt for the timeout, and
// when it fires it cancels the attempt that is running if that one has
// reached its deadline, sleeps again until the running attempt's deadline
// if it has not, and stays idle when no attempt runs (the next attempt
// re-arms it). Deadlines only move forward, so a timer set for an
// earlier attempt never fires late for a later one. An attempt costs two
// atomic stores and two loads.
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

	deadline  atomic.Int64 // the running attempt's deadline, Unix ns
	armed     atomic.Bool  // an attempt is running: the timer may cancel it
	pending   atomic.Bool  // the timer is set to fire
	cancelled atomic.Bool  // done is closed (err is set)

	mu     sync.Mutex // err, afters, timer, and setting the timer
	timer  clock.Timer
	err    error // set once, when done is closed
	afters []afterFunc
	nextID uint64
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
	if c.cancelled.Load() && c.parent.Err() == nil {
		c.release()
		c = newAttemptCtx(c.parent, c.clk, c.timeout)
	}
	c.arm(start)
	return c
}

// arm starts an attempt at start. Storing armed before loading pending,
// as expire stores pending before loading armed, makes sure that one of
// the two sets the timer for this attempt (both may; the mutex lets only
// the first).
func (c *attemptCtx) arm(start time.Time) {
	c.deadline.Store(start.Add(c.timeout).UnixNano())
	c.armed.Store(true)
	if c.pending.Load() || c.cancelled.Load() {
		return
	}
	c.mu.Lock()
	if !c.pending.Load() && c.err == nil {
		c.pending.Store(true)
		if c.timer == nil {
			c.timer = clock.AfterFunc(c.clk, c.timeout, c.expire)
		} else {
			c.timer.Reset(c.timeout)
		}
	}
	c.mu.Unlock()
}

// disarm ends the attempt: the timer can no longer cancel c.
func (c *attemptCtx) disarm() { c.armed.Store(false) }

// release stops c's timer and unregisters it from its parent.
func (c *attemptCtx) release() {
	c.disarm()
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.pending.Store(false)
	c.mu.Unlock()
	c.stopParent()
}

// expire is the timer's function. It cancels the running attempt when
// its deadline has passed (now is read before anything else: never
// late), sets the timer again for the running attempt's deadline when it
// has not, and leaves the timer idle when no attempt runs.
func (c *attemptCtx) expire() {
	now := c.clk.Now().UnixNano()
	c.pending.Store(false)
	if !c.armed.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending.Load() || c.err != nil {
		return // arm set it again meanwhile, or c is cancelled
	}
	if dl := c.deadline.Load(); now < dl {
		c.pending.Store(true)
		c.timer.Reset(time.Duration(dl - now))
		return
	}
	if c.armed.Load() {
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
	c.cancelled.Store(true)
	close(c.done)
	for _, a := range c.afters {
		go a.f()
	}
	c.afters = nil
}

func (c *attemptCtx) Deadline() (time.Time, bool) {
	dl := c.deadline.Load()
	if dl == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, dl), true
}

func (c *attemptCtx) Done() <-chan struct{} { return c.done }

func (c *attemptCtx) Err() error {
	if !c.cancelled.Load() {
		return nil
	}
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
