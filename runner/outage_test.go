package runner_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// outageStore is one document whose conditional writes fail with err
// while the fake clock is in [down, up) from t0, and commit otherwise;
// each call takes `took` of fake time.
type outageStore struct {
	clk      *clock.Fake
	t0       time.Time
	took     time.Duration
	down, up time.Duration
	err      error
	docs     int64 // Totals.Docs; 0 = 1

	mu       sync.Mutex
	counter  int64
	inOutage int // calls made during the outage
}

func (s *outageStore) Setup(context.Context, drivers.Spec) error { return nil }
func (s *outageStore) Close() error                              { return nil }
func (s *outageStore) Totals(context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	docs := s.docs
	if docs == 0 {
		docs = 1
	}
	return drivers.Totals{Docs: docs, Counter: s.counter, Versions: s.counter}, nil
}

func (s *outageStore) Read(_ context.Context, _ int, d *drivers.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Version, d.Counter = s.counter, s.counter
	d.Groups = append(d.Groups[:0], 0)
	return nil
}

func (s *outageStore) CompareAndSwap(_ context.Context, w *drivers.Write) error {
	at := s.clk.Now().Sub(s.t0)
	s.clk.Advance(s.took)
	s.mu.Lock()
	defer s.mu.Unlock()
	if at >= s.down && at < s.up {
		s.inOutage++
		return s.err
	}
	if w.Expect != s.counter {
		return drivers.ErrVersionMismatch
	}
	s.counter++
	return nil
}

func (s *outageStore) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inOutage
}

var errReset = &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}

// TestOutageBackoff: a store down from 2 s to 7 s of a 10 s cell. The
// writer retries the op it was in under the error backoff (10 ms … 1 s):
// a handful of attempts a second, not a spin; every errored attempt is
// recorded; the op commits when the store is back, the outage in its
// latency; errors that cannot have committed are not indeterminate.
func TestOutageBackoff(t *testing.T) {
	for _, tt := range []struct {
		name          string
		err           error
		class         string
		indeterminate bool
	}{
		{"connection reset: may have committed", errReset, "connection", true},
		{"not sent", drivers.NotSent(errReset), "connection", false},
		{"refused dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, "connection", false},
		// A store's own cancellation (a dial it cancelled) while the cell
		// runs is an error, not the cell's stop: the writer goes on.
		{"canceled by the store", drivers.NotSent(fmt.Errorf("connect: %w", context.Canceled)), "canceled", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Unix(0, 0)
			clk := clock.NewFake(t0)
			st := &outageStore{clk: clk, t0: t0, took: time.Millisecond, down: 2 * time.Second, up: 7 * time.Second, err: tt.err}
			sc := baseScenario()
			sc.OpsPerWriter = 0
			sc.Duration = scenarios.Duration(10 * time.Second)
			c := runOne(t, st, clk, sc)

			n := st.calls()
			// equal-jitter 10 ms … 1 s: ≈ 7 attempts to reach the cap,
			// then ≥ 0.5 s apart: at most ≈ 17 in 5 s.
			if n < 5 || n > 20 {
				t.Errorf("%d attempts in a 5 s outage, want a few a second (5 … 20)", n)
			}
			if c.Errors[tt.class] != int64(n) || len(c.Errors) != 1 {
				t.Errorf("errors %v, want %d %s (every errored attempt)", c.Errors, n, tt.class)
			}
			// (The op in flight at the end of the cell may be cut off.)
			if len(c.GiveUps) != 0 || c.CutOff > 1 {
				t.Errorf("give-ups %v cut off %d, want none: the op outlived the outage", c.GiveUps, c.CutOff)
			}
			if c.LatencyMS.Max < 5000 || c.LatencyMS.Max > 6100 {
				t.Errorf("max committed latency %v ms, want the 5 s outage in it", c.LatencyMS.Max)
			}
			if c.RetriesPerOp.Max != float64(n) {
				t.Errorf("max retries %v, want %d: one op retried through the outage", c.RetriesPerOp.Max, n)
			}
			// The op's time in backoff is the outage, near enough.
			if c.Components.BackoffMean <= 0 {
				t.Errorf("backoff mean %v, want the error backoff counted", c.Components.BackoffMean)
			}
			wantIndet := int64(0)
			if tt.indeterminate {
				wantIndet = int64(n)
			}
			if c.Audit.Indeterminate != wantIndet || !c.Audit.OK {
				t.Errorf("audit %+v, want %d indeterminate and ok", c.Audit, wantIndet)
			}
			if c.Ops < 2900 { // 1 ms an op for 5 of the 10 s
				t.Errorf("ops %d, want ≈ 3000+", c.Ops)
			}
			t.Logf("%d attempts in the 5 s outage; max latency %v ms; %d ops", n, c.LatencyMS.Max, c.Ops)
		})
	}
}

