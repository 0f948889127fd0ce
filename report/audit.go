package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
)

// verdict classifies a cell's audit, as the text report does.
type verdict int

const (
	verdictOK         verdict = iota // no loss, or none that counts
	verdictExpected                  // lost updates under lww or an unfenced lease
	verdictUnexpected                // loss (or another audit failure) under a strategy that promises safety
	verdictSkipped                   // the cell did not run
)

// class is the CSS class of a verdict.
func (v verdict) class() string {
	return [...]string{"ok", "expected", "unexpected", "skipped"}[v]
}

func verdictOf(c *results.Cell) verdict {
	switch {
	case c.Skipped != "":
		return verdictSkipped
	case !c.Audit.OK && !c.Audit.LossExpected:
		return verdictUnexpected
	case c.Audit.LossExpected && c.Audit.LostUpdates > 0:
		return verdictExpected
	}
	return verdictOK
}

// auditText is the audit column, worded as in the text report: "ok",
// "LOST 123 (expected: lww)", "LOST 5 !!", "skipped: reason".
func auditText(c *results.Cell) string {
	if c.Skipped != "" {
		return "skipped: " + c.Skipped
	}
	a := c.Audit
	var s string
	switch v := verdictOf(c); {
	case v == verdictUnexpected && a.LostUpdates > 0:
		s = fmt.Sprintf("LOST %d !!", a.LostUpdates)
	case v == verdictUnexpected && a.LostUpdates < 0:
		s = fmt.Sprintf("EXTRA %d !! (harness bug)", -a.LostUpdates)
	case v == verdictUnexpected:
		s = "FAILED !!"
	case v == verdictExpected:
		s = fmt.Sprintf("LOST %d (expected: %s)", a.LostUpdates, c.Strategy)
	default:
		s = "ok"
	}
	if a.Indeterminate > 0 {
		s += fmt.Sprintf(", %d indeterminate", a.Indeterminate)
	}
	if c.Interrupted {
		s += ", interrupted"
	}
	return s
}

// lossLine describes an audit finding in a sentence, for the banner and
// the notes under the table.
func lossLine(c *results.Cell, name string) string {
	a := c.Audit
	var s string
	switch {
	case verdictOf(c) == verdictExpected:
		s = fmt.Sprintf("%s lost %d of %d updates, as expected (%s)", name, a.LostUpdates, a.Expected, lossReason(c.Strategy))
		return s
	case a.LostUpdates > 0:
		s = fmt.Sprintf("%s lost %d of %d committed updates", name, a.LostUpdates, a.Expected)
	case a.LostUpdates < 0:
		s = fmt.Sprintf("%s: the store holds %d more updates than the %d committed (occbench missed a commit: a harness bug)", name, -a.LostUpdates, a.Expected)
	default:
		s = fmt.Sprintf("%s: audit failed: expected %d, observed %d, versions %d", name, a.Expected, a.Observed, a.Versions)
	}
	if a.Verdict != "" {
		s += " — " + a.Verdict
	}
	return s
}

// lossReason says why a strategy may lose updates.
func lossReason(strategy string) string {
	switch {
	case strategy == "lww":
		return "unconditional writes"
	case strings.Contains(strategy, "lease"):
		return "unfenced lease"
	}
	return "the strategy promises no safety"
}

// cellName names a cell for people: "optimistic / full-jitter, 16
// writers", with driver, rate and trial when they tell cells apart.
func cellName(c *results.Cell, multiDriver bool) string {
	w := "writers"
	if c.Writers == 1 {
		w = "writer"
	}
	s := fmt.Sprintf("%s / %s, %d %s", c.Strategy, c.Backoff, c.Writers, w)
	if c.Rate > 0 {
		s += ", " + sig3(c.Rate) + " ops/s offered"
	}
	if c.Trial > 0 {
		s += ", trial " + strconv.Itoa(c.Trial)
	}
	if multiDriver {
		s = c.Driver + ": " + s
	}
	return s
}

// distinctDrivers returns the drivers of f's cells, sorted.
func distinctDrivers(f *results.File) []string {
	set := map[string]bool{}
	for i := range f.Cells {
		set[f.Cells[i].Driver] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// sig3 formats v with three significant digits and no exponent, as the
// text report does: 0.0123, 1.23, 123, 12300.
func sig3(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case v == 0:
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 2, 64), 64) // cannot fail
	digits := int(math.Floor(math.Log10(math.Abs(r)))) + 1
	return strconv.FormatFloat(r, 'f', max(0, 3-digits), 64)
}

// sig6 formats v with at most six significant digits and no exponent, as
// the text report's threshold lines do: 73.2, 0.99951, 5, 1234570.
func sig6(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 5, 64), 64) // cannot fail
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// sum adds a map's values.
func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// counts formats a map of counts as "a 3, b 1" (sorted), or "-".
func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+" "+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(parts, ", ")
}
