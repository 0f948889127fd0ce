package record

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// TestMergeEqualsSingle: recording samples into four recorders and merging
// gives exactly what recording them all into one gives.
func TestMergeEqualsSingle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	one := New(&Series{})
	parts := []*Recorder{New(&Series{}), New(&Series{}), New(&Series{}), New(&Series{})}
	for i := range 20000 {
		lat := time.Duration(r.ExpFloat64() * float64(2*time.Millisecond))
		at := time.Duration(i) * time.Millisecond / 4
		kind := drivers.NotConflict
		if r.IntN(5) == 0 {
			kind = drivers.VersionMismatch
		}
		p := parts[i%4]
		attempts := 1 + r.IntN(3)
		for _, rec := range []*Recorder{one, p} {
			rec.AttemptDone(at, lat, kind)
			if kind == drivers.NotConflict {
				rec.Commit(at, lat*2, attempts, lat/2, lat)
			} else if i%7 == 0 {
				rec.GiveUp(lat, MaxAttempts)
			} else if i%11 == 0 {
				rec.CutOff()
			}
		}
	}
	merged := parts[0]
	for _, p := range parts[1:] {
		if err := merged.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	var a, b results.Cell
	if err := one.Summarize(&a, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := merged.Summarize(&b, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if a.Ops != b.Ops || a.Attempts != b.Attempts || a.Conflicts != b.Conflicts || a.LatencyMS != b.LatencyMS ||
		a.AttemptMS != b.AttemptMS || a.RetriesPerOp != b.RetriesPerOp || a.GiveUps["max-attempts"] != b.GiveUps["max-attempts"] ||
		a.CutOff != b.CutOff || a.CutOff == 0 {
		t.Fatalf("merged summary differs:\n one    %d %d %d %+v %+v\n merged %d %d %d %+v %+v", a.Ops, a.Attempts, a.Conflicts, a.LatencyMS, a.RetriesPerOp, b.Ops, b.Attempts, b.Conflicts, b.LatencyMS, b.RetriesPerOp)
	}
	for k, v := range a.Histograms {
		if b.Histograms[k] != v {
			t.Errorf("histogram %s differs after merge", k)
		}
	}
	if a.Ops == 0 || a.Conflicts == 0 || a.ConflictRatio <= 0 || a.ThroughputOpsS != float64(a.Ops)/5 {
		t.Errorf("implausible summary: ops %d conflicts %d ratio %v tput %v", a.Ops, a.Conflicts, a.ConflictRatio, a.ThroughputOpsS)
	}
}

func TestSummarizeDefinitions(t *testing.T) {
	r := New(nil)
	// 3 ops: 1, 2 and 4 attempts; 4 conflicts in 7 attempts.
	for i, attempts := range []int{1, 2, 4} {
		for a := 0; a < attempts; a++ {
			kind := drivers.VersionMismatch
			if a == attempts-1 {
				kind = drivers.NotConflict
			}
			r.AttemptDone(time.Duration(i)*time.Second, time.Millisecond, kind)
		}
		r.Commit(time.Duration(i)*time.Second, time.Duration(attempts)*time.Millisecond, attempts, 0, time.Duration(attempts)*time.Millisecond)
	}
	r.GiveUp(time.Second, Budget)
	r.CutOff()
	var c results.Cell
	if err := r.Summarize(&c, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if c.Ops != 3 || c.Attempts != 7 || c.Conflicts != 4 {
		t.Fatalf("counts %d %d %d", c.Ops, c.Attempts, c.Conflicts)
	}
	if c.ConflictRatio != 0.571429 {
		t.Errorf("conflict_ratio %v, want 4/7", c.ConflictRatio)
	}
	if c.ThroughputOpsS != 1.5 || c.AttemptsS != 3.5 {
		t.Errorf("rates %v %v", c.ThroughputOpsS, c.AttemptsS)
	}
	if c.RetriesPerOp.Mean != 1.3333 || c.RetriesPerOp.Max != 3 {
		t.Errorf("retries %+v, want mean 4/3 max 3", c.RetriesPerOp)
	}
	// success = ops / (ops + gave up), cut-offs excluded.
	if c.SuccessRate != 0.75 {
		t.Errorf("success_rate %v, want 0.75", c.SuccessRate)
	}
	if c.Amplification != 2.3333 {
		t.Errorf("amplification %v", c.Amplification)
	}
	if c.ConflictsByKind["version_mismatch"] != 4 || c.GiveUps["budget"] != 1 || len(c.GiveUps) != 1 || c.CutOff != 1 {
		t.Errorf("by kind %v give-ups %v cut-off %d; want 1 budget give-up and 1 cut-off apart", c.ConflictsByKind, c.GiveUps, c.CutOff)
	}
	if n := r.GaveUp.TotalCount(); n != 1 {
		t.Errorf("gave_up histogram holds %d samples, want the 1 give-up (no cut-off)", n)
	}
}

func TestOutOfRangeIsCounted(t *testing.T) {
	r := New(nil)
	r.Commit(0, 2*time.Hour, 1, 0, 0)
	if r.OutOfRange != 1 {
		t.Fatalf("out of range = %d, want 1", r.OutOfRange)
	}
}

func TestSeriesPerSecond(t *testing.T) {
	s := &Series{}
	a, b := New(s), New(s)
	for i := range 300 {
		at := time.Duration(i) * 10 * time.Millisecond // 3 seconds
		a.AttemptDone(at, time.Millisecond, drivers.NotConflict)
		a.Commit(at, time.Duration(i+1)*time.Microsecond*100, 1, 0, 0)
		b.AttemptDone(at, time.Millisecond, drivers.VersionMismatch)
	}
	a.Flush()
	b.Flush()
	pts := s.Points()
	if len(pts) != 3 {
		t.Fatalf("%d points, want 3", len(pts))
	}
	for i, p := range pts {
		if p.T != float64(i+1) || p.Ops != 100 || p.Attempts != 200 || p.Conflicts != 100 {
			t.Errorf("point %d: %+v", i, p)
		}
	}
	// Second 3 holds latencies 20.1 ms … 30 ms: p99 ≈ 29.9 ms within 7%.
	if p := pts[2].P99MS; p < 29.9*0.93 || p > 29.9*1.07 {
		t.Errorf("p99 of last second = %v ms, want ≈ 29.9", p)
	}
}

func TestLogHistBounds(t *testing.T) {
	for _, v := range []int64{0, 1, 15, 16, 17, 100, 1000, 123456, 1 << 40} {
		i := logIndex(v)
		if hi := logValue(i); hi < v || (v >= 16 && float64(hi-v) > 0.07*float64(v)) {
			t.Errorf("value %d: bucket %d upper bound %d", v, i, hi)
		}
		if i > 0 && logValue(i-1) >= v {
			t.Errorf("value %d: previous bucket bound %d not below it", v, logValue(i-1))
		}
	}
}

func BenchmarkRecordCommit(b *testing.B) {
	r := New(&Series{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := time.Duration(i) * time.Microsecond
		r.AttemptDone(at, 3*time.Microsecond, drivers.NotConflict)
		r.Commit(at, 5*time.Microsecond, 1, 0, 3*time.Microsecond)
	}
}

func BenchmarkRecordSample(b *testing.B) {
	r := New(&Series{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.AttemptDone(time.Duration(i)*time.Microsecond, 3*time.Microsecond, drivers.NotConflict)
	}
}

func TestRecordingAllocatesNothing(t *testing.T) {
	r := New(&Series{})
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		at := time.Duration(i) * time.Microsecond
		r.AttemptDone(at, 3*time.Microsecond, drivers.VersionMismatch)
		r.Commit(at, 5*time.Microsecond, 2, time.Microsecond, 3*time.Microsecond)
		i++
	})
	if allocs != 0 {
		t.Fatalf("recording allocates %v per op", allocs)
	}
}
