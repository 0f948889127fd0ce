package results

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Words that open the audit states that are not lost updates: the
// verdict of such an audit starts with them (see Audit), and every report
// prints them as they are.
const (
	StoreResetWord  = "STORE RESET"
	UnavailableWord = "AUDIT UNAVAILABLE"
)

// NoVerdict reports whether c ran but its audit cannot judge its
// strategy: the store was reset under it (Audit.StoreReset) or could not
// be read back (Audit.Unavailable). Its missing updates, if any, are not
// lost updates, and no report calls them so. A pending audit (a part of
// a multi-runner run, Audit.Pending) has no verdict yet either.
func NoVerdict(c *Cell) bool {
	return c.Skipped == "" && (c.Audit.StoreReset || c.Audit.Unavailable != "" || c.Audit.Pending != "")
}

// AuditStateLines words the states of c's audit that leave it without a
// verdict, one sentence each, AUDIT UNAVAILABLE before STORE RESET, each
// starting with its word and naming the cell as name; nil when c has a
// verdict. For example "STORE RESET: optimistic (…): the store lost
// documents the cell seeded (a server restarted without its data), so the
// 40 updates missing from it are the store's loss, not lost updates of
// the strategy — 3 of 16 documents gone".
func AuditStateLines(c *Cell, name string) []string {
	return auditStateLines(c, name, func(s string) string { return s })
}

// auditStateLines is AuditStateLines with strong wrapping the words.
func auditStateLines(c *Cell, name string, strong func(string) string) []string {
	if !NoVerdict(c) {
		return nil
	}
	a := c.Audit
	var out []string
	if a.Pending != "" {
		out = append(out, fmt.Sprintf("%s (%s): %s: one runner's part of a multi-runner run; occbench merge audits the run",
			strong(PendingWord), a.Pending, name))
	}
	if a.Unavailable != "" {
		reason := a.Unavailable
		extra := verdictDetail(a.Verdict, UnavailableWord)
		switch {
		case extra == "" || strings.Contains(reason, extra):
			extra = ""
		case strings.Contains(extra, reason):
			reason, extra = extra, ""
		}
		line := fmt.Sprintf("%s: %s: the store could not be read back (%s): the cell keeps what was measured, its audit proves nothing",
			strong(UnavailableWord), name, reason)
		if extra != "" {
			line += " — " + extra
		}
		out = append(out, line)
	}
	if a.StoreReset {
		missing := "the updates missing from it are"
		if a.LostUpdates > 0 {
			missing = fmt.Sprintf("the %d of %d committed updates missing from it are", a.LostUpdates, a.Expected)
		}
		line := fmt.Sprintf("%s: %s: the store lost documents the cell seeded (a server restarted without its data), so %s the store's loss, not lost updates of the strategy",
			strong(StoreResetWord), name, missing)
		if d := verdictDetail(a.Verdict, StoreResetWord); d != "" && !(a.Unavailable != "" && strings.HasPrefix(a.Verdict, UnavailableWord)) {
			line += " — " + d
		}
		out = append(out, line)
	}
	return out
}

// verdictDetail is what verdict says after word and its separator: the
// verdict of an audit in a state starts with the state's word. It is ""
// when the verdict says nothing more, or does not start with word (it
// might then call the missing updates lost, which they are not).
func verdictDetail(verdict, word string) string {
	rest, ok := strings.CutPrefix(verdict, word)
	if !ok {
		return ""
	}
	return strings.TrimSpace(strings.TrimLeft(rest, ":;,—- "))
}

// noVerdictText is AuditText's wording of a cell without a verdict.
func noVerdictText(a *Audit) string {
	if a.Pending != "" {
		return PendingWord + " (" + a.Pending + ")"
	}
	var words []string
	if a.Unavailable != "" {
		words = append(words, UnavailableWord)
	}
	if a.StoreReset {
		words = append(words, StoreResetWord)
	}
	return strings.Join(words, ", ") + ": no verdict"
}

// FaultColumns are the columns of a fault's row (FaultRow) in every
// report: kind, spec, at, duration, detect, recover (MTTR), ops failed,
// ops retried, indeterminate, throughput drop and error.
func FaultColumns() []Column {
	return []Column{
		{Name: "kind"}, {Name: "spec"},
		{Name: "at", Numeric: true}, {Name: "duration", Numeric: true},
		{Name: "detect", Numeric: true}, {Name: "recover (MTTR)", Numeric: true},
		{Name: "ops failed", Numeric: true}, {Name: "ops retried", Numeric: true},
		{Name: "indeterminate", Numeric: true}, {Name: "throughput drop", Numeric: true},
		{Name: "error"},
	}
}

// FaultRow words fl by FaultColumns: times in seconds (FormatSeconds),
// detect "no errors" and recover "not recovered" when they are −1,
// the throughput drop as a percentage, and "-" for an empty kind, spec
// or error.
func FaultRow(fl *Fault) []string {
	dash := func(s string) string { return orDash(s != "", s) }
	return []string{
		dash(fl.Kind), dash(fl.Spec),
		FormatSeconds(fl.AtS), FormatSeconds(fl.DurationS),
		DetectText(fl.DetectS), RecoverText(fl.RecoverS),
		strconv.FormatInt(fl.OpsFailed, 10), strconv.FormatInt(fl.OpsRetried, 10),
		strconv.FormatInt(fl.Indeterminate, 10), FormatPercent(fl.ThroughputDrop),
		dash(fl.Error),
	}
}

// FormatSeconds formats seconds with three significant digits and no
// trailing zeros: "3s", "0.25s", "1.23s", "124s". NaN and ±Inf print
// as "NaN", "+Inf", "-Inf".
func FormatSeconds(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(RoundSig(v, 3), 'f', -1, 64) + "s"
}

// FormatPercent formats a ratio as a percentage with one decimal:
// 0.625 → "62.5%".
func FormatPercent(v float64) string {
	return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}

// DetectText words Fault.DetectS: "no errors" when negative (no attempt
// errored after the injection), the time otherwise.
func DetectText(s float64) string {
	if s < 0 {
		return "no errors"
	}
	return FormatSeconds(s)
}

// RecoverText words Fault.RecoverS (MTTR): "not recovered" when negative
// (the throughput never got back before the cell ended), the time
// otherwise.
func RecoverText(s float64) string {
	if s < 0 {
		return "not recovered"
	}
	return FormatSeconds(s)
}

// FaultTable is every fault of f, one row per fault in cell order: the
// cell's short name (strategy/backoff/wN, with the driver first when f has
// several, then rN and tN for a rate and a trial) and FaultRow. It is
// empty when no cell has a fault.
func FaultTable(f *File) (cols []Column, rows [][]string) {
	multi := len(drivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		for j := range c.Faults {
			rows = append(rows, append([]string{shortName(c, multi)}, FaultRow(&c.Faults[j])...))
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return append([]Column{{Name: "cell"}}, FaultColumns()...), rows
}

// hasFaults reports whether some cell of f had a fault injected.
func hasFaults(f *File) bool {
	for i := range f.Cells {
		if len(f.Cells[i].Faults) > 0 {
			return true
		}
	}
	return false
}

// WorstRecover is the longest recovery (Fault.RecoverS) of c's faults:
// −1 when one never recovered, and ok false when c had no fault.
func WorstRecover(c *Cell) (s float64, ok bool) {
	for i, fl := range c.Faults {
		r := fl.RecoverS
		if r < 0 {
			return -1, true
		}
		if i == 0 || r > s {
			s = r
		}
	}
	return s, len(c.Faults) > 0
}
