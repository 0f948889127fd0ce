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
func idemCell(sc *scenarios.Scenario, strategyName string, trial int) (*strategy.Idempotency, error) {
	if strategyName != strategy.Idempotent {
		return nil, nil
	}
	b := sc.Idem()
	return strategy.NewIdempotency(strategy.IdemParams{
		DuplicateRate: b.DuplicateRate, CrashRate: b.CrashRate, MismatchRate: b.MismatchRate,
		TTL: b.TTL.D(), StaleAfter: b.StaleAfter.D(),
		// Processes merged later (occbench merge) run with different
		// seeds: their keys must not collide.
		KeyPrefix: int64(StoreSeed(sc.Seed, trial) & strategy.MaxIdemKeyPrefix),
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
	IdemVerdict(&c.Audit, i, totals.Counter, why)
}

// IdemVerdict sets i.DoubleApplied from the documents' Σ counter and the
// distinct keys completed (i.CompletedKeys), and fails a on a double
// apply (or on completions that applied nothing), naming why, the
// store's reason when it declared itself not atomic ("" = none). The
// runner calls it after its audit; merge after recomputing the merged
// audit.
func IdemVerdict(a *results.Audit, i *results.Idempotency, counter int64, why string) {
	i.DoubleApplied = counter - i.CompletedKeys
	if a.Unavailable != "" || a.StoreReset {
		i.DoubleApplied = max(i.DoubleApplied, 0)
		return
	}
	note := ""
	if why != "" {
		note = " (" + why + ")"
	}
	// set puts v first, keeping what the counter audit found.
	set := func(v string) {
		if !a.OK && a.Verdict != "" {
			v += "; " + a.Verdict
		}
		a.OK, a.Verdict = false, v
	}
	switch {
	case i.DoubleApplied > 0:
		set(fmt.Sprintf("DOUBLE APPLIED: the documents' counters sum to %d for %d distinct keys completed: %d effects applied twice%s", counter, i.CompletedKeys, i.DoubleApplied, note))
	case i.DoubleApplied < 0:
		set(fmt.Sprintf("LOST EFFECTS: %d keys are marked COMPLETED but the documents' counters sum to %d: %d completions are missing%s", i.CompletedKeys, counter, -i.DoubleApplied, note))
		i.DoubleApplied = 0
	case a.OK:
		a.Verdict += fmt.Sprintf("; %d keys completed once each, %d duplicates suppressed", i.CompletedKeys, i.DuplicatesSuppressed)
	}
}
