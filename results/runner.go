package results

import (
	"fmt"
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
