package advise

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/results"
)

var single = Skew{Name: "single"}

// cell is one synthetic trial.
func cell(sk Skew, w int, st string, trial int, goodput, p99, conflict float64) results.Cell {
	return results.Cell{Driver: "memory", Strategy: st, Backoff: DefaultBackoff, Writers: w, Trial: trial,
		Distribution: sk.Label(), Ops: int64(goodput), ThroughputOpsS: goodput, ConflictRatio: conflict,
		LatencyMS: results.Latency{P99: p99}}
}

// point is one strategy's trials at one writers count.
type point struct {
	w        int
	st       string
	goodput  []float64
	p99      []float64
	conflict float64
}

func cells(sk Skew, pts []point) []results.Cell {
	var out []results.Cell
	for _, p := range pts {
		for i := range p.goodput {
			out = append(out, cell(sk, p.w, p.st, i+1, p.goodput[i], p.p99[i], p.conflict))
		}
	}
	return out
}

func plan(writers []int, strategies []string, trials int) Plan {
	return Plan{Scenario: "synthetic", Driver: "memory", Writers: writers, Skews: []Skew{single},
		Strategies: strategies, Backoff: DefaultBackoff, Trials: trials}
}

// crossoverCells: optimistic wins goodput at 1-2 writers, pessimistic
// from 4; on p99 optimistic wins at 1 only.
func crossoverCells() []results.Cell {
	return cells(single, []point{
		{1, "optimistic", []float64{1000}, []float64{1}, 0.01},
		{1, "pessimistic", []float64{600}, []float64{2}, 0},
		{2, "optimistic", []float64{900}, []float64{4}, 0.05},
		{2, "pessimistic", []float64{600}, []float64{2}, 0},
		{4, "optimistic", []float64{500}, []float64{8}, 0.20},
		{4, "pessimistic", []float64{600}, []float64{3}, 0},
		{8, "optimistic", []float64{300}, []float64{20}, 0.40},
		{8, "pessimistic", []float64{600}, []float64{4}, 0},
	})
}

