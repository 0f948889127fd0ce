package report

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
)

// Limits of the HTML report. A cell's four charts take some 45 KB of
// page and 20 ms to draw, so a page with every chart of a 30,000-cell
// sweep would be over a gigabyte that no browser opens.
const (
	// MaxCells is the most cells HTML reports: a larger file is refused
	// (the text, markdown and CSV reports read any size). Each cell that
	// ran costs a summary row and a section of counts, some 4 KB of page.
	MaxCells = 50_000
	// MaxChartedCells is the most cells (trials together) whose section
	// has charts: those with unexpected lost updates first, then in file
	// order. The page says how many were left uncharted; their sections
	// keep their counts, and the sweep charts cover every cell. occbench
	// plot writes every chart as files.
	MaxChartedCells = 200
)

// HTML writes f as one self-contained HTML document (see the package
// documentation). It draws and writes one chart at a time, so that its
// memory does not grow with the number of charts, and refuses a file of
// more than MaxCells cells. It fails when a chart cannot be drawn, naming
// the cell and outcome of a histogram that does not decode, and on the
// write error; what it wrote by then is an incomplete page.
func HTML(w io.Writer, f *results.File) error {
	return writeHTML(w, f, limits{cells: MaxCells, charted: MaxChartedCells})
}

// WriteHTMLFile writes f's HTML report (HTML) to path, mode 0644 (the
// page is meant to be opened and shared): to a temporary file in the
// same folder, renamed over path once complete, so that a failure leaves
// no partial page and an earlier report at path stays whole.
func WriteHTMLFile(path string, f *results.File) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*.html")
	if err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing to remove
	if err := HTML(tmp, f); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("report: html: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

// limits are MaxCells and MaxChartedCells, smaller in tests.
type limits struct{ cells, charted int }

func writeHTML(w io.Writer, f *results.File, lim limits) error {
	if f == nil {
		return errors.New("report: html: nil results file")
	}
	if n := len(f.Cells); n > lim.cells {
		return fmt.Errorf("report: html: %d cells: more than the %d an HTML report holds (report.MaxCells); use --format text, markdown or csv", n, lim.cells)
	}
	charts, err := plots.NewCharts(f)
	if err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	pg := newPage(f, lim.charted)
	sty := plots.NewStyles("s")

	// The navigation at the top links the sweep charts when there are
	// any: draw the first before writing anything.
	nextSweep, stop := iter.Pull2(charts.Sweeps())
	defer stop()
	sweep, err, more := nextSweep()
	if err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	pg.HasSweeps = more

	bw := bufio.NewWriterSize(w, 64<<10)
	exec := func(name string, data any) error {
		if err := pageTemplate.ExecuteTemplate(bw, name, data); err != nil {
			return fmt.Errorf("report: html: %w", err)
		}
		return nil
	}
	if err := exec("top", pg); err != nil {
		return err
	}
	if more {
		if err := exec("sweeps", pg); err != nil {
			return err
		}
		for more {
			fig, err := drawFigure(sweep, sty)
			if err != nil {
				return err
			}
			if err := exec("figure", fig); err != nil {
				return err
			}
			if sweep, err, more = nextSweep(); err != nil {
				return fmt.Errorf("report: html: %w", err)
			}
		}
		if err := exec("sweepsEnd", pg); err != nil {
			return err
		}
	}
	if err := exec("gap", pg); err != nil {
		return err
	}
	if len(pg.groups) > 0 {
		if err := exec("cells", pg); err != nil {
			return err
		}
		for i := range pg.groups {
			sec := sectionOf(f, pg.multiDriver, &pg.groups[i], pg.MaxCharted)
			if pg.groups[i].charted {
				ps, err := charts.Cell(pg.groups[i].id)
				if err != nil {
					return fmt.Errorf("report: html: %w", err)
				}
				for _, p := range ps {
					fig, err := drawFigure(p, sty)
					if err != nil {
						return err
					}
					sec.Figures = append(sec.Figures, fig)
				}
				if short, secs := charts.ShortCell(pg.groups[i].id); short {
					sec.NoTimeseries = fmt.Sprintf("No time-series chart: the cell measured %.3g s, less than the %d s a per-second chart needs (plots.MinTimeseriesS).",
						secs, plots.MinTimeseriesS)
				}
			}
			if err := exec("cell", sec); err != nil {
				return err
			}
		}
		if err := exec("cellsEnd", pg); err != nil {
			return err
		}
	}
	if err := exec("bottom", pg); err != nil {
		return err
	}
	return bw.Flush()
}

// drawFigure renders a chart for the page, its styles as classes of
// the page's sheet: the figure carries the rules the sheet gained.
func drawFigure(p plots.Plot, sty *plots.Styles) (figure, error) {
	w, h := p.Size()
	svg, err := plots.SVGElement(p, w, h, sty)
	if err != nil {
		return figure{}, fmt.Errorf("report: html: %w", err)
	}
	return figure{
		Name:  p.Name,
		Title: p.Title,
		Wide:  len(p.Panels) > 0 && !p.Stack,
		CSS:   template.CSS(sty.NewRules()),
		SVG:   template.HTML(svg), // plots escapes the text it draws and the title
	}, nil
}

// page is what the template shows.
type page struct {
	Title       string
	Meta        []string
	Banners     []banner
	Env         []kv
	Description string
	Scenario    []kv
	Table       table
	Notes       []string
	Thresholds  *thresholds
	HasSweeps   bool // the file has sweep charts
	Generator   string

	// Cell sections, written one at a time.
	Cells       int // sections: cells that ran, trials together
	Charted     int // sections with charts, at most MaxChartedCells
	MaxCharted  int
	groups      []group
	multiDriver bool
}

// group is the cells of one section: the trials of a cell that ran.
type group struct {
	id      string // plots.CellIDs's
	cells   []int  // indexes in f.Cells, file order
	charted bool
}

type kv struct{ K, V string }

type banner struct {
	Class string // bad, warn, good
	Head  string
	Lines []string
}

type table struct {
	Header []results.Column
	Rows   []row
}

type row struct {
	Class  string
	Anchor string // id of the cell's section, "" when it has none
	Cells  []string
	Audit  string
}

type figure struct {
	Name, Title string
	Wide        bool         // small multiples: the full width of the page
	CSS         template.CSS // style rules first used by this figure
	SVG         template.HTML
}

type cellSection struct {
	ID      string
	Name    string
	Class   string
	Audit   string
	Summary string
	Open    bool
	Facts   []kv       // one trial
	Trials  *factTable // several trials, side by side
	Faults  *faultTable
	Charted bool
	Figures []figure
	// NoTimeseries says why a charted section has no time-series chart
	// (a cell shorter than plots.MinTimeseriesS); "" when it has one.
	NoTimeseries string
	Limit        int // MaxChartedCells, for the note of an uncharted section
}

// faultTable lists the faults injected into a section's cells, one row
// per fault (results.FaultRow), with the trial first when the section
// has several.
type faultTable struct {
	Header []results.Column
	Rows   [][]string
}

// factTable shows the facts of several trials of a cell, one column each.
type factTable struct {
	Header []string
	Rows   []factRow
}

type factRow struct {
	K string
	V []string
}

type thresholds struct {
	Declared      []string
	Header        []string // threshold expressions
	Rows          []thresholdRow
	Total, Failed int
}

type thresholdRow struct {
	Cell, Class string
	Values      []thresholdValue // by Header; zero when the cell was not checked
}

type thresholdValue struct{ Text, Class, Mark string }

// newPage returns everything the page shows but its charts and cell
// sections, which HTML draws and writes one at a time.
func newPage(f *results.File, maxCharted int) *page {
	multiDriver := len(distinctDrivers(f)) > 1
	name := "-"
	if v, ok := f.Scenario["name"]; ok && v != nil {
		name = fmt.Sprint(v)
	}
	pg := &page{
		Title:       "occbench: " + name,
		Generator:   "occbench " + orDash(f.Environment.Occbench),
		MaxCharted:  maxCharted,
		multiDriver: multiDriver,
	}
	if !f.StartedAt.IsZero() {
		m := "started " + f.StartedAt.UTC().Format(time.RFC3339)
		if !f.FinishedAt.IsZero() {
			m += ", ran " + f.FinishedAt.Sub(f.StartedAt).Round(time.Second).String()
		}
		pg.Meta = append(pg.Meta, m)
	}
	ran := 0
	for i := range f.Cells {
		if f.Cells[i].Skipped == "" {
			ran++
		}
	}
	pg.Meta = append(pg.Meta, fmt.Sprintf("%d cells, %d ran", len(f.Cells), ran))

	pg.Banners = banners(f, multiDriver, ran)
	pg.Env = environment(f)
	if d, ok := f.Scenario["description"]; ok && d != nil {
		pg.Description = strings.TrimSpace(fmt.Sprint(d))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Scenario)) {
		if k == "description" {
			continue
		}
		pg.Scenario = append(pg.Scenario, kv{k, scenarioValue(f.Scenario[k])})
	}

	ids := plots.CellIDs(f)
	pg.groups = groupCells(f, ids)
	pg.Cells = len(pg.groups)
	pg.Charted = chooseCharted(f, pg.groups, maxCharted)
	if pg.Charted < pg.Cells {
		pg.Meta[len(pg.Meta)-1] += fmt.Sprintf(", %d charted", pg.Charted)
	}

	pg.Table = summaryTable(f, ids)
	for i := range f.Cells {
		c := &f.Cells[i]
		if verdictOf(c) == verdictExpected {
			pg.Notes = append(pg.Notes, lossLine(c, cellName(c, multiDriver)))
		}
	}
	pg.Thresholds = thresholdSection(f, multiDriver)
	return pg
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// banners returns the verdict banner, a banner for the audits without a
// verdict (store reset, audit unavailable: never called lost updates)
// and, for an interrupted run, a warning.
func banners(f *results.File, multiDriver bool, ran int) []banner {
	var bad, expected, none []string
	noVerdict := 0
	for i := range f.Cells {
		c := &f.Cells[i]
		switch verdictOf(c) {
		case verdictUnexpected:
			bad = append(bad, lossLine(c, cellName(c, multiDriver)))
		case verdictExpected:
			expected = append(expected, cellName(c, multiDriver))
		case verdictStoreReset, verdictUnavailable:
			noVerdict++
			none = append(none, results.AuditStateLines(c, cellName(c, multiDriver))...)
		}
	}
	var out []banner
	switch {
	case len(bad) > 0:
		cells := "cell"
		if len(bad) > 1 {
			cells = "cells"
		}
		out = append(out, banner{
			Class: "bad",
			Head:  fmt.Sprintf("UNEXPECTED LOST UPDATES in %d %s: a strategy that promises safety lost data", len(bad), cells),
			Lines: bad,
		})
	case ran == 0:
		out = append(out, banner{Class: "warn", Head: "No cell ran: nothing was measured or audited"})
	case noVerdict == ran:
		// Nothing was audited: the banner below says why.
	default:
		b := banner{Class: "good", Head: fmt.Sprintf("No unexpected lost updates in the %d cells that ran", ran)}
		if noVerdict > 0 {
			b.Head = fmt.Sprintf("No unexpected lost updates in the %d cells audited (%d of the %d that ran have no audit verdict)", ran-noVerdict, noVerdict, ran)
		}
		if len(expected) > 0 {
			line := fmt.Sprintf("%d cells lost updates as their strategy allows (lww, unfenced lease): see the notes under the summary.", len(expected))
			if len(expected) == 1 {
				line = "1 cell lost updates as its strategy allows (lww, unfenced lease): see the note under the summary."
			}
			b.Lines = []string{line}
		}
		out = append(out, b)
	}
	if noVerdict > 0 {
		cells := "cells"
		if noVerdict == 1 {
			cells = "cell"
		}
		out = append(out, banner{
			Class: "warn",
			Head:  fmt.Sprintf("No audit verdict in %d %s: STORE RESET or AUDIT UNAVAILABLE (not lost updates: the audit proves nothing either way)", noVerdict, cells),
			Lines: none,
		})
	}
	if failed := thresholdFailures(f, multiDriver); len(failed) > 0 {
		total := 0
		for i := range f.Cells {
			total += len(f.Cells[i].Thresholds)
		}
		out = append(out, banner{Class: "fail", Head: fmt.Sprintf("Thresholds: %d of %d failed", len(failed), total), Lines: failed})
	}
	if f.Interrupted {
		out = append(out, banner{Class: "warn", Head: "Interrupted: the run was stopped early; results are partial"})
	}
	return out
}

func environment(f *results.File) []kv {
	e := f.Environment
	env := []kv{
		{"driver", orDash(e.Driver)},
		{"server version", orDash(e.ServerVersion)},
	}
	if e.Image != "" {
		env = append(env, kv{"image", e.Image})
	}
	if e.DSN != "" {
		env = append(env, kv{"DSN", e.DSN})
	}
	env = append(env,
		kv{"CPUs", strconv.Itoa(e.CPUs)},
		kv{"OS / arch", orDash(e.OS) + " / " + orDash(e.Arch)},
		kv{"Go", orDash(e.GoVersion)},
		kv{"occbench", orDash(e.Occbench)},
	)
	if e.Hostname != "" {
		env = append(env, kv{"host", e.Hostname})
	}
	if !f.StartedAt.IsZero() {
		env = append(env, kv{"started", f.StartedAt.UTC().Format(time.RFC3339)})
	}
	if !f.FinishedAt.IsZero() {
		env = append(env, kv{"finished", f.FinishedAt.UTC().Format(time.RFC3339)})
	}
	for i, p := range f.Parts {
		v := orDash(p.Driver)
		if p.ServerVersion != "" {
			v += " (server " + p.ServerVersion + ")"
		}
		v += fmt.Sprintf(", %s/%s, %d CPUs, %s, occbench %s", orDash(p.OS), orDash(p.Arch), p.CPUs, orDash(p.GoVersion), orDash(p.Occbench))
		if p.Hostname != "" {
			v += ", host " + p.Hostname
		}
		env = append(env, kv{fmt.Sprintf("merged part %d", i+1), v})
	}
	interrupted := "no"
	if f.Interrupted {
		interrupted = "YES (stopped early: results are partial)"
	}
	env = append(env, kv{"interrupted", interrupted})
	if r := results.RunnersText(f); r != "" {
		env = append(env, kv{"runners", r})
	}
	return env
}

// scenarioValue formats a scenario value read from JSON: lists joined with
// ", ", maps as "k: v" pairs (sorted), numbers without exponent.
func scenarioValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scenarioValue(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, k+": "+scenarioValue(x[k]))
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(v)
}

