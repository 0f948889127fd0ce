package results

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/textout"
	"github.com/occbench/occbench/usl"
)

// USL is the Universal Scalability Law, X(N) = λN / (1 + σ(N−1) +
// κN(N−1)), fitted to the committed throughput (ops/s) of one (driver,
// strategy, backoff) against writers (package usl). File.USL holds one per
// writers sweep of a run: the closed-loop cells that ran to their end,
// trials averaged at each writer count, in groups of at least three
// writer counts. occbench capacity fits the probes of each pair instead.
type USL struct {
	Driver   string `json:"driver"`
	Strategy string `json:"strategy"`
	Backoff  string `json:"backoff"`
	// Writers are the distinct writer counts fitted, ascending; Points
	// the cells (or capacity probes) behind them.
	Writers []int `json:"writers"`
	Points  int   `json:"points"`

	Lambda float64 `json:"lambda"` // ops/s of one writer without contention
	Sigma  float64 `json:"sigma"`  // contention, 0 … 1 (1: serialised)
	Kappa  float64 `json:"kappa"`  // coherency, ≥ 0
	// PeakWriters is sqrt((1−σ)/κ), where the fit's throughput is
	// largest, and PeakOpsS the throughput there (at 1 writer when the
	// peak is below 1: the throughput falls from the first writer on);
	// both absent when κ = 0 (the fit has no peak). PeakBeyond is set when the peak lies beyond
	// the largest writer count measured: a prediction, not a measurement.
	PeakWriters *float64 `json:"peak_writers,omitempty"`
	PeakOpsS    *float64 `json:"peak_ops_s,omitempty"`
	PeakBeyond  bool     `json:"peak_beyond_measured,omitempty"`
	// R2 is the fit's coefficient of determination on the throughput at
	// each writer count; MAPE its mean absolute error there, in percent
	// of the measured throughput.
	R2   float64 `json:"r2"`
	MAPE float64 `json:"mape_pct"`

	// Error, when not empty, says why there is no fit (every throughput
	// was 0); the numbers are then 0.
	Error string `json:"error,omitempty"`
}

// Model returns u's parameters as a usl.Model.
func (u *USL) Model() usl.Model {
	return usl.Model{Lambda: u.Lambda, Sigma: u.Sigma, Kappa: u.Kappa, R2: u.R2}
}

// Name is "strategy/backoff", with the driver first when multiDriver.
func (u *USL) Name(multiDriver bool) string {
	s := u.Strategy + "/" + u.Backoff
	if multiDriver {
		s = u.Driver + "/" + s
	}
	return s
}

// NewUSL fits pts, throughput (ops/s) against writers, for one (driver,
// strategy, backoff); points is the number of cells behind pts. It
// returns false when pts has fewer than three distinct writer counts
// (not a sweep); any other failure of the fit is in USL.Error.
func NewUSL(driver, strategy, backoff string, pts []usl.Point, points int) (USL, bool) {
	u := USL{Driver: driver, Strategy: strategy, Backoff: backoff, Points: points}
	set := map[int]bool{}
	for _, p := range pts {
		set[int(p.N)] = true
	}
	u.Writers = slices.Sorted(maps.Keys(set))
	m, err := usl.Fit(pts)
	switch {
	case errors.Is(err, usl.ErrTooFewN):
		return u, false
	case err != nil:
		u.Error = err.Error()
		return u, true
	}
	u.Lambda, u.Sigma, u.Kappa, u.R2 = m.Lambda, m.Sigma, m.Kappa, m.R2
	if e, ok := m.MAPE(pts); ok {
		u.MAPE = e
	}
	if n, ok := m.Peak(); ok {
		x, _ := m.PeakX()
		u.PeakWriters, u.PeakOpsS = &n, &x
		u.PeakBeyond = len(u.Writers) > 0 && n > float64(u.Writers[len(u.Writers)-1])
	}
	// JSON has no NaN or Inf: a fit that is not finite is no fit (usl.Fit
	// never returns one; this keeps a results file writable if it did).
	for _, v := range []float64{u.Lambda, u.Sigma, u.Kappa, u.R2, u.MAPE, deref(u.PeakWriters), deref(u.PeakOpsS)} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return USL{Driver: driver, Strategy: strategy, Backoff: backoff, Points: points, Writers: u.Writers,
				Error: fmt.Sprintf("usl: fit not finite (λ %v, σ %v, κ %v)", m.Lambda, m.Sigma, m.Kappa)}, true
		}
	}
	return u, true
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// FitUSL fits the Universal Scalability Law to every writers sweep of f:
// per (driver, strategy, backoff), in the order of their first cells, the
// closed-loop cells (rate 0) that ran and were not interrupted, their
// throughput averaged over trials at each writer count. Groups with fewer
// than three writer counts are left out; nil when none is left.
func FitUSL(f *File) []USL {
	if f == nil {
		return nil
	}
	type key struct{ driver, strategy, backoff string }
	type acc struct {
		sum map[int]float64
		n   map[int]int
	}
	var order []key
	groups := map[key]*acc{}
	for i := range f.Cells {
		c := &f.Cells[i]
		// A cell with a distribution of its own (occbench advise) is one
		// skew of several at the same writers: a fit over all would mix
		// them, and USL has no field to tell them apart.
		if c.Skipped != "" || c.Interrupted || c.Rate > 0 || c.Writers < 1 || c.Distribution != "" ||
			math.IsNaN(c.ThroughputOpsS) || math.IsInf(c.ThroughputOpsS, 0) || c.ThroughputOpsS < 0 {
			continue
		}
		k := key{c.Driver, c.Strategy, c.Backoff}
		g := groups[k]
		if g == nil {
			g = &acc{sum: map[int]float64{}, n: map[int]int{}}
			groups[k] = g
			order = append(order, k)
		}
		g.sum[c.Writers] += c.ThroughputOpsS
		g.n[c.Writers]++
	}
	var out []USL
	for _, k := range order {
		g := groups[k]
		var pts []usl.Point
		cells := 0
		for _, w := range slices.Sorted(maps.Keys(g.sum)) {
			pts = append(pts, usl.Point{N: float64(w), X: g.sum[w] / float64(g.n[w])})
			cells += g.n[w]
		}
		if u, ok := NewUSL(k.driver, k.strategy, k.backoff, pts, cells); ok {
			out = append(out, u)
		}
	}
	return out
}

