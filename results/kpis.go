package results

import (
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Bounds of a starved op (Fairness.StarvedOps).
const (
	// StarvedAttempts: an op that took more attempts than this starved.
	StarvedAttempts = 100
	// StarvedLatencyFactor: an op whose latency exceeded this many times
	// the cell's median committed-op latency starved.
	StarvedLatencyFactor = 100
)

// RecoveryOf summarises a HistRecovery histogram (µs) in milliseconds.
// An empty or nil histogram gives the zero Recovery (Ops 0). The mean is
// rounded to 4 decimals, as the recorder rounds latencies; quantiles are
// whole µs.
func RecoveryOf(h *hdrhistogram.Histogram) Recovery {
	l := LatencyOf(h)
	if h == nil || h.TotalCount() == 0 {
		return Recovery{}
	}
	return Recovery{Ops: h.TotalCount(), P50: l.P50, P90: l.P90, P99: l.P99, Max: l.Max, Mean: round4(l.Mean)}
}

// FairnessOf computes Jain's index and the smallest and largest share of
// the writers' committed ops writerOps (StarvedOps is left 0): Jain =
// (Σx)² ÷ (n·Σx²), share = x ÷ Σx. With no writer or no commit all three
// are 0; a single writer that committed has Jain 1 and both shares 1.
// Jain and the shares are rounded to 6 decimals.
func FairnessOf(writerOps []int64) Fairness {
	var sum, sumSq float64
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, x := range writerOps {
		x = max(x, 0)
		sum += float64(x)
		sumSq += float64(x) * float64(x)
		lo, hi = min(lo, x), max(hi, x)
	}
	if len(writerOps) == 0 || sum == 0 {
		return Fairness{}
	}
	return Fairness{
		Jain:     round6(sum * sum / (float64(len(writerOps)) * sumSq)),
		MinShare: round6(float64(lo) / sum),
		MaxShare: round6(float64(hi) / sum),
	}
}

// StarvedOps counts the ops that starved (see Fairness.StarvedOps) from a
// cell's histograms: committed (HistCommitted), gaveUp (HistGaveUp) and
// many (HistManyAttempts, the ops of either kind that took more than
// StarvedAttempts attempts); nil histograms are empty. The latency bound
// is StarvedLatencyFactor × committed's median; an op counts when its
// latency's whole histogram bucket lies above it (3 significant figures:
// an op within 0.1 % of the bound may be left out). With no committed op
// there is no median, and only the attempts count. An op that starved on
// both counts is counted once: |many| + |slow| − |many and slow|.
func StarvedOps(committed, gaveUp, many *hdrhistogram.Histogram) int64 {
	n := count(many)
	if count(committed) == 0 {
		return n
	}
	bound := StarvedLatencyFactor * committed.ValueAtQuantile(50)
	return n + above(committed, bound) + above(gaveUp, bound) - above(many, bound)
}

// SetKPIs fills c's RecoveryMS, Fairness and WriterOps from its
// histograms (nil ones are empty) and its writers' committed ops, as the
// recorder and merge both do.
func SetKPIs(c *Cell, committed, gaveUp, recovery, many *hdrhistogram.Histogram, writerOps []int64) {
	r := RecoveryOf(recovery)
	c.RecoveryMS = &r
	fair := FairnessOf(writerOps)
	fair.StarvedOps = StarvedOps(committed, gaveUp, many)
	c.Fairness = &fair
	c.WriterOps = append([]int64(nil), writerOps...)
}

func count(h *hdrhistogram.Histogram) int64 {
	if h == nil {
		return 0
	}
	return h.TotalCount()
}

// above counts h's values whose bucket lies wholly above bound.
func above(h *hdrhistogram.Histogram, bound int64) int64 {
	if count(h) == 0 || h.Max() <= bound {
		return 0
	}
	var n int64
	for _, b := range h.Distribution() {
		if b.From > bound {
			n += b.Count
		}
	}
	return n
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
