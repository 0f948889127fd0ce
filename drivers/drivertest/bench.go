package drivertest

import (
	"testing"

	"github.com/occbench/occbench/drivers"
)

// Benchmark measures one goroutine's calls on one document, a store's
// floor: Read (4 field groups, 64 bytes) and CompareAndSwap (one group of
// 64 bytes, always committing), with allocations and, for CompareAndSwap,
// cas/s. Each sub-benchmark skips when the store lacks the method.
//
//	func BenchmarkDriver(b *testing.B) { drivertest.Benchmark(b, open) }
func Benchmark(b *testing.B, open Opener) {
	b.Run("Read", func(b *testing.B) {
		st := open(b, drivers.Options{Writers: 1})
		r := need[drivers.Reader](b, st, "reads")
		ctx := setup(b, st, drivers.Spec{Keys: 1, FieldGroups: 4, PayloadBytes: 64})
		d := &drivers.Doc{}
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Read(ctx, 0, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CompareAndSwap", func(b *testing.B) {
		st := open(b, drivers.Options{Writers: 1})
		cas := need[drivers.CompareAndSwapper](b, st, "conditional writes")
		ctx := setup(b, st, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
		w := &drivers.Write{Key: 0, Writer: 1, Payload: make([]byte, 64)}
		b.ReportAllocs()
		for b.Loop() {
			if err := cas.CompareAndSwap(ctx, w); err != nil {
				b.Fatal(err)
			}
			w.Expect++
			w.Op++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cas/s")
	})
}
