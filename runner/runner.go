package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/keydist"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// Spec names one cell of a run.
type Spec struct {
	Strategy string
	Backoff  string
	Writers  int
	Trial    int    // 1-based
	Scope    string // when the scenario sweeps scopes; "" = the scenario's
}

func (s Spec) String() string {
	if s.Scope != "" {
		return fmt.Sprintf("%s/%s/w%d/%s", s.Strategy, s.Backoff, s.Writers, s.Scope)
	}
	return fmt.Sprintf("%s/%s/w%d", s.Strategy, s.Backoff, s.Writers)
}

// Cells returns the cross product writers × strategies × backoffs (×
// trials), in the order they run: for each writer count, each strategy,
// each backoff. A scenario with classes has one cell per trial, of all
// its classes' writers (classes.go).
func Cells(s scenarios.Scenario) []Spec {
	if len(s.Classes) > 0 {
		return classCells(s) // one cell of every class per trial
	}
	var out []Spec
	trials := max(s.Trials, 1)
	scopes := []string{""}
	if all := s.Scopes(); len(all) > 1 {
		scopes = all // side by side: each cell once per scope
	}
	for _, w := range s.Writers {
		for _, st := range s.Strategies {
			for _, b := range s.Backoffs {
				for _, scope := range scopes {
					for t := 1; t <= trials; t++ {
						out = append(out, Spec{Strategy: st, Backoff: b, Writers: w, Trial: t, Scope: scope})
					}
				}
			}
		}
	}
	return out
}

// Observer is told about a cell while it runs (live progress, metrics).
// Methods are called from the runner's goroutine, never from writers.
type Observer interface {
	CellStarted(spec Spec, index, total int, live *Live)
	CellFinished(spec Spec, cell *results.Cell)
}

// Config is what a cell needs besides its Spec.
type Config struct {
	Scenario   scenarios.Scenario
	Store      drivers.Store
	DriverName string
	Leaser     drivers.Leaser // lease strategy: nil = the store's own
	Clock      clock.Clock    // nil = wall clock
	Observer   Observer       // nil = none
	// Grace bounds how long in-flight attempts may run after a stop
	// before their context is cancelled too. 0 = 10s.
	Grace time.Duration
	// Faults are injected into the cell, in order, at their offsets from
	// the start of measurement (they must not overlap). Injector carries
	// them out; it may be nil when every fault is a stall-holder, which
	// the runner applies itself through strategy.Config.StallNow.
	Faults   []faults.Fault
	Injector faults.Injector
	// Share, when not nil, makes every cell this runner's share of a
	// cell that several runners run together (share.go).
	Share *Share
}

// Bounds of the calls that end a cell.
const (
	// DefaultOpTimeout bounds an attempt when the scenario sets no
	// op_timeout.
	DefaultOpTimeout = 10 * time.Second
	// auditTimeout bounds the audit's read of the store, and closing the
	// writers' sessions before it; the op timeout bounds them too when
	// shorter.
	auditTimeout = 30 * time.Second
	// interruptedTimeout replaces them when the run was interrupted, so
	// that Ctrl-C against a hung store exits within the grace + 2 s.
	interruptedTimeout = time.Second
	// healTimeout bounds injecting and healing one fault.
	healTimeout = 60 * time.Second
)

// Live is a cell's shared progress, readable while it runs.
type Live struct {
	Series *record.Series
	Start  time.Time     // start of measurement (after warmup)
	Length time.Duration // planned measured length; 0 = ops mode
}

