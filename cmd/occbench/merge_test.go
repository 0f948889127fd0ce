package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	a := memRun(t, dir, "a", "--ops-per-writer", "300")
	b := memRun(t, dir, "b", "--ops-per-writer", "300", "--seed", "7")
	other := memRun(t, dir, "other", "--ops-per-writer", "300", "--keys", "10")
	all := filepath.Join(dir, "all.json")
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"ok -o", []string{"merge", a, b, "-o", all}, exitOK, "merged 2 files (1 cells) into " + all},
		{"ok --out first", []string{"merge", "--out", all, "--quiet", a, b}, exitOK, ""},
		{"different scenario", []string{"merge", a, other, "-o", filepath.Join(dir, "x.json")}, exitBadInput,
			"merge: " + other + ": not the same scenario as input 1: keys 10, input 1 has 1000"},
		{"one file", []string{"merge", a, "-o", all}, exitBadInput, "want at least two results files, got 1"},
		{"no output", []string{"merge", a, b}, exitBadInput, "-o/--out: missing"},
		{"unreadable", []string{"merge", a, filepath.Join(dir, "nope.json"), "-o", all}, exitBadInput, "nope.json"},
		{"not json", []string{"merge", a, garbage, "-o", all}, exitBadInput, "garbage.json:1:2"},
		{"unknown flag", []string{"merge", a, b, "-o", all, "--fast"}, exitBadInput, "unknown flag --fast"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runT(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
			if tt.code == exitBadInput && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("bad input must be one line:\n%s", r.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); !os.IsNotExist(err) {
		t.Errorf("a refused merge wrote its output: %v", err)
	}

	m, err := results.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := results.ReadFile(a)
	fb, _ := results.ReadFile(b)
	c := m.Cells[0]
	if c.Ops != fa.Cells[0].Ops+fb.Cells[0].Ops || c.Ops != 1200 || c.Writers != 4 {
		t.Errorf("merged cell: ops %d writers %d", c.Ops, c.Writers)
	}
	// Memory stores live in their processes: the audits add up.
	if !c.Audit.OK || c.Audit.Expected != 1200 || c.Audit.Observed != 1200 {
		t.Errorf("merged audit %+v", c.Audit)
	}
	h, err := results.DecodeHistogram(c.Histograms[results.HistCommitted])
	if err != nil || h.TotalCount() != 1200 {
		t.Errorf("merged histogram: %v, count %d", err, h.TotalCount())
	}
	if len(m.Parts) != 2 {
		t.Errorf("parts %+v", m.Parts)
	}
	// The merged file reports and compares like any other.
	if r := runT(t, "report", all); r.code != exitOK || !strings.Contains(r.stdout, "optimistic") {
		t.Errorf("report of the merged file: exit %d, %s", r.code, r.stderr)
	}
}
