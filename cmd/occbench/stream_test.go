package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/record"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// seconds decodes the "second" lines of out: cell name and t_s of each.
func seconds(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var l results.SecondLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if l.Type != results.JSONLSecond {
			t.Errorf("type %q, want second", l.Type)
		}
		got = append(got, l.Cell+"@"+results.Sig3(l.T)+":"+results.FormatInt(l.Ops))
	}
	return got
}

// TestSecondStream: each second is written once, a second after it
// ended, from the live series on the injected clock; what is left when
// the cell ends comes from its final time series.
func TestSecondStream(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var out bytes.Buffer
	s := newSecondStream(&out, clk, "memory", 0, 3)
	series := &record.Series{}
	rec := record.New(series)
	live := &runner.Live{Series: series, Start: clk.Now(), Length: 3 * time.Second}
	spec := runner.Spec{Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 2}
	s.CellStarted(spec, 0, 1, live)

	commit := func(at time.Duration, n int) {
		for range n {
			rec.Commit(at, time.Millisecond, 1, 0, time.Millisecond)
		}
		rec.Flush()
	}
	commit(500*time.Millisecond, 10)
	clk.Advance(time.Second) // 1 s: second 1 may still grow
	if out.Len() != 0 {
		t.Fatalf("wrote %q before the second was a second old", out.String())
	}
	commit(1500*time.Millisecond, 20)
	clk.Advance(time.Second) // 2 s: second 1 is written
	if got, want := seconds(t, out.String()), []string{"optimistic/expo/w4/t2@1.00:10"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after 2 s: %q, want %q", got, want)
	}
	commit(2500*time.Millisecond, 30)
	clk.Advance(time.Second) // 3 s: second 2
	clk.Advance(500 * time.Millisecond)

	// The final series says second 2 had 21 ops (a late flush): the
	// stream keeps what it wrote and adds the seconds it had not.
	cell := results.Cell{Driver: "memory", Strategy: "optimistic", Backoff: "expo", Writers: 4, Trial: 2,
		Timeseries: []results.Point{{T: 1, Ops: 10}, {T: 2, Ops: 21}, {T: 3, Ops: 30}}}
	s.CellFinished(spec, &cell)
	clk.Advance(5 * time.Second) // no timer left
	want := []string{"optimistic/expo/w4/t2@1.00:10", "optimistic/expo/w4/t2@2.00:20", "optimistic/expo/w4/t2@3.00:30"}
	if got := seconds(t, out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stream %q, want %q", got, want)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// TestSecondStreamShortCell: a cell that ends before its first tick is
// written whole from its time series; a new cell stops the last one.
func TestSecondStreamShortCell(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var out bytes.Buffer
	s := newSecondStream(&out, clk, "memory", 500, 1)
	a := runner.Spec{Strategy: "lease", Backoff: "none", Writers: 1, Trial: 1}
	b := runner.Spec{Strategy: "lww", Backoff: "none", Writers: 1, Trial: 1}
	s.CellStarted(a, 0, 2, &runner.Live{Series: &record.Series{}, Start: clk.Now()})
	s.CellStarted(b, 1, 2, &runner.Live{Series: &record.Series{}, Start: clk.Now()}) // a never finished
	clk.Advance(10 * time.Second)
	cell := results.Cell{Driver: "memory", Strategy: "lww", Backoff: "none", Writers: 1, Rate: 500,
		Timeseries: []results.Point{{T: 1, Ops: 500}, {T: 2, Ops: 499}}}
	s.CellFinished(b, &cell)
	// The live series of b was empty: nothing went out while it ran.
	want := []string{"lww/none/w1/r500@1.00:500", "lww/none/w1/r500@2.00:499"}
	if got := seconds(t, out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stream %q, want %q", got, want)
	}
}

// TestSecondStreamWriteError: the first write error stops the stream
// and Close returns it.
func TestSecondStreamWriteError(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w := &failAfter{n: 1}
	s := newSecondStream(w, clk, "memory", 0, 1)
	spec := runner.Spec{Strategy: "lww", Backoff: "none", Writers: 1, Trial: 1}
	s.CellStarted(spec, 0, 1, &runner.Live{Series: &record.Series{}, Start: clk.Now()})
	cell := results.Cell{Strategy: "lww", Backoff: "none", Writers: 1, Timeseries: []results.Point{{T: 1}, {T: 2}, {T: 3}}}
	s.CellFinished(spec, &cell)
	if err := s.Close(); err == nil {
		t.Error("Close: no error after a failed write")
	}
	if w.writes != 2 {
		t.Errorf("%d writes, want 2 (one that worked, one that failed, then none)", w.writes)
	}
}

type failAfter struct{ n, writes int }

func (w *failAfter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.n {
		return 0, errStream
	}
	return len(p), nil
}

var errStream = errorString("broken pipe")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestLeadingComment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"# How many writers?\nname: x\n":           "How many writers?",
		"\n\n#   Spaced   out?  \n# second line\n": "Spaced out?",
		"---\n## Two hashes?\n":                    "Two hashes?",
		"name: x\n# later comment\n":               "",
		"":                                         "",
		"#\nname: x":                               "",
	} {
		if got := leadingComment([]byte(in)); got != want {
			t.Errorf("leadingComment(%q) = %q, want %q", in, got, want)
		}
	}
	long := "# " + strings.Repeat("é", 400)
	if got := leadingComment([]byte(long)); len(got) > maxQuestion+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("long question: %d bytes", len(got))
	}
	if q := builtinQuestion("quickstart"); !strings.HasSuffix(q, "?") {
		t.Errorf("quickstart question %q", q)
	}
}

