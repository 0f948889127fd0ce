package record

import (
	"maps"
	"math/rand/v2"
	"slices"
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
				if attempts > 1 {
					rec.Recovered(lat)
				}
			} else if i%7 == 0 {
				rec.GiveUp(lat, 101+i%3, MaxAttempts)
			} else if i%11 == 0 {
				rec.CutOff()
			}
		}
	}
	var writerOps []int64
	for _, p := range parts {
		writerOps = append(writerOps, p.Ops)
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
	for _, k := range []string{results.HistRecovery, results.HistManyAttempts} {
		if a.Histograms[k] == "" {
			t.Errorf("no %s histogram", k)
		}
	}
	if *a.RecoveryMS != *b.RecoveryMS || a.RecoveryMS.Ops == 0 || a.Fairness.StarvedOps != b.Fairness.StarvedOps || a.Fairness.StarvedOps == 0 {
		t.Errorf("recovery or starved ops differ after merge: one %+v %+v, merged %+v %+v", *a.RecoveryMS, *a.Fairness, *b.RecoveryMS, *b.Fairness)
	}
	// The single recorder is one writer; the merged one four, in merge
	// order.
	if len(a.WriterOps) != 1 || a.WriterOps[0] != a.Ops || a.Fairness.Jain != 1 {
		t.Errorf("writer ops of one recorder: %v (jain %v), want [%d]", a.WriterOps, a.Fairness.Jain, a.Ops)
	}
	if !slices.Equal(b.WriterOps, writerOps) {
		t.Errorf("writer ops %v, want each part's %v", b.WriterOps, writerOps)
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
	r.GiveUp(time.Second, 1, Budget)
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

// BenchmarkRecordConflictedCommit: an op that met a conflict, then
// committed, with its recovery time; every 64th took more than
// results.StarvedAttempts attempts and every 16th gave up.
func BenchmarkRecordConflictedCommit(b *testing.B) {
	r := New(&Series{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := time.Duration(i) * time.Microsecond
		attempts := 2
		if i%64 == 0 {
			attempts = results.StarvedAttempts + 1
		}
		r.AttemptDone(at, 3*time.Microsecond, drivers.VersionMismatch)
		r.AttemptDone(at, 3*time.Microsecond, drivers.NotConflict)
		if i%16 == 0 {
			r.GiveUp(9*time.Microsecond, attempts, MaxAttempts)
			continue
		}
		r.Commit(at, 9*time.Microsecond, attempts, time.Microsecond, 6*time.Microsecond)
		r.Recovered(4 * time.Microsecond)
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
	r.TrackHybrid()
	// The first op of more than StarvedAttempts attempts allocates the
	// ManyAttempts histogram, once.
	r.GiveUp(time.Second, results.StarvedAttempts+1, MaxAttempts)
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		at := time.Duration(i) * time.Microsecond
		r.AttemptDone(at, 3*time.Microsecond, drivers.VersionMismatch)
		r.Commit(at, 5*time.Microsecond, 2+i%200, time.Microsecond, 3*time.Microsecond)
		r.Recovered(2 * time.Microsecond)
		r.GiveUp(7*time.Microsecond, 1+i%200, MaxAttempts)
		r.HybridCommit(5*time.Microsecond, i%2 == 0)
		i++
	})
	if allocs != 0 {
		t.Fatalf("recording allocates %v per op", allocs)
	}
}

// TestKPIs: conflict recovery, per-writer commits and starved ops from
// fake times, as the runner records them.
func TestKPIs(t *testing.T) {
	w := []*Recorder{New(nil), New(nil), New(nil)}
	ms := time.Millisecond
	// Writer 0: four ops of 1 attempt, 1 ms each.
	for i := range 4 {
		at := time.Duration(i) * 10 * ms
		w[0].AttemptDone(at, ms, drivers.NotConflict)
		w[0].Commit(at, ms, 1, 0, ms)
	}
	// Writer 1: an op whose first attempt conflicted at 21 ms, and whose
	// second committed at 23 ms: recovered in 2 ms; then one of 150
	// attempts in 2 ms (starved on attempts, not on latency).
	w[1].AttemptDone(21*ms, ms, drivers.VersionMismatch)
	w[1].AttemptDone(23*ms, ms, drivers.NotConflict)
	w[1].Commit(23*ms, 5*ms, 2, 2*ms, 2*ms)
	w[1].Recovered(23*ms - 21*ms)
	w[1].Commit(30*ms, 2*ms, 150, 0, 2*ms)
	// Writer 2: no commit; an op that gave up after 3 attempts and 500 ms
	// (more than 100 × the 1 ms median: starved), one that gave up after
	// 2 attempts and 50 ms (not starved), and one cut off (not counted).
	w[2].GiveUp(500*ms, 3, MaxElapsed)
	w[2].GiveUp(50*ms, 2, MaxAttempts)
	w[2].CutOff()
	for _, r := range w[1:] {
		if err := w[0].Merge(r); err != nil {
			t.Fatal(err)
		}
	}
	var c results.Cell
	if err := w[0].Summarize(&c, time.Second); err != nil {
		t.Fatal(err)
	}
	if want := (results.Recovery{Ops: 1, P50: 2, P90: 2, P99: 2, Max: 2, Mean: 2}); c.RecoveryMS == nil || *c.RecoveryMS != want {
		t.Errorf("recovery %+v, want %+v", c.RecoveryMS, want)
	}
	if !slices.Equal(c.WriterOps, []int64{4, 2, 0}) {
		t.Errorf("writer ops %v, want [4 2 0]", c.WriterOps)
	}
	// (4+2+0)² / (3·(16+4)) = 36/60.
	want := results.Fairness{Jain: 0.6, MinShare: 0, MaxShare: 0.666667, StarvedOps: 2}
	if c.Fairness == nil || *c.Fairness != want {
		t.Errorf("fairness %+v, want %+v", c.Fairness, want)
	}
	if c.Histograms[results.HistRecovery] == "" || c.Histograms[results.HistManyAttempts] == "" {
		t.Errorf("histograms %v: want recovery and many_attempts", slices.Sorted(maps.Keys(c.Histograms)))
	}

	// A cell without a conflict has a zero recovery and no recovery
	// histogram.
	r := New(nil)
	r.AttemptDone(0, ms, drivers.NotConflict)
	r.Commit(0, ms, 1, 0, ms)
	var d results.Cell
	if err := r.Summarize(&d, time.Second); err != nil {
		t.Fatal(err)
	}
	if d.RecoveryMS == nil || *d.RecoveryMS != (results.Recovery{}) || d.Histograms[results.HistRecovery] != "" || d.Histograms[results.HistManyAttempts] != "" {
		t.Errorf("no conflict: recovery %+v, histograms %v", d.RecoveryMS, slices.Sorted(maps.Keys(d.Histograms)))
	}
	if want := (results.Fairness{Jain: 1, MinShare: 1, MaxShare: 1}); *d.Fairness != want {
		t.Errorf("one writer: fairness %+v, want %+v", *d.Fairness, want)
	}
}
