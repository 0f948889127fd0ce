package report

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/occbench/occbench/results"
)

// encode returns an encoded histogram of the values.
func encode(t testing.TB, values ...int64) string {
	t.Helper()
	h := results.NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bomb48 returns a stored histogram of 48 bytes (64 in base64) that
// hdrhistogram-go's Decode would give 49 MB: 1, 2 and 3 ms recorded once
// each, over 1 … 2⁶³−1 µs at 5 significant figures.
func bomb48(t testing.TB) string {
	t.Helper()
	zz := func(b []byte, v int64) []byte { return binary.AppendUvarint(b, uint64(v<<1^v>>63)) }
	var payload []byte
	payload = zz(payload, -1000) // indexes 0 … 999 are 0; below 2¹⁸ a value is its index
	payload = zz(payload, 1)     // 1000
	payload = zz(payload, -999)
	payload = zz(payload, 1) // 2000
	payload = zz(payload, -999)
	payload = zz(payload, 1) // 3000
	var inner bytes.Buffer
	for _, v := range []any{int32(0x1c849313), int32(len(payload)), int32(0), int32(5), int64(1), int64(math.MaxInt64), float64(1)} {
		_ = binary.Write(&inner, binary.BigEndian, v)
	}
	inner.Write(payload)
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(inner.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	_ = binary.Write(&raw, binary.BigEndian, int32(0x1c849314))
	_ = binary.Write(&raw, binary.BigEndian, int32(z.Len()))
	raw.Write(z.Bytes())
	if raw.Len() != 48 {
		t.Fatalf("crafted histogram is %d bytes, want 48", raw.Len())
	}
	return base64.StdEncoding.EncodeToString(raw.Bytes())
}

// cellOpt adjusts a fixture cell.
type cellOpt func(*results.Cell)

// lost makes the cell's audit find n lost updates; expected says whether
// its strategy allows that.
func lost(n int64, expected bool) cellOpt {
	return func(c *results.Cell) {
		c.Audit.LostUpdates = n
		c.Audit.Observed = c.Audit.Expected - n
		c.Audit.LossExpected = expected
		c.Audit.OK = expected
		if expected {
			c.Audit.Verdict = "lost updates, as lww allows"
		} else {
			c.Audit.Verdict = "committed updates missing"
		}
	}
}

func skipped(reason string) cellOpt { return func(c *results.Cell) { c.Skipped = reason } }

// testCell builds a measured-looking cell from a seeded source.
func testCell(t testing.TB, r *rand.Rand, strategy, backoff string, writers int, opts ...cellOpt) results.Cell {
	t.Helper()
	c := results.Cell{Driver: "memory", Strategy: strategy, Backoff: backoff, Writers: writers,
		OnConflict: "retry", Scope: "document", Keys: 1}
	for _, o := range opts {
		o(&c)
	}
	if c.Skipped != "" {
		return c
	}
	n := 200 + 50*writers
	lat := make([]int64, n)
	att := make([]int64, n)
	base := 300 + 100*float64(writers)
	for i := range lat {
		lat[i] = int64(base * math.Exp(0.5*r.NormFloat64()))
		att[i] = 1 + int64(r.ExpFloat64()*float64(writers)/8)
	}
	var attempts int64
	for _, a := range att {
		attempts += a
	}
	c.DurationS, c.Ops, c.Attempts, c.Conflicts = 2, int64(n), attempts, attempts-int64(n)
	c.ThroughputOpsS, c.AttemptsS = float64(n)/2, float64(attempts)/2
	c.ConflictRatio = float64(c.Conflicts) / float64(attempts)
	c.SuccessRate, c.Amplification = 1, float64(attempts)/float64(n)
	c.GiveUps, c.Errors = map[string]int64{}, map[string]int64{}
	c.Histograms = map[string]string{
		results.HistCommitted: encode(t, lat...),
		results.HistAttempts:  encode(t, att...),
	}
	h, err := results.DecodeHistogram(c.Histograms[results.HistCommitted])
	if err != nil {
		t.Fatal(err)
	}
	c.LatencyMS = results.LatencyOf(h)
	c.Timeseries = []results.Point{
		{T: 1, Ops: int64(n / 2), Attempts: attempts / 2, Conflicts: c.Conflicts / 2, P99MS: c.LatencyMS.P99},
		{T: 2, Ops: int64(n / 2), Attempts: attempts / 2, Conflicts: c.Conflicts / 2, P99MS: c.LatencyMS.P99},
	}
	c.Audit.Expected, c.Audit.Observed, c.Audit.Versions, c.Audit.OK = int64(n), int64(n), int64(n), true
	c.Audit.Verdict = "ok"
	for _, o := range opts { // again: the audit options need the counts
		o(&c)
	}
	return c
}

// testFile returns a small sweep: optimistic and pessimistic at 1 and 8
// writers, lww at 8 (expected loss), a skipped lease cell; extra cells
// are appended.
func testFile(t testing.TB, extra ...func(*rand.Rand) results.Cell) *results.File {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	f := &results.File{
		Schema: results.Schema, StartedAt: start, FinishedAt: start.Add(90 * time.Second),
		Scenario: results.Scenario{
			"name": "fixture", "description": "A small sweep for tests.",
			"writers": []any{1.0, 8.0}, "duration": "2s", "seed": 1.0,
			"lease_stall": map[string]any{"prob": 0.0, "duration": "1.5s"},
		},
		Environment: results.Environment{
			Occbench: "v0.0.0-test", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2,
			Driver: "memory", ServerVersion: "occbench-memory",
		},
		Cells: []results.Cell{
			testCell(t, r, "optimistic", "none", 1),
			testCell(t, r, "pessimistic", "none", 1),
			testCell(t, r, "optimistic", "none", 8),
			testCell(t, r, "pessimistic", "none", 8),
			testCell(t, r, "lww", "none", 8, lost(40, true)),
			testCell(t, r, "lease", "none", 8, skipped("driver memory: no Leaser capability")),
		},
	}
	for _, e := range extra {
		f.Cells = append(f.Cells, e(r))
	}
	return f
}
