package metrics

import (
	"context"
	"errors"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

type families map[string]*dto.MetricFamily

func scrape(h http.Handler) (families, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		return nil, errors.New(rec.Body.String())
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(rec.Body)
}

// find returns the series of name whose labels include want.
func (f families) find(name string, want map[string]string) *dto.Metric {
	mf := f[name]
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is the value of a counter or gauge, and whether it is there.
func (f families) value(name string, want map[string]string) (float64, bool) {
	m := f.find(name, want)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

// stepClock is a fake clock that moves step forward on every Now, so
// seconds pass as the writers work, and Sleep advances it. Once its time
// reaches at it calls hook, from the goroutine that asked the time.
type stepClock struct {
	mu    sync.Mutex
	now   time.Time
	step  time.Duration
	at    time.Time
	hook  func()
	fired bool
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	c.now = c.now.Add(c.step)
	t := c.now
	fire := c.hook != nil && !c.fired && !t.Before(c.at)
	if fire {
		c.fired = true
	}
	c.mu.Unlock()
	if fire {
		c.hook()
	}
	return t
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// scrapeAt wraps Metrics as the runner's Observer: when the cell starts
// it arms the clock to scrape when the measured time reaches at.
type scrapeAt struct {
	*Metrics
	clk  *stepClock
	at   time.Duration
	live *runner.Live
	mid  families
	midG families // the same scrape, gathered: native buckets
	err  error
}

func (s *scrapeAt) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	s.Metrics.CellStarted(spec, index, total, live)
	s.live = live
	s.clk.mu.Lock()
	s.clk.at = live.Start.Add(s.at)
	s.clk.hook = func() {
		s.mid, s.err = scrape(s.Handler())
		if s.err == nil {
			s.midG, s.err = gather(s.Metrics)
		}
	}
	s.clk.mu.Unlock()
}

func TestRunCellScrape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		writers int
		ops     int
		backoff string
	}{
		// One writer: the mid-run scrape is exact (seconds 0-2 flushed).
		{"one writer", 1, 5000, "none"},
		{"four writers contend", 4, 1500, "expo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := memory.New(drivers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sc := scenarios.Default()
			sc.Driver = memory.Name
			sc.OpsPerWriter = tt.ops
			sc.Writers = []int{tt.writers}
			sc.Backoffs = []string{tt.backoff}
			clk := &stepClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), step: time.Millisecond}
			m := New(memory.Name)
			m.now = clk.Now
			obs := &scrapeAt{Metrics: m, clk: clk, at: 3500 * time.Millisecond}
			cfg := runner.Config{Scenario: sc, Store: st, DriverName: memory.Name, Clock: clk, Observer: obs}
			spec := runner.Spec{Strategy: "optimistic", Backoff: tt.backoff, Writers: tt.writers, Trial: 1}

			cell, err := runner.RunCell(context.Background(), cfg, spec, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if obs.err != nil || obs.mid == nil {
				t.Fatalf("mid-run scrape: fired=%v err=%v", clk.fired, obs.err)
			}
			if cell.Ops != int64(tt.ops*tt.writers) || !cell.Audit.OK {
				t.Fatalf("cell: %d ops, audit %q", cell.Ops, cell.Audit.Verdict)
			}
			labels := map[string]string{"driver": "memory", "strategy": "optimistic", "backoff": tt.backoff, "writers": strconv.Itoa(tt.writers)}

			// During the run.
			mid := obs.mid
			midOps, _ := mid.value("occbench_ops_total", labels)
			midAttempts, _ := mid.value("occbench_attempts_total", labels)
			t.Logf("mid-run at 3.5s: %v ops, %v attempts; cell: %d ops, %d attempts, %d conflicts in %v s", midOps, midAttempts, cell.Ops, cell.Attempts, cell.Conflicts, cell.DurationS)
			if midOps <= 0 || midOps >= float64(cell.Ops) || midAttempts < midOps {
				t.Errorf("mid-run: ops %v attempts %v, want 0 < ops < %d, attempts ≥ ops", midOps, midAttempts, cell.Ops)
			}
			if tt.writers == 1 {
				var want results.Point
				for _, p := range cell.Timeseries[:3] {
					want.Ops += p.Ops
					want.Attempts += p.Attempts
				}
				if midOps != float64(want.Ops) || midAttempts != float64(want.Attempts) {
					t.Errorf("mid-run: ops %v attempts %v, want the first three seconds: %d, %d", midOps, midAttempts, want.Ops, want.Attempts)
				}
				// elapsed 3.5s: the last complete second is second 1.
				if p99, ok := mid.value("occbench_cell_latency_p99_seconds", nil); !ok || p99 != cell.Timeseries[1].P99MS/1e3 {
					t.Errorf("mid-run p99 = %v (present %v), want %v", p99, ok, cell.Timeseries[1].P99MS/1e3)
				}
			}
			info := map[string]string{"trial": "1"}
			for k, v := range labels {
				info[k] = v
			}
			if v, ok := mid.value("occbench_cell_info", info); !ok || v != 1 {
				t.Errorf("mid-run: occbench_cell_info%v = %v, %v", info, v, ok)
			}
			if _, ok := mid.value("occbench_cell_progress_ratio", nil); ok {
				t.Error("mid-run: progress ratio present in an ops-bounded cell")
			}
			// The histogram is live: the ops flushed so far (one writer:
			// exactly the ops counted, nothing flushed in between).
			midHist := obs.midG.find("occbench_committed_latency_seconds", labels).GetHistogram()
			if n := midHist.GetSampleCount(); n == 0 || (tt.writers == 1 && float64(n) != midOps) || float64(n) < midOps {
				t.Errorf("mid-run: histogram count %d, want the %v ops counted", n, midOps)
			}
			if midHist.GetSchema() != NativeSchema || len(midHist.GetPositiveSpan()) == 0 {
				t.Errorf("mid-run: no native buckets: schema %d, spans %v", midHist.GetSchema(), midHist.GetPositiveSpan())
			}

			// After the cell.
			end, err := scrape(m.Handler())
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]int64{
				"occbench_ops_total": cell.Ops, "occbench_attempts_total": cell.Attempts, "occbench_conflicts_total": cell.Conflicts,
			} {
				if v, ok := end.value(name, labels); !ok || v != float64(want) {
					t.Errorf("%s = %v (present %v), want %d", name, v, ok, want)
				}
			}
			for g := range record.NumGiveUps {
				reason := record.GiveUp(g).String()
				l := map[string]string{"reason": reason}
				for k, v := range labels {
					l[k] = v
				}
				if v, ok := end.value("occbench_give_ups_total", l); !ok || v != float64(cell.GiveUps[reason]) {
					t.Errorf("give_ups{%s} = %v (present %v), want %d", reason, v, ok, cell.GiveUps[reason])
				}
			}
			if v, ok := end.value("occbench_errors_total", map[string]string{"class": "connection"}); !ok || v != 0 {
				t.Errorf("errors{connection} = %v (present %v), want 0", v, ok)
			}
			endG, err := gather(m)
			if err != nil {
				t.Fatal(err)
			}
			h := endG.find("occbench_committed_latency_seconds", labels)
			if h == nil {
				t.Fatal("no committed latency histogram")
			}
			hist := h.GetHistogram()
			checkGrows(t, midHist, hist)
			// At the end the classic buckets are the exact histogram's, as
			// for a cell the metrics did not see running.
			exact := New(memory.Name)
			exact.CellFinished(spec, &cell)
			exactG, err := gather(exact)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cumulative(hist), cumulative(exactG.find("occbench_committed_latency_seconds", labels).GetHistogram()); !maps.Equal(got, want) {
				t.Errorf("classic buckets after the cell %v, want the exact histogram's %v", got, want)
			}
			if hist.GetSampleCount() != uint64(cell.Ops) {
				t.Errorf("histogram count %d, want %d", hist.GetSampleCount(), cell.Ops)
			}
			if want := cell.LatencyMS.Mean / 1e3 * float64(cell.Ops); math.Abs(hist.GetSampleSum()-want) > 1e-3*want {
				t.Errorf("histogram sum %v s, want ≈ %v s (mean × ops)", hist.GetSampleSum(), want)
			}
			if v, _ := end.value("occbench_cell_progress_ratio", nil); v != 1 {
				t.Errorf("progress ratio after the cell = %v, want 1", v)
			}
			if v, _ := end.value("occbench_cells_finished_total", nil); v != 1 {
				t.Errorf("cells finished = %v, want 1", v)
			}
			if v, _ := end.value("occbench_run_cells", nil); v != 1 {
				t.Errorf("run cells = %v, want 1", v)
			}
			if _, ok := end.value("occbench_cell_latency_p99_seconds", nil); ok {
				t.Error("live p99 present between cells")
			}
		})
	}
}