// TestOutageLimits: the attempt and time limits and the retry budget end
// an op whose attempts error, with give-up reason "error"; an outage that
// lasts to the end cuts the op off, and no error backoff runs past the
// end.
func TestOutageLimits(t *testing.T) {
	for _, tt := range []struct {
		name     string
		mod      func(*scenarios.Scenario)
		giveUps  int64
		cutOff   int64
		clockMax time.Duration
	}{
		{name: "max attempts", mod: func(s *scenarios.Scenario) { s.MaxAttempts = 4 }, giveUps: 1, cutOff: 1},
		{name: "max elapsed", mod: func(s *scenarios.Scenario) { s.MaxElapsed = scenarios.Duration(500 * time.Millisecond) }, giveUps: 1, cutOff: 1},
		// Every op after the budget ran out gives up at its first attempt;
		// the last one's error backoff would end after the end: the
		// writer stops there.
		{name: "budget", mod: func(s *scenarios.Scenario) { s.Budget = 10; s.BudgetRefund = 0 }, giveUps: 1, cutOff: 0},
		{name: "fail policy applies to conflicts only", mod: func(s *scenarios.Scenario) { s.OnConflict = "fail" }, cutOff: 1},
		{name: "outage to the end", cutOff: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Unix(0, 0)
			clk := clock.NewFake(t0)
			// Down from 1 s to the end (3 s).
			st := &outageStore{clk: clk, t0: t0, took: time.Millisecond, down: time.Second, up: time.Hour, err: errReset}
			sc := baseScenario()
			sc.OpsPerWriter = 0
			sc.Duration = scenarios.Duration(3 * time.Second)
			tt.mod = cmp(tt.mod)
			tt.mod(&sc)
			c := runOne(t, st, clk, sc)
			if c.GiveUps["error"] < tt.giveUps || int64(len(c.GiveUps)) > tt.giveUps {
				t.Errorf("give-ups %v, want ≥ %d, all \"error\"", c.GiveUps, tt.giveUps)
			}
			if c.CutOff != tt.cutOff {
				t.Errorf("cut off %d, want %d", c.CutOff, tt.cutOff)
			}
			if got := clk.Now().Sub(t0); got > 3*time.Second {
				t.Errorf("cell returned at %v: an error backoff ran past the 3 s end", got)
			}
			n := st.calls()
			if c.Errors["connection"] != int64(n) {
				t.Errorf("errors %v, want %d", c.Errors, n)
			}
			// Ops that give up on an error are followed by the error
			// backoff too: no spin whatever ends the ops.
			if n > 15 {
				t.Errorf("%d attempts in a 2 s outage, want a few a second", n)
			}
		})
	}
}

func cmp(f func(*scenarios.Scenario)) func(*scenarios.Scenario) {
	if f == nil {
		return func(*scenarios.Scenario) {}
	}
	return f
}

// hangStore hangs its first `hangs` writes until their context ends,
// telling blocked the deadline each saw; then it commits.
type hangStore struct {
	outageStore
	hangs   int
	blocked chan time.Time
}

func (s *hangStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.mu.Lock()
	hang := s.hangs > 0
	if hang {
		s.hangs--
	}
	s.mu.Unlock()
	if hang {
		dl, _ := ctx.Deadline()
		s.blocked <- dl
		<-ctx.Done()
		return ctx.Err()
	}
	return s.outageStore.CompareAndSwap(ctx, w)
}

