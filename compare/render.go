package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/internal/textout"
	"github.com/occbench/occbench/results"

	"golang.org/x/perf/benchmath"
)

var formats = [...]string{"text", "markdown", "json", "junit"}

// Formats returns the names Render accepts.
func Formats() []string { return slices.Clone(formats[:]) }

// Render writes the report to w in format: "text" (an aligned table),
// "markdown" (a table to paste into a pull request or a step summary,
// failing gates in bold with ❌, at most results.MarkdownLimit bytes),
// "json" or "junit" (JUnit XML for CI systems: a testsuite of the new
// file's audits and thresholds, and one of the gates, a testcase per
// cell and gate). It returns the first write error.
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.renderText(w)
	case "markdown":
		return r.renderMarkdown(w)
	case "json":
		return r.renderJSON(w)
	case "junit":
		return r.renderJUnit(w)
	}
	return fmt.Errorf("--format: unknown format %q (allowed: %s)", format, strings.Join(formats[:], ", "))
}

// num formats v for the report: whole numbers and values ≥ 100 without
// decimals, thousands grouped by commas (1,234), others with three
// significant digits (0.0123, 1.23, 12.3).
func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case math.Abs(v) >= 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v == math.Trunc(v) || math.Abs(v) >= 100:
		return results.FormatInt(int64(math.Round(v)))
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 2, 64), 64) // cannot fail
	if math.Abs(r) >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	digits := int(math.Floor(math.Log10(math.Abs(r)))) + 1
	return strconv.FormatFloat(r, 'f', max(0, 3-digits), 64)
}

func signedNum(v float64) string {
	if v > 0 {
		return "+" + num(v)
	}
	return num(v)
}

func pct(x float64) string {
	if math.IsInf(x, 0) {
		return signedNum(x)
	}
	return fmt.Sprintf("%+.2f%%", 100*x)
}

// summaryText is one side: "0.120", or "0.120 ±4%" over trials.
func summaryText(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return num(s.Center)
	}
	rng := benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
	return num(s.Center) + " ±" + rng
}

// changeText is the change column: "+10.57%", "+0.0200 (+13.2%)",
// "-10.57% (p=0.008 n=5)", "~ (p=0.400 n=3)", "+150.00% (medians, n=3)",
// "0".
func changeText(md MetricDiff) string {
	var s string
	switch {
	case md.Equal && md.Abs:
		s = "0"
	case md.Equal:
		s = "0.00%"
	case md.Decided == DecidedUTest && !md.Significant:
		return "~ (" + md.Compared + ")"
	case md.Abs || md.Base.Center == 0:
		s = signedNum(md.Delta)
		if md.Base.Center != 0 {
			s += " (" + pct(md.Rel) + ")"
		}
	default:
		s = pct(md.Rel)
	}
	switch {
	case md.Equal:
	case md.Decided == DecidedMedians:
		s += " (medians, " + sizes(md.Base.N, md.New.N) + ")"
	case md.Tested:
		s += " (" + md.Compared + ")"
	}
	return s
}

var superscripts = [...]string{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"}

// marker is footnote i (0-based) as superscript digits: ¹, ², … ¹⁰.
func marker(i int) string {
	var b strings.Builder
	for _, d := range strconv.Itoa(i + 1) {
		b.WriteString(superscripts[d-'0'])
	}
	return b.String()
}

func markers(refs []int) string {
	if len(refs) == 0 {
		return ""
	}
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = marker(r)
	}
	return " " + strings.Join(parts, " ")
}

func gateNames(gs []Gate) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.String()
	}
	return strings.Join(parts, ", ")
}

func (r *Report) tested() bool {
	for _, cd := range r.Cells {
		for _, md := range cd.Metrics {
			if md.Tested {
				return true
			}
		}
	}
	return false
}

func unmatchedText(u Unmatched) string {
	s := u.Name
	if u.N > 1 {
		s += fmt.Sprintf(" (%d trials)", u.N)
	}
	return s
}

