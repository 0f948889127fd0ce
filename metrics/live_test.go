package metrics

import (
	"bytes"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// gather returns m's metrics as the registry holds them (native buckets
// included, which the text format leaves out).
func gather(m *Metrics) (families, error) {
	mfs, err := m.Registry().Gather()
	if err != nil {
		return nil, err
	}
	f := families{}
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f, nil
}

// cumulative is a classic histogram's cumulative count per bound.
func cumulative(h *dto.Histogram) map[float64]uint64 {
	out := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		out[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	return out
}

// native is a native histogram's count per positive bucket key.
func native(h *dto.Histogram) map[int]int64 {
	out := map[int]int64{}
	key, k := 0, 0
	var count int64
	for _, sp := range h.GetPositiveSpan() {
		key += int(sp.GetOffset())
		for range sp.GetLength() {
			count += h.GetPositiveDelta()[k]
			k++
			if count != 0 {
				out[key] = count
			}
			key++
		}
	}
	return out
}

// checkGrows fails unless every count of after is at least before's:
// Prometheus would take a decrease for a counter reset.
func checkGrows(t *testing.T, before, after *dto.Histogram) {
	t.Helper()
	if after.GetSampleCount() < before.GetSampleCount() || after.GetSampleSum() < before.GetSampleSum() {
		t.Errorf("count %d → %d, sum %v → %v: a decrease", before.GetSampleCount(), after.GetSampleCount(), before.GetSampleSum(), after.GetSampleSum())
	}
	ca := cumulative(after)
	for le, n := range cumulative(before) {
		if ca[le] < n {
			t.Errorf("bucket le=%v: %d → %d", le, n, ca[le])
		}
	}
	na := native(after)
	for k, n := range native(before) {
		if na[k] < n {
			t.Errorf("native bucket %d: %d → %d", k, n, na[k])
		}
	}
	if after.GetZeroCount() < before.GetZeroCount() || after.GetSchema() != before.GetSchema() || after.GetZeroThreshold() != before.GetZeroThreshold() {
		t.Errorf("zero bucket %d → %d, schema %d → %d, zero threshold %v → %v", before.GetZeroCount(), after.GetZeroCount(),
			before.GetSchema(), after.GetSchema(), before.GetZeroThreshold(), after.GetZeroThreshold())
	}
}

// TestNativeKey places values as client_golang's own native histogram
// with NativeHistogramBucketFactor 1.1 does.
func TestNativeKey(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{
		1e-6, 1.5e-6, 50e-6, 999e-6, 1e-3, 1.023e-3, 0.0625, 0.1, 0.5, 1, math.Pow(2, 1.0/8), math.Nextafter(math.Pow(2, 1.0/8), 2), 1.5, 2, 60, 3600,
	} {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", NativeHistogramBucketFactor: 1.1})
		h.Observe(v)
		var m dto.Metric
		if err := h.(prometheus.Metric).Write(&m); err != nil {
			t.Fatal(err)
		}
		hist := m.GetHistogram()
		if hist.GetSchema() != NativeSchema {
			t.Fatalf("client_golang picks schema %d for factor 1.1, want %d", hist.GetSchema(), NativeSchema)
		}
		want := int(hist.GetPositiveSpan()[0].GetOffset())
		if got := NativeKey(v); got != want {
			t.Errorf("NativeKey(%v) = %d, client_golang %d", v, got, want)
		}
	}
	for _, tt := range []struct {
		v    float64
		want int
	}{{1, 0}, {2, 8}, {0.5, -8}, {1.0001, 1}} {
		if got := NativeKey(tt.v); got != tt.want {
			t.Errorf("NativeKey(%v) = %d, want %d", tt.v, got, tt.want)
		}
	}
}

// series returns a series holding one committed op per latency, in
// second 0, flushed.
func series(lat ...time.Duration) (*record.Series, string) {
	s := &record.Series{}
	r := record.New(s)
	for _, l := range lat {
		r.AttemptDone(time.Millisecond, l, drivers.NotConflict)
		r.Commit(time.Millisecond, l, 1, 0, l)
	}
	r.Flush()
	var c results.Cell
	if err := r.Summarize(&c, time.Second); err != nil {
		panic(err)
	}
	return s, c.Histograms[results.HistCommitted]
}

func TestLiveHistogram(t *testing.T) {
	t.Parallel()
	lat := []time.Duration{0, 40 * time.Microsecond, 995 * time.Microsecond, 1000 * time.Microsecond, 2 * time.Millisecond, 70 * time.Second}
	s, enc := series(lat...)
	m := New("memory")
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 1, Trial: 1}
	m.CellStarted(spec, 0, 1, &runner.Live{Series: s, Start: time.Now()})
	f, err := gather(m)
	if err != nil {
		t.Fatal(err)
	}
	live := f.find("occbench_committed_latency_seconds", nil).GetHistogram()
	if live.GetSampleCount() != uint64(len(lat)) {
		t.Fatalf("live count %d, want %d", live.GetSampleCount(), len(lat))
	}
	// Each value at the upper bound of its series bucket: 995 and 1000 µs
	// are in 992-1023 µs, above 1 ms; the exact histogram has both ≤ 1 ms.
	wantLive := map[float64]uint64{50e-6: 2, 1e-3: 2, 2.5e-3: 5, 60: 5, math.Inf(1): 6}
	wantExact := map[float64]uint64{50e-6: 2, 1e-3: 4, 2.5e-3: 5, 60: 5, math.Inf(1): 6}
	for le, n := range wantLive {
		if got := cumulative(live)[le]; got != n && !math.IsInf(le, 1) {
			t.Errorf("live le=%v: %d, want %d", le, got, n)
		}
	}
	wantNative := map[int]int64{}
	var wantSum float64
	for _, l := range lat {
		i := record.LatencyBucket(l.Microseconds())
		lo, hi := record.LatencyBounds(i)
		if hi > 0 {
			wantNative[NativeKey(float64(hi)/1e6)]++
		}
		wantSum += float64(lo) / 1e6
	}
	if got := native(live); len(got) != len(wantNative) || live.GetZeroCount() != 1 {
		t.Errorf("live native %v zero %d, want %v zero 1", got, live.GetZeroCount(), wantNative)
	}
	for k, n := range wantNative {
		if native(live)[k] != n {
			t.Errorf("live native bucket %d: %d, want %d", k, native(live)[k], n)
		}
	}
	if math.Abs(live.GetSampleSum()-wantSum) > 1e-12 {
		t.Errorf("live sum %v, want %v (lower bounds)", live.GetSampleSum(), wantSum)
	}

	m.CellFinished(spec, &results.Cell{Ops: int64(len(lat)), Histograms: map[string]string{results.HistCommitted: enc}, Audit: results.Audit{OK: true}})
	f, err = gather(m)
	if err != nil {
		t.Fatal(err)
	}
	end := f.find("occbench_committed_latency_seconds", nil).GetHistogram()
	checkGrows(t, live, end)
	for le, n := range wantExact {
		if got := cumulative(end)[le]; got != n && !math.IsInf(le, 1) {
			t.Errorf("finished le=%v: %d, want %d", le, got, n)
		}
	}
	if got, want := native(end), native(live); len(got) != len(want) {
		t.Errorf("native buckets changed at the end: %v, were %v", got, want)
	}
	if end.GetSampleCount() != uint64(len(lat)) || end.GetSampleSum() <= live.GetSampleSum() {
		t.Errorf("finished count %d sum %v (live sum %v)", end.GetSampleCount(), end.GetSampleSum(), live.GetSampleSum())
	}

	// A second trial adds up; so does a cell that never finished.
	s2, _ := series(3 * time.Millisecond)
	m.CellStarted(spec, 1, 3, &runner.Live{Series: s2, Start: time.Now()})
	m.CellStarted(runner.Spec{Strategy: "lww", Backoff: "none", Writers: 1, Trial: 1}, 2, 3, &runner.Live{Series: &record.Series{}})
	f, err = gather(m)
	if err != nil {
		t.Fatal(err)
	}
	after := f.find("occbench_committed_latency_seconds", map[string]string{"strategy": "optimistic"}).GetHistogram()
	checkGrows(t, end, after)
	if after.GetSampleCount() != uint64(len(lat)+1) {
		t.Errorf("after an unfinished trial: count %d, want %d", after.GetSampleCount(), len(lat)+1)
	}
}

// TestNativeServed: Prometheus asks for the protobuf format when it
// ingests native histograms; the histogram carries both kinds there.
func TestNativeServed(t *testing.T) {
	t.Parallel()
	s, _ := series(time.Millisecond, 2*time.Millisecond)
	m := New("memory")
	m.CellStarted(runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 1, Trial: 1}, 0, 1, &runner.Live{Series: s, Start: time.Now()})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, req)
	dec := expfmt.NewDecoder(bytes.NewReader(rec.Body.Bytes()), expfmt.ResponseFormat(rec.Header()))
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			t.Fatalf("no occbench_committed_latency_seconds in the %s answer", rec.Header().Get("Content-Type"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if mf.GetName() != "occbench_committed_latency_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSchema() != NativeSchema || len(native(h)) == 0 || len(h.GetBucket()) != len(Buckets()) || h.GetSampleCount() != 2 {
			t.Errorf("served %v, want schema %d, native and %d classic buckets, 2 values", h, NativeSchema, len(Buckets()))
		}
		return
	}
}

