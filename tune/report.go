package tune

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/internal/textout"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/results"
)

// WriteText writes the plan and the rules, then per strategy the
// recommendation, the set within noise of the best, the tie-break, the
// best and the runner-up, and the table of every combination against
// the best.
func (r *Report) WriteText(w io.Writer) error {
	ew := textout.New(w)
	o := r.Objective
	others := o.order()[1:]
	ew.Printf("objective: %s (%s; ties broken by %s, then %s); %d trials per combination (medians), in interleaved rounds\n",
		o, o.Describe(), others[0], others[1], r.Trials)
	combos, _ := Grid{Strategies: []string{""}, Policies: r.Grid.Policies, Bases: r.Grid.Bases, Caps: r.Grid.Caps}.Combos()
	all := len(r.Grid.Policies) * len(r.Grid.Bases) * len(r.Grid.Caps)
	ew.Printf("grid: %s × %s × %s: %s per strategy",
		plural(len(r.Grid.Policies), "policy", "policies"), plural(len(r.Grid.Bases), "base", "bases"),
		plural(len(r.Grid.Caps), "cap", "caps"), plural(len(combos), "combination", "combinations"))
	if n := all - len(combos); n > 0 {
		ew.Printf(" (%d skipped: cap < base)", n)
	}
	ew.Printf("\n")
	ew.Printf("within noise of the best: median at most %s worse, or not told apart by a Mann-Whitney U test (alpha %g over all comparisons, Bonferroni)\n",
		formatPct(r.Margin), r.Alpha)
	ew.Printf("tie-break among the best and those within the margin of it: fewest attempts/op (within %s of the fewest counts as tied), then simplest policy (%s), then smaller cap, then smaller base\n",
		formatPct(r.AttemptsMargin), backoff.SimplicityOrder())
	if r.Interrupted {
		ew.Printf("interrupted: the ranking covers only what was measured\n")
	}
	for i := range r.Rankings {
		rk := &r.Rankings[i]
		ew.Printf("\n%s%s:\n", rk.Strategy, where(rk))
		r.writeVerdict(ew, rk)
		ew.Printf("\n")
		if err := writeCandidates(ew, rk.Candidates); err != nil {
			return err
		}
	}
	return ew.Err()
}

func rankOf(res *Result, j int) string {
	if !res.Valid {
		return "-"
	}
	return fmt.Sprint(j + 1)
}

// writeCandidates writes the table of every combination against the
// best.
func writeCandidates(ew *textout.Writer, cs []Candidate) error {
	var tb bytes.Buffer
	tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  rank\tpolicy\tbase\tcap\tp99 ms\tops/s\tattempts/op\tsuccess\ttrials\tvs best\tp\twithin noise\tnote")
	for j := range cs {
		c := &cs[j]
		vs, p, in := "", "", "no: "+c.Why
		switch {
		case !c.Valid || j == 0 || math.IsNaN(c.Delta):
		case c.Delta < 0:
			vs = formatPct(c.Delta)
		default:
			vs = "+" + formatPct(c.Delta)
		}
		if !math.IsNaN(c.P) {
			p = fmt.Sprintf("%.3f", c.P)
		}
		if c.WithinNoise {
			in = "yes: " + c.Why
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", rankOf(&c.Result, j), c.Policy, c.Base, c.Cap,
			formatMS(c.P99), results.FormatCount(c.Goodput), formatAmp(c.Amplification), formatRate(c.SuccessRate),
			len(c.Cells), vs, p, in, c.Note)
	}
	return flushTrimmed(ew, tw, &tb)
}

