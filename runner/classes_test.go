package runner_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// groupStore conflicts on the first conflicts[group] attempts of every
// op of a writer writing that field group, then commits; each attempt
// advances the fake clock by took. It records the group each writer
// wrote.
type groupStore struct {
	clk       *clock.Fake
	took      time.Duration
	conflicts map[int]int

	mu      sync.Mutex
	counter int64
	fails   map[[2]int64]int // (writer, op) → conflicts so far
	groups  map[int64]int    // writer → group written
}

func (s *groupStore) Setup(ctx context.Context, spec drivers.Spec) error { return nil }
func (s *groupStore) Close() error                                       { return nil }
func (s *groupStore) Totals(ctx context.Context) (drivers.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return drivers.Totals{Docs: 1, Counter: s.counter, Versions: s.counter}, nil
}

func (s *groupStore) Read(ctx context.Context, key int, d *drivers.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Version, d.Counter = s.counter, s.counter
	d.Groups = append(d.Groups[:0], 0, 0)
	return nil
}

func (s *groupStore) CompareAndSwap(ctx context.Context, w *drivers.Write) error {
	s.clk.Advance(s.took)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[w.Writer] = w.Group
	k := [2]int64{w.Writer, w.Op}
	if s.fails[k] < s.conflicts[w.Group] {
		s.fails[k]++
		return drivers.ErrVersionMismatch
	}
	s.counter++
	return nil
}

func classScenario(t *testing.T, classes ...scenarios.Class) scenarios.Scenario {
	t.Helper()
	sc := baseScenario()
	sc.FieldGroups = 2
	sc.Classes = classes
	if err := sc.Validate(scenarios.Allowed{Strategies: strategy.Names(), Backoffs: backoff.Names()}); err != nil {
		t.Fatal(err)
	}
	return sc
}

// checkSums fails unless c's counters are the sums of its classes'.
func checkSums(t *testing.T, c *results.Cell) {
	t.Helper()
	var ops, attempts, conflicts, cutOff, gaveUp int64
	var writerOps []int64
	writers := 0
	for _, k := range c.Classes {
		ops += k.Ops
		attempts += k.Attempts
		conflicts += k.Conflicts
		cutOff += k.CutOff
		gaveUp += results.Sum(k.GiveUps)
		writers += k.Writers
		writerOps = append(writerOps, k.WriterOps...)
	}
	if ops != c.Ops || attempts != c.Attempts || conflicts != c.Conflicts || cutOff != c.CutOff || gaveUp != results.Sum(c.GiveUps) || writers != c.Writers {
		t.Errorf("classes sum to ops %d, attempts %d, conflicts %d, cut-off %d, give-ups %d, writers %d; the cell has %d, %d, %d, %d, %d, %d",
			ops, attempts, conflicts, cutOff, gaveUp, writers, c.Ops, c.Attempts, c.Conflicts, c.CutOff, results.Sum(c.GiveUps), c.Writers)
	}
	if !slices.Equal(writerOps, c.WriterOps) {
		t.Errorf("classes' writer ops %v, the cell's %v", writerOps, c.WriterOps)
	}
}