// liveSeries returns a series with ops committed ops (and as many
// attempts) in each of secs seconds, at latency lat.
func liveSeries(secs, ops int, lat time.Duration) *record.Series {
	s := &record.Series{}
	rec := record.New(s)
	for sec := range secs {
		at := time.Duration(sec)*time.Second + time.Millisecond
		for range ops {
			rec.AttemptDone(at, lat, drivers.NotConflict)
			rec.Commit(at, lat, 1, 0, lat)
		}
	}
	rec.Flush()
	return s
}

func TestLiveAndUnfinished(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := t0
	m := New("memory")
	m.now = func() time.Time { return now }
	a := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 2, Trial: 1}
	b := runner.Spec{Strategy: "lww", Backoff: "none", Writers: 2, Trial: 1}
	la := map[string]string{"strategy": "optimistic"}
	lb := map[string]string{"strategy": "lww"}

	tests := []struct {
		name  string
		do    func()
		check map[string]float64 // name + "|" + strategy → value; NaN = absent
	}{
		{"before any cell", func() {}, map[string]float64{
			"occbench_ops_total|optimistic": math.NaN(), "occbench_cell_info|optimistic": math.NaN(),
			"occbench_cells_finished_total|": 0, "occbench_run_cells|": math.NaN(),
		}},
		{"timed cell in warmup", func() {
			m.CellStarted(a, 0, 2, &runner.Live{Series: liveSeries(0, 0, 0), Start: t0.Add(time.Second), Length: 10 * time.Second})
		}, map[string]float64{
			"occbench_ops_total|optimistic": 0, "occbench_cell_progress_ratio|": 0, "occbench_run_cells|": 2,
			"occbench_cell_info|optimistic": 1, "occbench_cell_latency_p99_seconds|": math.NaN(),
		}},
		{"timed cell running", func() {
			m.CellStarted(a, 0, 2, &runner.Live{Series: liveSeries(3, 100, 1023*time.Microsecond), Start: t0, Length: 10 * time.Second})
			now = t0.Add(4 * time.Second)
		}, map[string]float64{
			// The unfinished first start counted nothing.
			"occbench_ops_total|optimistic": 300, "occbench_attempts_total|optimistic": 300,
			"occbench_cell_progress_ratio|": 0.4, "occbench_cell_latency_p99_seconds|": 0.001023,
		}},
		{"runner gave up on the cell: its counts stay", func() {
			m.CellStarted(b, 1, 2, &runner.Live{Series: liveSeries(1, 7, time.Millisecond), Start: now})
		}, map[string]float64{
			"occbench_ops_total|optimistic": 300, "occbench_ops_total|lww": 7,
			"occbench_cell_info|optimistic": math.NaN(), "occbench_cell_info|lww": 1,
			"occbench_cell_progress_ratio|": math.NaN(), // ops mode
		}},
		{"cell finished: exact totals", func() {
			m.CellFinished(b, &results.Cell{Ops: 9, Attempts: 12, Conflicts: 3, GiveUps: map[string]int64{"budget": 2}, Errors: map[string]int64{"timeout": 1}})
		}, map[string]float64{
			"occbench_ops_total|lww": 9, "occbench_attempts_total|lww": 12, "occbench_conflicts_total|lww": 3,
			"occbench_give_ups_total|lww": 2, "occbench_errors_total|lww": 1,
			"occbench_cell_progress_ratio|": 1, "occbench_cells_finished_total|": 1, "occbench_cell_info|lww": 1,
		}},
		{"trials add up", func() {
			m.CellStarted(b, 2, 3, &runner.Live{Series: liveSeries(1, 5, time.Millisecond), Start: now})
		}, map[string]float64{"occbench_ops_total|lww": 14, "occbench_run_cells|": 3}},
	}
	for _, tt := range tests {
		tt.do()
		f, err := scrape(m.Handler())
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for k, want := range tt.check {
			name, strat, _ := strings.Cut(k, "|")
			var l map[string]string
			switch strat {
			case "optimistic":
				l = la
			case "lww":
				l = lb
			}
			if name == "occbench_give_ups_total" {
				l = map[string]string{"strategy": strat, "reason": "budget"}
			}
			if name == "occbench_errors_total" {
				l = map[string]string{"strategy": strat, "class": "timeout"}
			}
			got, ok := f.value(name, l)
			switch {
			case math.IsNaN(want) && ok:
				t.Errorf("%s: %s%v = %v, want absent", tt.name, name, l, got)
			case !math.IsNaN(want) && (!ok || math.Abs(got-want) > 1e-9):
				t.Errorf("%s: %s%v = %v (present %v), want %v", tt.name, name, l, got, ok, want)
			}
		}
	}
}