func (r *Report) renderText(w io.Writer) error {
	ew := textout.New(w)
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "base\t%s\n", r.BaseName)
	fmt.Fprintf(tw, "new\t%s\n", r.NewName)
	if r.tested() {
		fmt.Fprintf(tw, "trials\tmedians with %v%% confidence intervals; Mann-Whitney U-test, alpha %v\n", 100*r.Confidence, r.Alpha)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.Printf("\n")

	gates := len(r.Gates) > 0
	tw = tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	header := "cell\tmetric\tbase\tnew\tchange"
	if gates {
		header += "\tgate"
	}
	fmt.Fprintln(tw, header)
	for _, cd := range r.Cells {
		if cd.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t%s\n", cd.Name, cd.Skipped)
			continue
		}
		for i, md := range cd.Metrics {
			name := ""
			if i == 0 {
				name = cd.Name
			}
			row := []string{name, md.Label, summaryText(md.Base), summaryText(md.New), changeText(md) + markers(md.Notes)}
			if gates {
				var g []string
				for _, f := range md.Failed {
					g = append(g, "FAIL "+f.String())
				}
				row = append(row, strings.Join(g, ", "))
			}
			fmt.Fprintln(tw, strings.TrimRight(strings.Join(row, "\t"), "\t"))
		}
	}
	if len(r.Cells) == 0 {
		fmt.Fprintln(tw, "(no cells in common)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.BaseOnly)+len(r.NewOnly)+len(r.WorkloadDiffs) > 0 {
		ew.Printf("\n")
	}
	for _, u := range r.BaseOnly {
		ew.Printf("only in %s: %s\n", r.BaseName, unmatchedText(u))
	}
	for _, u := range r.NewOnly {
		ew.Printf("only in %s: %s\n", r.NewName, unmatchedText(u))
	}
	if len(r.WorkloadDiffs) > 0 {
		ew.Printf("workloads differ (cells match only on the same workload): %s\n", strings.Join(r.WorkloadDiffs, "; "))
	}
	if len(r.Notes) > 0 {
		ew.Printf("\n")
		for i, n := range r.Notes {
			ew.Printf("%s %s\n", marker(i), n)
		}
	}
	if gates {
		ew.Printf("\n")
		if len(r.failures) == 0 {
			ew.Printf("gates: all passed (%s)\n", gateNames(r.Gates))
		} else {
			ew.Printf("gates: %d failed (%s)\n", len(r.failures), gateNames(r.Gates))
			for _, f := range r.failures {
				ew.Printf("  FAIL %s\n", f)
			}
		}
	}
	return ew.Err()
}

func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }

