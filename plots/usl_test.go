package plots

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/usl"
)

// uslFile is a closed-loop sweep whose throughput follows m exactly, per
// strategy, at writers ws.
func uslFile(models map[string]usl.Model, ws ...int) *results.File {
	f := &results.File{Schema: results.Schema, Environment: results.Environment{Driver: "memory"}}
	for _, w := range ws {
		for _, s := range slices.Sorted(func(yield func(string) bool) {
			for k := range models {
				if !yield(k) {
					return
				}
			}
		}) {
			f.Cells = append(f.Cells, results.Cell{Driver: "memory", Strategy: s, Backoff: "expo", Writers: w,
				DurationS: 2, ThroughputOpsS: models[s].X(float64(w)), SuccessRate: 1})
		}
	}
	return f
}

func uslPlotOf(t *testing.T, f *results.File) *Plot {
	t.Helper()
	cs, err := NewCharts(f)
	if err != nil {
		t.Fatal(err)
	}
	var got *Plot
	for p, err := range cs.Sweeps() {
		if err != nil {
			t.Fatal(err)
		}
		if p.Name == USLName {
			got = &p
		}
	}
	return got
}

func TestUSLChart(t *testing.T) {
	t.Parallel()
	models := map[string]usl.Model{
		"optimistic":  {Lambda: 100, Sigma: 0.02, Kappa: 0.0006}, // peak at 40.4 writers, beyond 16
		"pessimistic": {Lambda: 400, Sigma: 0.1, Kappa: 0.009},   // peak at 10 writers
	}
	f := uslFile(models, 1, 2, 4, 8, 16)
	p := uslPlotOf(t, f)
	if p == nil {
		t.Fatal("no USL chart")
	}
	if p.Kind != KindThroughput || p.File("png") != "throughput/usl.png" || p.P == nil {
		t.Errorf("chart %q kind %q file %q, one panel %v", p.Name, p.Kind, p.File("png"), p.P != nil)
	}
	// The x axis reaches the peak predicted at 40 writers.
	if p.P.X.Max < math.Log2(40.4) {
		t.Errorf("x max %v (2^%.1f writers), want past 40", p.P.X.Max, p.P.X.Max)
	}
	// The y axis holds the pessimistic peak, above every measurement.
	if peak := models["pessimistic"].X(10); p.P.Y.Max < peak {
		t.Errorf("y max %v below the pessimistic peak %v", p.P.Y.Max, peak)
	}
	if !strings.Contains(p.Title, "USL fit") {
		t.Errorf("title %q", p.Title)
	}
	for _, want := range []string{"optimistic / expo: σ 0.020, κ 0.0006, peak 40.4 (beyond)", "pessimistic / expo: σ 0.100, κ 0.009, peak 10"} {
		found := false
		for _, u := range results.FitUSL(f) {
			u := u
			if strings.HasSuffix(want, uslLabel(&u)) && strings.HasPrefix(want, u.Strategy) {
				found = true
			}
		}
		if !found {
			t.Errorf("no fit labelled %q", want)
		}
	}
	b, err := PNG(*p, testW, testH)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p.Name, b, testW, testH)
	s, err := SVG(*p, testW, testH)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, p.Name, s)

	// A peak further than uslReach × the largest writers is not followed.
	far := uslFile(map[string]usl.Model{"optimistic": {Lambda: 100, Sigma: 0.001, Kappa: 1e-6}}, 1, 2, 4, 8, 16)
	if p := uslPlotOf(t, far); p == nil || p.P.X.Max > math.Log2(uslReach*16)+1 {
		t.Errorf("far peak: chart %v", p)
	}
}

func TestUSLChartAbsent(t *testing.T) {
	t.Parallel()
	m := map[string]usl.Model{"optimistic": {Lambda: 100, Sigma: 0.1}}
	two := uslFile(m, 1, 4)
	open := uslFile(m, 1, 4, 16)
	for i := range open.Cells {
		open.Cells[i].Rate = 500
	}
	zero := uslFile(map[string]usl.Model{"optimistic": {}}, 1, 4, 16)
	for name, f := range map[string]*results.File{"two writer counts": two, "open loop": open, "no throughput": zero} {
		if p := uslPlotOf(t, f); p != nil {
			t.Errorf("%s: a USL chart %q", name, p.Name)
		}
	}
}

// TestUSLChartPanels: past MaxSeries the fits are small multiples.
func TestUSLChartPanels(t *testing.T) {
	t.Parallel()
	models := map[string]usl.Model{}
	for i := range MaxSeries + 1 {
		models[string(rune('a'+i))] = usl.Model{Lambda: float64(100 + i), Sigma: 0.05, Kappa: 0.001}
	}
	p := uslPlotOf(t, uslFile(models, 1, 2, 4, 8))
	if p == nil || len(p.Panels) != MaxSeries+1 || p.Legend == nil {
		t.Fatalf("chart %+v, want %d panels and a legend", p, MaxSeries+1)
	}
	if _, err := PNG(*p, testW, testH); err != nil {
		t.Fatal(err)
	}
}
