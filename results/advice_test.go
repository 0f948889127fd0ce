package results

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func adviceFile() *File {
	lo := 0.15
	return &File{Schema: Schema, Scenario: Scenario{"name": "quickstart"},
		Cells: []Cell{
			{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 1, Distribution: "single", Ops: 10, ThroughputOpsS: 10, Audit: Audit{OK: true}},
			{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 2, Distribution: "single", Ops: 20, ThroughputOpsS: 20, Audit: Audit{OK: true}},
			{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 4, Distribution: "single", Ops: 30, ThroughputOpsS: 30, Audit: Audit{OK: true}},
			{Driver: "memory", Strategy: "optimistic", Backoff: "full-jitter", Writers: 1, Distribution: "uniform", Ops: 10, ThroughputOpsS: 10, Audit: Audit{OK: true}},
		},
		Advice: &Advice{Backoff: "full-jitter", Trials: 2, Margin: 0.1, Alpha: 0.05, Omitted: []string{"hybrid: not registered"},
			Skews: []AdviceSkew{{Skew: "single",
				Bands: []AdviceBand{{Objective: "goodput", Winner: "optimistic", FromWriters: 1, ToWriters: 2, Below: &lo, RunnerUp: "pessimistic", GoodputX: 1.6, P99X: 0.5,
					Line: "below 15% conflicts (≤ 2 writers on single): optimistic with full-jitter (goodput 1.6× pessimistic, p99 0.5×)"}},
				Crossovers: []AdviceCrossover{{Objective: "goodput", From: "optimistic", To: "pessimistic", FromWriters: 2, ToWriters: 4, ConflictRatio: &lo, Interpolated: true, Writers: 3.2}}}}},
	}
}

func TestAdviceRendersAndRoundTrips(t *testing.T) {
	t.Parallel()
	f := adviceFile()
	for _, tt := range []struct{ format, want string }{
		{"text", "  best on goodput, below 15% conflicts (≤ 2 writers on single): optimistic with full-jitter"},
		{"text", "keys dist"},
		{"text", "  not run (the store cannot): hybrid: not registered"},
		{"markdown", "#### Advice (occbench advise, backoff full-jitter, 2 trials per point)"},
		{"markdown", "- best on goodput, below 15% conflicts"},
	} {
		var b bytes.Buffer
		if err := Render(&b, f, tt.format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("%s report lacks %q:\n%s", tt.format, tt.want, b.String())
		}
	}
	var b bytes.Buffer
	if err := Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&b, "advice.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Advice, f.Advice) || got.Cells[3].Distribution != "uniform" {
		t.Errorf("round trip: advice %+v, distribution %q", got.Advice, got.Cells[3].Distribution)
	}
	// Skews at the same writers are not one sweep: no USL fit mixes them.
	if fits := FitUSL(f); len(fits) != 0 {
		t.Errorf("FitUSL over an advise file = %+v, want none", fits)
	}
	f.Advice = nil
	b.Reset()
	if err := Render(&b, f, "text"); err != nil || strings.Contains(b.String(), "advice") {
		t.Errorf("a file without advice prints an advice section (%v)", err)
	}
}