func (r *Report) renderMarkdown(w io.Writer) error {
	var buf bytes.Buffer
	r.markdownDoc(&buf, nil)
	if over := buf.Len() - results.MarkdownLimit; over > 0 {
		// Keep every cell with a failed gate, then the others in order
		// while they fit.
		var one bytes.Buffer
		size := make([]int, len(r.Cells))
		for i := range r.Cells {
			one.Reset()
			r.markdownCell(textout.New(&one), &r.Cells[i])
			size[i] = one.Len()
		}
		show := make([]bool, len(r.Cells))
		budget := results.MarkdownLimit - (buf.Len() - sum(size)) - markdownNoteMax
		for i, cd := range r.Cells {
			if failed(cd) {
				show[i] = true
				budget -= size[i]
			}
		}
		for i, cd := range r.Cells {
			if !failed(cd) && size[i] <= budget {
				show[i] = true
				budget -= size[i]
			}
			if budget <= 0 {
				break
			}
		}
		buf.Reset()
		r.markdownDoc(&buf, show)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// markdownNoteMax bounds the line that says how many cells were left out.
const markdownNoteMax = 512

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// failed reports whether a metric of cd failed a gate.
func failed(cd CellDiff) bool {
	for _, md := range cd.Metrics {
		if len(md.Failed) > 0 {
			return true
		}
	}
	return false
}

// markdownDoc writes the markdown report to buf, with the cells show
// marks (every cell when show is nil).
func (r *Report) markdownDoc(buf *bytes.Buffer, show []bool) {
	ew := textout.New(buf) // a bytes.Buffer does not fail
	ew.Printf("### occbench compare: %s → %s\n\n", code(r.BaseName), code(r.NewName))
	if r.tested() {
		ew.Printf("Medians over trials with %v%% confidence intervals; changes tested with the Mann-Whitney U-test at alpha %v (\"~\": no significant change).\n\n", 100*r.Confidence, r.Alpha)
	}
	if len(r.Cells) == 0 {
		ew.Printf("No cells in common.\n")
	} else {
		ew.Printf("| cell | metric | base | new | change |\n|---|---|---:|---:|---:|\n")
	}
	hidden := 0
	for i := range r.Cells {
		if show != nil && !show[i] {
			hidden++
			continue
		}
		r.markdownCell(ew, &r.Cells[i])
	}
	if hidden > 0 {
		ew.Printf("\n_%d of %d cells not shown (none failed a gate): GitHub's step summary holds 1 MiB; %s shows them all._\n",
			hidden, len(r.Cells), code("occbench compare --format text"))
	}
	if len(r.BaseOnly)+len(r.NewOnly)+len(r.WorkloadDiffs) > 0 {
		ew.Printf("\n")
	}
	for i, u := range r.BaseOnly {
		if i == markdownListMax {
			ew.Printf("- … %d more only in %s\n", len(r.BaseOnly)-i, code(r.BaseName))
			break
		}
		ew.Printf("- only in %s: %s\n", code(r.BaseName), code(unmatchedText(u)))
	}
	for i, u := range r.NewOnly {
		if i == markdownListMax {
			ew.Printf("- … %d more only in %s\n", len(r.NewOnly)-i, code(r.NewName))
			break
		}
		ew.Printf("- only in %s: %s\n", code(r.NewName), code(unmatchedText(u)))
	}
	if len(r.WorkloadDiffs) > 0 {
		ew.Printf("- workloads differ (cells match only on the same workload): %s\n", textout.MarkdownLine(strings.Join(r.WorkloadDiffs, "; ")))
	}
	if len(r.Notes) > 0 {
		ew.Printf("\n")
		for i, n := range r.Notes {
			ew.Printf("%s %s<br>\n", marker(i), textout.MarkdownLine(n))
		}
	}
	if len(r.Gates) > 0 {
		ew.Printf("\n#### Gates\n\n")
		if len(r.failures) == 0 {
			ew.Printf("✅ All gates passed: %s\n", mdGateList(r.Gates))
		} else {
			ew.Printf("❌ **%d failed** (gates: %s)\n\n", len(r.failures), mdGateList(r.Gates))
			for i, f := range r.failures {
				if i == markdownListMax {
					ew.Printf("- … %d more\n", len(r.failures)-i)
					break
				}
				ew.Printf("- ❌ **%s**: %s\n", code(f.Gate.String()), textout.MarkdownLine(strings.TrimPrefix(f.String(), f.Gate.String()+": ")))
			}
		}
	}
}

// markdownListMax bounds the lists of the markdown report (cells only in
// one file, failed gates).
const markdownListMax = 100

// markdownCell writes cd's rows of the markdown table.
func (r *Report) markdownCell(ew *textout.Writer, cd *CellDiff) {
	if cd.Skipped != "" {
		ew.Printf("| %s | - | - | - | %s |\n", textout.MarkdownLine(cd.Name), textout.MarkdownLine(cd.Skipped))
		return
	}
	for i, md := range cd.Metrics {
		name := ""
		if i == 0 {
			name = textout.MarkdownLine(cd.Name)
		}
		change := textout.MarkdownLine(changeText(md)) + markers(md.Notes)
		if len(md.Failed) > 0 {
			var g []string
			for _, f := range md.Failed {
				g = append(g, code(f.String()))
			}
			change = "**" + change + "** ❌ " + strings.Join(g, " ")
		}
		ew.Printf("| %s | %s | %s | %s | %s |\n", name, textout.MarkdownLine(md.Label), textout.MarkdownLine(summaryText(md.Base)), textout.MarkdownLine(summaryText(md.New)), change)
	}
}

func mdGateList(gs []Gate) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = code(g.String())
	}
	return strings.Join(parts, ", ")
}

