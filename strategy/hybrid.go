package strategy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
)

// The locks hybrid escalates a key to (--hybrid-lock).
const (
	// HybridLease: the lease strategy's lease on the lease store
	// (Leaser), heartbeat at TTL/2, and a conditional write under it.
	HybridLease = "lease"
	// HybridRow: the store's row lock, as pessimistic takes it
	// (LockedUpdater).
	HybridRow = "row"
)

// HybridLocks lists the --hybrid-lock values, the default first.
func HybridLocks() []string { return []string{HybridLease, HybridRow} }

// Defaults of HybridConfig's zero fields.
const (
	DefaultEscalateAfter  = 3
	DefaultEscalateWindow = time.Second
)

// MaxTracked bounds the keys an Escalation tracks at once: a cell of
// more keys shares each tracking slot between the keys equal modulo
// MaxTracked, and a slot follows one key at a time (see Escalation).
const MaxTracked = 1 << 16

// HybridConfig configures the hybrid strategy: when a key escalates from
// optimistic writes to a lock, and when it comes back.
type HybridConfig struct {
	Lock string // HybridLease or HybridRow; "" = HybridLease
	// After is K: the K-th conflict of optimistic attempts on one key
	// within Window of the first escalates the key; 0 =
	// DefaultEscalateAfter.
	After  int
	Window time.Duration // 0 = DefaultEscalateWindow
	// Cool is how long an escalated key must go without contention to
	// return to optimistic writes; 0 = Window.
	Cool time.Duration
}

// Resolved returns h with its defaults filled in, or an error naming the
// flag that is out of range.
func (h HybridConfig) Resolved() (HybridConfig, error) {
	switch h.Lock {
	case "":
		h.Lock = HybridLease
	case HybridLease, HybridRow:
	default:
		return h, fmt.Errorf("--hybrid-lock: unknown lock %q (allowed: %s)", h.Lock, strings.Join(HybridLocks(), ", "))
	}
	switch {
	case h.After < 0:
		return h, fmt.Errorf("--escalate-after: must be ≥ 1 (0 = %d), got %d", DefaultEscalateAfter, h.After)
	case h.After == 0:
		h.After = DefaultEscalateAfter
	}
	switch {
	case h.Window < 0:
		return h, fmt.Errorf("--escalate-window: must be > 0 (0 = %s), got %s", DefaultEscalateWindow, h.Window)
	case h.Window == 0:
		h.Window = DefaultEscalateWindow
	}
	switch {
	case h.Cool < 0:
		return h, fmt.Errorf("--deescalate-after: must be ≥ 0 (0 = the escalate window), got %s", h.Cool)
	case h.Cool == 0:
		h.Cool = h.Window
	}
	return h, nil
}

// Escalation is the per-key escalation state of one cell, shared by all
// of its writers' hybrid strategies (the runner makes one per cell and
// passes it in Config.Escalation). The rule, per key:
//
//   - Escalate: an optimistic attempt's conflict on the key opens a
//     window of HybridConfig.Window at the conflict's time, unless one
//     is open; the After-th conflict inside the open window escalates
//     the key (a conflict after the window opens a new one, counting 1).
//   - Escalated: every attempt on the key takes the lock. An attempt is
//     contended when another writer of the cell was already in a locked
//     attempt on the key as it began, or when it met a conflict (a lease
//     held, a lock not available, or a version an optimistic write in
//     flight since before the escalation moved).
//   - De-escalate: the key cools, and returns to optimistic writes, once
//     Cool has passed since the later of its escalation and its last
//     contended attempt. The first attempt after that moment sees it.
//
// Time escalated is, per escalation, from the escalation to the moment
// the key cooled (last contention + Cool), within the measured window
// (Measure), or to the end given to Summary for a key still escalated.
// Contention is what this process sees: writers of other processes on
// the same store (occbench merge) are not counted.
//
// Reading the state on an attempt is lock-free (atomic loads); a
// conflict and a transition take the key's mutex. Nothing allocates
// after NewEscalation. A key's state sits in slot key mod
// min(keys, MaxTracked); a slot follows one key at a time, and a
// conflict on another key of a slot that is escalated, or whose window
// is open, is not counted (that key stays optimistic).
type Escalation struct {
	cfg   HybridConfig
	slots []keyState

	from, to int64 // measured window, Unix ns; to 0 = open

	escalations atomic.Int64 // escalations within the measured window
	escalatedNs atomic.Int64 // ns escalated within the measured window
}

