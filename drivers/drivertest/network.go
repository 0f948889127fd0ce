package drivertest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// NetOpener opens the store under test on its server with o and
// returns Open's error. The suite sets Writers, Dial and
// ConnectTimeout; the opener adds the DSN and whatever else its driver
// needs, and must pass the rest on unchanged.
type NetOpener func(ctx context.Context, o drivers.Options) (drivers.Store, error)

// Bounds the fault suite holds drivers to.
const (
	// BackWithin is how soon after its server accepts connections again
	// a driver's next call must succeed: the runner's error backoff is
	// capped at 1 s, so the driver may add no cooldown of its own.
	BackWithin = time.Second
	// CloseWithin bounds Close, of a store or a session, while the
	// server hangs.
	CloseWithin = 2 * time.Second
	// slack is what a call given a deadline may overrun it by on a
	// loaded test machine.
	slack = time.Second
)

// RunNetwork runs the fault suite of a driver that talks to a server,
// through a Proxy that the driver reaches with Options.Dial:
//
//   - Dial: every connection goes through Options.Dial (counted, and
//     with the proxy down no call succeeds).
//   - Restart: with the server down every call fails; calls that could
//     not reach it are not indeterminate (drivers.MayHaveCommitted is
//     false) and are connection errors; once the server is back the
//     next call succeeds within BackWithin.
//   - KilledConnections: after the server closed every connection, at
//     most one call fails and the next one succeeds.
//   - Paused: against a hung server a call ends at its context's
//     deadline with a timeout, a cancelled Totals returns at once, and
//     Close takes at most CloseWithin.
//   - RedialTimesOut: when the connection is gone and a new dial hangs,
//     a call ends at its context's deadline with a timeout or connection
//     error that does not wrap context.Canceled (the runner reads a cancellation as the
//     cell's stop, and ends the writer).
//   - OpenRefused, OpenBlackholed: Open fails within ConnectTimeout.
//
// When the store is a drivers.Sessioner the calls go through one of its
// sessions, as the runner's writers' do.
func RunNetwork(t *testing.T, open NetOpener) {
	t.Run("Dial", func(t *testing.T) { netDial(t, open) })
	t.Run("Restart", func(t *testing.T) { netRestart(t, open) })
	t.Run("KilledConnections", func(t *testing.T) { netKilled(t, open) })
	t.Run("Paused", func(t *testing.T) { netPaused(t, open) })
	t.Run("RedialTimesOut", func(t *testing.T) { netRedialTimesOut(t, open) })
	t.Run("OpenRefused", func(t *testing.T) { netOpenFails(t, open, (*Proxy).Down) })
	t.Run("OpenBlackholed", func(t *testing.T) { netOpenFails(t, open, (*Proxy).Blackhole) })
}

// netCell is a store opened and seeded for one fault test.
type netCell struct {
	st      drivers.Store
	session drivers.Store // nil when writers share st
	target  drivers.Store // session, or st
	r       drivers.Reader
}

// netSpec is the cell every fault test seeds.
var netSpec = drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 8}

// openNet opens a store with o, seeds netSpec and takes a session when
// the store offers them. Both are closed when the test ends.
func openNet(t *testing.T, open NetOpener, o drivers.Options) *netCell {
	t.Helper()
	ctx := ctxFor(t)
	if o.Writers == 0 {
		o.Writers = 2
	}
	st, err := open(ctx, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Setup(ctx, netSpec); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	c := &netCell{st: st, target: st}
	if s, ok := st.(drivers.Sessioner); ok {
		ss, err := s.Session(ctx)
		switch {
		case err == nil:
			c.session, c.target = ss, ss
			t.Cleanup(func() { ss.Close() }) // before st's: cleanups run last first
		case !errors.Is(err, drivers.ErrNoSessions):
			t.Fatalf("Session: %v", err)
		}
	}
	c.r = need[drivers.Reader](t, c.target, "reads")
	return c
}

// within runs fn with a context that ends after d.
func within(d time.Duration, fn func(ctx context.Context) error) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	err := fn(ctx)
	return time.Since(start), err
}

func (c *netCell) read(ctx context.Context) error {
	var d drivers.Doc
	return c.r.Read(ctx, 0, &d)
}

// cas is a conditional write on key 0 from expect.
func cas(cs drivers.CompareAndSwapper, expect int64) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return cs.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: expect, Writer: 1, Op: expect + 1, UpdatedAt: 1, Payload: make([]byte, 8)})
	}
}

