package runner

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
)

// TestAttemptCtxTimeout: on the fake clock an attempt's context is
// cancelled exactly at its start + the timeout, with DeadlineExceeded;
// the next attempt gets a fresh, live context; one that ends in time
// keeps its context for the next.
func TestAttemptCtxTimeout(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newAttemptCtx(parent, clk, 10*time.Second)
	defer func() { c.release() }()

	start := clk.Now()
	c = c.next(start)
	if dl, ok := c.Deadline(); !ok || !dl.Equal(start.Add(10*time.Second)) {
		t.Fatalf("deadline %v %v, want start + 10s", dl, ok)
	}
	clk.Advance(10*time.Second - 1)
	if c.Err() != nil {
		t.Fatal("cancelled before its deadline")
	}
	clk.Advance(1)
	select {
	case <-c.Done():
	default:
		t.Fatal("not cancelled at its deadline")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v, want DeadlineExceeded", c.Err())
	}
	c.disarm()
	old := c

	c = c.next(clk.Now())
	if c == old || c.Err() != nil || old.Err() == nil {
		t.Fatal("after a timeout the next attempt must get a fresh context, and the old one stay cancelled")
	}
	clk.Advance(time.Second)
	c.disarm()
	clk.Advance(time.Hour) // disarmed: the timer does not cancel it
	if c.Err() != nil {
		t.Fatal("a disarmed context was cancelled")
	}
	again := c.next(clk.Now())
	if again != c {
		t.Fatal("a context that was not cancelled is not reused")
	}
	again.disarm()
}

// TestAttemptCtxParent: the parent's cancellation cancels the attempt
// in flight and every later one, with the parent's error, and contexts
// derived from it.
func TestAttemptCtxParent(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	parent, cancel := context.WithCancel(context.Background())
	c := newAttemptCtx(parent, clk, time.Hour)
	defer func() { c.release() }()
	c = c.next(clk.Now())
	derived, dcancel := context.WithTimeout(c, time.Hour)
	defer dcancel()
	cancel()
	<-c.Done()
	<-derived.Done()
	if !errors.Is(c.Err(), context.Canceled) || !errors.Is(derived.Err(), context.Canceled) {
		t.Fatalf("errs %v %v, want Canceled", c.Err(), derived.Err())
	}
	c.disarm()
	c = c.next(clk.Now())
	if !errors.Is(c.Err(), context.Canceled) {
		t.Fatalf("an attempt after the parent's cancellation: err %v", c.Err())
	}
}

// TestAttemptCtxRace: on the wall clock, timers fire while attempts
// return, again and again, with contexts derived from the attempt's (as
// clients do). An attempt's context is never cancelled before its
// deadline (a late timer of the previous attempt must not cancel it), a
// closed Done always comes with an error. Run with -race.
func TestAttemptCtxRace(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	const timeout = 50 * time.Microsecond
	c := newAttemptCtx(parent, clock.Real{}, timeout)
	defer func() { c.release() }()
	var timedOut, inTime int
	var stopped atomic.Int64
	for i := range 5000 {
		c = c.next(time.Now())
		dl, _ := c.Deadline()
		early := func(when string) {
			if c.Err() != nil && time.Now().Before(dl) {
				t.Fatalf("attempt %d: cancelled %s, before its deadline: %v", i, when, c.Err())
			}
		}
		early("at its start")
		// The attempt: about as long as the timeout, through a derived
		// context and an AfterFunc, as a client library would.
		d, dcancel := context.WithCancel(c)
		stop := context.AfterFunc(c, func() { stopped.Add(1) })
		deadline := time.Now().Add(time.Duration(i%100) * time.Microsecond)
		for time.Now().Before(deadline) {
			select {
			case <-d.Done():
				deadline = time.Time{}
			default:
			}
		}
		early("during the attempt")
		select {
		case <-c.Done():
			if c.Err() == nil {
				t.Fatal("Done closed without an error")
			}
			timedOut++
		default:
			inTime++
		}
		stop()
		dcancel()
		c.disarm()
	}
	if timedOut == 0 || inTime == 0 {
		t.Logf("timed out %d, in time %d: the race was not exercised both ways", timedOut, inTime)
	}
}

// TestAttemptCtxStaleTimer: a timer that fires after its attempt ended
// (disarmed), or once the next attempt is armed but before that one's
// deadline, cancels nothing.
func TestAttemptCtxStaleTimer(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	c := newAttemptCtx(context.Background(), clk, 10*time.Second)
	defer func() { c.release() }()
	c = c.next(clk.Now())
	clk.Advance(10*time.Second - 1)
	c.disarm()
	clk.Advance(1) // the attempt's deadline passes after it ended
	c.expire()     // its timer's function, late
	if c.Err() != nil {
		t.Fatal("a late timer cancelled a disarmed context")
	}
	c = c.next(clk.Now())
	c.expire() // late again, now during the next attempt
	if c.Err() != nil {
		t.Fatal("a late timer of the previous attempt cancelled the next one")
	}
	clk.Advance(10 * time.Second)
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("at the next attempt's deadline: %v", c.Err())
	}
}
