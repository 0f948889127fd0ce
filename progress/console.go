package progress

import (
	"io"
	"sync"
)

// Console is the standard error that a Progress and everything else
// write to: pass it (not the writer it wraps) to New and to whatever
// else writes there. A write through it while a progress bar is on the
// screen (an interrupt message, a log line) first removes the bar, so
// that the next render does not leave a stale copy of it above the
// line; that cell then shows no bar, and the next one does. Progress's
// own writes go to the wrapped writer directly.
type Console struct {
	w io.Writer

	mu sync.Mutex
	p  *Progress // the Progress showing bars on it; nil = none
}

// NewConsole wraps w (normally os.Stderr).
func NewConsole(w io.Writer) *Console { return &Console{w: w} }

// Write removes the bar of the Progress attached, if any, then writes
// p to the wrapped writer.
func (c *Console) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		c.p.suspend()
	}
	return c.w.Write(b)
}

func (c *Console) attach(p *Progress) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.p = p
}

func (c *Console) detach(p *Progress) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == p {
		c.p = nil
	}
}
