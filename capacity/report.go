package capacity

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/internal/textout"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/results"
)

// Line is the one-line answer for a pair, e.g.
//
//	optimistic/full-jitter: 24 writers meet p99_ms<=50 (32 fail: p99 71.2 ms); knee at 8 writers (41,200 ops/s)
func (r *Report) Line(a *Answer) string {
	v, slo := r.Vary, r.SLO.String()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", a.Pair)
	// fail describes the first failing probe: "32 fail: p99 71.2 ms" after
	// an answer in writers, "1 writer fails: …" on its own.
	fail := func() string {
		if a.Fail == nil {
			return ""
		}
		load := v.Format(a.Fail.Load)
		if v == Writers && a.Pass != nil {
			load = results.FormatCount(a.Fail.Load)
		}
		verb := "fail"
		if a.Pass == nil || v == Rate {
			verb = "fails"
		}
		return fmt.Sprintf("%s %s: %s", load, verb, failures(a.Fail.Failed))
	}
	switch a.Outcome {
	case Skipped:
		fmt.Fprintf(&b, "skipped: %s", a.Reason)
		return b.String()
	case Unknown:
		fmt.Fprintf(&b, "unknown: %s before any probe was judged", orDefault(a.Reason, "stopped"))
		return b.String()
	case NoneMet:
		fmt.Fprintf(&b, "no load meets %s (%s)", slo, fail())
		return b.String()
	case Found:
		fmt.Fprintf(&b, "%s meet%s %s (%s)", v.Format(a.Load), verbS(v, a.Load), slo, fail())
	case MaxReached:
		fmt.Fprintf(&b, "%s meet%s %s at the largest load searched (capacity is at least that)", v.Format(a.Load), verbS(v, a.Load), slo)
	case LowerBound:
		why := "lower bound: " + orDefault(a.Reason, "stopped early")
		if f := fail(); f != "" {
			why += "; " + f
		} else {
			why += " before any load failed"
		}
		fmt.Fprintf(&b, "at least %s meet%s %s (%s)", v.Format(a.Load), verbS(v, a.Load), slo, why)
	}
	b.WriteString("; ")
	b.WriteString(r.kneeText(a))
	return b.String()
}

func (r *Report) kneeText(a *Answer) string {
	if a.Knee != nil {
		return fmt.Sprintf("knee at %s (%s ops/s)", r.Vary.Format(a.Knee.Load), results.FormatCount(a.Knee.Values[ThroughputOpsS]))
	}
	top := 0.0
	n := 0
	for _, p := range a.Probes {
		if p.Phase == Doubling && p.Values != nil {
			top = max(top, p.Load)
			n++
		}
	}
	if n < 2 {
		return "knee unknown (fewer than two doubling probes)"
	}
	return fmt.Sprintf("no knee up to %s (throughput still grew ≥%.0f%% per doubling)", r.Vary.Format(top), 100*KneeGain)
}

