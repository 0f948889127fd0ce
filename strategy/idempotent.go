package strategy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// Idempotent delivers operations that carry an idempotency key to a
// drivers.IdempotencyStore: the scenario "idempotency" (seed 001's
// idempotency store under redelivery).
const Idempotent = "idempotent"

// IdemParams are the idempotency scenario's settings.
type IdemParams struct {
	// DuplicateRate is the fraction of deliveries that redeliver an
	// earlier delivery's key (a consumer redelivery, a client retry
	// after a timeout), 0 … 1.
	DuplicateRate float64
	// CrashRate is the fraction of deliveries whose writer dies after
	// its claim (PENDING) and before Complete: it abandons the entry.
	CrashRate float64
	// MismatchRate is the fraction of redeliveries that carry another
	// request under the same key (a client bug): the store refuses them.
	MismatchRate float64
	TTL          time.Duration // entries expire this long after their claim
	StaleAfter   time.Duration // a PENDING entry older than this is abandoned
	// KeyPrefix, 0 … MaxIdemKeyPrefix, is the top bits of every key and
	// claim token the cell makes: keys are prefix<<48 | (writer+1)<<32 |
	// n, so that processes with different prefixes (the runner derives
	// it from the seed) share a store without sharing keys.
	KeyPrefix int64
}

// MaxIdemKeyPrefix bounds IdemParams.KeyPrefix.
const MaxIdemKeyPrefix = 1<<14 - 1

// Defaults of IdemParams' durations.
const (
	DefaultIdemTTL        = time.Minute
	DefaultIdemStaleAfter = 500 * time.Millisecond
)

// Check reports the first setting out of range, naming its scenario
// field and flag.
func (p IdemParams) Check() error {
	rate := func(name, flag string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("idempotency.%s (--%s): must be in [0, 1], got %v", name, flag, v)
		}
		return nil
	}
	if err := rate("duplicate_rate", "duplicate-rate", p.DuplicateRate); err != nil {
		return err
	}
	if err := rate("crash_rate", "crash-rate", p.CrashRate); err != nil {
		return err
	}
	if err := rate("mismatch_rate", "mismatch-rate", p.MismatchRate); err != nil {
		return err
	}
	if p.KeyPrefix < 0 || p.KeyPrefix > MaxIdemKeyPrefix {
		return fmt.Errorf("idempotency key prefix: must be 0 … %d, got %d", MaxIdemKeyPrefix, p.KeyPrefix)
	}
	if p.StaleAfter <= 0 {
		return fmt.Errorf("idempotency.stale_after (--stale-after): must be > 0, got %v", p.StaleAfter)
	}
	if p.TTL <= p.StaleAfter {
		return fmt.Errorf("idempotency.ttl (--idempotency-ttl): must be > stale_after (%v), got %v", p.StaleAfter, p.TTL)
	}
	return nil
}

// Idempotency is what the idempotent strategy's writers share in one
// cell: the settings and a ring of recently delivered requests, from
// which redeliveries draw (so that a key is redelivered to any writer,
// as a broker does). The runner makes one per cell (NewIdempotency) and
// gives it to every writer's strategy through Config.Idem.
type Idempotency struct {
	IdemParams

	mu   sync.Mutex
	ring [idemRing]delivered
	n    int // requests put in the ring so far
}

// idemRing is how many recent requests redeliveries draw from.
const idemRing = 1024

// delivered is a request as a redelivery repeats it.
type delivered struct {
	key int64
	doc int
}

// NewIdempotency checks p and returns a cell's shared state.
func NewIdempotency(p IdemParams) (*Idempotency, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	return &Idempotency{IdemParams: p}, nil
}

func (s *Idempotency) put(d delivered) {
	s.mu.Lock()
	s.ring[s.n%idemRing] = d
	s.n++
	s.mu.Unlock()
}

// pick returns a recently delivered request, chosen by u in [0, 1).
func (s *Idempotency) pick(u float64) (delivered, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(s.n, idemRing)
	if n == 0 {
		return delivered{}, false
	}
	return s.ring[int(u*float64(n))%n], true
}

