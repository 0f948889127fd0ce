package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The "type" of each JSONL object: one per second of each cell, one per
// cell, one for the run.
const (
	JSONLSecond = "second"
	JSONLCell   = "cell"
	JSONLRun    = "run"
)

// CellID names a cell in JSONL objects.
type CellID struct {
	Driver   string  `json:"driver"`
	Strategy string  `json:"strategy"`
	Backoff  string  `json:"backoff"`
	Writers  int     `json:"writers"`
	Rate     float64 `json:"rate,omitempty"`
	Trial    int     `json:"trial,omitempty"`
}

// IDOf is c's CellID.
func IDOf(c *Cell) CellID {
	return CellID{Driver: c.Driver, Strategy: c.Strategy, Backoff: c.Backoff, Writers: c.Writers, Rate: c.Rate, Trial: c.Trial}
}

// Name is strategy/backoff/wN, then rR and tK when the cell has a rate
// and a trial: "optimistic/expo/w16/t2".
func (id CellID) Name() string {
	s := id.Strategy + "/" + id.Backoff + "/w" + strconv.Itoa(id.Writers)
	if id.Rate > 0 {
		s += "/r" + Sig3(id.Rate)
	}
	if id.Trial > 0 {
		s += "/t" + strconv.Itoa(id.Trial)
	}
	return s
}

// SecondLine is one second of one cell: the "second" object.
type SecondLine struct {
	Type string `json:"type"` // JSONLSecond
	Cell string `json:"cell"` // CellID.Name
	CellID
	Point
}

// NewSecondLine is the "second" object of point p of cell id.
func NewSecondLine(id CellID, p Point) SecondLine {
	return SecondLine{Type: JSONLSecond, Cell: id.Name(), CellID: id, Point: p}
}

