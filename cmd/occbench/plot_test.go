package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// TestPlotLayout: occbench plot writes one folder per kind of chart and
// a report.html readable by all (0644); 1 s cells get no time-series
// folder.
func TestPlotLayout(t *testing.T) {
	t.Parallel()
	f, err := results.ReadFile(filepath.Join("..", "..", "report", "testdata", "quickstart-48.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Two strategies × two backoffs at two writer counts: 8 cells.
	var keep []results.Cell
	for _, c := range f.Cells {
		if (c.Strategy == "optimistic" || c.Strategy == "lease") && (c.Backoff == "none" || c.Backoff == "expo") && c.Writers <= 4 {
			keep = append(keep, c)
		}
	}
	f.Cells = keep
	dir := t.TempDir()
	in := filepath.Join(dir, "q.json")
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plots")
	var stdout, stderr bytes.Buffer
	if err := plotCmd([]string{in, "--out", out, "--formats", "svg"}, &stdout, &stderr); err != nil {
		t.Fatalf("plot: %v\n%s", err, stderr.String())
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"attempts", "latency", "report.html", "spectrum", "throughput"}; !slices.Equal(names, want) {
		t.Errorf("plot wrote %q, want %q", names, want)
	}
	for _, d := range []string{"throughput", "latency", "spectrum", "attempts"} {
		files, _ := filepath.Glob(filepath.Join(out, d, "*.svg"))
		if len(files) == 0 {
			t.Errorf("%s/ has no chart", d)
		}
	}
	info, err := os.Stat(filepath.Join(out, "report.html"))
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("report.html: %v, mode %v: want 0644", err, info.Mode().Perm())
	}
	if s := stdout.String(); !strings.Contains(s, "throughput/ ") || !strings.Contains(s, "spectrum/ ") || !strings.Contains(s, "report.html") {
		t.Errorf("plot says %q: want the count per folder", s)
	}
}
