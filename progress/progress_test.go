package progress

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

func TestSample(t *testing.T) {
	t.Parallel()
	pts := []results.Point{
		{T: 1, Ops: 90, Attempts: 100, Conflicts: 10, P99MS: 1.5},
		{T: 2, Ops: 180, Attempts: 200, Conflicts: 20, P99MS: 3},
		{T: 3, Ops: 30, Attempts: 30, P99MS: 2},
		{T: 4, Ops: 40, Attempts: 40, P99MS: 1},
	}
	const s = time.Second
	tests := []struct {
		name    string
		points  []results.Point
		elapsed time.Duration
		length  time.Duration
		window  int
		want    snapshot
	}{
		{"warmup", pts, -s / 2, 5 * s, 5, snapshot{elapsed: -s / 2, ops: 340, attempts: 370, conflicts: 30}},
		{"no series yet", nil, 3 * s, 5 * s, 5, snapshot{elapsed: 3 * s, secs: 2}},
		{"first second not complete", pts, 1999 * time.Millisecond, 5 * s, 5, snapshot{elapsed: 1999 * time.Millisecond, ops: 340, attempts: 370, conflicts: 30}},
		{"first second complete", pts, 2 * s, 5 * s, 5, snapshot{elapsed: 2 * s, ops: 340, attempts: 370, conflicts: 30, secs: 1, opsPerSec: 90, conflictRatio: 0.1, p99ms: 1.5}},
		{"two seconds", pts, 3500 * time.Millisecond, 5 * s, 5, snapshot{elapsed: 3500 * time.Millisecond, ops: 340, attempts: 370, conflicts: 30, secs: 2, opsPerSec: 135, conflictRatio: 0.1, p99ms: 3}},
		{"window of one", pts, 3 * s, 5 * s, 1, snapshot{elapsed: 3 * s, ops: 340, attempts: 370, conflicts: 30, secs: 1, opsPerSec: 180, conflictRatio: 0.1, p99ms: 3}},
		{"window slides", pts, 5 * s, 0, 2, snapshot{elapsed: 5 * s, ops: 340, attempts: 370, conflicts: 30, secs: 2, opsPerSec: 35, p99ms: 2}},
		{"quiet seconds count as zero", pts, 7 * s, 0, 3, snapshot{elapsed: 7 * s, ops: 340, attempts: 370, conflicts: 30, secs: 3, opsPerSec: 40.0 / 3, p99ms: 1}},
		{"capped at the planned length", pts, 9 * s, 3 * s, 2, snapshot{elapsed: 9 * s, ops: 340, attempts: 370, conflicts: 30, secs: 2, opsPerSec: 105, conflictRatio: 20.0 / 230, p99ms: 3}},
		{"zero window means one", pts, 2 * s, 0, 0, snapshot{elapsed: 2 * s, ops: 340, attempts: 370, conflicts: 30, secs: 1, opsPerSec: 90, conflictRatio: 0.1, p99ms: 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sample(tt.points, tt.elapsed, tt.length, tt.window); got != tt.want {
				t.Errorf("sample = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 16, Trial: 1}
	c := &cell{index: 2, total: 48}
	live := snapshot{elapsed: 2 * time.Second, ops: 24690, secs: 1, opsPerSec: 12345, conflictRatio: 0.042, p99ms: 1.234}
	done := &results.Cell{DurationS: 5, ThroughputOpsS: 12345.4, ConflictRatio: 0.042, LatencyMS: results.Latency{P99: 12.34},
		Audit: results.Audit{Verdict: "ok: 61725 committed, 61725 in the store"}}
	cut := *done
	cut.Interrupted, cut.DurationS = true, 2.25
	tests := []struct{ name, got, want string }{
		{"timed", label(c, spec, "") + "  " + liveText(live, 5*time.Second),
			"[3/48] optimistic/expo/w16  2.0s/5.0s  24690 ops  12345 ops/s  4.2% conflicts  p99 1.23 ms"},
		{"with the run's ETA", liveText(snapshot{elapsed: 2 * time.Second, ops: 24690, secs: 1, opsPerSec: 12345, conflictRatio: 0.042, p99ms: 1.234, eta: 245 * time.Second, etaOK: true}, 5*time.Second),
			"2.0s/5.0s  24690 ops  12345 ops/s  4.2% conflicts  p99 1.23 ms  run ETA 4m05s"},
		{"before the first complete second", liveText(snapshot{elapsed: 1200 * time.Millisecond, ops: 90, attempts: 100, conflicts: 10}, 5*time.Second),
			"1.2s/5.0s  90 ops  10.0% conflicts"},
		{"warmup with ETA", liveText(snapshot{elapsed: -time.Second, eta: 2 * time.Hour, etaOK: true}, 5*time.Second), "warmup, 1.0s left  run ETA 2h00m"},
		{"note", label(c, spec, "base 1ms cap 100ms"), "[3/48] optimistic/expo/w16 base 1ms cap 100ms"},
		{"ops mode", label(c, spec, "") + "  " + liveText(live, 0),
			"[3/48] optimistic/expo/w16  2.0s  24690 ops  12345 ops/s  4.2% conflicts  p99 1.23 ms"},
		{"elapsed beyond length", liveText(snapshot{elapsed: 5300 * time.Millisecond}, 5*time.Second), "5.0s/5.0s"},
		{"no complete second", liveText(snapshot{elapsed: 500 * time.Millisecond}, 5*time.Second), "0.5s/5.0s"},
		{"warmup", liveText(snapshot{elapsed: -1500 * time.Millisecond}, 5*time.Second), "warmup, 1.5s left"},
		{"trial", label(c, runner.Spec{Strategy: "lww", Backoff: "none", Writers: 2, Trial: 3}, ""), "[3/48] lww/none/w2 trial 3"},
		{"not started", label(nil, spec, ""), "optimistic/expo/w16"},
		{"summary", summary(label(c, spec, ""), done),
			"[3/48] optimistic/expo/w16  done 5.0s  12345 ops/s  4.2% conflicts  p99 12.3 ms  ok: 61725 committed, 61725 in the store"},
		{"interrupted", summary("x", &cut), "x  interrupted after 2.2s  12345 ops/s  4.2% conflicts  p99 12.3 ms  ok: 61725 committed, 61725 in the store"},
		{"skipped", summary("x", &results.Cell{Skipped: "lease: the store grants no leases"}), "x  skipped: lease: the store grants no leases"},
		{"ms small", fmtMS(0.0512), "0.05"},
		{"ms large", fmtMS(1234.5), "1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", tt.got, tt.want)
			}
		})
	}
}

func TestCheckInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d  time.Duration
		ok bool
	}{
		{0, true}, {MinInterval, true}, {time.Minute, true},
		{time.Millisecond, false}, {-time.Second, false},
	}
	for _, tt := range tests {
		err := CheckInterval(tt.d)
		if (err == nil) != tt.ok {
			t.Errorf("CheckInterval(%v) = %v, want ok=%v", tt.d, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--progress-interval") {
			t.Errorf("CheckInterval(%v) = %q, does not name the flag", tt.d, err)
		}
	}
}

// fakeTicker hands out one channel the test sends ticks on.
type fakeTicker struct {
	c       chan time.Time
	periods []time.Duration
	stopped int
}

func newFakeTicker() *fakeTicker { return &fakeTicker{c: make(chan time.Time)} }

func (f *fakeTicker) start(d time.Duration) (<-chan time.Time, func()) {
	f.periods = append(f.periods, d)
	return f.c, func() { f.stopped++ }
}

// tick hands over one tick at now. The loop has received it when tick
// returns; stopping the cell waits for the refresh to finish.
func (f *fakeTicker) tick(now time.Time) { f.c <- now }

// testSeries holds three seconds: two complete ones and a partial one.
func testSeries(t *testing.T) *record.Series {
	t.Helper()
	s := &record.Series{}
	rec := record.New(s)
	sec := func(n int, attempts, conflicts, ops int, lat time.Duration) {
		at := time.Duration(n)*time.Second + time.Millisecond
		for i := range attempts {
			kind := drivers.NotConflict
			if i < conflicts {
				kind = drivers.VersionMismatch
			}
			rec.AttemptDone(at, lat, kind)
		}
		for range ops {
			rec.Commit(at, lat, 1, 0, lat)
		}
	}
	// 1023 µs and 2047 µs are bucket bounds of the series' histogram,
	// so the per-second p99s are exact.
	sec(0, 100, 10, 90, 1023*time.Microsecond)
	sec(1, 200, 20, 180, 2047*time.Microsecond)
	sec(2, 50, 0, 50, 100*time.Microsecond)
	rec.Flush()
	return s
}

var (
	spec = runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}
	done = &results.Cell{DurationS: 5, ThroughputOpsS: 123.4, ConflictRatio: 0.1, LatencyMS: results.Latency{P99: 2.047},
		Audit: results.Audit{OK: true, Verdict: "ok: 320 committed, 320 in the store"}}
)

