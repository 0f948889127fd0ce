package results

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func partFile() *File {
	start := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	return &File{
		Schema: Schema, StartedAt: start, FinishedAt: start.Add(time.Second),
		Scenario: Scenario{"name": "quickstart"}, Environment: Environment{Driver: "postgres"},
		Runner: &Runner{Index: 1, Runners: 3, Namespace: "team_a", SkewMS: -0.25, RTTMS: 0.5},
		Cells: []Cell{{
			Driver: "postgres", Strategy: "optimistic", Backoff: "none", Writers: 5, Ops: 20,
			GiveUps: map[string]int64{}, Errors: map[string]int64{}, Histograms: map[string]string{},
			Runner: &CellRunner{Index: 1, Runners: 3, Writers: 2, Seq: 4, StartedAt: start,
				StoreTotals: &StoreTotals{Docs: 2, Counter: 50, Versions: 50}},
			Audit: Audit{Expected: 20, Pending: PendingReason(1, 3), Verdict: PendingWord + " (runner 1 of 3)"},
		}},
	}
}

// TestRunnerRoundTrip: the multi-runner fields survive the JSON round
// trip, and a single run's file has none of them.
func TestRunnerRoundTrip(t *testing.T) {
	f := partFile()
	var b bytes.Buffer
	if err := Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"runner": {`, `"skew_ms": -0.25`, `"store_totals": {`, `"pending": "runner 1 of 3"`, `"seq": 4`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	g, err := Read(&b, "part.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Runner, f.Runner) || !reflect.DeepEqual(g.Cells[0].Runner, f.Cells[0].Runner) || g.Cells[0].Audit != f.Cells[0].Audit {
		t.Fatalf("round trip:\n got %+v %+v %+v\nwant %+v %+v %+v", g.Runner, g.Cells[0].Runner, g.Cells[0].Audit, f.Runner, f.Cells[0].Runner, f.Cells[0].Audit)
	}
	single := partFile()
	single.Runner, single.Cells[0].Runner, single.Cells[0].Audit = nil, nil, Audit{OK: true}
	b.Reset()
	if err := Encode(&b, single); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{`"runner"`, `"runners"`, `"pending"`, `"store_totals"`} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("a single run's JSON has %s", absent)
		}
	}
}

func TestRunnersText(t *testing.T) {
	merged := partFile()
	merged.Runner = nil
	merged.Runners = []Runner{{Index: 0, Runners: 2, Namespace: "team_a", SkewMS: 0.1}, {Index: 1, Runners: 2, Namespace: "team_a", SkewMS: -0.3}}
	for _, tt := range []struct {
		name string
		f    *File
		want string
	}{
		{"part", partFile(), "runner 1 of 3 (namespace team_a), clock skew -0.250 ms (round trip 0.500 ms)"},
		{"merged", merged, "2 runners (namespace team_a), clock skew -0.300 … +0.100 ms (runners 0, 1 merged)"},
		{"single", &File{}, ""},
	} {
		if got := RunnersText(tt.f); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// A part's report says pending, never lost or ok.
	var b bytes.Buffer
	if err := Render(&b, partFile(), "text"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"runners      runner 1 of 3", "audit: pending (runner 1 of 3)", "occbench merge audits the run"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "LOST") || strings.Contains(out, "FAILED") {
		t.Errorf("a pending audit reads as a failure:\n%s", out)
	}
}
