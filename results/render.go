package results

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/occbench/occbench/internal/textout"
)

// formats lists Render's formats in the order Formats reports them.
var formats = [...]string{"text", "markdown", "csv", "json", "jsonl", "junit"}

// Formats returns the names Render accepts, for --format's help text.
func Formats() []string { return slices.Clone(formats[:]) }

// Render writes f to w in format: "text" (an aligned table for a
// terminal), "markdown" (a GitHub table to paste into a pull request or
// a step summary), "csv" (every summary column, one row per cell), "json"
// (Encode), "jsonl" (one JSON object per line: each second of each
// cell, each cell's summary, then the run's; see WriteJSONL) or "junit"
// (JUnit XML: each cell's audit and thresholds as test cases, for CI
// systems; see JUnitSuiteOf). Output is
// deterministic: cells keep their order in f, map keys are sorted. Render
// returns the first write error.
func Render(w io.Writer, f *File, format string) error {
	return RenderWith(w, f, format, Options{})
}

// Options is what a report may say beyond the file.
type Options struct {
	// Question is the question the scenario asks (the first comment
	// line of its YAML file), printed at the top; "" = none.
	Question string
	// Path is where the results file is: the text and markdown reports
	// end with the commands to run next on it; "" = no such lines.
	Path string
}

// RenderWith is Render with options.
func RenderWith(w io.Writer, f *File, format string, o Options) error {
	if f == nil {
		return errors.New("results: render: nil file")
	}
	switch format {
	case "text":
		return renderText(w, f, o)
	case "markdown":
		return renderMarkdown(w, f, o)
	case "csv":
		return renderCSV(w, f)
	case "json":
		return Encode(w, f)
	case "jsonl":
		return WriteJSONL(w, f, true, o)
	case "junit":
		return renderJUnit(w, f)
	}
	return fmt.Errorf("--format: unknown format %q (allowed: %s)", format, strings.Join(formats[:], ", "))
}

// Column is one column of the per-cell summary table.
type Column struct {
	Name    string
	Numeric bool // right-aligned
}