type keyState struct {
	mu       sync.Mutex   // conflicts and transitions
	owner    atomic.Int64 // key+1 the slot follows; 0 = none
	on       atomic.Bool  // escalated
	since    atomic.Int64 // escalated since, Unix ns
	hot      atomic.Int64 // last contention while escalated (or since), Unix ns
	inflight atomic.Int32 // locked attempts on the key in progress
	count    int32        // conflicts in the open window (mu)
	opened   int64        // start of the open window, Unix ns (mu)
	_        [8]byte      // one slot per 64-byte cache line
}

// NewEscalation returns the escalation state of a cell of keys documents
// (keys ≤ 0: MaxTracked slots) under h, or an error naming the flag h
// gets wrong.
func NewEscalation(keys int, h HybridConfig) (*Escalation, error) {
	h, err := h.Resolved()
	if err != nil {
		return nil, err
	}
	n := MaxTracked
	if keys > 0 && keys < n {
		n = keys
	}
	return &Escalation{cfg: h, slots: make([]keyState, n), from: -1 << 63}, nil
}

// Config returns the escalation's settings, defaults filled in.
func (e *Escalation) Config() HybridConfig { return e.cfg }

// Measure sets the measured window [from, to): escalations and time
// escalated outside it are not counted (to zero: no end until Summary).
// Call it before the cell's first attempt.
func (e *Escalation) Measure(from, to time.Time) {
	e.from = from.UnixNano()
	e.to = 0
	if !to.IsZero() {
		e.to = to.UnixNano()
	}
}

// Summary ends every escalation still open at end (or when its key
// cooled, if earlier) and returns the escalations and the time
// escalated, summed over keys, within the measured window. Call it once
// the cell's writers are done.
func (e *Escalation) Summary(end time.Time) (escalations int64, escalated time.Duration) {
	t := end.UnixNano()
	for i := range e.slots {
		s := &e.slots[i]
		s.mu.Lock()
		if s.on.Load() {
			e.addEscalated(s.since.Load(), min(s.hot.Load()+int64(e.cfg.Cool), t))
			s.on.Store(false)
		}
		s.mu.Unlock()
	}
	return e.escalations.Load(), time.Duration(e.escalatedNs.Load())
}

func (e *Escalation) slot(key int) *keyState {
	return &e.slots[uint(key)%uint(len(e.slots))]
}

// escalated reports whether key is escalated at now, de-escalating it
// if it has cooled.
func (e *Escalation) escalated(key int, now int64) bool {
	s := e.slot(key)
	if !s.on.Load() || s.owner.Load() != int64(key)+1 {
		return false
	}
	if now-s.hot.Load() < int64(e.cfg.Cool) {
		return true
	}
	s.mu.Lock()
	if s.on.Load() && now-s.hot.Load() >= int64(e.cfg.Cool) {
		e.addEscalated(s.since.Load(), s.hot.Load()+int64(e.cfg.Cool))
		s.on.Store(false)
		s.count = 0
	}
	on := s.on.Load()
	s.mu.Unlock()
	return on
}

