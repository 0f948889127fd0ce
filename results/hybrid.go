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

// HybridStrategy is the hybrid strategy's name (strategy.Hybrid), which
// results cannot import.
const HybridStrategy = "hybrid"

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

// HybridText words c's escalation in full: "3 escalations, 4.20 s
// escalated; 812 ops under the lock (p50 1.20, p99 9.80 ms), 2,310
// conditional (p50 0.40, p99 3.10 ms)", or "-" for a cell that is not
// hybrid.
func HybridText(c *Cell) string {
	h := c.Hybrid
	if h == nil {
		return "-"
	}
	return fmt.Sprintf("%s, %s s escalated; %s ops under the lock (p50 %s, p99 %s ms), %s conditional (p50 %s, p99 %s ms)",
		plural(int(h.Escalations), "escalation"), strconv.FormatFloat(h.TimeEscalatedS, 'f', 2, 64),
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

// HybridTable is every hybrid cell of f that ran, one row per cell in
// cell order: the cell's short name, escalations, the seconds escalated
// (summed over keys), the share of committed ops that held the lock (locked share), and
// the p50 and p99 op latency of escalated and of plain (conditional
// write) ops, "-" for a class without ops. It is empty when f has no
// hybrid cell.
func HybridTable(f *File) (cols []Column, rows [][]string) {
	multi := len(drivers(f)) > 1
	ms := func(l OpLatency, v float64) string { return orDash(l.Ops > 0, FormatMS(v)) }
	for i := range f.Cells {
		c := &f.Cells[i]
		h := c.Hybrid
		if c.Skipped != "" || h == nil {
			continue
		}
		e, p := h.EscalatedLatencyMS, h.PlainLatencyMS
		rows = append(rows, []string{shortName(c, multi), FormatInt(h.Escalations),
			strconv.FormatFloat(h.TimeEscalatedS, 'f', 2, 64), FormatPercent(EscalatedShare(c)),
			ms(e, e.P50), ms(e, e.P99), ms(p, p.P50), ms(p, p.P99)})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return []Column{{Name: "cell"}, {"escalations", true}, {"escalated s", true}, {"locked share", true},
		{"locked p50 ms", true}, {"locked p99 ms", true}, {"plain p50 ms", true}, {"plain p99 ms", true}}, rows
}

// hybridCSVColumns are the hybrid escalation columns, last in a row and
// only when some cell of f is hybrid: hybrid_escalations,
// hybrid_time_escalated_s, then hybrid_{escalated,plain}_{ops,p50_ms,
// p90_ms,p99_ms,max_ms,mean_ms}; empty for the other cells.
func hybridCSVColumns(f *File) []csvColumn {
	if !HasHybrid(f) {
		return nil
	}
	h := func(name string, get func(h *Hybrid) string) csvColumn {
		return csvColumn{name, func(c *Cell) string {
			if c.Hybrid == nil {
				return ""
			}
			return get(c.Hybrid)
		}}
	}
	cols := []csvColumn{
		h("hybrid_escalations", func(h *Hybrid) string { return fmtI(h.Escalations) }),
		h("hybrid_time_escalated_s", func(h *Hybrid) string { return fmtF(h.TimeEscalatedS) }),
	}
	for _, class := range []struct {
		name string
		get  func(h *Hybrid) *OpLatency
	}{
		{"escalated", func(h *Hybrid) *OpLatency { return &h.EscalatedLatencyMS }},
		{"plain", func(h *Hybrid) *OpLatency { return &h.PlainLatencyMS }},
	} {
		p := "hybrid_" + class.name + "_"
		cols = append(cols,
			h(p+"ops", func(h *Hybrid) string { return fmtI(class.get(h).Ops) }),
			h(p+"p50_ms", func(h *Hybrid) string { return fmtF(class.get(h).P50) }),
			h(p+"p90_ms", func(h *Hybrid) string { return fmtF(class.get(h).P90) }),
			h(p+"p99_ms", func(h *Hybrid) string { return fmtF(class.get(h).P99) }),
			h(p+"max_ms", func(h *Hybrid) string { return fmtF(class.get(h).Max) }),
			h(p+"mean_ms", func(h *Hybrid) string { return fmtF(class.get(h).Mean) }),
		)
	}
	return cols
}
