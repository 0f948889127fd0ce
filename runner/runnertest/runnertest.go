package runnertest

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

type suite struct {
	open drivertest.Opener
	drivertest.Settings
}

// Run runs the strategy cells (Increments, LWWLosesUpdates) on the
// stores open returns, with the drivertest options the driver's
// drivertest.Run takes.
func Run(t *testing.T, open drivertest.Opener, opts ...drivertest.Option) {
	s := &suite{open: open, Settings: drivertest.Apply(opts...)}
	t.Run("Increments", s.increments)
	t.Run("LWWLosesUpdates", s.lwwLoses)
	t.Run("CheckThenWriteLosesUpdates", s.checkThenWriteLoses)
	t.Run("HoldSerializesCommits", s.holdSerializes)
	t.Run("OperationScope", s.operationScope)
	t.Run("Hybrid", s.hybrid)
	t.Run("OpsAudit", s.opsAudit) // opaudit.go
}

// Conformance is a driver's whole conformance suite: drivertest.Run,
// the capability checks, then Run, the strategy cells.
func Conformance(t *testing.T, open drivertest.Opener, opts ...drivertest.Option) {
	drivertest.Run(t, open, opts...)
	Run(t, open, opts...)
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// cellLeaser is the lease store of the increment test's lease cell: the
// Leaser option's, else the store's own.
func (s *suite) cellLeaser(t testing.TB, st drivers.Store, o drivers.Options) drivers.Leaser {
	if s.Leaser != nil {
		return s.Leaser(t, o)
	}
	l, _ := st.(drivers.Leaser)
	return l
}

// scenario is a bounded, ops-counted scenario for one strategy.
func (s *suite) scenario(strat string, writers, ops int) scenarios.Scenario {
	sc := scenarios.Default()
	sc.Name = "conformance"
	sc.Strategies = []string{strat}
	sc.Backoffs = []string{"full-jitter"}
	sc.BackoffBase = scenarios.Duration(50 * time.Microsecond)
	sc.BackoffCap = scenarios.Duration(5 * time.Millisecond)
	sc.Writers = []int{writers}
	sc.Keys = 1
	sc.OpsPerWriter = ops
	sc.Duration = 0
	sc.LeaseTTL = scenarios.Duration(5 * time.Second)
	return sc
}

func (s *suite) runCell(t *testing.T, st drivers.Store, sc scenarios.Scenario, leaser drivers.Leaser) runnerCell {
	t.Helper()
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "under-test", Leaser: leaser}
	spec := runner.Spec{Strategy: sc.Strategies[0], Backoff: sc.Backoffs[0], Writers: sc.Writers[0], Trial: 1}
	start := time.Now()
	c, err := runner.RunCell(ctxFor(t), cfg, spec, 0, 1)
	if err != nil {
		t.Fatalf("RunCell(%s): %v", spec, err)
	}
	return runnerCell{c.Skipped, c.Ops, c.Audit.Expected, c.Audit.Observed, c.Audit.LostUpdates, c.Audit.OK, c.Audit.LossExpected, c.Audit.Verdict, c.Errors,
		c.ConflictsByKind, time.Since(start), c.Hybrid}
}

type runnerCell struct {
	skipped                 string
	ops, expected, observed int64
	lost                    int64
	ok, lossExpected        bool
	verdict                 string
	errors                  map[string]int64
	conflicts               map[string]int64 // by kind
	took                    time.Duration    // wall time of RunCell
	hybrid                  *results.Hybrid
}

func (s *suite) increments(t *testing.T) {
	for _, strat := range []string{strategy.Optimistic, strategy.Pessimistic, strategy.Lease, strategy.Serializable} {
		t.Run(strat, func(t *testing.T) {
			o := drivers.Options{Writers: s.Writers}
			st := s.open(t, o)
			sc := s.scenario(strat, s.Writers, s.Ops)
			c := s.runCell(t, st, sc, s.cellLeaser(t, st, o))
			if c.skipped != "" {
				if strat == strategy.Serializable || (strat == strategy.Pessimistic) {
					t.Skipf("driver does not support %s: %s", strat, c.skipped)
				}
				t.Fatalf("%s skipped: %s", strat, c.skipped)
			}
			want := int64(s.Writers * s.Ops)
			if len(c.errors) != 0 {
				t.Errorf("errors during the cell: %v", c.errors)
			}
			if c.expected != want {
				t.Errorf("committed %d ops, want %d (every op retries until it commits)", c.expected, want)
			}
			if s.NonAtomicCAS && strat == strategy.Optimistic {
				if c.lost <= 0 || c.ok {
					t.Errorf("store declared non-atomic: want the audit to report lost updates, got lost=%d ok=%v (%s)", c.lost, c.ok, c.verdict)
				}
				if c.lost != c.expected-c.observed {
					t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
				}
				return
			}
			if c.observed != want || c.lost != 0 || !c.ok {
				t.Errorf("store counter = %d, want %d; audit: %s", c.observed, want, c.verdict)
			}
		})
	}
}

