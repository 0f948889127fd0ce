// Package clock is the time source of the runner, the strategies and the
// in-process drivers. Tests inject Fake so that nothing sleeps for real.
package clock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock tells time and sleeps, honouring ctx.
type Clock interface {
	Now() time.Time
	// Sleep returns after d, or ctx's error if ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Timer is a timer made by AfterFunc. Stop and Reset behave as
// time.Timer's: Stop reports whether it stopped the timer before it
// fired; Reset re-arms it to fire d from now, whether or not it had fired.
type Timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// AfterFuncer is a Clock that makes timers. It is an interface apart so
// that the Clock interface, which other packages implement, is unchanged.
type AfterFuncer interface {
	Clock
	// AfterFunc calls f once d has passed on this clock.
	AfterFunc(d time.Duration, f func()) Timer
}

// AfterFunc calls f after d on c when c makes timers (Real and Fake do),
// and after d of wall time otherwise.
func AfterFunc(c Clock, d time.Duration, f func()) Timer {
	if a, ok := c.(AfterFuncer); ok {
		return a.AfterFunc(d, f)
	}
	return time.AfterFunc(d, f)
}

// Real is the wall clock.
type Real struct{}

var _ AfterFuncer = Real{}

func (Real) Now() time.Time { return time.Now() }

func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AfterFunc is time.AfterFunc: f runs in its own goroutine.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Fake is a manual clock: Sleep advances it instead of waiting, so code
// under test runs at full speed and deterministically. Its timers fire
// when the clock is moved to or past their time.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer // armed timers, unordered
}

var _ AfterFuncer = (*Fake)(nil)

// NewFake returns a fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep advances the clock by d and returns at once.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.Advance(d)
	return nil
}

// Advance moves the clock forward by d. Timers due on the way fire in
// the order of their times, each with the clock at its time, in the
// calling goroutine: a timer's function sees the time it was set for,
// as a sleeper's wall-clock timer would, and must not call Advance or
// Sleep on the clock. Timers it arms that fall due before now+d fire in
// the same call.
func (f *Fake) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	target := f.now.Add(d)
	for {
		i := -1
		for j, t := range f.timers {
			if !t.when.After(target) && (i < 0 || t.when.Before(f.timers[i].when)) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		t := f.timers[i]
		f.timers[i] = f.timers[len(f.timers)-1]
		f.timers = f.timers[:len(f.timers)-1]
		t.armed = false
		if t.when.After(f.now) {
			f.now = t.when
		}
		f.mu.Unlock()
		t.f()
		f.mu.Lock()
	}
	if target.After(f.now) {
		f.now = target
	}
	f.mu.Unlock()
}

// AfterFunc calls f when the clock reaches now+d; d ≤ 0 fires it at the
// next Advance. f runs in the goroutine that moves the clock.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{clk: f, f: fn}
	t.Reset(d)
	return t
}

type fakeTimer struct {
	clk   *Fake
	f     func()
	when  time.Time // guarded by clk.mu
	armed bool      // guarded by clk.mu
}

func (t *fakeTimer) Stop() bool {
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.armed {
		return false
	}
	t.armed = false
	if i := slices.Index(c.timers, t); i >= 0 {
		c.timers[i] = c.timers[len(c.timers)-1]
		c.timers = c.timers[:len(c.timers)-1]
	}
	return true
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	was := t.armed
	t.when = c.now.Add(d)
	if !t.armed {
		t.armed = true
		c.timers = append(c.timers, t)
	}
	return was
}
