package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

func TestETA(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const s = time.Second
	tests := []struct {
		name         string
		index, total int
		warmup, len  time.Duration
		run          runTimes
		at           time.Duration // since CellStarted
		want         time.Duration
		ok           bool
	}{
		{"first cell of one, planned", 0, 1, 2 * s, 10 * s, runTimes{}, 0, 12 * s, true},
		{"first of four, planned", 0, 4, 2 * s, 10 * s, runTimes{}, 5 * s, 7*s + 3*12*s, true},
		{"finished cells set the pace", 2, 4, 2 * s, 10 * s, runTimes{n: 2, wall: 30 * s}, 5 * s, 10*s + 15*s, true},
		{"the planned length outlasts the pace", 2, 4, 0, 10 * s, runTimes{n: 2, wall: 8 * s}, 3 * s, 7*s + 4*s, true},
		{"overdue cell: nothing left of it", 3, 4, 0, 10 * s, runTimes{n: 3, wall: 36 * s}, 40 * s, 0, true},
		{"index past total (tune's estimate)", 5, 4, 0, 10 * s, runTimes{n: 5, wall: 50 * s}, 1 * s, 9 * s, true},
		{"ops mode before any finished", 0, 3, 0, 0, runTimes{}, 5 * s, 0, false},
		{"ops mode after one finished", 1, 3, 0, 0, runTimes{n: 1, wall: 20 * s}, 5 * s, 15*s + 20*s, true},
	}
	for _, tt := range tests {
		c := &cell{index: tt.index, total: tt.total, started: t0, run: tt.run,
			live: &runner.Live{Start: t0.Add(tt.warmup), Length: tt.len}}
		got, ok := eta(c, t0.Add(tt.at))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: eta = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "0s"}, {1499 * time.Millisecond, "1s"}, {59 * s, "59s"}, {60 * s, "1m00s"}, {245 * s, "4m05s"}, {3599 * s, "59m59s"}, {3600 * s, "1h00m"}, {3725 * s, "1h02m"}, {50 * time.Hour, "50h00m"}} {
		if got := fmtETA(tt.d); got != tt.want {
			t.Errorf("fmtETA(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestRunETA: the second cell's ETA comes from how long the first took,
// skipped cells aside; tune's note is on every line.
func TestRunETA(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFake(t0)
	ft := newFakeTicker()
	var out bytes.Buffer
	no := false
	p := New(&out, Options{Interval: time.Second, Terminal: &no, Now: clk.Now, Ticker: ft.start})
	obs := p.WithNote("base 1ms cap 100ms")
	a := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}
	b := runner.Spec{Strategy: "lww", Backoff: "expo", Writers: 4, Trial: 1}
	obs.CellFinished(a, &results.Cell{Skipped: "not supported"}) // no time: not in the pace
	obs.CellStarted(a, 1, 4, &runner.Live{Series: &record.Series{}, Start: t0, Length: 5 * time.Second})
	clk.Advance(9 * time.Second) // the cell, its audit and closing took 9 s
	obs.CellFinished(a, done)
	obs.CellStarted(b, 2, 4, &runner.Live{Series: &record.Series{}, Start: clk.Now(), Length: 5 * time.Second})
	clk.Advance(time.Second)
	ft.tick(clk.Now())
	obs.CellFinished(b, done)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := "[3/4] lww/expo/w4 base 1ms cap 100ms  1.0s/5.0s  run ETA 17s" // 9 − 1 s of this cell, 9 s of the last
	if len(lines) != 4 || lines[2] != want {
		t.Errorf("lines %q, want the third %q", lines, want)
	}
	for _, l := range lines {
		if !strings.Contains(l, " base 1ms cap 100ms ") {
			t.Errorf("line %q without the note", l)
		}
	}
	var nilProgress *Progress
	if obs := nilProgress.WithNote("x"); obs != nil {
		t.Errorf("nil Progress: WithNote = %v, want nil", obs)
	}
}

// TestConsoleRemovesBar: a line written through the Console while a bar
// is on the screen (Ctrl-C's message) removes the bar first, and the
// bar is not drawn again in that cell: no stale copy is left.
func TestConsoleRemovesBar(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFake(t0.Add(4 * time.Second))
	ft := newFakeTicker()
	var out syncBuffer
	console := NewConsole(&out)
	yes := true
	p := New(console, Options{Terminal: &yes, Now: clk.Now, Ticker: ft.start})
	p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any)), mpb.WithWidth(160)}
	live := &runner.Live{Series: testSeries(t), Start: t0.Add(time.Second), Length: 5 * time.Second}

	p.CellStarted(spec, 1, 3, live)
	ft.tick(clk.Now())
	const msg = "occbench: interrupted: stopping the current cell\n"
	if _, err := console.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	ft.tick(clk.Now()) // the cell goes on, without a bar
	p.CellFinished(spec, done)
	if _, err := console.Write([]byte("after\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	before, after, ok := strings.Cut(got, msg)
	if !ok {
		t.Fatalf("no message in %q", got)
	}
	if !strings.Contains(before, "[2/3] optimistic/expo/w4 [") || !strings.HasSuffix(before, "\x1b[1A\x1b[J") {
		t.Errorf("before the message %q: want the bar, erased", before)
	}
	sum := "[2/3] optimistic/expo/w4  done 5.0s  123 ops/s  10.0% conflicts  p99 2.05 ms  ok: 320 committed, 320 in the store\n"
	if after != sum+"after\n" {
		t.Errorf("after the message %q, want the summary line only, then the next write", after)
	}
}

// TestConsoleConcurrent: writes through the Console while cells start,
// refresh and finish, and Close, neither deadlock nor race.
func TestConsoleConcurrent(t *testing.T) {
	t.Parallel()
	for _, term := range []bool{false, true} {
		var out syncBuffer
		console := NewConsole(&out)
		ft := newFakeTicker()
		p := New(console, Options{Terminal: &term, Ticker: ft.start})
		if term {
			p.barOpts = []mpb.ContainerOption{mpb.WithManualRefresh(make(chan any))}
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_, _ = console.Write([]byte("log line\n"))
			}
		}()
		for range 10 {
			p.CellStarted(spec, 0, 10, &runner.Live{Series: testSeries(t), Start: time.Now()})
			ft.tick(time.Now())
			p.CellFinished(spec, done)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if n := strings.Count(out.String(), "log line\n"); n != 50 {
			t.Errorf("terminal=%v: %d log lines, want 50", term, n)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the bars' goroutine and others.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
