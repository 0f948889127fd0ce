package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// frame is one parsed server-sent event.
type frame struct {
	id    int
	event string
	data  string
}

func (f frame) String() string { return fmt.Sprintf("%d %s %s", f.id, f.event, f.data) }

// readFrame reads the next event of an SSE stream, skipping frames with
// no event (the retry field); io.EOF at the end of the stream.
func readFrame(r *bufio.Reader) (frame, error) {
	var f frame
	has := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && !has {
				return f, io.EOF
			}
			return f, fmt.Errorf("frame cut short (%q): %w", line, err)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if f.event != "" {
				return f, nil
			}
			has = false
			continue
		}
		has = true
		field, value, _ := strings.Cut(line, ": ")
		switch field {
		case "id":
			n, err := strconv.Atoi(value)
			if err != nil {
				return f, fmt.Errorf("id %q: %w", value, err)
			}
			f.id = n
		case "event":
			f.event = value
		case "data":
			f.data = value
		case "retry":
		default:
			return f, fmt.Errorf("unknown field in %q", line)
		}
	}
}

func openEvents(t *testing.T, url string, lastID string) (*bufio.Reader, func()) {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("/events Content-Type %q", ct)
	}
	return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
}

func next(t *testing.T, r *bufio.Reader) frame {
	t.Helper()
	f, err := readFrame(r)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	specA = runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 1}
	specB = runner.Spec{Strategy: "lww", Backoff: "none", Writers: 4, Trial: 1}
)

func newTestDashboard(clk clock.Clock) *Dashboard {
	return New(Options{Scenario: "quickstart", Driver: "memory", Cells: []runner.Spec{specA, specB}, Clock: clk})
}

// TestEventsLive: a page connected during the run gets the plan, the
// cell's start, each second a second after it ended (from the live
// series on the injected clock), the seconds left from the final time
// series, the finished row and the end; then the stream ends.
func TestEventsLive(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	d := newTestDashboard(clk)
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	r, done := openEvents(t, srv.URL, "")
	defer done()

	if f := next(t, r); f.String() != `1 plan {"scenario":"quickstart","driver":"memory","cells":[{"index":0,"strategy":"optimistic","backoff":"expo","writers":4,"trial":1},{"index":1,"strategy":"lww","backoff":"none","writers":4,"trial":1}]}` {
		t.Fatalf("first frame %s", f)
	}
	series := &record.Series{}
	rec := record.New(series)
	live := &runner.Live{Series: series, Start: clk.Now().Add(time.Second), Length: 3 * time.Second} // 1 s warmup
	d.CellStarted(specA, 0, 2, live)
	// No cell finished yet: the ETA is the plan's two cells of warmup + length.
	if f := next(t, r); f.String() != `2 start {"index":0,"strategy":"optimistic","backoff":"expo","writers":4,"trial":1,"total":2,"length_s":3,"eta_s":8}` {
		t.Fatalf("start frame %s", f)
	}
	commit := func(at time.Duration, n int) {
		for range n {
			rec.Commit(at, 2*time.Millisecond, 2, 0, time.Millisecond)
		}
		rec.Flush()
	}
	clk.Advance(time.Second) // end of warmup
	commit(500*time.Millisecond, 10)
	clk.Advance(time.Second) // second 1 may still grow
	commit(1500*time.Millisecond, 20)
	clk.Advance(time.Second) // second 1 is sent (p99 is the recorder's log bucket of 2 ms)
	if f := next(t, r); f.String() != `3 second {"index":0,"t":1,"ops":10,"attempts":0,"conflicts":0,"p99_ms":2.047}` {
		t.Fatalf("second frame %s", f)
	}
	clk.Advance(time.Second) // second 2
	if f := next(t, r); f.event != "second" || !strings.Contains(f.data, `"t":2,"ops":20,`) {
		t.Fatalf("frame %s, want second 2", f)
	}
	cell := &results.Cell{Strategy: "optimistic", Backoff: "expo", Writers: 4, ThroughputOpsS: 20, ConflictRatio: 0.125,
		LatencyMS:  results.Latency{P99: 2.5},
		Audit:      results.Audit{Expected: 60, Observed: 60, OK: true, Verdict: "ok: 60 committed, 60 in the store"},
		Timeseries: []results.Point{{T: 1, Ops: 10}, {T: 2, Ops: 20}, {T: 3, Ops: 30, Attempts: 33, Conflicts: 3, P99MS: 4}}}
	d.CellFinished(specA, cell)
	if f := next(t, r); f.String() != `5 second {"index":0,"t":3,"ops":30,"attempts":33,"conflicts":3,"p99_ms":4}` {
		t.Fatalf("frame %s, want the last second from the time series", f)
	}
	if f := next(t, r); f.String() != `6 finished {"index":0,"strategy":"optimistic","backoff":"expo","writers":4,"trial":1,"ops_s":20,"conflict_pct":12.5,"p99_ms":2.5,"audit":"ok","verdict":"ok: 60 committed, 60 in the store","ok":true,"done":1}` {
		t.Fatalf("finished frame %s", f)
	}
	clk.Advance(10 * time.Second) // the cell's timer is stopped: nothing more
	// The second cell: a finished cell took 4 s, so the ETA is 4 s.
	d.CellStarted(specB, 1, 2, &runner.Live{Series: &record.Series{}, Start: clk.Now(), Length: time.Second})
	if f := next(t, r); f.event != "start" || !strings.Contains(f.data, `"eta_s":4}`) {
		t.Fatalf("frame %s, want start with eta 4", f)
	}
	lost := &results.Cell{Strategy: "lww", Backoff: "none", Writers: 4, Audit: results.Audit{LostUpdates: 7, Verdict: "LOST 7"}}
	d.CellFinished(specB, lost)
	if f := next(t, r); f.event != "finished" || !strings.Contains(f.data, `"audit":"LOST 7"`) || !strings.Contains(f.data, `"ok":false,"done":2`) {
		t.Fatalf("frame %s, want a finished LOST 7", f)
	}
	d.Finish([]byte("<html>report</html>"), "")
	if f := next(t, r); f.String() != `9 end {"report":"report.html"}` {
		t.Fatalf("end frame %s", f)
	}
	if f, err := readFrame(r); err != io.EOF {
		t.Fatalf("after the end: %s, %v; want the stream closed", f, err)
	}
}