// verbS returns "s" for a singular subject: "1 writer meets".
func verbS(v Vary, load float64) string {
	if v == Writers && load == 1 {
		return "s"
	}
	return ""
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func failures(fs []Failure) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

// columns of the probe table: the fixed ones, then each SLO metric not
// already shown.
func (r *Report) columns() []string {
	cols := []string{ThroughputOpsS, P99MS, SuccessRate, ConflictRatio}
	for _, c := range r.SLO {
		if !slices.Contains(cols, c.Metric) {
			cols = append(cols, c.Metric)
		}
	}
	return cols
}

var columnTitle = map[string]string{
	P50MS: "p50 ms", P90MS: "p90 ms", P99MS: "p99 ms", P999MS: "p99.9 ms",
	SuccessRate: "success", ConflictRatio: "conflicts", ThroughputOpsS: "ops/s", LostUpdates: "lost",
}

func formatValue(metric string, v float64) string {
	switch metric {
	case P50MS, P90MS, P99MS, P999MS:
		return results.FormatMS(v)
	case ThroughputOpsS:
		return results.FormatCount(v)
	case SuccessRate, ConflictRatio:
		return fmt.Sprintf("%.4g", v)
	}
	return fmt.Sprintf("%g", v)
}

// table returns the probe table: a header and one row per probe.
func (r *Report) table() ([]string, [][]string) {
	load := "writers"
	if r.Vary == Rate {
		load = "rate ops/s"
	}
	cols := r.columns()
	head := []string{"pair", "probe", "phase", load}
	for _, c := range cols {
		t, ok := columnTitle[c]
		if !ok {
			t = c // every metric of the SLO grammar has a column: its name
		}
		head = append(head, t)
	}
	head = append(head, "verdict")
	var rows [][]string
	for _, a := range r.Answers {
		for _, p := range a.Probes {
			row := []string{a.Pair.String(), fmt.Sprint(p.Seq), string(p.Phase), results.FormatCount(p.Load)}
			for _, c := range cols {
				if p.Values == nil {
					row = append(row, "-")
					continue
				}
				row = append(row, formatValue(c, p.Values[c]))
			}
			verdict := "pass"
			switch {
			case len(p.Cells) > 0 && p.Cells[len(p.Cells)-1].Skipped != "":
				verdict = "skipped"
			case p.Interrupted:
				verdict = "interrupted"
			case !p.Pass:
				verdict = "FAIL " + failures(p.Failed)
			}
			rows = append(rows, append(row, verdict))
		}
	}
	return head, rows
}

func (r *Report) trialsNote() string {
	if r.Trials > 1 {
		return fmt.Sprintf("each probe is the median of %d trials", r.Trials)
	}
	return "one trial per probe"
}

// RecommendationLines says which pair is recommended and why: the best
// answer, the set within noise of it on one line, the tie-break, and a
// line per pair that met the SLO. Nil with fewer than two such pairs:
// there is nothing to choose from.
func (r *Report) RecommendationLines() []string {
	rec := r.Recommendation
	if rec == nil || len(rec.Members) < 2 {
		return nil
	}
	v := r.Vary
	lines := []string{
		fmt.Sprintf("recommendation: %s", rec.Pick),
		fmt.Sprintf("best: %s at %s", rec.Best, v.Format(rec.Load)),
		fmt.Sprintf("within noise of the best: %s", joinPairs(rec.WithinNoise)),
		fmt.Sprintf("tie-break: %s", rec.TieBreak),
	}
	if rec.Note != "" {
		lines = append(lines, "note: "+rec.Note)
	}
	for _, m := range rec.Members {
		line := fmt.Sprintf("  %s: answer %s; ", m.Pair, results.FormatCount(m.Load))
		if rp := m.Reprobe; rp != nil {
			at := fmt.Sprintf("re-probe at %s", v.Format(rec.Load))
			switch {
			case !rp.Judged:
				line += at + ": not judged (skipped or interrupted); "
			case rp.Probe.Pass:
				line += fmt.Sprintf("%s (%s): pass; ", at, reprobeTrials(rp))
			default:
				line += fmt.Sprintf("%s (%s): FAIL %s; ", at, reprobeTrials(rp), failures(rp.Probe.Failed))
			}
		}
		verdict := "out"
		if m.WithinNoise {
			verdict = "in"
		}
		why := m.Why
		if m.Worse != "" {
			why += fmt.Sprintf(" (%s, p=%.3f)", m.Worse, m.P)
		} else if !math.IsNaN(m.P) {
			why += fmt.Sprintf(" (p=%.3f)", m.P)
		}
		lines = append(lines, line+fmt.Sprintf("%s: %s; %.3g attempts/op", verdict, why, m.Attempts))
	}
	return lines
}

func reprobeTrials(rp *Reprobe) string {
	if len(rp.Probe.Cells) == 1 {
		return "1 trial"
	}
	return fmt.Sprintf("median of %d trials", len(rp.Probe.Cells))
}

func joinPairs(ps []Pair) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// rulesNote says how the set and the pick are decided.
func (r *Report) rulesNote() string {
	step := "1 writer"
	if r.Vary == Rate {
		step = fmt.Sprintf("%.0f%%", 100*RateTolerance)
	}
	return fmt.Sprintf("within noise of the best: answer within one step (%s) of the best's, or re-probed at the best's load, meets the SLO or is not told apart from the best's re-probe (Mann-Whitney U per SLO metric, alpha %g over the re-probes, Bonferroni); tie-break: fewest attempts/op (within %.0f%%), then simplest policy (%s), then largest answer",
		step, r.Alpha, 100*r.AttemptsMargin, strings.Join(backoff.Names(), " < "))
}

// WriteText writes the answer lines, the recommendation, then the probe
// table.
func (r *Report) WriteText(w io.Writer) error {
	ew := textout.New(w)
	for i := range r.Answers {
		ew.Printf("%s\n", r.Line(&r.Answers[i]))
	}
	if lines := r.RecommendationLines(); lines != nil {
		ew.Printf("\n%s\n", r.rulesNote())
		for _, l := range lines {
			ew.Printf("%s\n", l)
		}
	}
	if lines := r.USLLines(); lines != nil {
		ew.Printf("\nscalability (USL fit of each pair's probes, median ops/s against writers: %s):\n", results.USLFormula)
		for _, l := range lines {
			ew.Printf("%s\n", l)
		}
	}
	head, rows := r.table()
	ew.Printf("\nprobes (%s; SLO %s):\n", r.trialsNote(), r.SLO)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return ew.Err()
}

// WriteMarkdown writes the answers as a list and the probes as a table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("## Capacity: `%s`\n\n", r.SLO)
	for i := range r.Answers {
		ew.Printf("- %s\n", textout.MarkdownCell(r.Line(&r.Answers[i])))
	}
	if lines := r.RecommendationLines(); lines != nil {
		ew.Printf("\n%s\n\n", textout.MarkdownCell(r.rulesNote()))
		for _, l := range lines {
			indent := ""
			if strings.HasPrefix(l, "  ") {
				indent = "  "
			}
			ew.Printf("%s- %s\n", indent, textout.MarkdownCell(strings.TrimSpace(l)))
		}
	}
	if lines := r.USLLines(); lines != nil {
		ew.Printf("\nScalability (USL fit of each pair's probes, median ops/s against writers: `%s`):\n\n", results.USLFormula)
		for _, l := range lines {
			ew.Printf("- %s\n", textout.MarkdownCell(l))
		}
	}
	head, rows := r.table()
	ew.Printf("\nProbes (%s):\n\n", r.trialsNote())
	ew.Printf("| %s |\n", strings.Join(head, " | "))
	ew.Printf("|%s\n", strings.Repeat(" --- |", len(head)))
	for _, row := range rows {
		for i := range row {
			row[i] = textout.MarkdownCell(row[i])
		}
		ew.Printf("| %s |\n", strings.Join(row, " | "))
	}
	return ew.Err()
}