func (s *suite) lwwLoses(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 8, Latency: delay.Constant(200 * time.Microsecond)})
	if _, ok := st.(drivers.Putter); !ok {
		t.Skip("driver has no unconditional writes")
	}
	sc := s.scenario(strategy.LWW, 8, 100)
	c := s.runCell(t, st, sc, nil)
	if c.skipped != "" {
		t.Fatalf("lww skipped: %s", c.skipped)
	}
	if c.lost <= 0 {
		t.Fatalf("lww with 8 writers on one document lost nothing (expected %d, observed %d): the audit should see lost updates", c.expected, c.observed)
	}
	if c.lost != c.expected-c.observed {
		t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
	}
	if !c.lossExpected || !c.ok {
		t.Errorf("lww's loss must be reported as expected, got loss_expected=%v ok=%v (%s)", c.lossExpected, c.ok, c.verdict)
	}
}

// checkThenWriteLoses: the client-side version check does not make the
// write conditional: with 8 writers on one document and a hold between
// the read and the check, writes land between other writers' checks and
// their Puts, and the audit sees (and excuses) the loss. Conflicts the
// client detected are counted as version mismatches.
func (s *suite) checkThenWriteLoses(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 8, Latency: delay.Normal(200*time.Microsecond, 50*time.Microsecond)})
	if _, ok := st.(drivers.Putter); !ok {
		t.Skip("driver has no unconditional writes")
	}
	sc := s.scenario(strategy.CheckThenWrite, 8, 100)
	sc.Backoffs = []string{"none"}
	sc.Hold = delay.Normal(500*time.Microsecond, 100*time.Microsecond)
	c := s.runCell(t, st, sc, nil)
	if c.skipped != "" {
		t.Fatalf("check-then-write skipped: %s", c.skipped)
	}
	if len(c.errors) != 0 {
		t.Errorf("errors during the cell: %v", c.errors)
	}
	t.Logf("check-then-write: %d committed, %d in the store, %d lost; conflicts %v", c.expected, c.observed, c.lost, c.conflicts)
	if c.lost <= 0 {
		t.Fatalf("check-then-write with 8 writers on one document lost nothing (expected %d, observed %d, conflicts %v): the audit should see lost updates", c.expected, c.observed, c.conflicts)
	}
	if c.conflicts[drivers.VersionMismatch.String()] == 0 {
		t.Errorf("no version mismatch detected by the client's check (conflicts %v)", c.conflicts)
	}
	if c.lost != c.expected-c.observed {
		t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
	}
	if !c.lossExpected || !c.ok {
		t.Errorf("check-then-write's loss must be reported as expected, got loss_expected=%v ok=%v (%s)", c.lossExpected, c.ok, c.verdict)
	}
}

// holdSerializes: a strategy that loses nothing cannot let two committed
// attempts on one document overlap between their read and their write,
// so 4 writers × 10 ops with a 2 ms hold take at least 40 × 2 ms. A
// store whose locked or serializable update did not call the hold, or
// called it outside its lock, would finish sooner.
func (s *suite) holdSerializes(t *testing.T) {
	const (
		writers = 4
		ops     = 10
		hold    = 2 * time.Millisecond
	)
	for _, strat := range []string{strategy.Optimistic, strategy.Pessimistic, strategy.Serializable, strategy.Lease} {
		t.Run(strat, func(t *testing.T) {
			o := drivers.Options{Writers: writers}
			st := s.open(t, o)
			sc := s.scenario(strat, writers, ops)
			sc.Hold = delay.Constant(hold)
			c := s.runCell(t, st, sc, s.cellLeaser(t, st, o))
			if c.skipped != "" {
				if strat == strategy.Serializable || strat == strategy.Pessimistic {
					t.Skipf("driver does not support %s with a hold: %s", strat, c.skipped)
				}
				t.Fatalf("%s skipped: %s", strat, c.skipped)
			}
			want := int64(writers * ops)
			if len(c.errors) != 0 {
				t.Errorf("errors during the cell: %v", c.errors)
			}
			if s.NonAtomicCAS && strat == strategy.Optimistic {
				// The store's conditional write is not atomic: a hold
				// widens the window in which two writers both pass it.
				// What must hold is that the audit says so exactly.
				s.auditAgrees(t, c, want)
				return
			}
			if c.expected != want || c.observed != want || !c.ok {
				t.Fatalf("committed %d, store %d, want %d: %s", c.expected, c.observed, want, c.verdict)
			}
			if min := time.Duration(want) * hold; c.took < min {
				t.Errorf("%d commits with a %v hold took %v, less than %v: the holds of committed attempts overlapped (is the hold called inside the lock?)", want, hold, c.took, min)
			}
		})
	}
}

