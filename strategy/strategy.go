package strategy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

// Names of the strategies, in the order `occbench list strategies` shows.
const (
	Optimistic   = "optimistic"
	Pessimistic  = "pessimistic"
	Serializable = "serializable"
	Lease        = "lease"
	LWW          = "lww"
	// CheckThenWrite reads, compares the version in the client and
	// writes without a condition: the non-atomic version check.
	CheckThenWrite = "check-then-write"
	// Hybrid writes optimistically and escalates a hot key to a lock
	// (hybrid.go).
	Hybrid = "hybrid"
)

var descriptions = []struct{ name, text string }{
	{Optimistic, "read version, conditional write, retry on conflict"},
	{Pessimistic, "row lock for the read-modify-write (per-doc mutex, BEGIN IMMEDIATE, SELECT … FOR UPDATE)"},
	{Serializable, "read and write in one SERIALIZABLE transaction, retried on 40001/40P01"},
	{Lease, "lease with TTL and fencing token, heartbeat at TTL/2, token-checked release"},
	{LWW, "naive read-modify-write with an unconditional write: the control that loses updates"},
	{CheckThenWrite, "read, hold, read again and compare the version in the client, then an unconditional write: the check is not atomic, a control that loses updates"},
	{Hybrid, "optimistic; a key with --escalate-after conflicts within --escalate-window takes a lock (--hybrid-lock lease|row) until it cools"},
	{Idempotent, "deliveries carrying an idempotency key: claim (PENDING), apply the effect and mark COMPLETED in one step; duplicates suppressed, stale claims recovered (scenario idempotency)"},
}

// Names lists the strategies.
func Names() []string {
	out := make([]string, len(descriptions))
	for i, d := range descriptions {
		out[i] = d.name
	}
	return out
}

// Describe returns the one-line description of a strategy.
func Describe(name string) string {
	for _, d := range descriptions {
		if d.name == name {
			return d.text
		}
	}
	return ""
}

// Stall makes a lease holder pause mid-operation, like a GC pause.
type Stall struct {
	Prob     float64       // probability per attempt that holds a lease
	Duration time.Duration // how long the holder pauses
}

// Config configures New.
type Config struct {
	Fencing  bool           // lease: fenced read and write
	LeaseTTL time.Duration  // lease: time to live
	Stall    Stall          // lease: injected holder pauses
	Leaser   drivers.Leaser //  lease: nil = the data store's own leases
	Merge    bool           // on-conflict=merge: re-apply own field group at once
	Clock    clock.Clock    // nil = wall clock
	// Hold is the conflict window: the time an attempt spends between
	// its read and its write, drawn per attempt from Op.Rand and waited
	// on Clock. Pessimistic and serializable attempts wait it inside the
	// store's lock or transaction (drivers.Write.Hold), leases under the
	// lease, the others between their Read and their write.
	Hold delay.Dist
	// StallNow, while true, makes every lease holder stall: it stops
	// heartbeating and pauses mid-operation for Stall.Duration (1.5 ×
	// the TTL when that is 0), as Stall with probability 1 does. The
	// runner sets it during a stall-holder fault; nil = never.
	StallNow *atomic.Bool
	// Scope is the scope of the cell's ops (Op.Scope): New refuses
	// ScopeOperation for a store that does not offer it, and for the
	// strategies whose lock is the document's.
	Scope drivers.Scope
	// Hybrid configures the hybrid strategy's escalation, and Escalation
	// is its per-key state, shared by every writer of the cell (nil: New
	// makes one of MaxTracked slots from Hybrid).
	Hybrid     HybridConfig
	Escalation *Escalation
	// Idem is the idempotent strategy's cell state (NewIdempotency),
	// shared by the cell's writers; nil = the default settings.
	Idem *Idempotency
}

// DefaultLeaseTTL is the lease time to live when none is given.
const DefaultLeaseTTL = time.Second

// Strategy makes attempts. One Strategy serves every writer of a cell;
// per-writer state lives in the Op.
type Strategy interface {
	Name() string
	// Attempt makes one attempt at op: nil when it committed, a conflict
	// (drivers.KindOf ≠ NotConflict) when another writer won, any other
	// error otherwise.
	Attempt(ctx context.Context, op *Op) error
	// LossExpected reports whether lost updates are the expected result
	// (lww, leases without fencing) rather than a finding.
	LossExpected() bool
}