func netDial(t *testing.T, open NetOpener) {
	var n atomic.Int64
	c := openNet(t, open, drivers.Options{Dial: CountingDial(&n), ConnectTimeout: 5 * time.Second})
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read: %v", err)
	}
	if n.Load() == 0 {
		t.Fatal("Open, Setup and Read made no connection through Options.Dial")
	}
	t.Logf("%d connections dialed through Options.Dial", n.Load())
}

func netRestart(t *testing.T, open NetOpener) {
	p := NewProxy(t)
	c := openNet(t, open, drivers.Options{Dial: p.Dial, ConnectTimeout: time.Second})
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read: %v", err)
	}
	p.Down()
	for i := range 2 {
		took, err := within(10*time.Second, c.read)
		switch {
		case err == nil:
			t.Fatalf("Read %d with the server down succeeded: a connection bypasses Options.Dial", i+1)
		case drivers.MayHaveCommitted(err):
			t.Errorf("Read %d with the server down: MayHaveCommitted(%v) = true, want false (a read commits nothing)", i+1, err)
		case i > 0 && drivers.ClassOf(err) != drivers.ClassConnection:
			t.Errorf("Read %d with the server down: class %v, want connection (%v)", i+1, drivers.ClassOf(err), err)
		}
		t.Logf("read %d with the server down: %v after %v", i+1, err, took)
	}
	cs, hasCAS := c.target.(drivers.CompareAndSwapper)
	if hasCAS {
		// The driver knows its connections are gone: nothing it could not
		// send may be reported as possibly committed.
		for i := range 2 {
			_, err := within(10*time.Second, cas(cs, 0))
			switch {
			case err == nil:
				t.Fatalf("CompareAndSwap %d with the server down succeeded", i+1)
			case drivers.MayHaveCommitted(err):
				t.Errorf("CompareAndSwap %d with the server down and no connection: MayHaveCommitted(%v) = true, want false", i+1, err)
			case drivers.ClassOf(err) != drivers.ClassConnection:
				t.Errorf("CompareAndSwap %d with the server down: class %v, want connection (%v)", i+1, drivers.ClassOf(err), err)
			}
		}
	}
	p.Up()
	start := time.Now()
	fails := 0
	for {
		_, err := within(10*time.Second, c.read)
		if err == nil {
			break
		}
		if fails++; fails > 1 {
			t.Fatalf("the server is back, and %d reads failed; last: %v", fails, err)
		}
	}
	took := time.Since(start)
	t.Logf("first read %v after the server came back (%d failed first)", took, fails)
	if took > BackWithin {
		t.Errorf("first successful read %v after the server came back, want ≤ %v", took, BackWithin)
	}
	if hasCAS {
		if _, err := within(10*time.Second, cas(cs, 0)); err != nil {
			t.Fatalf("CompareAndSwap after the server came back: %v", err)
		}
		tot, err := c.st.Totals(ctxFor(t))
		if err != nil {
			t.Fatal(err)
		}
		if tot.Counter != 1 {
			t.Errorf("counter after the restart = %d, want 1: the calls that failed while the server was down wrote nothing", tot.Counter)
		}
	}
}

func netKilled(t *testing.T, open NetOpener) {
	p := NewProxy(t)
	c := openNet(t, open, drivers.Options{Dial: p.Dial, ConnectTimeout: time.Second})
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read: %v", err)
	}
	p.Cut()
	start := time.Now()
	fails := 0
	for {
		_, err := within(10*time.Second, c.read)
		if err == nil {
			break
		}
		if c := drivers.ClassOf(err); c != drivers.ClassConnection {
			t.Errorf("Read on a connection the server closed: class %v, want connection (%v)", c, err)
		}
		if fails++; fails > 1 {
			t.Fatalf("%d reads failed after the server closed the connections; last: %v", fails, err)
		}
	}
	t.Logf("read back %v after the connections were closed (%d failed first)", time.Since(start), fails)
	if cs, ok := c.target.(drivers.CompareAndSwapper); ok {
		if _, err := within(10*time.Second, cas(cs, 0)); err != nil {
			t.Fatalf("CompareAndSwap after reconnecting: %v", err)
		}
	}
}

