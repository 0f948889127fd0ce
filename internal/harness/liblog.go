package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/occbench/occbench/internal/redact"
)

// libLog takes a driver's client library log lines (drivers.Options.Log)
// so that none reaches the terminal raw: the first is shown once, in
// occbench's words and redacted; the rest are counted and summed up when
// the store closes.
type libLog struct {
	driver string
	w      io.Writer

	mu    sync.Mutex
	n     int
	first string
}

// line is the drivers.Options.Log hook.
func (l *libLog) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if l.n > 1 {
		return
	}
	l.first = redact.DSN(strings.TrimSpace(s))
	fmt.Fprintf(l.w, "occbench: %s: the client library reports %s (later reports are counted, not shown)\n", l.driver, l.first)
}

// summary is the closing line: how many reports there were in all, or
// "" when at most one (already shown).
func (l *libLog) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n <= 1 {
		return ""
	}
	return fmt.Sprintf("occbench: %s: the client library reported %d problems in all (the first: %s)", l.driver, l.n, l.first)
}
