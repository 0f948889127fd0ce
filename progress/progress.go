package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// Defaults and limits of Options.
const (
	DefaultInterval = 5 * time.Second        // plain line period
	DefaultRefresh  = time.Second            // terminal data refresh period
	MinInterval     = 100 * time.Millisecond // smallest Interval or Refresh accepted
	RefreshWindow   = 2                      // complete seconds behind the terminal figures

	// grace is how long after a second ends it is taken as complete:
	// writers flush a second when they record in the next one.
	grace    = time.Second
	barWidth = 24
	// barRender is how often bars are redrawn (the spinner turns); the
	// figures change once per Refresh.
	barRender = 250 * time.Millisecond
)

// Options configure a Progress. The zero value is usable.
type Options struct {
	// Interval is the period of the plain progress lines printed when
	// the output is not a terminal (--progress-interval); 0 means
	// DefaultInterval. One more line comes as soon as a cell's first
	// second is complete. Rates on a line cover the complete seconds of
	// the last Interval.
	Interval time.Duration
	// Refresh is how often a terminal bar's figures are recomputed, and
	// how often plain lines are considered (the series changes once per
	// second); 0 means DefaultRefresh.
	Refresh time.Duration
	// Terminal forces bar (true) or line (false) output; nil detects
	// it: bars when the writer (or the one a Console wraps) is an
	// *os.File on a terminal.
	Terminal *bool
	// Now tells the time when a cell starts; nil means time.Now.
	Now func() time.Time
	// Ticker starts the per-cell refresh ticker and returns its channel
	// and a stop function; nil means time.NewTicker. Each refresh is at
	// the time its tick carries. Tests inject one, with Now, to drive
	// refreshes; both must agree with the runner's clock (Live.Start).
	Ticker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

// CheckInterval validates the value of --progress-interval: 0 (the
// default) or at least MinInterval.
func CheckInterval(d time.Duration) error {
	if d != 0 && d < MinInterval {
		return fmt.Errorf("--progress-interval: must be ≥ %v (or 0 for the default %v), got %v", MinInterval, DefaultInterval, d)
	}
	return nil
}

// Progress shows the progress of a run's cells. It implements
// runner.Observer; call Close when the run ends.
type Progress struct {
	w        io.Writer // a Console's own writer: progress's writes never suspend bars
	console  *Console  // nil unless New was given one
	interval time.Duration
	refresh  time.Duration
	term     bool
	now      func() time.Time
	ticker   func(time.Duration) (<-chan time.Time, func())
	barOpts  []mpb.ContainerOption // extra container options (tests)

	mu     sync.Mutex // guards the fields below (Observer calls vs Close)
	bars   *mpb.Progress
	cur    *cell
	closed bool
	run    runTimes

	wmu sync.Mutex // serialises writes to w and guards err
	err error      // first write error
}

var _ runner.Observer = (*Progress)(nil)

// New returns a Progress writing to w (normally os.Stderr). Intervals
// below MinInterval are raised to it; validate user input with
// CheckInterval first.
func New(w io.Writer, o Options) *Progress {
	c, _ := w.(*Console)
	if c != nil {
		w = c.w
	}
	p := &Progress{
		w:        w,
		console:  c,
		interval: clampInterval(o.Interval, DefaultInterval),
		refresh:  clampInterval(o.Refresh, DefaultRefresh),
		now:      o.Now,
		ticker:   o.Ticker,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.ticker == nil {
		p.ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	if o.Terminal != nil {
		p.term = *o.Terminal
	} else if f, ok := w.(*os.File); ok {
		p.term = term.IsTerminal(int(f.Fd()))
	}
	if c != nil {
		c.attach(p)
	}
	return p
}

// WithNote returns an Observer that shows cells as p does, with note
// after each cell's name: what the spec does not tell, such as
// tune-backoff's base and cap. A nil p gives a nil Observer.
func (p *Progress) WithNote(note string) runner.Observer {
	if p == nil {
		return nil
	}
	return noted{p, note}
}

type noted struct {
	p    *Progress
	note string
}

func (n noted) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	n.p.cellStarted(spec, index, total, live, n.note)
}

func (n noted) CellFinished(spec runner.Spec, c *results.Cell) { n.p.cellFinished(spec, c, n.note) }

func clampInterval(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return max(d, MinInterval)
}

// runTimes is what the run's ETA is estimated from.
type runTimes struct {
	n    int           // cells finished that ran (skipped ones excluded)
	wall time.Duration // their time from CellStarted to CellFinished
}

// cell is the cell being shown.
type cell struct {
	spec         runner.Spec
	note         string
	index, total int
	live         *runner.Live
	started      time.Time // Now at CellStarted
	run          runTimes  // as when the cell started
	stop, done   chan struct{}
	bar          *mpb.Bar // terminal only
	hidden       bool     // terminal: a foreign write removed the bar (Console)

	// Plain lines: when the last one was printed, and whether one had
	// figures (the first complete second's comes at once).
	lastLine   time.Time
	hadFigures bool

	mu   sync.Mutex
	snap snapshot // terminal: last refresh, read by the bar's decorators
}

// CellStarted starts showing a cell: a bar on a terminal, otherwise a
// ticker that prints a line every Interval.
func (p *Progress) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	p.cellStarted(spec, index, total, live, "")
}

func (p *Progress) cellStarted(spec runner.Spec, index, total int, live *runner.Live, note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || live == nil {
		return
	}
	if p.cur != nil { // the runner gave up on the last cell without finishing it
		p.stopCell(p.cur)
		p.dropBar(p.cur)
		p.cur = nil
	}
	now := p.now()
	c := &cell{spec: spec, note: note, index: index, total: total, live: live, started: now, run: p.run, lastLine: now,
		stop: make(chan struct{}), done: make(chan struct{})}
	c.snap = sample(nil, now.Sub(live.Start), live.Length, 1)
	c.snap.eta, c.snap.etaOK = eta(c, now)
	period := min(p.refresh, p.interval)
	if p.term {
		period = p.refresh
		if err := p.addBar(c); err != nil {
			p.setErr(err)
			return
		}
	}
	p.cur = c
	ticks, stopTicker := p.ticker(period)
	go p.loop(c, ticks, stopTicker)
}

// CellFinished stops the cell's ticker and prints its summary line.
func (p *Progress) CellFinished(spec runner.Spec, res *results.Cell) { p.cellFinished(spec, res, "") }

func (p *Progress) cellFinished(spec runner.Spec, res *results.Cell, note string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	c := p.cur
	if c != nil && c.spec != spec {
		p.stopCell(c)
		p.dropBar(c)
		c = nil
	}
	p.cur = nil
	if c != nil && res.Skipped == "" {
		p.run.n++
		p.run.wall += max(p.now().Sub(c.started), 0)
	}
	line := summary(label(c, spec, note), res) + "\n"
	if c == nil || c.bar == nil {
		if c != nil {
			p.stopCell(c)
		}
		p.write(line)
		return
	}
	p.stopCell(c)
	// Lines written to the container go above the bars at the next
	// render, which dropping the last bar triggers; Wait returns once
	// it is on the screen.
	if _, err := p.bars.Write([]byte(line)); err != nil {
		p.setErr(fmt.Errorf("progress: %w", err))
	}
	p.dropBar(c)
}

// Close stops a cell still shown, removes the bars and returns the
// first error met writing progress. Calling it again does nothing.
func (p *Progress) Close() error {
	if p.console != nil { // first: a Console locks itself, then p
		p.console.detach(p)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		if c := p.cur; c != nil {
			p.stopCell(c)
			p.dropBar(c)
			p.cur = nil
		}
		if p.bars != nil {
			p.bars.Wait()
		}
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.err
}

// loop refreshes c on every tick until c is stopped.
func (p *Progress) loop(c *cell, ticks <-chan time.Time, stopTicker func()) {
	defer close(c.done)
	defer stopTicker()
	for {
		select {
		case now := <-ticks:
			p.refreshCell(c, now)
		case <-c.stop:
			return
		}
	}
}

// stopCell stops c's ticker and waits until its last refresh is done.
func (p *Progress) stopCell(c *cell) {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

// refreshCell reads c's series once and shows the figures at now: on a
// terminal in the bar; otherwise in a line when Interval has passed
// since the last one, or when the first complete second's figures are
// in.
func (p *Progress) refreshCell(c *cell, now time.Time) {
	window := RefreshWindow
	if !p.term {
		window = max(1, int(p.interval/time.Second))
	}
	s := sample(c.live.Series.Points(), now.Sub(c.live.Start), c.live.Length, window)
	s.eta, s.etaOK = eta(c, now)
	if !p.term {
		if now.Sub(c.lastLine) < p.interval && (c.hadFigures || s.secs == 0) {
			return
		}
		c.lastLine = now
		c.hadFigures = c.hadFigures || s.secs > 0
		p.write(label(c, c.spec, c.note) + "  " + liveText(s, c.live.Length) + "\n")
		return
	}
	c.mu.Lock()
	c.snap = s
	bar := c.bar
	c.mu.Unlock()
	if bar != nil && c.live.Length > 0 {
		bar.SetCurrent(min(max(s.elapsed, 0), c.live.Length).Milliseconds())
	}
}

func (p *Progress) addBar(c *cell) error {
	if p.bars == nil {
		opts := []mpb.ContainerOption{
			mpb.WithOutput(p.w), mpb.ForceTTY(), mpb.WithAutoRefresh(), mpb.WithRefreshRate(barRender),
		}
		p.bars = mpb.New(append(opts, p.barOpts...)...)
	}
	style := mpb.BarFillerBuilder(mpb.BarStyle())
	if c.live.Length <= 0 {
		style = mpb.SpinnerStyle()
	}
	// Total 0: the bar never completes by itself; CellFinished drops it.
	bar, err := p.bars.Add(0, style.Build(),
		mpb.BarWidth(barWidth),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return label(c, c.spec, c.note) })),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			c.mu.Lock()
			defer c.mu.Unlock()
			return liveText(c.snap, c.live.Length)
		})),
	)
	if err != nil {
		return fmt.Errorf("progress: add bar: %w", err)
	}
	if c.live.Length > 0 {
		bar.SetTotal(c.live.Length.Milliseconds(), false)
	}
	c.bar = bar
	return nil
}

