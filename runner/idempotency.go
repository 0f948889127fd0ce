package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// The idempotent strategy (scenario "idempotency") runs in the ordinary
// delivery loop: one op is one delivery, retried after the backoff when
// its key is in progress elsewhere or its claim was taken over. Two
// things differ, both here: the audit's expected count is the effects
// applied (a suppressed duplicate, a refused mismatch and a crash commit
// no change), and a second audit compares the documents' counters with
// the distinct keys the store completed, which fails the cell on any
// double apply.

// idemCell returns the cell state of an idempotent cell, nil for any
// other strategy.
func idemCell(sc *scenarios.Scenario, strategyName string) (*strategy.Idempotency, error) {
	if strategyName != strategy.Idempotent {
		return nil, nil
	}
	b := sc.Idem()
	return strategy.NewIdempotency(strategy.IdemParams{
		DuplicateRate: b.DuplicateRate, CrashRate: b.CrashRate, MismatchRate: b.MismatchRate,
		TTL: b.TTL.D(), StaleAfter: b.StaleAfter.D(),
	})
}

// idemSum adds the writers' tallies.
func idemSum(tallies []strategy.IdemTally) strategy.IdemTally {
	var t strategy.IdemTally
	for i := range tallies {
		t.Add(&tallies[i])
	}
	return t
}

// NonAtomicIdempotency is implemented by stores whose claim and
// completion are not atomic (FerretDB's conditional updates): their
// double applies are reported, not hidden, with the reason.
type NonAtomicIdempotency interface {
	IdempotencyNotAtomic() string
}

// idemAudit fills c.Idempotency from the writers' tally and the store's
// entries, and fails c.Audit on a double apply: Σ counter (totals) above
// the distinct keys completed. A store whose entries cannot be read
// leaves the audit unavailable.
func idemAudit(ctx context.Context, c *results.Cell, st drivers.Store, t *strategy.IdemTally, totals drivers.Totals, bound time.Duration) {
	i := &results.Idempotency{
		Deliveries: t.Deliveries, Duplicates: t.Duplicates, Applied: t.Applied,
		DuplicatesSuppressed: t.Suppressed, HashMismatch: t.Mismatch, Crashed: t.Crashed,
		StalePendingRecovered: t.StaleRecovered, InProgress: t.InProgress, ClaimsLost: t.ClaimsLost,
		RecoveryLatencyMS: results.RecoveryOf(t.Recovery),
	}
	c.Idempotency = i
	if t.Recovery != nil && t.Recovery.TotalCount() > 0 {
		if enc, err := results.EncodeHistogram(t.Recovery); err == nil {
			c.Histograms[results.HistIdemRecovery] = enc
		}
	}
	why := ""
	if na, ok := st.(NonAtomicIdempotency); ok {
		why = na.IdempotencyNotAtomic()
		i.NonAtomic = why != ""
	}
	if c.Audit.Unavailable != "" || c.Audit.StoreReset {
		return
	}
	is, ok := st.(drivers.IdempotencyStore)
	if !ok {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	it, err := is.IdemTotals(actx)
	if err != nil {
		c.Audit = Unavailable(c.Audit.Expected, c.Audit.Indeterminate, fmt.Sprintf("idempotency entries: %v", err))
		return
	}
	i.CompletedKeys, i.PendingAtEnd, i.FailedAtEnd = it.Completed, it.Pending, it.Failed
	i.DoubleApplied = totals.Counter - it.Completed
	switch {
	case i.DoubleApplied > 0:
		c.Audit.OK = false
		c.Audit.Verdict = fmt.Sprintf("DOUBLE APPLIED: the documents' counters sum to %d for %d distinct keys completed: %d effects applied twice", totals.Counter, it.Completed, i.DoubleApplied)
		if why != "" {
			c.Audit.Verdict += " (" + why + ")"
		}
	case i.DoubleApplied < 0:
		c.Audit.OK = false
		c.Audit.Verdict = fmt.Sprintf("LOST EFFECTS: %d keys are marked COMPLETED but the documents' counters sum to %d: %d completions applied nothing", it.Completed, totals.Counter, -i.DoubleApplied)
		i.DoubleApplied = 0
		if why != "" {
			c.Audit.Verdict += " (" + why + ")"
		}
	case c.Audit.OK:
		c.Audit.Verdict += fmt.Sprintf("; %d keys completed once each, %d duplicates suppressed", it.Completed, t.Suppressed)
	}
}
