package results

import (
	"testing"
	"time"
)

// testFile is a hand-built results file with four cells: one that passed
// its audit, an lww cell that lost updates as expected, a pessimistic cell
// that lost updates it promised to keep, and a skipped cell.
func testFile(t testing.TB) *File {
	t.Helper()
	h := NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		if err := h.RecordValue(v * 10); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 25, 13, 5, 1, 0, time.UTC)
	return &File{
		Schema:     Schema,
		StartedAt:  start,
		FinishedAt: start.Add(95*time.Second + 250*time.Millisecond),
		Scenario: Scenario{
			"name":     "quickstart",
			"writers":  []any{1.0, 8.0},
			"duration": "10s",
			"seed":     42.0,
		},
		Environment: Environment{
			Occbench:      "v0.1.0",
			GoVersion:     "go1.26.8",
			OS:            "linux",
			Arch:          "amd64",
			CPUs:          2,
			Driver:        "postgres",
			ServerVersion: "16.4",
			DSN:           "postgres://bench:xxxxx@localhost:5432/bench",
		},
		Cells: []Cell{
			{
				Driver: "postgres", Strategy: "optimistic", Backoff: "full-jitter", Writers: 8,
				OnConflict: "retry", Scope: "document", Keys: 16,
				DurationS: 10, Ops: 12345, Attempts: 14567, Conflicts: 2222,
				ConflictsByKind: map[string]int64{"version_mismatch": 2222},
				GiveUps:         map[string]int64{"max_attempts": 3, "budget": 1},
				Errors:          map[string]int64{"timeout": 2},
				ThroughputOpsS:  1234.5, AttemptsS: 1456.7, ConflictRatio: 0.15254,
				SuccessRate: 0.99951, Amplification: 1.18,
				RetriesPerOp: Retries{Mean: 0.18, P99: 3, Max: 9},
				LatencyMS:    Latency{P50: 1.234, P90: 2.5, P99: 7.891, P999: 15.23, Max: 40.1, Mean: 1.7},
				AttemptMS:    Latency{P50: 0.9, P90: 1.5, P99: 3.2, P999: 6, Max: 12, Mean: 1.1},
				Components:   Components{BackoffMean: 0.4, AttemptMean: 1.3},
				Audit: Audit{Expected: 12500, Observed: 12500, Versions: 12500, OK: true,
					Verdict: "ok: 12500 of 12500 committed updates present"},
				Histograms: map[string]string{HistCommitted: enc},
				Timeseries: []Point{{T: 1, Ops: 1230, Attempts: 1450, Conflicts: 220, P99MS: 7.5}},
			},
			{
				Driver: "postgres", Strategy: "lww", Backoff: "none", Writers: 8,
				OnConflict: "retry", Scope: "document", Keys: 16,
				DurationS: 10, Ops: 20000, Attempts: 20000,
				GiveUps:        map[string]int64{},
				Errors:         map[string]int64{},
				ThroughputOpsS: 2000, AttemptsS: 2000, SuccessRate: 1, Amplification: 1,
				LatencyMS: Latency{P50: 0.5, P90: 0.8, P99: 1.2, P999: 2.05, Max: 5, Mean: 0.55},
				AttemptMS: Latency{P50: 0.5, P90: 0.8, P99: 1.2, P999: 2.05, Max: 5, Mean: 0.55},
				Audit: Audit{Expected: 20200, Observed: 20077, Versions: 20077, LostUpdates: 123,
					OK: true, LossExpected: true, Verdict: "lost 123 updates (expected for lww)"},
			},
			{
				Driver: "postgres", Strategy: "pessimistic", Backoff: "expo", Writers: 8,
				OnConflict: "retry", Scope: "document", Keys: 16,
				DurationS: 10, Ops: 995, Attempts: 1010, Conflicts: 15,
				ConflictsByKind: map[string]int64{"lock_not_available": 15},
				GiveUps:         map[string]int64{},
				Errors:          map[string]int64{"connection": 1},
				ThroughputOpsS:  99.5, AttemptsS: 101, ConflictRatio: 0.01485,
				SuccessRate: 0.999, Amplification: 1.015,
				RetriesPerOp: Retries{Mean: 0.015, P99: 1, Max: 2},
				LatencyMS:    Latency{P50: 75.3, P90: 120, P99: 250.1, P999: 1003, Max: 1203.5, Mean: 80.25},
				AttemptMS:    Latency{P50: 70, P90: 110, P99: 240, P999: 990, Max: 1200, Mean: 78},
				Components:   Components{BackoffMean: 0.05, AttemptMean: 80.2},
				Audit: Audit{Expected: 1000, Observed: 995, Versions: 995, LostUpdates: 5,
					Indeterminate: 1, Verdict: "5 committed updates missing"},
			},
			{
				Driver: "postgres", Strategy: "lease", Backoff: "expo", Writers: 8,
				OnConflict: "retry", Scope: "document", Keys: 16,
				Skipped: "driver postgres: no Leaser capability",
			},
		},
	}
}