func TestAuditMetrics(t *testing.T) {
	t.Parallel()
	m := New("memory")
	spec := runner.Spec{Strategy: "lww", Backoff: "none", Writers: 2, Trial: 1}
	for _, c := range []results.Cell{
		{Audit: results.Audit{LostUpdates: 5, OK: true, LossExpected: true}}, // lww loses, as it says
		{Audit: results.Audit{LostUpdates: 3}},
		{Audit: results.Audit{LostUpdates: -2, OK: true}}, // indeterminate attempts that committed
		{Audit: results.Audit{LostUpdates: 7, StoreReset: true}},
		{Audit: results.Audit{Unavailable: "redis: timeout"}},
		{Skipped: "lease: not supported"},
	} {
		m.CellFinished(spec, &c)
	}
	f, err := gather(m)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.value("occbench_lost_updates_total", nil); v != 15 {
		t.Errorf("lost updates %v, want 15", v)
	}
	for reason, want := range map[string]float64{AuditLostUpdates: 1, AuditStoreReset: 1, AuditUnavailable: 1} {
		if v, ok := f.value("occbench_audit_failures_total", map[string]string{"reason": reason}); !ok || v != want {
			t.Errorf("audit failures{%s} = %v (present %v), want %v", reason, v, ok, want)
		}
	}
}
