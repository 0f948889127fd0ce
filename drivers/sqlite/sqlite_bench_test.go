package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

var benchSpec = drivers.Spec{Keys: 100_000, FieldGroups: 1, PayloadBytes: 16}

// BenchmarkSetup measures dropping and seeding a 100k-key cell.
func BenchmarkSetup(b *testing.B) {
	for _, spec := range []drivers.Spec{
		{Keys: 100_000, FieldGroups: 1, PayloadBytes: 16},
		{Keys: 100_000, FieldGroups: 4, PayloadBytes: 256},
	} {
		b.Run(fmt.Sprintf("keys=%d/groups=%d/payload=%d", spec.Keys, spec.FieldGroups, spec.PayloadBytes), func(b *testing.B) {
			s := newStore(b, spec, drivers.Options{})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Setup(context.Background(), spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadCAS is one committed optimistic op (Read +
// CompareAndSwap) on a uniformly random key, one goroutine.
func BenchmarkReadCAS(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, benchSpec, drivers.Options{})
	r := rand.New(rand.NewPCG(1, 1))
	var d drivers.Doc
	w := &drivers.Write{Payload: make([]byte, benchSpec.GroupBytes()), Writer: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Key = r.IntN(benchSpec.Keys)
		if err := s.Read(ctx, w.Key, &d); err != nil {
			b.Fatal(err)
		}
		w.Expect, w.Op = d.Version, int64(i)
		if err := s.CompareAndSwap(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCASParallel is BenchmarkReadCAS from GOMAXPROCS
// goroutines (writers serialize on SQLite's write lock).
func BenchmarkReadCASParallel(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, benchSpec, drivers.Options{Writers: 8})
	var seed, conflicts atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := seed.Add(1)
		r := rand.New(rand.NewPCG(uint64(id), 1))
		var d drivers.Doc
		w := &drivers.Write{Payload: make([]byte, benchSpec.GroupBytes()), Writer: id}
		for pb.Next() {
			w.Key = r.IntN(benchSpec.Keys)
			for {
				if err := s.Read(ctx, w.Key, &d); err != nil {
					b.Fatal(err)
				}
				w.Expect = d.Version
				err := s.CompareAndSwap(ctx, w)
				if err == nil {
					break
				}
				if drivers.KindOf(err) == drivers.NotConflict {
					b.Fatal(err)
				}
				conflicts.Add(1)
			}
		}
	})
	b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
}

// BenchmarkLockedUpdate is one BEGIN IMMEDIATE … COMMIT update, one
// goroutine.
func BenchmarkLockedUpdate(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, benchSpec, drivers.Options{})
	r := rand.New(rand.NewPCG(1, 1))
	w := &drivers.Write{Payload: make([]byte, benchSpec.GroupBytes()), Writer: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Key, w.Op = r.IntN(benchSpec.Keys), int64(i)
		if err := s.LockedUpdate(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLease is Acquire + Release on a random key, one goroutine.
func BenchmarkLease(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, benchSpec, drivers.Options{})
	r := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		key := r.IntN(benchSpec.Keys)
		f, err := s.Acquire(ctx, key, 1, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, key, 1, f); err != nil {
			b.Fatal(err)
		}
	}
}
