package results

import (
	"errors"
	"fmt"

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

// DecodeHistogram parses a histogram stored by EncodeHistogram (or any
// HdrHistogram V2 compressed, base64 encoder). It keeps the settings the
// writer used; occbench's own files always use NewHistogram's.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, errors.New("histogram: decode: empty string")
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("histogram: decode: %w", err)
	}
	return h, nil
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