// dropBar removes c's bar: it is drawn no more, and the container's
// next render erases it.
func (p *Progress) dropBar(c *cell) {
	c.mu.Lock()
	bar := c.bar
	c.bar = nil
	c.mu.Unlock()
	if bar == nil {
		return
	}
	bar.Abort(true)
	bar.Wait()
}

// suspend removes the running cell's bar from the screen before
// something else writes there (Console); the cell shows no bar again.
// Without it the next render would redraw the bar below the foreign
// line and leave the old one above it. An aborted bar's last frame is
// erased only by the container's next render: suspend shuts the
// container down (its last render erases it) and the next cell starts
// a new one.
func (p *Progress) suspend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.cur; c != nil && c.bar != nil {
		p.dropBar(c)
		c.hidden = true
	}
	if p.bars != nil {
		p.bars.Wait()
		p.bars = nil
	}
}

func (p *Progress) write(s string) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if _, err := io.WriteString(p.w, s); err != nil && p.err == nil {
		p.err = fmt.Errorf("progress: %w", err)
	}
}

func (p *Progress) setErr(err error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.err == nil {
		p.err = err
	}
}

// snapshot is what one refresh shows.
type snapshot struct {
	elapsed       time.Duration // since Live.Start; < 0 during warmup
	ops           int64         // committed ops flushed so far
	attempts      int64         // attempts flushed so far
	conflicts     int64         // conflicts flushed so far
	secs          int           // complete seconds behind the rates; 0 = none yet
	opsPerSec     float64
	conflictRatio float64 // conflicts ÷ attempts
	p99ms         float64 // highest per-second p99 in the window
	eta           time.Duration
	etaOK         bool // eta is known
}

