package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"runtime/metrics"
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

// craftHistogram builds a stored histogram by hand: the V2 compressed
// encoding (zlib at its best compression) of a header with these
// settings and payloadLen, followed by payload, which may differ from
// what the header declares.
func craftHistogram(t testing.TB, figs int32, lowest, highest int64, payloadLen int32, payload []byte) []byte {
	t.Helper()
	return craft(t, 0x1c849313, zlib.BestCompression, figs, lowest, highest, payloadLen, payload)
}

func craft(t testing.TB, cookie int32, level int, figs int32, lowest, highest int64, payloadLen int32, payload []byte) []byte {
	t.Helper()
	var inner bytes.Buffer
	for _, v := range []any{cookie, payloadLen, int32(0), figs, lowest, highest, float64(1)} {
		if err := binary.Write(&inner, binary.BigEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	inner.Write(payload)
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(inner.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_ = binary.Write(&out, binary.BigEndian, int32(0x1c849314))
	_ = binary.Write(&out, binary.BigEndian, int32(z.Len()))
	out.Write(z.Bytes())
	return out.Bytes()
}

// onceEach returns the V2 counts payload of a histogram whose counts at
// these increasing indexes are 1, the others 0: zig-zag LEB128 varints,
// negative for a run of zeros.
func onceEach(indexes ...int64) []byte {
	zz := func(b []byte, v int64) []byte { return binary.AppendUvarint(b, uint64(v<<1^v>>63)) }
	var p []byte
	next := int64(0)
	for _, i := range indexes {
		switch gap := i - next; {
		case gap == 1:
			p = zz(p, 0)
		case gap > 1:
			p = zz(p, -gap)
		}
		p = zz(p, 1)
		next = i + 1
	}
	return p
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// allocated returns the bytes the heap allocated while f ran.
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// TestDecodeHistogramBomb is not parallel: it counts the bytes allocated.
func TestDecodeHistogramBomb(t *testing.T) {
	// 48 bytes: 1, 2 and 3 ms recorded once each over 1 … 2⁶³−1 µs at 5
	// significant figures (below 2¹⁸ a value is its own index).
	// hdrhistogram-go's Decode allocates 6,160,384 counts (49 MB) for it.
	p := onceEach(1000, 2000, 3000)
	raw := craftHistogram(t, 5, 1, math.MaxInt64, int32(len(p)), p)
	if len(raw) != 48 {
		t.Fatalf("crafted histogram is %d bytes, want 48", len(raw))
	}
	s := b64(raw)
	libBytes := allocated(func() {
		h, err := hdrhistogram.Decode([]byte(s))
		if err != nil || h.TotalCount() != 3 || h.Max() != 3000 {
			t.Fatalf("hdrhistogram.Decode: %v (the test no longer shows the problem)", err)
		}
	})
	var err error
	ours := allocated(func() { _, err = DecodeHistogram(s) })
	t.Logf("48-byte histogram: hdrhistogram.Decode allocates %d bytes; DecodeHistogram %d and refuses it: %v", libBytes, ours, err)
	if err == nil {
		t.Fatal("DecodeHistogram accepted 1 … 2⁶³−1 at 5 significant figures")
	}
	for _, want := range []string{"histogram: decode: refused: 5 significant figures over values 1 … 9223372036854775807 (6160384 counts, 49283072 bytes once decoded)", "occbench reads 1 … 3 figures"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if libBytes < 40<<20 {
		t.Errorf("hdrhistogram.Decode allocated only %d bytes", libBytes)
	}
	if ours > 256<<10 {
		t.Errorf("DecodeHistogram allocated %d bytes to refuse a 48-byte histogram", ours)
	}

	// A zip bomb: 16 MiB of zeros declared as the payload, 70 KiB
	// compressed.
	bomb := b64(craft(t, 0x1c849313, zlib.BestSpeed, 3, 1, HistHighest, 16<<20, make([]byte, 16<<20)))
	ours = allocated(func() { _, err = DecodeHistogram(bomb) })
	if err == nil || !strings.Contains(err.Error(), "counts payload of 16777216 bytes: more than the 262144") {
		t.Errorf("zip bomb: error %v", err)
	}
	if ours > 1<<20 {
		t.Errorf("zip bomb: DecodeHistogram allocated %d bytes", ours)
	}
	// The same, declaring an empty payload: only the declared bytes
	// (and one more) are inflated.
	liar := b64(craft(t, 0x1c849313, zlib.BestSpeed, 3, 1, HistHighest, 0, make([]byte, 16<<20)))
	ours = allocated(func() { _, err = DecodeHistogram(liar) })
	if err == nil {
		t.Error("a histogram inflating to 16 MiB more than it declares decoded")
	}
	if ours > 1<<20 {
		t.Errorf("undeclared zip bomb: DecodeHistogram allocated %d bytes", ours)
	}
}

func TestDecodeHistogramBounds(t *testing.T) {
	t.Parallel()
	valid := craftHistogram(t, 3, 1, HistHighest, 0, nil)
	truncated := valid[:len(valid)-5]
	tests := []struct {
		name string
		in   string
		want string // substring of the error; "" to decode
	}{
		{"occbench's settings", b64(valid), ""},
		{"with counts", b64(craftHistogram(t, 3, 1, HistHighest, 4, onceEach(1, 3))), ""},
		{"2 figures, 1 µs … 1 min", b64(craftHistogram(t, 2, 1, 60_000_000, 0, nil)), ""},
		{"lowest 0 (hdrhistogram-go v1.0.0)", b64(craftHistogram(t, 3, 0, HistHighest, 0, nil)), ""},
		{"widest accepted", b64(craftHistogram(t, MaxHistogramSigFigs, 1, MaxHistogramHighest, 0, nil)), ""},
		{"4 figures", b64(craftHistogram(t, 4, 1, HistHighest, 0, nil)), "refused: 4 significant figures"},
		{"0 figures", b64(craftHistogram(t, 0, 1, HistHighest, 0, nil)), "refused: 0 significant figures"},
		{"negative figures", b64(craftHistogram(t, -1, 1, HistHighest, 0, nil)), "refused: -1 significant figures"},
		{"highest beyond 24 h", b64(craftHistogram(t, 3, 1, MaxHistogramHighest+1, 0, nil)), "over values 1 … 86400000001"},
		{"highest below twice lowest", b64(craftHistogram(t, 3, 1000, 1999, 0, nil)), "over values 1000 … 1999"},
		{"lowest above 1 ms", b64(craftHistogram(t, 3, 1001, HistHighest, 0, nil)), "over values 1001 …"},
		{"negative lowest", b64(craftHistogram(t, 3, -5, HistHighest, 0, nil)), "over values -5 …"},
		{"negative highest", b64(craftHistogram(t, 3, 1, -1, 0, nil)), "over values 1 … -1:"},
		{"negative payload", b64(craftHistogram(t, 3, 1, HistHighest, -1, nil)), "counts payload of -1 bytes"},
		{"truncated", b64(truncated), "truncated?"},
		{"negative compressed length", b64(append([]byte{0x1c, 0x84, 0x93, 0x14, 0xff, 0xff, 0xff, 0xff}, valid[8:]...)), "compressed length -1"},
		{"not zlib", b64([]byte{0x1c, 0x84, 0x93, 0x14, 0, 0, 0, 4, 1, 2, 3, 4}), "compressed contents"},
		{"inner cookie", b64(craft(t, 0x1c849312, zlib.BestSpeed, 3, 1, HistHighest, 0, nil)), "inner cookie 0x1c849302"},
		{"too long", strings.Repeat("A", MaxHistogramEncoded+1), "longer than the 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := DecodeHistogram(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("DecodeHistogram: %v", err)
			case tt.want == "":
				if n := h.TotalCount(); n != 0 && n != 2 {
					t.Errorf("%d values, want 0 or 2", n)
				}
			case err == nil:
				t.Fatalf("DecodeHistogram succeeded, want an error with %q", tt.want)
			case !strings.HasPrefix(err.Error(), "histogram: decode: ") || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n"):
				t.Errorf("error %q, want one line starting histogram: decode: with %q", err, tt.want)
			}
		})
	}
}

func TestHistogramCounts(t *testing.T) {
	t.Parallel()
	// Against the library's own geometry: the counts a histogram's
	// ByteSize reports.
	for _, g := range []struct {
		lowest, highest int64
		figs            int
	}{
		{1, HistHighest, 3}, {1, MaxHistogramHighest, 3}, {1, 60_000_000, 2}, {1000, HistHighest, 1},
		{1, math.MaxInt64, 5}, {7, 1 << 40, 4}, {1, 2, 1},
	} {
		h := hdrhistogram.New(g.lowest, g.highest, g.figs)
		got, ok := histogramCounts(g.lowest, g.highest, int32(g.figs))
		if want := int64(h.ByteSize()-6*8-5*4) / 8; !ok || got != want {
			t.Errorf("histogramCounts(%d, %d, %d) = %d, %v; want %d", g.lowest, g.highest, g.figs, got, ok, want)
		}
	}
}
