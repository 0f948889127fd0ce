package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// maxQuickstartHTML is the most bytes the HTML report of the 48-cell
// quickstart may take.
const maxQuickstartHTML = 500 << 10

// TestQuickstartHTMLFile: the report of a real 48-cell quickstart run
// (occbench run, sqlite, 1 s cells; testdata/quickstart-48.json) is
// written 0644 and stays under 500 KB: its charts share one style sheet,
// each rule written once; its footer links docs/METRICS.md inside the
// repository, and nothing outside.
func TestQuickstartHTMLFile(t *testing.T) {
	t.Parallel()
	f, err := results.ReadFile(filepath.Join("testdata", "quickstart-48.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cells) != 48 {
		t.Fatalf("fixture has %d cells, want 48", len(f.Cells))
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := WriteHTMLFile(path, f); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("report.html mode %v, want 0644", info.Mode().Perm())
	}
	t.Logf("report.html: %d bytes", info.Size())
	if info.Size() > maxQuickstartHTML {
		t.Errorf("report.html of the 48-cell quickstart: %d bytes, more than %d", info.Size(), maxQuickstartHTML)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	// Shared styles: no style attribute, each class defined once.
	if strings.Contains(page, ` style="`) {
		t.Error("an element has a style attribute of its own")
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\.(s\d+)\{`).FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Errorf("style rule .%s written twice", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) == 0 {
		t.Error("no shared style rules")
	}
	for _, m := range regexp.MustCompile(`class="(s\d+)"`).FindAllStringSubmatch(page, -1) {
		if !seen[m[1]] {
			t.Errorf("class %s has no rule", m[1])
			break
		}
	}
	// Self-contained, and linking only inside the page or the repository.
	for _, m := range regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		link := m[1]
		switch {
		case strings.HasPrefix(link, "#"), link == "docs/METRICS.md":
		default:
			t.Errorf("link %q: want an anchor in the page or docs/METRICS.md", link)
		}
	}
	footer := page[strings.Index(page, "<footer>"):]
	if !strings.Contains(footer, `<a href="docs/METRICS.md">`) {
		t.Errorf("footer does not link docs/METRICS.md: %.300s", footer)
	}
	if _, err := os.Stat(filepath.Join("..", "docs", "METRICS.md")); err != nil {
		t.Errorf("the footer's link has no file in the repository: %v", err)
	}
	// 1 s cells: no time-series charts, and every charted cell says why.
	if strings.Contains(page, `id="chart-timeseries-`) {
		t.Error("a 1 s cell has a time-series chart")
	}
	if n := strings.Count(page, "No time-series chart: the cell measured 1 s,"); n != 48 {
		t.Errorf("%d sections say why they have no time series, want 48", n)
	}
	// Failure leaves the earlier page whole and no temporary file.
	if err := WriteHTMLFile(path, nil); err == nil {
		t.Error("WriteHTMLFile(nil file): no error")
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, b) {
		t.Errorf("a failed write changed the earlier page (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".report-*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}
