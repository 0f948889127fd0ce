package results

import (
	"math"
	"slices"
	"testing"
)

func TestFormatCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{41234.5, "41,200"},
		{1_234_567, "1,230,000"},
		{812.4, "812"},
		{100, "100"},
		{99.96, "100"},
		{12.345, "12.3"},
		{2.5, "2.5"},
		{0, "0"},
		{-1234, "-1,230"},
		{-41234, "-41,200"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	} {
		if got := FormatCount(tt.in); got != tt.want {
			t.Errorf("FormatCount(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatMS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{71.24, "71.2"},
		{1234, "1,234"},
		{1234567.4, "1,234,567"},
		{100, "100"},
		{99.96, "100"},
		{9.996, "10.0"},
		{0.8, "0.800"},
		{0.5123, "0.512"},
		{0.0123, "0.0123"},
		{2.314, "2.31"},
		{3, "3.00"},
		{0, "0"},
		{-71.24, "-71.2"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	} {
		if got := FormatMS(tt.in); got != tt.want {
			t.Errorf("FormatMS(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRoundSig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		n    int
		want float64
	}{
		{41234.5, 3, 41200},
		{0.012345, 2, 0.012},
		{-1234, 3, -1230},
		{9.996, 3, 10},
		{0, 3, 0},
		{math.Inf(1), 3, math.Inf(1)},
	} {
		if got := RoundSig(tt.in, tt.n); got != tt.want {
			t.Errorf("RoundSig(%v, %d) = %v, want %v", tt.in, tt.n, got, tt.want)
		}
	}
	if got := RoundSig(math.NaN(), 3); !math.IsNaN(got) {
		t.Errorf("RoundSig(NaN, 3) = %v, want NaN", got)
	}
}

func TestSum(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   map[string]int64
		want int64
	}{
		{nil, 0},
		{map[string]int64{"a": 3}, 3},
		{map[string]int64{"a": 3, "b": 4, "c": -1}, 6},
	} {
		if got := Sum(tt.in); got != tt.want {
			t.Errorf("Sum(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSummaryTable(t *testing.T) {
	t.Parallel()
	f := &File{Cells: []Cell{
		{Driver: "memory", Strategy: "optimistic", Backoff: "expo", Writers: 8, Rate: 1234, ThroughputOpsS: 1200.4},
		{Driver: "sqlite", Strategy: "lease", Backoff: "none", Writers: 1, Trial: 2, Skipped: "no leases"},
	}}
	cols, rows := SummaryTable(f)
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	wantNames := []string{"driver", "strategy", "backoff", "writers", "rate", "trial", "ops/s", "attempts/s", "conflict%", "retries/op", "p50 ms", "p99 ms", "p99.9 ms", "give-ups", "errors"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("columns %q, want %q", names, wantNames)
	}
	if cols[1].Numeric || !cols[3].Numeric {
		t.Errorf("strategy numeric %v, writers numeric %v", cols[1].Numeric, cols[3].Numeric)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, want := range [][]string{
		{"memory", "optimistic", "expo", "8", "1,230", "-", "1,200", "0", "0.0%", "0", "0", "0", "0", "0", "0"},
		{"sqlite", "lease", "none", "1", "-", "2", "-", "-", "-", "-", "-", "-", "-", "-", "-"},
	} {
		if !slices.Equal(rows[i], want) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want)
		}
	}
}
