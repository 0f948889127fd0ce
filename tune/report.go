package tune

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/results"
)

// WriteText writes, per strategy, the recommendation, the runner-up, how
// far apart they are and whether that is significant, then the ranked
// grid.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	others := r.Objective.order()[1:]
	trials := "1 trial per combination"
	if r.Trials > 1 {
		trials = fmt.Sprintf("%d trials per combination (medians)", r.Trials)
	}
	ew.printf("objective: %s (%s; ties broken by %s, then %s); %s\n", r.Objective, r.Objective.Describe(), others[0], others[1], trials)
	combos, _ := Grid{Strategies: []string{""}, Policies: r.Grid.Policies, Bases: r.Grid.Bases, Caps: r.Grid.Caps}.Combos()
	all := len(r.Grid.Policies) * len(r.Grid.Bases) * len(r.Grid.Caps)
	ew.printf("grid: %s × %s × %s: %s per strategy",
		plural(len(r.Grid.Policies), "policy", "policies"), plural(len(r.Grid.Bases), "base", "bases"),
		plural(len(r.Grid.Caps), "cap", "caps"), plural(len(combos), "combination", "combinations"))
	if n := all - len(combos); n > 0 {
		ew.printf(" (%d skipped: cap < base)", n)
	}
	ew.printf("\n")
	if r.Interrupted {
		ew.printf("interrupted: the ranking covers only what was measured\n")
	}
	for i := range r.Rankings {
		rk := &r.Rankings[i]
		ew.printf("\n%s%s:\n", rk.Strategy, where(rk))
		r.writeVerdict(ew, rk)
		ew.printf("\n")
		var tb bytes.Buffer
		tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  rank\tpolicy\tbase\tcap\tp99 ms\tops/s\tattempts/op\tsuccess\tnote")
		for j := range rk.Results {
			res := &rk.Results[j]
			rank := fmt.Sprint(j + 1)
			if !res.Valid {
				rank = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", rank, res.Policy, res.Base, res.Cap,
				results.FormatMS(res.P99), results.FormatCount(res.Goodput), formatAmp(res.Amplification), formatRate(res.SuccessRate), res.Note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, line := range strings.SplitAfter(tb.String(), "\n") {
			ew.printf("%s", strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n")))
		}
	}
	return ew.err
}

func (r *Report) writeVerdict(ew *errWriter, rk *Ranking) {
	o := r.Objective
	if len(rk.Results) == 0 || !rk.Results[0].Valid {
		ew.printf("  recommendation: none: no combination committed ops\n")
		return
	}
	best := &rk.Results[0]
	ew.printf("  recommendation: %s: %s\n", best.Settings(), summary(best))
	if rk.Verdict == nil {
		ew.printf("  runner-up:      none (no other combination has a valid result)\n")
		return
	}
	v := rk.Verdict
	ew.printf("  runner-up:      %s: %s\n", v.RunnerUp.Settings(), summary(v.RunnerUp))
	var diff string
	switch {
	case v.TieBreak != "":
		diff = fmt.Sprintf("tied on %s at 3 significant digits (%s); ranked by %s", o, o.Format(best.Value(o)), v.TieBreak)
	case math.IsNaN(v.Delta):
		diff = fmt.Sprintf("runner-up worse on %s (%s vs %s)", o, o.Format(v.RunnerUp.Value(o)), o.Format(best.Value(o)))
	default:
		diff = fmt.Sprintf("runner-up %s worse on %s (%s vs %s)", formatPct(v.Delta), o, o.Format(v.RunnerUp.Value(o)), o.Format(best.Value(o)))
	}
	ew.printf("  difference:     %s\n", diff)
	ew.printf("  significance:   %s\n", v.Significance())
}

// Significance says whether the runner-up comparison is significant.
func (v *Verdict) Significance() string {
	if !v.Known {
		return "single trial: significance unknown"
	}
	test := fmt.Sprintf("Mann-Whitney U p=%.3f, n=%d+%d, alpha %g", v.P, v.N1, v.N2, v.Alpha)
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
		results.FormatMS(r.P99), results.FormatCount(r.Goodput), formatAmp(r.Amplification), formatRate(r.SuccessRate))
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

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
