package occbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/judge"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// row is one key of memStore.
type row struct {
	version, applied int64
}

// memStore is a Store over a map: a team's repository in miniature.
// Its knobs make it misbehave in exact, repeatable ways.
type memStore struct {
	mu   sync.Mutex
	rows map[string]*row

	dropEvery  int64 // CompareAndSwap reports every n-th commit without applying it
	conflictAt int64 // CompareAndSwap returns an ErrConflict error on every n-th call
	failAll    bool  // CompareAndSwap always fails with an error
	cancelAt   int64 // cancel is called at the n-th commit
	cancel     context.CancelFunc
	forget     bool // the keys are gone by the audit (Applied says not found)

	calls, commits atomic.Int64
	seeds          atomic.Int64
}

func newMem() *memStore { return &memStore{rows: map[string]*row{}} }

func (m *memStore) Seed(_ context.Context, keys []string) error {
	m.seeds.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		// Not reset to zero: the audit subtracts what it reads after seeding.
		if m.rows[k] == nil {
			m.rows[k] = &row{version: 7, applied: 100}
		}
	}
	return nil
}

func (m *memStore) Read(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rows[key]
	if r == nil {
		return 0, fmt.Errorf("key %s: %w", key, ErrNotFound)
	}
	return r.version, nil
}

func (m *memStore) CompareAndSwap(_ context.Context, key string, expected int64, _ Op) (bool, error) {
	n := m.calls.Add(1)
	switch {
	case m.failAll:
		return false, errors.New("disk full")
	case m.conflictAt > 0 && n%m.conflictAt == 0:
		return false, fmt.Errorf("lock timeout: %w", ErrConflict)
	}
	m.mu.Lock()
	r := m.rows[key]
	if r == nil {
		m.mu.Unlock()
		return false, ErrNotFound
	}
	if r.version != expected {
		m.mu.Unlock()
		return false, nil
	}
	c := m.commits.Add(1)
	r.version++
	if m.dropEvery == 0 || c%m.dropEvery != 0 {
		r.applied++
	}
	m.mu.Unlock()
	if c == m.cancelAt {
		m.cancel()
	}
	return true, nil
}

func (m *memStore) Applied(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rows[key]
	if r == nil || (m.forget && m.commits.Load() > 0) {
		return 0, fmt.Errorf("key %s: %w", key, ErrNotFound)
	}
	return r.applied, nil
}

// lockStore adds a Locker to memStore: a mutex per store, the hold
// inside it.
type lockStore struct {
	*memStore
	lock  sync.Mutex
	holds atomic.Int64
}

