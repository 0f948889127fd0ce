package memory

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

// roundTrips charges the injected latency: one draw from dist per round
// trip. A Store has one for the calls made on it directly, and each
// Session one of its own, so a writer's draws come from its own seeded
// stream.
type roundTrips struct {
	dist delay.Dist

	mu  sync.Mutex // guards rng: a session's writer and its lease heartbeat share it
	pcg rand.PCG
	rng *rand.Rand
}

func newRoundTrips(dist delay.Dist) *roundTrips {
	rt := &roundTrips{dist: dist}
	rt.rng = rand.New(&rt.pcg)
	return rt
}

// seed restarts the draws at (seed, stream).
func (rt *roundTrips) seed(seed, stream uint64) {
	rt.mu.Lock()
	rt.pcg.Seed(seed, stream)
	rt.mu.Unlock()
}

// next draws one round trip's latency.
func (rt *roundTrips) next() time.Duration {
	if rt.dist.IsConstant() {
		return rt.dist.Sample(nil)
	}
	rt.mu.Lock()
	d := rt.dist.Sample(rt.rng)
	rt.mu.Unlock()
	return d
}

// wait spends one round trip, honouring ctx: the caller then takes the
// step the round trip carries to the server. With no latency it only
// checks ctx, and allocates nothing. Its error is ctx's, marked not
// sent (see ended).
func (rt *roundTrips) wait(ctx context.Context) error {
	if rt.dist.IsZero() {
		return ended(ctx.Err())
	}
	return ended(sleep(ctx, rt.next()))
}

// The context errors a call returns, marked not sent: a call takes
// effect only after its last round trip, all at once, so a call that
// ctx ended committed nothing. Preallocated, so that an ended call
// allocates nothing either; never modified.
var (
	errCanceled = drivers.NotSent(context.Canceled)
	errDeadline = drivers.NotSent(context.DeadlineExceeded)
)

// ended marks a context's error as not sent.
func ended(err error) error {
	switch err {
	case nil:
		return nil
	case context.Canceled:
		return errCanceled
	case context.DeadlineExceeded:
		return errDeadline
	}
	return drivers.NotSent(err)
}

// spinBelow is the stretch of an injected latency waited out by yielding
// rather than by a timer: on some machines (this project's VMs among
// them) timers fire up to about 1 ms late, which would turn --latency
// 100us into 1.1 ms. Yielding keeps the wait within microseconds of what
// was asked, at the cost of CPU while writers wait.
const spinBelow = 2 * time.Millisecond

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	deadline := time.Now().Add(d)
	if d > spinBelow {
		t := time.NewTimer(d - spinBelow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
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
