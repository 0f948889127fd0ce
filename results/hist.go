package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// NewHistogram returns an empty histogram with the settings every occbench
// histogram shares: HistLowest … HistHighest (1 µs … 1 h) at HistSigFigs
// significant figures.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistLowest, HistHighest, HistSigFigs)
}

// EncodeHistogram returns h in the form stored in Cell.Histograms: the
// HdrHistogram V2 compressed encoding in standard base64. hdrhistogram-go's
// Encode already returns base64 text, so this is exactly one base64 layer
// over the binary V2 format.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", errors.New("histogram: encode: nil histogram")
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("histogram: encode: %w", err)
	}
	return string(b), nil
}

// Bounds of what DecodeHistogram reads. hdrhistogram-go's Decode
// allocates the counts array from the header's lowest and highest
// trackable values and significant figures before it reads a count, so a
// 48-byte histogram claiming 1 … 2⁶³−1 at 5 figures costs 49 MB. These
// bounds are occbench's own settings (HistLowest … HistHighest at
// HistSigFigs: 23,552 counts, 184 KiB decoded) with some slack; anything
// outside them is refused before the library allocates.
const (
	// MaxHistogramEncoded is the longest stored (base64) histogram read,
	// in bytes. occbench's are a few hundred bytes to a few KiB; a
	// histogram with every count of the widest accepted geometry set
	// stays well under it.
	MaxHistogramEncoded = 1 << 20
	// MaxHistogramLowest is the highest lowest trackable value read (1 ms
	// in µs; occbench writes 1 µs).
	MaxHistogramLowest = 1000
	// MaxHistogramHighest is the highest highest trackable value read (24
	// h in µs; occbench writes 1 h).
	MaxHistogramHighest = 24 * HistHighest
	// MaxHistogramSigFigs is the most significant figures read (occbench
	// writes HistSigFigs). Each more figure multiplies the counts by 10.
	MaxHistogramSigFigs = HistSigFigs
	// MaxHistogramInflated is the largest decompressed counts payload
	// read, in bytes: the widest accepted geometry (28,672 counts) at the
	// 9 bytes a count takes at most, rounded up. It bounds a zip bomb.
	MaxHistogramInflated = 256 << 10
)

// V2 compressed encoding: an 8-byte big-endian header (cookie, length of
// the zlib stream), then the zlib stream, which inflates to a 40-byte
// header (cookie, payload length, normalizing index offset, significant
// figures, lowest and highest trackable value, conversion ratio) and the
// counts payload.
const (
	histOuterHeader = 8
	histInnerHeader = 40
	// Cookies without their low-nibble word size bits (0xf0), as
	// hdrhistogram-go compares them.
	histCompressedCookie = 0x1c849304
	histEncodingCookie   = 0x1c849303
)

// DecodeHistogram parses a histogram stored by EncodeHistogram (or any
// HdrHistogram V2 compressed, base64 encoder). It keeps the settings the
// writer used; occbench's own files always use NewHistogram's. Before
// anything is allocated from the histogram's header, it refuses one
// longer than MaxHistogramEncoded, one whose settings are outside the
// MaxHistogram* bounds (significant figures 1 … MaxHistogramSigFigs,
// lowest trackable value 0 … MaxHistogramLowest, highest trackable value
// 2 × lowest … MaxHistogramHighest) and one whose counts payload inflates
// past MaxHistogramInflated. Errors start "histogram: decode: "; callers
// add the cell and outcome.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, errors.New("histogram: decode: empty string")
	}
	if len(s) > MaxHistogramEncoded {
		return nil, fmt.Errorf("histogram: decode: %d bytes: longer than the %d a histogram may be", len(s), MaxHistogramEncoded)
	}
	if err := checkHistogram(s); err != nil {
		return nil, fmt.Errorf("histogram: decode: %w", err)
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("histogram: decode: %w", err)
	}
	return h, nil
}

