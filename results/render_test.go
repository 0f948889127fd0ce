package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

func render(t *testing.T, f *File, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, f, format); err != nil {
		t.Fatalf("Render(%q): %v", format, err)
	}
	// Deterministic: a second rendering (new map iteration order) matches.
	var again bytes.Buffer
	if err := Render(&again, f, format); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatalf("Render(%q) is not deterministic", format)
	}
	return buf.Bytes()
}

func TestRenderText(t *testing.T) {
	out := render(t, testFile(t), "text")
	golden.Check(t, golden.Path(t), out)
	for _, want := range []string{
		"UNEXPECTED LOST UPDATES: strategy pessimistic (backoff expo, writers 8) lost 5 of 1,000 committed updates",
		"lww (backoff none, writers 8) lost 123 of 20,200 updates as expected: unconditional writes",
		"LOST 5 !!", "LOST 123 (expected: lww)", "skipped: driver postgres: no Leaser capability",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("text report lacks %q", want)
		}
	}
	if bytes.Contains(out, []byte("UNEXPECTED LOST UPDATES: strategy lww")) {
		t.Error("text report calls the expected lww loss unexpected")
	}
	if bytes.Contains(out, []byte("strategy lease (")) {
		t.Error("text report audits the skipped cell")
	}
}

func TestRenderMarkdown(t *testing.T) {
	golden.Check(t, golden.Path(t), render(t, testFile(t), "markdown"))
}

func TestRenderCSV(t *testing.T) {
	golden.Check(t, golden.Path(t), render(t, testFile(t), "csv"))
}

// TestRenderTextOptionalColumns covers a multi-driver, open-loop run with
// trials: the driver, rate and trial columns appear, and a clean audit
// says so.
func TestRenderTextOptionalColumns(t *testing.T) {
	f := testFile(t)
	f.Cells = f.Cells[:1]
	f.Interrupted = true
	f.Environment.Driver = ""
	f.Environment.ServerVersion = ""
	c := f.Cells[0]
	c.Driver, c.Rate, c.Trial = "sqlite", 500, 2
	c.Interrupted = true
	f.Cells = append(f.Cells, c)
	golden.Check(t, golden.Path(t), render(t, f, "text"))
}

func TestRenderJSON(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	out := render(t, f, "json")
	var enc bytes.Buffer
	if err := Encode(&enc, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, enc.Bytes()) {
		t.Error("Render json differs from Encode")
	}
	var back File
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, f) {
		t.Error("json rendering does not decode to the same file")
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Render(&buf, testFile(t), "html")
	want := `--format: unknown format "html" (allowed: text, markdown, csv, json, jsonl, junit)`
	if err == nil || err.Error() != want {
		t.Errorf("Render(html) error = %v, want %s", err, want)
	}
	if err := Render(&buf, nil, "text"); err == nil {
		t.Error("Render(nil file) succeeded")
	}
	if buf.Len() != 0 {
		t.Errorf("failed Render wrote %q", buf.String())
	}
}

type failWriter struct{ n int } // fails after n successful writes

var errWrite = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errWrite
	}
	w.n--
	return len(p), nil
}

// countWriter counts Write calls.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n++; return len(p), nil }

