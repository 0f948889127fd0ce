package results

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// hybridFile is testFile with its first cell turned into a hybrid cell
// that escalated, and a second hybrid cell that never did.
func hybridFile(t testing.TB) *File {
	f := testFile(t)
	c := &f.Cells[0]
	c.Strategy = HybridStrategy
	c.Hybrid = &Hybrid{Escalations: 14, TimeEscalatedS: 6.25,
		EscalatedLatencyMS: OpLatency{Ops: 8000, P50: 2.5, P90: 4, P99: 9.75, Max: 30, Mean: 2.8},
		PlainLatencyMS:     OpLatency{Ops: 4345, P50: 0.9, P90: 1.5, P99: 5.5, Max: 40.1, Mean: 1.1}}
	calm := *c
	calm.Backoff = "none"
	calm.Hybrid = &Hybrid{PlainLatencyMS: OpLatency{Ops: 12345, P50: 1, P90: 2, P99: 3, Max: 4, Mean: 1.2}}
	f.Cells = append(f.Cells, calm)
	return f
}

func TestRenderHybrid(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "markdown", "csv"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			out := render(t, hybridFile(t), format)
			golden.Check(t, golden.Path(t), out)
		})
	}
	// A file without a hybrid cell has neither the section nor the
	// columns.
	for _, format := range []string{"text", "markdown", "csv"} {
		if out := render(t, testFile(t), format); bytes.Contains(bytes.ToLower(out), []byte("hybrid")) || bytes.Contains(out, []byte("escalat")) {
			t.Errorf("%s: a file without hybrid cells mentions them", format)
		}
	}
}

func TestHybridTable(t *testing.T) {
	t.Parallel()
	cols, rows := HybridTable(hybridFile(t))
	if len(cols) != 8 || len(rows) != 2 {
		t.Fatalf("%d columns, %d rows; want 8, 2", len(cols), len(rows))
	}
	want := [][]string{
		{"hybrid/full-jitter/w8", "14", "6.25", "64.8%", "2.50", "9.75", "0.900", "5.50"},
		{"hybrid/none/w8", "0", "0.00", "0.0%", "-", "-", "1.00", "3.00"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
	if cols, rows := HybridTable(testFile(t)); cols != nil || rows != nil {
		t.Errorf("a file without hybrid cells: %v, %v", cols, rows)
	}
}

func TestHybridText(t *testing.T) {
	t.Parallel()
	f := hybridFile(t)
	for i, want := range []string{
		"14 escalations, 6.25 s escalated; 8000 ops under the lock (p50 2.50, p99 9.75 ms), 4345 conditional (p50 0.900, p99 5.50 ms)",
		"-",
	} {
		if got := HybridText(&f.Cells[i]); got != want {
			t.Errorf("cell %d: %q, want %q", i, got, want)
		}
	}
	if s := EscalatedShare(&f.Cells[0]); s < 0.648 || s > 0.649 {
		t.Errorf("escalated share %v, want 8000/12345", s)
	}
}

// TestHybridRoundTrip: the hybrid results survive the results file and
// the JSONL cell line.
func TestHybridRoundTrip(t *testing.T) {
	t.Parallel()
	f := hybridFile(t)
	path := filepath.Join(t.TempDir(), "run.json")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Cells[0].Hybrid, f.Cells[0].Hybrid) || got.Cells[1].Hybrid != nil {
		t.Errorf("round trip: %+v, %+v", got.Cells[0].Hybrid, got.Cells[1].Hybrid)
	}
	line, err := CellLine(&f.Cells[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(line), `"hybrid":{"escalations":14,"time_escalated_s":6.25,"escalated_latency_ms":{"ops":8000,`) {
		t.Errorf("cell line lacks the hybrid results: %s", line)
	}
}
