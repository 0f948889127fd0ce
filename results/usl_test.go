package results

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/occbench/occbench/internal/golden"
	"github.com/occbench/occbench/internal/textout"
	"github.com/occbench/occbench/usl"
)

// uslCell is a cell that ran, with only what FitUSL reads.
func uslCell(driver, strategy, backoff string, writers int, opsS float64) Cell {
	return Cell{Driver: driver, Strategy: strategy, Backoff: backoff, Writers: writers, DurationS: 2, ThroughputOpsS: opsS}
}

// uslFile is a sweep of writers 1 … 16: optimistic/expo with contention
// and coherency (two trials, ±2%), pessimistic/none serialised, lww/none
// linear but for one interrupted cell and an open-loop cell, a lease
// strategy skipped, a two-point sweep and one with no throughput.
func uslFile() *File {
	f := &File{Schema: Schema}
	opt := usl.Model{Lambda: 1000, Sigma: 0.05, Kappa: 0.004}
	for _, w := range []int{1, 2, 4, 8, 16} {
		n := float64(w)
		for trial, k := range []float64{0.98, 1.02} {
			c := uslCell("memory", "optimistic", "expo", w, opt.X(n)*k)
			c.Trial = trial + 1
			f.Cells = append(f.Cells, c)
		}
		f.Cells = append(f.Cells, uslCell("memory", "pessimistic", "none", w, 400))
		lww := uslCell("memory", "lww", "none", w, 300*n)
		if w == 8 {
			lww.Interrupted, lww.ThroughputOpsS = true, 1 // left out, else the fit would not be exact
		}
		f.Cells = append(f.Cells, lww)
		open := uslCell("memory", "lww", "none", w, 5)
		open.Rate = 500
		f.Cells = append(f.Cells, open)
		f.Cells = append(f.Cells, Cell{Driver: "memory", Strategy: "lease", Backoff: "none", Writers: w, Skipped: "no leases"})
		f.Cells = append(f.Cells, uslCell("memory", "optimistic", "none", w, 0))
	}
	f.Cells = append(f.Cells, uslCell("memory", "pessimistic", "expo", 1, 100), uslCell("memory", "pessimistic", "expo", 2, 100))
	return f
}

func TestFitUSL(t *testing.T) {
	t.Parallel()
	fits := FitUSL(uslFile())
	names := make([]string, len(fits))
	for i := range fits {
		names[i] = fits[i].Name(false)
	}
	if got, want := strings.Join(names, " "), "optimistic/expo pessimistic/none lww/none optimistic/none"; got != want {
		t.Fatalf("fits %q, want %q", got, want)
	}
	opt, pes, lww, zero := fits[0], fits[1], fits[2], fits[3]

	if opt.Points != 10 || len(opt.Writers) != 5 || opt.Writers[0] != 1 || opt.Writers[4] != 16 {
		t.Errorf("optimistic/expo: points %d writers %v, want 10 cells at 1 … 16", opt.Points, opt.Writers)
	}
	// Trials average to the model exactly.
	if math.Abs(opt.Lambda-1000) > 1e-3 || math.Abs(opt.Sigma-0.05) > 1e-6 || math.Abs(opt.Kappa-0.004) > 1e-8 || opt.R2 < 0.999999 || opt.MAPE > 1e-4 {
		t.Errorf("optimistic/expo: %+v, want λ 1000, σ 0.05, κ 0.004, r2 1, mape 0", opt)
	}
	wantPeak := math.Sqrt((1 - 0.05) / 0.004) // 15.4
	if opt.PeakWriters == nil || math.Abs(*opt.PeakWriters-wantPeak) > 1e-3 || opt.PeakOpsS == nil || opt.PeakBeyond {
		t.Errorf("optimistic/expo: peak %v at %v (beyond %v), want %.4g inside the sweep", opt.PeakOpsS, opt.PeakWriters, opt.PeakBeyond, wantPeak)
	}

	if pes.Sigma < 0.999999 || pes.Kappa != 0 || math.Abs(pes.Lambda-400) > 1e-6 || pes.PeakWriters != nil || pes.PeakOpsS != nil {
		t.Errorf("pessimistic/none: %+v, want σ 1, κ 0, λ 400, no peak", pes)
	}
	if lww.Points != 4 || len(lww.Writers) != 4 || lww.Sigma > 1e-9 || lww.Kappa != 0 || math.Abs(lww.Lambda-300) > 1e-6 {
		t.Errorf("lww/none: %+v, want 4 points (interrupted and open-loop cells left out), σ κ 0, λ 300", lww)
	}
	if zero.Error == "" || !strings.Contains(zero.Error, "every X is 0") || zero.Lambda != 0 {
		t.Errorf("optimistic/none: %+v, want an error naming the zero throughput", zero)
	}

	if got := FitUSL(&File{Schema: Schema, Cells: []Cell{uslCell("m", "s", "b", 1, 1), uslCell("m", "s", "b", 4, 2)}}); got != nil {
		t.Errorf("two writer counts: %+v, want nil", got)
	}
	if FitUSL(nil) != nil || USLOf(nil) != nil {
		t.Error("nil file: want nil")
	}
}

