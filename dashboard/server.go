package dashboard

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/clock"
)

//go:embed page.html
var page []byte

// ResolveAddr returns the address --dashboard ADDR listens on: addr with
// 127.0.0.1 as the host when it names none (":8080"). It refuses an
// address that is not host:port with a port number of 0 to 65535.
func ResolveAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--dashboard %q: want host:port or :port (e.g. :8080, 127.0.0.1:0, 0.0.0.0:8080)", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.TrimSpace(port) != port || port == "" {
		return "", fmt.Errorf("--dashboard %q: the port must be a number from 0 to 65535", addr)
	}
	if strings.ContainsAny(host, " \t\r\n/") {
		return "", fmt.Errorf("--dashboard %q: the host must be a name or an IP address", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Listen listens on ResolveAddr(addr); its errors name --dashboard.
func Listen(addr string) (net.Listener, error) {
	a, err := ResolveAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		return nil, fmt.Errorf("--dashboard %q: %w", addr, err)
	}
	return ln, nil
}

// URL is the page's address on ln: a wildcard host is shown as
// 127.0.0.1, which reaches it from this machine.
func URL(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// Handler serves the page (/), the events (/events) and, once the run
// ended, the report (/report.html).
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self' blob:")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /events", d.serveEvents)
	mux.HandleFunc("GET /report.html", d.serveReport)
	return mux
}

// ParseLastEventID parses an SSE Last-Event-ID: the id of the last frame
// a page got (0: none). A value that is not such an id counts as none.
func ParseLastEventID(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// serveEvents streams the log from the frame after Last-Event-ID (or the
// "from" query parameter), then each new frame, until the end event or
// the request ends.
func (d *Dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "dashboard: streaming unsupported", http.StatusInternalServerError)
		return
	}
	next := ParseLastEventID(r.Header.Get("Last-Event-ID"))
	if next == 0 {
		next = ParseLastEventID(r.URL.Query().Get("from"))
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
		return
	}
	fl.Flush()

	d.mu.Lock()
	d.streams++
	d.wakeLocked()
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.streams--
		d.wakeLocked()
		d.mu.Unlock()
	}()
	for {
		d.mu.Lock()
		next = min(next, len(d.frames))
		frames := d.frames[next:]
		changed := d.changed
		ended := d.ended
		d.mu.Unlock()
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return
			}
		}
		next += len(frames)
		if len(frames) > 0 {
			fl.Flush()
		}
		if ended {
			// The end event is the last frame: this page has it all.
			d.mu.Lock()
			d.ends++
			d.wakeLocked()
			d.mu.Unlock()
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
	}
}

func (d *Dashboard) serveReport(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	report, ended := d.report, d.ended
	if report != nil {
		d.fetches++
		d.wakeLocked()
	}
	d.mu.Unlock()
	if report == nil {
		msg := "the report is served when the run ends"
		if ended {
			msg = "this run has no report"
		}
		http.Error(w, msg, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(report)
}

// ShutdownTimeout bounds the server's shutdown once the dashboard is done
// lingering.
const ShutdownTimeout = 2 * time.Second

// Server is a dashboard's HTTP server.
type Server struct {
	d      *Dashboard
	srv    *http.Server
	served chan error
}

// Serve serves d on ln until Close.
func (d *Dashboard) Serve(ln net.Listener) *Server {
	s := &Server{d: d, srv: &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second}, served: make(chan error, 1)}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s
}

// Close ends the run if Finish was not called (no report), waits for the
// pages (Dashboard.Wait) and shuts the server down.
func (s *Server) Close(ctx context.Context) error {
	s.d.Finish(nil, "")
	s.d.Wait(ctx)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("--dashboard: shutdown: %w", err)
	}
	return nil
}

// Wait returns once the pages are done (settled), or after
// Options.Linger on the dashboard's clock, or when ctx ends.
func (d *Dashboard) Wait(ctx context.Context) {
	timeout, stop := d.lingerTimer()
	defer stop()
	d.waitFor(ctx, timeout)
}

// lingerTimer returns a channel closed after the linger.
func (d *Dashboard) lingerTimer() (<-chan struct{}, func()) {
	timeout := make(chan struct{})
	t := clock.AfterFunc(d.clk, d.linger, func() { close(timeout) })
	return timeout, func() { t.Stop() }
}

func (d *Dashboard) waitFor(ctx context.Context, timeout <-chan struct{}) {
	for {
		d.mu.Lock()
		settled := d.settledLocked()
		changed := d.changed
		d.mu.Unlock()
		if settled {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			return
		case <-ctx.Done():
			return
		}
	}
}

// settledLocked reports whether the pages are done: the run ended, every
// /events stream delivered the end event and closed, and as many reports
// were fetched as end events delivered (each page fetches the report
// once it has the end).
func (d *Dashboard) settledLocked() bool {
	return d.ended && d.streams == 0 && (d.report == nil || d.fetches >= d.ends)
}