// TestRenderWriteError fails each write of each format in turn: Render
// must report it, never swallow it.
func TestRenderWriteError(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	for _, format := range Formats() {
		var cw countWriter
		if err := Render(&cw, f, format); err != nil {
			t.Fatal(err)
		}
		if cw.n == 0 {
			t.Fatalf("Render(%s) wrote nothing", format)
		}
		for n := range cw.n {
			if err := Render(&failWriter{n: n}, f, format); !errors.Is(err, errWrite) {
				t.Errorf("Render(%s) failing write %d of %d: error = %v, want %v", format, n+1, cw.n, err, errWrite)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	got := Formats()
	want := []string{"text", "markdown", "csv", "json", "jsonl", "junit"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if Formats()[0] != "text" {
		t.Error("Formats returns shared state")
	}
}

func TestSig3(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1.00"},
		{1.2345, "1.23"},
		{0.012345, "0.0123"},
		{9.9996, "10.0"},
		{99.96, "100"},
		{123.4, "123"},
		{1234.5, "1230"},
		{98765, "98800"},
		{-1.5, "-1.50"},
		{0.0005, "0.000500"},
	}
	for _, tt := range tests {
		if got := Sig3(tt.in); got != tt.want {
			t.Errorf("Sig3(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAuditText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cell Cell
		want string
	}{
		{"ok", Cell{Strategy: "optimistic", Audit: Audit{OK: true}}, "ok"},
		{"ok indeterminate", Cell{Strategy: "optimistic", Audit: Audit{OK: true, Indeterminate: 2}}, "ok, 2 indeterminate"},
		{"expected", Cell{Strategy: "lww", Audit: Audit{OK: true, LossExpected: true, LostUpdates: 7}}, "LOST 7 (expected: lww)"},
		{"expected no loss", Cell{Strategy: "lww", Audit: Audit{OK: true, LossExpected: true}}, "ok"},
		{"unexpected", Cell{Strategy: "optimistic", Audit: Audit{LostUpdates: 5}}, "LOST 5 !!"},
		{"overcount", Cell{Strategy: "optimistic", Audit: Audit{LostUpdates: -2}}, "EXTRA 2 !! (harness bug)"},
		{"failed", Cell{Strategy: "optimistic"}, "FAILED !!"},
		{"interrupted", Cell{Strategy: "optimistic", Interrupted: true, Audit: Audit{OK: true}}, "ok, interrupted"},
		{"skipped", Cell{Strategy: "lease", Skipped: "no leases"}, "skipped: no leases"},
	}
	for _, tt := range tests {
		if got := AuditText(&tt.cell); got != tt.want {
			t.Errorf("%s: AuditText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func BenchmarkRenderText(b *testing.B) {
	f := testFile(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, f, "text"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderCSV(b *testing.B) {
	f := testFile(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, f, "csv"); err != nil {
			b.Fatal(err)
		}
	}
}

// cutOffFile has a cell written with cut_off and one read from a file
// written before cut_off existed, which counted its cut-offs as
// give_ups["interrupted"]: both render the same way.
func cutOffFile(t *testing.T) *File {
	t.Helper()
	legacy := `{"driver":"memory","strategy":"optimistic","backoff":"expo","writers":50,"on_conflict":"retry","scope":"document","keys":1,
		"duration_s":10,"ops":900,"attempts":2000,"conflicts":1100,"give_ups":{"budget":100,"interrupted":49},"errors":{},
		"throughput_ops_s":90,"attempts_s":200,"conflict_ratio":0.55,"success_rate":0.9,"amplification":2.2222,
		"audit":{"expected":900,"observed":900,"versions":900,"ok":true,"verdict":"ok"}}`
	var old Cell
	if err := json.Unmarshal([]byte(legacy), &old); err != nil {
		t.Fatal(err)
	}
	cur := old
	cur.GiveUps = map[string]int64{"budget": 100}
	cur.CutOff = 49
	cur.Trial = 2
	old.Trial = 1
	return &File{Schema: Schema, Scenario: Scenario{"name": "cutoff"}, Environment: Environment{Driver: "memory"}, Cells: []Cell{old, cur}}
}

// TestRenderCutOff: cut-offs have their own column, after give-ups, in
// every report; a legacy give_ups["interrupted"] is shown there and not
// among the give-ups.
func TestRenderCutOff(t *testing.T) {
	f := cutOffFile(t)
	for _, format := range []string{"text", "markdown", "csv"} {
		t.Run(format, func(t *testing.T) {
			out := render(t, f, format)
			golden.Check(t, golden.Path(t), out)
			if bytes.Contains(out, []byte("give_ups.interrupted")) {
				t.Errorf("%s report counts the legacy reason as a give-up", format)
			}
		})
	}
	cols, rows := SummaryTable(f)
	at := map[string]int{}
	for i, c := range cols {
		at[c.Name] = i
	}
	for i, row := range rows {
		if row[at["give-ups"]] != "100" || row[at["cut-off"]] != "49" {
			t.Errorf("cell %d: give-ups %s, cut-off %s; want 100 and 49", i, row[at["give-ups"]], row[at["cut-off"]])
		}
	}
	if at["cut-off"] != at["give-ups"]+1 {
		t.Errorf("columns %v: cut-off must follow give-ups", cols)
	}
	if g, c := GaveUp(&f.Cells[0]), CutOffOf(&f.Cells[0]); g != 100 || c != 49 {
		t.Errorf("legacy cell: GaveUp %d, CutOffOf %d; want 100, 49", g, c)
	}
}