// sample computes the figures at elapsed (time since the start of
// measurement) from a cell's per-second points: rates over the last
// window complete seconds. A second s is complete at s+1+grace, and in a
// timed cell (length > 0) only whole seconds of the planned length count.
// Seconds without a point had no activity and count as zero.
func sample(points []results.Point, elapsed, length time.Duration, window int) snapshot {
	s := snapshot{elapsed: elapsed}
	for i := range points {
		s.ops += points[i].Ops
		s.attempts += points[i].Attempts
		s.conflicts += points[i].Conflicts
	}
	if elapsed < grace {
		return s
	}
	hi := int((elapsed - grace) / time.Second)
	if length > 0 {
		hi = min(hi, int(length/time.Second))
	}
	lo := max(0, hi-max(window, 1))
	if hi <= lo {
		return s
	}
	s.secs = hi - lo
	var ops, attempts, conflicts int64
	for i := lo; i < min(hi, len(points)); i++ {
		pt := &points[i]
		ops += pt.Ops
		attempts += pt.Attempts
		conflicts += pt.Conflicts
		s.p99ms = max(s.p99ms, pt.P99MS)
	}
	s.opsPerSec = float64(ops) / float64(s.secs)
	if attempts > 0 {
		s.conflictRatio = float64(conflicts) / float64(attempts)
	}
	return s
}

