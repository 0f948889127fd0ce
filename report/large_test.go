package report

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/occbench/occbench/results"
)

// largeFile writes a results file of n cells to a temporary file and
// reads it back as occbench report does, so that every cell owns its
// strings as it would after results.ReadFile. Cells cycle through 4
// strategies × 5 backoffs × 15 writer counts × open-loop rates; each has
// committed, attempt and attempts histograms of a few hundred values and
// a 30-second time series. It returns the file and its size in bytes.
func largeFile(tb testing.TB, n int) (*results.File, int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(3, 5))
	// A pool of histograms: encoding one per cell would make the fixture
	// slower than the report.
	const pool = 16
	lat := make([]string, pool)
	att := make([]string, pool)
	counts := make([]string, pool)
	for i := range pool {
		base := 200 * float64(i+1)
		var a, b, c []int64
		for range 300 + 50*i {
			a = append(a, int64(base*math.Exp(0.6*r.NormFloat64())))
			b = append(b, int64(0.7*base*math.Exp(0.5*r.NormFloat64())))
			c = append(c, 1+int64(r.ExpFloat64()*float64(i)/4))
		}
		lat[i], att[i], counts[i] = encode(tb, a...), encode(tb, b...), encode(tb, c...)
	}
	strategies := []string{"optimistic", "pessimistic", "lease", "lww"}
	backoffs := []string{"none", "constant", "expo", "full-jitter", "decorrelated"}
	writers := []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256}
	start := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	f := &results.File{
		Schema: results.Schema, StartedAt: start, FinishedAt: start.Add(time.Duration(n) * 30 * time.Second),
		Scenario: results.Scenario{"name": "large", "duration": "30s", "seed": 1.0},
		Environment: results.Environment{
			Occbench: "v0.0.0-test", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2, Driver: "memory",
		},
	}
	for i := range n {
		s := strategies[i%len(strategies)]
		bo := backoffs[i/len(strategies)%len(backoffs)]
		w := writers[i/(len(strategies)*len(backoffs))%len(writers)]
		rate := float64(100 * (1 + i/(len(strategies)*len(backoffs)*len(writers))))
		k := i % pool
		ops := int64(1000 + 37*i%500)
		c := results.Cell{
			Driver: "memory", Strategy: s, Backoff: bo, Writers: w, Rate: rate,
			OnConflict: "retry", Scope: "document", Keys: 1, DurationS: 30,
			Ops: ops, Attempts: 2 * ops, Conflicts: ops,
			GiveUps: map[string]int64{}, Errors: map[string]int64{},
			ThroughputOpsS: float64(ops) / 30, AttemptsS: float64(2*ops) / 30, ConflictRatio: 0.5, SuccessRate: 1, Amplification: 2,
			Histograms: map[string]string{
				results.HistCommitted: lat[k],
				results.HistAttempt:   att[k],
				results.HistAttempts:  counts[k],
			},
		}
		c.LatencyMS = results.Latency{P50: 1, P90: 2, P99: 3, P999: 4, Max: 5, Mean: 1.5}
		for t := 1; t <= 30; t++ {
			c.Timeseries = append(c.Timeseries, results.Point{T: float64(t), Ops: ops / 30, Attempts: 2 * ops / 30, Conflicts: ops / 30, P99MS: 3 + r.Float64()})
		}
		c.Audit = results.Audit{Expected: ops, Observed: ops, Versions: ops, OK: true, Verdict: "ok"}
		if s == "lww" {
			c.Audit.LostUpdates, c.Audit.Observed, c.Audit.LossExpected = 3, ops-3, true
			c.Audit.Verdict = "lost updates, as lww allows"
		}
		f.Cells = append(f.Cells, c)
	}
	path := filepath.Join(tb.TempDir(), "large.json")
	if err := results.WriteFile(path, f); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	back, err := results.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return back, st.Size()
}

// heapPeak samples the heap while HTML runs: the most bytes marked live
// by a collection (/gc/heap/live) and the most bytes in heap objects,
// garbage not yet collected included (/memory/classes/heap/objects),
// which is what the process's memory follows.
type heapPeak struct {
	live, objects uint64
}

func (p *heapPeak) sample(s []metrics.Sample) {
	metrics.Read(s)
	p.live = max(p.live, s[0].Value.Uint64())
	p.objects = max(p.objects, s[1].Value.Uint64())
}

// measureHTML renders f to a counting writer and returns the peak heap
// while it ran, beyond the live heap before it (f included in neither),
// the output size and the time taken.
func measureHTML(tb testing.TB, f *results.File) (peak heapPeak, out int64, took time.Duration) {
	tb.Helper()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(s)
	base := s[0].Value.Uint64()

	done := make(chan struct{})
	stopped := make(chan heapPeak)
	go func() {
		var p heapPeak
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				p.sample(s)
				stopped <- p
				return
			case <-tick.C:
				p.sample(s)
			}
		}
	}()
	var w countWriter
	t0 := time.Now()
	err := HTML(&w, f)
	took = time.Since(t0)
	close(done)
	peak = <-stopped
	if err != nil {
		tb.Fatal(err)
	}
	sub := func(v uint64) uint64 { return v - min(v, base) }
	return heapPeak{sub(peak.live), sub(peak.objects)}, int64(w), took
}

// liveHeap returns the live heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func BenchmarkHTMLLarge(b *testing.B) {
	const n = 1000
	f, size := largeFile(b, n)
	b.ReportAllocs()
	var peak heapPeak
	for b.Loop() {
		p, _, _ := measureHTML(b, f)
		peak.live = max(peak.live, p.live)
		peak.objects = max(peak.objects, p.objects)
	}
	b.ReportMetric(float64(size)/n, "file-B/cell")
	b.ReportMetric(float64(peak.live)/n, "peak-live-B/cell")
	b.ReportMetric(float64(peak.objects)/n, "peak-heap-B/cell")
}

// countWriter counts and discards.
type countWriter int64

func (w *countWriter) Write(b []byte) (int, error) { *w += countWriter(len(b)); return len(b), nil }

// TestHTMLMemoryLarge renders a 3,000-cell file (300 under the race
// detector, which slows drawing tenfold; OCCBENCH_LARGE_CELLS sets
// another count) and checks that the memory HTML holds stays within a
// small multiple of the file's size. It logs the numbers:
//
//	go test -run TestHTMLMemoryLarge -v ./report
func TestHTMLMemoryLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: renders a 3,000-cell report")
	}
	// Not parallel: it measures the heap.
	n := 3000
	if raceEnabled {
		n = 300
	}
	if v, err := strconv.Atoi(os.Getenv("OCCBENCH_LARGE_CELLS")); err == nil && v > 0 {
		n = v
	}
	before := liveHeap()
	f, size := largeFile(t, n)
	held := liveHeap() - before
	peak, out, took := measureHTML(t, f)
	t.Logf("%d cells: file %d bytes (%d per cell), %d bytes once read (%d per cell); beyond the file, HTML peaked at %d live bytes (%d per cell), %d in heap objects (%d per cell); wrote %d bytes in %v",
		n, size, size/int64(n), held, held/uint64(n), peak.live, peak.live/uint64(n), peak.objects, peak.objects/uint64(n), out, took.Round(time.Millisecond))
	runtime.KeepAlive(f)
	// Before HTML drew one chart at a time it held every chart's SVG:
	// 12 times the file at 3,000 cells.
	if limit := 2*uint64(size) + 16<<20; peak.live > limit {
		t.Errorf("HTML held %d live bytes beyond a %d-byte file, more than %d", peak.live, size, limit)
	}
}
