package runner_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// opID names one op: writer and op id.
type opID struct{ writer, op int64 }

// opLogStore is a one-document store with an op log that misbehaves on
// the ops it is told to: it forgets drop's identity (counting its write),
// logs dup's twice (counting it once), applies inDoubt's first attempt
// and fails it with a timeout (an outcome in doubt), and applies
// onConflict's first attempt and reports a conflict. Its counter counts
// every write once, so that a lost op and a duplicated one leave the
// counts audit balanced.
type opLogStore struct {
	clk                            *clock.Fake
	drop, dup, inDoubt, onConflict opID

	mu      sync.Mutex
	version int64
	counter int64
	log     []opID
	tried   map[opID]bool
}

func newOpLogStore(clk *clock.Fake) *opLogStore {
	none := opID{-1, -1}
	return &opLogStore{clk: clk, drop: none, dup: none, inDoubt: none, onConflict: none, tried: map[opID]bool{}}
}

func (s *opLogStore) Setup(ctx context.Context, spec drivers.Spec) error {
	if !spec.OpLog {
		return errors.New("setup without Spec.OpLog under --audit ops")
	}
	return nil
}
func (s *opLogStore) Close() error { return nil }
func (s *opLogStore) Totals(ctx context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return drivers.Totals{Docs: 1, Counter: s.counter, Versions: s.version}, nil
}

func (s *opLogStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Version, d.Counter = s.version, s.counter
	d.Groups = append(d.Groups[:0], 0)
	return nil
}

func (s *opLogStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.clk.Advance(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.Expect != s.version {
		return drivers.ErrVersionMismatch
	}
	id := opID{w.Writer, w.Op}
	s.version++
	first := !s.tried[id]
	s.tried[id] = true
	s.counter++
	switch id {
	case s.drop: // counted, not logged
	case s.dup:
		s.log = append(s.log, id, id)
	default:
		s.log = append(s.log, id)
	}
	switch {
	case first && id == s.inDoubt:
		return context.DeadlineExceeded
	case first && id == s.onConflict:
		return drivers.ErrVersionMismatch
	}
	return nil
}

func (s *opLogStore) OpLog(ctx context.Context, fn func(key int, writer, op int64) error) error {
	s.mu.Lock()
	log := slices.Clone(s.log)
	s.mu.Unlock()
	for _, e := range log {
		if err := fn(0, e.writer, e.op); err != nil {
			return err
		}
	}
	return nil
}

// TestOpsAudit: --audit ops names exactly the ops a store lost, applied
// twice or applied without a commit, where the counts audit sees at most
// a balance; a retry after an attempt in doubt that did commit is a
// duplicate it explains.
func TestOpsAudit(t *testing.T) {
	ex := func(w, op int64, what string) results.OpExample {
		return results.OpExample{Writer: w, Op: op, Key: 0, What: what}
	}
	for _, tt := range []struct {
		name     string
		mod      func(*opLogStore, *scenarios.Scenario)
		want     results.OpsAudit
		ok       bool
		countsOK bool   // what the counts audit alone would say
		verdict  string // the verdict's start
	}{
		{name: "clean", want: results.OpsAudit{Checked: 20}, ok: true, countsOK: true, verdict: "ok: 20 committed"},
		{
			name: "one lost, one applied twice: counts balance",
			mod:  func(s *opLogStore, _ *scenarios.Scenario) { s.drop, s.dup = opID{0, 3}, opID{1, 5} },
			want: results.OpsAudit{Checked: 20, Lost: 1, Duplicated: 1, Unexplained: 1,
				Examples: []results.OpExample{ex(1, 5, "unexplained"), ex(1, 5, "duplicated"), ex(0, 3, "lost")}},
			countsOK: true, verdict: "HARNESS BUG: ops audit",
		},
		{
			name:     "lost only",
			mod:      func(s *opLogStore, _ *scenarios.Scenario) { s.drop = opID{1, 9} },
			want:     results.OpsAudit{Checked: 20, Lost: 1, Examples: []results.OpExample{ex(1, 9, "lost")}},
			countsOK: true, verdict: "LOST UPDATES: ops audit: 1 of 20",
		},
		{
			name: "retry after an attempt in doubt that committed",
			mod:  func(s *opLogStore, _ *scenarios.Scenario) { s.inDoubt = opID{0, 4} },
			want: results.OpsAudit{Checked: 20, Duplicated: 1, Examples: []results.OpExample{ex(0, 4, "duplicated")}},
			ok:   true, countsOK: true, verdict: "ok: 20 committed, 21 in the store",
		},
		{
			name: "attempt in doubt that committed, op given up",
			mod: func(s *opLogStore, sc *scenarios.Scenario) {
				s.inDoubt = opID{1, 2}
				sc.MaxAttempts = 1
			},
			want: results.OpsAudit{Checked: 19, UnacknowledgedCommitted: 1, Examples: []results.OpExample{ex(1, 2, "unacknowledged")}},
			ok:   true, countsOK: true, verdict: "ok: 19 committed, 20 in the store",
		},
		{
			name: "applied though reported a conflict",
			mod:  func(s *opLogStore, _ *scenarios.Scenario) { s.onConflict = opID{0, 7} },
			want: results.OpsAudit{Checked: 20, Duplicated: 1, Unexplained: 1,
				Examples: []results.OpExample{ex(0, 7, "unexplained"), ex(0, 7, "duplicated")}},
			verdict: "HARNESS BUG: ops audit",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Unix(0, 0))
			st := newOpLogStore(clk)
			sc := baseScenario()
			sc.Writers = []int{2}
			sc.Backoffs = []string{"none"}
			sc.Audit = runner.AuditOps
			if tt.mod != nil {
				tt.mod(st, &sc)
			}
			c := runOne(t, st, clk, sc)
			a := c.Audit
			if a.Ops == nil {
				t.Fatalf("audit %+v: no ops audit", a)
			}
			if !equalOps(*a.Ops, tt.want) {
				t.Errorf("ops audit\n got %+v\nwant %+v", *a.Ops, tt.want)
			}
			if a.OK != tt.ok || !strings.HasPrefix(a.Verdict, tt.verdict) {
				t.Errorf("ok %v verdict %q, want ok %v and a verdict starting %q", a.OK, a.Verdict, tt.ok, tt.verdict)
			}
			counts := runner.Audit(a.Expected, a.Indeterminate, drivers.Totals{Counter: a.Observed, Versions: a.Versions}, c.Strategy, false)
			if counts.OK != tt.countsOK {
				t.Errorf("counts audit alone: ok %v (%s), want %v", counts.OK, counts.Verdict, tt.countsOK)
			}
		})
	}
}

func equalOps(a, b results.OpsAudit) bool {
	return a.Checked == b.Checked && a.Lost == b.Lost && a.Duplicated == b.Duplicated &&
		a.UnacknowledgedCommitted == b.UnacknowledgedCommitted && a.Unexplained == b.Unexplained &&
		a.Error == b.Error && slices.Equal(a.Examples, b.Examples)
}

// TestOpsAuditRefused: --audit ops on a store without an op log stops
// the cell before anything runs, with a usage error naming the flag.
func TestOpsAuditRefused(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	sc := baseScenario()
	sc.Audit = runner.AuditOps
	_, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: &scriptStore{clk: clk}, DriverName: "script", Clock: clk}, runner.Cells(sc)[0], 0, 1)
	if !errors.Is(err, drivers.ErrInvalidOption) || !strings.Contains(err.Error(), "--audit: ops is not available on driver script") {
		t.Fatalf("RunCell = %v, want a refusal of --audit ops", err)
	}
}