// runAll feeds d a whole run of two cells, the second skipped.
func runAll(d *Dashboard, clk *clock.Fake) {
	d.CellStarted(specA, 0, 2, &runner.Live{Series: &record.Series{}, Start: clk.Now(), Length: 2 * time.Second})
	clk.Advance(2 * time.Second)
	d.CellFinished(specA, &results.Cell{Strategy: "optimistic", Backoff: "expo", Writers: 4, Audit: results.Audit{OK: true},
		Timeseries: []results.Point{{T: 1, Ops: 5}, {T: 2, Ops: 6}}})
	d.CellFinished(specB, &results.Cell{Strategy: "lww", Backoff: "none", Writers: 4, Skipped: "lww: not on this driver"})
}

// TestEventsReplay: a page that opens late gets the whole log; one that
// reconnects with Last-Event-ID gets the frames after it. A skipped
// cell, never started, is placed by its spec.
func TestEventsReplay(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	d := newTestDashboard(clk)
	runAll(d, clk)
	d.Finish(nil, "")
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()

	read := func(lastID string) []string {
		r, done := openEvents(t, srv.URL, lastID)
		defer done()
		var got []string
		for {
			f, err := readFrame(r)
			if err == io.EOF {
				return got
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, strconv.Itoa(f.id)+" "+f.event)
		}
	}
	want := []string{"1 plan", "2 start", "3 second", "4 second", "5 finished", "6 finished", "7 end"}
	if got := read(""); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("whole log %q, want %q", got, want)
	}
	for _, tc := range []struct {
		lastID string
		want   []string
	}{
		{"4", want[4:]},
		{"7", nil},
		{"99", nil},
		{"x", want},
		{"-3", want},
	} {
		if got := read(tc.lastID); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Last-Event-ID %q: %q, want %q", tc.lastID, got, tc.want)
		}
	}

	// The skipped cell's row names its index and says skipped.
	r, done := openEvents(t, srv.URL, "5")
	defer done()
	f := next(t, r)
	var ev finishedEvent
	if err := json.Unmarshal([]byte(f.data), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Index != 1 || ev.Audit != "skipped" || ev.Verdict != "lww: not on this driver" || ev.Done != 2 {
		t.Errorf("skipped row %+v", ev)
	}
	// No report was given.
	resp, err := http.Get(srv.URL + "/report.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/report.html without a report: %s", resp.Status)
	}
}

