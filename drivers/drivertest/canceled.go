package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// canceled: every call given a context that has already ended returns,
// without touching the store, an error that wraps the context's
// (context.Canceled, or context.DeadlineExceeded for a deadline that
// passed) and that drivers.MayHaveCommitted calls not committed. A call
// whose context ended before it started sent nothing, and every driver
// can know that: it checks its context before its first round trip.
// The suite therefore requires false for every driver, and then that
// the store is unchanged and still answers.
func (s *suite) canceled(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	spec := drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8}
	live := setup(t, st, spec)
	var fence int64
	if l, ok := st.(drivers.Leaser); ok {
		f, err := l.Acquire(live, 1, 9, time.Minute)
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		fence = f
	}
	before := totals(t, live, st)

	canceledCtx, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()

	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"canceled", canceledCtx, context.Canceled}, {"deadline", expired, context.DeadlineExceeded}} {
		t.Run(c.name, func(t *testing.T) {
			calls := cancelCalls(st, fence)
			for _, call := range calls {
				start := time.Now()
				err := call.fn(c.ctx)
				if took := time.Since(start); took > time.Second {
					t.Errorf("%s with an ended context took %v", call.name, took)
				}
				switch {
				case err == nil:
					t.Errorf("%s with an ended context succeeded", call.name)
				case !errors.Is(err, c.want):
					t.Errorf("%s: %v does not wrap %v", call.name, err, c.want)
				case drivers.MayHaveCommitted(err):
					t.Errorf("%s: MayHaveCommitted(%v) = true for a call whose context ended before it started", call.name, err)
				}
			}
			if _, err := st.Totals(c.ctx); err == nil || !errors.Is(err, c.want) {
				t.Errorf("Totals with an ended context: %v, want an error wrapping %v", err, c.want)
			}
			if err := st.Setup(c.ctx, spec); err == nil || !errors.Is(err, c.want) {
				t.Errorf("Setup with an ended context: %v, want an error wrapping %v", err, c.want)
			}
		})
	}
	// Nothing reached the store, and it still answers.
	if after := totals(t, live, st); after != before {
		t.Errorf("totals after calls with ended contexts = %+v, want %+v", after, before)
	}
	if r, ok := st.(drivers.Reader); ok {
		readDoc(t, live, r, 0)
	}
}

type cancelCall struct {
	name string
	fn   func(ctx context.Context) error
}

// cancelCalls lists a call of every capability st has, on key 0 of a
// one-group, 8-byte cell (key 1's lease is held by holder 9 with fence).
func cancelCalls(st drivers.Store, fence int64) []cancelCall {
	w := func() *drivers.Write {
		return &drivers.Write{Key: 0, Writer: 1, Op: 1, UpdatedAt: 1, Payload: make([]byte, 8), Version: 5, Counter: 5, GroupVersion: 5}
	}
	var d drivers.Doc
	var calls []cancelCall
	if r, ok := st.(drivers.Reader); ok {
		calls = append(calls, cancelCall{"Read", func(ctx context.Context) error { return r.Read(ctx, 0, &d) }})
	}
	if c, ok := st.(drivers.CompareAndSwapper); ok {
		calls = append(calls, cancelCall{"CompareAndSwap", func(ctx context.Context) error { return c.CompareAndSwap(ctx, w()) }})
	}
	if p, ok := st.(drivers.Putter); ok {
		calls = append(calls, cancelCall{"Put", func(ctx context.Context) error { return p.Put(ctx, w()) }})
	}
	if f, ok := st.(drivers.FencedReader); ok {
		calls = append(calls, cancelCall{"ReadFenced", func(ctx context.Context) error { return f.ReadFenced(ctx, 0, 100, &d) }})
	}
	if l, ok := st.(drivers.LockedUpdater); ok {
		calls = append(calls, cancelCall{"LockedUpdate", func(ctx context.Context) error { return l.LockedUpdate(ctx, w()) }})
	}
	if u, ok := st.(drivers.SerializableUpdater); ok {
		calls = append(calls, cancelCall{"SerializableUpdate", func(ctx context.Context) error { return u.SerializableUpdate(ctx, w()) }})
	}
	if l, ok := st.(drivers.Leaser); ok {
		calls = append(calls,
			cancelCall{"Acquire", func(ctx context.Context) error { _, err := l.Acquire(ctx, 0, 1, time.Minute); return err }},
			cancelCall{"Extend", func(ctx context.Context) error { return l.Extend(ctx, 1, 9, fence, time.Minute) }},
			cancelCall{"Release", func(ctx context.Context) error { return l.Release(ctx, 1, 9, fence) }},
		)
	}
	return calls
}
