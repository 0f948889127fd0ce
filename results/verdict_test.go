package results

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// vcell is an eligible cell for verdict tests.
func vcell(strategy, backoff string, writers, trial int, tput, p99 float64) Cell {
	return Cell{
		Driver: "memory", Strategy: strategy, Backoff: backoff, Writers: writers, Trial: trial,
		Scope: "document", OnConflict: "retry", Keys: 1,
		Ops: 100, ThroughputOpsS: tput, LatencyMS: Latency{P99: p99},
		Audit: Audit{Expected: 100, Observed: 100, OK: true},
	}
}

// trials returns one cell per value pair, trials 1…n.
func trials(strategy, backoff string, writers int, tputs, p99s []float64) []Cell {
	var out []Cell
	for i := range tputs {
		out = append(out, vcell(strategy, backoff, writers, i+1, tputs[i], p99s[i]))
	}
	return out
}

func TestVerdictLines(t *testing.T) {
	t.Parallel()
	lost := vcell("lww", "none", 4, 0, 9000, 0.1)
	lost.Audit = Audit{Expected: 100, Observed: 90, LostUpdates: 10, OK: true, LossExpected: true}
	unsafe := vcell("pessimistic", "none", 4, 0, 8000, 0.2)
	unsafe.Audit = Audit{Expected: 100, Observed: 95, LostUpdates: 5}
	errored := vcell("optimistic", "expo", 16, 0, 0, 0)
	errored.Ops, errored.Errors = 0, map[string]int64{"timeout": 7}
	cut := vcell("lease", "expo", 16, 0, 7000, 0.1)
	cut.Interrupted = true
	reset := vcell("lease", "none", 16, 0, 7000, 0.1)
	reset.Audit = Audit{StoreReset: true}
	skipped := Cell{Driver: "memory", Strategy: "lease", Backoff: "full-jitter", Writers: 16, Scope: "document", OnConflict: "retry", Keys: 1, Skipped: "no leases"}

	tests := []struct {
		name        string
		cells       []Cell
		groups      []string
		notes       []string
		wantTrials  int
		wantNoise   Noise
		wantGoodput string
	}{
		{
			name: "single trials: best per writers count, the unsafe never best",
			cells: []Cell{
				vcell("optimistic", "none", 1, 0, 5230, 0.21), vcell("pessimistic", "none", 1, 0, 4100, 0.19),
				vcell("optimistic", "none", 4, 0, 1990, 6.5), lost, unsafe, vcell("lease", "full-jitter", 4, 0, 2100, 9.25),
			},
			groups: []string{
				"1 writer: goodput optimistic/none 5,230 ops/s; p99 pessimistic/none 0.190 ms",
				"4 writers: goodput lease/full-jitter 2,100 ops/s; p99 optimistic/none 6.50 ms",
			},
			notes: []string{
				"differences not tested: 1 trial per cell (--trials 4 or more tests them)",
				"cannot be best: 1 cell failed the audit; 1 cell lost updates (lww: unconditional writes)",
			},
			wantTrials: 1, wantNoise: Untested, wantGoodput: "optimistic/none",
		},
		{
			name:  "no eligible cell, one eligible cell",
			cells: []Cell{errored, cut, reset, skipped, vcell("optimistic", "none", 64, 0, 12345.6, 1234.4)},
			groups: []string{
				"16 writers: no cell can be best (see below)",
				"64 writers: only optimistic/none can be best: 12,300 ops/s, p99 1,234 ms",
			},
			notes: []string{
				"differences not tested: 1 trial per cell (--trials 4 or more tests them)",
				"cannot be best: 1 cell without an audit verdict; 1 cell committed nothing; 1 cell cut short (interrupted); 1 cell skipped",
			},
			wantTrials: 1,
		},
		{
			name: "five trials apart: significant",
			cells: append(trials("optimistic", "expo", 8, []float64{100, 101, 102, 103, 104}, []float64{5, 5, 5, 5, 5}),
				trials("lease", "expo", 8, []float64{90, 91, 92, 93, 94}, []float64{5, 5, 5, 5, 5})...),
			groups: []string{
				"8 writers: goodput optimistic/expo 102 ops/s (ahead of lease/expo 92: p=0.008 n=5); p99 optimistic/expo 5.00 ms (~ lease/expo 5.00: within noise, p=1.000 n=5)",
			},
			notes:      []string{`medians of 5 trials; "~": within noise (Mann-Whitney U-test at alpha 0.05, as occbench compare)`},
			wantTrials: 5, wantNoise: Significant, wantGoodput: "optimistic/expo",
		},
		{
			name: "five trials overlapping: within noise",
			cells: append(trials("optimistic", "expo", 8, []float64{100, 90, 102, 93, 104}, []float64{5, 6, 5, 6, 5}),
				trials("lease", "expo", 8, []float64{101, 91, 103, 92, 94}, []float64{5, 6, 6, 5, 6})...),
			groups: []string{
				"8 writers: goodput optimistic/expo 100 ops/s (~ lease/expo 94: within noise, p=0.841 n=5); p99 optimistic/expo 5.00 ms (~ lease/expo 6.00: within noise, p=1.000 n=5)",
			},
			notes:      []string{`medians of 5 trials; "~": within noise (Mann-Whitney U-test at alpha 0.05, as occbench compare)`},
			wantTrials: 5, wantNoise: WithinNoise, wantGoodput: "optimistic/expo",
		},
		{
			name: "three trials: too few to test",
			cells: append(trials("optimistic", "expo", 8, []float64{100, 101, 102}, []float64{5, 5, 5}),
				trials("lease", "expo", 8, []float64{90, 91, 92}, []float64{4, 4, 4})...),
			groups: []string{
				"8 writers: goodput optimistic/expo 101 ops/s (lease/expo 91 next: n=3 too few to test); p99 lease/expo 4.00 ms (optimistic/expo 5.00 next: n=3 too few to test)",
			},
			notes:      []string{`medians of 3 trials; "~": within noise (Mann-Whitney U-test at alpha 0.05, as occbench compare)`},
			wantTrials: 3, wantNoise: TooFew, wantGoodput: "optimistic/expo",
		},
		{
			name:       "ties go to the first",
			cells:      []Cell{vcell("b", "x", 2, 0, 10, 1), vcell("a", "x", 2, 0, 10, 1)},
			groups:     []string{"2 writers: goodput b/x 10 ops/s; p99 b/x 1.00 ms"},
			notes:      []string{"differences not tested: 1 trial per cell (--trials 4 or more tests them)"},
			wantTrials: 1, wantGoodput: "b/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := VerdictOf(&File{Cells: tt.cells})
			groups, notes := v.Lines()
			if !reflect.DeepEqual(groups, tt.groups) {
				t.Errorf("groups:\n got %q\nwant %q", groups, tt.groups)
			}
			if !reflect.DeepEqual(notes, tt.notes) {
				t.Errorf("notes:\n got %q\nwant %q", notes, tt.notes)
			}
			if v.Trials != tt.wantTrials {
				t.Errorf("trials = %d, want %d", v.Trials, tt.wantTrials)
			}
			if tt.wantGoodput != "" {
				g := v.Groups[0].Goodput
				if g == nil || g.Name != tt.wantGoodput || g.Noise.Noise != tt.wantNoise {
					t.Errorf("goodput best = %+v, want %s with %v", g, tt.wantGoodput, tt.wantNoise)
				}
			}
		})
	}
}