// TestClassesBreakDown: on a fake clock, each class's writers run with
// the class's field group and backoff; the class numbers count its
// writers only and add up to the cell's.
func TestClassesBreakDown(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &groupStore{clk: clk, took: time.Millisecond, conflicts: map[int]int{0: 2, 1: 0},
		fails: map[[2]int64]int{}, groups: map[int64]int{}}
	sc := classScenario(t,
		scenarios.Class{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "expo", FieldGroup: 0},
		scenarios.Class{Name: "workers", Writers: 3, Strategy: "optimistic", Backoff: "none", FieldGroup: 1},
	)
	specs := runner.Cells(sc)
	if len(specs) != 1 || specs[0].Writers != 5 || specs[0].Strategy != "optimistic" || specs[0].Backoff != "expo+none" {
		t.Fatalf("cells %+v, want one of 5 writers, optimistic, expo+none", specs)
	}
	c := runOne(t, st, clk, sc)
	if len(c.Classes) != 2 {
		t.Fatalf("%d classes, want 2", len(c.Classes))
	}
	checkSums(t, &c)
	ed, wk := c.Classes[0], c.Classes[1]
	if ed.Name != "editors" || ed.Writers != 2 || ed.FieldGroup != 0 || wk.Name != "workers" || wk.Strategy != "optimistic" || wk.Backoff != "none" {
		t.Errorf("class identities %+v / %+v", ed, wk)
	}
	// Each op of an editor conflicts twice, then commits; a worker's
	// commits at once.
	if ed.Ops != 20 || ed.Attempts != 60 || ed.Conflicts != 40 || ed.ConflictRatio < 0.66 || ed.RetriesPerOp.Mean != 2 {
		t.Errorf("editors: ops %d, attempts %d, conflicts %d (ratio %v, retries %v), want 20, 60, 40", ed.Ops, ed.Attempts, ed.Conflicts, ed.ConflictRatio, ed.RetriesPerOp.Mean)
	}
	if wk.Ops != 30 || wk.Attempts != 30 || wk.Conflicts != 0 || wk.ConflictRatio != 0 {
		t.Errorf("workers: ops %d, attempts %d, conflicts %d, want 30, 30, 0", wk.Ops, wk.Attempts, wk.Conflicts)
	}
	if ed.ConflictRatio <= wk.ConflictRatio {
		t.Errorf("the class on the contended group conflicts %v, the other %v", ed.ConflictRatio, wk.ConflictRatio)
	}
	// Editors back off (expo, 1 ms base): their ops take longer than
	// the workers' single attempt; workers (backoff none) never sleep.
	if ed.Components.BackoffMean == 0 || wk.Components.BackoffMean != 0 {
		t.Errorf("backoff means: editors %v, workers %v", ed.Components.BackoffMean, wk.Components.BackoffMean)
	}
	if ed.RecoveryMS == nil || ed.RecoveryMS.Ops != 20 || wk.RecoveryMS == nil || wk.RecoveryMS.Ops != 0 {
		t.Errorf("recovery: editors %+v, workers %+v", ed.RecoveryMS, wk.RecoveryMS)
	}
	if !slices.Equal(ed.WriterOps, []int64{10, 10}) || !slices.Equal(wk.WriterOps, []int64{10, 10, 10}) {
		t.Errorf("writer ops %v / %v", ed.WriterOps, wk.WriterOps)
	}
	for w, g := range st.groups {
		if want := map[bool]int{true: 0, false: 1}[w < 2]; g != want {
			t.Errorf("writer %d wrote group %d, want %d", w, g, want)
		}
	}
	if len(ed.Histograms) == 0 || ed.Histograms[results.HistCommitted] == "" {
		t.Errorf("editors: no histograms")
	}
	if !c.Audit.OK || c.Audit.Expected != 50 {
		t.Errorf("audit %+v", c.Audit)
	}
}