// Op is one writer's operation state, reused for every op it makes.
type Op struct {
	Key     int
	Group   int
	Scope   drivers.Scope
	Writer  int64
	ID      int64
	Now     int64 // Unix nanoseconds at attempt start: the metadata written
	Payload []byte
	Rand    *rand.Rand

	// MergeNow is set by an optimistic attempt that conflicted on a
	// document whose own field group was untouched: the runner retries at
	// once, without backoff.
	MergeNow bool

	// StaleRejected counts fenced writes the store rejected as stale.
	StaleRejected int64

	// Held is the conflict window drawn by the attempts so far (Config.Hold):
	// the sum of the holds they waited or began to wait.
	Held time.Duration

	// Escalated is set by a hybrid attempt that ran under the lock of an
	// escalated key, cleared by one that wrote optimistically.
	Escalated bool
	// Idem is what the idempotent strategy's deliveries did so far.
	Idem IdemTally
	idem *idemWriter // the idempotent strategy's delivery state

	doc   drivers.Doc
	check drivers.Doc // check-then-write's second read
	w     drivers.Write
	fresh bool // doc holds a read newer than the last conflict

	hb *heartbeat

	win    window                          // the hold holdFn waits
	holdFn func(ctx context.Context) error // op.holdNow, made once
	timer  *time.Timer                     // reused by waits on the wall clock
}

// Reset prepares op for a new operation on key.
func (op *Op) Reset(key int) {
	op.Key = key
	op.fresh = false
	op.MergeNow = false
}

// Doc returns the document as last read by op.
func (op *Op) Doc() *drivers.Doc { return &op.doc }

func (op *Op) fill(w *drivers.Write) {
	w.Key = op.Key
	w.Group = op.Group
	w.Scope = op.Scope
	w.Writer = op.Writer
	w.Op = op.ID
	w.UpdatedAt = op.Now
	w.Payload = op.Payload
	w.Fence = 0
	w.Hold = nil
}

// Close stops per-writer helpers (the lease heartbeat).
func (op *Op) Close() {
	if op.timer != nil {
		op.timer.Stop()
	}
	if op.hb != nil {
		op.hb.stop()
		op.hb = nil
	}
}

// New builds the named strategy over store, or says which capability the
// driver lacks. It asks a store that is a drivers.Limiter about each
// capability the strategy needs (optimistic: CapCompareAndSwap;
// pessimistic: CapLockedUpdate; serializable: CapSerializable; lww:
// CapPut; lease: CapPut, CapLease of the lease store, and CapReadFenced
// when fencing), and refuses with its reason.
func New(name string, store drivers.Store, driverName string, c Config) (Strategy, error) {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	// have checks one capability the strategy needs: that the store
	// implements it (ok), and that a Limiter does not refuse it.
	have := func(impl any, c drivers.Capability, ok bool, hint string) error {
		if !ok {
			return fmt.Errorf("--strategy %s: driver %q does not support %s%s", name, driverName, c, hint)
		}
		if l, ok := impl.(drivers.Limiter); ok {
			if why := l.Unsupported(c); why != "" {
				return fmt.Errorf("--strategy %s: %s", name, why)
			}
		}
		return nil
	}
	win := window{dist: c.Hold, clk: c.Clock}
	// holdInStore checks that a store that reads and writes itself calls
	// the hold between them.
	holdInStore := func() error {
		if c.Hold.IsZero() {
			return nil
		}
		return have(store, drivers.CapHold, true, "")
	}
	// opScope checks the scope: operation slots need a store that offers
	// them, and a strategy that versions per slot.
	opScope := func(slots bool) error {
		if c.Scope != drivers.ScopeOperation {
			return nil
		}
		if !slots {
			return fmt.Errorf("--scope operation: strategy %s locks or leases the whole document, it has no per-slot form (operation scope applies to optimistic, check-then-write and lww)", name)
		}
		o, ok := store.(drivers.Offerer)
		return have(store, drivers.CapOperationScope, ok && o.Offers(drivers.CapOperationScope), "")
	}
	switch name {
	case Optimistic:
		s, ok := store.(drivers.CompareAndSwapper)
		if err := have(store, drivers.CapCompareAndSwap, ok, ""); err != nil {
			return nil, err
		}
		if err := opScope(true); err != nil {
			return nil, err
		}
		return &optimistic{store: s, merge: c.Merge, win: win}, nil
	case Pessimistic:
		s, ok := store.(drivers.LockedUpdater)
		if err := have(store, drivers.CapLockedUpdate, ok, ""); err != nil {
			return nil, err
		}
		if err := holdInStore(); err != nil {
			return nil, err
		}
		if err := opScope(false); err != nil {
			return nil, err
		}
		return &pessimistic{store: s, win: win}, nil
	case Serializable:
		s, ok := store.(drivers.SerializableUpdater)
		if err := have(store, drivers.CapSerializable, ok, ""); err != nil {
			return nil, err
		}
		if err := holdInStore(); err != nil {
			return nil, err
		}
		if err := opScope(false); err != nil {
			return nil, err
		}
		return &serializable{store: s, win: win}, nil
	case LWW:
		s, ok := store.(drivers.Putter)
		if err := have(store, drivers.CapPut, ok, ""); err != nil {
			return nil, err
		}
		// lww compares no version: every scope is the same to it.
		return &lww{store: s, win: win}, nil
	case CheckThenWrite:
		s, ok := store.(drivers.Putter)
		if err := have(store, drivers.CapPut, ok, ""); err != nil {
			return nil, err
		}
		if err := opScope(true); err != nil {
			return nil, err
		}
		return &checkThenWrite{store: s, win: win}, nil
	case Idempotent:
		return newIdempotent(store, driverName, c, have)
	case Lease:
		p, ok := store.(drivers.Putter)
		if err := have(store, drivers.CapPut, ok, ""); err != nil {
			return nil, err
		}
		l := c.Leaser
		if l == nil {
			l, ok = store.(drivers.Leaser)
		}
		if err := have(l, drivers.CapLease, ok, " (use --lease-store)"); err != nil {
			return nil, err
		}
		var fr drivers.FencedReader
		if c.Fencing {
			fr, ok = store.(drivers.FencedReader)
			if err := have(store, drivers.CapReadFenced, ok, " (use --fencing=false)"); err != nil {
				return nil, err
			}
		}
		ttl := c.LeaseTTL
		if ttl <= 0 {
			ttl = DefaultLeaseTTL
		}
		if c.Stall.Prob < 0 || c.Stall.Prob > 1 {
			return nil, fmt.Errorf("--lease-stall: probability must be in [0, 1], got %v", c.Stall.Prob)
		}
		stall := c.Stall
		if stall.Duration <= 0 && c.StallNow != nil {
			stall.Duration = ttl + ttl/2
		}
		if err := opScope(false); err != nil {
			return nil, err
		}
		return &lease{data: p, fenced: fr, leaser: l, ttl: ttl, stall: stall, stallNow: c.StallNow, clock: c.Clock, win: win}, nil
	case Hybrid:
		return newHybrid(store, c, win, have, holdInStore, opScope)
	}
	return nil, fmt.Errorf("--strategy: unknown strategy %q (allowed: %s)", name, strings.Join(Names(), ", "))
}

