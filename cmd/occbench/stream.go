package main

import (
	"io"
	"sync"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// secondStream is the runner.Observer of --format jsonl: it writes a
// "second" line for each second of the running cell, one second after
// that second ended (writers add to a second once it is over), reading
// the cell's Live series on a timer of the injected clock, so that the
// writers' hot path is untouched. When the cell finishes, the seconds not
// yet written come from its final time series. Each line is one Write.
type secondStream struct {
	lw     *results.LineWriter
	clk    clock.Clock
	driver string
	rate   float64
	trials int

	mu  sync.Mutex // Observer calls vs timer callbacks
	cur *streamCell
	err error // first write error: nothing more is written
}

// streamCell is the cell being streamed.
type streamCell struct {
	id    results.CellID
	live  *runner.Live
	sent  int // seconds written
	timer clock.Timer
	done  bool
}

var _ runner.Observer = (*secondStream)(nil)

// newSecondStream streams to w the seconds of the cells of a scenario on
// driver, open loop at rate (0: closed loop), with trials trials.
func newSecondStream(w io.Writer, clk clock.Clock, driver string, rate float64, trials int) *secondStream {
	return &secondStream{lw: results.NewLineWriter(w), clk: clk, driver: driver, rate: rate, trials: trials}
}

func (s *secondStream) CellStarted(spec runner.Spec, index, total int, live *runner.Live) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	if live == nil || live.Series == nil {
		return
	}
	id := results.CellID{Driver: s.driver, Strategy: spec.Strategy, Backoff: spec.Backoff, Writers: spec.Writers, Rate: s.rate}
	if s.trials > 1 {
		id.Trial = spec.Trial
	}
	c := &streamCell{id: id, live: live}
	s.cur = c
	c.timer = clock.AfterFunc(s.clk, time.Second, func() { s.tick(c) })
}

// tick writes c's seconds that ended at least a second ago.
func (s *secondStream) tick(c *streamCell) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != s.cur || c.done {
		return
	}
	ready := int(s.clk.Now().Sub(c.live.Start)/time.Second) - 1
	if ready > c.sent {
		points := c.live.Series.Points()
		for ; c.sent < min(ready, len(points)); c.sent++ {
			s.write(results.NewSecondLine(c.id, points[c.sent]))
		}
	}
	c.timer.Reset(time.Second)
}

func (s *secondStream) CellFinished(spec runner.Spec, cell *results.Cell) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent := 0
	if c := s.cur; c != nil {
		sent = c.sent
	}
	s.stopLocked()
	if cell == nil {
		return
	}
	id := results.IDOf(cell)
	for _, p := range cell.Timeseries[min(sent, len(cell.Timeseries)):] {
		s.write(results.NewSecondLine(id, p))
	}
}

// stopLocked stops streaming the current cell.
func (s *secondStream) stopLocked() {
	if c := s.cur; c != nil {
		c.done = true
		c.timer.Stop()
		s.cur = nil
	}
}

func (s *secondStream) write(l results.SecondLine) {
	if s.err == nil {
		s.err = s.lw.Write(l)
	}
}

// Close stops streaming and returns the first write error.
func (s *secondStream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	return s.err
}