// TestClassesFieldGroupScope: on the memory store with scope
// field-group, a class alone on its field group never conflicts, however
// the other class's writers interleave, and the classes add up.
func TestClassesFieldGroupScope(t *testing.T) {
	st, err := memory.New(drivers.Options{Writers: 5})
	if err != nil {
		t.Fatal(err)
	}
	sc := classScenario(t,
		scenarios.Class{Name: "workers", Writers: 4, Strategy: "optimistic", Backoff: "none", FieldGroup: 0},
		scenarios.Class{Name: "editors", Writers: 1, Strategy: "pessimistic", Backoff: "expo", FieldGroup: 1},
	)
	sc.Scope = "field-group"
	sc.OpsPerWriter = 300
	sc.FieldGroupNames = []string{"assets", "content"}
	c := runOne(t, st, nil, sc)
	checkSums(t, &c)
	wk, ed := c.Classes[0], c.Classes[1]
	if wk.FieldGroupName != "assets" || ed.FieldGroupName != "content" {
		t.Errorf("group names %q, %q", wk.FieldGroupName, ed.FieldGroupName)
	}
	if ed.Conflicts != 0 || ed.Ops != 300 {
		t.Errorf("editors alone on group 1: %d conflicts, %d ops; want 0, 300", ed.Conflicts, ed.Ops)
	}
	if wk.Ops != 1200 || ed.ConflictRatio > wk.ConflictRatio {
		t.Errorf("workers: %d ops, conflict ratio %v (editors %v)", wk.Ops, wk.ConflictRatio, ed.ConflictRatio)
	}
	if !c.Audit.OK || c.Audit.Observed != 1500 {
		t.Errorf("audit %+v", c.Audit)
	}
}

// TestClassesAuditNamesTheClass: a class of lww makes a loss expected,
// and the verdict names that class; without one the classes' strategies
// promise no loss.
func TestClassesAuditNamesTheClass(t *testing.T) {
	for _, tt := range []struct {
		name    string
		classes []scenarios.Class
		lossOK  bool
		want    string
	}{
		{name: "lww", classes: []scenarios.Class{
			{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "none"},
			{Name: "importer", Writers: 2, Strategy: "lww", Backoff: "none", FieldGroup: 1},
		}, lossOK: true, want: "class importer (lww"},
		{name: "lease beside optimistic", classes: []scenarios.Class{
			{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "none"},
			{Name: "workers", Writers: 2, Strategy: "lease", Backoff: "none", FieldGroup: 1},
		}, lossOK: true, want: "class workers (lease: its write is unconditional"},
		{name: "safe", classes: []scenarios.Class{
			{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "none"},
			{Name: "workers", Writers: 2, Strategy: "pessimistic", Backoff: "none", FieldGroup: 1},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := memory.New(drivers.Options{Writers: 4})
			if err != nil {
				t.Fatal(err)
			}
			sc := classScenario(t, tt.classes...)
			sc.OpsPerWriter = 200
			c := runOne(t, st, nil, sc)
			checkSums(t, &c)
			if c.Audit.LossExpected != tt.lossOK || !c.Audit.OK {
				t.Fatalf("audit %+v, want loss expected %v and ok", c.Audit, tt.lossOK)
			}
			a := runner.ClassAuditForTest(c.Audit.Expected, 0, drivers.Totals{Docs: 1, Counter: c.Audit.Expected - 3}, st, sc)
			if tt.lossOK != a.OK || tt.lossOK && !strings.Contains(a.Verdict, tt.want) {
				t.Errorf("3 lost: verdict %q (ok %v), want ok %v naming %q", a.Verdict, a.OK, tt.lossOK, tt.want)
			}
			if !tt.lossOK && !strings.Contains(a.Verdict, "LOST UPDATES") {
				t.Errorf("3 lost without a lossy class: verdict %q", a.Verdict)
			}
		})
	}
}

// TestClassStrategyUnsupportedSkips: a class whose strategy the store
// cannot run skips the cell, naming the class.
func TestClassStrategyUnsupportedSkips(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	st := &groupStore{clk: clk, took: time.Millisecond, fails: map[[2]int64]int{}, groups: map[int64]int{}}
	sc := classScenario(t,
		scenarios.Class{Name: "editors", Writers: 1, Strategy: "optimistic", Backoff: "none"},
		scenarios.Class{Name: "workers", Writers: 1, Strategy: "pessimistic", Backoff: "none", FieldGroup: 1},
	)
	c := runOne(t, st, clk, sc)
	if !strings.HasPrefix(c.Skipped, "class workers: ") {
		t.Fatalf("skipped %q, want it to name class workers", c.Skipped)
	}
}
