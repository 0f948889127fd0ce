package sqlite

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// TestContextEndsBusyWait: a write waiting for a lock another connection
// holds (the busy timeout is 5 s) returns as soon as its context ends,
// by deadline or cancellation, with the context's error, not
// indeterminate. The store never dials: Options.Dial is ignored.
func TestContextEndsBusyWait(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	dial := func(context.Context, string, string) (net.Conn, error) {
		t.Error("the sqlite store called Options.Dial")
		return nil, errors.New("no network here")
	}
	s := newStore(t, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}, drivers.Options{DSN: path, Dial: dial})
	blocker, err := Open(ctx, drivers.Options{DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	tx, err := blocker.lockDB.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	w := write(0, 0, drivers.ScopeDocument, 0, 1, 1)
	const after = 100 * time.Millisecond
	for _, end := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, after)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			c, cancel := context.WithCancel(ctx)
			time.AfterFunc(after, cancel)
			return c, cancel
		}, context.Canceled},
	} {
		for _, c := range []struct {
			name string
			call func(context.Context) error
		}{
			{"cas", func(ctx context.Context) error { return s.CompareAndSwap(ctx, w) }},
			{"locked update", func(ctx context.Context) error { return s.LockedUpdate(ctx, w) }},
			{"read fenced", func(ctx context.Context) error { return s.ReadFenced(ctx, 0, 1, &drivers.Doc{}) }},
		} {
			t.Run(end.name+"/"+c.name, func(t *testing.T) {
				cctx, cancel := end.ctx()
				defer cancel()
				start := time.Now()
				err := c.call(cctx)
				took := time.Since(start)
				if took > after+time.Second {
					t.Errorf("returned %v after the context ended %v in (busy timeout %v)", took, after, BusyTimeout)
				}
				if !errors.Is(err, end.want) || drivers.KindOf(err) != drivers.NotConflict || drivers.MayHaveCommitted(err) {
					t.Errorf("%v (MayHaveCommitted %v), want %v, not a conflict, not sent", err, drivers.MayHaveCommitted(err), end.want)
				}
			})
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if tot, err := s.Totals(ctx); err != nil || tot.Counter != 0 {
		t.Errorf("Totals = %+v, %v; want nothing written", tot, err)
	}
}
