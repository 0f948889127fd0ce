package metrics

import (
	"errors"
	"math"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
)

// NativeSchema is the schema of the committed latency's native
// histogram: 2³ buckets per power of two, each 2^(1/8) ≈ 1.09 times the
// last (client_golang's NativeHistogramBucketFactor 1.1 picks it too).
const NativeSchema = 3

// NativeZeroThreshold bounds the native histogram's zero bucket, in
// seconds: client_golang's default (only a latency of 0 falls in it).
const NativeZeroThreshold = prometheus.DefNativeHistogramZeroThreshold

// nativeBounds are the upper bounds, within [0.5, 1), of schema 3's
// buckets in one power of two: client_golang's table.
var nativeBounds = [...]float64{
	0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
	0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711,
}

// NativeKey is the index of the schema-3 native bucket that holds v > 0
// seconds: bucket k holds (2^((k-1)/8), 2^(k/8)]. As client_golang
// places an observation.
func NativeKey(v float64) int {
	frac, exp := math.Frexp(v)
	return sort.SearchFloat64s(nativeBounds[:], frac) + (exp-1)*len(nativeBounds)
}

// hist is a committed latency histogram, classic and native buckets of
// the same values.
type hist struct {
	classic []uint64      // per bucket, not cumulative; +Inf last
	native  map[int]int64 // schema NativeSchema, by NativeKey
	zero    uint64        // native zero bucket
	count   uint64
	sum     float64 // seconds
}

func (m *Metrics) newHist() hist {
	return hist{classic: make([]uint64, len(m.bounds)+1), native: map[int]int64{}}
}

// classicIndex is the classic bucket of a value of us µs: the first whose
// bound is at least us (len(bounds): +Inf).
func (m *Metrics) classicIndex(us int64) int {
	i := 0
	for i < len(m.boundsUS) && us > m.boundsUS[i] {
		i++
	}
	return i
}

// place adds n values of us µs to the buckets (not to count or sum).
func (m *Metrics) place(h *hist, us int64, n uint64) {
	h.classic[m.classicIndex(us)] += n
	if s := float64(us) / 1e6; s > NativeZeroThreshold {
		h.native[NativeKey(s)] += int64(n)
	} else {
		h.zero += n
	}
}

// addSeries adds the latencies of a cell's per-second series: each
// bucket of the series' histogram at its upper bound (so a value never
// sits in a lower bucket than it will once the cell's exact histogram
// replaces these), and to the sum at its lower bound (so the sum never
// exceeds the exact one).
func (m *Metrics) addSeries(h *hist, l *record.Latency) {
	if l.N == 0 {
		return
	}
	for i, n := range l.Counts {
		if n == 0 {
			continue
		}
		lo, hi := record.LatencyBounds(i)
		m.place(h, hi, n)
		h.sum += float64(n) * float64(lo) / 1e6
	}
	h.count += l.N
}

// addHDR adds a committed-latency HDR histogram (µs, encoded), each value
// at its highest equivalent.
func (m *Metrics) addHDR(h *hist, enc string) error {
	d, err := results.DecodeHistogram(enc)
	if err != nil {
		return err
	}
	for _, bar := range d.Distribution() {
		if bar.Count > 0 {
			m.place(h, bar.To, uint64(bar.Count))
		}
	}
	h.count += uint64(d.TotalCount())
	h.sum += d.Mean() * float64(d.TotalCount()) / 1e6
	return nil
}

// finishedHist is the histogram of a finished cell that ran live: count and
// native buckets from its series (as the scrapes showed them while it
// ran: a native bucket never shrinks), classic buckets and sum from its
// exact HDR histogram (a cumulative classic bucket and the sum only
// grow: see addSeries). The series and the HDR histogram hold the same
// values (a value above the HDR histogram's 1 h is in the series only,
// and in +Inf).
func (m *Metrics) finishedHist(series *record.Latency, enc string) (hist, error) {
	h := m.newHist()
	m.addSeries(&h, series)
	if enc == "" {
		return h, nil
	}
	exact := m.newHist()
	if err := m.addHDR(&exact, enc); err != nil {
		return h, err
	}
	var below uint64 // Σ finite classic buckets, at most count
	for i := range len(m.bounds) {
		n := min(exact.classic[i], h.count-below)
		h.classic[i] = n
		below += n
	}
	h.classic[len(m.bounds)] = h.count - below
	h.sum = max(h.sum, exact.sum)
	return h, nil
}

// add adds o to h.
func (h *hist) add(o *hist) {
	for i, n := range o.classic {
		h.classic[i] += n
	}
	for k, n := range o.native {
		h.native[k] += n
	}
	h.zero += o.zero
	h.count += o.count
	h.sum += o.sum
}

// clone is a copy of h that add can change.
func (h *hist) clone() hist {
	c := hist{classic: append([]uint64(nil), h.classic...), native: make(map[int]int64, len(h.native)), zero: h.zero, count: h.count, sum: h.sum}
	for k, n := range h.native {
		c.native[k] = n
	}
	return c
}

// metric is h as one Prometheus histogram with both classic and native
// buckets, as a client_golang histogram with NativeHistogramBucketFactor
// set exposes: the text format shows the classic ones, the protobuf
// format (what Prometheus asks for when it ingests native histograms)
// both.
func (m *Metrics) metric(d *prometheus.Desc, h *hist, labels ...string) prometheus.Metric {
	cum := make(map[float64]uint64, len(m.bounds))
	var acc uint64
	for i, b := range m.bounds {
		acc += h.classic[i]
		cum[b] = acc
	}
	classic, err := prometheus.NewConstHistogram(d, h.count, h.sum, cum, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	native, err := prometheus.NewConstNativeHistogram(d, h.count, h.sum, h.native, nil, h.zero, NativeSchema, NativeZeroThreshold, time.Time{}, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return dual{classic: classic, native: native}
}

// dual is a histogram written with the classic buckets of one metric
// and the native buckets of another.
type dual struct{ classic, native prometheus.Metric }

func (d dual) Desc() *prometheus.Desc { return d.classic.Desc() }

func (d dual) Write(out *dto.Metric) error {
	if err := d.classic.Write(out); err != nil {
		return err
	}
	var n dto.Metric
	if err := d.native.Write(&n); err != nil {
		return err
	}
	h, nh := out.GetHistogram(), n.GetHistogram()
	if h == nil || nh == nil {
		return errors.New("metrics: a histogram without its histogram")
	}
	h.Schema, h.ZeroThreshold, h.ZeroCount = nh.Schema, nh.ZeroThreshold, nh.ZeroCount
	h.PositiveSpan, h.PositiveDelta = nh.PositiveSpan, nh.PositiveDelta
	return nil
}
