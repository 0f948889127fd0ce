package drivers

import (
	"context"
	"fmt"
	"time"
)

// IdempotencyStore is an idempotency store (seed 001's "idempotency
// stores"): a table of entries, one per idempotency key, each PENDING,
// COMPLETED or FAILED, with the request hash of the delivery that
// created it and an expiry (TTL). A delivery claims its key with Begin,
// applies its effect and marks the entry COMPLETED in one atomic step
// with Complete, or gives the claim up with Fail. The entries live
// beside the cell's documents: Setup drops them with the documents.
//
// Times are the client's (IdemRequest.Now, from the run's clock), so
// that a test drives staleness and expiry with a fake clock, and so that
// every store judges them alike. The key space is per cell.
type IdempotencyStore interface {
	// Begin looks key r.Key up and claims it for the delivery r when it
	// may apply its effect, in one atomic step (a unique constraint,
	// SET NX, a unique _id), and says what it found in c:
	//
	//   - no entry, or one that expired (ExpiresAt ≤ r.Now): it creates
	//     a PENDING entry with r.Hash, r.Token, r.Now and r.Now+r.TTL;
	//     IdemNew.
	//   - an entry with another request hash: IdemMismatch, nothing
	//     changes (the same key for a different request is refused).
	//   - COMPLETED: IdemCompleted (a duplicate, suppressed).
	//   - FAILED: it claims the entry anew, as for no entry; IdemRetry.
	//   - PENDING since at most r.StaleAfter: IdemPending (another
	//     delivery is in progress; the caller retries later).
	//   - PENDING for longer (its claimer died): it takes the entry over
	//     with r.Token and r.Now; IdemRecovered, and c.PendingSince is
	//     when the abandoned claim was made.
	//
	// A claim made by Begin (IdemNew, IdemRetry, IdemRecovered) belongs
	// to r.Token until Complete, Fail or a takeover.
	Begin(ctx context.Context, r *IdemRequest, c *IdemClaim) error
	// Complete applies the delivery's effect to document r.Doc (version
	// +1, counter +1, writer, op and updated_at as a CompareAndSwap
	// would) and marks entry r.Key COMPLETED, in one atomic step (a
	// transaction, a script), if r.Token still holds the PENDING claim.
	// Otherwise it changes nothing and returns an ErrClaimLost conflict
	// (another delivery took the claim over).
	Complete(ctx context.Context, r *IdemRequest) error
	// Fail marks entry r.Key FAILED if r.Token still holds its PENDING
	// claim (the next delivery may claim it at once); an ErrClaimLost
	// conflict otherwise.
	Fail(ctx context.Context, r *IdemRequest) error
	// IdemTotals counts the cell's entries, for the audit.
	IdemTotals(ctx context.Context) (IdemTotals, error)
}

// IdemRequest is one delivery of an idempotent operation.
type IdemRequest struct {
	Key        int64         // idempotency key, > 0
	Hash       uint64        // request hash: the same request always has the same
	Token      int64         // claim token, unique per claim, > 0
	Doc        int           // document the effect applies to
	Writer, Op int64         // metadata of the effect's write
	Now        int64         // Unix nanoseconds, the client's clock
	TTL        time.Duration // an entry expires TTL after its claim
	StaleAfter time.Duration // a PENDING entry older than this is abandoned
}

// IdemState is what Begin found.
type IdemState uint8

const (
	IdemNew       IdemState = iota + 1 // no live entry: claimed
	IdemRetry                          // a FAILED entry: claimed anew
	IdemRecovered                      // a stale PENDING entry: taken over
	IdemPending                        // a fresh PENDING entry: in progress elsewhere
	IdemCompleted                      // a COMPLETED entry with the same hash: a duplicate
	IdemMismatch                       // an entry with another request hash: refused
)

var idemStateNames = [...]string{
	IdemNew: "new", IdemRetry: "retry", IdemRecovered: "recovered",
	IdemPending: "pending", IdemCompleted: "completed", IdemMismatch: "mismatch",
}

// String names the state.
func (s IdemState) String() string {
	if int(s) < len(idemStateNames) && idemStateNames[s] != "" {
		return idemStateNames[s]
	}
	return "unknown"
}

// Claimed reports whether Begin gave the delivery the claim.
func (s IdemState) Claimed() bool { return s == IdemNew || s == IdemRetry || s == IdemRecovered }

// IdemClaim is Begin's answer.
type IdemClaim struct {
	State IdemState
	// PendingSince is, for IdemRecovered, when the abandoned PENDING
	// claim was made (Unix nanoseconds): the crash.
	PendingSince int64
}

// IdemTotals counts idempotency entries.
type IdemTotals struct {
	// Completed is the number of distinct keys ever completed in the
	// cell, an expired entry's included: a double apply shows as
	// Σ counter > Completed.
	Completed int64
	Pending   int64 // entries PENDING now
	Failed    int64 // entries FAILED now
}

// Entry states as stores keep them.
const (
	IdemStatusPending   = "PENDING"
	IdemStatusCompleted = "COMPLETED"
	IdemStatusFailed    = "FAILED"
)

// ErrClaimLost is the conflict of a Complete or Fail whose claim another
// delivery took over. Its kind is LeaseLost: the claim is a lease on the
// key.
var ErrClaimLost error = &ConflictError{Kind: LeaseLost, Err: errClaimLost}

var errClaimLost = fmt.Errorf("idempotency claim taken over")

// IdemDecide is the decision every store makes in Begin, as a pure
// function of the entry it found (found = false: none), the request and
// its time: the state to answer and whether the store must write a new
// claim (r's hash, token, now, now+TTL, PENDING). Stores that decide in
// the client (inside their transaction or with a conditional write) call
// it; stores that decide in a server-side script mirror it.
func IdemDecide(found bool, status string, hash uint64, claimedAt, expiresAt int64, r *IdemRequest) (IdemState, bool) {
	switch {
	case !found || expiresAt <= r.Now:
		return IdemNew, true
	case hash != r.Hash:
		return IdemMismatch, false
	case status == IdemStatusCompleted:
		return IdemCompleted, false
	case status == IdemStatusFailed:
		return IdemRetry, true
	case r.Now-claimedAt > int64(r.StaleAfter):
		return IdemRecovered, true
	}
	return IdemPending, false
}

// CheckIdem reports the first field of r that is out of range.
func CheckIdem(r *IdemRequest) error {
	switch {
	case r.Key <= 0:
		return fmt.Errorf("idempotency key: must be > 0, got %d", r.Key)
	case r.Token <= 0:
		return fmt.Errorf("idempotency token: must be > 0, got %d", r.Token)
	case r.TTL <= 0:
		return fmt.Errorf("idempotency ttl: must be > 0, got %v", r.TTL)
	case r.StaleAfter <= 0:
		return fmt.Errorf("idempotency stale_after: must be > 0, got %v", r.StaleAfter)
	}
	return nil
}