type optimistic struct {
	store drivers.CompareAndSwapper
	merge bool
	win   window
}

func (s *optimistic) Name() string       { return Optimistic }
func (s *optimistic) LossExpected() bool { return false }

func (s *optimistic) Attempt(ctx context.Context, op *Op) error {
	op.MergeNow = false
	if !op.fresh {
		if err := s.store.Read(ctx, op.Key, &op.doc); err != nil {
			return err
		}
	}
	op.fresh = false
	if err := s.win.wait(ctx, op); err != nil {
		return err
	}
	w := &op.w
	op.fill(w)
	expect, err := op.expected(&op.doc)
	if err != nil {
		return err
	}
	w.Expect = expect
	err = s.store.CompareAndSwap(ctx, w)
	if err == nil || !s.merge || op.Scope != drivers.ScopeDocument || drivers.KindOf(err) != drivers.VersionMismatch {
		return err
	}
	// Merge: if the concurrent write touched only other field groups,
	// the next attempt re-applies our group at once on the fresh read.
	own := op.doc.Groups[op.Group]
	if rerr := s.store.Read(ctx, op.Key, &op.doc); rerr == nil {
		op.fresh = true
		op.MergeNow = op.doc.Groups[op.Group] == own
	}
	return err
}

// expected is the version a conditional write or a client-side check
// compares in op's scope, as d holds it.
func (op *Op) expected(d *drivers.Doc) (int64, error) {
	switch op.Scope {
	case drivers.ScopeFieldGroup:
		return d.Groups[op.Group], nil
	case drivers.ScopeOperation:
		if op.Writer < 0 || op.Writer >= int64(len(d.Slots)) {
			return 0, fmt.Errorf("scope operation: document %d has %d operation slots, none for writer %d (Spec.Slots must be the cell's writers)", op.Key, len(d.Slots), op.Writer)
		}
		return d.Slots[op.Writer], nil
	}
	return d.Version, nil
}

type pessimistic struct {
	store drivers.LockedUpdater
	win   window
}

func (s *pessimistic) Name() string       { return Pessimistic }
func (s *pessimistic) LossExpected() bool { return false }