// TestOpTimeout: every attempt runs under a context whose deadline is its
// start + op_timeout, on the injected clock; an attempt that hangs is cut
// there, counted as a timeout, and retried.
func TestOpTimeout(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	st := &hangStore{outageStore: outageStore{clk: clk, t0: t0, took: time.Millisecond, down: -1, up: -1}, hangs: 3, blocked: make(chan time.Time)}
	sc := baseScenario()
	sc.OpsPerWriter = 2
	sc.OpTimeout = scenarios.Duration(2 * time.Second)
	go func() {
		for dl := range st.blocked {
			if want := clk.Now().Add(2 * time.Second); !dl.Equal(want) {
				t.Errorf("attempt deadline %v, want its start + 2 s = %v", dl, want)
			}
			clk.Advance(2 * time.Second)
		}
	}()
	c := runOne(t, st, clk, sc)
	close(st.blocked)
	if c.Ops != 2 || c.Errors["timeout"] != 3 || c.Attempts != 5 {
		t.Fatalf("ops %d attempts %d errors %v; want 2 ops, 3 timeouts", c.Ops, c.Attempts, c.Errors)
	}
	if c.Audit.Indeterminate != 3 || !c.Audit.OK {
		t.Errorf("audit %+v: timeouts may have committed", c.Audit)
	}
	// The first op waited 3 × 2 s plus its backoffs.
	if c.LatencyMS.Max < 6000 {
		t.Errorf("max latency %v ms, want the 6 s of timeouts in it", c.LatencyMS.Max)
	}
}

// TestStopCancelsAreCutOffs: attempts cancelled because the cell stopped
// are cut-offs, not errors.
func TestStopCancelsAreCutOffs(t *testing.T) {
	t0 := time.Unix(0, 0)
	clk := clock.NewFake(t0)
	st := &hangStore{outageStore: outageStore{clk: clk, t0: t0, took: time.Millisecond, down: -1, up: -1}, hangs: 1 << 30, blocked: make(chan time.Time, 1)}
	sc := baseScenario()
	sc.Writers = []int{1}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-st.blocked
		cancel() // Ctrl-C while the attempt hangs: the grace cancels it
	}()
	c, err := runner.RunCell(ctx, runner.Config{Scenario: sc, Store: st, DriverName: "hang", Clock: clk, Grace: time.Millisecond}, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interrupted || c.CutOff != 1 || len(c.Errors) != 0 || len(c.GiveUps) != 0 || c.Audit.Indeterminate != 0 {
		t.Fatalf("interrupted %v cut off %d errors %v give-ups %v indeterminate %d; want one cut-off and no error",
			c.Interrupted, c.CutOff, c.Errors, c.GiveUps, c.Audit.Indeterminate)
	}
}

// notFoundStore reads fail with ErrNotFound for its first `missing`
// reads, as after a restart that lost the data.
type notFoundStore struct {
	*outageStore
	missing int
}

func (s *notFoundStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	s.mu.Lock()
	miss := s.missing > 0
	if miss {
		s.missing--
	}
	s.mu.Unlock()
	if miss {
		return &drivers.OpError{Driver: "nf", Op: "read", Key: key, Class: drivers.ClassNotFound, Err: drivers.ErrNotFound, NotSent: true}
	}
	return s.outageStore.Read(ctx, key, d)
}

// TestStoreReset: documents missing from the totals, or attempts that
// found none, make the audit STORE RESET, never LOST UPDATES.
func TestStoreReset(t *testing.T) {
	for _, tt := range []struct {
		name    string
		store   func(*outageStore) drivers.Store
		keys    int
		want    string
		wantOps int64
	}{
		{"docs missing", func(o *outageStore) drivers.Store { o.docs = 3; o.counter = -5; return o }, 10,
			"STORE RESET: documents missing after a restart (7 of 10 missing; 0 attempts found no document)", 10},
		{"reads found no document", func(o *outageStore) drivers.Store { return &notFoundStore{outageStore: o, missing: 2} }, 1,
			"STORE RESET: documents missing after a restart (0 of 1 missing; 2 attempts found no document)", 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Unix(0, 0)
			clk := clock.NewFake(t0)
			sc := baseScenario()
			sc.Keys = tt.keys
			c := runOne(t, tt.store(&outageStore{clk: clk, t0: t0, took: time.Millisecond, down: -1, up: -1}), clk, sc)
			if !c.Audit.StoreReset || c.Audit.OK || !strings.HasPrefix(c.Audit.Verdict, tt.want) || strings.Contains(c.Audit.Verdict, "LOST") {
				t.Fatalf("audit %+v, want %q", c.Audit, tt.want)
			}
			if c.Ops != tt.wantOps {
				t.Errorf("ops %d, want %d", c.Ops, tt.wantOps)
			}
		})
	}
}