// checkHistogram reads the headers of a stored histogram, inflating only
// the 40 bytes of the inner one, and refuses settings outside the
// MaxHistogram* bounds.
func checkHistogram(s string) error {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	if len(raw) < histOuterHeader {
		return fmt.Errorf("%d bytes: shorter than the %d-byte header", len(raw), histOuterHeader)
	}
	if c := binary.BigEndian.Uint32(raw) &^ 0xf0; c != histCompressedCookie {
		return fmt.Errorf("cookie %#08x: not an HdrHistogram V2 compressed histogram (%#08x)", c, histCompressedCookie)
	}
	n := int32(binary.BigEndian.Uint32(raw[4:]))
	if n < 0 || int(n) > len(raw)-histOuterHeader {
		return fmt.Errorf("compressed length %d: the histogram has %d bytes after its header (truncated?)", n, len(raw)-histOuterHeader)
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[histOuterHeader : histOuterHeader+int(n)]))
	if err != nil {
		return fmt.Errorf("compressed contents: %w", err)
	}
	var hdr [histInnerHeader]byte
	_, err = io.ReadFull(z, hdr[:])
	_ = z.Close() // only the header was read; the decoder checks the rest
	if err != nil {
		return fmt.Errorf("compressed contents: header: %w", err)
	}
	if c := binary.BigEndian.Uint32(hdr[0:]) &^ 0xf0; c != histEncodingCookie {
		return fmt.Errorf("inner cookie %#08x: not an HdrHistogram V2 histogram (%#08x)", c, histEncodingCookie)
	}
	payload := int32(binary.BigEndian.Uint32(hdr[4:]))
	figs := int32(binary.BigEndian.Uint32(hdr[12:]))
	lowest := int64(binary.BigEndian.Uint64(hdr[16:]))
	highest := int64(binary.BigEndian.Uint64(hdr[24:]))
	if figs < 1 || figs > MaxHistogramSigFigs || lowest < 0 || lowest > MaxHistogramLowest ||
		highest < 2*max(lowest, 1) || highest > MaxHistogramHighest {
		size := ""
		if counts, ok := histogramCounts(lowest, highest, figs); ok {
			size = fmt.Sprintf(" (%d counts, %d bytes once decoded)", counts, 8*counts)
		}
		return fmt.Errorf("refused: %d significant figures over values %d … %d%s: occbench reads 1 … %d figures, a lowest value of at most %d and a highest of at most %d (24 h in µs)",
			figs, lowest, highest, size, MaxHistogramSigFigs, MaxHistogramLowest, MaxHistogramHighest)
	}
	if payload < 0 || payload > MaxHistogramInflated {
		return fmt.Errorf("refused: counts payload of %d bytes: more than the %d a histogram may inflate to", payload, MaxHistogramInflated)
	}
	return nil
}

// histogramCounts returns the length of the counts array hdrhistogram-go
// allocates for these settings, as its geometry computes it, and false
// when they have none.
func histogramCounts(lowest, highest int64, figs int32) (int64, bool) {
	if figs < 0 || figs > 5 || highest < 1 {
		return 0, false
	}
	lowest = max(lowest, 1)
	// Single unit resolution up to 2 × 10^figs, in a power-of-two number
	// of sub-buckets.
	single := uint64(2)
	for range figs {
		single *= 10
	}
	subCountMag := bits.Len64(single - 1)
	halfMag := max(subCountMag, 1) - 1
	unitMag := bits.Len64(uint64(lowest)) - 1
	if unitMag+halfMag > 61 {
		return 0, false
	}
	subCount := int64(1) << (halfMag + 1)
	untrackable := subCount << unitMag
	buckets := int64(1)
	for untrackable <= highest {
		if untrackable > math.MaxInt64/2 {
			buckets++
			break
		}
		untrackable <<= 1
		buckets++
	}
	return (buckets + 1) * (subCount / 2), true
}

// LatencyOf summarises a histogram of microseconds in milliseconds: p50,
// p90, p99, p99.9, max and mean. Values carry the histogram's resolution
// (HistSigFigs significant figures; quantiles and max report the highest
// value equivalent to the recorded one). An empty or nil histogram gives
// the zero Latency.
func LatencyOf(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	const usPerMS = 1000
	ms := func(v int64) float64 { return float64(v) / usPerMS }
	return Latency{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
		Mean: h.Mean() / usPerMS,
	}
}

// RetriesOf summarises a HistAttempts histogram (attempts per committed op)
// as retries per op, attempts − 1: mean, p99 and max. An empty or nil
// histogram gives the zero Retries.
func RetriesOf(h *hdrhistogram.Histogram) Retries {
	if h == nil || h.TotalCount() == 0 {
		return Retries{}
	}
	minus1 := func(v float64) float64 { return max(0, v-1) }
	return Retries{
		Mean: minus1(h.Mean()),
		P99:  minus1(float64(h.ValueAtQuantile(99))),
		Max:  minus1(float64(h.Max())),
	}
}
