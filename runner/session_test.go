package runner_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/runner"
)

// sessionedStore is a memory store that hands out sessions: each is the
// same store seen through a sessionView that counts its calls.
type sessionedStore struct {
	*memory.Store
	refuse error // Session's error, when set

	mu           sync.Mutex
	opened       int
	open         int // not closed yet
	calls        map[*sessionView]int
	openAtAudit  int
	totalsCalled bool
	ctxs         []context.Context // the contexts sessions got
}

type sessionView struct {
	*memory.Store
	parent *sessionedStore
	closed bool
}

func (s *sessionedStore) Session(ctx context.Context) (drivers.Store, error) {
	if s.refuse != nil {
		return nil, s.refuse
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened++
	s.open++
	s.ctxs = append(s.ctxs, ctx)
	v := &sessionView{Store: s.Store, parent: s}
	s.calls[v] = 0
	return v, nil
}

func (s *sessionedStore) Totals(ctx context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	s.openAtAudit, s.totalsCalled = s.open, true
	s.mu.Unlock()
	return s.Store.Totals(ctx)
}

func (v *sessionView) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	v.parent.mu.Lock()
	if v.closed {
		v.parent.mu.Unlock()
		return errors.New("session used after Close")
	}
	v.parent.calls[v]++
	v.parent.mu.Unlock()
	return v.Store.CompareAndSwap(ctx, w)
}

func (v *sessionView) Close() error {
	v.parent.mu.Lock()
	defer v.parent.mu.Unlock()
	if !v.closed {
		v.closed = true
		v.parent.open--
	}
	return nil
}

func newSessioned(t *testing.T, refuse error) *sessionedStore {
	t.Helper()
	st, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &sessionedStore{Store: st, refuse: refuse, calls: map[*sessionView]int{}}
}

// TestSessionPerWriter: a store that offers sessions gets one per writer,
// each writer's attempts go through its own, and all are closed before
// the audit reads the store.
func TestSessionPerWriter(t *testing.T) {
	st := newSessioned(t, nil)
	sc := baseScenario()
	sc.Writers = []int{4}
	sc.OpsPerWriter = 50
	spec := runner.Cells(sc)[0]
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "sessioned"}, spec, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Audit.OK || c.Ops != 200 {
		t.Fatalf("ops %d, audit %q; want 200 ok", c.Ops, c.Audit.Verdict)
	}
	if st.opened != 4 {
		t.Errorf("%d sessions opened for 4 writers", st.opened)
	}
	if !st.totalsCalled || st.openAtAudit != 0 {
		t.Errorf("%d sessions still open when the audit ran", st.openAtAudit)
	}
	for _, n := range st.calls {
		if n < 50 { // 50 ops, each at least one attempt, on its own session
			t.Errorf("a session served %d attempts, want ≥ 50 (its writer's)", n)
		}
	}
	for _, ctx := range st.ctxs {
		if ctx.Err() == nil {
			t.Error("a session's context outlived its cell")
		}
	}
}

// TestSessionRefused: ErrNoSessions means the writers share the store;
// any other error fails the cell, naming the writer.
func TestSessionRefused(t *testing.T) {
	sc := baseScenario()
	sc.Writers = []int{2}
	spec := runner.Cells(sc)[0]

	st := newSessioned(t, drivers.ErrNoSessions)
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "sessioned"}, spec, 0, 1)
	if err != nil || !c.Audit.OK || c.Ops != 20 {
		t.Fatalf("with ErrNoSessions: ops %d, audit %q, err %v; want the shared store's 20 ops", c.Ops, c.Audit.Verdict, err)
	}

	st = newSessioned(t, errors.New("pool exhausted"))
	_, err = runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "sessioned"}, spec, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "writer 0: session: pool exhausted") {
		t.Fatalf("with a failing Session: %v, want an error naming the writer and the cause", err)
	}
}
