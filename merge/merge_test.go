package merge

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/results"
)

// samples is what one writer measured: latencies in µs of committed ops,
// attempts per op, attempt latencies.
type samples struct {
	lat, attemptsPer, attemptLat []int64
}

// gen draws n ops from a seeded generator.
func gen(r *rand.Rand, n int) samples {
	var s samples
	for range n {
		a := 1 + r.IntN(4)
		s.attemptsPer = append(s.attemptsPer, int64(a))
		var total int64
		for range a {
			d := 50 + r.Int64N(5000)
			s.attemptLat = append(s.attemptLat, d)
			total += d
		}
		s.lat = append(s.lat, total+r.Int64N(20000))
	}
	return s
}

func (s samples) concat(o samples) samples {
	return samples{
		lat:         append(append([]int64{}, s.lat...), o.lat...),
		attemptsPer: append(append([]int64{}, s.attemptsPer...), o.attemptsPer...),
		attemptLat:  append(append([]int64{}, s.attemptLat...), o.attemptLat...),
	}
}

func hist(t testing.TB, vs []int64) *hdrhistogram.Histogram {
	t.Helper()
	h := results.NewHistogram()
	for _, v := range vs {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// sameCounts reports whether a and b have the same settings and counts.
func sameCounts(a, b *hdrhistogram.Histogram) bool {
	sa, sb := a.Export(), b.Export()
	return sameSettings(a, b) && a.TotalCount() == b.TotalCount() && reflect.DeepEqual(sa.Counts, sb.Counts)
}

func enc(t testing.TB, h *hdrhistogram.Histogram) string {
	t.Helper()
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cellOf builds the cell a writer with samples s would report over secs
// seconds, its audit reading observed from the store.
func cellOf(t testing.TB, strategy string, writers int, s samples, secs float64, observed int64) results.Cell {
	t.Helper()
	ops := int64(len(s.lat))
	attempts := int64(len(s.attemptLat))
	conflicts := attempts - ops
	c := results.Cell{
		Driver: "postgres", Strategy: strategy, Backoff: "expo", Writers: writers,
		OnConflict: "retry", Scope: "document", Keys: 16,
		DurationS: secs, Ops: ops, Attempts: attempts, Conflicts: conflicts,
		ConflictsByKind: map[string]int64{"version_mismatch": conflicts},
		GiveUps:         map[string]int64{"max-attempts": 2, "interrupted": 1},
		Errors:          map[string]int64{"timeout": 1},
		ThroughputOpsS:  float64(ops) / secs, AttemptsS: float64(attempts) / secs,
		Components:          results.Components{BackoffMean: 1, AttemptMean: 2},
		StaleWritesRejected: 3,
		Audit:               results.Audit{Expected: ops, Observed: observed, Versions: observed, Indeterminate: 1},
		Histograms: map[string]string{
			results.HistCommitted: enc(t, hist(t, s.lat)),
			results.HistAttempts:  enc(t, hist(t, s.attemptsPer)),
			results.HistAttempt:   enc(t, hist(t, s.attemptLat)),
		},
		Timeseries: []results.Point{{T: 1, Ops: ops / 2, Attempts: attempts / 2, P99MS: 2}, {T: 2, Ops: ops - ops/2, Attempts: attempts - attempts/2, P99MS: 3}},
	}
	return c
}

var t0 = time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)

func fileOf(host string, start time.Time, seed float64, cells ...results.Cell) *results.File {
	return &results.File{
		Schema: results.Schema, StartedAt: start, FinishedAt: start.Add(time.Minute),
		Scenario: results.Scenario{
			"name": "hot", "driver": "postgres", "writers": []any{8.0}, "keys": 16.0, "rate": 0.0,
			"seed": seed, "dsn": "postgres://u:xxxxx@" + host + "/db", "thresholds": []any{"p99_ms < 1000", "optimistic: give_ups == 0"},
		},
		Environment: results.Environment{Occbench: "v1", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2,
			Hostname: host, Driver: "postgres", ServerVersion: "16.4"},
		Cells: cells,
	}
}

// halves returns two inputs that split one run's samples, and the samples
// of the whole.
func halves(t *testing.T) (a, b *results.File, whole [2]samples) {
	r := rand.New(rand.NewPCG(1, 2))
	a1, b1 := gen(r, 700), gen(r, 300)
	a2, b2 := gen(r, 50), gen(r, 60)
	// Concurrent processes on one store: the first audit ran while the
	// second was still writing, the last one saw every write.
	a = fileOf("host-a", t0, 1,
		cellOf(t, "optimistic", 8, a1, 10, 900),
		cellOf(t, "pessimistic", 8, a2, 10, 80))
	b = fileOf("host-b", t0.Add(2*time.Second), 2,
		cellOf(t, "optimistic", 8, b1, 9.5, 1000),
		cellOf(t, "pessimistic", 8, b2, 10.2, 110))
	b.Environment.CPUs = 4
	return a, b, [2]samples{a1.concat(b1), a2.concat(b2)}
}

func TestMergeHalvesEqualWhole(t *testing.T) {
	t.Parallel()
	a, b, whole := halves(t)
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 2 {
		t.Fatalf("%d cells, want 2", len(m.Cells))
	}
	for i, c := range m.Cells {
		w := whole[i]
		ca, cb := a.Cells[i], b.Cells[i]
		if c.Ops != int64(len(w.lat)) || c.Attempts != int64(len(w.attemptLat)) || c.Conflicts != ca.Conflicts+cb.Conflicts {
			t.Errorf("cell %d: ops %d attempts %d conflicts %d", i, c.Ops, c.Attempts, c.Conflicts)
		}
		if c.ConflictsByKind["version_mismatch"] != c.Conflicts {
			t.Errorf("cell %d: conflicts by kind %v", i, c.ConflictsByKind)
		}
		if want := map[string]int64{"max-attempts": 4}; !reflect.DeepEqual(c.GiveUps, want) || c.CutOff != 2 {
			t.Errorf("cell %d: give-ups %v cut-off %d, want %v and 2 (the inputs' legacy interrupted give-ups are cut-offs)", i, c.GiveUps, c.CutOff, want)
		}
		if c.Errors["timeout"] != 2 || c.StaleWritesRejected != 6 {
			t.Errorf("cell %d: errors %v stale %d", i, c.Errors, c.StaleWritesRejected)
		}
		if c.Writers != 16 {
			t.Errorf("cell %d: writers %d, want 16 (2 × 8)", i, c.Writers)
		}
		// Histograms: exactly those of the whole.
		for name, vs := range map[string][]int64{
			results.HistCommitted: w.lat, results.HistAttempts: w.attemptsPer, results.HistAttempt: w.attemptLat,
		} {
			got, err := results.DecodeHistogram(c.Histograms[name])
			if err != nil {
				t.Fatal(err)
			}
			if want := hist(t, vs); !sameCounts(got, want) {
				t.Errorf("cell %d: histogram %s differs from the whole's (count %d vs %d)", i, name, got.TotalCount(), want.TotalCount())
			}
		}
		if want := latency(hist(t, w.lat)); c.LatencyMS != want {
			t.Errorf("cell %d: latency %+v, want %+v", i, c.LatencyMS, want)
		}
		if want := results.RetriesOf(hist(t, w.attemptsPer)); c.RetriesPerOp.P99 != want.P99 || c.RetriesPerOp.Max != want.Max || c.RetriesPerOp.Mean != round(want.Mean, 4) {
			t.Errorf("cell %d: retries %+v, want %+v", i, c.RetriesPerOp, want)
		}
		if want := latency(hist(t, w.attemptLat)); c.AttemptMS != want {
			t.Errorf("cell %d: attempt latency %+v, want %+v", i, c.AttemptMS, want)
		}
		// Rates: concurrent inputs add up; duration is the longest.
		if want := round(ca.ThroughputOpsS+cb.ThroughputOpsS, 1); c.ThroughputOpsS != want {
			t.Errorf("cell %d: throughput %v, want %v", i, c.ThroughputOpsS, want)
		}
		if want := max(ca.DurationS, cb.DurationS); c.DurationS != want {
			t.Errorf("cell %d: duration %v, want %v", i, c.DurationS, want)
		}
		if want := round(float64(c.Conflicts)/float64(c.Attempts), 6); c.ConflictRatio != want {
			t.Errorf("cell %d: conflict ratio %v, want %v", i, c.ConflictRatio, want)
		}
		if want := round(float64(c.Ops)/float64(c.Ops+4), 6); c.SuccessRate != want {
			t.Errorf("cell %d: success rate %v, want %v (interrupted give-ups excluded)", i, c.SuccessRate, want)
		}
		// Time series: b started 2 s later.
		if len(c.Timeseries) != 4 || c.Timeseries[0].Ops != ca.Timeseries[0].Ops || c.Timeseries[2].Ops != cb.Timeseries[0].Ops {
			t.Errorf("cell %d: series %+v", i, c.Timeseries)
		}
	}
	// The shared store's audit: Σ expected, the last reading.
	if au := m.Cells[0].Audit; au.Expected != 1000 || au.Observed != 1000 || au.LostUpdates != 0 || !au.OK || au.Indeterminate != 2 {
		t.Errorf("optimistic audit %+v", au)
	}
	if au := m.Cells[1].Audit; au.Expected != 110 || au.Observed != 110 || !au.OK {
		t.Errorf("pessimistic audit %+v", au)
	}
	// File level.
	if !m.StartedAt.Equal(t0) || !m.FinishedAt.Equal(t0.Add(2*time.Second+time.Minute)) {
		t.Errorf("started %v finished %v", m.StartedAt, m.FinishedAt)
	}
	if len(m.Parts) != 2 || m.Parts[1].Hostname != "host-b" {
		t.Errorf("parts %+v", m.Parts)
	}
	if e := m.Environment; e.Hostname != "" || e.CPUs != 0 || e.Driver != "postgres" || e.ServerVersion != "16.4" {
		t.Errorf("environment %+v: want only the fields all inputs agree on", e)
	}
	if w := m.Scenario["writers"]; !reflect.DeepEqual(w, []any{16.0}) {
		t.Errorf("scenario writers %v, want [16]", w)
	}
	if m.Scenario["seed"] != 1.0 {
		t.Errorf("scenario seed %v, want the first input's", m.Scenario["seed"])
	}
	// Thresholds are checked again on the merged cells.
	if th := m.Cells[0].Thresholds; len(th) != 2 || !th[0].Pass || th[1].Pass || th[1].Value != 4 {
		t.Errorf("thresholds %+v", th)
	}
	// The inputs are untouched.
	if a.Cells[0].Writers != 8 || a.Scenario["writers"].([]any)[0] != 8.0 {
		t.Error("merge modified its input")
	}
	// The merged file is valid: it encodes and merges again with itself.
	if _, err := Files([]*results.File{m, m}); err != nil {
		t.Errorf("merging a merged file: %v", err)
	}
}

func TestMergeAudit(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	s1, s2 := gen(r, 40), gen(r, 60)
	for _, tt := range []struct {
		name         string
		driver       string
		separate     bool
		obs1, obs2   int64
		wantObserved int64
		wantLost     int64
		wantOK       bool
	}{
		{"shared store, last audit first", "postgres", false, 100, 70, 100, 0, true},
		{"shared store, lost", "postgres", false, 90, 97, 97, 3, false},
		{"separate stores", "postgres", true, 40, 60, 100, 0, true},
		{"separate stores, lost", "postgres", true, 40, 59, 99, 1, false},
		{"memory is always separate", "memory", false, 40, 60, 100, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := fileOf("a", t0, 1, cellOf(t, "optimistic", 2, s1, 1, tt.obs1))
			b := fileOf("b", t0, 2, cellOf(t, "optimistic", 2, s2, 1, tt.obs2))
			for _, f := range []*results.File{a, b} {
				f.Environment.Driver = tt.driver
				f.Scenario["driver"] = tt.driver
				f.Scenario["thresholds"] = nil
			}
			m, err := Merge([]*results.File{a, b}, Options{SeparateStores: tt.separate})
			if err != nil {
				t.Fatal(err)
			}
			au := m.Cells[0].Audit
			if au.Expected != 100 || au.Observed != tt.wantObserved || au.LostUpdates != tt.wantLost || au.OK != tt.wantOK {
				t.Errorf("audit %+v", au)
			}
			if !tt.wantOK && !strings.Contains(au.Verdict, "LOST UPDATES") {
				t.Errorf("verdict %q", au.Verdict)
			}
		})
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	other := hdrhistogram.New(1, 60_000_000, 2)
	if err := other.RecordValue(100); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(a, b *results.File)
		index  int    // 1-based input named by the error; 0 = not an InputError
		want   string // substring
	}{
		{"schema", func(a, b *results.File) { b.Schema = "occbench/v2" }, 2, `schema: want "occbench/v1", got "occbench/v2"`},
		{"nil input", func(a, b *results.File) { *b = results.File{} }, 0, ""},
		{"scenario", func(a, b *results.File) { b.Scenario["keys"] = 1000.0; b.Scenario["writers"] = []any{4.0} },
			2, `not the same scenario as input 1: keys 1000, input 1 has 16; writers [4], input 1 has [8] (fields that may differ: description, dsn, image, lease_dsn, seed)`},
		{"scenario field missing", func(a, b *results.File) { delete(b.Scenario, "rate") }, 2, "rate unset, input 1 has 0"},
		{"missing cell", func(a, b *results.File) { b.Cells = b.Cells[:1] }, 2, "no cell pessimistic/expo/w8 (postgres) (input 1 has it): inputs must have the same cells (was a run interrupted?)"},
		{"extra cell", func(a, b *results.File) { b.Cells[1].Backoff = "none" }, 2, "cell pessimistic/none/w8 (postgres) is not in input 1"},
		{"duplicate cell", func(a, b *results.File) { b.Cells[1].Strategy = "optimistic" }, 2, "cells 1 and 2 are both optimistic/expo/w8 (postgres)"},
		{"skipped in one", func(a, b *results.File) { b.Cells[1].Skipped = "no leases" }, 2, "cell pessimistic/expo/w8 (postgres): skipped in one input and not in another"},
		{"histogram settings", func(a, b *results.File) { b.Cells[0].Histograms[results.HistCommitted] = enc(t, other) },
			2, "cell optimistic/expo/w8 (postgres): histogram committed: settings 1…60000000 at 2 significant figures differ from input 1's 1…3600000000 at 3 significant figures: cannot merge exactly"},
		{"histogram missing", func(a, b *results.File) { delete(a.Cells[0].Histograms, results.HistCommitted) }, 1, "no committed histogram: latencies cannot be merged"},
		{"histogram corrupt", func(a, b *results.File) { b.Cells[0].Histograms[results.HistAttempt] = "bm90IGEgaGlzdG9ncmFt" }, 2, "histogram attempt: histogram: decode:"},
		{"bad threshold", func(a, b *results.File) {
			a.Scenario["thresholds"] = []any{"p98 < 5"}
			b.Scenario["thresholds"] = []any{"p98 < 5"}
		}, 0, `merge: scenario: threshold "p98 < 5": unknown metric "p98"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b, _ := halves(t)
			tt.change(a, b)
			in := []*results.File{a, b}
			if tt.name == "nil input" {
				in[1] = nil
				tt.index, tt.want = 2, "nil results file"
			}
			_, err := Files(in)
			if err == nil {
				t.Fatal("merge succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			var ie *InputError
			if got := errors.As(err, &ie); got != (tt.index > 0) || (got && ie.Index+1 != tt.index) {
				t.Errorf("error %q: InputError %v, want input %d", err, ie, tt.index)
			}
		})
	}
	if _, err := Files(nil); err == nil {
		t.Error("merging nothing succeeded")
	}
}

func TestMergeAllowsIgnoredFields(t *testing.T) {
	t.Parallel()
	a, b, _ := halves(t) // different seeds and DSNs
	b.Scenario["description"] = "second machine"
	b.Scenario["image"] = "postgres:16"
	if _, err := Files([]*results.File{a, b}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(IgnoredFields(), []string{"description", "dsn", "image", "lease_dsn", "seed"}) {
		t.Errorf("IgnoredFields = %v", IgnoredFields())
	}
}

func TestMergeSkippedAndOpenLoop(t *testing.T) {
	t.Parallel()
	a, b, _ := halves(t)
	for _, f := range []*results.File{a, b} {
		f.Scenario["rate"] = 500.0
		for i := range f.Cells {
			f.Cells[i].Rate = 500
		}
		f.Cells = append(f.Cells, results.Cell{Driver: "postgres", Strategy: "lease", Backoff: "expo", Writers: 8, Skipped: "no leases"})
	}
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if m.Scenario["rate"] != 1000.0 || m.Cells[0].Rate != 1000 {
		t.Errorf("rate: scenario %v, cell %v; want 1000", m.Scenario["rate"], m.Cells[0].Rate)
	}
	if c := m.Cells[2]; c.Skipped != "no leases" || c.Ops != 0 || c.Thresholds != nil {
		t.Errorf("skipped cell %+v", c)
	}
}

func BenchmarkMerge(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var parts []*results.File
	for i := range 4 {
		parts = append(parts, fileOf("h", t0, float64(i), cellOf(b, "optimistic", 8, gen(r, 2000), 10, 8000)))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Files(parts); err != nil {
			b.Fatal(err)
		}
	}
}

// faultsInputs reads the faults fixture twice, as two runners' files:
// the second started 2 s after the first, and change adjusts it.
func faultsInputs(t *testing.T, change func(b *results.File)) (a, b *results.File) {
	t.Helper()
	var err error
	if a, err = results.ReadFile("../results/testdata/faults.json"); err != nil {
		t.Fatal(err)
	}
	if b, err = results.ReadFile("../results/testdata/faults.json"); err != nil {
		t.Fatal(err)
	}
	b.StartedAt = b.StartedAt.Add(2 * time.Second)
	b.Scenario["seed"] = 8.0
	b.Environment.Hostname = "runner-b"
	change(b)
	return a, b
}

// clean makes c's audit an ordinary one, without faults.
func clean(c *results.Cell) {
	c.Faults = nil
	c.Audit = results.Audit{Expected: c.Ops, Observed: c.Ops, Versions: c.Ops, OK: true, LossExpected: c.Strategy == "lww", Verdict: "ok"}
}

// TestMergeFaults: fault records of concurrent runners are concatenated
// (moved to the merged clock), and a store reset or an unavailable audit
// in any input stays so in the merge, in whichever order the inputs come.
func TestMergeFaults(t *testing.T) {
	t.Parallel()
	a, b := faultsInputs(t, func(b *results.File) {
		b.Cells[0].Faults = b.Cells[0].Faults[:1] // one pause
		clean(&b.Cells[1])                        // no reset seen by runner b
		clean(&b.Cells[2])                        // runner b read its store
	})
	for _, tt := range []struct {
		name   string
		inputs []*results.File
		first  int // 1-based input of a (the one with the states)
	}{
		{"states in input 1", []*results.File{a, b}, 1},
		{"states in input 2", []*results.File{b, a}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Each runner had its own store (as each fixture's audit says).
			m, err := Merge(tt.inputs, Options{SeparateStores: true})
			if err != nil {
				t.Fatal(err)
			}
			// Faults: input order, b's moved by its 2 s offset.
			var got []string
			for _, fl := range m.Cells[0].Faults {
				got = append(got, fmt.Sprintf("%s@%g", fl.Spec, fl.AtS))
			}
			want := []string{"pause@3s:4s@3", "restart@12s:2s@12", "pause@3s:4s@5"}
			if tt.first == 2 {
				want = []string{"pause@3s:4s@5", "pause@3s:4s@3", "restart@12s:2s@12"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("faults of the first cell %v, want %v", got, want)
			}
			if n := len(m.Cells[2].Faults); n != 2 {
				t.Errorf("lww cell: %d faults, want a's 2", n)
			}
			if m.Cells[3].Faults != nil {
				t.Errorf("a cell without faults got %v", m.Cells[3].Faults)
			}

			in := fmt.Sprintf("input %d", tt.first)
			reset := m.Cells[1].Audit
			if !reset.StoreReset || reset.OK || reset.Unavailable != "" ||
				reset.Verdict != "STORE RESET: the store lost documents the cell seeded, seen by "+in+" (12 of the 16 documents the cell seeded were gone after it)" {
				t.Errorf("store reset cell: audit %+v", reset)
			}
			down := m.Cells[2].Audit
			wantDown := in + ": read totals: dial tcp 127.0.0.1:56379: connect: connection refused"
			if down.StoreReset || down.OK || down.Unavailable != wantDown || down.Verdict != "AUDIT UNAVAILABLE: "+wantDown {
				t.Errorf("unavailable cell: audit %+v", down)
			}
			if ok := m.Cells[0].Audit; ok.StoreReset || ok.Unavailable != "" || !ok.OK {
				t.Errorf("clean cell: audit %+v", ok)
			}
			for i, want := range []string{"ok, 20 indeterminate", "STORE RESET: no verdict, 5 indeterminate", "AUDIT UNAVAILABLE: no verdict, 230 indeterminate", "ok"} {
				if got := results.AuditText(&m.Cells[i]); got != want {
					t.Errorf("cell %d: audit %q, want %q", i, got, want)
				}
			}
			// Merged again (with itself), the states and faults hold.
			mm, err := Merge([]*results.File{m, m}, Options{SeparateStores: true})
			if err != nil {
				t.Fatal(err)
			}
			if c := mm.Cells[1].Audit; !c.StoreReset || c.OK {
				t.Errorf("merged twice: store reset lost: %+v", c)
			}
			if c := mm.Cells[2].Audit; c.Unavailable == "" || c.OK {
				t.Errorf("merged twice: unavailable lost: %+v", c)
			}
			if n := len(mm.Cells[0].Faults); n != 6 {
				t.Errorf("merged twice: %d faults, want 6", n)
			}
		})
	}
}

// TestMergeAuditStatesBoth: a reset in one input and an unavailable audit
// in the other leave both states; separate stores change nothing.
func TestMergeAuditStatesBoth(t *testing.T) {
	t.Parallel()
	a, b := faultsInputs(t, func(b *results.File) {
		b.Cells[1].Audit.StoreReset = false
		b.Cells[1].Audit.Unavailable = "timeout"
		b.Cells[1].Audit.Verdict = "AUDIT UNAVAILABLE: timeout"
	})
	for _, separate := range []bool{false, true} {
		m, err := Merge([]*results.File{a, b}, Options{SeparateStores: separate})
		if err != nil {
			t.Fatal(err)
		}
		au := m.Cells[1].Audit
		if !au.StoreReset || au.Unavailable != "input 2: timeout" || au.OK || !strings.HasPrefix(au.Verdict, "AUDIT UNAVAILABLE: input 2: timeout; STORE RESET: ") {
			t.Errorf("separate %v: audit %+v", separate, au)
		}
	}
	if _, err := Files([]*results.File{a, b}); err != nil {
		t.Fatal(err)
	}
	if a.Cells[1].Audit.Unavailable != "" || len(a.Cells[0].Faults) != 2 {
		t.Error("merge modified its input")
	}
}

// withKPIs gives c a recovery histogram of recov (µs), a many_attempts
// one of many (µs, each also one of c's committed latencies lat) and the
// per-writer commits ops, with the summaries the recorder would write.
func withKPIs(t *testing.T, c results.Cell, lat, recov, many, ops []int64) results.Cell {
	t.Helper()
	hs := map[string]string{}
	for k, v := range c.Histograms {
		hs[k] = v
	}
	if len(recov) > 0 {
		hs[results.HistRecovery] = enc(t, hist(t, recov))
	}
	if len(many) > 0 {
		hs[results.HistManyAttempts] = enc(t, hist(t, many))
	}
	c.Histograms = hs
	results.SetKPIs(&c, hist(t, lat), nil, hist(t, recov), hist(t, many), ops)
	return c
}

// TestMergeKPIs: the merged recovery histogram is the whole's, fairness
// is recomputed from the concatenated writers' commits, starved ops
// against the merged median; an input written before these fields
// leaves the merged cell without them.
func TestMergeKPIs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	sa, sb := gen(r, 400), gen(r, 200)
	// Ops take up to 40 ms, with a median near 15 ms; five of input b's
	// take 5 s, more than 100 × the median. Two of b's ops took more than
	// 100 attempts: a slow one and a fast one.
	for i := range 5 {
		sb.lat[i] = 5_000_000 + int64(i)
	}
	recA := []int64{100, 2000, 35_000}
	recB := []int64{700, 900_000}
	many := []int64{sb.lat[0], sb.lat[10]}
	a := fileOf("host-a", t0, 1, withKPIs(t, cellOf(t, "optimistic", 2, sa, 10, 600), sa.lat, recA, nil, []int64{300, 100}))
	b := fileOf("host-b", t0, 2, withKPIs(t, cellOf(t, "optimistic", 2, sb, 10, 600), sb.lat, recB, many, []int64{200, 0}))
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cells[0]
	whole := sa.concat(sb)
	got, err := results.DecodeHistogram(c.Histograms[results.HistRecovery])
	if err != nil {
		t.Fatal(err)
	}
	recWhole := hist(t, append(append([]int64{}, recA...), recB...))
	if !sameCounts(got, recWhole) {
		t.Errorf("recovery histogram differs from the whole's")
	}
	if want := results.RecoveryOf(recWhole); c.RecoveryMS == nil || *c.RecoveryMS != want || want.Ops != 5 {
		t.Errorf("recovery %+v, want %+v", c.RecoveryMS, want)
	}
	if want := []int64{300, 100, 200, 0}; !reflect.DeepEqual(c.WriterOps, want) {
		t.Errorf("writer ops %v, want %v", c.WriterOps, want)
	}
	// (600)² / (4·(90000+10000+40000)) = 360000/560000.
	starved := results.StarvedOps(hist(t, whole.lat), nil, hist(t, many))
	want := results.Fairness{Jain: 0.642857, MinShare: 0, MaxShare: 0.5, StarvedOps: starved}
	if c.Fairness == nil || *c.Fairness != want {
		t.Errorf("fairness %+v, want %+v", c.Fairness, want)
	}
	// Five slow ops, one of them also of many attempts, and one fast op
	// of many attempts.
	if starved != 6 {
		t.Errorf("starved ops of the whole = %d, want 6", starved)
	}

	// An input from before these fields existed.
	old := fileOf("host-b", t0, 2, cellOf(t, "optimistic", 2, sb, 10, 600))
	m, err = Files([]*results.File{a, old})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Cells[0]; c.RecoveryMS != nil || c.Fairness != nil || c.WriterOps != nil {
		t.Errorf("merge with an old input: recovery %+v, fairness %+v, writer ops %v; want none", c.RecoveryMS, c.Fairness, c.WriterOps)
	}
	// A cell whose ops recovered from conflicts must carry its recovery
	// histogram.
	bad := fileOf("host-b", t0, 2, withKPIs(t, cellOf(t, "optimistic", 2, sb, 10, 600), sb.lat, recB, nil, []int64{200, 0}))
	delete(bad.Cells[0].Histograms, results.HistRecovery)
	if _, err := Files([]*results.File{a, bad}); err == nil || !strings.Contains(err.Error(), "no recovery histogram") {
		t.Errorf("merge without a recovery histogram: %v", err)
	}
}

// TestMergeKeepsDistributionsApart: occbench advise's cells that differ
// only by their key distribution merge each with its own.
func TestMergeKeepsDistributionsApart(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	s1, s2, s3, s4 := gen(r, 100), gen(r, 200), gen(r, 300), gen(r, 400)
	with := func(c results.Cell, d string) results.Cell { c.Distribution = d; return c }
	a := fileOf("host-a", t0, 1, with(cellOf(t, "optimistic", 8, s1, 10, 100), "single"), with(cellOf(t, "optimistic", 8, s2, 10, 200), "uniform"))
	b := fileOf("host-b", t0, 2, with(cellOf(t, "optimistic", 8, s3, 10, 300), "single"), with(cellOf(t, "optimistic", 8, s4, 10, 400), "uniform"))
	a.Advice = &results.Advice{Backoff: "expo"}
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 2 || m.Cells[0].Distribution != "single" || m.Cells[0].Ops != 400 || m.Cells[1].Distribution != "uniform" || m.Cells[1].Ops != 600 {
		t.Errorf("merged cells: %d, %q %d ops, want single 400 and uniform 600", len(m.Cells), m.Cells[0].Distribution, m.Cells[0].Ops)
	}
	if m.Advice != nil {
		t.Errorf("a merged file keeps an input's advice: %+v", m.Advice)
	}
}