func TestCrossoverInterpolated(t *testing.T) {
	t.Parallel()
	rep, err := Analyze(plan([]int{1, 2, 4, 8}, []string{"optimistic", "pessimistic"}, 1), Options{}, crossoverCells())
	if err != nil {
		t.Fatal(err)
	}
	sr := &rep.Skews[0]
	g := sr.Bands[Goodput]
	if len(g) != 2 || g[0].Verdict.Label() != "optimistic" || g[1].Verdict.Label() != "pessimistic" {
		t.Fatalf("goodput bands = %+v", g)
	}
	var x *Crossover
	for i := range sr.Crossovers {
		if sr.Crossovers[i].Objective == Goodput {
			x = &sr.Crossovers[i]
		}
	}
	if x == nil || !x.Interpolated {
		t.Fatalf("goodput crossover = %+v, want interpolated", x)
	}
	// d(2) = ln(900/600), d(4) = ln(500/600): zero at t = d2/(d2-d4).
	d2, d4 := math.Log(1.5), math.Log(500.0/600)
	tt := d2 / (d2 - d4)
	if want := 0.05 + tt*0.15; math.Abs(x.Conflict-want) > 1e-9 {
		t.Errorf("crossover conflict = %v, want %v", x.Conflict, want)
	}
	if want := math.Exp2(1 + tt); math.Abs(x.Writers-want) > 1e-9 {
		t.Errorf("crossover writers = %v, want %v", x.Writers, want)
	}
	lines := []string{rep.BandLine(sr, &g[0]), rep.BandLine(sr, &g[1])}
	want := []string{
		"below 15% conflicts (≤ 2 writers on single): optimistic with decorrelated-jitter (goodput 1.6× pessimistic, p99 1.2×)",
		"above 15% conflicts (≥ 4 writers on single): pessimistic with decorrelated-jitter (goodput 1.6× optimistic, p99 0.29×)",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if p := sr.Bands[P99]; len(p) != 2 || p[0].Verdict.Best != "optimistic" || p[0].Last != 0 || p[1].Verdict.Best != "pessimistic" {
		t.Errorf("p99 bands = %+v", p)
	}
}

func TestTies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		trials     int
		opt, pess  []float64 // goodput trials
		wantLabel  string
		wantReason string
	}{
		{"within margin", 1, []float64{1000}, []float64{950}, "tie: optimistic, pessimistic", "within margin"},
		{"one trial beyond margin", 1, []float64{1000}, []float64{700}, "optimistic", ""},
		{"ranges overlap", 2, []float64{600, 1400}, []float64{650, 750}, "tie: optimistic, pessimistic", "ranges overlap"},
		{"ranges apart", 2, []float64{990, 1010}, []float64{690, 710}, "optimistic", ""},
		{"U test significant", 4, []float64{990, 1000, 1010, 1020}, []float64{690, 700, 710, 720}, "optimistic", ""},
		{"U test not significant", 4, []float64{500, 1500, 900, 1100}, []float64{600, 1400, 700, 800}, "tie: optimistic, pessimistic", "not significant"},
		{"pessimistic best", 1, []float64{500}, []float64{800}, "pessimistic", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p99 := make([]float64, tt.trials)
			for i := range p99 {
				p99[i] = 1
			}
			cs := cells(single, []point{{4, "optimistic", tt.opt, p99, 0.1}, {4, "pessimistic", tt.pess, p99, 0}})
			rep, err := Analyze(plan([]int{4}, []string{"optimistic", "pessimistic"}, tt.trials), Options{}, cs)
			if err != nil {
				t.Fatal(err)
			}
			v := rep.Skews[0].Points[0].Goodput
			if v.Label() != tt.wantLabel {
				t.Errorf("verdict = %s, want %s", v.Label(), tt.wantLabel)
			}
			if tt.wantReason != "" && (len(v.Why) != 2 || !slices.Contains(v.Why, tt.wantReason)) {
				t.Errorf("why = %q, want %q", v.Why, tt.wantReason)
			}
			line := rep.BandLine(&rep.Skews[0], &rep.Skews[0].Bands[Goodput][0])
			if tie := strings.Contains(line, "tie within noise on goodput: optimistic, pessimistic"); tie != strings.HasPrefix(tt.wantLabel, "tie") {
				t.Errorf("line %q: says tie = %v, want %v", line, tie, !tie)
			}
		})
	}
}

func TestCrossoverToTieIsMidpoint(t *testing.T) {
	t.Parallel()
	cs := cells(single, []point{
		{1, "optimistic", []float64{1000}, []float64{1}, 0.02},
		{1, "lease", []float64{500}, []float64{1}, 0},
		{2, "optimistic", []float64{1000}, []float64{1}, 0.10},
		{2, "lease", []float64{980}, []float64{1}, 0},
	})
	rep, err := Analyze(plan([]int{1, 2}, []string{"optimistic", "lease"}, 1), Options{}, cs)
	if err != nil {
		t.Fatal(err)
	}
	sr := &rep.Skews[0]
	x := sr.Crossovers[0]
	if x.Objective != Goodput || x.Interpolated || x.From != "optimistic" || x.To != "tie: optimistic, lease" {
		t.Fatalf("crossover = %+v", x)
	}
	if math.Abs(x.Conflict-0.06) > 1e-12 {
		t.Errorf("midpoint conflict = %v, want 0.06", x.Conflict)
	}
	if got := rep.CrossoverLine(sr, &x); !strings.Contains(got, "midpoint of 1 writer (2%) and 2 writers (10%)") {
		t.Errorf("crossover line = %q", got)
	}
}

