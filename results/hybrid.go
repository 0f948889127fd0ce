package results

import (
	"fmt"
	"strconv"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histograms of a hybrid cell (keys of Cell.Histograms): the op latency,
// µs, of its committed ops whose committing attempt ran under the lock
// of an escalated key (HistEscalated), or as a conditional write
// (HistPlain).
const (
	HistEscalated = "escalated"
	HistPlain     = "plain"
)

// Hybrid is what a hybrid cell adds: how often its keys escalated from
// conditional writes to a lock, for how long, and what the ops cost on
// each path.
type Hybrid struct {
	// Escalations counts the keys' escalations to the lock that happened
	// within the measured window.
	Escalations int64 `json:"escalations"`
	// TimeEscalatedS sums, over keys, the seconds each spent escalated
	// within the measured window: from an escalation to the moment the
	// key cooled (its last contention + the de-escalation delay), or to
	// the end of the window.
	TimeEscalatedS float64 `json:"time_escalated_s"`
	// EscalatedLatencyMS and PlainLatencyMS summarise HistEscalated and
	// HistPlain: committed ops whose committing attempt held the lock,
	// and those that committed with a conditional write.
	EscalatedLatencyMS OpLatency `json:"escalated_latency_ms"`
	PlainLatencyMS     OpLatency `json:"plain_latency_ms"`
}

// OpLatency summarises the op latency of one class of committed ops, in
// milliseconds; all zero when Ops is 0.
type OpLatency struct {
	Ops  int64   `json:"ops"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// OpLatencyOf summarises a latency histogram (µs) in milliseconds, as
// RecoveryOf does; nil or empty gives the zero OpLatency.
func OpLatencyOf(h *hdrhistogram.Histogram) OpLatency {
	r := RecoveryOf(h)
	return OpLatency{Ops: r.Ops, P50: r.P50, P90: r.P90, P99: r.P99, Max: r.Max, Mean: r.Mean}
}

// HasHybrid reports whether some cell of f is a hybrid cell that ran.
func HasHybrid(f *File) bool {
	for i := range f.Cells {
		if f.Cells[i].Skipped == "" && f.Cells[i].Hybrid != nil {
			return true
		}
	}
	return false
}

// EscalatedShare is the share of c's committed ops that committed under
// the lock, 0…1; 0 when none committed or c is not a hybrid cell.
func EscalatedShare(c *Cell) float64 {
	h := c.Hybrid
	if h == nil || h.EscalatedLatencyMS.Ops+h.PlainLatencyMS.Ops == 0 {
		return 0
	}
	return float64(h.EscalatedLatencyMS.Ops) / float64(h.EscalatedLatencyMS.Ops+h.PlainLatencyMS.Ops)
}

// HybridText words c's escalation in full: "3 escalations, 4.2 s
// escalated; 812 ops under the lock (p50 1.20, p99 9.80 ms), 2,310
// conditional (p50 0.40, p99 3.10 ms)", or "-" for a cell that is not
// hybrid.
func HybridText(c *Cell) string {
	h := c.Hybrid
	if h == nil {
		return "-"
	}
	return fmt.Sprintf("%s escalations, %s s escalated; %s ops under the lock (p50 %s, p99 %s ms), %s conditional (p50 %s, p99 %s ms)",
		strconv.FormatInt(h.Escalations, 10), strconv.FormatFloat(h.TimeEscalatedS, 'f', 2, 64),
		strconv.FormatInt(h.EscalatedLatencyMS.Ops, 10), FormatMS(h.EscalatedLatencyMS.P50), FormatMS(h.EscalatedLatencyMS.P99),
		strconv.FormatInt(h.PlainLatencyMS.Ops, 10), FormatMS(h.PlainLatencyMS.P50), FormatMS(h.PlainLatencyMS.P99))
}

// SetHybridLatency fills c.Hybrid's latency summaries from its
// escalated and plain histograms (nil ones are empty), making c.Hybrid
// if it is nil, as the recorder and merge both do.
func SetHybridLatency(c *Cell, escalated, plain *hdrhistogram.Histogram) {
	if c.Hybrid == nil {
		c.Hybrid = &Hybrid{}
	}
	c.Hybrid.EscalatedLatencyMS = OpLatencyOf(escalated)
	c.Hybrid.PlainLatencyMS = OpLatencyOf(plain)
}
