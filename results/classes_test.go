package results

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// classesFile is testFile with a fifth cell of two writer classes that
// lost updates as expected, one class writing lww.
func classesFile(t *testing.T) *File {
	t.Helper()
	f := testFile(t)
	enc := f.Cells[0].Histograms[HistCommitted]
	editors := Class{Name: "editors", Writers: 2, Strategy: "optimistic", Backoff: "expo", FieldGroup: 0, ThinkMS: 20,
		Ops: 300, Attempts: 420, Conflicts: 120, GiveUps: map[string]int64{"max-attempts": 2}, CutOff: 1, Errors: map[string]int64{},
		ThroughputOpsS: 30, AttemptsS: 42, ConflictRatio: 0.285714, SuccessRate: 0.993377, Amplification: 1.4,
		RetriesPerOp: Retries{Mean: 0.4, P99: 3, Max: 5}, LatencyMS: Latency{P50: 1.5, P90: 3, P99: 9.25, P999: 12, Max: 14, Mean: 2},
		RecoveryMS: &Recovery{Ops: 80, P50: 2, P90: 4, P99: 7.5, Max: 9, Mean: 2.5},
		Fairness:   &Fairness{Jain: 0.98, MinShare: 0.43, MaxShare: 0.57}, WriterOps: []int64{130, 170},
		Histograms: map[string]string{HistCommitted: enc}}
	importer := Class{Name: "importer", Writers: 6, Strategy: "lww", Backoff: "none", FieldGroup: 1, FieldGroupName: "assets",
		Ops: 5700, Attempts: 5700, GiveUps: map[string]int64{}, Errors: map[string]int64{},
		ThroughputOpsS: 570, AttemptsS: 570, SuccessRate: 1, Amplification: 1,
		LatencyMS:  Latency{P50: 0.5, P90: 0.8, P99: 1.25, P999: 2, Max: 3, Mean: 0.6},
		RecoveryMS: &Recovery{}, Fairness: &Fairness{Jain: 1, MinShare: 1.0 / 6, MaxShare: 1.0 / 6},
		WriterOps: []int64{950, 950, 950, 950, 950, 950}}
	f.Cells = append(f.Cells, Cell{
		Driver: "postgres", Strategy: "optimistic+lww", Backoff: "expo+none", Writers: 8,
		OnConflict: "retry", Scope: "field-group", Keys: 4,
		DurationS: 10, Ops: 6000, Attempts: 6120, Conflicts: 120, GiveUps: map[string]int64{"max-attempts": 2}, CutOff: 1,
		Errors: map[string]int64{}, ThroughputOpsS: 600, AttemptsS: 612, ConflictRatio: 0.019608, SuccessRate: 0.999667, Amplification: 1.02,
		LatencyMS: Latency{P50: 0.6, P90: 1, P99: 5, P999: 10, Max: 14, Mean: 0.7},
		Audit: Audit{Expected: 6000, Observed: 5990, Versions: 5990, LostUpdates: 10, OK: true, LossExpected: true,
			Verdict: "lost 10 of 6000 committed updates, as expected: class importer (lww: unconditional writes overwrite each other)"},
		Histograms: map[string]string{HistCommitted: enc},
		Classes:    []Class{editors, importer},
	})
	return f
}

// TestRenderClasses: text and markdown show a writer-classes table under
// the summary, one row per class, and name the class that loses updates.
func TestRenderClasses(t *testing.T) {
	f := classesFile(t)
	for _, format := range []string{"text", "markdown"} {
		t.Run(format, func(t *testing.T) {
			out := render(t, f, format)
			golden.Check(t, golden.Path(t), out)
			for _, want := range []string{"editors", "importer", "class importer (lww"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("%s report lacks %q", format, want)
				}
			}
		})
	}
	// A file without classes shows no classes table.
	if out := render(t, testFile(t), "text"); bytes.Contains(out, []byte("writer classes")) {
		t.Errorf("a file without classes shows a classes table")
	}
}

// TestClassTable: one row per class, in cell order, with the class's own
// numbers.
func TestClassTable(t *testing.T) {
	cols, rows := ClassTable(classesFile(t))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	at := map[string]int{}
	for i, c := range cols {
		at[c.Name] = i
	}
	for _, tt := range []struct {
		row        int
		col, value string
	}{
		{0, "cell", "optimistic+lww/expo+none/w8/field-group"}, {0, "class", "editors"}, {0, "ops/s", "30"}, {0, "conflict%", "28.6%"},
		{0, "recov p99 ms", "7.50"}, {0, "give-ups", "2"}, {0, "cut-off", "1"}, {0, "jain", "0.980"},
		{1, "class", "importer"}, {1, "strategy", "lww"}, {1, "group", "1 assets"}, {1, "recov p99 ms", "-"}, {1, "p99 ms", "1.25"},
	} {
		if got := rows[tt.row][at[tt.col]]; got != tt.value {
			t.Errorf("row %d %s = %q, want %q", tt.row, tt.col, got, tt.value)
		}
	}
	if cols, rows := ClassTable(testFile(t)); cols != nil || rows != nil {
		t.Errorf("a file without classes: %v, %v", cols, rows)
	}
}

// TestClassesRoundTrip: classes survive the JSON round trip; a cell
// without classes has no "classes" key.
func TestClassesRoundTrip(t *testing.T) {
	f := classesFile(t)
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf, "classes.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Cells[4].Classes, f.Cells[4].Classes; !reflect.DeepEqual(got, want) {
		t.Errorf("classes after the round trip:\n%+v\nwant\n%+v", got, want)
	}
	buf.Reset()
	if err := Encode(&buf, testFile(t)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"classes"`) {
		t.Errorf("a file without classes has a classes key")
	}
}

// TestCellLossReason: a cell of classes gives its audit's account of
// the class that overwrites; any other cell its strategy's reason.
func TestCellLossReason(t *testing.T) {
	f := classesFile(t)
	if got := CellLossReason(&f.Cells[4]); got != "class importer (lww: unconditional writes overwrite each other)" {
		t.Errorf("classes: %q", got)
	}
	if got := CellLossReason(&f.Cells[1]); got != LossReason(f.Cells[1].Strategy) {
		t.Errorf("lww: %q", got)
	}
}

// TestClassesJSONL: the cell object carries its classes without their
// histograms, and the file's cell keeps them.
func TestClassesJSONL(t *testing.T) {
	f := classesFile(t)
	line, err := CellLine(&f.Cells[4])
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Classes []map[string]any `json:"classes"`
	}
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Classes) != 2 || got.Classes[0]["name"] != "editors" {
		t.Fatalf("classes %v", got.Classes)
	}
	for _, k := range got.Classes {
		if _, ok := k["histograms"]; ok {
			t.Errorf("class %v has histograms in JSONL", k["name"])
		}
	}
	if f.Cells[4].Classes[0].Histograms == nil {
		t.Errorf("CellLine changed the file's cell")
	}
}