// flushTrimmed flushes tw into tb and writes tb without trailing spaces.
func flushTrimmed(ew *textout.Writer, tw *tabwriter.Writer, tb *bytes.Buffer) error {
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(tb.String(), "\n") {
		ew.Printf("%s", strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n")))
	}
	return nil
}

func (r *Report) writeVerdict(ew *textout.Writer, rk *Ranking) {
	o := r.Objective
	rec := rk.Recommendation
	if rec == nil {
		ew.Printf("  recommendation: none: no combination committed ops\n")
		return
	}
	pick := rk.candidate(rec.Pick)
	ew.Printf("  recommendation: %s: %s\n", pick.Settings(), summary(&pick.Result))
	names := make([]string, len(rec.WithinNoise))
	for i, c := range rec.WithinNoise {
		names[i] = c.Settings()
	}
	ew.Printf("  within noise of the best: %s\n", strings.Join(names, ", "))
	ew.Printf("  tie-break:      %s\n", rec.TieBreak)
	if n := minTrials(rk.Candidates); n > 0 && minP(n, n) >= rec.Alpha {
		ew.Printf("  note:           %d trials cannot tell combinations apart at alpha %.3g per comparison (the U test's smallest p is %.3g): it takes %d\n",
			n, rec.Alpha, minP(n, n), trialsFor(rec.Alpha))
	}
	best := rk.candidate(rec.Best)
	ew.Printf("  best:           %s: %s\n", best.Settings(), summary(&best.Result))
	if rk.Verdict == nil {
		ew.Printf("  runner-up:      none (no other combination has a valid result)\n")
		return
	}
	v := rk.Verdict
	ew.Printf("  runner-up:      %s: %s\n", v.RunnerUp.Settings(), summary(v.RunnerUp))
	var diff string
	switch {
	case v.TieBreak != "":
		diff = fmt.Sprintf("tied on %s at 3 significant digits (%s); ranked by %s", o, o.Format(v.Best.Value(o)), v.TieBreak)
	case math.IsNaN(v.Delta):
		diff = fmt.Sprintf("runner-up worse on %s (%s vs %s)", o, o.Format(v.RunnerUp.Value(o)), o.Format(v.Best.Value(o)))
	default:
		diff = fmt.Sprintf("runner-up %s worse on %s (%s vs %s)", formatPct(v.Delta), o, o.Format(v.RunnerUp.Value(o)), o.Format(v.Best.Value(o)))
	}
	ew.Printf("  difference:     %s\n", diff)
	ew.Printf("  significance:   %s\n", v.Significance())
}

// candidate returns the deciding stage's candidate for c.
func (rk *Ranking) candidate(c Combo) *Candidate {
	for i := range rk.Candidates {
		if rk.Candidates[i].Combo == c {
			return &rk.Candidates[i]
		}
	}
	return &Candidate{Result: Result{Combo: c}}
}

// Significance says whether the runner-up comparison is significant.
func (v *Verdict) Significance() string {
	if !v.Known {
		return "single trial: significance unknown"
	}
	test := fmt.Sprintf("Mann-Whitney U p=%.3f, n=%d+%d, alpha %.3g", v.P, v.N1, v.N2, v.Alpha)
	if v.Significant {
		return "significant (" + test + ")"
	}
	s := "not significant (" + test + "): either could be the better one"
	if len(v.Warnings) > 0 {
		s += "; " + strings.Join(v.Warnings, "; ")
	}
	return s
}

func summary(r *Result) string {
	return fmt.Sprintf("p99 %s ms, %s ops/s, %s attempts/op, success %s",
		formatMS(r.P99), results.FormatCount(r.Goodput), formatAmp(r.Amplification), formatRate(r.SuccessRate))
}

// where names the driver and writer count of a ranking's cells.
func where(rk *Ranking) string {
	for _, res := range rk.Results {
		for _, c := range res.Cells {
			if c.Driver != "" && c.Skipped == "" {
				return fmt.Sprintf(" (%s, %d writers)", c.Driver, c.Writers)
			}
		}
	}
	return ""
}

// formatMS formats a latency in ms; "-" when there is none (+Inf: no
// committed ops).
func formatMS(v float64) string {
	if math.IsInf(v, 1) {
		return "-"
	}
	return results.FormatMS(v)
}

func formatAmp(v float64) string {
	if math.IsInf(v, 1) {
		return "-"
	}
	return fmt.Sprintf("%.3g", v)
}

func formatRate(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.4g", v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// minTrials is the fewest trials of a valid candidate; 0 for none.
func minTrials(cs []Candidate) int {
	n := 0
	for i := range cs {
		if k := len(cs[i].Cells); cs[i].Valid && (n == 0 || k < n) {
			n = k
		}
	}
	return n
}

// minP is the smallest p-value of the two-sided exact Mann-Whitney U
// test with n1 and n2 values: 2 ÷ C(n1+n2, n1), at most 1.
func minP(n1, n2 int) float64 {
	c := 1.0
	for i := 1; i <= min(n1, n2); i++ {
		c = c * float64(n1+n2-min(n1, n2)+i) / float64(i)
	}
	return min(1, 2/c)
}

// trialsFor is the fewest trials per side with which the U test can
// reach alpha.
func trialsFor(alpha float64) int {
	n := 1
	for n < 100 && minP(n, n) >= alpha {
		n++
	}
	return n
}