// RunLine is the last object: the run and its verdict.
type RunLine struct {
	Type        string    `json:"type"` // JSONLRun
	Schema      string    `json:"schema"`
	Scenario    string    `json:"scenario"`
	Question    string    `json:"question,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Interrupted bool      `json:"interrupted"`
	ResultsFile string    `json:"results_file,omitempty"`
	Cells       int       `json:"cells"`
	Skipped     int       `json:"skipped"`
	// AuditOK is false when a cell lost updates its strategy promises
	// to keep (or its audit failed otherwise).
	AuditOK bool `json:"audit_ok"`
	// Thresholds checked and failed, over every cell.
	Thresholds       int `json:"thresholds"`
	ThresholdsFailed int `json:"thresholds_failed"`
	// Verdict is the best strategy/backoff of each group of cells on
	// goodput and p99 (VerdictOf); Notes are the verdict's notes.
	Verdict []VerdictJSON `json:"verdict"`
	Notes   []string      `json:"notes"`
}

// VerdictJSON is one group of the verdict.
type VerdictJSON struct {
	Group    string    `json:"group"`
	Eligible int       `json:"eligible"`
	Goodput  *BestJSON `json:"goodput_ops_s,omitempty"` // absent when nothing is eligible
	P99      *BestJSON `json:"p99_ms,omitempty"`
}

// BestJSON is one best combination.
type BestJSON struct {
	Name      string   `json:"name"`
	Value     float64  `json:"value"`
	Next      string   `json:"next,omitempty"`
	NextValue *float64 `json:"next_value,omitempty"`
	// Noise is "untested" (single trials), "too-few-trials",
	// "within-noise" or "significant"; P the U-test's p-value when it
	// ran.
	Noise string   `json:"noise"`
	P     *float64 `json:"p,omitempty"`
}

// String is the JSON spelling of n.
func (n Noise) String() string {
	switch n {
	case TooFew:
		return "too-few-trials"
	case WithinNoise:
		return "within-noise"
	case Significant:
		return "significant"
	}
	return "untested"
}

func bestJSON(b *Best) *BestJSON {
	if b == nil {
		return nil
	}
	out := &BestJSON{Name: b.Name, Value: b.Value, Next: b.Next, Noise: b.Noise.Noise.String()}
	if b.Next != "" {
		v := b.NextValue
		out.NextValue = &v
	}
	if b.Noise.Noise == WithinNoise || b.Noise.Noise == Significant {
		p := b.Noise.P
		out.P = &p
	}
	return out
}

// NewRunLine is the "run" object of f.
func NewRunLine(f *File, o Options) RunLine {
	r := RunLine{
		Type: JSONLRun, Schema: Schema, Scenario: headerOf(f).scenario, Question: o.Question,
		StartedAt: f.StartedAt, FinishedAt: f.FinishedAt, Interrupted: f.Interrupted,
		ResultsFile: o.Path, Cells: len(f.Cells), AuditOK: true, Verdict: []VerdictJSON{},
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped != "" {
			r.Skipped++
		}
		if unexpected(c) {
			r.AuditOK = false
		}
	}
	failed, total := thresholdFailures(f)
	r.Thresholds, r.ThresholdsFailed = total, len(failed)
	v := VerdictOf(f)
	for _, g := range v.Groups {
		r.Verdict = append(r.Verdict, VerdictJSON{Group: g.Label, Eligible: g.Eligible, Goodput: bestJSON(g.Goodput), P99: bestJSON(g.P99)})
	}
	_, r.Notes = v.Lines()
	return r
}

// CellLine is the "cell" object of c: every field of the results file's
// cell but the histograms (its writer classes' too) and the time series
// (the "second" objects), after "type" and "cell" (CellID.Name).
func CellLine(c *Cell) (json.RawMessage, error) {
	c = classesWithoutHistograms(c)
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("results: jsonl: cell %s: %w", IDOf(c).Name(), err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("results: jsonl: cell %s: %w", IDOf(c).Name(), err)
	}
	delete(m, "histograms")
	delete(m, "timeseries")
	rest, err := json.Marshal(m) // keys sorted: deterministic
	if err != nil {
		return nil, fmt.Errorf("results: jsonl: cell %s: %w", IDOf(c).Name(), err)
	}
	name, _ := json.Marshal(IDOf(c).Name()) // a string: cannot fail
	// "type" and "cell" first, as in the other objects.
	out := append([]byte(`{"type":"`+JSONLCell+`","cell":`), name...)
	out = append(out, ',')
	return append(out, rest[1:]...), nil
}

// LineWriter writes one JSON object per line, each in a single Write, so
// that a reader of a pipe sees whole lines as soon as they are written.
type LineWriter struct {
	w   io.Writer
	buf bytes.Buffer
}

// NewLineWriter returns a LineWriter over w.
func NewLineWriter(w io.Writer) *LineWriter { return &LineWriter{w: w} }

// Write writes v as one line of JSON.
func (lw *LineWriter) Write(v any) error {
	lw.buf.Reset()
	enc := json.NewEncoder(&lw.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the line
		return fmt.Errorf("results: jsonl: %w", err)
	}
	_, err := lw.w.Write(lw.buf.Bytes())
	return err
}

// WriteJSONL writes f as JSON lines: with seconds, a "second" object for
// each point of each cell's time series (cell by cell), then a "cell"
// object for each cell, then the "run" object. A live run streams the
// seconds as they happen and ends with WriteJSONL(…, false, …).
func WriteJSONL(w io.Writer, f *File, seconds bool, o Options) error {
	lw := NewLineWriter(w)
	if seconds {
		for i := range f.Cells {
			id := IDOf(&f.Cells[i])
			for _, p := range f.Cells[i].Timeseries {
				if err := lw.Write(NewSecondLine(id, p)); err != nil {
					return err
				}
			}
		}
	}
	for i := range f.Cells {
		line, err := CellLine(&f.Cells[i])
		if err != nil {
			return err
		}
		if err := lw.Write(line); err != nil {
			return err
		}
	}
	return lw.Write(NewRunLine(f, o))
}
