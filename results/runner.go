package results

import (
	"fmt"
	"strings"
	"time"
)

// Runner describes one runner of a multi-runner run (occbench run
// --runners N --runner-index I): File.Runner in its part file, and one
// entry of File.Runners in the merged file.
type Runner struct {
	Index     int    `json:"index"`               // 0 … Runners-1
	Runners   int    `json:"runners"`             // N
	Namespace string `json:"namespace,omitempty"` // --namespace
	// SkewMS is the runner's clock minus the store's, in milliseconds,
	// from the sample of least round trip (RTTMS) of a few: the store's
	// time is taken to be read half-way through the round trip.
	SkewMS float64 `json:"skew_ms"`
	RTTMS  float64 `json:"rtt_ms"`
}

// CellRunner is one runner's share of a cell (Cell.Runner, part files
// only): the cell's Writers is the whole cell's writer count; this
// runner ran writers Index, Index+Runners, Index+2·Runners, … of it.
type CellRunner struct {
	Index   int `json:"index"`
	Runners int `json:"runners"`
	Writers int `json:"writers"` // writers this runner ran (may be 0)
	// Seq is the cell's position in the run order (0-based), the same on
	// every runner: the cell with the largest Seq ran last, and its data
	// is what the store holds after the run.
	Seq int `json:"seq"`
	// StartedAt is the wall time, on this runner's clock, at which the
	// cell's measurement started: merge aligns time series with it.
	StartedAt time.Time `json:"started_at"`
	// StoreTotals are the store's totals read by runner 0 once every
	// runner had finished the cell (nil on the other runners, and when
	// the read failed: then StoreError says why). The merged audit
	// compares them with the sum of every runner's committed ops.
	StoreTotals *StoreTotals `json:"store_totals,omitempty"`
	StoreError  string       `json:"store_error,omitempty"`
}

// StoreTotals are a store's totals as an audit reads them.
type StoreTotals struct {
	Docs     int64 `json:"docs"`
	Counter  int64 `json:"counter"`
	Versions int64 `json:"versions"`
}

// PendingReason is Audit.Pending for runner index of runners.
func PendingReason(index, runners int) string {
	return fmt.Sprintf("runner %d of %d", index, runners)
}

// PendingWord opens the verdict of a pending audit.
const PendingWord = "audit: pending"

// RunnersText describes the runners of a multi-runner file in one line:
// "runner 1 of 3 (namespace team_a), clock skew +0.120 ms (round trip
// 0.480 ms)" for a part, "3 runners (namespace team_a), clock skew
// -0.100 … +0.120 ms" for a merged file; "" for a single runner's file.
func RunnersText(f *File) string {
	ns := func(n string) string {
		if n == "" {
			return ""
		}
		return " (namespace " + n + ")"
	}
	if r := f.Runner; r != nil {
		return fmt.Sprintf("runner %d of %d%s, clock skew %+.3f ms (round trip %.3f ms)", r.Index, r.Runners, ns(r.Namespace), r.SkewMS, r.RTTMS)
	}
	if len(f.Runners) == 0 {
		return ""
	}
	lo, hi := f.Runners[0].SkewMS, f.Runners[0].SkewMS
	idx := make([]string, len(f.Runners))
	for i, r := range f.Runners {
		lo, hi = min(lo, r.SkewMS), max(hi, r.SkewMS)
		idx[i] = fmt.Sprint(r.Index)
	}
	return fmt.Sprintf("%d runners%s, clock skew %+.3f … %+.3f ms (runners %s merged)", f.Runners[0].Runners, ns(f.Runners[0].Namespace), lo, hi, strings.Join(idx, ", "))
}