func (l *lockStore) LockedApply(ctx context.Context, key string, op Op) error {
	l.lock.Lock()
	defer l.lock.Unlock()
	l.mu.Lock()
	r := l.rows[key]
	l.mu.Unlock()
	if r == nil {
		return ErrNotFound
	}
	l.holds.Add(1)
	if err := op.Hold(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	r.version++
	r.applied++
	l.mu.Unlock()
	return nil
}

// noAudit is a Store without Auditor or Seeder.
type noAudit struct{ m *memStore }

func (s noAudit) Read(ctx context.Context, key string) (int64, error) { return s.m.Read(ctx, key) }
func (s noAudit) CompareAndSwap(ctx context.Context, key string, e int64, op Op) (bool, error) {
	return s.m.CompareAndSwap(ctx, key, e, op)
}

// scenario is a short ops-mode scenario: writers × ops on keys keys.
func scenario(writers, ops, keys int) scenarios.Scenario {
	sc := scenarios.Default()
	sc.Name = "unit"
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops
	sc.Keys = keys
	return sc
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// run runs sc on a fake clock and fails the test on a run error.
func run(t *testing.T, ctx context.Context, sc scenarios.Scenario, st Store, opts ...Option) *results.File {
	t.Helper()
	opts = append([]Option{WithClock(clock.NewFake(epoch)), withNow(func() time.Time { return epoch })}, opts...)
	f, err := Run(ctx, sc, st, opts...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return f
}

func TestRunCommitsEveryOp(t *testing.T) {
	m := newMem()
	sc := scenario(4, 50, 2)
	sc.Backoffs = []string{"none", "expo"}
	sc.Trials = 2
	f := run(t, t.Context(), sc, m)
	if len(f.Cells) != 4 {
		t.Fatalf("%d cells, want 4 (2 backoffs × 2 trials)", len(f.Cells))
	}
	if got := m.seeds.Load(); got != 4 {
		t.Errorf("Seed called %d times, want once per cell (4)", got)
	}
	for _, c := range f.Cells {
		if c.Driver != "occbench.memStore" || f.Environment.Driver != "occbench.memStore" {
			t.Errorf("driver %q, environment %q: want the store's type occbench.memStore", c.Driver, f.Environment.Driver)
		}
		if c.Ops != 200 || !c.Audit.OK || c.Audit.Expected != 200 || c.Audit.Observed != 200 || c.Audit.Versions != 200 {
			t.Errorf("cell %s#%d: %d ops, audit %+v: want 200 committed, found, versions +200", judge.CellName(&c), c.Trial, c.Ops, c.Audit)
		}
		if want := "ok: 200 committed, 200 in the store"; c.Audit.Verdict != want {
			t.Errorf("verdict %q, want %q", c.Audit.Verdict, want)
		}
	}
	if f.Cells[0].Backoff != "none" || f.Cells[0].Trial != 1 || f.Cells[1].Trial != 2 {
		t.Errorf("cells not in plan order: %s#%d, %s#%d", f.Cells[0].Backoff, f.Cells[0].Trial, f.Cells[1].Backoff, f.Cells[1].Trial)
	}
	v := Judge(f)
	if !v.OK() || v.Err() != nil || v.String() != "ok" || v.LostUpdates != 0 {
		t.Errorf("verdict %+v (%v): want ok", v, v.Err())
	}
	if f.Schema != results.Schema || f.Interrupted || !f.StartedAt.Equal(epoch) || f.Scenario["driver"] != "occbench.memStore" {
		t.Errorf("file header: schema %q, interrupted %v, started %v, scenario driver %v", f.Schema, f.Interrupted, f.StartedAt, f.Scenario["driver"])
	}
}

func TestRunCatchesLostUpdates(t *testing.T) {
	m := newMem()
	m.dropEvery = 10 // one committed op in 10 never lands
	f := run(t, t.Context(), scenario(1, 100, 1), m)
	c := f.Cells[0]
	if c.Audit.OK || c.Audit.LostUpdates != 10 {
		t.Fatalf("audit %+v: want 10 lost updates", c.Audit)
	}
	v := Judge(f)
	err := v.Err()
	if v.Code != ExitFailed || v.LostUpdates != 10 || !errors.Is(err, ErrLostUpdates) {
		t.Fatalf("verdict code %d, lost %d, err %v: want 1, 10, ErrLostUpdates", v.Code, v.LostUpdates, err)
	}
	for _, other := range []error{ErrAuditUnavailable, ErrStoreReset, ErrErrors, ErrInterrupted, ErrThresholds} {
		if errors.Is(err, other) {
			t.Errorf("err %v matches %v too", err, other)
		}
	}
	want := "cell optimistic/expo/w1: LOST UPDATES: 10 of 100 committed updates are missing from the store; optimistic promises none"
	if len(v.Lines) != 1 || v.Lines[0] != want || !strings.Contains(err.Error(), want) {
		t.Errorf("lines %q, err %q: want %q", v.Lines, err, want)
	}
}

func TestRunWithoutAuditorIsNeverOK(t *testing.T) {
	m := newMem()
	m.rows["key-0"] = &row{}
	f := run(t, t.Context(), scenario(2, 20, 1), noAudit{m})
	c := f.Cells[0]
	if c.Audit.OK || !strings.Contains(c.Audit.Unavailable, "occbench.Auditor") {
		t.Fatalf("audit %+v: want unavailable, naming occbench.Auditor", c.Audit)
	}
	v := Judge(f)
	if v.Code != ExitFailed || !errors.Is(v.Err(), ErrAuditUnavailable) || errors.Is(v.Err(), ErrLostUpdates) {
		t.Errorf("verdict %d, %v: want 1 and ErrAuditUnavailable only", v.Code, v.Err())
	}
}

func TestRunWithoutSeederNeedsTheKeys(t *testing.T) {
	f, err := Run(t.Context(), scenario(1, 1, 1), noAudit{newMem()}, WithClock(clock.NewFake(epoch)))
	if err == nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "occbench.Seeder") {
		t.Fatalf("err %v: want a missing key, with the hint to implement occbench.Seeder", err)
	}
	if f == nil || len(f.Cells) != 0 {
		t.Errorf("file %+v: want an empty file", f)
	}
}

func TestRunStoreReset(t *testing.T) {
	m := newMem()
	m.forget = true
	f := run(t, t.Context(), scenario(2, 10, 3), m)
	c := f.Cells[0]
	if !c.Audit.StoreReset || c.Audit.OK {
		t.Fatalf("audit %+v: want a store reset", c.Audit)
	}
	v := Judge(f)
	if v.Code != ExitFailed || !errors.Is(v.Err(), ErrStoreReset) || errors.Is(v.Err(), ErrLostUpdates) || v.LostUpdates != 0 {
		t.Errorf("verdict %d, %v, lost %d: want 1, ErrStoreReset only, no lost updates", v.Code, v.Err(), v.LostUpdates)
	}
}

func TestRunConflictErrors(t *testing.T) {
	m := newMem()
	m.conflictAt = 3
	f := run(t, t.Context(), scenario(2, 30, 1), m)
	c := f.Cells[0]
	if c.Conflicts == 0 || c.ConflictsByKind["version_mismatch"] == 0 || len(c.Errors) != 0 {
		t.Errorf("conflicts %d %v, errors %v: an ErrConflict error is a conflict, not an error", c.Conflicts, c.ConflictsByKind, c.Errors)
	}
	if !c.Audit.OK || c.Ops != 60 {
		t.Errorf("%d ops, audit %q: want 60 and ok", c.Ops, c.Audit.Verdict)
	}
}

func TestRunErrorsDominate(t *testing.T) {
	m := newMem()
	m.failAll = true
	sc := scenario(2, 5, 1)
	sc.MaxAttempts = 3
	f := run(t, t.Context(), sc, m)
	c := f.Cells[0]
	if c.Errors["other"] != 30 || c.Ops != 0 {
		t.Fatalf("errors %v, %d ops: want 30 errored attempts (2 writers × 5 ops × 3), none committed", c.Errors, c.Ops)
	}
	v := Judge(f)
	if v.Code != ExitFailed || !errors.Is(v.Err(), ErrErrors) || len(v.Lines) != 1 || !strings.Contains(v.Lines[0], "mostly other: 30") {
		t.Errorf("verdict %d, %v: want ErrErrors naming the class", v.Code, v.Err())
	}
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := newMem()
	m.cancelAt, m.cancel = 50, cancel
	sc := scenario(2, 1000, 1)
	sc.Backoffs = []string{"none", "expo"} // the second cell never starts
	f := run(t, ctx, sc, m, WithGrace(time.Second))
	if !f.Interrupted || len(f.Cells) != 1 || !f.Cells[0].Interrupted {
		t.Fatalf("interrupted %v, %d cells: want one interrupted cell", f.Interrupted, len(f.Cells))
	}
	c := f.Cells[0]
	// The writers see the stop a moment after the cancel: how many ops
	// they made in between depends on the scheduler, not on occbench.
	if c.Ops < 50 || !c.Audit.OK || c.Audit.Expected != c.Audit.Observed {
		t.Errorf("%d ops, audit %q: want at least the ops up to the stop, audited exactly", c.Ops, c.Audit.Verdict)
	}
	v := Judge(f)
	if v.Code != ExitInterrupted || !errors.Is(v.Err(), ErrInterrupted) {
		t.Errorf("verdict %d, %v: want 130, ErrInterrupted", v.Code, v.Err())
	}
}

func TestRunPessimistic(t *testing.T) {
	l := &lockStore{memStore: newMem()}
	sc := scenario(3, 20, 1)
	sc.Strategies = []string{"optimistic", "pessimistic"}
	sc.Hold = delay.Constant(time.Millisecond)
	clk := clock.NewFake(epoch)
	f, err := Run(t.Context(), sc, l, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cells) != 2 || f.Cells[1].Strategy != "pessimistic" {
		t.Fatalf("cells %d: want optimistic and pessimistic", len(f.Cells))
	}
	for _, c := range f.Cells {
		if c.Skipped != "" || c.Ops != 60 || !c.Audit.OK {
			t.Errorf("%s: skipped %q, %d ops, audit %q: want 60 ops, ok", c.Strategy, c.Skipped, c.Ops, c.Audit.Verdict)
		}
	}
	if got := l.holds.Load(); got != 60 {
		t.Errorf("LockedApply reached its hold %d times, want 60", got)
	}
	// 120 ops, each with a 1 ms hold, on the fake clock: at least the
	// pessimistic ones' holds moved it (they are serialised by the lock).
	if el := clk.Now().Sub(epoch); el < 60*time.Millisecond {
		t.Errorf("the fake clock moved %v: the holds were not waited on it", el)
	}
	if err := Judge(f).Err(); err != nil {
		t.Error(err)
	}
}

func TestRunRefuses(t *testing.T) {
	mod := func(f func(*scenarios.Scenario)) scenarios.Scenario {
		sc := scenario(2, 10, 1)
		f(&sc)
		return sc
	}
	for _, tt := range []struct {
		name string
		sc   scenarios.Scenario
		st   Store
		want string
	}{
		{"lww", mod(func(s *scenarios.Scenario) { s.Strategies = []string{"lww"} }), newMem(),
			`scenario "unit": strategies: lww cannot run on *occbench.memStore: an occbench.Store has no unconditional write (allowed: optimistic)`},
		{"pessimistic without a Locker", mod(func(s *scenarios.Scenario) { s.Strategies = []string{"optimistic", "pessimistic"} }), newMem(),
			"pessimistic cannot run on *occbench.memStore: it implements no occbench.Locker (allowed: optimistic)"},
		{"serializable", mod(func(s *scenarios.Scenario) { s.Strategies = []string{"serializable"} }), &lockStore{memStore: newMem()},
			"serializable transaction (allowed: optimistic, pessimistic)"},
		{"hybrid", mod(func(s *scenarios.Scenario) { s.Strategies = []string{"hybrid"} }), &lockStore{memStore: newMem()},
			"hybrid cannot run on *occbench.lockStore: its lock path needs a lease or a row lock"},
		{"scope", mod(func(s *scenarios.Scenario) { s.Scope = "field-group" }), newMem(), `scope: "field-group": an occbench.Store has one version per key (allowed: document)`},
		{"merge", mod(func(s *scenarios.Scenario) { s.OnConflict = "merge" }), newMem(), "on_conflict: merge needs per-field-group versions"},
		{"field groups", mod(func(s *scenarios.Scenario) { s.FieldGroups = 2 }), newMem(), "field_groups: 2: an occbench.Store has one version per key (allowed: 1)"},
		{"faults", mod(func(s *scenarios.Scenario) { s.Faults = []string{"pause@1s:1s"} }), newMem(), "faults: pause@1s:1s: faults act on a server"},
		{"dsn", mod(func(s *scenarios.Scenario) { s.DSN = "postgres://x" }), newMem(), "dsn: the store is the Go value given to Run, which has no dsn (allowed: empty)"},
		{"params", mod(func(s *scenarios.Scenario) { s.Params = map[string]string{"lock_wait": "nowait"} }), newMem(), "params: the store is the Go value"},
		{"latency", mod(func(s *scenarios.Scenario) { s.Latency = delay.Constant(time.Millisecond) }), newMem(), "latency: 1ms"},
		{"validation", mod(func(s *scenarios.Scenario) { s.Writers = []int{0} }), newMem(), "writers (--writers): each must be 1 … 10000, got 0"},
		{"unknown strategy", mod(func(s *scenarios.Scenario) { s.Strategies = []string{"hope"} }), newMem(), `unknown value "hope"`},
		{"threshold", mod(func(s *scenarios.Scenario) { s.Thresholds = []string{"p99_ms <"} }), newMem(), "thresholds:"},
		{"nil store", scenario(1, 1, 1), nil, "store is nil"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Run(t.Context(), tt.sc, tt.st)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Fatalf("err %v: want one containing %q, matching drivers.ErrInvalidOption", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err %q: want one line", err)
			}
			if f != nil {
				t.Errorf("a refused scenario returned a file")
			}
		})
	}
}

func TestWithKeys(t *testing.T) {
	m := newMem()
	f := run(t, t.Context(), scenario(1, 5, 3), m, WithKeys(func(i int) string { return fmt.Sprintf("sku-%03d", i) }), WithName("inventory"))
	if _, ok := m.rows["sku-002"]; !ok || len(m.rows) != 3 {
		t.Errorf("rows %v: want sku-000 … sku-002", m.rows)
	}
	if f.Cells[0].Driver != "inventory" {
		t.Errorf("driver %q, want inventory", f.Cells[0].Driver)
	}
	_, err := Run(t.Context(), scenario(1, 5, 3), newMem(), WithKeys(func(int) string { return "same" }))
	if err == nil || !errors.Is(err, drivers.ErrInvalidOption) || !strings.Contains(err.Error(), `occbench.WithKeys: keys 0 and 1 are both named "same"`) {
		t.Errorf("err %v: want duplicate key names refused", err)
	}
}

func TestWithOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	f := run(t, t.Context(), scenario(2, 10, 1), newMem(), WithOut(path))
	back, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Cells) != 1 || back.Cells[0].Ops != f.Cells[0].Ops || back.Cells[0].Audit.Verdict != f.Cells[0].Audit.Verdict {
		t.Errorf("read back %d cells: want the file Run returned", len(back.Cells))
	}
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err = Run(t.Context(), scenario(1, 1, 1), newMem(), WithOut(filepath.Join(blocker, "run.json")))
	if f == nil || len(f.Cells) != 1 {
		t.Errorf("a failed write lost the file Run returns")
	}
	if err == nil || !strings.Contains(err.Error(), "occbench.WithOut") {
		t.Errorf("err %v: want the write failure, naming WithOut", err)
	}
}