// IdemTally is one writer's idempotency counts over a whole cell (the
// warmup included, as the audit counts): what results.Idempotency
// reports, summed over the writers.
type IdemTally struct {
	Deliveries     int64 // operations delivered (an op of the runner)
	Duplicates     int64 // of which redeliveries of an earlier key
	Applied        int64 // Complete committed: the effect was applied
	Suppressed     int64 // Begin found the key COMPLETED: suppressed
	Mismatch       int64 // Begin found the key with another hash: refused
	Crashed        int64 // the writer died after its claim: abandoned
	StaleRecovered int64 // Begin took a stale PENDING entry over
	InProgress     int64 // Begin found a fresh PENDING entry: retried later
	ClaimsLost     int64 // Complete found its claim taken over
	// Recovery is the latency of each stale-PENDING recovery, from the
	// abandoned claim (the crash) to the takeover, µs.
	Recovery *hdrhistogram.Histogram
}

// Add adds o's counts and histogram to t.
func (t *IdemTally) Add(o *IdemTally) {
	t.Deliveries += o.Deliveries
	t.Duplicates += o.Duplicates
	t.Applied += o.Applied
	t.Suppressed += o.Suppressed
	t.Mismatch += o.Mismatch
	t.Crashed += o.Crashed
	t.StaleRecovered += o.StaleRecovered
	t.InProgress += o.InProgress
	t.ClaimsLost += o.ClaimsLost
	if o.Recovery != nil {
		if t.Recovery == nil {
			t.Recovery = newIdemHist()
		}
		t.Recovery.Merge(o.Recovery)
	}
}

func newIdemHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(results.HistLowest, results.HistHighest, results.HistSigFigs)
}

// idemCrashQueue bounds the crashed claims a writer keeps for
// redelivery; a writer whose queue is full does not crash.
const idemCrashQueue = 4096

// idemWriter is one writer's delivery state, made at its first attempt.
type idemWriter struct {
	req     drivers.IdemRequest
	claim   drivers.IdemClaim
	op      int64 // op.ID+1 of the delivery in req; 0 = none
	claimed bool  // req.Token holds the key's PENDING claim
	crash   bool  // this delivery dies after its claim
	seq     int64 // new keys made
	tokens  int64 // claims tokens made

	crashed    [idemCrashQueue]crashedClaim // FIFO of abandoned claims
	head, size int
}

type crashedClaim struct {
	key  int64
	hash uint64
	doc  int
	at   int64 // Unix nanoseconds of the claim
}

type idempotent struct {
	store drivers.IdempotencyStore
	cell  *Idempotency
}

func (s *idempotent) Name() string       { return Idempotent }
func (s *idempotent) LossExpected() bool { return false }

// Attempt makes one attempt at op's delivery. The first attempt of an
// op (op.ID) picks its request: a crashed claim due for redelivery (its
// broker's visibility timeout, stale_after, has passed), else with
// probability DuplicateRate a recent request of any writer (with
// probability MismatchRate under another hash), else a new key for
// document op.Key. Every attempt then claims the key (Begin) unless it
// holds the claim, and applies the effect (Complete). A delivery ends
// (nil) when it applied, was suppressed as a duplicate, was refused for
// its hash, or crashed; a fresh PENDING entry (in progress elsewhere)
// or a claim taken over is a conflict (LeaseHeld, LeaseLost) the runner
// retries after its backoff; an error after the claim marks it FAILED
// when the effect cannot have landed, so that the retry claims it anew.
func (s *idempotent) Attempt(ctx context.Context, op *Op) error {
	iw := op.idem
	if iw == nil {
		iw = &idemWriter{}
		op.idem = iw
		op.Idem.Recovery = newIdemHist()
	}
	p := &s.cell.IdemParams
	if iw.op != op.ID+1 {
		s.deliver(op, iw, p)
	}
	r := &iw.req
	r.Now = op.Now
	if !iw.claimed {
		iw.tokens++
		r.Token = s.cell.KeyPrefix<<48 | (op.Writer+1)<<32 | iw.tokens
		if err := s.store.Begin(ctx, r, &iw.claim); err != nil {
			return err
		}
		switch iw.claim.State {
		case drivers.IdemCompleted:
			op.Idem.Suppressed++
			return nil
		case drivers.IdemMismatch:
			op.Idem.Mismatch++
			return nil
		case drivers.IdemPending:
			op.Idem.InProgress++
			return drivers.ErrLeaseHeld
		case drivers.IdemRecovered:
			op.Idem.StaleRecovered++
			us := (r.Now - iw.claim.PendingSince) / int64(time.Microsecond)
			_ = op.Idem.Recovery.RecordValue(min(max(us, results.HistLowest), results.HistHighest)) // clamped: in range
		case drivers.IdemNew, drivers.IdemRetry:
		default:
			return fmt.Errorf("idempotent: begin: unknown state %d", iw.claim.State)
		}
		iw.claimed = true
		if iw.crash && iw.size < idemCrashQueue {
			// The writer dies here: the PENDING entry is abandoned, and
			// its broker redelivers it once stale_after has passed.
			iw.crashed[(iw.head+iw.size)%idemCrashQueue] = crashedClaim{key: r.Key, hash: r.Hash, doc: r.Doc, at: r.Now}
			iw.size++
			iw.claimed = false
			op.Idem.Crashed++
			return nil
		}
	}
	err := s.store.Complete(ctx, r)
	switch {
	case err == nil:
		iw.claimed = false
		op.Idem.Applied++
		return nil
	case drivers.KindOf(err) != drivers.NotConflict:
		iw.claimed = false // taken over: claim again
		op.Idem.ClaimsLost++
		return err
	case !drivers.MayHaveCommitted(err) && ctx.Err() == nil:
		// The effect did not land: give the claim up so that the retry
		// claims it at once rather than after stale_after.
		if ferr := s.store.Fail(ctx, r); ferr == nil || drivers.KindOf(ferr) != drivers.NotConflict {
			iw.claimed = false
		}
	}
	// Otherwise the claim is kept: the retry completes it, or Begin
	// finds it COMPLETED if the effect landed after all.
	return err
}

