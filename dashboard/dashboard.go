package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// DefaultLinger bounds how long Server.Close waits for the pages open at
// the end of a run to fetch the report.
const DefaultLinger = 3 * time.Second

// Options describe the run a Dashboard shows.
type Options struct {
	Scenario string        // the scenario's name
	Driver   string        // the driver's name
	Cells    []runner.Spec // the plan, in run order
	Clock    clock.Clock   // nil = wall clock
	Linger   time.Duration // see DefaultLinger; 0 = DefaultLinger
}

// Dashboard is the state of the live page: a runner.Observer that keeps
// the run as a log of server-sent events. Its methods are safe for
// concurrent use.
type Dashboard struct {
	clk    clock.Clock
	linger time.Duration
	total  int
	plan   []runner.Spec

	mu      sync.Mutex
	frames  [][]byte      // SSE frames; frame i has id i+1
	changed chan struct{} // closed and replaced when something changed
	cur     *liveCell
	state   []bool // the plan's cells that finished
	ran     int    // finished cells that ran (for the ETA)
	wall    time.Duration
	ended   bool
	report  []byte // /report.html, once ended
	streams int    // /events streams open
	ends    int    // streams that delivered the end event
	fetches int    // /report.html served after the end
}

// liveCell is the running cell.
type liveCell struct {
	index   int
	live    *runner.Live
	started time.Time
	sent    int // seconds sent
	timer   clock.Timer
	done    bool
}

var _ runner.Observer = (*Dashboard)(nil)

// New returns the dashboard of a run, its plan event logged.
func New(o Options) *Dashboard {
	clk := o.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	linger := o.Linger
	if linger <= 0 {
		linger = DefaultLinger
	}
	d := &Dashboard{clk: clk, linger: linger, total: len(o.Cells), plan: append([]runner.Spec(nil), o.Cells...), changed: make(chan struct{}), state: make([]bool, len(o.Cells))}
	p := planEvent{Scenario: o.Scenario, Driver: o.Driver, Cells: make([]cellRef, len(o.Cells))}
	for i, s := range o.Cells {
		p.Cells[i] = refOf(i, s)
	}
	d.logLocked("plan", p)
	return d
}

// Event payloads (JSON in the data field of a frame).
type (
	cellRef struct {
		Index    int    `json:"index"`
		Strategy string `json:"strategy"`
		Backoff  string `json:"backoff"`
		Writers  int    `json:"writers"`
		Trial    int    `json:"trial"`
	}
	planEvent struct {
		Scenario string    `json:"scenario"`
		Driver   string    `json:"driver"`
		Cells    []cellRef `json:"cells"`
	}
	startEvent struct {
		cellRef
		Total   int     `json:"total"`
		LengthS float64 `json:"length_s"` // 0: ops mode
		ETAS    float64 `json:"eta_s"`    // -1: unknown
	}
	secondEvent struct {
		Index     int     `json:"index"`
		T         float64 `json:"t"`
		Ops       int64   `json:"ops"`
		Attempts  int64   `json:"attempts"`
		Conflicts int64   `json:"conflicts"`
		P99MS     float64 `json:"p99_ms"`
	}
	finishedEvent struct {
		cellRef
		OpsS        float64 `json:"ops_s"`
		ConflictPct float64 `json:"conflict_pct"`
		P99MS       float64 `json:"p99_ms"`
		Audit       string  `json:"audit"`   // short: ok, LOST n, …
		Verdict     string  `json:"verdict"` // the audit's line
		OK          bool    `json:"ok"`
		Done        int     `json:"done"` // cells finished so far
	}
	endEvent struct {
		Report string `json:"report,omitempty"` // path of the report, "" when there is none
		Error  string `json:"error,omitempty"`
	}
)

func refOf(index int, s runner.Spec) cellRef {
	return cellRef{Index: index, Strategy: s.Strategy, Backoff: s.Backoff, Writers: s.Writers, Trial: s.Trial}
}

// logLocked appends an event and wakes the streams.
func (d *Dashboard) logLocked(kind string, v any) {
	data, err := json.Marshal(v)
	if err != nil { // the payloads are plain structs of strings and finite numbers
		data, _ = json.Marshal(endEvent{Error: fmt.Sprintf("dashboard: %s event: %v", kind, err)})
		kind = "error"
	}
	frame := fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", len(d.frames)+1, kind, data)
	d.frames = append(d.frames, frame)
	d.wakeLocked()
}

