package results

import (
	"fmt"
	"math"
	"strconv"

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

// HasKPIs reports whether a cell of f that ran has a conflict recovery
// summary or fairness: files written before they existed have neither,
// and their reports leave out the columns.
func HasKPIs(f *File) bool {
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && (c.RecoveryMS != nil || c.Fairness != nil) {
			return true
		}
	}
	return false
}

// RecoveryP99Text is c's conflict recovery p99 for a table column, in
// milliseconds (FormatMS); "-" when no op recovered from a conflict, or
// the cell predates the field.
func RecoveryP99Text(c *Cell) string {
	if c.RecoveryMS == nil || c.RecoveryMS.Ops == 0 {
		return "-"
	}
	return FormatMS(c.RecoveryMS.P99)
}

// JainText is c's Jain index for a table column, with three decimals
// ("0.998", "1.000"); "-" when no op committed, or the cell predates the
// field.
func JainText(c *Cell) string {
	if c.Fairness == nil || c.Ops == 0 {
		return "-"
	}
	return strconv.FormatFloat(c.Fairness.Jain, 'f', 3, 64)
}

// RecoveryText words c's conflict recovery summary in full: "p50 1.20,
// p90 3.40, p99 9.80, max 41.0, mean 2.10 (812 ops met a conflict)", "no
// op committed after a conflict", or "-" when the cell predates the
// field.
func RecoveryText(c *Cell) string {
	r := c.RecoveryMS
	switch {
	case r == nil:
		return "-"
	case r.Ops == 0:
		return "no op committed after a conflict"
	}
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s, mean %s (%s ops met a conflict)",
		FormatMS(r.P50), FormatMS(r.P90), FormatMS(r.P99), FormatMS(r.Max), FormatMS(r.Mean), strconv.FormatInt(r.Ops, 10))
}

// FairnessText words c's fairness in full: "Jain 0.998; writer shares
// 24.1 % … 25.9 % of 4 writers; 3 starved ops", or "-" when the cell
// predates the field.
func FairnessText(c *Cell) string {
	f := c.Fairness
	if f == nil {
		return "-"
	}
	starved := fmt.Sprintf("%d starved ops (> %d attempts or > %d × the median latency)", f.StarvedOps, StarvedAttempts, StarvedLatencyFactor)
	if c.Ops == 0 {
		return "no op committed; " + starved
	}
	pct := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }
	return fmt.Sprintf("Jain %s; writer shares %s … %s of %d writers; %s",
		JainText(c), pct(f.MinShare), pct(f.MaxShare), len(c.WriterOps), starved)
}

// kpiCSVColumns are the conflict recovery and fairness columns, after
// every other column of a row (so that earlier ones keep their place):
// recovery_ops, recovery_{p50,p90,p99,max,mean}_ms, fairness_jain,
// fairness_min_share, fairness_max_share and starved_ops; empty for a
// cell that predates them.
func kpiCSVColumns() []csvColumn {
	rec := func(name string, get func(r *Recovery) string) csvColumn {
		return csvColumn{name, func(c *Cell) string {
			if c.RecoveryMS == nil {
				return ""
			}
			return get(c.RecoveryMS)
		}}
	}
	fair := func(name string, get func(f *Fairness) string) csvColumn {
		return csvColumn{name, func(c *Cell) string {
			if c.Fairness == nil {
				return ""
			}
			return get(c.Fairness)
		}}
	}
	return []csvColumn{
		rec("recovery_ops", func(r *Recovery) string { return fmtI(r.Ops) }),
		rec("recovery_p50_ms", func(r *Recovery) string { return fmtF(r.P50) }),
		rec("recovery_p90_ms", func(r *Recovery) string { return fmtF(r.P90) }),
		rec("recovery_p99_ms", func(r *Recovery) string { return fmtF(r.P99) }),
		rec("recovery_max_ms", func(r *Recovery) string { return fmtF(r.Max) }),
		rec("recovery_mean_ms", func(r *Recovery) string { return fmtF(r.Mean) }),
		fair("fairness_jain", func(f *Fairness) string { return fmtF(f.Jain) }),
		fair("fairness_min_share", func(f *Fairness) string { return fmtF(f.MinShare) }),
		fair("fairness_max_share", func(f *Fairness) string { return fmtF(f.MaxShare) }),
		fair("starved_ops", func(f *Fairness) string { return fmtI(f.StarvedOps) }),
	}
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