// RunCell runs one cell and returns its results. A cancelled ctx stops it
// early: the cell comes back with Interrupted set and what was measured.
// The error is for failures that leave no result (configuration, setup);
// a store that cannot be audited leaves the measurements with an audit
// that says so (results.Audit.Unavailable).
func RunCell(ctx context.Context, cfg Config, spec Spec, index, total int) (results.Cell, error) {
	sc := cfg.Scenario
	if spec.Scope != "" {
		sc.Scope = spec.Scope // a scope sweep's cell
	}
	cell := results.Cell{
		Driver: cfg.DriverName, Strategy: spec.Strategy, Backoff: spec.Backoff, Writers: spec.Writers,
		OnConflict: sc.OnConflict, Scope: sc.Scope, Keys: sc.Keys, Rate: sc.Rate,
		GiveUps: map[string]int64{}, Errors: map[string]int64{}, Histograms: map[string]string{},
	}
	if sc.Trials > 1 {
		cell.Trial = spec.Trial
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	if err := checkFaults(cfg.Faults, cfg.Injector); err != nil {
		return cell, err
	}
	onConflict, err := scenarios.ParseOnConflict(sc.OnConflict)
	if err != nil {
		return cell, err
	}
	scope, err := drivers.ParseScope(sc.Scope)
	if err != nil {
		return cell, err
	}
	scfg := strategy.Config{
		Fencing:  sc.Fencing,
		LeaseTTL: sc.LeaseTTL.D(),
		Stall:    strategy.Stall{Prob: sc.LeaseStall.Prob, Duration: sc.LeaseStall.Duration.D()},
		Leaser:   cfg.Leaser,
		Merge:    onConflict == scenarios.Merge,
		Clock:    clk,
		Hold:     sc.Hold,
		Scope:    scope,
		Hybrid:   HybridConfig(sc),
	}
	var esc *strategy.Escalation // hybrid: the cell's per-key escalation
	if runsHybrid(spec.Strategy, sc) {
		if esc, err = strategy.NewEscalation(sc.Keys, scfg.Hybrid); err != nil {
			return cell, err
		}
		scfg.Escalation = esc
	}
	for _, f := range cfg.Faults {
		if f.Kind == faults.StallHolder {
			scfg.StallNow = new(atomic.Bool)
			break
		}
	}
	if scfg.Idem, err = idemCell(&sc, spec.Strategy, spec.Trial); err != nil {
		return cell, err
	}
	classes, err := cellClasses(sc, spec)
	if err != nil {
		return cell, err
	}
	cell.Rate = classRate(classes)
	classStrats, skipped := classStrategies(cfg, classes, scfg)
	if skipped != "" {
		cell.Skipped = skipped
		if cfg.Observer != nil {
			cfg.Observer.CellFinished(spec, &cell)
		}
		return cell, nil
	}
	errPolicy, err := errorPolicy(sc.ErrorBackoff)
	if err != nil {
		return cell, err
	}
	opTimeout := sc.OpTimeout.D()
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	var budget *backoff.Budget
	if sc.Budget > 0 {
		if budget, err = backoff.NewBudget(sc.Budget, sc.BudgetRetryCost, sc.BudgetRefund); err != nil {
			return cell, err
		}
	}
	chooser, err := keydist.New(sc.Distribution, sc.Keys, keydist.Params{ZipfTheta: sc.ZipfTheta, HotFraction: sc.HotFraction, HotOps: sc.HotOps})
	if err != nil {
		return cell, err
	}
	dspec := drivers.Spec{Keys: sc.Keys, FieldGroups: sc.FieldGroups, PayloadBytes: sc.PayloadBytes, Seed: StoreSeed(sc.Seed, spec.Trial)}
	if scope == drivers.ScopeOperation {
		dspec.Slots = spec.Writers // one operation slot per writer
	}
	var opTracks []opTrack // --audit ops: each writer's ops (opaudit.go)
	if sc.Audit == AuditOps {
		dspec.OpLog = true
		opTracks = make([]opTrack, spec.Writers)
	}
	share := cfg.Share
	if err := share.prepare(ctx, cfg, index, dspec); err != nil {
		return cell, err
	}
	if opTracks != nil { // after Setup: a store may know only then
		if err := CheckOpLog(cfg.Store, cfg.DriverName); err != nil {
			return cell, err
		}
	}
	// A lease store that is another store gets fresh leases per cell too.
	if ls, ok := cfg.Leaser.(drivers.Store); ok && usesLease(classes, sc) && ls != cfg.Store {
		if err := ls.Setup(ctx, dspec); err != nil {
			return cell, fmt.Errorf("lease store: setup: %w", err)
		}
	}

	// Stopping: stop ends new work; storeCtx lets in-flight attempts
	// finish, bounded by the grace period.
	// The stop flag is read by every writer on every op: keep it on a
	// cache line of its own.
	stop := new(paddedBool)
	storeCtx, storeCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer storeCancel()
	grace := cfg.Grace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	cellDone := make(chan struct{})
	defer close(cellDone)
	go func() {
		select {
		case <-ctx.Done():
			stop.Store(true)
			t := time.NewTimer(grace)
			defer t.Stop()
			select {
			case <-t.C:
				storeCancel()
			case <-cellDone:
			}
		case <-cellDone:
		}
	}()

	// Writers get connections of their own when the store offers them.
	strats, closeSessions, err := writerStrategies(storeCtx, cfg, classes, classStrats, scfg)
	if err != nil {
		return cell, err
	}
	// Closing may hang on a dead store: it runs on its own, and the cell
	// waits for it only so long (waitClosed).
	var closeOnce sync.Once
	sessionsClosed := make(chan struct{})
	startClose := func() {
		closeOnce.Do(func() {
			go func() {
				defer close(sessionsClosed)
				closeSessions()
			}()
		})
	}
	defer startClose()
	if share.active() {
		if err := share.Coord.Start(ctx, index); err != nil {
			return cell, err
		}
	}

	series := &record.Series{}
	start := clk.Now()
	live := &Live{Series: series, Start: start.Add(sc.Warmup.D())}
	if sc.OpsPerWriter == 0 {
		live.Length = sc.Duration.D()
	}
	p := plan{
		sc: sc, spec: spec, errPolicy: errPolicy, budget: budget, chooser: chooser,
		clk: clk, stop: &stop.Bool, ctx: ctx, storeCtx: storeCtx, opTimeout: opTimeout,
		groupBytes: dspec.GroupBytes(), measureStart: live.Start, live: live,
		onConflict: onConflict, scope: scope, opTracks: opTracks,
	}
	if scfg.Idem != nil {
		p.idem = make([]strategy.IdemTally, spec.Writers)
	}
	if sc.OpsPerWriter == 0 {
		p.measureEnd = live.Start.Add(sc.Duration.D())
	}
	if esc != nil {
		esc.Measure(live.Start, p.measureEnd)
	}
	if cfg.Observer != nil {
		cfg.Observer.CellStarted(spec, index, total, live)
	}
	var fine *record.FineSeries
	var starts []time.Duration
	if len(cfg.Faults) > 0 {
		fine = &record.FineSeries{}
		for _, f := range cfg.Faults {
			starts = append(starts, f.At)
		}
	}
	// The first fault's alarm is armed before the writers move the clock.
	writersDone := make(chan struct{})
	sched := newFaultSchedule(ctx, clk, cfg.Faults, cfg.Injector, scfg.StallNow, p.measureStart, p.measureEnd, writersDone)
	recs := make([]*record.Recorder, spec.Writers)
	var wg sync.WaitGroup
	for ci := range classes {
		cls := &classes[ci]
		for w := cls.first; w < cls.first+cls.writers; w++ {
			recs[w] = record.New(series)
			if esc != nil {
				recs[w].TrackHybrid()
			}
			if fine != nil {
				recs[w].TrackFaults(fine, starts)
			}
			if !share.owns(w) {
				continue // another runner's writer: its recorder stays empty
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.writer(w, recs[w], strats[w], cls)
			}()
		}
	}
	var injected []injected
	faultsDone := make(chan struct{})
	go func() {
		defer close(faultsDone)
		injected = sched.run()
	}()
	wg.Wait()
	end := clk.Now()
	close(writersDone)
	<-faultsDone // every fault injected is healed
	cell.Interrupted = ctx.Err() != nil
	bound := min(auditTimeout, opTimeout)
	if cell.Interrupted {
		bound = interruptedTimeout
	}
	// The audit may need the connections the sessions held.
	startClose()
	waitClosed(sessionsClosed, bound)
	if share.active() {
		if err := share.Coord.Finished(ctx, index); err != nil {
			return cell, err
		}
	}

	// The measured window: the whole planned duration, even when the
	// writers stopped early because no op could start before its end;
	// up to the stop when the cell was interrupted; the ops' time in ops
	// mode.
	measured := end.Sub(live.Start)
	if !p.measureEnd.IsZero() && (!cell.Interrupted || end.After(p.measureEnd)) {
		measured = p.measureEnd.Sub(live.Start)
	}
	if measured < 0 {
		measured = 0
	}
	// Classes first: the cell's merge below changes recs[0].
	if cell.Classes, err = summarizeClasses(sc, classes, recs, measured); err != nil {
		return cell, err
	}
	owned := share.owned(recs) // this runner's writers' recorders
	merged := owned[0]
	for _, r := range owned[1:] {
		if err := merged.Merge(r); err != nil {
			return cell, err
		}
	}
	if err := merged.Summarize(&cell, measured); err != nil {
		return cell, err
	}
	if esc != nil && cell.Hybrid != nil {
		n, d := esc.Summary(live.Start.Add(measured))
		cell.Hybrid.Escalations = n
		cell.Hybrid.TimeEscalatedS = math.Round(d.Seconds()*1000) / 1000
	}
	// Attempts still in flight at the end of the window land in one more
	// second; the series covers the measured window only.
	cell.Timeseries = series.Points()
	if n := int(math.Ceil(measured.Seconds())); len(cell.Timeseries) > n {
		cell.Timeseries = cell.Timeseries[:n]
	}
	if fine != nil {
		cell.Faults = faultRecords(injected, fine.Steps(), merged.Windows, measured)
	}

	expected := merged.Ops + merged.UnmeasuredOps
	var idem strategy.IdemTally
	if p.idem != nil {
		idem = idemSum(p.idem)
		expected = idem.Applied // the deliveries that applied their effect
	}
	if share.active() {
		cell.Runner = &results.CellRunner{Index: share.Index, Runners: share.Runners,
			Writers: Writers(spec.Writers, share.Index, share.Runners), Seq: index, StartedAt: live.Start}
		cell.Audit = share.pendingAudit(ctx, cfg, cell.Runner, expected, merged.Indeterminate, classStrats[0].LossExpected(), bound)
		if cfg.Observer != nil {
			cfg.Observer.CellFinished(spec, &cell)
		}
		return cell, nil
	}
	totals, err := readTotals(ctx, cfg.Store, bound)
	switch {
	case err != nil:
		cell.Audit = Unavailable(expected, merged.Indeterminate, fmt.Sprintf("%s: %v", cfg.DriverName, err))
	case totals.Docs < int64(sc.Keys) || merged.NotFound > 0:
		cell.Audit = StoreReset(expected, merged.Indeterminate, totals, sc.Keys, merged.NotFound)
	case len(sc.Classes) > 0:
		cell.Audit = classAudit(expected, merged.Indeterminate, totals, classes, classStrats)
	default:
		cell.Audit = Audit(expected, merged.Indeterminate, totals, spec.Strategy, classStrats[0].LossExpected())
	}
	if p.idem != nil {
		idemAudit(ctx, &cell, cfg.Store, &idem, totals, bound)
	}
	if opTracks != nil && err == nil {
		ApplyOpsAudit(&cell.Audit, auditOps(ctx, cfg.Store.(drivers.OpLogger), opTracks, bound), spec.Strategy, classStrats[0].LossExpected())
	}
	if cfg.Observer != nil {
		cfg.Observer.CellFinished(spec, &cell)
	}
	return cell, nil
}

// HybridConfig is the hybrid strategy's escalation settings of sc.
func HybridConfig(sc scenarios.Scenario) strategy.HybridConfig {
	return strategy.HybridConfig{Lock: sc.HybridLock, After: sc.EscalateAfter,
		Window: sc.EscalateWindow.D(), Cool: sc.DeescalateAfter.D()}
}

// usesLeases reports whether a cell of strategy name takes leases: the
// lease strategy, and hybrid with its lease lock.
func usesLeases(name string, sc scenarios.Scenario) bool {
	return name == strategy.Lease || (name == strategy.Hybrid && sc.HybridLock != strategy.HybridRow)
}

// errorPolicy builds the error backoff of a scenario's error_backoff
// (default backoff.DefaultErrorSpec).
func errorPolicy(v string) (backoff.Policy, error) {
	if v == "" {
		v = backoff.DefaultErrorSpec
	}
	s, err := backoff.ParseSpec("error_backoff", v)
	if err != nil {
		return nil, err
	}
	return s.Policy()
}

// waitClosed waits for closed, at most bound.
func waitClosed(closed <-chan struct{}, bound time.Duration) {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-closed:
	case <-t.C:
	}
}

