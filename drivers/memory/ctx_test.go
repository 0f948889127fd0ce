package memory

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

// TestContextEndsWait: a call waiting out its injected latency returns
// as soon as its context ends, by deadline or by cancellation, with the
// context's error, not indeterminate, having written nothing. The store
// never dials: Options.Dial is ignored.
func TestContextEndsWait(t *testing.T) {
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}
	dial := func(context.Context, string, string) (net.Conn, error) {
		t.Error("the memory store called Options.Dial")
		return nil, errors.New("no network here")
	}
	s := newStore(t, spec, drivers.Options{Latency: delay.Constant(time.Hour), Dial: dial})
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 1)
	const after = 50 * time.Millisecond
	for _, end := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), after)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(after, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		for _, c := range []struct {
			name string
			call func(context.Context) error
		}{
			{"cas", func(ctx context.Context) error { return s.CompareAndSwap(ctx, w) }},
			{"locked update", func(ctx context.Context) error { return s.LockedUpdate(ctx, w) }},
		} {
			t.Run(end.name+"/"+c.name, func(t *testing.T) {
				ctx, cancel := end.ctx()
				defer cancel()
				start := time.Now()
				err := c.call(ctx)
				if took := time.Since(start); took > after+time.Second {
					t.Errorf("returned %v after the context ended %v in", took, after)
				}
				if !errors.Is(err, end.want) || drivers.MayHaveCommitted(err) {
					t.Errorf("%v (MayHaveCommitted %v), want %v, not sent", err, drivers.MayHaveCommitted(err), end.want)
				}
			})
		}
	}
	if tot, err := s.Totals(context.Background()); err != nil || tot.Counter != 0 {
		t.Errorf("Totals = %+v, %v; want nothing written", tot, err)
	}
}

// TestEndedContextAllocs: a call whose context has ended allocates
// nothing either.
func TestEndedContextAllocs(t *testing.T) {
	s := newStore(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}, drivers.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 8)
	if n := testing.AllocsPerRun(100, func() { _ = s.CompareAndSwap(ctx, w) }); n != 0 {
		t.Errorf("CompareAndSwap with an ended context allocates %.1f times", n)
	}
}
