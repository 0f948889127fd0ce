package results

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JUnit XML, as CI systems display test results (GitHub test reporters,
// GitLab's junit report, Jenkins): one testsuites document, one
// testsuite per results file, one testcase per cell and check. A check
// that failed has a failure whose message is the check's verdict line;
// an audit without a verdict (store reset, audit unavailable) is an
// error; a skipped cell's checks are skipped.

// JUnitSuites is the document.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one results file (or one comparison).
type JUnitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr,omitempty"`      // seconds
	Timestamp  string           `xml:"timestamp,attr,omitempty"` // RFC 3339, UTC
	Properties *JUnitProperties `xml:"properties,omitempty"`
	Cases      []JUnitCase      `xml:"testcase"`
}

// JUnitProperties are a suite's properties.
type JUnitProperties struct {
	Property []JUnitProperty `xml:"property"`
}

// JUnitProperty is a name and a value of a suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one check of one cell.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`      // "audit", "threshold p99_ms < 20", "gate p99_ms > +10%"
	Classname string        `xml:"classname,attr"` // the cell: "optimistic/expo/w8"
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Error     *JUnitMessage `xml:"error,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure, an error or a reason to skip.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// NewJUnitSuite returns a suite of cases with its counts.
func NewJUnitSuite(name string, cases []JUnitCase) JUnitSuite {
	s := JUnitSuite{Name: name, Tests: len(cases), Cases: cases}
	for _, c := range cases {
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	if s.Cases == nil {
		s.Cases = []JUnitCase{}
	}
	return s
}

// WriteJUnit writes suites as one JUnit XML document named name.
func WriteJUnit(w io.Writer, name string, suites ...JUnitSuite) error {
	doc := JUnitSuites{Name: name, Suites: suites}
	for _, s := range suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("results: junit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("results: junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// JUnitSuiteOf is f's suite: for each cell, an "audit" case and one
// "threshold EXPR" case per threshold checked.
func JUnitSuiteOf(f *File) JUnitSuite {
	multi := len(drivers(f)) > 1
	var cases []JUnitCase
	for i := range f.Cells {
		cases = append(cases, JUnitCellCases(&f.Cells[i], multi)...)
	}
	s := NewJUnitSuite("occbench "+headerOf(f).scenario, cases)
	if !f.StartedAt.IsZero() {
		s.Timestamp = f.StartedAt.UTC().Format("2006-01-02T15:04:05Z")
		if !f.FinishedAt.IsZero() {
			s.Time = seconds(f.FinishedAt.Sub(f.StartedAt).Seconds())
		}
	}
	env := f.Environment
	var props []JUnitProperty
	for _, p := range []JUnitProperty{
		{"driver", env.Driver}, {"server_version", env.ServerVersion}, {"occbench_version", env.Occbench},
		{"go_version", env.GoVersion}, {"os", env.OS}, {"arch", env.Arch}, {"interrupted", strconv.FormatBool(f.Interrupted)},
	} {
		if p.Value != "" {
			props = append(props, p)
		}
	}
	s.Properties = &JUnitProperties{Property: props}
	return s
}

// JUnitCellCases are c's cases: its audit, then each threshold checked.
// The class names the cell (shortName: strategy/backoff/wN, with the
// driver first when multi).
func JUnitCellCases(c *Cell, multi bool) []JUnitCase {
	class := shortName(c, multi)
	audit := JUnitCase{Name: "audit", Classname: class}
	if c.Skipped != "" {
		audit.Skipped = &JUnitMessage{Message: c.Skipped}
		return []JUnitCase{audit}
	}
	audit.Time = seconds(c.DurationS)
	a := c.Audit
	summary := fmt.Sprintf("expected %s, observed %s, versions %s, lost %s, indeterminate %s; %s ops/s, p99 %s ms",
		FormatInt(a.Expected), FormatInt(a.Observed), FormatInt(a.Versions), FormatInt(a.LostUpdates), FormatInt(a.Indeterminate),
		FormatCount(c.ThroughputOpsS), FormatMS(c.LatencyMS.P99))
	switch {
	case NoVerdict(c):
		lines := auditStateLines(c, "strategy "+c.Strategy, func(s string) string { return s })
		audit.Error = &JUnitMessage{Message: AuditText(c), Type: "no-verdict", Text: strings.Join(lines, "\n")}
	case unexpected(c):
		loud, _, _ := auditLines(&File{Cells: []Cell{*c}}, func(s string) string { return s }, func(s string) string { return s })
		audit.Failure = &JUnitMessage{Message: verdictOr(a.Verdict, AuditText(c)), Type: "audit", Text: strings.Join(loud, "\n") + "\n" + summary}
	default:
		audit.SystemOut = verdictOr(a.Verdict, AuditText(c)) + "\n" + summary
	}
	cases := []JUnitCase{audit}
	for _, r := range c.Thresholds {
		tc := JUnitCase{Name: "threshold " + r.Expr, Classname: class}
		line := fmt.Sprintf("%s: %s (got %s)", class, r.Expr, Sig6(r.Value))
		if r.Pass {
			tc.SystemOut = line
		} else {
			tc.Failure = &JUnitMessage{Message: line, Type: "threshold"}
		}
		cases = append(cases, tc)
	}
	return cases
}

// verdictOr is v, or else s.
func verdictOr(v, s string) string {
	if v != "" {
		return v
	}
	return s
}

// seconds formats a duration in seconds as JUnit's time attribute.
func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

// renderJUnit writes f as a JUnit XML document of one suite.
func renderJUnit(w io.Writer, f *File) error {
	return WriteJUnit(w, "occbench", JUnitSuiteOf(f))
}