func TestThresholdFails(t *testing.T) {
	sc := scenario(1, 10, 1)
	sc.Thresholds = []string{"success_rate < 0.5"}
	f := run(t, t.Context(), sc, newMem())
	v := Judge(f)
	if v.Code != ExitThreshold || !errors.Is(v.Err(), ErrThresholds) || len(v.Lines) != 1 || !strings.Contains(v.Lines[0], "success_rate < 0.5 failed: success_rate = 1") {
		t.Errorf("verdict %d, %q: want the failed threshold", v.Code, v.Lines)
	}
}

// The adapter's hot path allocates nothing beyond what the Store does.
func TestAttemptAllocatesNothing(t *testing.T) {
	ad, w, d := benchAdapter(t)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		if err := ad.Read(ctx, 0, d); err != nil {
			t.Fatal(err)
		}
		w.Expect = d.Version
		if err := ad.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
		w.Expect = -1
		if err := ad.CompareAndSwap(ctx, w); drivers.KindOf(err) != drivers.VersionMismatch {
			t.Fatalf("stale write: %v, want a version mismatch", err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per attempt, want 0", allocs)
	}
}

func TestAdapterCapabilities(t *testing.T) {
	if _, ok := newAdapter(newMem(), "m", DefaultKey).(drivers.LockedUpdater); ok {
		t.Error("a Store without Locker offers row locks")
	}
	if _, ok := newAdapter(&lockStore{memStore: newMem()}, "l", DefaultKey).(drivers.LockedUpdater); !ok {
		t.Error("a Locker does not offer row locks")
	}
	ad := newAdapter(newMem(), "m", DefaultKey).(drivers.CompareAndSwapper)
	if err := ad.(drivers.Store).Setup(t.Context(), drivers.Spec{Keys: 1, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var d drivers.Doc
	for name, err := range map[string]error{
		"read": ad.Read(ctx, 0, &d),
		"cas":  ad.CompareAndSwap(ctx, &drivers.Write{}),
	} {
		if !errors.Is(err, context.Canceled) || drivers.MayHaveCommitted(err) {
			t.Errorf("%s with an ended ctx: %v: want canceled, not sent", name, err)
		}
	}
	if err := ad.CompareAndSwap(t.Context(), &drivers.Write{Scope: drivers.ScopeOperation}); err == nil || drivers.MayHaveCommitted(err) {
		t.Errorf("operation scope: %v: want refused, not sent", err)
	}
}

func benchAdapter(tb testing.TB) (drivers.CompareAndSwapper, *drivers.Write, *drivers.Doc) {
	ad := newAdapter(newMem(), "m", DefaultKey)
	if err := ad.Setup(context.Background(), drivers.Spec{Keys: 1, FieldGroups: 1}); err != nil {
		tb.Fatal(err)
	}
	return ad.(drivers.CompareAndSwapper), &drivers.Write{}, &drivers.Doc{}
}

// BenchmarkAttempt is one optimistic attempt through the adapter: a read
// and a conditional write on an in-memory Store.
func BenchmarkAttempt(b *testing.B) {
	ad, w, d := benchAdapter(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := ad.Read(ctx, 0, d); err != nil {
			b.Fatal(err)
		}
		w.Expect = d.Version
		if err := ad.CompareAndSwap(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
}

// observer records what it is told.
type observer struct {
	mu     sync.Mutex
	events []string
}

func (o *observer) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("start %s %d/%d series=%v", spec, index+1, total, live.Series != nil))
}

func (o *observer) CellFinished(spec runner.Spec, c *results.Cell) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("finish %s ops=%d", spec, c.Ops))
}

func TestWithObserver(t *testing.T) {
	obs := &observer{}
	sc := scenario(2, 5, 1)
	sc.Writers = []int{1, 2}
	run(t, t.Context(), sc, newMem(), WithObserver(obs))
	want := []string{
		"start optimistic/expo/w1 1/2 series=true", "finish optimistic/expo/w1 ops=5",
		"start optimistic/expo/w2 2/2 series=true", "finish optimistic/expo/w2 ops=10",
	}
	if strings.Join(obs.events, "; ") != strings.Join(want, "; ") {
		t.Errorf("events %q, want %q", obs.events, want)
	}
}

// A duration-mode cell on a fake clock ends when the writers' think
// times have moved the clock past it.
func TestRunForADurationOnAFakeClock(t *testing.T) {
	sc := scenario(2, 0, 1)
	sc.Duration = scenarios.Duration(time.Second)
	sc.Warmup = scenarios.Duration(100 * time.Millisecond)
	sc.Think = scenarios.Duration(10 * time.Millisecond)
	f := run(t, t.Context(), sc, newMem())
	c := f.Cells[0]
	if c.DurationS != 1 || c.Ops == 0 || !c.Audit.OK || c.Audit.Expected < c.Ops {
		t.Errorf("duration %v s, %d ops, audit %q: want 1 s of commits, warmup's counted by the audit", c.DurationS, c.Ops, c.Audit.Verdict)
	}
}