// readTotals reads the store's totals for the audit, within bound: a
// store that ignores its context does not hold the cell (the read is
// abandoned, and ends on its own).
func readTotals(ctx context.Context, st drivers.Store, bound time.Duration) (drivers.Totals, error) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	type answer struct {
		t   drivers.Totals
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		t, err := st.Totals(actx)
		ch <- answer{t, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			return a.t, fmt.Errorf("audit: %w", a.err)
		}
		return a.t, nil
	case <-actx.Done():
		return drivers.Totals{}, fmt.Errorf("audit: no answer within %v: %w", bound, actx.Err())
	}
}

// StoreSeed is the drivers.Spec.Seed of a cell: a mix of the scenario's
// seed and the trial, so that every trial draws afresh and a run repeats.
// Cells of one trial share it, as their writers share key sequences:
// strategies are compared on the same draws.
func StoreSeed(seed uint64, trial int) uint64 {
	// splitmix64's finaliser, over the seed and the trial.
	z := seed ^ (uint64(trial) * 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// writerStrategies returns one strategy per writer, its class's: over a
// session of the writer's own when cfg.Store is a drivers.Sessioner that
// offers them, else shared[class] over the store. closeSessions closes the sessions;
// calling it again does nothing (it is not safe for concurrent use). A
// close error does not void what was measured: the session's connection
// is discarded and the audit reads through the store.
func writerStrategies(ctx context.Context, cfg Config, classes []writerClass, shared []strategy.Strategy, scfg strategy.Config) (strats []strategy.Strategy, closeSessions func(), err error) {
	last := classes[len(classes)-1]
	strats = make([]strategy.Strategy, last.first+last.writers)
	names := make([]string, len(strats))
	for ci, c := range classes {
		for w := c.first; w < c.first+c.writers; w++ {
			strats[w], names[w] = shared[ci], c.strategy
		}
	}
	sr, ok := cfg.Store.(drivers.Sessioner)
	if !ok {
		return strats, func() {}, nil
	}
	var sessions []drivers.Store
	closeSessions = func() {
		for _, s := range sessions {
			_ = s.Close()
		}
		sessions = nil
	}
	if l, ok := scfg.Leaser.(drivers.Store); ok && l == cfg.Store {
		scfg.Leaser = nil // the session's own leases
	}
	for w := range strats {
		if !cfg.Share.owns(w) {
			continue // another runner's writer: no connection here
		}
		s, err := sr.Session(ctx)
		if errors.Is(err, drivers.ErrNoSessions) && len(sessions) == 0 {
			return strats, func() {}, nil
		}
		if err != nil {
			closeSessions()
			return nil, nil, fmt.Errorf("%s: writer %d: session: %w", cfg.DriverName, w, err)
		}
		sessions = append(sessions, s)
		if strats[w], err = strategy.New(names[w], s, cfg.DriverName, scfg); err != nil {
			closeSessions()
			return nil, nil, fmt.Errorf("%s: writer %d: session: %w", cfg.DriverName, w, err)
		}
	}
	return strats, closeSessions, nil
}

// Audit compares committed ops with the store's totals. indeterminate
// counts the errored attempts that may have committed: the store can
// hold up to expected + indeterminate.
func Audit(expected, indeterminate int64, t drivers.Totals, strategyName string, lossExpected bool) results.Audit {
	a := results.Audit{
		Expected: expected, Observed: t.Counter, Versions: t.Versions,
		LostUpdates: expected - t.Counter, Indeterminate: indeterminate, LossExpected: lossExpected,
	}
	switch {
	case a.LostUpdates == 0:
		a.OK = true
		a.Verdict = fmt.Sprintf("ok: %d committed, %d in the store", expected, t.Counter)
	case a.LostUpdates > 0 && lossExpected:
		a.OK = true
		a.Verdict = fmt.Sprintf("lost %d of %d committed updates, as expected for %s (%s)", a.LostUpdates, expected, strategyName, whyExpected(strategyName))
	case a.LostUpdates > 0:
		a.Verdict = fmt.Sprintf("LOST UPDATES: %d of %d committed updates are missing from the store; %s promises none", a.LostUpdates, expected, strategyName)
	case -a.LostUpdates <= indeterminate:
		a.OK = true
		a.Verdict = fmt.Sprintf("ok: %d committed, %d in the store; %d of %d errored attempts whose outcome the store did not confirm did commit", expected, t.Counter, -a.LostUpdates, indeterminate)
	default:
		a.Verdict = fmt.Sprintf("HARNESS BUG: the store holds %d more updates than occbench counted (%d committed, %d indeterminate)", -a.LostUpdates, expected, indeterminate)
	}
	return a
}

// StoreReset is the audit of a store that lost documents the cell
// seeded (keys of them, of which t.Docs are left) or whose attempts found
// one missing (notFound of them): a server restarted without its data.
// The missing updates are the store's, not the strategy's: it is not OK,
// and never reads as lost updates.
func StoreReset(expected, indeterminate int64, t drivers.Totals, keys int, notFound int64) results.Audit {
	missing := max(int64(keys)-t.Docs, 0)
	return results.Audit{
		Expected: expected, Observed: t.Counter, Versions: t.Versions,
		LostUpdates: expected - t.Counter, Indeterminate: indeterminate, StoreReset: true,
		Verdict: fmt.Sprintf("STORE RESET: documents missing after a restart (%d of %d missing; %d attempts found no document): the store lost data, not the strategy", missing, keys, notFound),
	}
}

// Unavailable is the audit of a cell whose store could not be read back,
// for reason: the measurements stand, the audit proves nothing.
func Unavailable(expected, indeterminate int64, reason string) results.Audit {
	return results.Audit{
		Expected: expected, Indeterminate: indeterminate, Unavailable: reason,
		Verdict: "AUDIT UNAVAILABLE: " + reason,
	}
}

func whyExpected(strategyName string) string {
	switch strategyName {
	case strategy.Lease:
		return "leases without fencing let a paused holder overwrite"
	case strategy.CheckThenWrite:
		return "its version check and its write are not atomic: a write between them is overwritten"
	}
	return "unconditional writes overwrite each other"
}

type paddedBool struct {
	_ [64]byte
	atomic.Bool
	_ [60]byte
}

type plan struct {
	sc         scenarios.Scenario
	spec       Spec
	errPolicy  backoff.Policy // errored attempts (conflicts: the writer's class's policy)
	budget     *backoff.Budget
	chooser    keydist.Chooser
	clk        clock.Clock
	stop       *atomic.Bool
	ctx        context.Context // cancelled on stop: backoff and think sleeps
	storeCtx   context.Context // attempts
	opTimeout  time.Duration   // bounds each attempt
	groupBytes int
	live       *Live
	onConflict scenarios.OnConflict // the scenario's on_conflict, parsed once
	scope      drivers.Scope        // the scenario's scope, parsed once
	idem       []strategy.IdemTally // idempotent cells: each writer's tally, written when it ends
	opTracks   []opTrack            // --audit ops: one per writer; nil = off

	measureStart, measureEnd time.Time // measureEnd zero in ops mode
}

// writer runs one writer until its ops or the cell's time are done.
// With --ops-per-writer N it makes N measured ops: those that start
// after the warmup; ops made during the warmup do not count. In duration
// mode no sleep (think, backoff, open-loop schedule) runs past the end
// of the measured window: an op whose next attempt would start after it
// is cut off, and a writer whose next op would start after it stops.
//
// An attempt that fails on a conflict is retried after a sleep of the
// cell's backoff policy, the n-th conflict of the op sleeping its n-th
// delay. One that fails on an error is retried too, after a sleep of the
// error backoff, whose n counts the writer's consecutive errored attempts
// across its ops: an outage costs each writer a few attempts a second,
// not a spin. An attempt that reaches a verdict (commit or conflict)
// resets it. The attempt and time limits and the retry budget end an op
// whatever failed; its give-up reason is "error" when its last attempt
// errored, and the writer waits the error backoff before its next op.
// Each attempt runs under the op timeout.
//
// cls is the writer's class: its conflict backoff, think time, open-loop
// rate (shared by the class's writers) and field group.
func (p *plan) writer(id int, rec *record.Recorder, strat strategy.Strategy, cls *writerClass) {
	defer rec.Flush()
	sc := &p.sc
	rng := rand.New(rand.NewPCG(sc.Seed, uint64(p.spec.Trial)<<32|uint64(id)))
	payload := make([]byte, p.groupBytes)
	for i := range payload {
		payload[i] = byte(id)
	}
	group := cls.group
	if group < 0 {
		group = id % sc.FieldGroups
	}
	op := &strategy.Op{
		Group:   group,
		Writer:  int64(id),
		Payload: payload,
		Rand:    rng,
	}
	op.Scope = p.scope
	defer op.Close()
	if p.idem != nil {
		defer func() { p.idem[id] = op.Idem }()
	}
	var track *opTrack // --audit ops only: the default path stays as it was
	if p.opTracks != nil {
		track = &p.opTracks[id]
	}
	actx := newAttemptCtx(p.storeCtx, p.clk, p.opTimeout)
	defer func() { actx.release() }()

	var (
		maxAttempts = sc.MaxAttempts
		maxElapsed  = sc.MaxElapsed.D()
		think       = cls.think
		policy      = cls.policy
		failPolicy  = p.onConflict == scenarios.Fail
		opsLimit    = int64(sc.OpsPerWriter)
		// consecutive errored attempts of this writer, and the last
		// error backoff (decorrelated jitter grows from it)
		errStreak    int
		prevErrDelay time.Duration
	)
	// Open loop: writer i of its class's W owns slots i, i+W, i+2W, … of
	// the class's schedule, with one slot every 1/rate seconds from the
	// start of the cell.
	var interval time.Duration
	if cls.rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(cls.writers) / cls.rate)
	}
	start := p.clk.Now()
	var slot0 time.Duration
	if cls.rate > 0 {
		slot0 = time.Duration(float64(time.Second) * float64(id-cls.first) / cls.rate)
	}
	now := start
	var done int64 // measured ops, whatever their outcome
	for k := int64(0); ; k++ {
		if p.stop.Load() || (opsLimit > 0 && done >= opsLimit) {
			return
		}
		intended := now
		if interval > 0 {
			intended = start.Add(slot0 + time.Duration(k)*interval)
		}
		if p.pastEnd(intended) {
			return
		}
		if intended.After(now) {
			if p.clk.Sleep(p.ctx, intended.Sub(now)) != nil {
				return
			}
			now = p.clk.Now()
		}
		measuring := !intended.Before(p.measureStart)
		if measuring && interval > 0 {
			rec.ScheduleLag(now.Sub(intended))
		}
		op.Reset(p.chooser.Next(rng))
		op.ID = k
		if track != nil {
			track.start(op.Key)
		}
		var (
			attempts, conflicts    int
			errored                bool // an attempt of the op errored
			backoffSum, inAttempts time.Duration
			prevDelay              time.Duration
			attemptStart           = now
			firstConflict          time.Time // end of the op's first conflicting attempt, once conflicts > 0
		)
		for {
			op.Now = attemptStart.UnixNano()
			actx = actx.next(attemptStart)
			err := strat.Attempt(actx, op)
			actx.disarm()
			end := p.clk.Now()
			attempts++
			took := end.Sub(attemptStart)
			inAttempts += took
			kind := drivers.KindOf(err)
			failed := err != nil && kind == drivers.NotConflict
			if measuring {
				rec.AttemptDone(end.Sub(p.measureStart), took, kind)
			}
			if op.StaleRejected != 0 {
				rec.StaleRejected += op.StaleRejected
				op.StaleRejected = 0
			}
			now = end
			if track != nil {
				track.attempted(k, err, failed)
			}
			if failed && p.stoppedBy(err) {
				// The stop cancelled it: a cut-off, not an error.
				if measuring {
					rec.CutOff()
				}
				return
			}
			if err == nil {
				errStreak, prevErrDelay = 0, 0
				p.budget.Refund()
				switch {
				case !measuring:
					rec.UnmeasuredOps++
				case !p.measureEnd.IsZero() && end.After(p.measureEnd):
					rec.UnmeasuredOps++ // the audit counts it; the window does not
					rec.CutOff()
				default:
					rec.Commit(end.Sub(p.measureStart), end.Sub(intended), attempts, backoffSum, inAttempts)
					rec.HybridCommit(end.Sub(intended), op.Escalated)
					if conflicts > 0 {
						rec.Recovered(end.Sub(firstConflict))
					}
					if errored {
						rec.OpRetried(end.Sub(p.measureStart))
					}
				}
				break
			}
			if failed {
				errored = true
				errStreak++
				rec.AttemptErrored(end.Sub(p.measureStart), drivers.ClassOf(err), drivers.MayHaveCommitted(err), measuring)
			} else {
				conflicts++
				errStreak, prevErrDelay = 0, 0
				if conflicts == 1 {
					firstConflict = end
				}
			}
			why, ends := p.retry(err, failed, attempts, end.Sub(intended), maxAttempts, maxElapsed, failPolicy, end)
			if ends == retrying {
				var delay time.Duration
				switch {
				case failed:
					delay = p.errPolicy.Delay(errStreak-1, prevErrDelay, rng)
					prevErrDelay = delay
				case !op.MergeNow:
					delay = policy.Delay(conflicts-1, prevDelay, rng)
					prevDelay = delay
				}
				switch {
				case delay > 0 && p.pastEnd(now.Add(delay)):
					ends = cutOff // the retry would start after the end
				case delay > 0:
					if p.clk.Sleep(p.ctx, delay) != nil {
						ends = cutOff
					}
					now = p.clk.Now()
					backoffSum += now.Sub(end)
				}
			}
			if ends == gaveUp {
				if measuring {
					rec.GiveUp(now.Sub(intended), attempts, why)
					if why == record.Errored {
						rec.OpFailed(now.Sub(p.measureStart))
					}
				}
				break
			}
			if ends == cutOff { // and so is the writer: the cell is over
				if measuring {
					rec.CutOff()
				}
				return
			}
			attemptStart = now
		}
		if measuring {
			done++
		}
		if errStreak > 0 {
			// The op gave up on an error: the writer waits the error
			// backoff before its next op, as before a retry, so that ops
			// that give up at once do not spin against a failing store.
			delay := p.errPolicy.Delay(errStreak-1, prevErrDelay, rng)
			prevErrDelay = delay
			if p.pastEnd(now.Add(delay)) {
				return
			}
			if p.clk.Sleep(p.ctx, delay) != nil {
				return
			}
			now = p.clk.Now()
		}
		if think > 0 {
			if p.pastEnd(now.Add(think)) {
				return // the next op would start after the end: no think past it
			}
			if p.clk.Sleep(p.ctx, think) != nil {
				return
			}
			now = p.clk.Now()
		}
	}
}

