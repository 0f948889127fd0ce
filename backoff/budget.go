package backoff

import (
	"fmt"
	"math"
	"sync/atomic"
)

// AWS SDK retry quota defaults: a retry costs 5 tokens, a success refunds 1.
const (
	DefaultRetryCost = 5
	DefaultRefund    = 1
)

// Tokens are stored as integer milli-tokens so the bucket fits one atomic
// int64; maxBudgetTokens keeps every sum of two amounts far from overflow.
const (
	milli           = 1000
	maxBudgetTokens = 1e12
)

// Budget is a token bucket of retries shared by all writers of a cell. It
// starts full. A nil *Budget means "no budget": Withdraw always succeeds and
// Refund does nothing. Budget is safe for concurrent use, lock-free and does
// not allocate.
type Budget struct {
	tokens   atomic.Int64 // milli-tokens, 0 … capacity
	capacity int64
	cost     int64
	refund   int64
}

// NewBudget returns a full bucket of capacity tokens from which each retry
// withdraws retryCost and to which each committed op refunds successRefund.
// Amounts are kept to a thousandth of a token. Errors name the scenario field
// at fault.
func NewBudget(capacity, retryCost, successRefund float64) (*Budget, error) {
	c, err := toMilli("budget", capacity, false)
	if err != nil {
		return nil, err
	}
	cost, err := toMilli("budget_retry_cost", retryCost, false)
	if err != nil {
		return nil, err
	}
	ref, err := toMilli("budget_refund", successRefund, true)
	if err != nil {
		return nil, err
	}
	b := &Budget{capacity: c, cost: cost, refund: ref}
	b.tokens.Store(c)
	return b, nil
}

// toMilli converts a token amount to milli-tokens. It rejects NaN, infinite
// and huge values, negative values, and, unless zeroOK, values that round to
// zero.
func toMilli(field string, v float64, zeroOK bool) (int64, error) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v > maxBudgetTokens:
		return 0, fmt.Errorf("%s: must be a finite number ≤ %g, got %v", field, float64(maxBudgetTokens), v)
	case zeroOK && v < 0:
		return 0, fmt.Errorf("%s: must be ≥ 0, got %v", field, v)
	case !zeroOK && v <= 0:
		return 0, fmt.Errorf("%s: must be > 0, got %v", field, v)
	}
	m := int64(math.Round(v * milli))
	if !zeroOK && m == 0 {
		return 0, fmt.Errorf("%s: must be ≥ 0.001, got %v", field, v)
	}
	return m, nil
}

// Withdraw spends the cost of one retry and reports whether it could. When
// fewer than retryCost tokens remain it spends nothing and returns false: the
// op should give up with reason "budget". A nil *Budget always returns true.
func (b *Budget) Withdraw() bool {
	if b == nil {
		return true
	}
	for {
		cur := b.tokens.Load()
		if cur < b.cost {
			return false
		}
		if b.tokens.CompareAndSwap(cur, cur-b.cost) {
			return true
		}
	}
}

// Refund returns successRefund tokens after a committed op, never filling
// the bucket beyond its capacity. A nil *Budget does nothing.
func (b *Budget) Refund() {
	if b == nil || b.refund == 0 {
		return
	}
	for {
		cur := b.tokens.Load()
		next := min(cur+b.refund, b.capacity)
		if next == cur || b.tokens.CompareAndSwap(cur, next) {
			return
		}
	}
}

// Tokens returns the tokens left, to a thousandth. A nil *Budget returns
// +Inf.
func (b *Budget) Tokens() float64 {
	if b == nil {
		return math.Inf(1)
	}
	return float64(b.tokens.Load()) / milli
}
