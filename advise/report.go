package advise

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/internal/textout"
	"github.com/occbench/occbench/results"
)

// pct formats a conflict ratio as a percentage: "0.35%", "4.2%", "12%".
func pct(v float64) string {
	x := v * 100
	switch {
	case math.IsNaN(x):
		return "?"
	case x == 0:
		return "0%"
	case x >= 9.95:
		return strconv.FormatFloat(x, 'f', 0, 64) + "%"
	}
	return strconv.FormatFloat(x, 'g', 2, 64) + "%"
}

// times formats a ratio: "0.62×", "1.9×", "12×".
func times(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "?×"
	case v < 0.95:
		return strconv.FormatFloat(v, 'g', 2, 64) + "×"
	case v < 9.95:
		return strconv.FormatFloat(v, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "×"
}

func writersText(n int) string {
	if n == 1 {
		return "1 writer"
	}
	return strconv.Itoa(n) + " writers"
}

// where says which loads a band covers: "below 12% conflicts (≤ 4
// writers on single)", "12%–45% conflicts (8–16 writers on single)",
// "above 45% conflicts (≥ 32 writers on single)", or "at every measured
// load (…)" for a skew's only band. Without optimistic's conflict ratio
// it names the writers only.
func where(sr *SkewResult, b *Band) string {
	first, last := sr.Points[b.First].Writers, sr.Points[b.Last].Writers
	on := " on " + sr.Skew.Name
	span := func() string {
		if first == last {
			return writersText(first)
		}
		return fmt.Sprintf("%d–%d writers", first, last)
	}
	// A crossover between two points of the same conflict ratio (as
	// printed) does not place the band on the conflict axis.
	known := func(x *Crossover) bool {
		return sr.ConflictAxis && x != nil && !math.IsNaN(x.Conflict) && pct(sr.Points[x.Before].Conflict) != pct(sr.Points[x.After].Conflict)
	}
	switch {
	case b.Above == nil && b.Below == nil:
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := b.First; i <= b.Last; i++ {
			if c := sr.Points[i].Conflict; !math.IsNaN(c) {
				lo, hi = min(lo, c), max(hi, c)
			}
		}
		if math.IsInf(lo, 1) || !sr.ConflictAxis {
			return fmt.Sprintf("at every measured load (%s%s)", span(), on)
		}
		cr := pct(lo) + "–" + pct(hi)
		if pct(lo) == pct(hi) {
			cr = pct(lo)
		}
		return fmt.Sprintf("at every measured load (%s conflicts, %s%s)", cr, span(), on)
	case b.Above == nil:
		if !known(b.Below) {
			return fmt.Sprintf("up to %s%s", writersText(last), on)
		}
		return fmt.Sprintf("below %s conflicts (≤ %s%s)", pct(b.Below.Conflict), writersText(last), on)
	case b.Below == nil:
		if !known(b.Above) {
			return fmt.Sprintf("from %s%s", writersText(first), on)
		}
		return fmt.Sprintf("above %s conflicts (≥ %s%s)", pct(b.Above.Conflict), writersText(first), on)
	}
	if !known(b.Above) || !known(b.Below) || b.Above.Conflict > b.Below.Conflict {
		return span() + on
	}
	return fmt.Sprintf("%s–%s conflicts (%s%s)", pct(b.Above.Conflict), pct(b.Below.Conflict), span(), on)
}

// BandLine is a band's recommendation, e.g.
//
//	below 12% conflicts (≤ 4 writers on single): optimistic with decorrelated-jitter (goodput 1.9× pessimistic, p99 0.62×)
//
// On p99 the p99 ratio comes first. A tie says so and names every
// strategy within noise, never one winner.
func (r *Report) BandLine(sr *SkewResult, b *Band) string {
	var cmpText string
	if b.RunnerUp != "" {
		g, p := "goodput "+times(b.GoodputX), "p99 "+times(b.P99X)
		if b.Objective == P99 {
			g, p = p, g
		}
		cmpText = fmt.Sprintf("%s %s, %s", g, b.RunnerUp, p)
	}
	var who string
	if len(b.Verdict.Set) > 1 {
		who = fmt.Sprintf("tie within noise on %s: %s", b.Objective, strings.Join(b.Verdict.Set, ", "))
		if cmpText != "" {
			who += fmt.Sprintf(" (best median %s: %s)", b.Verdict.Best, cmpText)
		}
	} else {
		who = b.Verdict.Best + " with " + r.Plan.Backoff
		if cmpText != "" {
			who += " (" + cmpText + ")"
		}
	}
	return where(sr, b) + ": " + who
}

// CrossoverLine says where a winner stops being best, e.g.
//
//	goodput: optimistic → pessimistic at 12% conflicts (5.7 writers), interpolated between 4 writers (8.1%) and 8 writers (15%)
func (r *Report) CrossoverLine(sr *SkewResult, x *Crossover) string {
	a, b := &sr.Points[x.Before], &sr.Points[x.After]
	at := fmt.Sprintf("%s writers", results.Sig3(x.Writers))
	if !math.IsNaN(x.Conflict) {
		at = fmt.Sprintf("%s conflicts (%s writers)", pct(x.Conflict), results.Sig3(x.Writers))
	}
	how := "interpolated between"
	if !x.Interpolated {
		how = "midpoint of"
	}
	point := func(p *PointResult) string {
		if math.IsNaN(p.Conflict) {
			return writersText(p.Writers)
		}
		return fmt.Sprintf("%s (%s)", writersText(p.Writers), pct(p.Conflict))
	}
	return fmt.Sprintf("%s: %s → %s at %s, %s %s and %s", x.Objective, x.From, x.To, at, how, point(a), point(b))
}

// Header is the report's first line.
func (r *Report) Header() string {
	pl := r.Plan
	trials := fmt.Sprintf("%d trials per point", pl.Trials)
	if pl.Trials == 1 {
		trials = "1 trial per point"
	}
	rule := fmt.Sprintf("medians within %s", strconv.FormatFloat(r.Options.Margin*100, 'g', -1, 64)+"%")
	switch mt := results.MinTrials(r.Options.Alpha); {
	case pl.Trials >= mt:
		rule += fmt.Sprintf(", or trials not told apart by a U test at %g", r.Options.Alpha)
	case pl.Trials >= 2:
		rule += ", or trial ranges that overlap"
	}
	return fmt.Sprintf("advise: %s on %s, backoff %s, %s (a tie: %s)", pl.Scenario, pl.Driver, pl.Backoff, trials, rule)
}

// Table returns the table behind the advice: one row per skew ×
// writers, with optimistic's conflict ratio, each strategy's median
// goodput and p99, and the winner on each.
func (r *Report) Table() (head []string, rows [][]string) {
	head = []string{"skew", "writers", "conflicts"}
	for _, s := range r.Plan.Strategies {
		head = append(head, s+" ops/s", s+" p99 ms")
	}
	head = append(head, "best goodput", "best p99")
	for si := range r.Skews {
		sr := &r.Skews[si]
		for pi := range sr.Points {
			p := &sr.Points[pi]
			row := []string{sr.Skew.Label(), strconv.Itoa(p.Writers), pct(p.Conflict)}
			if math.IsNaN(p.Conflict) {
				row[2] = "–"
			}
			for i := range p.Stats {
				st := &p.Stats[i]
				if !st.Valid {
					row = append(row, orDash(st.Note), "–")
					continue
				}
				row = append(row, results.FormatCount(st.Goodput), results.FormatMS(st.P99))
			}
			row = append(row, orDash(p.Goodput.Label()), orDash(p.P99.Label()))
			rows = append(rows, row)
		}
	}
	return head, rows
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// lines returns the sections of the advice: per skew, the bands on each
// objective and the crossovers.
type section struct {
	title string
	lines []string
}

func (r *Report) sections() []section {
	var out []section
	for si := range r.Skews {
		sr := &r.Skews[si]
		sec := section{title: fmt.Sprintf("%s (%s)", sr.Skew.Label(), sr.Skew.Describe())}
		for _, o := range Objectives() {
			for bi := range sr.Bands[o] {
				sec.lines = append(sec.lines, fmt.Sprintf("best on %s, %s", o, r.BandLine(sr, &sr.Bands[o][bi])))
			}
		}
		if len(sec.lines) == 0 {
			sec.lines = append(sec.lines, "no point ran validly: nothing to advise")
		}
		for xi := range sr.Crossovers {
			sec.lines = append(sec.lines, "crossover on "+r.CrossoverLine(sr, &sr.Crossovers[xi]))
		}
		out = append(out, sec)
	}
	return out
}

func (r *Report) notes() []string {
	var out []string
	for _, o := range r.Plan.Omitted {
		out = append(out, "not run (the store cannot): "+o.String())
	}
	if r.Interrupted {
		out = append(out, "interrupted: the advice is from the points measured before the stop")
	}
	return out
}

// WriteText writes the advice and the table behind it as text.
func (r *Report) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("%s\n", r.Header())
	for _, n := range r.notes() {
		ew.Printf("%s\n", n)
	}
	for _, s := range r.sections() {
		ew.Printf("\n%s:\n", s.title)
		for _, l := range s.lines {
			ew.Printf("  %s\n", l)
		}
	}
	ew.Printf("\n")
	head, rows := r.Table()
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	_ = tw.Flush() // an error is kept in ew
	return ew.Err()
}

// WriteMarkdown writes the advice and its table as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("%s\n", textout.MarkdownLine(r.Header()))
	for _, n := range r.notes() {
		ew.Printf("\n%s\n", textout.MarkdownLine(n))
	}
	for _, s := range r.sections() {
		ew.Printf("\n**%s**\n\n", textout.MarkdownLine(s.title))
		for _, l := range s.lines {
			ew.Printf("- %s\n", textout.MarkdownLine(l))
		}
	}
	head, rows := r.Table()
	ew.Printf("\n|")
	for _, h := range head {
		ew.Printf(" %s |", textout.MarkdownCell(h))
	}
	ew.Printf("\n|")
	for i := range head {
		if i == 1 || (i >= 2 && i < len(head)-2) {
			ew.Printf(" ---: |")
		} else {
			ew.Printf(" --- |")
		}
	}
	ew.Printf("\n")
	for _, row := range rows {
		ew.Printf("|")
		for _, c := range row {
			ew.Printf(" %s |", textout.MarkdownCell(c))
		}
		ew.Printf("\n")
	}
	return ew.Err()
}