// SummaryTable builds the per-cell summary table shared by the text,
// markdown and HTML reports: one row per cell in f's order, with the
// columns driver (only when the cells come from several drivers),
// strategy, backoff, writers, rate and trial (only when some cell sets
// them; "-" in the others), then ops/s, attempts/s, conflict%, recov
// p99 ms and jain (RecoveryP99Text, JainText; only when some cell has
// them, "-" in cells written before they existed), retries/op, p50 ms,
// p99 ms, p99.9 ms, give-ups (GaveUp), cut-off
// (CutOffOf; only when some cell has cut-offs), errors and faults (the
// number of faults injected; only when some cell has one), "-" for a
// skipped cell. The audit column is left to the caller, which words it
// with AuditText and may style it.
func SummaryTable(f *File) (cols []Column, rows [][]string) {
	multiDriver := len(drivers(f)) > 1
	withFaults := hasFaults(f)
	hasRate, hasTrial, hasCutOff, hasDist := false, false, false, false
	hasScope := MultiScope(f)
	for i := range f.Cells {
		hasDist = hasDist || f.Cells[i].Distribution != ""
		hasRate = hasRate || f.Cells[i].Rate > 0
		hasTrial = hasTrial || f.Cells[i].Trial > 0
		hasCutOff = hasCutOff || (f.Cells[i].Skipped == "" && CutOffOf(&f.Cells[i]) > 0)
	}
	col := func(name string, numeric bool) { cols = append(cols, Column{name, numeric}) }
	if multiDriver {
		col("driver", false)
	}
	col("strategy", false)
	col("backoff", false)
	col("writers", true)
	if hasDist {
		col("keys dist", false)
	}
	if hasScope {
		col("scope", false)
	}
	if hasRate {
		col("rate", true)
	}
	if hasTrial {
		col("trial", true)
	}
	withKPIs := HasKPIs(f)
	measures := []string{"ops/s", "attempts/s", "conflict%"}
	if withKPIs {
		measures = append(measures, "recov p99 ms", "jain")
	}
	measures = append(measures, "retries/op", "p50 ms", "p99 ms", "p99.9 ms", "give-ups")
	if hasCutOff {
		measures = append(measures, "cut-off")
	}
	measures = append(measures, "errors")
	if withFaults {
		measures = append(measures, "faults")
	}
	for _, name := range measures {
		col(name, true)
	}

	for i := range f.Cells {
		c := &f.Cells[i]
		var row []string
		if multiDriver {
			row = append(row, c.Driver)
		}
		row = append(row, c.Strategy, c.Backoff, strconv.Itoa(c.Writers))
		if hasDist {
			row = append(row, orDash(c.Distribution != "", c.Distribution))
		}
		if hasScope {
			row = append(row, c.Scope)
		}
		if hasRate {
			row = append(row, orDash(c.Rate > 0, FormatCount(c.Rate)))
		}
		if hasTrial {
			row = append(row, orDash(c.Trial > 0, strconv.Itoa(c.Trial)))
		}
		if c.Skipped != "" {
			for range measures {
				row = append(row, "-")
			}
		} else {
			row = append(row,
				FormatCount(c.ThroughputOpsS),
				FormatCount(c.AttemptsS),
				FormatPercent(c.ConflictRatio),
			)
			if withKPIs {
				row = append(row, RecoveryP99Text(c), JainText(c))
			}
			row = append(row,
				FormatCount(c.RetriesPerOp.Mean),
				FormatMS(c.LatencyMS.P50),
				FormatMS(c.LatencyMS.P99),
				FormatMS(c.LatencyMS.P999),
				FormatInt(GaveUp(c)),
			)
			if hasCutOff {
				row = append(row, FormatInt(CutOffOf(c)))
			}
			row = append(row, FormatInt(Sum(c.Errors)))
			if withFaults {
				row = append(row, strconv.Itoa(len(c.Faults)))
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// table is SummaryTable with the audit column, as the text and markdown
// reports print it.
type table struct {
	cols []Column
	rows [][]string
}

func cellTable(f *File) table {
	cols, rows := SummaryTable(f)
	cols = append(cols, Column{Name: "audit"})
	for i := range rows {
		rows[i] = append(rows[i], AuditText(&f.Cells[i]))
	}
	return table{cols: cols, rows: rows}
}

// orDash returns s when set, "-" otherwise.
func orDash(set bool, s string) string {
	if !set {
		return "-"
	}
	return s
}

// drivers returns the distinct drivers of f's cells, sorted.
func drivers(f *File) []string {
	set := map[string]bool{}
	for i := range f.Cells {
		set[f.Cells[i].Driver] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// AuditText words c's audit for the reports' audit column: "ok",
// "LOST 123 (expected: lww)" for a loss its strategy allows, "LOST 5 !!"
// for one it promises not to have, "EXTRA 2 !! (harness bug)",
// "FAILED !!", "STORE RESET: no verdict" or "AUDIT UNAVAILABLE: no
// verdict" (NoVerdict: whatever is missing is not a lost update), or
// "skipped: reason"; ", N indeterminate" and ", interrupted" are appended
// when they apply.
func AuditText(c *Cell) string {
	if c.Skipped != "" {
		return "skipped: " + c.Skipped
	}
	a := c.Audit
	var s string
	switch {
	case NoVerdict(c):
		s = noVerdictText(&a)
	case unexpected(c) && c.Idempotency != nil && c.Idempotency.DoubleApplied > 0:
		s = "DOUBLE APPLIED " + FormatInt(c.Idempotency.DoubleApplied) + " !!"
	case unexpected(c) && a.LostUpdates > 0:
		s = "LOST " + FormatInt(a.LostUpdates) + " !!"
	case unexpected(c) && a.LostUpdates < 0:
		s = "EXTRA " + FormatInt(-a.LostUpdates) + " !! (harness bug)"
	case unexpected(c):
		s = "FAILED !!"
	case a.LossExpected && a.LostUpdates > 0:
		s = "LOST " + FormatInt(a.LostUpdates) + " (expected: " + c.Strategy + ")"
	default:
		s = "ok"
	}
	if a.Indeterminate > 0 {
		s += ", " + FormatInt(a.Indeterminate) + " indeterminate"
	}
	s += OpsAuditText(&a) // --audit ops
	if c.Interrupted {
		s += ", interrupted"
	}
	return s
}

// unexpected reports whether c's audit found a loss its strategy promises
// not to have (or any other audit failure). An audit without a verdict
// (NoVerdict) found nothing of the kind.
func unexpected(c *Cell) bool {
	return c.Skipped == "" && !NoVerdict(c) && !c.Audit.OK && !c.Audit.LossExpected
}

// expectedLoss reports whether c lost updates under a strategy that
// promises no safety.
func expectedLoss(c *Cell) bool {
	return c.Skipped == "" && !NoVerdict(c) && !unexpected(c) && c.Audit.LossExpected && c.Audit.LostUpdates > 0
}

// LossReason says in a few words why strategy may lose updates:
// "unconditional writes" (lww), "unfenced lease" (any lease strategy),
// or "the strategy promises no safety".
func LossReason(strategy string) string {
	switch {
	case strings.Contains(strategy, "+"): // a cell of writer classes: CellLossReason says which
		return "a writer class overwrites the others"
	case strategy == "lww":
		return "unconditional writes"
	case strings.Contains(strategy, "lease"):
		return "unfenced lease"
	}
	return "the strategy promises no safety"
}

// cellLabel names a cell in audit lines: "backoff expo, writers 8, …".
func cellLabel(c *Cell, multiDriver bool) string {
	parts := []string{"backoff " + c.Backoff, "writers " + strconv.Itoa(c.Writers)}
	if c.Distribution != "" {
		parts = append(parts, "keys "+c.Distribution)
	}
	if c.Scope != "" && c.Scope != "document" {
		parts = append(parts, "scope "+c.Scope)
	}
	if c.Rate > 0 {
		parts = append(parts, "rate "+FormatCount(c.Rate)+"/s")
	}
	if c.Trial > 0 {
		parts = append(parts, "trial "+strconv.Itoa(c.Trial))
	}
	if multiDriver {
		parts = append(parts, "driver "+c.Driver)
	}
	return strings.Join(parts, ", ")
}

// auditLines returns the loud lines (unexpected losses and failures),
// the lines of audits without a verdict (AuditStateLines: store reset,
// audit unavailable) and the quiet ones (expected losses), in cell
// order. code wraps names (backticks in markdown); strong wraps the alarm
// words.
func auditLines(f *File, code, strong func(string) string) (loud, noVerdict, quiet []string) {
	multi := len(drivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		a := c.Audit
		label := cellLabel(c, multi)
		switch {
		case NoVerdict(c):
			noVerdict = append(noVerdict, auditStateLines(c, "strategy "+code(c.Strategy)+" ("+label+")", strong)...)
		case unexpected(c):
			var line string
			switch {
			case a.LostUpdates > 0:
				line = fmt.Sprintf("%s: strategy %s (%s) lost %s of %s committed updates",
					strong("UNEXPECTED LOST UPDATES"), code(c.Strategy), label, FormatInt(a.LostUpdates), FormatInt(a.Expected))
			case a.LostUpdates < 0:
				line = fmt.Sprintf("%s: strategy %s (%s): the store holds %s more updates than the %s committed (occbench missed a commit)",
					strong("HARNESS BUG"), code(c.Strategy), label, FormatInt(-a.LostUpdates), FormatInt(a.Expected))
			default:
				line = fmt.Sprintf("%s: strategy %s (%s): expected %s, observed %s, versions %s",
					strong("AUDIT FAILED"), code(c.Strategy), label, FormatInt(a.Expected), FormatInt(a.Observed), FormatInt(a.Versions))
			}
			if a.Verdict != "" {
				line += " — " + a.Verdict
			}
			loud = append(loud, line)
		case expectedLoss(c):
			quiet = append(quiet, fmt.Sprintf("%s (%s) lost %s of %s updates as expected: %s",
				code(c.Strategy), label, FormatInt(a.LostUpdates), FormatInt(a.Expected), CellLossReason(c))+opsNamed(&a))
		}
	}
	return loud, noVerdict, quiet
}

// ranCells counts the cells that ran and, among them, those whose audit
// has no verdict (NoVerdict).
func ranCells(f *File) (ran, noVerdict int) {
	for i := range f.Cells {
		if f.Cells[i].Skipped == "" {
			ran++
		}
		if NoVerdict(&f.Cells[i]) {
			noVerdict++
		}
	}
	return ran, noVerdict
}

// cleanAuditLine is the closing line of an audit without unexpected
// losses: "no unexpected lost updates in N cells that ran", or, when some
// had no verdict, "no unexpected lost updates in the N cells audited; M
// of the K cells that ran have no audit verdict (store reset or audit
// unavailable)".
func cleanAuditLine(f *File) string {
	ran, none := ranCells(f)
	if f.Runner != nil && f.Runner.Runners > 1 {
		return fmt.Sprintf("audit: pending in the %s that ran: runner %d of %d's part; occbench merge audits the run", plural(ran, "cell"), f.Runner.Index, f.Runner.Runners)
	}
	if none == 0 {
		return fmt.Sprintf("no unexpected lost updates in %s that ran", plural(ran, "cell"))
	}
	return fmt.Sprintf("no unexpected lost updates in the %d cells audited; %d of the %d cells that ran have no audit verdict (store reset or audit unavailable)",
		ran-none, none, ran)
}

// printTable writes cols and rows as a tab-aligned table, indented by
// indent.
func printTable(ew *textout.Writer, indent string, cols []Column, rows [][]string) error {
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	fmt.Fprintln(tw, indent+strings.Join(names, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, indent+strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// markdownTable writes cols and rows as a GitHub table.
func markdownTable(ew *textout.Writer, cols []Column, rows [][]string) {
	ew.Printf("|")
	for _, c := range cols {
		ew.Printf(" %s |", textout.MarkdownLine(c.Name))
	}
	ew.Printf("\n|")
	for _, c := range cols {
		if c.Numeric {
			ew.Printf("---:|")
		} else {
			ew.Printf("---|")
		}
	}
	ew.Printf("\n")
	for _, row := range rows {
		ew.Printf("|")
		for _, v := range row {
			ew.Printf(" %s |", textout.MarkdownLine(v))
		}
		ew.Printf("\n")
	}
}

// header is the run description shared by text and markdown.
type header struct {
	scenario, description, driver, started, duration string
	interrupted                                      bool
	runners                                          string // RunnersText; "" for a single runner
}

func headerOf(f *File) header {
	h := header{
		scenario:    "-",
		driver:      f.Environment.Driver,
		started:     "-",
		duration:    "-",
		interrupted: f.Interrupted,
		runners:     RunnersText(f),
	}
	if v, ok := f.Scenario["name"]; ok && v != nil {
		h.scenario = fmt.Sprint(v)
	}
	if v, ok := f.Scenario["description"].(string); ok {
		h.description = strings.Join(strings.Fields(v), " ")
	}
	if h.driver == "" {
		h.driver = strings.Join(drivers(f), ", ")
	}
	if h.driver == "" {
		h.driver = "-"
	}
	if f.Environment.ServerVersion != "" {
		h.driver += " (server " + f.Environment.ServerVersion + ")"
	}
	if !f.StartedAt.IsZero() {
		h.started = f.StartedAt.UTC().Format(time.RFC3339)
		if !f.FinishedAt.IsZero() {
			h.duration = f.FinishedAt.Sub(f.StartedAt).Round(time.Millisecond).String()
		}
	}
	return h
}

func renderText(w io.Writer, f *File, o Options) error {
	ew := textout.New(w)
	h := headerOf(f)
	interrupted := "no"
	if h.interrupted {
		interrupted = "YES (stopped early: results are partial)"
	}
	tw := tabwriter.NewWriter(ew, 0, 8, 2, ' ', 0)
	if q := strings.Join(strings.Fields(o.Question), " "); q != "" {
		fmt.Fprintf(tw, "question\t%s\n", q)
	}
	if h.description != "" {
		fmt.Fprintf(tw, "about\t%s\n", h.description)
	}
	fmt.Fprintf(tw, "scenario\t%s\n", h.scenario)
	fmt.Fprintf(tw, "driver\t%s\n", h.driver)
	fmt.Fprintf(tw, "started\t%s\n", h.started)
	fmt.Fprintf(tw, "duration\t%s\n", h.duration)
	fmt.Fprintf(tw, "interrupted\t%s\n", interrupted)
	if h.runners != "" {
		fmt.Fprintf(tw, "runners\t%s\n", h.runners)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.Printf("\n")

	t := cellTable(f)
	if err := printTable(ew, "", t.cols, t.rows); err != nil {
		return err
	}

	if cols, rows := FaultTable(f); len(rows) > 0 {
		ew.Printf("\nfaults:\n")
		for _, row := range rows {
			for j := range row {
				row[j] = oneLine(row[j])
			}
		}
		if err := printTable(ew, "  ", cols, rows); err != nil {
			return err
		}
	}
	if err := writeClasses(ew, f, false); err != nil {
		return err
	}
	if cols, rows := HybridTable(f); len(rows) > 0 {
		ew.Printf("\nhybrid escalation (locked = committed under the lock of an escalated key):\n")
		if err := printTable(ew, "  ", cols, rows); err != nil {
			return err
		}
	}
	writeUSL(ew, f, false)
	writeAdvice(ew, f, false)
	writeIdempotency(ew, f, false)

	if failed, total := thresholdFailures(f); total > 0 {
		ew.Printf("\n")
		if len(failed) == 0 {
			ew.Printf("thresholds: all %d passed\n", total)
		} else {
			ew.Printf("thresholds: %d of %d failed\n", len(failed), total)
			for _, x := range failed {
				ew.Printf("  FAIL %s: %s (got %s)\n", x.cell, x.expr, x.got)
			}
		}
	}

	id := func(s string) string { return s }
	loud, noVerdict, quiet := auditLines(f, id, id)
	ew.Printf("\n")
	if len(loud) > 0 {
		bar := strings.Repeat("!", 72)
		ew.Printf("%s\n", bar)
		for _, l := range loud {
			ew.Printf("!! %s\n", l)
		}
		ew.Printf("%s\n", bar)
		if len(noVerdict)+len(quiet) > 0 {
			ew.Printf("\n")
		}
	}
	for _, l := range noVerdict {
		ew.Printf("%s\n", oneLine(l))
	}
	for _, l := range quiet {
		ew.Printf("%s\n", l)
	}
	if len(loud) == 0 {
		ew.Printf("audit: %s\n", cleanAuditLine(f))
	}

	groups, notes := VerdictOf(f).Lines()
	ew.Printf("\nverdict (%s):\n", verdictHead)
	for _, l := range groups {
		ew.Printf("  %s\n", l)
	}
	for _, l := range notes {
		ew.Printf("  %s\n", l)
	}
	if next := nextCommands(o.Path); len(next) > 0 {
		ew.Printf("\nnext:\n")
		tw := tabwriter.NewWriter(ew, 0, 8, 3, ' ', 0)
		for _, n := range next {
			fmt.Fprintf(tw, "  %s\t# %s\n", n.cmd, n.what)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return ew.Err()
}

// verdictHead introduces the verdict's lines.
const verdictHead = "best strategy/backoff by highest goodput, committed ops/s, and by lowest p99 of committed ops"

// next is a command to run next on a results file.
type next struct{ cmd, what string }

// nextCommands are the commands to run next on the results file at path;
// none when path is "".
func nextCommands(path string) []next {
	if path == "" {
		return nil
	}
	p := shellQuote(path)
	return []next{
		{"occbench report " + p + " --format html > report.html", "every number on one page, with charts"},
		{"occbench plot " + p, "charts (PNG, SVG) and report.html in plots-out/"},
	}
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:=+@%,
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_./:=+@%,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// MarkdownLimit bounds the markdown report, in bytes: GitHub shows at
// most 1 MiB of a step's summary ($GITHUB_STEP_SUMMARY), and a workflow
// may add a heading of its own. A report that would be larger keeps its
// head, verdict, thresholds and audit, and drops the summary rows that do
// not fit, saying how many; lists of lines stop after markdownListMax.
const MarkdownLimit = 1_000_000

// markdownListMax bounds each list of the markdown report (fault rows,
// failed thresholds, each kind of audit line).
const markdownListMax = 100

// markdownNoteMax bounds the length of the line that says how many rows
// were left out.
const markdownNoteMax = 512

func renderMarkdown(w io.Writer, f *File, o Options) error {
	t := cellTable(f)
	var buf bytes.Buffer
	markdownDoc(&buf, f, o, t, len(t.rows))
	if over := buf.Len() - MarkdownLimit; over > 0 {
		keep := len(t.rows)
		for over += markdownNoteMax; keep > 0 && over > 0; {
			keep--
			over -= markdownRowLen(t.rows[keep])
		}
		buf.Reset()
		markdownDoc(&buf, f, o, t, keep)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// markdownDoc writes the markdown report with the first shown rows of
// the summary table t to buf.
func markdownDoc(buf *bytes.Buffer, f *File, o Options, t table, shown int) {
	ew := textout.New(buf) // a bytes.Buffer does not fail
	h := headerOf(f)
	code := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }
	ew.Printf("### occbench: %s\n\n", textout.MarkdownLine(h.scenario))
	if q := strings.Join(strings.Fields(o.Question), " "); q != "" {
		ew.Printf("> **%s**\n\n", textout.MarkdownCell(q))
	}
	if h.description != "" {
		ew.Printf("%s\n\n", textout.MarkdownCell(h.description))
	}
	ew.Printf("- driver: %s\n", textout.MarkdownLine(h.driver))
	ew.Printf("- started: %s, duration %s\n", h.started, h.duration)
	if h.runners != "" {
		ew.Printf("- runners: %s\n", textout.MarkdownLine(h.runners))
	}
	if h.interrupted {
		ew.Printf("- interrupted: **yes** (stopped early: results are partial)\n")
	} else {
		ew.Printf("- interrupted: no\n")
	}
	ew.Printf("\n")

	markdownTable(ew, t.cols, t.rows[:shown])
	if left := len(t.rows) - shown; left > 0 {
		ew.Printf("\n_%s of %d not shown: GitHub's step summary holds 1 MiB; every cell is in the results file (%s)._\n",
			plural(left, "row"), len(t.rows), code("occbench report FILE --format html"))
	}

	if cols, rows := FaultTable(f); len(rows) > 0 {
		ew.Printf("\n#### Faults\n\n")
		markdownTable(ew, cols, rows[:min(len(rows), markdownListMax)])
		if left := len(rows) - markdownListMax; left > 0 {
			ew.Printf("\n_%s more not shown._\n", plural(left, "fault"))
		}
	}
	_ = writeClasses(ew, f, true) // a bytes.Buffer does not fail
	if cols, rows := HybridTable(f); len(rows) > 0 {
		ew.Printf("\n#### Hybrid escalation\n\nLocked: committed under the lock of an escalated key; plain: with a conditional write.\n\n")
		markdownTable(ew, cols, rows[:min(len(rows), markdownListMax)])
		if left := len(rows) - markdownListMax; left > 0 {
			ew.Printf("\n_%s more not shown._\n", plural(left, "cell"))
		}
	}
	writeUSL(ew, f, true)
	writeAdvice(ew, f, true)
	writeIdempotency(ew, f, true)

	if failed, total := thresholdFailures(f); total > 0 {
		ew.Printf("\n#### Thresholds\n\n")
		if len(failed) == 0 {
			ew.Printf("All %d thresholds passed.\n", total)
		} else {
			ew.Printf("%d of %d thresholds failed:\n\n", len(failed), total)
			for i, x := range failed {
				if i == markdownListMax {
					ew.Printf("- … %d more\n", len(failed)-i)
					break
				}
				ew.Printf("- ❌ **FAIL** %s: %s (got %s)\n", code(x.cell), code(x.expr), x.got)
			}
		}
	}

	loud, noVerdict, quiet := auditLines(f, code, func(s string) string { return "**" + s + "**" })
	loud, noVerdict, quiet = capLines(loud), capLines(noVerdict), capLines(quiet)
	ew.Printf("\n#### Audit\n\n")
	for _, block := range []struct {
		kind  string
		lines []string
	}{{"CAUTION", loud}, {"WARNING", noVerdict}} {
		if len(block.lines) == 0 {
			continue
		}
		ew.Printf("> [!%s]\n", block.kind)
		for i, l := range block.lines {
			if i > 0 {
				ew.Printf(">\n")
			}
			ew.Printf("> %s\n", textout.MarkdownLine(l))
		}
		ew.Printf("\n")
	}
	for _, l := range quiet {
		ew.Printf("- %s\n", textout.MarkdownLine(l))
	}
	if len(loud) == 0 {
		l := cleanAuditLine(f)
		ew.Printf("%s.\n", strings.ToUpper(l[:1])+l[1:])
	}

	groups, notes := VerdictOf(f).lines(code)
	ew.Printf("\n#### Verdict\n\n%s:\n\n", upperFirst(verdictHead))
	for i, l := range groups {
		if i == markdownListMax {
			ew.Printf("- … %s more\n", plural(len(groups)-i, "group"))
			break
		}
		ew.Printf("- %s\n", textout.MarkdownLine(l))
	}
	ew.Printf("\n")
	for _, l := range notes {
		ew.Printf("%s.<br>\n", textout.MarkdownCell(upperFirst(l)))
	}
	if next := nextCommands(o.Path); len(next) > 0 {
		ew.Printf("\nNext:\n\n")
		for _, n := range next {
			ew.Printf("- %s: %s\n", code(n.cmd), n.what)
		}
	}
}

// upperFirst capitalises the first letter of s, an ASCII letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// markdownRowLen is the length of row in a markdown table.
func markdownRowLen(row []string) int {
	n := len("|\n")
	for _, v := range row {
		n += len(" ") + len(textout.MarkdownLine(v)) + len(" |")
	}
	return n
}

// capLines keeps the first markdownListMax lines, and says how many more
// there were.
func capLines(lines []string) []string {
	if len(lines) <= markdownListMax {
		return lines
	}
	return append(lines[:markdownListMax:markdownListMax], fmt.Sprintf("… %d more (every one in the text report)", len(lines)-markdownListMax))
}

// thresholdFailure is one threshold a cell failed.
type thresholdFailure struct{ cell, expr, got string }

// thresholdFailures lists the failed thresholds in cell order and counts
// every threshold checked. The cell is named strategy/backoff/wN (with
// the driver first when the file has several, then rate and trial when
// set); a "STRATEGY:" scope is left out of the expression, since the
// cell names the strategy.
func thresholdFailures(f *File) (failed []thresholdFailure, total int) {
	multi := len(drivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		for _, r := range c.Thresholds {
			total++
			if r.Pass {
				continue
			}
			expr := r.Expr
			if _, after, ok := strings.Cut(expr, ":"); ok {
				expr = strings.TrimSpace(after)
			}
			failed = append(failed, thresholdFailure{cell: shortName(c, multi), expr: expr, got: Sig6(r.Value)})
		}
	}
	return failed, total
}

// shortName names c in one word: strategy/backoff/wN, with the driver
// first when the file has several (multi), then rN and tN when c has a
// rate and a trial.
func shortName(c *Cell, multi bool) string {
	var parts []string
	if multi {
		parts = append(parts, c.Driver)
	}
	parts = append(parts, c.Strategy, c.Backoff, "w"+strconv.Itoa(c.Writers))
	if c.Distribution != "" {
		parts = append(parts, c.Distribution)
	}
	if c.Scope != "" && c.Scope != "document" {
		parts = append(parts, c.Scope)
	}
	if c.Rate > 0 {
		parts = append(parts, "r"+Sig3(c.Rate))
	}
	if c.Trial > 0 {
		parts = append(parts, "t"+strconv.Itoa(c.Trial))
	}
	return strings.Join(parts, "/")
}

// MultiScope reports whether f's cells ran under more than one scope (a
// scope sweep, --scope document,field-group,operation): reports then
// show each cell's scope.
func MultiScope(f *File) bool {
	for i := range f.Cells {
		if f.Cells[i].Scope != f.Cells[0].Scope {
			return true
		}
	}
	return false
}