func TestPlainLines(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		warmup time.Duration
		length time.Duration
		want   string
	}{
		// A line as soon as the first second is complete (elapsed 2 s),
		// then one every Interval.
		{"timed", time.Second, 5 * time.Second, `[2/3] optimistic/expo/w4  2.0s/5.0s  320 ops  90 ops/s  10.0% conflicts  p99 1.02 ms  run ETA 9s
[2/3] optimistic/expo/w4  5.0s/5.0s  320 ops  64 ops/s  8.6% conflicts  p99 2.05 ms  run ETA 6s
[2/3] optimistic/expo/w4  done 5.0s  123 ops/s  10.0% conflicts  p99 2.05 ms  ok: 320 committed, 320 in the store
`},
		// A line every Interval in a long warmup; no ETA in an ops-bounded
		// cell before any cell finished.
		{"ops mode", 6 * time.Second, 0, `[2/3] optimistic/expo/w4  warmup, 1.0s left
[2/3] optimistic/expo/w4  2.0s  320 ops  90 ops/s  10.0% conflicts  p99 1.02 ms
[2/3] optimistic/expo/w4  done 5.0s  123 ops/s  10.0% conflicts  p99 2.05 ms  ok: 320 committed, 320 in the store
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(t0)
			ft := newFakeTicker()
			var out bytes.Buffer
			no := false
			p := New(&out, Options{Interval: 5 * time.Second, Terminal: &no, Now: clk.Now, Ticker: ft.start})
			live := &runner.Live{Series: testSeries(t), Start: t0.Add(tt.warmup), Length: tt.length}

			p.CellStarted(spec, 1, 3, live)
			for range 8 {
				clk.Advance(time.Second)
				ft.tick(clk.Now())
			}
			p.CellFinished(spec, done)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output\n%s\nwant\n%s", got, tt.want)
			}
			if len(ft.periods) != 1 || ft.periods[0] != DefaultRefresh || ft.stopped != 1 {
				t.Errorf("ticker periods %v, stopped %d times; want [%v], 1", ft.periods, ft.stopped, DefaultRefresh)
			}
		})
	}
}

func TestTerminalBar(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		length time.Duration
		live   string
	}{
		// Started 3 s into measurement: the cell's 2 s left, then one more.
		{"timed", 5 * time.Second, "3.0s/5.0s  320 ops  135 ops/s  10.0% conflicts  p99 2.05 ms  run ETA 4s"},
		{"ops mode spinner", 0, "3.0s  320 ops  135 ops/s  10.0% conflicts  p99 2.05 ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(t0.Add(4 * time.Second))
			ft := newFakeTicker()
			var out bytes.Buffer
			yes := true
			p := New(&out, Options{Terminal: &yes, Now: clk.Now, Ticker: ft.start})
			// No timed renders: the only render is the one that drops the
			// finished bar, so the output is deterministic.
			p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any)), mpb.WithWidth(160)}
			live := &runner.Live{Series: testSeries(t), Start: t0.Add(time.Second), Length: tt.length}

			p.CellStarted(spec, 1, 3, live)
			ft.tick(clk.Now())
			p.CellFinished(spec, done)
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			sum := "[2/3] optimistic/expo/w4  done 5.0s  123 ops/s  10.0% conflicts  p99 2.05 ms  ok: 320 committed, 320 in the store\n"
			if !strings.HasPrefix(got, sum) {
				t.Fatalf("output does not start with the summary line:\n%q", got)
			}
			bar := strings.TrimPrefix(got, sum)
			if !strings.HasPrefix(bar, "[2/3] optimistic/expo/w4 ") || !strings.Contains(bar, tt.live+"\n") {
				t.Errorf("bar frame %q, want the label and %q", bar, tt.live)
			}
			if !strings.HasSuffix(bar, "\x1b[1A\x1b[J") {
				t.Errorf("bar frame %q is not erased after the cell", bar)
			}
			if len(ft.periods) != 1 || ft.periods[0] != DefaultRefresh || ft.stopped != 1 {
				t.Errorf("ticker periods %v, stopped %d times; want [%v], 1", ft.periods, ft.stopped, DefaultRefresh)
			}
		})
	}
}

func TestTerminalBarFill(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFake(t0.Add(3 * time.Second))
	ft := newFakeTicker()
	yes := true
	p := New(&bytes.Buffer{}, Options{Terminal: &yes, Now: clk.Now, Ticker: ft.start})
	p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any))}
	live := &runner.Live{Series: &record.Series{}, Start: t0, Length: 5 * time.Second}
	p.CellStarted(spec, 0, 1, live)
	first := p.cur.bar
	ft.tick(clk.Now())
	p.CellStarted(spec, 0, 1, live) // a restart after an unfinished cell replaces it
	if got := first.Current(); got != 3000 {
		t.Errorf("first bar at %d ms, want 3000", got)
	}
	second := p.cur.bar
	clk.Advance(9 * time.Second)
	ft.tick(clk.Now())
	p.CellFinished(spec, done) // waits for the refresh
	if got := second.Current(); got != 5000 {
		t.Errorf("second bar at %d ms, want 5000 (capped at the length)", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if ft.stopped != 2 {
		t.Errorf("tickers stopped %d times, want 2", ft.stopped)
	}
}

func TestCloseStopsRunningCell(t *testing.T) {
	t.Parallel()
	for _, term := range []bool{false, true} {
		ft := newFakeTicker()
		var out bytes.Buffer
		p := New(&out, Options{Terminal: &term, Ticker: ft.start})
		if term {
			p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any))}
		}
		p.CellStarted(spec, 0, 1, &runner.Live{Series: &record.Series{}, Start: time.Now()})
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if ft.stopped != 1 {
			t.Errorf("terminal=%v: ticker stopped %d times, want 1", term, ft.stopped)
		}
		// After Close, the Observer calls do nothing.
		n := out.Len()
		p.CellStarted(spec, 0, 1, &runner.Live{Series: &record.Series{}})
		p.CellFinished(spec, done)
		if out.Len() != n || len(ft.periods) != 1 {
			t.Errorf("terminal=%v: output or ticker after Close", term)
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

func TestFinishedWithoutStart(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	no := false
	p := New(&out, Options{Terminal: &no})
	p.CellFinished(spec, &results.Cell{Skipped: "lease: not supported"})
	_ = p.Close()
	if got, want := out.String(), "optimistic/expo/w4  skipped: lease: not supported\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorReported(t *testing.T) {
	t.Parallel()
	no := false
	p := New(failWriter{}, Options{Terminal: &no})
	p.CellFinished(spec, done)
	if err := p.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close = %v, want the write error", err)
	}
}

func TestDetectTerminal(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name string
		p    *Progress
	}{
		{"buffer", New(&bytes.Buffer{}, Options{})},
		{"regular file", New(f, Options{})},
	}
	for _, tt := range tests {
		if tt.p.term {
			t.Errorf("%s: detected as a terminal", tt.name)
		}
	}
}

type recorder struct {
	name string
	mu   *sync.Mutex
	log  *[]string
}

func (r recorder) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.log = append(*r.log, r.name+" started "+spec.String())
}

func (r recorder) CellFinished(spec runner.Spec, c *results.Cell) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.log = append(*r.log, r.name+" finished "+spec.String())
}

func TestMulti(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		log []string
	)
	a, b := recorder{"a", &mu, &log}, recorder{"b", &mu, &log}
	tests := []struct {
		name string
		obs  []runner.Observer
		want []string
		nil  bool
	}{
		{"none", nil, nil, true},
		{"only nils", []runner.Observer{nil, nil}, nil, true},
		{"one", []runner.Observer{nil, a}, []string{"a started optimistic/expo/w4", "a finished optimistic/expo/w4"}, false},
		{"two in order", []runner.Observer{b, nil, a}, []string{
			"b started optimistic/expo/w4", "a started optimistic/expo/w4",
			"b finished optimistic/expo/w4", "a finished optimistic/expo/w4"}, false},
	}
	for _, tt := range tests {
		log = nil
		m := Multi(tt.obs...)
		if (m == nil) != tt.nil {
			t.Errorf("%s: Multi = %v, want nil=%v", tt.name, m, tt.nil)
			continue
		}
		if m != nil {
			m.CellStarted(spec, 0, 1, nil)
			m.CellFinished(spec, done)
		}
		if strings.Join(log, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: calls %q, want %q", tt.name, log, tt.want)
		}
	}
}