// USLOf returns f.USL, or, for a file written before occbench fitted it
// (or a merged file), FitUSL(f).
func USLOf(f *File) []USL {
	if f == nil {
		return nil
	}
	if f.USL != nil {
		return f.USL
	}
	return FitUSL(f)
}

// USLFormula is the law, as the reports print it.
const USLFormula = "X(N) = λN / (1 + σ(N−1) + κN(N−1))"

// USLTable is the "Scalability (USL)" table of fits: driver (when the
// fits come from several), strategy, backoff, writers (the range
// fitted), λ ops/s, σ, κ, peak writers ("-" when κ = 0; "<1" when the
// throughput falls from the first writer; ", beyond" appended when the
// peak lies past the writers measured), peak ops/s, r2 and error (MAPE).
// A fit that failed has "-" in every number and its error in the last
// column.
func USLTable(fits []USL) (cols []Column, rows [][]string) {
	drivers := map[string]bool{}
	for i := range fits {
		drivers[fits[i].Driver] = true
	}
	multi := len(drivers) > 1
	if multi {
		cols = append(cols, Column{Name: "driver"})
	}
	cols = append(cols, Column{Name: "strategy"}, Column{Name: "backoff"}, Column{Name: "writers"})
	for _, n := range []string{"λ ops/s", "σ", "κ", "peak writers", "peak ops/s", "r2", "error"} {
		cols = append(cols, Column{Name: n, Numeric: true})
	}
	for i := range fits {
		u := &fits[i]
		var row []string
		if multi {
			row = append(row, u.Driver)
		}
		row = append(row, u.Strategy, u.Backoff, writersRange(u.Writers))
		if u.Error != "" {
			row = append(row, "-", "-", "-", "-", "-", "-", "no fit: "+u.Error)
			rows = append(rows, row)
			continue
		}
		peak, peakX := "-", "-"
		if u.PeakWriters != nil {
			peak = Sig3(*u.PeakWriters)
			if *u.PeakWriters < 1 {
				peak = "<1"
			}
			if u.PeakBeyond {
				peak += ", beyond"
			}
			peakX = Sig3(*u.PeakOpsS)
		}
		row = append(row, Sig3(u.Lambda), FormatSigma(u.Sigma), FormatKappa(u.Kappa), peak, peakX,
			strconv.FormatFloat(u.R2, 'f', 3, 64), strconv.FormatFloat(u.MAPE, 'f', 1, 64)+"%")
		rows = append(rows, row)
	}
	return cols, rows
}

// FormatSigma prints σ with three decimals: 0.031, 1.000.
func FormatSigma(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// FormatKappa prints κ with three significant digits: 0, 0.000421,
// 1.2e-07.
func FormatKappa(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// writersRange is "1–16 (5)": the smallest and largest writer counts and
// how many.
func writersRange(ws []int) string {
	if len(ws) == 0 {
		return "-"
	}
	return fmt.Sprintf("%d–%d (%d)", ws[0], ws[len(ws)-1], len(ws))
}

// uslNote explains the columns under the table, one sentence a line.
var uslNote = [...]string{
	"λ: ops/s of one writer without contention; σ: contention (0 none, 1 serialised); κ: coherency",
	"peak writers = sqrt((1−σ)/κ), - when κ = 0 (no peak); r2 and error (mean absolute % error) on the ops/s at each writer count",
}

// writeUSL writes the "Scalability (USL)" section of f (USLOf) in text or
// markdown, the fits in file order; nothing when f has no writers sweep
// of three or more writer counts. A write error stays in ew (Err).
func writeUSL(ew *textout.Writer, f *File, markdown bool) {
	fits := USLOf(f)
	if len(fits) == 0 {
		return
	}
	cols, rows := USLTable(fits)
	if markdown {
		ew.Printf("\n#### Scalability (USL)\n\n")
		ew.Printf("Fit of ops/s against writers: `%s`.\n\n", USLFormula)
		markdownTable(ew, cols, rows)
		ew.Printf("\n%s.\n", textout.MarkdownLine(strings.Join(uslNote[:], ". ")))
		return
	}
	ew.Printf("\nscalability (USL fit of ops/s against writers, %s):\n", USLFormula)
	for _, row := range rows {
		for j := range row {
			row[j] = oneLine(row[j])
		}
	}
	_ = printTable(ew, "  ", cols, rows) // its error is ew's
	for _, l := range uslNote {
		ew.Printf("  %s\n", l)
	}
}