// Cells returns every probe cell, each pair's search in the order it
// ran, then the re-probes pair by pair: what a results file of the
// search holds.
func (r *Report) Cells() []results.Cell {
	var out []results.Cell
	for _, a := range r.Answers {
		for _, p := range a.Probes {
			out = append(out, p.Cells...)
		}
	}
	for _, rp := range r.reprobes() {
		out = append(out, rp.Probe.Cells...)
	}
	return out
}

// reprobes returns the re-probes of the recommendation, in pair order.
func (r *Report) reprobes() []*Reprobe {
	if r.Recommendation == nil {
		return nil
	}
	var out []*Reprobe
	for _, a := range r.Answers {
		for _, m := range r.Recommendation.Members {
			if m.Pair == a.Pair && m.Reprobe != nil {
				out = append(out, m.Reprobe)
			}
		}
	}
	return out
}

// Loads returns the distinct loads probed, ascending.
func (r *Report) Loads() []float64 {
	var out []float64
	for _, a := range r.Answers {
		for _, p := range a.Probes {
			if !slices.Contains(out, p.Load) {
				out = append(out, p.Load)
			}
		}
	}
	if rps := r.reprobes(); len(rps) > 0 && !slices.Contains(out, r.Recommendation.Load) {
		out = append(out, r.Recommendation.Load)
	}
	slices.Sort(out)
	return out
}