// deliver picks the request of op's delivery.
func (s *idempotent) deliver(op *Op, iw *idemWriter, p *IdemParams) {
	iw.op = op.ID + 1
	iw.claimed = false
	r := &iw.req
	r.Writer, r.Op, r.TTL, r.StaleAfter = op.Writer, op.ID, p.TTL, p.StaleAfter
	op.Idem.Deliveries++
	if iw.size > 0 && op.Now-iw.crashed[iw.head].at > int64(p.StaleAfter) {
		c := iw.crashed[iw.head]
		iw.head = (iw.head + 1) % idemCrashQueue
		iw.size--
		r.Key, r.Hash, r.Doc = c.key, c.hash, c.doc
		op.Idem.Duplicates++
		iw.crash = false
		return
	}
	iw.crash = p.CrashRate > 0 && op.Rand.Float64() < p.CrashRate
	if p.DuplicateRate > 0 && op.Rand.Float64() < p.DuplicateRate {
		if d, ok := s.cell.pick(op.Rand.Float64()); ok {
			r.Key, r.Doc, r.Hash = d.key, d.doc, IdemHash(d.key)
			if p.MismatchRate > 0 && op.Rand.Float64() < p.MismatchRate {
				r.Hash ^= 0x9e3779b97f4a7c15 // another request under the same key
			}
			op.Idem.Duplicates++
			return
		}
	}
	iw.seq++
	r.Key = p.KeyPrefix<<48 | (op.Writer+1)<<32 | iw.seq
	r.Doc = op.Key
	r.Hash = IdemHash(r.Key)
	s.cell.put(delivered{key: r.Key, doc: r.Doc})
}

// IdemHash is the request hash of the request first delivered under key:
// splitmix64 of the key.
func IdemHash(key int64) uint64 {
	z := uint64(key) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newIdempotent builds the idempotent strategy over store.
func newIdempotent(store drivers.Store, driverName string, c Config, have func(any, drivers.Capability, bool, string) error) (Strategy, error) {
	s, ok := store.(drivers.IdempotencyStore)
	if err := have(store, drivers.CapIdempotency, ok, ""); err != nil {
		return nil, err
	}
	if !c.Hold.IsZero() {
		return nil, errors.New("--hold: strategy idempotent has no read-modify-write window (Complete applies the effect in one step); use --hold 0")
	}
	if c.Scope != drivers.ScopeDocument {
		return nil, fmt.Errorf("--scope %s: strategy idempotent applies its effect to the whole document; use --scope document", c.Scope)
	}
	cell := c.Idem
	if cell == nil {
		var err error
		if cell, err = NewIdempotency(IdemParams{TTL: DefaultIdemTTL, StaleAfter: DefaultIdemStaleAfter}); err != nil {
			return nil, err
		}
	}
	return &idempotent{store: s, cell: cell}, nil
}
