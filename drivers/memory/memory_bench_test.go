package memory

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/drivers"
)

var benchSpecs = []struct {
	name string
	spec drivers.Spec
}{
	{"keys=100k/groups=1/payload=16", drivers.Spec{Keys: 100_000, FieldGroups: 1, PayloadBytes: 16}},
	{"keys=100k/groups=4/payload=256", drivers.Spec{Keys: 100_000, FieldGroups: 4, PayloadBytes: 256}},
}

// BenchmarkReadCAS measures one committed optimistic op (Read +
// CompareAndSwap) on a uniformly random key, one goroutine.
func BenchmarkReadCAS(b *testing.B) {
	for _, bs := range benchSpecs {
		b.Run(bs.name, func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b, bs.spec, drivers.Options{})
			r := rand.New(rand.NewPCG(1, 1))
			var d drivers.Doc
			w := &drivers.Write{Payload: make([]byte, bs.spec.GroupBytes()), Writer: 1}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Key = r.IntN(bs.spec.Keys)
				if err := s.Read(ctx, w.Key, &d); err != nil {
					b.Fatal(err)
				}
				w.Expect = d.Version
				w.Op = int64(i)
				if err := s.CompareAndSwap(ctx, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadCASParallel is BenchmarkReadCAS from GOMAXPROCS
// goroutines; on 100k keys they rarely collide, so it measures the
// uncontended scaling of the store. Conflicts are retried and reported.
func BenchmarkReadCASParallel(b *testing.B) {
	for _, bs := range benchSpecs {
		b.Run(bs.name, func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b, bs.spec, drivers.Options{})
			var seed, conflicts atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				id := seed.Add(1)
				r := rand.New(rand.NewPCG(uint64(id), 1))
				var d drivers.Doc
				w := &drivers.Write{Payload: make([]byte, bs.spec.GroupBytes()), Writer: id}
				var n int64
				for pb.Next() {
					w.Key = r.IntN(bs.spec.Keys)
					for {
						if err := s.Read(ctx, w.Key, &d); err != nil {
							b.Fatal(err)
						}
						w.Expect = d.Version
						w.Op = n
						err := s.CompareAndSwap(ctx, w)
						if err == nil {
							break
						}
						if err != drivers.ErrVersionMismatch {
							b.Fatal(err)
						}
						conflicts.Add(1)
					}
					n++
				}
			})
			b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
		})
	}
}

// BenchmarkSessionReadCAS is BenchmarkReadCAS through a writer's Session
// with a random latency of about a nanosecond: the cost of drawing and
// waiting a round trip's latency on top of the store's work.
func BenchmarkSessionReadCAS(b *testing.B) {
	bs := benchSpecs[0]
	ctx := context.Background()
	s := newStore(b, bs.spec, drivers.Options{Latency: delay.Normal(time.Nanosecond, time.Nanosecond)})
	st, err := s.Session(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	var d drivers.Doc
	w := &drivers.Write{Payload: make([]byte, bs.spec.GroupBytes()), Writer: 1}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Key = r.IntN(bs.spec.Keys)
		if err := st.(*Session).Read(ctx, w.Key, &d); err != nil {
			b.Fatal(err)
		}
		w.Expect = d.Version
		w.Op = int64(i)
		if err := st.(*Session).CompareAndSwap(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
}
