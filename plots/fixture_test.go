package plots

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/occbench/occbench/results"
)

// hist returns an encoded histogram of n values drawn by draw.
func hist(t testing.TB, n int, draw func() int64) string {
	t.Helper()
	h := results.NewHistogram()
	for range n {
		if err := h.RecordValue(draw()); err != nil {
			t.Fatal(err)
		}
	}
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cellSpec describes a fixture cell.
type cellSpec struct {
	strategy, backoff string
	writers, trial    int
	skipped           string
	lossExpected      bool
	lost              int64
}

// testCell builds a cell that looks measured: latencies grow with writers,
// retries with contention, a few seconds of time series.
func testCell(t testing.TB, r *rand.Rand, s cellSpec) results.Cell {
	t.Helper()
	c := results.Cell{
		Driver: "memory", Strategy: s.strategy, Backoff: s.backoff, Writers: s.writers, Trial: s.trial,
		OnConflict: "retry", Scope: "document", Keys: 1,
	}
	if s.skipped != "" {
		c.Skipped = s.skipped
		return c
	}
	w := float64(s.writers)
	base := 200 + 150*w // µs
	lat := func() int64 { return int64(base * math.Exp(r.NormFloat64()*0.6)) }
	att := func() int64 { return 1 + int64(r.ExpFloat64()*math.Log2(w+1)*0.7) }
	ops := int64(1000 + 200*s.writers)
	attempts := int64(float64(ops) * (1 + 0.3*math.Log2(w+1)))
	c.DurationS = 3
	c.Ops, c.Attempts, c.Conflicts = ops, attempts, attempts-ops
	c.GiveUps = map[string]int64{}
	c.Errors = map[string]int64{}
	c.ThroughputOpsS = float64(ops) / c.DurationS * (1 + 0.05*float64(s.trial))
	c.AttemptsS = float64(attempts) / c.DurationS
	c.ConflictRatio = float64(c.Conflicts) / float64(attempts)
	c.SuccessRate = 1
	c.Amplification = float64(attempts) / float64(ops)
	c.Histograms = map[string]string{
		results.HistCommitted: hist(t, int(ops), lat),
		results.HistAttempt:   hist(t, int(attempts), func() int64 { return int64(base / 2 * math.Exp(r.NormFloat64()*0.4)) }),
		results.HistAttempts:  hist(t, int(ops), att),
	}
	if s.writers > 4 {
		c.Histograms[results.HistGaveUp] = hist(t, 3, func() int64 { return 5_000_000 + r.Int64N(1000) })
		c.GiveUps["max_elapsed"] = 3
	}
	h, err := results.DecodeHistogram(c.Histograms[results.HistCommitted])
	if err != nil {
		t.Fatal(err)
	}
	c.LatencyMS = results.LatencyOf(h)
	for sec := 1; sec <= 4; sec++ {
		c.Timeseries = append(c.Timeseries, results.Point{
			T: float64(sec), Ops: ops/3 + r.Int64N(50), Attempts: attempts/3 + r.Int64N(50),
			Conflicts: (attempts - ops) / 3, P99MS: c.LatencyMS.P99 * (0.8 + 0.4*r.Float64()),
		})
	}
	c.Audit = results.Audit{Expected: ops, Observed: ops - s.lost, Versions: ops - s.lost, LostUpdates: s.lost,
		OK: s.lost == 0 || s.lossExpected, LossExpected: s.lossExpected}
	return c
}

// newRand is the fixtures' seeded source.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// testFile is a writer sweep (1, 4, 16) of two strategies (optimistic,
// lww) and two backoffs (none, full-jitter), with a skipped lease cell
// and, when trials > 1, repeated cells.
func testFile(t testing.TB, trials int) *results.File {
	t.Helper()
	r := newRand()
	f := &results.File{
		Schema:    results.Schema,
		StartedAt: time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC),
		Scenario:  results.Scenario{"name": "fixture"},
		Environment: results.Environment{
			Occbench: "v0.0.0-test", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2, Driver: "memory",
		},
	}
	f.FinishedAt = f.StartedAt.Add(time.Minute)
	for _, w := range []int{1, 4, 16} {
		for _, st := range []string{"optimistic", "lww"} {
			for _, b := range []string{"none", "full-jitter"} {
				for trial := range trials {
					s := cellSpec{strategy: st, backoff: b, writers: w}
					if trials > 1 {
						s.trial = trial + 1
					}
					if st == "lww" && w > 1 {
						s.lossExpected, s.lost = true, int64(10*w)
					}
					f.Cells = append(f.Cells, testCell(t, r, s))
				}
			}
		}
	}
	f.Cells = append(f.Cells, testCell(t, r, cellSpec{strategy: "lease", backoff: "none", writers: 4, skipped: "driver memory: no Leaser capability"}))
	return f
}
