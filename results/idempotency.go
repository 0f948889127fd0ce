package results

import (
	"fmt"

	"github.com/occbench/occbench/internal/textout"
)

// HistIdemRecovery is the latency of each stale-PENDING recovery of an
// idempotency cell: from the abandoned claim (the crash) to the
// redelivery that took it over, µs. Only cells of the idempotent
// strategy have it.
const HistIdemRecovery = "idem_recovery"

// Idempotency is what the idempotent strategy's deliveries did in a
// cell (scenario "idempotency"), over the whole cell, warmup included,
// as the audit counts. nil in every other cell.
type Idempotency struct {
	Deliveries int64 `json:"deliveries"` // operations delivered (the runner's ops, warmup included)
	Duplicates int64 `json:"duplicates"` // deliveries of an earlier key: duplicate_rate, and redeliveries of crashed claims
	Applied    int64 `json:"applied"`    // effects applied (Complete committed): the audit's expected count
	// DuplicatesSuppressed counts deliveries that found their key
	// COMPLETED and applied nothing.
	DuplicatesSuppressed int64 `json:"duplicates_suppressed"`
	// DoubleApplied is Σ counter − distinct keys completed, as the store
	// holds them after the cell: effects applied more than once. It must
	// be 0; a positive value fails the audit.
	DoubleApplied int64 `json:"double_applied"`
	// HashMismatch counts redeliveries whose request hash differed from
	// the entry's: refused and counted (mismatch_rate).
	HashMismatch int64 `json:"hash_mismatch"`
	// Crashed counts deliveries whose writer died between PENDING and
	// COMPLETED (crash_rate), abandoning the entry.
	Crashed int64 `json:"crashed"`
	// StalePendingRecovered counts redeliveries that found a PENDING
	// entry older than stale_after and took it over.
	StalePendingRecovered int64 `json:"stale_pending_recovered"`
	// RecoveryLatencyMS summarises HistIdemRecovery: from the crash to
	// the takeover (Ops = StalePendingRecovered).
	RecoveryLatencyMS Recovery `json:"recovery_latency_ms"`
	// InProgress counts claims refused because a fresh PENDING entry held
	// the key (another delivery at work): retried after the backoff, as
	// lease_held conflicts.
	InProgress int64 `json:"in_progress"`
	// ClaimsLost counts completions refused because the claim had been
	// taken over (lease_lost conflicts).
	ClaimsLost int64 `json:"claims_lost"`
	// CompletedKeys, PendingAtEnd and FailedAtEnd are the store's
	// entries after the cell (drivers.IdemTotals).
	CompletedKeys int64 `json:"completed_keys"`
	PendingAtEnd  int64 `json:"pending_at_end"`
	FailedAtEnd   int64 `json:"failed_at_end"`
	// NonAtomic is set when the store declares that its claim and its
	// completion are not atomic (FerretDB): double applies are expected
	// there, and reported.
	NonAtomic bool `json:"non_atomic,omitempty"`
}

// Add adds o's counts to i (merge): the recovery summary is left to the
// caller, which recomputes it from the merged histogram.
func (i *Idempotency) Add(o *Idempotency) {
	i.Deliveries += o.Deliveries
	i.Duplicates += o.Duplicates
	i.Applied += o.Applied
	i.DuplicatesSuppressed += o.DuplicatesSuppressed
	i.DoubleApplied += o.DoubleApplied
	i.HashMismatch += o.HashMismatch
	i.Crashed += o.Crashed
	i.StalePendingRecovered += o.StalePendingRecovered
	i.InProgress += o.InProgress
	i.ClaimsLost += o.ClaimsLost
	i.CompletedKeys += o.CompletedKeys
	i.PendingAtEnd += o.PendingAtEnd
	i.FailedAtEnd += o.FailedAtEnd
	i.NonAtomic = i.NonAtomic || o.NonAtomic
}

// IdempotencyText words c's idempotency counts in one line: "2,000
// deliveries (201 duplicates): 1,780 applied, 190 suppressed, 0 double
// applied, 2 hash mismatches; 20 crashed, 20 stale PENDING recovered
// (p50 501 ms, p99 530 ms)"; "-" for a cell without them.
func IdempotencyText(c *Cell) string {
	i := c.Idempotency
	if i == nil {
		return "-"
	}
	s := fmt.Sprintf("%s deliveries (%s duplicates): %s applied, %s suppressed, %s double applied, %s hash mismatches; %s crashed, %s stale PENDING recovered",
		FormatInt(i.Deliveries), FormatInt(i.Duplicates), FormatInt(i.Applied), FormatInt(i.DuplicatesSuppressed), FormatInt(i.DoubleApplied),
		FormatInt(i.HashMismatch), FormatInt(i.Crashed), FormatInt(i.StalePendingRecovered))
	if r := i.RecoveryLatencyMS; r.Ops > 0 {
		s += fmt.Sprintf(" (p50 %s ms, p99 %s ms, max %s ms)", FormatMS(r.P50), FormatMS(r.P99), FormatMS(r.Max))
	}
	if i.PendingAtEnd > 0 {
		s += fmt.Sprintf("; %s PENDING at the end", FormatInt(i.PendingAtEnd))
	}
	if i.NonAtomic {
		s += "; store not atomic"
	}
	return s
}

// IdempotencyTable is one row per idempotency cell of f (those with
// Idempotency set), for the text, Markdown and HTML reports; nil when
// f has none.
func IdempotencyTable(f *File) (cols []Column, rows [][]string) {
	multi := len(drivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		x := c.Idempotency
		if x == nil {
			continue
		}
		rec := func(v float64) string {
			if x.RecoveryLatencyMS.Ops == 0 {
				return "-"
			}
			return FormatMS(v)
		}
		double := FormatInt(x.DoubleApplied)
		if x.DoubleApplied > 0 {
			double += " !!"
		}
		rows = append(rows, []string{
			shortName(c, multi), FormatInt(x.Deliveries), FormatInt(x.Duplicates), FormatInt(x.Applied),
			FormatInt(x.DuplicatesSuppressed), double, FormatInt(x.HashMismatch), FormatInt(x.Crashed),
			FormatInt(x.StalePendingRecovered), rec(x.RecoveryLatencyMS.P50), rec(x.RecoveryLatencyMS.P99), FormatInt(x.PendingAtEnd),
		})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	cols = []Column{{Name: "cell"}}
	for _, n := range []string{"deliveries", "duplicates", "applied", "suppressed", "double applied", "hash mismatch", "crashed", "stale recovered", "recovery p50 ms", "recovery p99 ms", "pending at end"} {
		cols = append(cols, Column{Name: n, Numeric: true})
	}
	return cols, rows
}

// idemNote explains the idempotency table.
const idemNote = "double applied = Σ counter − distinct keys completed (must be 0); recovery = crash to the takeover of its stale PENDING entry"

// writeIdempotency writes the idempotency table, if f has one.
func writeIdempotency(ew *textout.Writer, f *File, markdown bool) {
	cols, rows := IdempotencyTable(f)
	if len(rows) == 0 {
		return
	}
	if markdown {
		ew.Printf("\n#### Idempotency under redelivery\n\n")
		markdownTable(ew, cols, rows)
		ew.Printf("\n%s.\n", textout.MarkdownLine(upperFirst(idemNote)))
		return
	}
	ew.Printf("\nidempotency under redelivery:\n")
	_ = printTable(ew, "  ", cols, rows) // its error is ew's
	ew.Printf("  %s\n", idemNote)
}