// conflict counts an optimistic attempt's conflict on key at now, and
// escalates the key at the After-th in its window. On a key already
// escalated (an attempt in flight since before) it is contention.
func (e *Escalation) conflict(key int, now int64) {
	s := e.slot(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.owner.Load(); o != int64(key)+1 {
		if o != 0 && (s.on.Load() || (s.count > 0 && now-s.opened <= int64(e.cfg.Window))) {
			return // the slot follows another key
		}
		s.owner.Store(int64(key) + 1)
		s.count = 0
	}
	if s.on.Load() {
		raise(&s.hot, now)
		return
	}
	if s.count == 0 || now-s.opened > int64(e.cfg.Window) {
		s.opened, s.count = now, 0
	}
	s.count++
	if int(s.count) < e.cfg.After {
		return
	}
	s.count = 0
	s.since.Store(now)
	s.hot.Store(now)
	s.on.Store(true)
	if now >= e.from && (e.to == 0 || now < e.to) {
		e.escalations.Add(1)
	}
}

// addEscalated adds the part of [from, to) inside the measured window.
func (e *Escalation) addEscalated(from, to int64) {
	from = max(from, e.from)
	if e.to != 0 {
		to = min(to, e.to)
	}
	if to > from {
		e.escalatedNs.Add(to - from)
	}
}

// raise sets v to now if now is later.
func raise(v *atomic.Int64, now int64) {
	for {
		old := v.Load()
		if now <= old || v.CompareAndSwap(old, now) {
			return
		}
	}
}

// hybrid writes optimistically, and through a lock on the keys its
// Escalation has escalated.
type hybrid struct {
	opt    optimistic
	row    drivers.LockedUpdater // HybridRow; nil for HybridLease
	cas    drivers.CompareAndSwapper
	leaser drivers.Leaser // HybridLease
	ttl    time.Duration
	clock  clock.Clock
	win    window
	esc    *Escalation
}

func (s *hybrid) Name() string       { return Hybrid }
func (s *hybrid) LossExpected() bool { return false }

// Attempt makes one attempt at op: through the lock when op's key is
// escalated (op.Escalated is then true), else optimistic, counting a
// conflict towards the key's escalation.
func (s *hybrid) Attempt(ctx context.Context, op *Op) error {
	now := s.clock.Now().UnixNano()
	if s.esc.escalated(op.Key, now) {
		op.Escalated = true
		op.fresh = false
		op.MergeNow = false
		return s.locked(ctx, op, now)
	}
	op.Escalated = false
	err := s.opt.Attempt(ctx, op)
	if err != nil && drivers.KindOf(err) != drivers.NotConflict {
		s.esc.conflict(op.Key, s.clock.Now().UnixNano())
	}
	return err
}

func (s *hybrid) locked(ctx context.Context, op *Op, now int64) error {
	ks := s.esc.slot(op.Key)
	if ks.inflight.Add(1) > 1 {
		raise(&ks.hot, now)
	}
	var err error
	if s.row != nil {
		op.fill(&op.w)
		op.w.Hold = op.holdFunc(s.win)
		err = s.row.LockedUpdate(ctx, &op.w)
	} else {
		err = s.leased(ctx, op)
	}
	ks.inflight.Add(-1)
	if err != nil && drivers.KindOf(err) != drivers.NotConflict {
		raise(&ks.hot, s.clock.Now().UnixNano())
	}
	return err
}

// leased is the lease strategy's attempt with a conditional write under
// the lease: the version read under the lease is the fence (an older
// holder's write fails on it), and an optimistic write still in flight
// from before the escalation cannot be overwritten.
func (s *hybrid) leased(ctx context.Context, op *Op) error {
	holder := op.Writer + 1
	fence, err := s.leaser.Acquire(ctx, op.Key, holder, s.ttl)
	if err != nil {
		return err
	}
	if op.hb == nil {
		op.hb = newHeartbeat(s.leaser, s.ttl, nil, s.clock)
	}
	op.hb.hold(ctx, op.Key, holder, fence)
	err = s.underLease(ctx, op)
	op.hb.drop()
	if rerr := s.leaser.Release(ctx, op.Key, holder, fence); rerr != nil && err == nil && drivers.KindOf(rerr) == drivers.NotConflict {
		return fmt.Errorf("hybrid: lease release after commit: %w", rerr)
	}
	return err
}

func (s *hybrid) underLease(ctx context.Context, op *Op) error {
	if err := s.cas.Read(ctx, op.Key, &op.doc); err != nil {
		return err
	}
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
	return s.cas.CompareAndSwap(ctx, w)
}

// newHybrid is New's hybrid case: conditional writes, and the chosen
// lock (a lease of the lease store, or the store's row lock).
func newHybrid(store drivers.Store, c Config, win window,
	have func(any, drivers.Capability, bool, string) error, holdInStore func() error, opScope func(bool) error) (Strategy, error) {
	cas, ok := store.(drivers.CompareAndSwapper)
	if err := have(store, drivers.CapCompareAndSwap, ok, ""); err != nil {
		return nil, err
	}
	h, err := c.Hybrid.Resolved()
	if err != nil {
		return nil, err
	}
	if err := opScope(false); err != nil {
		return nil, err
	}
	s := &hybrid{opt: optimistic{store: cas, merge: c.Merge, win: win}, cas: cas, clock: c.Clock, win: win, esc: c.Escalation}
	switch h.Lock {
	case HybridRow:
		row, ok := store.(drivers.LockedUpdater)
		if err := have(store, drivers.CapLockedUpdate, ok, " (use --hybrid-lock lease)"); err != nil {
			return nil, fmt.Errorf("--hybrid-lock row: %w", err)
		}
		if err := holdInStore(); err != nil {
			return nil, err
		}
		s.row = row
	default:
		l := c.Leaser
		if l == nil {
			l, ok = store.(drivers.Leaser)
		}
		if err := have(l, drivers.CapLease, ok, " (use --lease-store or --hybrid-lock row)"); err != nil {
			return nil, fmt.Errorf("--hybrid-lock lease: %w", err)
		}
		s.leaser = l
		s.ttl = c.LeaseTTL
		if s.ttl <= 0 {
			s.ttl = DefaultLeaseTTL
		}
	}
	if s.esc == nil {
		if s.esc, err = NewEscalation(0, h); err != nil {
			return nil, err
		}
	}
	return s, nil
}
