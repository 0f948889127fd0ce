package results

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// decodeJUnit decodes a JUnit document back, failing the test if it is
// not well-formed XML of that shape.
func decodeJUnit(t *testing.T, b []byte) JUnitSuites {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(xml.Header)) {
		t.Errorf("no XML header:\n%s", b)
	}
	var doc JUnitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JUnit output does not decode: %v\n%s", err, b)
	}
	return doc
}

func TestRenderJUnit(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Cells[0].Thresholds = []ThresholdResult{
		{Expr: "p99_ms < 20", Metric: "p99_ms", Value: 7.891, Pass: true},
		{Expr: "optimistic: success_rate >= 0.9999", Metric: "success_rate", Value: 0.99951, Pass: false},
	}
	out := render(t, f, "junit")
	golden.Check(t, golden.Path(t), out)
	doc := decodeJUnit(t, out)
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites, want one per file", len(doc.Suites))
	}
	s := doc.Suites[0]
	// 4 audits (one skipped) + 2 thresholds; pessimistic lost updates
	// and one threshold failed.
	if s.Name != "occbench quickstart" || s.Tests != 6 || s.Failures != 2 || s.Errors != 0 || s.Skipped != 1 || len(s.Cases) != 6 {
		t.Errorf("suite %q: tests %d failures %d errors %d skipped %d cases %d; want 6, 2, 0, 1, 6",
			s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases))
	}
	if doc.Tests != s.Tests || doc.Failures != s.Failures || doc.Skipped != s.Skipped {
		t.Errorf("testsuites counts %d/%d/%d differ from the suite's", doc.Tests, doc.Failures, doc.Skipped)
	}
	byName := map[string]JUnitCase{}
	for _, c := range s.Cases {
		byName[c.Classname+" "+c.Name] = c
	}
	for key, want := range map[string]string{
		"optimistic/full-jitter/w8 audit":                                        "pass",
		"optimistic/full-jitter/w8 threshold p99_ms < 20":                        "pass",
		"optimistic/full-jitter/w8 threshold optimistic: success_rate >= 0.9999": "failure",
		"lww/none/w8 audit":         "pass",
		"pessimistic/expo/w8 audit": "failure",
		"lease/expo/w8 audit":       "skipped",
	} {
		c, ok := byName[key]
		if !ok {
			t.Errorf("no case %q", key)
			continue
		}
		got := "pass"
		switch {
		case c.Failure != nil:
			got = "failure"
		case c.Error != nil:
			got = "error"
		case c.Skipped != nil:
			got = "skipped"
		}
		if got != want {
			t.Errorf("case %q: %s, want %s", key, got, want)
		}
	}
	fail := byName["pessimistic/expo/w8 audit"].Failure
	if fail == nil || fail.Message != "5 committed updates missing" || !strings.Contains(fail.Text, "UNEXPECTED LOST UPDATES") {
		t.Errorf("audit failure %+v: want the verdict line as message and the loud line in the text", fail)
	}
}

// TestRenderJUnitNoVerdict: an audit without a verdict is an error, not
// a pass nor a lost update.
func TestRenderJUnitNoVerdict(t *testing.T) {
	t.Parallel()
	f, err := ReadFile("testdata/faults.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJUnit(t, render(t, f, "junit"))
	s := doc.Suites[0]
	if s.Errors != 2 || s.Failures != 0 {
		t.Errorf("errors %d failures %d, want 2 audits without a verdict and no failure", s.Errors, s.Failures)
	}
	for _, c := range s.Cases {
		if c.Error != nil && !strings.HasPrefix(c.Error.Message, "STORE RESET") && !strings.HasPrefix(c.Error.Message, "AUDIT UNAVAILABLE") {
			t.Errorf("case %s: error message %q", c.Classname, c.Error.Message)
		}
	}
}

// TestJUnitEscapes: control characters and markup in verdicts stay
// well-formed XML.
func TestJUnitEscapes(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Cells[2].Audit.Verdict = "lost <5> & \"quoted\" \x01 ]]>"
	f.Cells[3].Skipped = "no <leases>\x00"
	doc := decodeJUnit(t, render(t, f, "junit"))
	if len(doc.Suites[0].Cases) != 4 {
		t.Errorf("%d cases, want 4", len(doc.Suites[0].Cases))
	}
}
