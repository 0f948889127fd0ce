package capacity

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/usl"
)

// uslRun is a store whose throughput follows a USL model per strategy
// and whose p99 is 2 ms + 3 ms per writer (so p99_ms<=50 passes up to 16
// writers).
func uslRun(models map[string]usl.Model) RunFunc {
	return func(ctx context.Context, strategy, backoff string, load float64) (results.Cell, error) {
		m, ok := models[strategy]
		if !ok {
			return results.Cell{Strategy: strategy, Backoff: backoff, Skipped: "no such strategy"}, nil
		}
		return results.Cell{
			Driver: "memory", Strategy: strategy, Backoff: backoff, Writers: int(load), SuccessRate: 1,
			LatencyMS: results.Latency{P99: 2 + 3*load}, ThroughputOpsS: m.X(load),
		}, nil
	}
}

func TestFitProbes(t *testing.T) {
	t.Parallel()
	models := map[string]usl.Model{
		"rising":  {Lambda: 100, Sigma: 0.02, Kappa: 0.0002}, // peak at 70 writers
		"peaking": {Lambda: 1000, Sigma: 0.1, Kappa: 0.009},  // peak at 10 writers
		"locked":  {Lambda: 400, Sigma: 1},                   // serialised
	}
	pairs := []Pair{{"rising", "none"}, {"peaking", "expo"}, {"locked", "none"}, {"gone", "none"}}
	opts := Options{SLO: mustSLO(t, "p99_ms<=50"), Vary: Writers, Max: 64, NoConfirm: true}
	rep, err := Search(context.Background(), pairs, opts, uslRun(models))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"rising", "peaking", "locked"} {
		u, m := rep.Answers[i].USL, models[name]
		if u == nil || u.Error != "" {
			t.Fatalf("%s: USL %+v", name, u)
		}
		if math.Abs(u.Lambda-m.Lambda) > 1e-4*m.Lambda || math.Abs(u.Sigma-m.Sigma) > 1e-5 || math.Abs(u.Kappa-m.Kappa) > 1e-5*math.Max(m.Kappa, 1) || u.MAPE > 0.01 {
			t.Errorf("%s: fit %+v, want %+v with no error", name, u, m)
		}
		if u.Points != len(rep.Answers[i].Probes) || u.Driver != "memory" {
			t.Errorf("%s: %d points of driver %q, want %d of memory", name, u.Points, u.Driver, len(rep.Answers[i].Probes))
		}
	}
	if u := rep.Answers[3].USL; u != nil {
		t.Errorf("skipped pair: USL %+v, want nil", u)
	}
	if got := len(rep.USL()); got != 3 {
		t.Errorf("Report.USL: %d fits, want 3", got)
	}
	want := []string{
		"rising/none: σ 0.020, κ 0.0002, λ 100 ops/s, r2 1.000; peak predicted at 70 writers (2,090 ops/s), beyond the 32 probed; mean error on the 10 probes 0.0%",
		"peaking/expo: σ 0.100, κ 0.009, λ 1,000 ops/s, r2 1.000; peak predicted at 10 writers (3,690 ops/s), within the writers probed; mean error on the 10 probes 0.0%",
		"locked/none: σ 1.000, κ 0, λ 400 ops/s, r2 1.000; no peak predicted (κ = 0: the throughput never falls); mean error on the 10 probes 0.0%",
	}
	got := rep.USLLines()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("USLLines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUSLLinesEdgeCases(t *testing.T) {
	t.Parallel()
	probe := func(load, x float64) Probe {
		return Probe{Load: load, Values: map[string]float64{ThroughputOpsS: x}}
	}
	r := &Report{Vary: Writers, Answers: []Answer{
		{Pair: Pair{"two", "none"}, Probes: []Probe{probe(1, 10), probe(2, 20), {Load: 4}}},
		{Pair: Pair{"zero", "none"}, Probes: []Probe{probe(1, 0), probe(2, 0), probe(4, 0)}},
		{Pair: Pair{"falling", "none"}, Probes: []Probe{probe(1, 100), probe(2, 40), probe(4, 15), probe(8, 6)}},
	}}
	for i := range r.Answers {
		r.Answers[i].USL = FitProbes(r.Answers[i].Pair, r.Answers[i].Probes)
	}
	got := r.USLLines()
	for i, want := range []string{
		"two/none: no fit: 2 writer counts judged, the fit needs 3",
		"zero/none: no fit: usl: no throughput: every X is 0",
		"falling/none: σ ",
	} {
		if !strings.HasPrefix(got[i], want) {
			t.Errorf("line %d: %q, want it to start %q", i, got[i], want)
		}
	}
	if !strings.Contains(got[2], "throughput predicted to fall from 1 writer on (peak 0.") {
		t.Errorf("falling: %q", got[2])
	}
	r.Vary = Rate
	if l := r.USLLines(); l != nil {
		t.Errorf("rate search: %q, want none", l)
	}
}

// TestPlotUSL: the throughput panel draws the fit, whose peak (42,000
// ops/s, above every probe's 40,000) sets the top of the y axis.
func TestPlotUSL(t *testing.T) {
	t.Parallel()
	rep := searchReport(t)
	a := &rep.Answers[0]
	if a.USL == nil || a.USL.PeakOpsS == nil || *a.USL.PeakOpsS <= 40_000 {
		t.Fatalf("fixture: USL %+v, want a peak above 40,000 ops/s", a.USL)
	}
	top, _, err := rep.Plots(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := *a.USL.PeakOpsS * 1.15; top.Y.Max < want*(1-1e-9) {
		t.Errorf("top y max %v, want ≥ %v (the fit's peak)", top.Y.Max, want)
	}
	if got := uslLegend(a.USL, Writers); !strings.HasPrefix(got, "USL fit: σ 0.045, κ 0.00324, peak 17.2 writers") {
		t.Errorf("legend %q", got)
	}
}