// TestVerdictGroupLabels: dimensions other than writers name a group only
// when they vary in the file.
func TestVerdictGroupLabels(t *testing.T) {
	t.Parallel()
	a := vcell("optimistic", "none", 8, 0, 10, 1)
	b := a
	b.Driver, b.Rate = "redis", 500
	c := a
	c.Scope = "field-group"
	v := VerdictOf(&File{Cells: []Cell{a, b, c}})
	var got []string
	for _, g := range v.Groups {
		got = append(got, g.Label)
	}
	want := []string{
		"8 writers, closed loop, driver memory, scope document",
		"8 writers, rate 500/s, driver redis, scope document",
		"8 writers, closed loop, driver memory, scope field-group",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// TestVerdictUnsafeTrial: one bad trial keeps the whole combination from
// being best, however good its other trials.
func TestVerdictUnsafeTrial(t *testing.T) {
	t.Parallel()
	cells := trials("optimistic", "expo", 8, []float64{1000, 1000, 1000, 1000}, []float64{1, 1, 1, 1})
	cells[2].Audit = Audit{Expected: 100, Observed: 99, LostUpdates: 1}
	cells = append(cells, trials("lease", "expo", 8, []float64{10, 10, 10, 10}, []float64{9, 9, 9, 9})...)
	g := VerdictOf(&File{Cells: cells}).Groups[0]
	if g.Eligible != 1 || g.Goodput.Name != "lease/expo" || g.P99.Name != "lease/expo" {
		t.Errorf("group %+v: want only lease/expo eligible", g)
	}
}

func TestNoiseTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b []float64
		want Noise
		p    float64
	}{
		{[]float64{1}, []float64{2, 3}, Untested, 1},
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, TooFew, 1},
		{[]float64{1, 2, 3, 4}, []float64{5, 6, 7, 8}, Significant, 2.0 / 70},
		{[]float64{1, 1, 1, 1}, []float64{1, 1, 1, 1}, WithinNoise, 1},
		{[]float64{1, 5, 2, 6}, []float64{5, 1, 6, 2}, WithinNoise, 1},
	}
	for _, tt := range tests {
		a, b := append([]float64(nil), tt.a...), append([]float64(nil), tt.b...)
		got := NoiseTest(tt.a, tt.b, NoiseAlpha)
		if got.Noise != tt.want || math.Abs(got.P-tt.p) > 1e-9 || got.N1 != len(tt.a) || got.N2 != len(tt.b) {
			t.Errorf("NoiseTest(%v, %v) = %+v, want %v p=%v", tt.a, tt.b, got, tt.want, tt.p)
		}
		if !reflect.DeepEqual(a, tt.a) || !reflect.DeepEqual(b, tt.b) {
			t.Errorf("NoiseTest modified its samples")
		}
	}
}

