package record

import (
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

func TestLatencyBounds(t *testing.T) {
	t.Parallel()
	prevHi := int64(-1)
	// Up to 2⁴⁰ µs (12 days); the last buckets pass int64's range.
	for i := range LatencyBucket(1 << 40) {
		lo, hi := LatencyBounds(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d = [%d, %d], want to start at %d", i, lo, hi, prevHi+1)
		}
		if LatencyBucket(lo) != i || LatencyBucket(hi) != i {
			t.Fatalf("bucket %d = [%d, %d]: LatencyBucket(lo) = %d, LatencyBucket(hi) = %d", i, lo, hi, LatencyBucket(lo), LatencyBucket(hi))
		}
		prevHi = hi
	}
	// Buckets are at most 1/16 of their lower bound wide above 16 µs.
	for _, v := range []int64{16, 1000, 1023, 1024, 123_456, 3_600_000_000} {
		lo, hi := LatencyBounds(LatencyBucket(v))
		if float64(hi-lo+1) > float64(lo)/16 {
			t.Errorf("bucket of %d µs = [%d, %d]: wider than 1/16 of %d", v, lo, hi, lo)
		}
	}
}

func TestSeriesLatency(t *testing.T) {
	t.Parallel()
	s := &Series{}
	a, b := New(s), New(s)
	var got Latency
	s.Latency(&got)
	if got.N != 0 {
		t.Fatalf("empty series: N = %d", got.N)
	}
	lat := []time.Duration{0, 999 * time.Microsecond, 1100 * time.Microsecond, 2 * time.Second}
	for sec := range 3 {
		at := time.Duration(sec)*time.Second + time.Millisecond
		for _, l := range lat {
			a.AttemptDone(at, l, drivers.NotConflict)
			a.Commit(at, l, 1, 0, l)
		}
		b.Commit(at, time.Millisecond, 1, 0, time.Millisecond)
	}
	// Each writer flushes a second when it records in the next: a has
	// flushed seconds 0 and 1, b has too; a moves on to second 3.
	s.Latency(&got)
	if got.N != 2*4+2 {
		t.Errorf("before the last flushes: N = %d, want 10", got.N)
	}
	a.bucketAt(3 * time.Second)
	s.Latency(&got)
	if got.N != 3*4+2 {
		t.Errorf("a's third second flushed: N = %d, want 14", got.N)
	}
	a.Flush()
	b.Flush()
	s.Latency(&got)
	want := map[int]uint64{
		LatencyBucket(0): 3, LatencyBucket(999): 3 + 3, // 1 ms = 1000 µs shares 999's bucket
		LatencyBucket(1100): 3, LatencyBucket(2_000_000): 3,
	}
	if LatencyBucket(999) != LatencyBucket(1000) {
		t.Fatalf("999 and 1000 µs in buckets %d and %d", LatencyBucket(999), LatencyBucket(1000))
	}
	var sum uint64
	for i, n := range got.Counts {
		sum += n
		if n != want[i] {
			lo, hi := LatencyBounds(i)
			t.Errorf("bucket %d [%d, %d] µs = %d, want %d", i, lo, hi, n, want[i])
		}
	}
	if got.N != 15 || sum != got.N {
		t.Errorf("N = %d, Σ counts = %d, want 15", got.N, sum)
	}
	var ops int64
	for _, p := range s.Points() {
		ops += p.Ops
	}
	if uint64(ops) != got.N {
		t.Errorf("Points hold %d ops, Latency %d values", ops, got.N)
	}
}

func BenchmarkSeriesLatency(b *testing.B) {
	s := &Series{}
	r := New(s)
	for sec := range 600 {
		r.Commit(time.Duration(sec)*time.Second, time.Millisecond, 1, 0, time.Millisecond)
	}
	r.Flush()
	var l Latency
	b.ReportAllocs()
	for b.Loop() {
		s.Latency(&l)
	}
}
