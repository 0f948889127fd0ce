package compare

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/results"
)

func TestRenderJUnit(t *testing.T) {
	t.Parallel()
	out := render(t, report(t), "junit")
	golden.Check(t, golden.Path(t), out)
	var doc results.JUnitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit output does not decode: %v\n%s", err, out)
	}
	if len(doc.Suites) != 2 {
		t.Fatalf("%d suites, want the new file's and the gates'", len(doc.Suites))
	}
	gates := doc.Suites[1]
	// 3 matched cells × 4 gates; 2 unmatched cells.
	if gates.Tests != 14 || len(gates.Cases) != 14 || gates.Skipped != 2 {
		t.Errorf("gate suite: tests %d, cases %d, skipped %d; want 14, 14, 2", gates.Tests, len(gates.Cases), gates.Skipped)
	}
	r := report(t)
	if gates.Failures != len(r.Failed()) {
		t.Errorf("gate suite: %d failures, the report %d", gates.Failures, len(r.Failed()))
	}
	var msgs []string
	for _, c := range gates.Cases {
		if c.Failure != nil {
			msgs = append(msgs, c.Failure.Message)
		}
	}
	for _, f := range r.Failed() {
		if !strings.Contains(strings.Join(msgs, "\n"), f.String()) {
			t.Errorf("no failure with message %q", f.String())
		}
	}
	if doc.Tests != doc.Suites[0].Tests+gates.Tests || doc.Failures != doc.Suites[0].Failures+gates.Failures {
		t.Errorf("testsuites counts %d/%d are not the sums", doc.Tests, doc.Failures)
	}
}

// TestRenderJUnitExempt: a gate on lost updates skips a strategy that
// loses updates by design, and says why.
func TestRenderJUnitExempt(t *testing.T) {
	t.Parallel()
	r := lwwLossGated(t)
	var doc results.JUnitSuites
	if err := xml.Unmarshal(render(t, r, "junit"), &doc); err != nil {
		t.Fatal(err)
	}
	cs := doc.Suites[1].Cases
	if len(cs) != 1 || cs[0].Skipped == nil || cs[0].Skipped.Message != "loss expected for lww" {
		t.Errorf("cases %+v: want one skipped, loss expected for lww", cs)
	}
}

// TestMarkdownLimit: a comparison too large for a step summary keeps
// the cells that failed a gate and the gates' summary.
func TestMarkdownLimit(t *testing.T) {
	t.Parallel()
	var bc, nc []results.Cell
	for w := 1; w <= 2500; w++ {
		v := base()
		bc = append(bc, cellOf("optimistic", "expo", w, 0, v))
		if w == 2400 {
			v.p99 = 50
		}
		nc = append(nc, cellOf("optimistic", "expo", w, 0, v))
	}
	r, err := Compare(fileOf("uniform", bc...), fileOf("uniform", nc...), Options{Gates: gates(t, "p99>+10%")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, "markdown"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if buf.Len() > results.MarkdownLimit {
		t.Errorf("markdown is %d bytes, over %d", buf.Len(), results.MarkdownLimit)
	}
	for _, want := range []string{"| optimistic/expo/w2400 |", "cells not shown (none failed a gate)", "#### Gates", "❌ **1 failed**"} {
		if !strings.Contains(out, want) {
			t.Errorf("truncated markdown lacks %q", want)
		}
	}
	if !strings.Contains(out, "| optimistic/expo/w1 |") {
		t.Error("the first cells should still be shown")
	}
}
