package strategy

import (
	"context"
	"runtime"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

// window is a strategy's conflict window (Config.Hold): the hold an
// attempt waits between its read and its write.
type window struct {
	dist delay.Dist
	clk  clock.Clock
}

// The errors of a hold that ctx ended: nothing was written, so they are
// marked not sent. Preallocated, so that an ended hold allocates
// nothing; never modified.
var (
	errHoldCanceled = drivers.NotSent(context.Canceled)
	errHoldDeadline = drivers.NotSent(context.DeadlineExceeded)
)

// wait draws one hold from op.Rand and waits it on the window's clock,
// or until ctx ends (ctx's error, marked not sent). A zero window only
// returns. It allocates nothing.
func (win window) wait(ctx context.Context, op *Op) error {
	if win.dist.IsZero() {
		return nil
	}
	var d time.Duration
	if op.Rand == nil && !win.dist.IsConstant() {
		d = win.dist.Mean() // no random source: the expected hold
	} else {
		d = win.dist.Sample(op.Rand)
	}
	op.Held += d
	var err error
	if _, wall := win.clk.(clock.Real); wall {
		err = op.sleepWall(ctx, d)
	} else {
		err = win.clk.Sleep(ctx, d)
	}
	switch err {
	case nil:
		return nil
	case context.Canceled:
		return errHoldCanceled
	case context.DeadlineExceeded:
		return errHoldDeadline
	}
	return drivers.NotSent(err)
}

// holdFunc returns the Write.Hold of op's attempt under win: nil for no
// hold, else op's callback, made once per Op (a method value allocates)
// and reused by every attempt.
func (op *Op) holdFunc(win window) func(context.Context) error {
	if win.dist.IsZero() {
		return nil
	}
	op.win = win
	if op.holdFn == nil {
		op.holdFn = op.holdNow
	}
	return op.holdFn
}

// holdNow is the callback a store calls between its read and its write.
func (op *Op) holdNow(ctx context.Context) error { return op.win.wait(ctx, op) }

// spinBelow is the stretch of a hold on the wall clock waited out by
// yielding rather than on a timer: timers fire up to about 1 ms late on
// some machines (this project's VMs among them), which would turn a
// 200µs hold into 1.2 ms. The memory driver's latency does the same.
const spinBelow = 2 * time.Millisecond

// sleepWall waits d of wall time, or until ctx ends: on op's reused
// timer down to the last spinBelow, then yielding. It allocates nothing
// once op's timer exists.
func (op *Op) sleepWall(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	deadline := time.Now().Add(d)
	if d > spinBelow {
		if op.timer == nil {
			op.timer = time.NewTimer(d - spinBelow)
		} else {
			op.timer.Reset(d - spinBelow)
		}
		select {
		case <-op.timer.C:
		case <-ctx.Done():
			op.timer.Stop()
			return ctx.Err()
		}
	}
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return ctx.Err()
}