// TestPage: / is one self-contained document that opens /events.
func TestPage(t *testing.T) {
	t.Parallel()
	d := newTestDashboard(clock.NewFake(time.Unix(0, 0)))
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	for _, want := range []string{`new EventSource("events")`, `id="s-ops"`, `id="s-attempts"`, `id="s-conflicts"`, `id="s-p99"`, `id="plan"`, `id="finished"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page has %q: it must fetch nothing but /events and the report", bad)
		}
	}
	for _, path := range []string{"/nothing", "/favicon.ico"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", path, resp.Status)
		}
	}
}

// TestWait: the server waits for a page that has the end event to fetch
// the report, and no longer than the linger on the dashboard's clock.
func TestWait(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	d := newTestDashboard(clk)
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	settled := func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.settledLocked()
	}
	r, done := openEvents(t, srv.URL, "")
	defer done()
	next(t, r) // plan: the stream is open
	if settled() {
		t.Fatal("settled before the end")
	}
	d.Finish([]byte("<p>report</p>"), "")
	for {
		f, err := readFrame(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = f
	}
	// The handler counts the delivered end before it returns; wait for it
	// through the dashboard's own notification, not a sleep.
	waitUntil(d, func() bool { return d.streams == 0 })
	if settled() {
		t.Fatal("settled before the page fetched the report")
	}
	resp, err := http.Get(srv.URL + "/report.html")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "<p>report</p>" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/report.html: %q %s", body, resp.Header.Get("Content-Type"))
	}
	if !settled() {
		t.Fatal("not settled once the report was fetched")
	}
	d.Wait(context.Background()) // returns at once

	// A dashboard whose page never fetches: Wait ends after the linger.
	d2 := newTestDashboard(clk)
	d2.Finish([]byte("x"), "")
	d2.mu.Lock()
	d2.ends = 1 // a page got the end and went away without the report
	d2.mu.Unlock()
	timeout, stop := d2.lingerTimer()
	defer stop()
	out := make(chan struct{})
	go func() { d2.waitFor(context.Background(), timeout); close(out) }()
	clk.Advance(DefaultLinger - time.Millisecond)
	select {
	case <-out:
		t.Fatal("Wait returned before the linger")
	case <-timeout:
		t.Fatal("linger timer fired early")
	default:
	}
	clk.Advance(time.Millisecond)
	<-out
}

// waitUntil blocks until cond, read under d.mu, holds; each change of d
// wakes it.
func waitUntil(d *Dashboard, cond func() bool) {
	for {
		d.mu.Lock()
		ok := cond()
		ch := d.changed
		d.mu.Unlock()
		if ok {
			return
		}
		<-ch
	}
}

// TestServeClose: Serve and Close on a real listener, no page open.
func TestServeClose(t *testing.T) {
	t.Parallel()
	ln, err := Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	url := URL(ln)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("URL %q: want loopback", url)
	}
	d := newTestDashboard(clock.Real{})
	s := d.Serve(ln)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("the server still answers after Close")
	}
}

func TestResolveAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, err string }{
		{":8080", "127.0.0.1:8080", ""},
		{":0", "127.0.0.1:0", ""},
		{"0.0.0.0:8080", "0.0.0.0:8080", ""},
		{"localhost:9", "localhost:9", ""},
		{"[::1]:80", "[::1]:80", ""},
		{"8080", "", "want host:port"},
		{"", "", "want host:port"},
		{"host:port", "", "port must be a number"},
		{":70000", "", "port must be a number"},
		{":-1", "", "port must be a number"},
		{":", "", "port must be a number"},
		{"a b:80", "", "host must be"},
	} {
		got, err := ResolveAddr(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "--dashboard ")):
			t.Errorf("ResolveAddr(%q) = %q, %v; want an error with %q naming --dashboard", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ResolveAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestAuditWord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cell results.Cell
		want string
		ok   bool
	}{
		{results.Cell{Audit: results.Audit{OK: true}}, "ok", true},
		{results.Cell{Audit: results.Audit{OK: true, LossExpected: true, LostUpdates: 3}}, "lost 3 (expected)", true},
		{results.Cell{Audit: results.Audit{LostUpdates: 3}}, "LOST 3", false},
		{results.Cell{Skipped: "no"}, "skipped", true},
		{results.Cell{Audit: results.Audit{Unavailable: "store down"}}, "no verdict", false},
	} {
		if got, ok := auditWord(&tc.cell); got != tc.want || ok != tc.ok {
			t.Errorf("auditWord(%+v) = %q, %v; want %q, %v", tc.cell.Audit, got, ok, tc.want, tc.ok)
		}
	}
}