func (s *pessimistic) Attempt(ctx context.Context, op *Op) error {
	op.fill(&op.w)
	op.w.Hold = op.holdFunc(s.win)
	return s.store.LockedUpdate(ctx, &op.w)
}

type serializable struct {
	store drivers.SerializableUpdater
	win   window
}

func (s *serializable) Name() string       { return Serializable }
func (s *serializable) LossExpected() bool { return false }

func (s *serializable) Attempt(ctx context.Context, op *Op) error {
	op.fill(&op.w)
	op.w.Hold = op.holdFunc(s.win)
	return s.store.SerializableUpdate(ctx, &op.w)
}

type lww struct {
	store drivers.Putter
	win   window
}

func (s *lww) Name() string       { return LWW }
func (s *lww) LossExpected() bool { return true }

func (s *lww) Attempt(ctx context.Context, op *Op) error {
	if err := s.store.Read(ctx, op.Key, &op.doc); err != nil {
		return err
	}
	if err := s.win.wait(ctx, op); err != nil {
		return err
	}
	w := &op.w
	op.fill(w)
	setFromRead(w, &op.doc, op.Group)
	return s.store.Put(ctx, w)
}

// checkThenWrite is the non-atomic version check: read, hold, read again
// and compare the version (of op's scope) with the first read's in the
// client, then write unconditionally the values computed from the second
// read. A write that lands between the check and the Put is overwritten:
// the check narrows the window lww leaves open to one round trip, and
// does not close it.
type checkThenWrite struct {
	store drivers.Putter
	win   window
}

func (s *checkThenWrite) Name() string       { return CheckThenWrite }
func (s *checkThenWrite) LossExpected() bool { return true }

func (s *checkThenWrite) Attempt(ctx context.Context, op *Op) error {
	if err := s.store.Read(ctx, op.Key, &op.doc); err != nil {
		return err
	}
	if err := s.win.wait(ctx, op); err != nil {
		return err
	}
	if err := s.store.Read(ctx, op.Key, &op.check); err != nil {
		return err
	}
	read, err := op.expected(&op.doc)
	if err != nil {
		return err
	}
	now, err := op.expected(&op.check)
	if err != nil {
		return err
	}
	if now != read {
		return drivers.ErrVersionMismatch // detected by the client
	}
	w := &op.w
	op.fill(w)
	setFromRead(w, &op.check, op.Group)
	return s.store.Put(ctx, w)
}

// setFromRead computes the naive read-modify-write values.
func setFromRead(w *drivers.Write, d *drivers.Doc, group int) {
	w.Version = d.Version + 1
	w.Counter = d.Counter + 1
	w.GroupVersion = d.Groups[group] + 1
}

type lease struct {
	data     drivers.Putter
	fenced   drivers.FencedReader // nil = fencing off
	leaser   drivers.Leaser
	ttl      time.Duration
	stall    Stall
	stallNow *atomic.Bool // nil = no stall-holder fault
	clock    clock.Clock
	win      window
}

func (s *lease) Name() string       { return Lease }
func (s *lease) LossExpected() bool { return s.fenced == nil }

func (s *lease) Attempt(ctx context.Context, op *Op) error {
	holder := op.Writer + 1
	fence, err := s.leaser.Acquire(ctx, op.Key, holder, s.ttl)
	if err != nil {
		return err
	}
	if op.hb == nil {
		op.hb = newHeartbeat(s.leaser, s.ttl, s.stallNow, s.clock)
	}
	op.hb.hold(ctx, op.Key, holder, fence)
	err = s.underLease(ctx, op, fence)
	op.hb.drop()
	if rerr := s.leaser.Release(ctx, op.Key, holder, fence); rerr != nil && err == nil && drivers.KindOf(rerr) == drivers.NotConflict {
		// The write committed; a failed release only delays the next
		// holder until the lease expires. Report it unless it merely
		// says the lease was already gone.
		return fmt.Errorf("lease: release after commit: %w", rerr)
	}
	return err
}

func (s *lease) underLease(ctx context.Context, op *Op, fence int64) error {
	var err error
	if s.fenced != nil {
		err = s.fenced.ReadFenced(ctx, op.Key, fence, &op.doc)
	} else {
		err = s.data.Read(ctx, op.Key, &op.doc)
	}
	if err != nil {
		return err
	}
	if s.stalling() || (s.stall.Prob > 0 && op.Rand != nil && op.Rand.Float64() < s.stall.Prob) {
		// A process pause stops the heartbeat too.
		op.hb.pause(true)
		serr := s.clock.Sleep(ctx, s.stall.Duration)
		op.hb.pause(false)
		if serr != nil {
			return serr
		}
	}
	if err := s.win.wait(ctx, op); err != nil {
		return err
	}
	w := &op.w
	op.fill(w)
	setFromRead(w, &op.doc, op.Group)
	if s.fenced != nil {
		w.Fence = fence
	}
	err = s.data.Put(ctx, w)
	if drivers.KindOf(err) == drivers.StaleFence {
		op.StaleRejected++
	}
	return err
}

