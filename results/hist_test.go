package results

import (
	"encoding/base64"
	"math"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func TestHistogramRoundTrip(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	for _, v := range []int64{1, 2, 3, 999, 1000, 1001, 65_000, 3_600_000_000} {
		if err := h.RecordValues(v, v%7+1); err != nil {
			t.Fatalf("RecordValues(%d): %v", v, err)
		}
	}
	s, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	// One base64 layer over the binary V2 compressed format, whose cookie
	// is 0x1c849304 | 0x10.
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("stored form is not base64: %v", err)
	}
	if len(raw) < 4 || raw[0] != 0x1c || raw[1] != 0x84 || raw[2] != 0x93 || raw[3] != 0x14 {
		t.Fatalf("stored form does not start with the V2 compressed cookie: % x", raw[:min(4, len(raw))])
	}
	back, err := DecodeHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equals(h) {
		t.Error("DecodeHistogram(EncodeHistogram(h)) differs from h")
	}
	if back.LowestTrackableValue() != HistLowest || back.HighestTrackableValue() != HistHighest || back.SignificantFigures() != HistSigFigs {
		t.Errorf("settings = %d…%d/%d, want %d…%d/%d", back.LowestTrackableValue(), back.HighestTrackableValue(),
			back.SignificantFigures(), HistLowest, HistHighest, HistSigFigs)
	}
	// Merging decoded histograms loses nothing.
	m := NewHistogram()
	if dropped := m.Merge(back); dropped != 0 {
		t.Errorf("Merge dropped %d values", dropped)
	}
}

func TestNewHistogramRange(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	if err := h.RecordValue(HistHighest); err != nil {
		t.Errorf("RecordValue(1 h) = %v, want nil", err)
	}
	if err := h.RecordValue(2 * HistHighest); err == nil {
		t.Error("RecordValue(2 h) succeeded; out-of-range samples must be reported")
	}
}

func TestEncodeHistogramNil(t *testing.T) {
	t.Parallel()
	if _, err := EncodeHistogram(nil); err == nil {
		t.Error("EncodeHistogram(nil) succeeded")
	}
}

func TestDecodeHistogramErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"not base64", "not base64 @@@"},
		{"too short", base64.StdEncoding.EncodeToString([]byte{1, 2, 3})},
		{"wrong cookie", base64.StdEncoding.EncodeToString([]byte{0, 0, 0, 0, 0, 0, 0, 0})},
		{"double base64", base64.StdEncoding.EncodeToString([]byte(mustEncode(t)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := DecodeHistogram(tt.in)
			if err == nil {
				t.Fatalf("DecodeHistogram succeeded: %d values", h.TotalCount())
			}
			if !strings.HasPrefix(err.Error(), "histogram: decode: ") {
				t.Errorf("error %q lacks the histogram: decode: prefix", err)
			}
		})
	}
}

func mustEncode(t *testing.T) string {
	t.Helper()
	h := NewHistogram()
	if err := h.RecordValue(42); err != nil {
		t.Fatal(err)
	}
	s, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLatencyOf(t *testing.T) {
	t.Parallel()
	uniform := NewHistogram() // 1 … 1000 µs, each once: exact at 3 digits
	for v := int64(1); v <= 1000; v++ {
		if err := uniform.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	wide := NewHistogram() // 99 × 10 ms, 1 × 2 s
	if err := wide.RecordValues(10_000, 99); err != nil {
		t.Fatal(err)
	}
	if err := wide.RecordValue(2_000_000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		h    *hdrhistogram.Histogram
		want Latency
	}{
		{"nil", nil, Latency{}},
		{"empty", NewHistogram(), Latency{}},
		{"uniform", uniform, Latency{P50: 0.5, P90: 0.9, P99: 0.99, P999: 0.999, Max: 1, Mean: 0.5005}},
		// 10 000 µs sits in a bucket 8 µs wide (10 000 … 10 007), 2 s in
		// one 1024 µs wide; quantiles report the bucket's highest value,
		// the mean its midpoint.
		{"wide", wide, Latency{P50: 10.007, P90: 10.007, P99: 10.007, P999: 2000.895, Max: 2000.895,
			Mean: (99*10_004 + 2_000_384) / 100.0 / 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := LatencyOf(tt.h)
			if !latencyNear(got, tt.want) {
				t.Errorf("LatencyOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func latencyNear(a, b Latency) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	return near(a.P50, b.P50) && near(a.P90, b.P90) && near(a.P99, b.P99) &&
		near(a.P999, b.P999) && near(a.Max, b.Max) && near(a.Mean, b.Mean)
}

func TestRetriesOf(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	// 90 ops in 1 attempt, 9 in 2, 1 in 5.
	for _, r := range []struct{ v, n int64 }{{1, 90}, {2, 9}, {5, 1}} {
		if err := h.RecordValues(r.v, r.n); err != nil {
			t.Fatal(err)
		}
	}
	got := RetriesOf(h)
	want := Retries{Mean: (9*1 + 1*4) / 100.0, P99: 1, Max: 4}
	if math.Abs(got.Mean-want.Mean) > 1e-12 || got.P99 != want.P99 || got.Max != want.Max {
		t.Errorf("RetriesOf = %+v, want %+v", got, want)
	}
	if z := RetriesOf(NewHistogram()); z != (Retries{}) {
		t.Errorf("RetriesOf(empty) = %+v, want zero", z)
	}
}

func BenchmarkEncodeHistogram(b *testing.B) {
	h := NewHistogram()
	for v := int64(1); v <= 100_000; v += 7 {
		if err := h.RecordValue(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeHistogram(h); err != nil {
			b.Fatal(err)
		}
	}
}