// eta estimates the time left in the run at now: the rest of c, then
// the cells after it, each taking as long as the finished ones did on
// average (from CellStarted to CellFinished: setup and audit included),
// or before any finished as long as c's warmup and planned length. It
// is unknown in an ops-bounded cell before any cell finished.
func eta(c *cell, now time.Time) (time.Duration, bool) {
	var per time.Duration
	switch {
	case c.run.n > 0:
		per = c.run.wall / time.Duration(c.run.n)
	case c.live.Length > 0:
		per = c.live.Start.Sub(c.started) + c.live.Length
	default:
		return 0, false
	}
	rest := max(per-now.Sub(c.started), 0)
	if c.live.Length > 0 {
		rest = max(rest, c.live.Length-max(now.Sub(c.live.Start), 0))
	}
	after := max(c.total-c.index-1, 0)
	return rest + time.Duration(after)*per, true
}

// fmtETA prints a duration to the second: 45s, 4m05s, 1h02m.
func fmtETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// label is "[index/total] strategy/backoff/wN", with the trial when > 1
// and the note. c is nil when the cell was not started (no index known).
func label(c *cell, spec runner.Spec, note string) string {
	name := spec.String()
	if spec.Trial > 1 {
		name += fmt.Sprintf(" trial %d", spec.Trial)
	}
	if note != "" {
		name += " " + note
	}
	if c == nil {
		return name
	}
	return fmt.Sprintf("[%d/%d] %s", c.index+1, c.total, name)
}

// liveText is the part of a progress line after the label: the time,
// the ops committed so far (once there are any), the rates over the
// complete seconds of the window (before the first is complete, the
// conflict ratio so far), and the run's ETA.
func liveText(s snapshot, length time.Duration) string {
	var t string
	switch {
	case s.elapsed < 0:
		t = fmt.Sprintf("warmup, %.1fs left", (-s.elapsed).Seconds())
	case length > 0:
		t = fmt.Sprintf("%.1fs/%.1fs", min(s.elapsed, length).Seconds(), length.Seconds())
		if s.ops > 0 {
			t += fmt.Sprintf("  %d ops", s.ops)
		}
	default:
		t = fmt.Sprintf("%.1fs  %d ops", s.elapsed.Seconds(), s.ops)
	}
	switch {
	case s.elapsed < 0:
	case s.secs > 0:
		t += fmt.Sprintf("  %.0f ops/s  %.1f%% conflicts  p99 %s ms", s.opsPerSec, 100*s.conflictRatio, fmtMS(s.p99ms))
	case s.attempts > 0:
		t += fmt.Sprintf("  %.1f%% conflicts", 100*float64(s.conflicts)/float64(s.attempts))
	}
	if s.etaOK {
		t += "  run ETA " + fmtETA(s.eta)
	}
	return t
}

// summary is a finished cell's line, with the audit verdict.
func summary(name string, c *results.Cell) string {
	if c.Skipped != "" {
		return fmt.Sprintf("%s  skipped: %s", name, c.Skipped)
	}
	state := "done"
	if c.Interrupted {
		state = "interrupted after"
	}
	return fmt.Sprintf("%s  %s %.1fs  %.0f ops/s  %.1f%% conflicts  p99 %s ms  %s",
		name, state, c.DurationS, c.ThroughputOpsS, 100*c.ConflictRatio, fmtMS(c.LatencyMS.P99), c.Audit.Verdict)
}

// fmtMS prints milliseconds with about three significant digits.
func fmtMS(ms float64) string {
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}