// totalsStore's Totals fails, or hangs ignoring its context until
// release is closed.
type totalsStore struct {
	*outageStore
	err     error
	release chan struct{}
}

func (s *totalsStore) Totals(ctx context.Context) (drivers.Totals, error) {
	if s.release != nil {
		<-s.release
	}
	return drivers.Totals{}, s.err
}

// TestAuditUnavailable: a store that cannot be read back leaves the cell
// with its measurements and an audit that says why; a hung one is given
// up on within the op timeout, or within 1 s when the run was
// interrupted.
func TestAuditUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		hang      bool
		interrupt bool
		want      string
		within    time.Duration
	}{
		{name: "totals fails", err: errors.New("connection refused"), want: "AUDIT UNAVAILABLE: script: audit: connection refused", within: 5 * time.Second},
		{name: "totals hangs", hang: true, want: "AUDIT UNAVAILABLE: script: audit: no answer within 200ms", within: 5 * time.Second},
		{name: "totals hangs, interrupted", hang: true, interrupt: true, want: "AUDIT UNAVAILABLE: script: audit: no answer within 1s", within: 5 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Unix(0, 0)
			clk := clock.NewFake(t0)
			st := &totalsStore{outageStore: &outageStore{clk: clk, t0: t0, took: time.Millisecond, down: -1, up: -1}, err: tt.err}
			if tt.hang {
				st.release = make(chan struct{})
				defer close(st.release)
			}
			sc := baseScenario()
			sc.OpTimeout = scenarios.Duration(200 * time.Millisecond)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := runner.Config{Scenario: sc, Store: st, DriverName: "script", Clock: clk}
			if tt.interrupt {
				sc.OpTimeout = scenarios.Duration(time.Hour)
				cfg.Scenario = sc
				cfg.Observer = &cancelAfterStart{cancel: cancel}
			}
			began := time.Now()
			c, err := runner.RunCell(ctx, cfg, runner.Cells(sc)[0], 0, 1)
			if took := time.Since(began); took > tt.within {
				t.Errorf("RunCell took %v, want < %v", took, tt.within)
			}
			if err != nil {
				t.Fatalf("RunCell: %v, want the cell with its audit unavailable", err)
			}
			if c.Audit.OK || c.Audit.Unavailable == "" || !strings.HasPrefix(c.Audit.Verdict, tt.want) {
				t.Fatalf("audit %+v, want %q", c.Audit, tt.want)
			}
			if !tt.interrupt && c.Ops != 10 {
				t.Errorf("ops %d: the measurements are kept", c.Ops)
			}
		})
	}
}

// hungClose is a sessioned memory store whose sessions' Close hangs.
type hungClose struct {
	*sessionedStore
	release chan struct{}
}

type hungSession struct {
	*sessionView
	release chan struct{}
}

func (h *hungClose) Session(ctx context.Context) (drivers.Store, error) {
	s, err := h.sessionedStore.Session(ctx)
	if err != nil {
		return nil, err
	}
	return &hungSession{sessionView: s.(*sessionView), release: h.release}, nil
}

func (h *hungSession) Close() error {
	<-h.release
	return nil
}

// TestHungSessionCloseInterrupted: closing the writers' sessions before
// the audit does not hold an interrupted cell for more than about 1 s.
func TestHungSessionCloseInterrupted(t *testing.T) {
	st := &hungClose{sessionedStore: newSessioned(t, nil), release: make(chan struct{})}
	defer close(st.release)
	sc := baseScenario()
	sc.Writers = []int{2}
	sc.OpsPerWriter = 0
	sc.Duration = scenarios.Duration(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	c, err := runner.RunCell(ctx, runner.Config{Scenario: sc, Store: st, DriverName: "hung", Observer: &cancelAfterStart{cancel: cancel}, Grace: 100 * time.Millisecond}, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("an interrupted cell with hung session closes took %v, want ≈ 1 s", took)
	}
	if !c.Interrupted {
		t.Error("not interrupted")
	}
}