func (d *Dashboard) wakeLocked() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// CellStarted logs the cell's start and reads its seconds every second.
func (d *Dashboard) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
	if d.ended {
		return
	}
	now := d.clk.Now()
	ev := startEvent{cellRef: refOf(index, spec), Total: total, ETAS: -1}
	c := &liveCell{index: index, live: live, started: now}
	if live != nil {
		ev.LengthS = live.Length.Seconds()
	}
	if eta, ok := d.etaLocked(c, total); ok {
		ev.ETAS = round3(eta.Seconds())
	}
	d.logLocked("start", ev)
	if live == nil || live.Series == nil {
		return
	}
	d.cur = c
	c.timer = clock.AfterFunc(d.clk, time.Second, func() { d.tick(c) })
}

// etaLocked estimates the time left in the run when c starts: c and the
// cells after it, each as long as the finished ones took on average, or
// before any finished as long as c's warmup and planned length.
func (d *Dashboard) etaLocked(c *liveCell, total int) (time.Duration, bool) {
	var per time.Duration
	switch {
	case d.ran > 0:
		per = d.wall / time.Duration(d.ran)
	case c.live != nil && c.live.Length > 0:
		per = max(c.live.Start.Sub(c.started), 0) + c.live.Length
	default:
		return 0, false
	}
	return time.Duration(max(total-c.index, 1)) * per, true
}

// tick logs c's seconds that ended at least a second ago.
func (d *Dashboard) tick(c *liveCell) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c != d.cur || c.done {
		return
	}
	ready := int(d.clk.Now().Sub(c.live.Start)/time.Second) - 1
	if ready > c.sent {
		points := c.live.Series.Points()
		for ; c.sent < min(ready, len(points)); c.sent++ {
			d.logSecondLocked(c.index, points[c.sent])
		}
	}
	c.timer.Reset(time.Second)
}

func (d *Dashboard) logSecondLocked(index int, p results.Point) {
	d.logLocked("second", secondEvent{Index: index, T: p.T, Ops: p.Ops, Attempts: p.Attempts, Conflicts: p.Conflicts, P99MS: p.P99MS})
}

// CellFinished logs the cell's seconds not yet sent and its row.
func (d *Dashboard) CellFinished(spec runner.Spec, cell *results.Cell) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.cur
	d.stopLocked()
	if d.ended || cell == nil {
		return
	}
	index := -1
	sent := 0
	if c != nil {
		index, sent = c.index, c.sent
		if cell.Skipped == "" {
			d.ran++
			d.wall += d.clk.Now().Sub(c.started)
		}
	} else {
		index = d.findLocked(spec) // a skipped cell is never started
	}
	if index >= 0 {
		for _, p := range cell.Timeseries[min(sent, len(cell.Timeseries)):] {
			d.logSecondLocked(index, p)
		}
		if index < len(d.state) {
			d.state[index] = true
		}
	}
	done := 0
	for _, f := range d.state {
		if f {
			done++
		}
	}
	ev := finishedEvent{cellRef: refOf(index, spec), Done: done}
	ev.Audit, ev.OK = auditWord(cell)
	ev.Verdict = cell.Audit.Verdict
	if cell.Skipped != "" {
		ev.Verdict = cell.Skipped
	} else {
		ev.OpsS = round3(cell.ThroughputOpsS)
		ev.ConflictPct = round3(100 * cell.ConflictRatio)
		ev.P99MS = round3(cell.LatencyMS.P99)
	}
	d.logLocked("finished", ev)
}

// findLocked returns the index of the first unfinished planned cell of
// spec, or -1.
func (d *Dashboard) findLocked(spec runner.Spec) int {
	for i, s := range d.plan {
		if !d.state[i] && s == spec {
			return i
		}
	}
	return -1
}

// auditWord is the audit column: ok, LOST n, lost n (expected), …
func auditWord(c *results.Cell) (string, bool) {
	a := &c.Audit
	switch {
	case c.Skipped != "":
		return "skipped", true
	case results.NoVerdict(c):
		return "no verdict", false
	case a.LostUpdates > 0 && a.LossExpected:
		return fmt.Sprintf("lost %d (expected)", a.LostUpdates), true
	case a.OK:
		return "ok", true
	case a.LostUpdates > 0:
		return fmt.Sprintf("LOST %d", a.LostUpdates), false
	}
	return "not ok", false
}

// round3 rounds v to three decimals; NaN and ±Inf, which JSON cannot
// carry, become 0.
func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
}

// stopLocked stops reading the running cell.
func (d *Dashboard) stopLocked() {
	if c := d.cur; c != nil {
		c.done = true
		c.timer.Stop()
		d.cur = nil
	}
}

// Finish ends the run: /report.html serves report (nil: none) and the
// pages get the end event, with errText when the run failed before a
// report could be made. Later calls do nothing.
func (d *Dashboard) Finish(report []byte, errText string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopLocked()
	if d.ended {
		return
	}
	d.ended = true
	d.report = report
	ev := endEvent{Error: errText}
	if report != nil {
		ev.Report = "report.html"
	}
	d.logLocked("end", ev)
}