// stoppedBy reports whether err, an attempt's error, is the cell's stop
// cancelling it: once the cell is stopping, a cancelled context, or any
// error once the grace period has cancelled the store context. A
// context.Canceled from a store while the cell runs is an error like
// any other (a driver that cancels a dial of its own at a deadline must
// not end the writer).
func (p *plan) stoppedBy(err error) bool {
	if !p.stop.Load() && p.ctx.Err() == nil {
		return false
	}
	return errors.Is(err, context.Canceled) || p.storeCtx.Err() != nil
}

// pastEnd reports whether t is at or after the end of the measured
// window (never in ops mode).
func (p *plan) pastEnd(t time.Time) bool {
	return !p.measureEnd.IsZero() && !t.Before(p.measureEnd)
}

// ending is how an op whose attempt failed goes on.
type ending uint8

const (
	retrying ending = iota // retry (after a backoff)
	gaveUp                 // stop: a give-up, for the reason retry returns
	cutOff                 // stop: the cell ended (its duration, or a stop)
)

// retry decides whether an op whose attempt failed — on an error when
// errored, else on a conflict — retries, gives up (and why) or is cut
// off by the end of the cell. on-conflict=fail gives up on conflicts
// only; a give-up after an errored attempt is an "error" give-up.
func (p *plan) retry(err error, errored bool, attempts int, elapsed time.Duration, maxAttempts int, maxElapsed time.Duration, failPolicy bool, now time.Time) (record.GiveUp, ending) {
	why := func(g record.GiveUp) record.GiveUp {
		if errored {
			return record.Errored
		}
		return g
	}
	switch {
	case failPolicy && !errored:
		return record.FailPolicy, gaveUp
	case maxAttempts > 0 && attempts >= maxAttempts:
		return why(record.MaxAttempts), gaveUp
	case maxElapsed > 0 && elapsed >= maxElapsed:
		return why(record.MaxElapsed), gaveUp
	case p.stop.Load() || p.stoppedBy(err) || p.pastEnd(now):
		return 0, cutOff
	case !p.budget.Withdraw():
		return why(record.Budget), gaveUp
	}
	return 0, retrying
}