// operationScope: with one slot per writer, optimistic writers on one
// document never conflict, and the store's counter still counts every
// commit. A store that does not offer the scope skips, with its reason.
func (s *suite) operationScope(t *testing.T) {
	const writers, ops = 4, 25
	st := s.open(t, drivers.Options{Writers: writers})
	if o, ok := st.(drivers.Offerer); ok && o.Offers(drivers.CapOperationScope) {
		t.Run("Slots", func(t *testing.T) { s.slots(t, st) })
	}
	sc := s.scenario(strategy.Optimistic, writers, ops)
	sc.Scope = drivers.ScopeOperation.String()
	sc.Hold = delay.Constant(500 * time.Microsecond) // a window wide enough for document scope to conflict
	c := s.runCell(t, st, sc, nil)
	if c.skipped != "" {
		if _, ok := st.(drivers.Offerer); ok {
			t.Fatalf("an Offerer skipped operation scope: %s", c.skipped)
		}
		t.Skipf("driver does not offer operation scope: %s", c.skipped)
	}
	want := int64(writers * ops)
	if len(c.errors) != 0 {
		t.Errorf("errors during the cell: %v", c.errors)
	}
	if s.NonAtomicCAS {
		// Its whole-document writes can undo another writer's slot and
		// counter: mismatches and losses may happen, and the audit must
		// say so exactly.
		s.auditAgrees(t, c, want)
		return
	}
	if n := c.conflicts[drivers.VersionMismatch.String()]; n != 0 {
		t.Errorf("%d version mismatches in operation scope, want none (writers never share a slot)", n)
	}
	if c.expected != want || c.observed != want || !c.ok {
		t.Errorf("committed %d, store %d, want %d: %s", c.expected, c.observed, want, c.verdict)
	}
}

// auditAgrees checks a cell on a store declared non-atomic
// (drivertest.NonAtomicCAS), where updates may be lost: every op
// committed, and the audit reports exactly what the store is missing,
// failing the cell when anything is.
func (s *suite) auditAgrees(t *testing.T, c runnerCell, want int64) {
	t.Helper()
	if c.expected != want {
		t.Errorf("committed %d ops, want %d (every op retries until it commits)", c.expected, want)
	}
	if c.lost != c.expected-c.observed {
		t.Errorf("lost_updates = %d, want expected-observed = %d", c.lost, c.expected-c.observed)
	}
	if c.ok != (c.lost == 0) {
		t.Errorf("audit ok = %v with %d lost updates (%s)", c.ok, c.lost, c.verdict)
	}
}

