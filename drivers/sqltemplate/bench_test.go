package sqltemplate_test

import (
	"context"
	"testing"

	"github.com/occbench/occbench/drivers"
)

// BenchmarkSQLite: one read and one conditional write through the
// document template on SQLite, the calls an optimistic attempt makes.
// database/sql allocates per call; the numbers are for comparison with
// drivers/sqlite's benchmarks, whose statements are the same.
func BenchmarkSQLite(b *testing.B) {
	st := opener("sqlite", "", templates(b, "testdata/document.yaml", "sqlite"))(b, drivers.Options{Writers: 1})
	ctx := context.Background()
	if err := st.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64}); err != nil {
		b.Fatal(err)
	}
	cas := st.(drivers.CompareAndSwapper)
	d := &drivers.Doc{}
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := cas.Read(ctx, 0, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadCompareAndSwap", func(b *testing.B) {
		w := &drivers.Write{Payload: make([]byte, 64)}
		b.ReportAllocs()
		for b.Loop() {
			if err := cas.Read(ctx, 0, d); err != nil {
				b.Fatal(err)
			}
			w.Expect = d.Version
			if err := cas.CompareAndSwap(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