func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	h := results.NewHistogram()
	for _, v := range []int64{1, 40, 50, 51, 999, 1000, 2500, 59_000_000, 3_000_000_000} {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	m := New("memory")
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 1, Trial: 1}
	m.CellFinished(spec, &results.Cell{Ops: 9, Histograms: map[string]string{results.HistCommitted: enc}})
	f, err := scrape(m.Handler())
	if err != nil {
		t.Fatal(err)
	}
	hist := f.find("occbench_committed_latency_seconds", nil).GetHistogram()
	cum := map[float64]uint64{}
	for _, b := range hist.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	tests := []struct {
		le   float64
		want uint64
	}{
		{50e-6, 3},  // 1, 40, 50 µs
		{100e-6, 4}, // 51
		{1e-3, 6},   // 999, 1000 (exact below 2048 µs)
		{2.5e-3, 6}, // 2500 µs is recorded at HDR resolution as 2500-2501: next bucket
		{5e-3, 7},
		{30, 7},
		{60, 8}, // 59 s
	}
	for _, tt := range tests {
		if cum[tt.le] != tt.want {
			t.Errorf("bucket le=%v: %d, want %d", tt.le, cum[tt.le], tt.want)
		}
	}
	if hist.GetSampleCount() != 9 {
		t.Errorf("count %d, want 9 (one in +Inf)", hist.GetSampleCount())
	}
	wantSum := (h.Mean() * 9) / 1e6
	if math.Abs(hist.GetSampleSum()-wantSum) > 1e-9*wantSum {
		t.Errorf("sum %v, want %v", hist.GetSampleSum(), wantSum)
	}
}

