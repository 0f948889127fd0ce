package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// BenchmarkScrape is one scrape late in a run: 47 finished cells (each
// with a committed latency histogram) and a running one 10 minutes in
// (600 per-second points). The running cell's series is read once, under
// its mutex, per scrape.
func BenchmarkScrape(b *testing.B) {
	h := results.NewHistogram()
	for v := int64(1); v < 1_000_000; v += 37 {
		if err := h.RecordValue(v); err != nil {
			b.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		b.Fatal(err)
	}
	m := New("memory")
	strategies := []string{"optimistic", "pessimistic", "lease", "lww"}
	backoffs := []string{"none", "expo", "full-jitter", "decorrelated-jitter"}
	var specs []runner.Spec
	for _, w := range []int{1, 4, 16} {
		for _, st := range strategies {
			for _, bo := range backoffs {
				specs = append(specs, runner.Spec{Strategy: st, Backoff: bo, Writers: w, Trial: 1})
			}
		}
	}
	last := len(specs) - 1
	for i, spec := range specs[:last] {
		m.CellStarted(spec, i, len(specs), &runner.Live{})
		m.CellFinished(spec, &results.Cell{Ops: 1000, Attempts: 1200, Conflicts: 200, Histograms: map[string]string{results.HistCommitted: enc}})
	}
	m.CellStarted(specs[last], last, len(specs), &runner.Live{
		Series: liveSeries(600, 10, time.Millisecond), Start: time.Now().Add(-600 * time.Second), Length: 20 * time.Minute,
	})
	handler := m.Handler()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}
