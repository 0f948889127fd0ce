package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
)

// verdict classifies a cell's audit, as the text report does.
type verdict int

const (
	verdictOK          verdict = iota // no loss, or none that counts
	verdictExpected                   // lost updates under lww or an unfenced lease
	verdictUnexpected                 // loss (or another audit failure) under a strategy that promises safety
	verdictSkipped                    // the cell did not run
	verdictStoreReset                 // no verdict: the store was reset under the cell
	verdictUnavailable                // no verdict: the store could not be read back
)

// class is the CSS class of a verdict.
func (v verdict) class() string {
	return [...]string{"ok", "expected", "unexpected", "skipped", "reset", "unavailable"}[v]
}

// rank orders verdicts for a section of several trials, which takes the
// class of its worst: unexpected, then without a verdict, then expected.
func (v verdict) rank() int {
	return [...]int{0, 1, 3, 0, 2, 2}[v]
}

// verdictOf classifies c's audit. An audit without a verdict
// (results.NoVerdict) is neither a loss nor ok, whatever its counts:
// unavailable when the store could not be read back, else store reset.
func verdictOf(c *results.Cell) verdict {
	switch {
	case c.Skipped != "":
		return verdictSkipped
	case c.Audit.Unavailable != "", c.Audit.Pending != "":
		return verdictUnavailable
	case c.Audit.StoreReset:
		return verdictStoreReset
	case !c.Audit.OK && !c.Audit.LossExpected:
		return verdictUnexpected
	case c.Audit.LossExpected && c.Audit.LostUpdates > 0:
		return verdictExpected
	}
	return verdictOK
}

// lossLine describes an audit finding in a sentence, for the banner and
// the notes under the table.
func lossLine(c *results.Cell, name string) string {
	a := c.Audit
	var s string
	switch {
	case verdictOf(c) == verdictExpected:
		s = fmt.Sprintf("%s lost %d of %d updates, as expected (%s)", name, a.LostUpdates, a.Expected, results.LossReason(c.Strategy))
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

// cellName names a cell for people: "optimistic / full-jitter, 16
// writers", with driver, rate and trial when they tell cells apart.
func cellName(c *results.Cell, multiDriver bool) string {
	w := "writers"
	if c.Writers == 1 {
		w = "writer"
	}
	s := fmt.Sprintf("%s / %s, %d %s", c.Strategy, c.Backoff, c.Writers, w)
	if c.Rate > 0 {
		s += ", " + results.Sig3(c.Rate) + " ops/s offered"
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