func TestBadHistogramIsReported(t *testing.T) {
	t.Parallel()
	m := New("memory")
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 1, Trial: 1}
	m.CellFinished(spec, &results.Cell{Ops: 1, Histograms: map[string]string{results.HistCommitted: "not base64!"}})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, "occbench_ops_total") {
		t.Errorf("the other metrics are not served:\n%s", body)
	}
	if strings.Contains(body, "occbench_committed_latency_seconds_count") {
		t.Error("a histogram that failed to decode was served")
	}
	f, _ := scrape(m.Handler())
	if v, _ := f.value("promhttp_metric_handler_errors_total", map[string]string{"cause": "gathering"}); v < 1 {
		t.Errorf("gathering errors = %v, want ≥ 1", v)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	m := New("memory")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := ServeOn(ctx, ln, m.Handler())
	url := "http://" + ln.Addr().String() + "/metrics"
	resp, err := http.Get(url)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "occbench_cells_finished_total 0") {
		t.Errorf("GET %s: %s\n%s", url, resp.Status, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still serving after the context ended")
	}
}

func TestServeAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{"loopback any port", "127.0.0.1:0", true},
		{"bad port", "127.0.0.1:99999", false},
		{"not an address", "nowhere", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			addr, err := Serve(ctx, tt.addr, New("memory").Handler())
			if (err == nil) != tt.ok {
				t.Fatalf("Serve(%q) = %q, %v", tt.addr, addr, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "--metrics-addr") {
					t.Errorf("error %q does not name --metrics-addr", err)
				}
				return
			}
			if _, port, _ := net.SplitHostPort(addr); port == "0" || port == "" {
				t.Errorf("bound address %q has no port", addr)
			}
		})
	}
}
