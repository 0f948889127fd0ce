package results

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func TestFairnessOf(t *testing.T) {
	tests := []struct {
		name string
		ops  []int64
		want Fairness
	}{
		{"no writer", nil, Fairness{}},
		{"no commit", []int64{0, 0, 0}, Fairness{}},
		{"one writer", []int64{7}, Fairness{Jain: 1, MinShare: 1, MaxShare: 1}},
		{"equal", []int64{5, 5, 5, 5}, Fairness{Jain: 1, MinShare: 0.25, MaxShare: 0.25}},
		// One writer made every commit: Jain = 1/n.
		{"one of four", []int64{0, 12, 0, 0}, Fairness{Jain: 0.25, MinShare: 0, MaxShare: 1}},
		// (1+3)² / (2·(1+9)) = 16/20.
		{"one to three", []int64{1, 3}, Fairness{Jain: 0.8, MinShare: 0.25, MaxShare: 0.75}},
		// (10+20+30)² / (3·(100+400+900)) = 3600/4200 = 0.857142857…
		{"rounded", []int64{10, 20, 30}, Fairness{Jain: 0.857143, MinShare: 0.166667, MaxShare: 0.5}},
		// Large counts do not overflow: Σx² is taken in float64.
		{"large", []int64{3e9, 3e9}, Fairness{Jain: 1, MinShare: 0.5, MaxShare: 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FairnessOf(tt.ops); got != tt.want {
				t.Errorf("FairnessOf(%v) = %+v, want %+v", tt.ops, got, tt.want)
			}
		})
	}
}

func histOf(t *testing.T, values ...int64) *hdrhistogram.Histogram {
	t.Helper()
	h := NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestStarvedOps(t *testing.T) {
	// A median of 1000 µs puts the latency bound at 100,000 µs: an op
	// strictly above it starved.
	median := repeat(1000, 10)
	tests := []struct {
		name                    string
		committed, gaveUp, many []int64
		want                    int64
	}{
		{name: "none", committed: median, want: 0},
		{name: "no ops at all", want: 0},
		{name: "at the bound is not above it", committed: append(repeat(1000, 10), 100_000), want: 0},
		{name: "slow committed op", committed: append(repeat(1000, 10), 200_000), want: 1},
		{name: "slow gave-up ops", committed: median, gaveUp: []int64{500, 150_000, 3_000_000}, want: 2},
		// Ops of many attempts are in committed or gaveUp too.
		{name: "many attempts, fast", committed: append(repeat(1000, 10), 2000), many: []int64{2000}, want: 1},
		{name: "many attempts and slow: once", committed: append(repeat(1000, 10), 400_000), many: []int64{400_000}, want: 1},
		{name: "both kinds", committed: append(repeat(1000, 10), 2000, 400_000, 300_000), gaveUp: []int64{900_000, 10},
			many: []int64{2000, 400_000, 10}, want: 5},
		// No committed op, no median: only the attempts count.
		{name: "nothing committed", gaveUp: []int64{5_000_000, 10}, many: []int64{10}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StarvedOps(histOf(t, tt.committed...), histOf(t, tt.gaveUp...), histOf(t, tt.many...))
			if got != tt.want {
				t.Errorf("StarvedOps = %d, want %d", got, tt.want)
			}
		})
	}
	if got := StarvedOps(nil, nil, nil); got != 0 {
		t.Errorf("StarvedOps of nil histograms = %d", got)
	}
	if got := StarvedOps(histOf(t, median...), nil, histOf(t, 5)); got != 1 {
		t.Errorf("StarvedOps with nil gave-up histogram = %d, want 1", got)
	}
}

func TestRecoveryOf(t *testing.T) {
	if got := RecoveryOf(nil); got != (Recovery{}) {
		t.Errorf("RecoveryOf(nil) = %+v", got)
	}
	if got := RecoveryOf(NewHistogram()); got != (Recovery{}) {
		t.Errorf("RecoveryOf(empty) = %+v", got)
	}
	// 1 … 100 ms in 1 ms steps (exact below 2048 µs, 3 significant
	// figures above: quantiles are the bucket's highest value).
	var vs []int64
	for i := int64(1); i <= 100; i++ {
		vs = append(vs, i*1000)
	}
	got := RecoveryOf(histOf(t, vs...))
	want := Recovery{Ops: 100, P50: 50.015, P90: 90.047, P99: 99.007, Max: 100.031, Mean: 50.5036}
	if got != want {
		t.Errorf("RecoveryOf = %+v, want %+v", got, want)
	}
}

func TestSetKPIs(t *testing.T) {
	var c Cell
	ops := []int64{3, 1}
	SetKPIs(&c, histOf(t, 1000, 1000, 1000, 900_000), nil, histOf(t, 2000), nil, ops)
	ops[0] = 99 // SetKPIs keeps a copy
	if c.RecoveryMS == nil || c.RecoveryMS.Ops != 1 || c.RecoveryMS.P99 != 2 {
		t.Errorf("recovery %+v", c.RecoveryMS)
	}
	want := Fairness{Jain: 0.8, MinShare: 0.25, MaxShare: 0.75, StarvedOps: 1}
	if c.Fairness == nil || *c.Fairness != want || c.WriterOps[0] != 3 {
		t.Errorf("fairness %+v, writer ops %v; want %+v, [3 1]", c.Fairness, c.WriterOps, want)
	}
	// A cell where no op met a conflict has a zero recovery, not none.
	SetKPIs(&c, nil, nil, nil, nil, []int64{0})
	if c.RecoveryMS == nil || *c.RecoveryMS != (Recovery{}) || *c.Fairness != (Fairness{}) {
		t.Errorf("empty cell: recovery %+v, fairness %+v", c.RecoveryMS, c.Fairness)
	}
}

// TestKPIsRoundTrip: recovery_ms, fairness and writer_ops survive
// Encode and Read; a file without them (written before they existed)
// reads with none.
func TestKPIsRoundTrip(t *testing.T) {
	f := testFile(t)
	f.Cells[0].RecoveryMS = &Recovery{Ops: 3, P50: 1, P90: 2, P99: 3, Max: 4, Mean: 1.5}
	f.Cells[0].Fairness = &Fairness{Jain: 0.8, MinShare: 0.25, MaxShare: 0.75, StarvedOps: 2}
	f.Cells[0].WriterOps = []int64{1, 3}
	f.Cells[1].RecoveryMS = &Recovery{}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"recovery_ms": {` + "\n" + `        "ops": 3,`, `"fairness": {`, `"starved_ops": 2`, `"writer_ops": [`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("encoded file lacks %q", want)
		}
	}
	g, err := Read(&buf, "test.json")
	if err != nil {
		t.Fatal(err)
	}
	c := g.Cells[0]
	if *c.RecoveryMS != *f.Cells[0].RecoveryMS || *c.Fairness != *f.Cells[0].Fairness || !slices.Equal(c.WriterOps, []int64{1, 3}) {
		t.Errorf("read back %+v %+v %v", c.RecoveryMS, c.Fairness, c.WriterOps)
	}
	if g.Cells[1].RecoveryMS == nil || *g.Cells[1].RecoveryMS != (Recovery{}) {
		t.Errorf("a zero recovery read back as %+v, want present and zero", g.Cells[1].RecoveryMS)
	}
	if c := g.Cells[2]; c.RecoveryMS != nil || c.Fairness != nil || c.WriterOps != nil {
		t.Errorf("a cell without the fields read back with %+v %+v %v", c.RecoveryMS, c.Fairness, c.WriterOps)
	}
}