func TestOmittedAndInvalid(t *testing.T) {
	t.Parallel()
	pl := plan([]int{1}, []string{"optimistic", "pessimistic"}, 1)
	pl.Omitted = []Omission{{"lease", "lease: the store has no leaser"}}
	cs := cells(single, []point{{1, "optimistic", []float64{100}, []float64{1}, 0.01}})
	skipped := cell(single, 1, "pessimistic", 1, 0, 0, 0)
	skipped.Skipped = "no lock"
	cs = append(cs, skipped)
	rep, err := Analyze(pl, Options{}, cs)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"not run (the store cannot): lease: lease: the store has no leaser", "skipped: no lock", "optimistic with decorrelated-jitter"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "lease ops/s") {
		t.Errorf("omitted strategy has a column:\n%s", out)
	}
	if a := rep.Advice(); !slices.Equal(a.Omitted, []string{"lease: lease: the store has no leaser"}) || a.Skews[0].Bands[0].Winner != "optimistic" {
		t.Errorf("advice = %+v", a)
	}
}

func TestCandidates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want []string }{
		{[]string{"lww", "lease", "optimistic", "pessimistic", "serializable"}, []string{"optimistic", "pessimistic", "lease"}},
		{[]string{"hybrid", "optimistic", "pessimistic", "lease"}, []string{"optimistic", "pessimistic", "lease", "hybrid"}},
		{nil, nil},
	} {
		if got := Candidates(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Candidates(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseSkews(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want, err string
	}{
		{"single,zipfian,uniform", "single zipfian(0.99) uniform", ""},
		{"uniform", "uniform", ""},
		{"single,single", "", `"single" listed twice`},
		{"hot", "", `unknown skew "hot" (allowed: single, zipfian, uniform)`},
		{"", "", `unknown skew ""`},
	} {
		got, err := ParseSkews(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSkews(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		var labels []string
		for _, s := range got {
			labels = append(labels, s.Label())
		}
		if err != nil || strings.Join(labels, " ") != tt.want {
			t.Errorf("ParseSkews(%q) = %v, %v, want %s", tt.in, labels, err, tt.want)
		}
	}
}

func TestPlanValidate(t *testing.T) {
	t.Parallel()
	ok := plan([]int{1, 2}, []string{"optimistic"}, 2)
	for _, tt := range []struct {
		name string
		edit func(*Plan)
		want string
	}{
		{"ok", func(*Plan) {}, ""},
		{"no writers", func(p *Plan) { p.Writers = nil }, "writers: want at least one"},
		{"zero writers", func(p *Plan) { p.Writers = []int{0} }, "writers: must be ≥ 1, got 0"},
		{"repeat", func(p *Plan) { p.Writers = []int{2, 2} }, "writers: 2 listed twice"},
		{"no strategy", func(p *Plan) { p.Strategies = nil }, "strategies: the store can run none"},
		{"no skew", func(p *Plan) { p.Skews = nil }, "skews: want at least one"},
		{"trials", func(p *Plan) { p.Trials = 0 }, "trials: must be ≥ 1"},
	} {
		p := ok
		tt.edit(&p)
		err := p.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
	if got := ok.Cells(); got != 4 {
		t.Errorf("Cells() = %d, want 4", got)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	pl := plan([]int{2, 1}, []string{"optimistic", "pessimistic"}, 2)
	var order []string
	run := func(_ context.Context, pt Point, trial int) (results.Cell, error) {
		order = append(order, pt.Strategy[:1]+string(rune('0'+pt.Writers))+string(rune('0'+trial)))
		return cell(pt.Skew, pt.Writers, pt.Strategy, 0, 100, 1, 0.1), nil
	}
	rep, err := Run(context.Background(), pl, Options{}, run)
	if err != nil {
		t.Fatal(err)
	}
	// Writers ascending; the strategies' order rotates each round.
	want := []string{"o11", "p11", "o21", "p21", "p12", "o12", "p22", "o22"}
	if !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if len(rep.Cells) != 8 || rep.Cells[4].Trial != 2 || rep.Cells[4].Distribution != "single" {
		t.Errorf("cells = %+v", rep.Cells)
	}

	boom := errors.New("boom")
	n := 0
	rep, err = Run(context.Background(), pl, Options{}, func(_ context.Context, pt Point, trial int) (results.Cell, error) {
		if n++; n == 3 {
			return results.Cell{}, boom
		}
		return cell(pt.Skew, pt.Writers, pt.Strategy, 0, 100, 1, 0.1), nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "optimistic at 2 writers on single (trial 1)") || len(rep.Cells) != 2 {
		t.Errorf("Run with a failing cell = %v, %d cells", err, len(rep.Cells))
	}

	ctx, cancel := context.WithCancel(context.Background())
	rep, err = Run(ctx, pl, Options{}, func(_ context.Context, pt Point, trial int) (results.Cell, error) {
		cancel()
		return cell(pt.Skew, pt.Writers, pt.Strategy, 0, 100, 1, 0.1), nil
	})
	if err != nil || !rep.Interrupted || len(rep.Cells) != 1 {
		t.Errorf("cancelled Run = %v, interrupted %v, %d cells", err, rep.Interrupted, len(rep.Cells))
	}
	if _, err := Run(context.Background(), pl, Options{Margin: 2}, run); err == nil || !strings.Contains(err.Error(), "margin") {
		t.Errorf("Run with margin 2 = %v, want an error naming margin", err)
	}
}

// goldenReport is a two-skew report with a crossover, a tie and an
// omitted strategy.
func goldenReport(t *testing.T) *Report {
	zipf := Skew{Name: "zipfian", Theta: ZipfTheta}
	pl := Plan{Scenario: "synthetic", Driver: "memory", Writers: []int{1, 2, 4, 8}, Skews: []Skew{single, zipf},
		Strategies: []string{"optimistic", "pessimistic"}, Omitted: []Omission{{"hybrid", "not registered on this store"}},
		Backoff: DefaultBackoff, Trials: 2}
	cs := cells(single, []point{
		{1, "optimistic", []float64{990, 1010}, []float64{0.9, 1.1}, 0.01},
		{1, "pessimistic", []float64{590, 610}, []float64{1.9, 2.1}, 0},
		{2, "optimistic", []float64{890, 910}, []float64{3.9, 4.1}, 0.05},
		{2, "pessimistic", []float64{590, 610}, []float64{1.9, 2.1}, 0},
		{4, "optimistic", []float64{490, 510}, []float64{7.9, 8.1}, 0.20},
		{4, "pessimistic", []float64{590, 610}, []float64{2.9, 3.1}, 0},
		{8, "optimistic", []float64{290, 310}, []float64{19, 21}, 0.40},
		{8, "pessimistic", []float64{590, 610}, []float64{3.9, 4.1}, 0},
	})
	cs = append(cs, cells(zipf, []point{
		{1, "optimistic", []float64{1000, 1010}, []float64{1, 1.1}, 0},
		{1, "pessimistic", []float64{700, 1200}, []float64{1, 3}, 0},
		{2, "optimistic", []float64{1900, 2010}, []float64{1, 1.1}, 0.001},
		{2, "pessimistic", []float64{1000, 1100}, []float64{1, 1.2}, 0},
		{4, "optimistic", []float64{3900, 4010}, []float64{1, 1.1}, 0.003},
		{4, "pessimistic", []float64{2000, 2100}, []float64{1.5, 1.6}, 0},
		{8, "optimistic", []float64{7800, 8010}, []float64{1.2, 1.3}, 0.01},
		{8, "pessimistic", []float64{4000, 4100}, []float64{3, 3.2}, 0},
	})...)
	rep, err := Analyze(pl, Options{}, cs)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	rep := goldenReport(t)
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"TestWriteText.golden", func(b *bytes.Buffer) error { return rep.WriteText(b) }},
		{"TestWriteMarkdown.golden", func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) }},
	} {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", tt.name), b.Bytes())
	}
}

func TestAdviceRoundTrip(t *testing.T) {
	t.Parallel()
	rep := goldenReport(t)
	f := &results.File{Schema: results.Schema, Cells: rep.Cells, Advice: rep.Advice()}
	var b bytes.Buffer
	if err := results.Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(&b, "advice.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Advice, f.Advice) {
		a, _ := json.Marshal(got.Advice)
		w, _ := json.Marshal(f.Advice)
		t.Errorf("advice after the round trip:\n%s\nwant:\n%s", a, w)
	}
	if got.Cells[0].Distribution != "single" {
		t.Errorf("distribution after the round trip = %q", got.Cells[0].Distribution)
	}
	// Analysing the file's cells again gives the same advice.
	again, err := Analyze(rep.Plan, rep.Options, got.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Advice(), f.Advice) {
		t.Errorf("advice from the file's cells differs")
	}
}

func TestWritePlots(t *testing.T) {
	t.Parallel()
	rep := goldenReport(t)
	paths, err := rep.WritePlots(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Base(paths[0]) != "advise-single.png" || filepath.Base(paths[1]) != "advise-zipfian.png" {
		t.Errorf("plots = %v", paths)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s: not a PNG (%v)", paths[0], err)
	}
	if _, err := rep.Plot(&SkewResult{Skew: single}); err == nil {
		t.Errorf("Plot of a skew without points: no error")
	}
}

func TestTieLedByEitherIsOneBand(t *testing.T) {
	t.Parallel()
	cs := cells(single, []point{
		{1, "optimistic", []float64{1000}, []float64{1}, 0},
		{1, "pessimistic", []float64{960}, []float64{1}, 0},
		{2, "optimistic", []float64{960}, []float64{1}, 0},
		{2, "pessimistic", []float64{1000}, []float64{1}, 0},
		{4, "optimistic", []float64{2000}, []float64{1}, 0},
		{4, "pessimistic", []float64{1000}, []float64{1}, 0},
	})
	rep, err := Analyze(plan([]int{1, 2, 4}, []string{"optimistic", "pessimistic"}, 1), Options{}, cs)
	if err != nil {
		t.Fatal(err)
	}
	sr := &rep.Skews[0]
	g := sr.Bands[Goodput]
	if len(g) != 2 || g[0].Last != 1 || g[0].Verdict.Label() != "tie: optimistic, pessimistic" {
		t.Fatalf("bands = %+v, want the tie at 1-2 writers as one band", g)
	}
	// Every point has 0% conflicts: the bands are placed by writers.
	if got := rep.BandLine(sr, &g[0]); !strings.HasPrefix(got, "up to 2 writers on single: tie within noise on goodput") {
		t.Errorf("line = %q", got)
	}
	if got := rep.BandLine(sr, &g[1]); !strings.HasPrefix(got, "from 4 writers on single: optimistic with") {
		t.Errorf("line = %q", got)
	}
}

func TestNonMonotoneConflictsPlaceByWriters(t *testing.T) {
	t.Parallel()
	// Conflicts 0%, 4%, 1%: a fall of 3 points, beyond MonotoneSlack.
	cs := cells(single, []point{
		{1, "optimistic", []float64{1000}, []float64{1}, 0},
		{1, "pessimistic", []float64{500}, []float64{1}, 0},
		{2, "optimistic", []float64{500}, []float64{1}, 0.04},
		{2, "pessimistic", []float64{1000}, []float64{1}, 0},
		{4, "optimistic", []float64{1000}, []float64{1}, 0.01},
		{4, "pessimistic", []float64{500}, []float64{1}, 0},
	})
	rep, err := Analyze(plan([]int{1, 2, 4}, []string{"optimistic", "pessimistic"}, 1), Options{}, cs)
	if err != nil {
		t.Fatal(err)
	}
	sr := &rep.Skews[0]
	g := sr.Bands[Goodput]
	if len(g) != 3 {
		t.Fatalf("bands = %+v", g)
	}
	if got := rep.BandLine(sr, &g[1]); !strings.HasPrefix(got, "2 writers on single: pessimistic") {
		t.Errorf("middle band = %q, want it placed by writers", got)
	}
	if got := rep.BandLine(sr, &g[0]); !strings.HasPrefix(got, "up to 1 writer on single: optimistic") {
		t.Errorf("first band = %q, want it placed by writers", got)
	}
	if b := rep.Advice().Skews[0].Bands[0]; b.Below != nil {
		t.Errorf("advice band bound %v on a conflict axis that is not monotone", *b.Below)
	}
}
