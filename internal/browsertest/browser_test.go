package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/occbench/occbench/plots"
	"github.com/occbench/occbench/results"
)

// browser is a headless Chromium tab and the console messages of its
// pages.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// openBrowser starts Chromium, or skips (fails with
// OCCBENCH_REQUIRE_BROWSER=1) when there is none.
func openBrowser(t *testing.T) *browser {
	t.Helper()
	path, ok := FindChromium()
	if !ok {
		if Required() {
			t.Fatalf("no Chromium binary (looked for $%s and %s on PATH) and %s=1", EnvChromium, strings.Join(chromiumNames, ", "), EnvRequire)
		}
		t.Skipf("no Chromium binary on PATH (set %s=1 to fail instead)", EnvRequire)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
		chromedp.Flag("allow-file-access-from-files", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Run starts the browser; its context must not time out.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	b := &browser{ctx: ctx}
	lctx, stopListening := context.WithCancel(ctx)
	messages := chromedp.Console(lctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() { stopListening(); <-done })
	return b
}

// errors returns the console errors and exceptions so far, and forgets
// every message.
func (b *browser) takeErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
		}
	}
	b.messages = nil
	return out
}

// run runs an action with a timeout.
func run[T any](t *testing.T, b *browser, timeout time.Duration, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves the viewport as a PNG artifact.
func screenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	png := run(t, b, 10*time.Second, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join("..", "..", "ci-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// buildOccbench builds the CLI into dir.
func buildOccbench(t *testing.T, dir string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "occbench")
	cmd := exec.Command(gobin, "build", "-o", bin, "github.com/occbench/occbench/cmd/occbench")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var urlRE = regexp.MustCompile(`live dashboard on (http://\S+)`)

// liveState is what the live page shows.
type liveState struct {
	Cell     string `json:"cell"`
	Second   string `json:"second"`
	Ops      string `json:"ops"`
	Attempts string `json:"attempts"`
	P99      string `json:"p99"`
	Points   int    `json:"points"` // points of the ops sparkline
	Rows     int    `json:"rows"`   // finished cells
	Progress string `json:"progress"`
	Status   string `json:"status"`
}

const readLive = `(() => {
  const t = id => document.getElementById(id).textContent;
  const pts = document.querySelector("#s-ops polyline").getAttribute("points").trim();
  return {cell: t("cell"), second: t("second"), ops: t("v-ops"), attempts: t("v-attempts"), p99: t("v-p99"),
    points: pts === "" ? 0 : pts.split(" ").length, rows: document.querySelectorAll("#finished tbody tr").length,
    progress: t("progress"), status: t("status")};
})()`

// TestPagesInBrowser: the live page of a short memory run renders with no
// console error, its counters change while the run goes on, it lists the
// finished cells and offers the report at the end; the run's report.html
// shows every chart the results file has, with no console error.
func TestPagesInBrowser(t *testing.T) {
	start := time.Now()
	b := openBrowser(t)
	dir := t.TempDir()
	bin := buildOccbench(t, dir)
	t.Logf("%.1fs: browser started, occbench built", time.Since(start).Seconds())
	resultsPath := filepath.Join(dir, "r.json")

	// Two cells of 3 s: the page must show seconds of each.
	cmd := exec.Command(bin, "run", "--driver", "memory", "--writers", "2", "--strategies", "optimistic,lww", "--backoffs", "expo",
		"--warmup", "0s", "--duration", "3s", "--quiet", "--out", resultsPath, "--dashboard", "127.0.0.1:0")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var errText strings.Builder
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var url string
	select {
	case url = <-urlc:
	case err := <-exited:
		t.Fatalf("occbench exited before printing the dashboard's URL: %v\n%s", err, errText.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("no dashboard URL in 20 s:\n%s", errText.String())
	}

	t.Logf("%.1fs: %s", time.Since(start).Seconds(), url)
	run(t, b, 10*time.Second, "open "+url, chromedp.Navigate(url))
	run(t, b, 15*time.Second, "wait for the first second", chromedp.Poll[chromedp.Void](
		`document.getElementById("second").textContent !== "–"`, chromedp.WithPollingInterval(50*time.Millisecond)))
	first := run(t, b, 5*time.Second, "read the live page", chromedp.Evaluate[liveState](readLive))
	if first.Cell == "–" || first.Ops == "–" || first.Points == 0 || first.Status != "live" {
		t.Errorf("live page after the first second: %+v", first)
	}
	screenshot(t, b, "dashboard-live.png")
	// The next second (of this cell or the next) changes the counters.
	run(t, b, 10*time.Second, "wait for the page to update", chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`document.getElementById("second").textContent !== %q || document.getElementById("cell").textContent !== %q`, first.Second, first.Cell),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	second := run(t, b, 5*time.Second, "read the live page", chromedp.Evaluate[liveState](readLive))
	if second == first {
		t.Errorf("the live page did not change: %+v", first)
	}

	// The end: both cells in the table, the report kept in the page.
	run(t, b, 30*time.Second, "wait for the report link", chromedp.Poll[chromedp.Void](
		`document.getElementById("report-link") !== null`, chromedp.WithPollingInterval(100*time.Millisecond)))
	end := run(t, b, 5*time.Second, "read the live page", chromedp.Evaluate[liveState](readLive))
	if end.Rows != 2 || end.Progress != "2 of 2 cells" || end.Status != "run finished" {
		t.Errorf("live page at the end: %+v", end)
	}
	reportHead := run(t, b, 5*time.Second, "read the kept report", chromedp.Evaluate[string](
		`fetch(document.getElementById("report-link").href).then(r => r.text()).then(s => s.slice(0, 200))`, chromedp.EvalAwaitPromise))
	if !strings.Contains(strings.ToLower(reportHead), "<!doctype html") {
		t.Errorf("the page's report link holds %q", reportHead)
	}
	screenshot(t, b, "dashboard-end.png")
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("console errors on the live page:\n%s", strings.Join(errs, "\n"))
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatalf("occbench run: %v\n%s", err, errText.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("occbench run did not exit 10 s after the report was offered")
	}

	t.Logf("%.1fs: occbench run exited", time.Since(start).Seconds())

	// report.html from the results file.
	html, err := exec.Command(bin, "report", resultsPath, "--format", "html").Output()
	if err != nil {
		t.Fatalf("occbench report --format html: %v", err)
	}
	reportPath := filepath.Join(dir, "report.html")
	if err := os.WriteFile(reportPath, html, 0o644); err != nil {
		t.Fatal(err)
	}
	want := chartCount(t, resultsPath)
	t.Logf("%.1fs: report.html written, %d charts", time.Since(start).Seconds(), want)
	run(t, b, 10*time.Second, "open report.html", chromedp.Navigate("file://"+reportPath))
	type charts struct {
		Figures  int `json:"figures"`
		SVGs     int `json:"svgs"`
		Rendered int `json:"rendered"` // SVGs with a size and drawn elements
	}
	screenshot(t, b, "report-html.png")
	// Open every cell's section: each chart must lay out with a size.
	got := run(t, b, 10*time.Second, "count the charts", chromedp.Evaluate[charts](`(() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const svgs = [...document.querySelectorAll("figure > svg")];
  return {figures: document.querySelectorAll("figure").length, svgs: svgs.length,
    rendered: svgs.filter(s => { const r = s.getBoundingClientRect(); return r.width > 100 && r.height > 50 && s.querySelectorAll("path, line, polyline, rect, text").length > 3; }).length};
})()`))
	if got.Figures != want || got.SVGs != want || got.Rendered != want {
		t.Errorf("report.html: %d figures, %d SVG charts, %d rendered; the results file has %d charts", got.Figures, got.SVGs, got.Rendered, want)
	}
	if errs := b.takeErrors(); len(errs) > 0 {
		t.Errorf("console errors on report.html:\n%s", strings.Join(errs, "\n"))
	}
}

// chartCount is the number of charts plots draws for the results file:
// the sweep charts and each charted cell's.
func chartCount(t *testing.T, path string) int {
	t.Helper()
	f, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := plots.NewCharts(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range cs.Sweeps() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	for _, id := range cs.Cells() {
		ps, err := cs.Cell(id)
		if err != nil {
			t.Fatal(err)
		}
		n += len(ps)
	}
	if n == 0 {
		t.Fatal("the results file has no chart")
	}
	return n
}
