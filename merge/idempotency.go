package merge

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// mergeIdem merges the inputs' idempotency counts into out (idempotent
// cells only; out.Audit already merged): the writers' counts are summed;
// the store's entries (completed keys, pending and failed at the end)
// are the largest input's, as observed is, since each input read the
// shared store after its cell (their sum with separate stores); the
// recovery summary comes from the merged histogram, and double_applied
// and the audit's verdict are recomputed from them.
func mergeIdem(out *results.Cell, cells []*results.Cell, hists map[string]*hdrhistogram.Histogram, separate bool) {
	var m *results.Idempotency
	for _, c := range cells {
		x := c.Idempotency
		if x == nil {
			continue
		}
		if m == nil {
			m = &results.Idempotency{}
		}
		completed, pending, failed := m.CompletedKeys, m.PendingAtEnd, m.FailedAtEnd
		m.Add(x)
		if !separate {
			m.CompletedKeys, m.PendingAtEnd, m.FailedAtEnd = max(completed, x.CompletedKeys), max(pending, x.PendingAtEnd), max(failed, x.FailedAtEnd)
		}
	}
	if m == nil {
		return
	}
	m.RecoveryLatencyMS = results.RecoveryOf(hists[results.HistIdemRecovery])
	out.Idempotency = m
	why := ""
	if m.NonAtomic {
		why = "the store's claim and completion are not atomic"
	}
	runner.IdemVerdict(&out.Audit, m, out.Audit.Observed, why)
}