func netPaused(t *testing.T, open NetOpener) {
	p := NewProxy(t)
	t.Cleanup(p.Up) // so that cleanups that talk to the server finish
	c := openNet(t, open, drivers.Options{Dial: p.Dial, ConnectTimeout: time.Second})
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read: %v", err)
	}
	p.Pause()
	const deadline = 300 * time.Millisecond
	took, err := within(deadline, c.read)
	switch {
	case err == nil:
		t.Fatal("Read from a paused server succeeded")
	case took > deadline+slack:
		t.Errorf("Read with a %v deadline returned after %v", deadline, took)
	case drivers.ClassOf(err) != drivers.ClassTimeout:
		t.Errorf("Read past its deadline: class %v, want timeout (%v)", drivers.ClassOf(err), err)
	case drivers.MayHaveCommitted(err):
		t.Errorf("Read past its deadline: MayHaveCommitted(%v) = true, want false", err)
	}
	if cs, ok := c.target.(drivers.CompareAndSwapper); ok {
		took, err := within(deadline, cas(cs, 0))
		switch {
		case err == nil:
			t.Fatal("CompareAndSwap on a paused server succeeded")
		case took > deadline+slack:
			t.Errorf("CompareAndSwap with a %v deadline returned after %v", deadline, took)
		case drivers.ClassOf(err) != drivers.ClassTimeout:
			t.Errorf("CompareAndSwap past its deadline: class %v, want timeout (%v)", drivers.ClassOf(err), err)
		}
	}
	// A cancellation, without a deadline, ends Totals at once.
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(200*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	_, err = c.st.Totals(ctx)
	cancel()
	if took := time.Since(start); took > 200*time.Millisecond+slack {
		t.Errorf("Totals cancelled after 200ms returned after %v", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Totals: %v, want an error wrapping context.Canceled", err)
	}
	// Close while the server hangs.
	if c.session != nil {
		start := time.Now()
		c.session.Close()
		if took := time.Since(start); took > CloseWithin {
			t.Errorf("Session.Close with the server paused took %v, want ≤ %v", took, CloseWithin)
		}
	}
	start = time.Now()
	err = c.st.Close()
	took = time.Since(start)
	t.Logf("Close with the server paused: %v after %v", err, took)
	if took > CloseWithin {
		t.Errorf("Close with the server paused took %v, want ≤ %v", took, CloseWithin)
	}
}

func netRedialTimesOut(t *testing.T, open NetOpener) {
	p := NewProxy(t)
	t.Cleanup(p.Up)
	c := openNet(t, open, drivers.Options{Dial: p.Dial, ConnectTimeout: 5 * time.Second})
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read: %v", err)
	}
	p.Blackhole() // live connections closed, new dials hang
	const deadline = 300 * time.Millisecond
	for i := range 3 { // the first call may find the closed connection
		took, err := within(deadline, c.read)
		switch {
		case err == nil:
			t.Fatalf("Read %d with the server unreachable succeeded", i)
		case errors.Is(err, context.Canceled):
			t.Errorf("Read %d past its deadline: %v wraps context.Canceled, want a deadline only", i, err)
		case took > deadline+slack:
			t.Errorf("Read %d with a %v deadline returned after %v", i, deadline, took)
		case drivers.MayHaveCommitted(err):
			t.Errorf("Read %d past its deadline: MayHaveCommitted(%v) = true, want false", i, err)
		}
		// A timeout, or a connection error (Mongo's server selection
		// ends at the deadline as one): the store was not reached.
		if cl := drivers.ClassOf(err); err != nil && cl != drivers.ClassTimeout && cl != drivers.ClassConnection {
			t.Errorf("Read %d while the dial hangs: class %v, want timeout or connection (%v)", i, cl, err)
		}
	}
	p.Up()
	if _, err := within(10*time.Second, c.read); err != nil {
		t.Fatalf("Read once the server is reachable again: %v", err)
	}
}

// netOpenFails: Open fails within its ConnectTimeout (plus slack) when
// break_ leaves the server unreachable.
func netOpenFails(t *testing.T, open NetOpener, break_ func(*Proxy)) {
	p := NewProxy(t)
	break_(p)
	const ct = 500 * time.Millisecond
	start := time.Now()
	st, err := open(context.Background(), drivers.Options{Writers: 1, Dial: p.Dial, ConnectTimeout: ct})
	took := time.Since(start)
	if err == nil {
		st.Close()
		t.Fatal("Open succeeded with the server unreachable")
	}
	t.Logf("Open failed after %v, %d dials: %v", took, p.Dials(), err)
	if took > ct+slack {
		t.Errorf("Open took %v with a connect timeout of %v", took, ct)
	}
	if p.Dials() == 0 {
		t.Error("Open dialed nothing through Options.Dial")
	}
}
