package results

import (
	"bytes"
	"testing"

	"github.com/occbench/occbench/internal/golden"
)

// withThresholds adds threshold results to testFile's cells that ran: the
// optimistic cell fails two, the others pass theirs.
func withThresholds(t testing.TB, pass bool) *File {
	f := testFile(t)
	f.Cells[0].Thresholds = []ThresholdResult{
		{Expr: "p99_ms < 5", Metric: "p99_ms", Value: 7.891, Pass: pass},
		{Expr: "optimistic: success_rate >= 0.9999", Metric: "success_rate", Value: 0.99951, Pass: pass},
		{Expr: "lost_updates == 0", Metric: "lost_updates", Value: 0, Pass: true},
	}
	f.Cells[1].Thresholds = []ThresholdResult{
		{Expr: "p99_ms < 5", Metric: "p99_ms", Value: 1.2, Pass: true},
	}
	f.Cells[2].Thresholds = []ThresholdResult{
		{Expr: "p99_ms < 500", Metric: "p99_ms", Value: 250.1, Pass: true},
	}
	return f
}

func TestRenderThresholds(t *testing.T) {
	for _, tt := range []struct {
		name   string
		pass   bool
		format string
		want   []string
	}{
		{"failed_text", false, "text", []string{
			"thresholds: 2 of 5 failed\n",
			"  FAIL optimistic/full-jitter/w8: p99_ms < 5 (got 7.891)\n",
			"  FAIL optimistic/full-jitter/w8: success_rate >= 0.9999 (got 0.99951)\n",
		}},
		{"failed_markdown", false, "markdown", []string{
			"#### Thresholds\n\n2 of 5 thresholds failed:\n\n",
			"- ❌ **FAIL** `optimistic/full-jitter/w8`: `p99_ms < 5` (got 7.891)\n",
		}},
		{"passed_text", true, "text", []string{"thresholds: all 5 passed\n"}},
		{"passed_markdown", true, "markdown", []string{"All 5 thresholds passed.\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, withThresholds(t, tt.pass), tt.format)
			golden.Check(t, golden.Path(t), out)
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("%s report lacks %q", tt.format, w)
				}
			}
			if tt.pass && bytes.Contains(out, []byte("FAIL")) {
				t.Error("passing thresholds reported as failed")
			}
		})
	}
	// Without thresholds, nothing is said about them.
	for _, format := range []string{"text", "markdown"} {
		if out := render(t, testFile(t), format); bytes.Contains(bytes.ToLower(out), []byte("threshold")) {
			t.Errorf("%s report of a file without thresholds mentions them", format)
		}
	}
}

func TestSig6(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {5, "5"}, {73.2, "73.2"}, {0.99951, "0.99951"}, {1234567.8, "1234570"},
		{0.000123456789, "0.000123457"}, {-2.5, "-2.5"},
	} {
		if got := Sig6(tt.in); got != tt.want {
			t.Errorf("Sig6(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