// TestFitUSLBeyond: a sweep still rising when it ends predicts its peak
// beyond the writers measured.
func TestFitUSLBeyond(t *testing.T) {
	t.Parallel()
	m := usl.Model{Lambda: 100, Sigma: 0.02, Kappa: 0.0002} // peak at 70 writers
	f := &File{Schema: Schema}
	for _, w := range []int{1, 2, 4, 8, 16, 32} {
		f.Cells = append(f.Cells, uslCell("sqlite", "optimistic", "expo", w, m.X(float64(w))))
	}
	fits := FitUSL(f)
	if len(fits) != 1 || fits[0].PeakWriters == nil || !fits[0].PeakBeyond || math.Abs(*fits[0].PeakWriters-70) > 0.01 {
		t.Fatalf("fits %+v, want one with its peak at 70 writers, beyond 32", fits)
	}
	_, rows := USLTable(fits)
	if got := rows[0][6]; got != "70.0, beyond" {
		t.Errorf("peak writers column %q, want %q", got, "70.0, beyond")
	}
}

// TestFitUSLFalling: a sweep fitted with σ = 1 and κ > 0 peaks at 0
// writers; its peak throughput is the fit's at 1 writer, not 0/0, and
// the file still encodes.
func TestFitUSLFalling(t *testing.T) {
	t.Parallel()
	f := &File{Schema: Schema}
	for _, w := range []int{1, 2, 4, 8, 16} {
		f.Cells = append(f.Cells, uslCell("memory", "lease", "expo", w, 300/(1+0.1*float64(w-1))))
	}
	f.USL = FitUSL(f)
	if len(f.USL) != 1 {
		t.Fatalf("fits %+v", f.USL)
	}
	u := f.USL[0]
	if u.PeakWriters == nil || *u.PeakWriters != 0 || u.PeakOpsS == nil || math.Abs(*u.PeakOpsS-300) > 1e-6 || u.Sigma != 1 {
		t.Errorf("fit %+v (peak %v, %v), want σ 1, peak 0 writers at 300 ops/s", u, deref(u.PeakWriters), deref(u.PeakOpsS))
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	_, rows := USLTable(f.USL)
	if rows[0][6] != "<1" || rows[0][7] != "300" {
		t.Errorf("row %q, want peak writers <1 at 300 ops/s", rows[0])
	}
}

func TestUSLJSON(t *testing.T) {
	t.Parallel()
	f := uslFile()
	f.USL = FitUSL(f)
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		USL []map[string]any `json:"usl"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.USL) != 4 {
		t.Fatalf("usl: %d fits, want 4", len(raw.USL))
	}
	for _, k := range []string{"driver", "strategy", "backoff", "writers", "points", "lambda", "sigma", "kappa", "peak_writers", "peak_ops_s", "r2", "mape_pct"} {
		if _, ok := raw.USL[0][k]; !ok {
			t.Errorf("usl[0] has no %q: %v", k, raw.USL[0])
		}
	}
	if _, ok := raw.USL[1]["peak_writers"]; ok {
		t.Errorf("usl[1] (κ = 0) has peak_writers: %v", raw.USL[1])
	}
	if _, ok := raw.USL[3]["error"]; !ok {
		t.Errorf("usl[3] has no error: %v", raw.USL[3])
	}
	back, err := Read(bytes.NewReader(buf.Bytes()), "usl.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.USL) != 4 || *back.USL[0].PeakWriters != *f.USL[0].PeakWriters {
		t.Errorf("round trip: %+v", back.USL)
	}

	// A file without sweeps has no "usl" key.
	buf.Reset()
	if err := Encode(&buf, &File{Schema: Schema, Cells: []Cell{}}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(`"usl"`)) {
		t.Errorf("file without fits: %s", buf.Bytes())
	}
}

// TestUSLOf: a file's own fits are used; a file without them (written
// before, or merged) is fitted when rendered.
func TestUSLOf(t *testing.T) {
	t.Parallel()
	f := uslFile()
	if got := USLOf(f); len(got) != 4 {
		t.Fatalf("USLOf without fits: %d, want 4 fitted", len(got))
	}
	f.USL = []USL{{Driver: "x", Strategy: "recorded", Backoff: "b", Writers: []int{1, 2, 3}}}
	if got := USLOf(f); len(got) != 1 || got[0].Strategy != "recorded" {
		t.Errorf("USLOf with fits: %+v, want the file's", got)
	}
	out := string(render(t, f, "text"))
	if !strings.Contains(out, "recorded") {
		t.Errorf("text report does not show the file's fits:\n%s", out)
	}
}

// TestRenderUSL checks the section itself against golden files, and that
// Render prints it.
func TestRenderUSL(t *testing.T) {
	t.Parallel()
	f := uslFile()
	f.Cells = append(f.Cells, uslCell("sqlite", "optimistic", "expo", 1, 90),
		uslCell("sqlite", "optimistic", "expo", 4, 300), uslCell("sqlite", "optimistic", "expo", 16, 700))
	for _, tt := range []struct {
		format   string
		markdown bool
		heading  string
	}{
		{"text", false, "scalability (USL fit of ops/s against writers"},
		{"markdown", true, "#### Scalability (USL)"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			ew := textout.New(&buf)
			writeUSL(ew, f, tt.markdown)
			if err := ew.Err(); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, golden.Path(t), buf.Bytes())
			if out := render(t, f, tt.format); !bytes.Contains(out, []byte(tt.heading)) {
				t.Errorf("Render(%s) has no USL section:\n%s", tt.format, out)
			}
		})
	}
}

// TestRenderNoUSL: a file without a sweep of three writer counts has no
// USL section.
func TestRenderNoUSL(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "markdown"} {
		if out := render(t, testFile(t), format); bytes.Contains(bytes.ToLower(out), []byte("usl")) {
			t.Errorf("%s: a USL section without a sweep:\n%s", format, out)
		}
	}
}