// JSON view: finite numbers only; optional values are omitted.
type (
	jsonReport struct {
		Base          string        `json:"base"`
		New           string        `json:"new"`
		Alpha         float64       `json:"alpha"`
		Confidence    float64       `json:"confidence"`
		Gates         []string      `json:"gates"`
		Cells         []jsonCell    `json:"cells"`
		BaseOnly      []jsonUnmatch `json:"base_only"`
		NewOnly       []jsonUnmatch `json:"new_only"`
		WorkloadDiffs []string      `json:"workload_diffs,omitempty"`
		Notes         []string      `json:"notes,omitempty"`
		Failures      []jsonFailure `json:"failures"`
		Regression    bool          `json:"regression"`
	}
	jsonCell struct {
		Key     Key          `json:"key"`
		Name    string       `json:"name"`
		Skipped string       `json:"skipped,omitempty"`
		Metrics []jsonMetric `json:"metrics,omitempty"`
	}
	jsonSummary struct {
		N      int       `json:"n"`
		Values []float64 `json:"values"`
		Center float64   `json:"center"`
		Lo     *float64  `json:"lo,omitempty"` // omitted when infinite
		Hi     *float64  `json:"hi,omitempty"`
	}
	jsonMetric struct {
		Metric      string      `json:"metric"`
		Base        jsonSummary `json:"base"`
		New         jsonSummary `json:"new"`
		Delta       float64     `json:"delta"`
		Rel         *float64    `json:"rel_change,omitempty"` // omitted when the base is 0
		Change      string      `json:"change"`
		Tested      bool        `json:"tested"`
		P           *float64    `json:"p,omitempty"`
		MinP        *float64    `json:"min_p,omitempty"`
		Significant bool        `json:"significant"`
		Decided     string      `json:"decided"`
		Notes       []string    `json:"notes,omitempty"`
		NotGated    string      `json:"not_gated,omitempty"`
		Failed      []string    `json:"failed_gates,omitempty"`
	}
	jsonUnmatch struct {
		Key    Key    `json:"key"`
		Name   string `json:"name"`
		Trials int    `json:"trials"`
	}
	jsonFailure struct {
		Gate    string  `json:"gate"`
		Cell    string  `json:"cell"`
		Metric  string  `json:"metric"`
		Base    float64 `json:"base"`
		New     float64 `json:"new"`
		Change  string  `json:"change"`
		Decided string  `json:"decided"`
		Message string  `json:"message"`
	}
)

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func jsonSum(s Summary) jsonSummary {
	return jsonSummary{N: s.N, Values: s.Values, Center: s.Center, Lo: finite(s.Lo), Hi: finite(s.Hi)}
}

func (r *Report) renderJSON(w io.Writer) error {
	out := jsonReport{
		Base: r.BaseName, New: r.NewName, Alpha: r.Alpha, Confidence: r.Confidence,
		Gates: []string{}, Cells: []jsonCell{}, BaseOnly: []jsonUnmatch{}, NewOnly: []jsonUnmatch{},
		WorkloadDiffs: r.WorkloadDiffs, Notes: r.Notes, Failures: []jsonFailure{}, Regression: len(r.failures) > 0,
	}
	for _, g := range r.Gates {
		out.Gates = append(out.Gates, g.String())
	}
	for _, cd := range r.Cells {
		jc := jsonCell{Key: cd.Key, Name: cd.Name, Skipped: cd.Skipped}
		for _, md := range cd.Metrics {
			jm := jsonMetric{
				Metric: md.Metric, Base: jsonSum(md.Base), New: jsonSum(md.New), Delta: md.Delta, Rel: finite(md.Rel),
				Change: changeText(md), Tested: md.Tested, Significant: md.Significant, Decided: string(md.Decided), NotGated: md.NotGated,
			}
			if md.Tested {
				jm.P, jm.MinP = finite(md.P), finite(md.MinP)
			}
			for _, n := range md.Notes {
				jm.Notes = append(jm.Notes, r.Notes[n])
			}
			for _, g := range md.Failed {
				jm.Failed = append(jm.Failed, g.String())
			}
			jc.Metrics = append(jc.Metrics, jm)
		}
		out.Cells = append(out.Cells, jc)
	}
	for _, u := range r.BaseOnly {
		out.BaseOnly = append(out.BaseOnly, jsonUnmatch{Key: u.Key, Name: u.Name, Trials: u.N})
	}
	for _, u := range r.NewOnly {
		out.NewOnly = append(out.NewOnly, jsonUnmatch{Key: u.Key, Name: u.Name, Trials: u.N})
	}
	for _, f := range r.failures {
		out.Failures = append(out.Failures, jsonFailure{Gate: f.Gate.String(), Cell: f.Cell, Metric: f.Metric,
			Base: f.Base, New: f.New, Change: f.Change, Decided: string(f.Decided), Message: f.String()})
	}
	enc := json.NewEncoder(textout.New(w))
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