// slots checks an Offerer's operation slots directly: Read reports one
// version per slot, a conditional write in operation scope compares and
// bumps the writer's slot only (and the document's version and counter),
// and a writer without a slot is refused.
func (s *suite) slots(t *testing.T, st drivers.Store) {
	ctx := ctxFor(t)
	cas, ok := st.(drivers.CompareAndSwapper)
	if !ok {
		t.Skip("driver has no conditional writes")
	}
	spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8, Slots: 3}
	if err := st.Setup(ctx, spec); err != nil {
		t.Fatal(err)
	}
	write := func(writer, expect int64) error {
		return cas.CompareAndSwap(ctx, &drivers.Write{Key: 1, Group: 1, Scope: drivers.ScopeOperation, Writer: writer, Expect: expect, Payload: make([]byte, spec.GroupBytes())})
	}
	for _, step := range []struct {
		writer, expect int64
		want           drivers.ConflictKind
	}{
		{1, 0, drivers.NotConflict}, {1, 0, drivers.VersionMismatch}, {2, 0, drivers.NotConflict},
		{1, 1, drivers.NotConflict}, {0, 1, drivers.VersionMismatch},
	} {
		err := write(step.writer, step.expect)
		if drivers.KindOf(err) != step.want || (step.want == drivers.NotConflict && err != nil) {
			t.Fatalf("writer %d expecting slot version %d: %v, want %v", step.writer, step.expect, err, step.want)
		}
	}
	if err := write(3, 0); err == nil || drivers.KindOf(err) != drivers.NotConflict {
		t.Errorf("writer 3 of 3 slots: %v, want an error that is not a conflict", err)
	}
	var d drivers.Doc
	if err := cas.Read(ctx, 1, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || d.Counter != 3 || len(d.Groups) != 2 || d.Groups[1] != 3 || len(d.Slots) != 3 || d.Slots[0] != 0 || d.Slots[1] != 2 || d.Slots[2] != 1 {
		t.Errorf("after three writes: version %d counter %d groups %v slots %v; want 3, 3, [0 3], [0 2 1]", d.Version, d.Counter, d.Groups, d.Slots)
	}
	if err := cas.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 0 || len(d.Slots) != 3 || d.Slots[0]|d.Slots[1]|d.Slots[2] != 0 {
		t.Errorf("untouched document: version %d slots %v, want 0, [0 0 0]", d.Version, d.Slots)
	}
	// A cell without slots reads none.
	if err := st.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8}); err != nil {
		t.Fatal(err)
	}
	if err := cas.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Slots) != 0 {
		t.Errorf("no slots in the spec: read %v", d.Slots)
	}
}

// hybrid: 4 writers on one document with a hold, escalating after 2
// conflicts and cooling after 2 ms without contention, so that keys go
// back and forth between conditional writes and the lock while writes of
// both kinds are in flight: every op commits, the store holds every
// commit, and the cell reports its escalations and both latencies. The
// row lock skips on a store without row locks, with its reason; every
// driver has leases.
func (s *suite) hybrid(t *testing.T) {
	const writers, ops = 4, 25
	for _, lock := range strategy.HybridLocks() {
		t.Run(lock, func(t *testing.T) {
			o := drivers.Options{Writers: writers}
			st := s.open(t, o)
			sc := s.scenario(strategy.Hybrid, writers, ops)
			sc.HybridLock = lock
			sc.EscalateAfter = 2
			sc.EscalateWindow = scenarios.Duration(time.Second)
			sc.DeescalateAfter = scenarios.Duration(2 * time.Millisecond)
			sc.Hold = delay.Constant(500 * time.Microsecond)
			var leaser drivers.Leaser
			if lock == strategy.HybridLease {
				leaser = s.cellLeaser(t, st, o)
			}
			c := s.runCell(t, st, sc, leaser)
			if c.skipped != "" {
				if lock == strategy.HybridRow {
					t.Skipf("driver does not support hybrid's row lock: %s", c.skipped)
				}
				t.Fatalf("hybrid skipped: %s", c.skipped)
			}
			want := int64(writers * ops)
			if len(c.errors) != 0 {
				t.Errorf("errors during the cell: %v", c.errors)
			}
			if c.lossExpected {
				t.Errorf("hybrid reports its losses as expected: it promises none")
			}
			h := c.hybrid
			if h == nil {
				t.Fatal("no hybrid results in a hybrid cell")
			}
			t.Logf("hybrid %s: %d escalations, %.3f s escalated, %d ops under the lock, %d conditional; conflicts %v",
				lock, h.Escalations, h.TimeEscalatedS, h.EscalatedLatencyMS.Ops, h.PlainLatencyMS.Ops, c.conflicts)
			if got := h.EscalatedLatencyMS.Ops + h.PlainLatencyMS.Ops; got != c.ops {
				t.Errorf("%d escalated + plain ops, want the cell's %d", got, c.ops)
			}
			if s.NonAtomicCAS {
				s.auditAgrees(t, c, want)
				return
			}
			if c.expected != want || c.observed != want || !c.ok {
				t.Errorf("committed %d, store %d, want %d: %s", c.expected, c.observed, want, c.verdict)
			}
			if h.Escalations == 0 || h.EscalatedLatencyMS.Ops == 0 {
				t.Errorf("4 writers on one document with a 500µs hold never escalated (conflicts %v)", c.conflicts)
			}
		})
	}
}