// summaryTable builds the summary table of the page: results.SummaryTable
// (the text report's columns), each row linked to its cell's section and
// classed by its audit verdict.
func summaryTable(f *results.File, ids []string) table {
	cols, cells := results.SummaryTable(f)
	t := table{Header: cols}
	for i, rc := range cells {
		c := &f.Cells[i]
		r := row{Cells: rc, Class: verdictOf(c).class(), Audit: results.AuditText(c)}
		if c.Skipped == "" {
			r.Anchor = sectionID(ids[i])
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// sectionID is the HTML id of a cell's section.
func sectionID(cellID string) string {
	if cellID == "" {
		return ""
	}
	return "cell-" + cellID
}

// groupCells returns one group per cell that ran (trials together), in
// file order of first appearance.
func groupCells(f *results.File, ids []string) []group {
	var out []group
	at := map[string]int{}
	for i := range f.Cells {
		id := ids[i]
		if id == "" {
			continue
		}
		j, seen := at[id]
		if !seen {
			j = len(out)
			at[id] = j
			out = append(out, group{id: id})
		}
		out[j].cells = append(out[j].cells, i)
	}
	return out
}

// chooseCharted marks the groups whose sections get charts, at most limit:
// those with an unexpected loss first, then the others, in file order. It
// returns how many it marked.
func chooseCharted(f *results.File, groups []group, limit int) int {
	n := 0
	for _, unexpected := range []bool{true, false} {
		for i := range groups {
			g := &groups[i]
			if n == limit {
				return n
			}
			if g.charted || groupUnexpected(f, g) != unexpected {
				continue
			}
			g.charted = true
			n++
		}
	}
	return n
}

func groupUnexpected(f *results.File, g *group) bool {
	for _, i := range g.cells {
		if verdictOf(&f.Cells[i]) == verdictUnexpected {
			return true
		}
	}
	return false
}

// sectionOf returns the section of a group, without its charts.
func sectionOf(f *results.File, multiDriver bool, g *group, maxCharted int) cellSection {
	first := &f.Cells[g.cells[0]]
	name := cellName(first, multiDriver)
	if first.Trial > 0 {
		name = strings.TrimSuffix(name, ", trial "+strconv.Itoa(first.Trial))
	}
	s := cellSection{ID: sectionID(g.id), Name: name, Class: "ok", Charted: g.charted, Limit: maxCharted}
	var trials [][]kv
	var labels []string
	worst := verdictOK
	for _, i := range g.cells {
		c := &f.Cells[i]
		if v := verdictOf(c); v.rank() > worst.rank() {
			worst = v
		}
		s.Open = s.Open || verdictOf(c) == verdictUnexpected
		prefix := ""
		if c.Trial > 0 {
			prefix = "trial " + strconv.Itoa(c.Trial) + ": "
		}
		if s.Audit != "" {
			s.Audit += "; "
			s.Summary += "; "
		}
		s.Audit += prefix + results.AuditText(c)
		s.Summary += fmt.Sprintf("%s%s ops/s, p99 %s ms, %.1f%% conflicts",
			prefix, results.Sig3(c.ThroughputOpsS), results.Sig3(c.LatencyMS.P99), 100*c.ConflictRatio)
		trials = append(trials, cellFacts(c))
		label := "trial " + strconv.Itoa(c.Trial)
		if c.Trial == 0 {
			label = "cell " + strconv.Itoa(len(trials))
		}
		labels = append(labels, label)
	}
	s.Class = worst.class()
	s.Faults = sectionFaults(f, g, labels)
	if len(trials) == 1 {
		s.Facts = trials[0]
		return s
	}
	t := &factTable{Header: labels}
	for j, f := range trials[0] {
		r := factRow{K: f.K}
		for _, tr := range trials {
			r.V = append(r.V, tr[j].V)
		}
		t.Rows = append(t.Rows, r)
	}
	s.Trials = t
	return s
}

// sectionFaults returns the faults of a group's cells, labels naming its
// cells (trials) in a first column when there are several; nil when no
// cell had a fault.
func sectionFaults(f *results.File, g *group, labels []string) *faultTable {
	t := &faultTable{Header: results.FaultColumns()}
	several := len(g.cells) > 1
	if several {
		t.Header = append([]results.Column{{Name: "trial"}}, t.Header...)
	}
	for j, i := range g.cells {
		c := &f.Cells[i]
		for k := range c.Faults {
			row := results.FaultRow(&c.Faults[k])
			if several {
				row = append([]string{labels[j]}, row...)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// giveUps are c's give-ups by reason, without the legacy "interrupted"
// key (a cut-off, shown on its own row).
func giveUps(c *results.Cell) map[string]int64 {
	out := make(map[string]int64, len(c.GiveUps))
	for k, v := range c.GiveUps {
		if k != results.LegacyCutOffReason {
			out[k] = v
		}
	}
	return out
}

// cellFacts are the counts of a cell beyond the summary table, the same
// keys in the same order for every cell.
func cellFacts(c *results.Cell) []kv {
	facts := []kv{
		{"ops / attempts / conflicts", fmt.Sprintf("%d / %d / %d in %ss", c.Ops, c.Attempts, c.Conflicts, results.Sig3(c.DurationS))},
		{"conflicts by kind", counts(c.ConflictsByKind)},
		{"give-ups", counts(giveUps(c))},
		{"cut off by the end of the cell", fmt.Sprint(results.CutOffOf(c))},
		{"errors", counts(c.Errors)},
		{"success rate, amplification", fmt.Sprintf("%.2f%%, %s attempts per op", 100*c.SuccessRate, results.Sig3(c.Amplification))},
		{"retries per op", fmt.Sprintf("mean %s, p99 %s, max %s", results.Sig3(c.RetriesPerOp.Mean), results.Sig3(c.RetriesPerOp.P99), results.Sig3(c.RetriesPerOp.Max))},
		{"conflict recovery ms (first conflict to commit)", results.RecoveryText(c)},
		{"fairness (writers' commits), starved ops", results.FairnessText(c)},
		{"op latency ms", latencyText(c.LatencyMS)},
		{"attempt latency ms", latencyText(c.AttemptMS)},
		{"mean op time ms", fmt.Sprintf("backoff %s + attempts %s", results.Sig3(c.Components.BackoffMean), results.Sig3(c.Components.AttemptMean))},
	}
	lag := "-"
	if c.ScheduleLagMS != nil {
		lag = latencyText(*c.ScheduleLagMS)
	}
	facts = append(facts,
		kv{"schedule lag ms (open loop)", lag},
		kv{"stale writes rejected", strconv.FormatInt(c.StaleWritesRejected, 10)},
		kv{"samples beyond 1 h", strconv.FormatInt(c.OutOfRange, 10)},
		kv{"audit", auditFact(c)},
		kv{"faults injected", faultsFact(c)},
	)
	th := "-"
	if len(c.Thresholds) > 0 {
		var parts []string
		for _, r := range c.Thresholds {
			res := "pass"
			if !r.Pass {
				res = "FAIL"
			}
			parts = append(parts, fmt.Sprintf("%s: %s (%s)", r.Expr, res, results.Sig6(r.Value)))
		}
		th = strings.Join(parts, "; ")
	}
	return append(facts, kv{"thresholds", th})
}

// auditFact words c's audit counts. An audit without a verdict says
// why it proves nothing, and calls the difference "missing", not lost;
// one that could not read the store at all shows no store counts.
func auditFact(c *results.Cell) string {
	a := c.Audit
	if !results.NoVerdict(c) {
		return fmt.Sprintf("expected %d, observed %d, versions %d, lost %d, indeterminate %d — %s",
			a.Expected, a.Observed, a.Versions, a.LostUpdates, a.Indeterminate, orDash(a.Verdict))
	}
	if a.Pending != "" {
		return fmt.Sprintf("no verdict yet: %s (%s); expected %d, indeterminate %d", results.PendingWord, a.Pending, a.Expected, a.Indeterminate)
	}
	var states []string
	if a.Unavailable != "" {
		states = append(states, results.UnavailableWord+" ("+a.Unavailable+")")
	}
	if !a.StoreReset {
		return fmt.Sprintf("no verdict: %s; the store was not read: expected %d, indeterminate %d",
			strings.Join(states, ", "), a.Expected, a.Indeterminate)
	}
	states = append(states, results.StoreResetWord+" (missing updates are the store's loss, not lost updates)")
	return fmt.Sprintf("no verdict: %s; expected %d, observed %d, versions %d, missing %d, indeterminate %d",
		strings.Join(states, ", "), a.Expected, a.Observed, a.Versions, a.LostUpdates, a.Indeterminate)
}

// faultsFact names c's faults by spec ("-" when none); their rows are
// in the section's fault table.
func faultsFact(c *results.Cell) string {
	if len(c.Faults) == 0 {
		return "-"
	}
	specs := make([]string, len(c.Faults))
	for i, fl := range c.Faults {
		specs[i] = fl.Spec
		if specs[i] == "" {
			specs[i] = orDash(fl.Kind)
		}
	}
	return strconv.Itoa(len(c.Faults)) + ": " + strings.Join(specs, ", ")
}

func latencyText(l results.Latency) string {
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s, mean %s",
		results.Sig3(l.P50), results.Sig3(l.P90), results.Sig3(l.P99), results.Sig3(l.P999), results.Sig3(l.Max), results.Sig3(l.Mean))
}

// thresholdSection lists the scenario's declared thresholds and a matrix
// of every cell's results, one column per threshold expression (in order
// of first appearance). It returns nil when there is neither.
func thresholdSection(f *results.File, multiDriver bool) *thresholds {
	var t thresholds
	if v, ok := f.Scenario["thresholds"]; ok && v != nil {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				t.Declared = append(t.Declared, scenarioValue(e))
			}
		default:
			if s := scenarioValue(x); s != "" && s != "-" {
				t.Declared = append(t.Declared, s)
			}
		}
	}
	col := map[string]int{}
	for i := range f.Cells {
		for _, r := range f.Cells[i].Thresholds {
			if _, ok := col[r.Expr]; !ok {
				col[r.Expr] = len(t.Header)
				t.Header = append(t.Header, r.Expr)
			}
		}
	}
	for i := range f.Cells {
		c := &f.Cells[i]
		if len(c.Thresholds) == 0 {
			continue
		}
		row := thresholdRow{Cell: cellName(c, multiDriver), Class: verdictOK.class(), Values: make([]thresholdValue, len(t.Header))}
		for _, r := range c.Thresholds {
			t.Total++
			v := thresholdValue{Text: results.Sig6(r.Value), Class: "pass", Mark: "pass"}
			if !r.Pass {
				t.Failed++
				v.Class, v.Mark = "fail", "FAIL"
				row.Class = verdictUnexpected.class()
			}
			row.Values[col[r.Expr]] = v
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Declared) == 0 && len(t.Rows) == 0 {
		return nil
	}
	return &t
}

// thresholdFailures lists the failed thresholds as "cell: expr (value)".
func thresholdFailures(f *results.File, multiDriver bool) []string {
	var out []string
	for i := range f.Cells {
		c := &f.Cells[i]
		for _, r := range c.Thresholds {
			if !r.Pass {
				out = append(out, fmt.Sprintf("%s: %s (got %s)", cellName(c, multiDriver), r.Expr, results.Sig6(r.Value)))
			}
		}
	}
	return out
}