// stalling reports whether a stall-holder fault is on.
func (s *lease) stalling() bool { return s.stallNow != nil && s.stallNow.Load() }

// heartbeat extends a writer's lease at TTL/2 while an attempt holds it.
// It runs on a timer of the injected clock (clock.AfterFunc), not in the
// writer's goroutine, so that a slow store call does not let the lease
// lapse; a stall pauses it, as a GC pause would. Each Extend runs under
// the holding attempt's context, which derives from the cell's (a cell
// that ends stops it), and at most TTL/2 of the injected clock. On
// clock.Fake the timer fires in the goroutine that advances the clock:
// tests drive the heartbeat without sleeping.
type heartbeat struct {
	leaser   drivers.Leaser
	ttl      time.Duration
	stallNow *atomic.Bool // a stall-holder fault stops every heartbeat; nil = none
	clk      clock.Clock

	mu      sync.Mutex
	timer   clock.Timer // made by the first hold
	held    bool
	paused  bool
	running bool // a beat is extending: it re-arms the timer itself
	stopped bool
	ctx     context.Context // the holding attempt's
	key     int
	holder  int64
	fence   int64
	since   time.Time // last grant or extension
	beats   sync.WaitGroup
}

func newHeartbeat(l drivers.Leaser, ttl time.Duration, stallNow *atomic.Bool, clk clock.Clock) *heartbeat {
	return &heartbeat{leaser: l, ttl: ttl, stallNow: stallNow, clk: clk}
}

// hold starts extending holder's lease on key, granted with fence just
// now, under ctx.
func (h *heartbeat) hold(ctx context.Context, key int, holder, fence int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held, h.ctx, h.key, h.holder, h.fence = true, ctx, key, holder, fence
	h.since = h.clk.Now()
	switch {
	case h.timer == nil:
		h.timer = clock.AfterFunc(h.clk, h.ttl/2, h.beat)
	case !h.running:
		h.timer.Reset(h.ttl / 2)
	}
}

// drop stops extending: the attempt released the lease or gave it up.
func (h *heartbeat) drop() {
	h.mu.Lock()
	h.held = false
	h.ctx = nil
	if h.timer != nil && !h.running {
		h.timer.Stop()
	}
	h.mu.Unlock()
}

func (h *heartbeat) pause(p bool) {
	h.mu.Lock()
	h.paused = p
	h.mu.Unlock()
}

// stop disarms the timer and waits for a beat in flight.
func (h *heartbeat) stop() {
	h.mu.Lock()
	h.stopped, h.held, h.ctx = true, false, nil
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
	h.beats.Wait()
}

// beat is the timer's function: it extends the lease when it is due and
// not paused, and re-arms the timer for the next due time.
func (h *heartbeat) beat() {
	h.mu.Lock()
	if h.stopped || !h.held {
		h.mu.Unlock()
		return // hold re-arms
	}
	now := h.clk.Now()
	if h.paused || (h.stallNow != nil && h.stallNow.Load()) {
		h.timer.Reset(h.ttl / 4) // look again, as a paused ticker would
		h.mu.Unlock()
		return
	}
	if due := h.since.Add(h.ttl / 2); now.Before(due) {
		h.timer.Reset(due.Sub(now))
		h.mu.Unlock()
		return
	}
	pctx, key, holder, fence := h.ctx, h.key, h.holder, h.fence
	h.running = true
	h.beats.Add(1)
	h.mu.Unlock()
	defer h.beats.Done()

	ctx, cancel := context.WithCancel(pctx)
	bound := clock.AfterFunc(h.clk, h.ttl/2, cancel)
	err := h.leaser.Extend(ctx, key, holder, fence, h.ttl)
	bound.Stop()
	cancel()

	h.mu.Lock()
	defer h.mu.Unlock()
	h.running = false
	if h.held && h.fence == fence {
		if err == nil {
			h.since = now
		} else {
			h.held = false // lost: the fence will tell the store
		}
	}
	if h.held && !h.stopped {
		// The current hold's next due time, whether it is this one's or
		// a newer one hold could not arm while this beat ran.
		h.timer.Reset(max(h.since.Add(h.ttl/2).Sub(h.clk.Now()), 0))
	}
}
