package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestDashboardBadAddress: a bad --dashboard exits 2 with one line
// naming the flag, before anything runs.
func TestDashboardBadAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct{ addr, want string }{
		{"8080", `--dashboard "8080": want host:port or :port`},
		{":http", `--dashboard ":http": the port must be a number from 0 to 65535`},
		{busy.Addr().String(), `--dashboard "` + busy.Addr().String() + `": listen tcp`},
	} {
		r := runT(t, "run", "--driver", "memory", "--writers", "1", "--ops-per-writer", "10", "--duration", "0s", "--warmup", "0s",
			"--backoff", "none", "--quiet", "--out", filepath.Join(t.TempDir(), "r.json"), "--dashboard", tc.addr)
		if r.code != exitBadInput || !strings.HasPrefix(r.stderr, "occbench: "+tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("--dashboard %s: exit %d, stderr %q; want 2 and one line %q", tc.addr, r.code, r.stderr, tc.want)
		}
	}
}

// urlWriter is stderr for a run with --dashboard: when the run prints
// the page's URL, onURL is called before the run goes on.
type urlWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	onURL func(url string)
}

var urlRE = regexp.MustCompile(`live dashboard on (http://\S+)`)

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := urlRE.FindSubmatch(p); m != nil && w.onURL != nil {
		w.onURL(string(m[1]))
		w.onURL = nil
	}
	return w.buf.Write(p)
}

// TestDashboardRun: occbench run --dashboard 127.0.0.1:0 serves the page
// and an event stream with every cell, then the report, before it exits.
func TestDashboardRun(t *testing.T) {
	var (
		url    string
		events *bufio.Reader
		body   io.Closer
	)
	ready := make(chan struct{}) // url, events and body are set
	stderr := &urlWriter{onURL: func(u string) {
		// The run waits here: connect before any cell starts.
		defer close(ready)
		url = u
		resp, err := http.Get(u + "events")
		if err != nil {
			t.Error(err)
			return
		}
		body = resp.Body
		events = bufio.NewReader(resp.Body)
	}}
	type streamed struct {
		kinds  []string
		report string
		err    error
	}
	got := make(chan streamed, 1)
	var stdout bytes.Buffer
	args := []string{"run", "--driver", "memory", "--writers", "2", "--strategies", "optimistic,lww", "--backoff", "none",
		"--ops-per-writer", "100", "--duration", "0s", "--warmup", "0s", "--quiet", "--out", filepath.Join(t.TempDir(), "r.json"),
		"--dashboard", "127.0.0.1:0"}
	done := make(chan int, 1)
	go func() { done <- runWithSignals(context.Background(), args, &stdout, stderr, nil) }()
	var code int
	select {
	case <-ready:
	case code = <-done:
		t.Fatalf("exit %d before the dashboard's URL: stderr %q", code, stderr.buf.String())
	}
	if events == nil {
		t.Fatal("no event stream")
	}
	go func() {
		var s streamed
		defer func() { got <- s }()
		r := events
		for {
			line, err := r.ReadString('\n')
			if err == io.EOF {
				break
			}
			if err != nil {
				s.err = err
				return
			}
			if k, ok := strings.CutPrefix(strings.TrimSpace(line), "event: "); ok {
				s.kinds = append(s.kinds, k)
			}
		}
		resp, err := http.Get(url + "report.html")
		if err != nil {
			s.err = err
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.report = string(b)
	}()
	s := <-got
	code = <-done
	body.Close()
	if s.err != nil {
		t.Fatalf("stream: %v (stderr %q)", s.err, stderr.buf.String())
	}
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr.buf.String())
	}
	kinds := strings.Join(s.kinds, " ")
	if !strings.HasPrefix(kinds, "plan start") || strings.Count(kinds, "finished") != 2 || !strings.HasSuffix(kinds, "finished end") {
		t.Errorf("events %q: want plan, start, …, two finished, end", kinds)
	}
	if !strings.Contains(s.report, "<svg") || !strings.Contains(s.report, "optimistic") {
		t.Errorf("report.html has no chart or no cell: %.200q", s.report)
	}
}
