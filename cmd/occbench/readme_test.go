package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/scenarios"
)

// TestReadmeFlagDefaults keeps the README's run-flag table honest: its
// "bare run" column must be what a bare `occbench run` uses (the built-in
// quickstart after defaults), flag by flag.
func TestReadmeFlagDefaults(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := scenarios.Load("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	m := qs.ToMap(nil)
	flagRE := regexp.MustCompile("`--([a-z-]+)")
	checked := 0
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) < 4 {
			continue
		}
		flags := flagRE.FindAllStringSubmatch(cols[1], -1)
		bare := strings.TrimSpace(cols[2])
		values := strings.Split(bare, ", ")
		if bare == "" || len(values) != len(flags) {
			continue
		}
		for i, f := range flags {
			field := scenarios.FieldOf(f[1])
			if field == "" {
				continue
			}
			want := valueText(field, m[field])
			if !sameValue(values[i], want) {
				t.Errorf("README: --%s: bare run %q, but a bare run uses %q", f[1], values[i], want)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d flags: has the README table moved?", checked)
	}
}

// sameValue compares a README cell with a flag value: "0 (unlimited)"
// and "off" are words for zero, durations and numbers compare by value.
func sameValue(readme, want string) bool {
	readme = strings.TrimSpace(readme)
	if i := strings.Index(readme, " ("); i > 0 {
		readme = readme[:i]
	}
	readme = strings.Trim(readme, "`")
	switch {
	case readme == want:
		return true
	case readme == "off" || readme == "the data store":
		return want == "" || want == "0" || want == "0s"
	}
	if a, err := time.ParseDuration(readme); err == nil {
		if b, err := time.ParseDuration(want); err == nil {
			return a == b
		}
		return a == 0 && (want == "0" || want == "")
	}
	if a, err := strconv.ParseFloat(readme, 64); err == nil {
		if b, err := strconv.ParseFloat(want, 64); err == nil {
			return a == b
		}
		if d, err := time.ParseDuration(want); err == nil {
			return a == 0 && d == 0
		}
	}
	return false
}

// TestDocsStayInTheRepository: users get the repository, nothing beside
// it, so no document may link outside it, and every relative link must
// name a file that exists.
func TestDocsStayInTheRepository(t *testing.T) {
	files, _ := filepath.Glob("../../*.md")
	more, _ := filepath.Glob("../../docs/*.md")
	bench, _ := filepath.Glob("../../bench/*.md")
	files = append(append(files, more...), bench...)
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	parentPath := regexp.MustCompile(`(?:\.\./)+[\w.-]+(?:/[\w.-]+)*`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			// Markdown links, and relative paths named in the text.
			targets := link.FindAllStringSubmatch(line, -1)
			for _, m := range parentPath.FindAllStringSubmatch(line, -1) {
				targets = append(targets, []string{m[0], m[0]})
			}
			for _, m := range targets {
				target, _, _ := strings.Cut(m[1], "#")
				if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				abs, err := filepath.Abs(filepath.Join(filepath.Dir(f), target))
				if err != nil {
					t.Fatal(err)
				}
				if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s:%d links outside the repository: %s", f, i+1, m[1])
					continue
				}
				if _, err := os.Stat(abs); err != nil {
					t.Errorf("%s:%d links to a missing file: %s", f, i+1, m[1])
				}
			}
		}
	}
}
