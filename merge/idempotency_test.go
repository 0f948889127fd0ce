package merge

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// TestMergeIdempotency: two processes' idempotent cells on one store
// merge into summed deliveries, the largest input's store entries, the
// merged recovery histogram, and a double apply recomputed from them.
func TestMergeIdempotency(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	s1, s2 := gen(r, 40), gen(r, 60)
	for _, tt := range []struct {
		name          string
		observed      [2]int64 // each input's Σ counter, read after its cell
		completed     [2]int64 // each input's keys completed, read then too
		wantDouble    int64
		wantOK        bool
		wantInVerdict string
	}{
		{"exactly once", [2]int64{70, 100}, [2]int64{70, 100}, 0, true, "100 keys completed once each"},
		{"double applied", [2]int64{70, 100}, [2]int64{68, 97}, 3, false, "DOUBLE APPLIED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var files []*results.File
			for i, s := range []samples{s1, s2} {
				c := cellOf(t, "idempotent", 2, s, 1, tt.observed[i])
				rec := hist(t, []int64{500_000 + int64(i)*10_000})
				c.Histograms[results.HistIdemRecovery] = enc(t, rec)
				c.Idempotency = &results.Idempotency{Deliveries: 50 * int64(i+1), Duplicates: 5, Applied: int64(len(s.lat)),
					DuplicatesSuppressed: 4, HashMismatch: 1, Crashed: 2, StalePendingRecovered: 1,
					RecoveryLatencyMS: results.RecoveryOf(rec), CompletedKeys: tt.completed[i], PendingAtEnd: int64(i)}
				f := fileOf("h", t0, float64(i+1), c)
				f.Scenario["thresholds"] = nil
				files = append(files, f)
			}
			m, err := Merge(files, Options{})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Cells[0]
			x := c.Idempotency
			if x == nil {
				t.Fatal("no merged idempotency")
			}
			if x.Deliveries != 150 || x.DuplicatesSuppressed != 8 || x.HashMismatch != 2 || x.Crashed != 4 || x.StalePendingRecovered != 2 {
				t.Errorf("counts not summed: %+v", x)
			}
			if x.CompletedKeys != tt.completed[1] || x.PendingAtEnd != 1 {
				t.Errorf("store entries %d completed, %d pending: want the largest input's", x.CompletedKeys, x.PendingAtEnd)
			}
			if x.RecoveryLatencyMS.Ops != 2 || x.RecoveryLatencyMS.Max < 509 {
				t.Errorf("recovery %+v: want both inputs' recoveries", x.RecoveryLatencyMS)
			}
			if x.DoubleApplied != tt.wantDouble || c.Audit.OK != tt.wantOK || !strings.Contains(c.Audit.Verdict, tt.wantInVerdict) {
				t.Errorf("double applied %d, audit %+v: want %d, ok %v, %q", x.DoubleApplied, c.Audit, tt.wantDouble, tt.wantOK, tt.wantInVerdict)
			}
		})
	}
}