func TestMinP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n1, n2 int
		want   float64
	}{{0, 3, 1}, {1, 1, 1}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {5, 5, 2.0 / 252}, {2, 5, 2.0 / 21}} {
		if got := MinP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("MinP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
	for alpha, want := range map[float64]int{0.05: 4, 0.1: 3, 0: 0, 0.5: 2} {
		if got := MinTrials(alpha); got != want {
			t.Errorf("MinTrials(%v) = %d, want %d", alpha, got, want)
		}
	}
}

// TestRenderVerdictAndNext: the text and markdown reports print the
// question and description at the top, and end with the verdict and the
// next commands on the file.
func TestRenderVerdictAndNext(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	f.Scenario["description"] = "A small sweep\n  for tests.\n"
	o := Options{Question: "Which strategy wins?", Path: "occbench-results/my run.json"}
	for _, format := range []string{"text", "markdown"} {
		var b strings.Builder
		if err := RenderWith(&b, f, format, o); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{
			"Which strategy wins?", "A small sweep for tests.",
			"8 writers: only", "optimistic/full-jitter", "1,230 ops/s",
			"occbench report 'occbench-results/my run.json' --format html > report.html",
			"occbench plot 'occbench-results/my run.json'",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q:\n%s", format, want, out)
			}
		}
		if i, j := strings.Index(out, "Which strategy wins?"), strings.Index(out, "strategy"); format == "text" && i > j {
			t.Errorf("%s: the question is not at the top", format)
		}
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"occbench-results/20261125T130501Z-quickstart.json": "occbench-results/20261125T130501Z-quickstart.json",
		"my run.json": "'my run.json'",
		"it's.json":   `'it'\''s.json'`,
		"":            "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