func FuzzLeadingComment(f *testing.F) {
	f.Add([]byte("# How many writers?\nname: x\n"))
	f.Add([]byte("\n#\xff\xfe?\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		q := leadingComment(b)
		if strings.Contains(q, "\n") || len(q) > maxQuestion+len("…") {
			t.Errorf("leadingComment = %q", q)
		}
	})
}

// TestRunAndReportFormats: run --format jsonl streams seconds, then a
// cell object per cell and the run object; report --format junit and
// compare --format junit decode as JUnit XML; the text report ends with
// the verdict and the commands to run next on the file.
func TestRunAndReportFormats(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "j.json")
	r := runT(t, "run", "--driver", "memory", "--strategies", "optimistic,pessimistic", "--backoff", "none", "--writers", "2",
		"--ops-per-writer", "500", "--duration", "0s", "--warmup", "0s", "--quiet", "--out", out, "--format", "jsonl")
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var obj struct {
			Type        string `json:"type"`
			ResultsFile string `json:"results_file"`
			Question    string `json:"question"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if n := len(types); n == 0 || types[n-1] != obj.Type {
			types = append(types, obj.Type)
		}
		if obj.Type == results.JSONLRun && (obj.ResultsFile != out || obj.Question == "") {
			t.Errorf("run object: results_file %q question %q", obj.ResultsFile, obj.Question)
		}
	}
	if got := strings.Join(types, " "); got != "second cell run" {
		t.Errorf("object types in order %q, want \"second cell run\"", got)
	}

	r = runT(t, "report", out)
	for _, want := range []string{"question ", "verdict (", "2 writers: goodput ", "occbench report " + out + " --format html > report.html", "occbench plot " + out} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, args := range [][]string{{"report", out, "--format", "junit"}, {"compare", out, out, "--format", "junit", "--fail-on", "p99>+10%"}} {
		r := runT(t, args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		var doc results.JUnitSuites
		if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, r.stdout)
		}
		if doc.Tests == 0 || doc.Failures != 0 {
			t.Errorf("%v: %d tests, %d failures", args, doc.Tests, doc.Failures)
		}
	}
}
