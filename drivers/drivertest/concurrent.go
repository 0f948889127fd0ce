package drivertest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/occbench/occbench/drivers"
)

// concurrency is the size of the tests that call one method from many
// goroutines: at most 8 writers × 200 ops, fewer if Writers says so.
func (s *suite) concurrency() (writers, ops int) {
	return max(min(8, s.writers), 2), max(min(200, s.ops), 1)
}

// maxConflictsInARow stops a writer that makes no progress (a store whose
// conditional write can never succeed) instead of letting it spin until
// the test's deadline.
const maxConflictsInARow = 10_000

// hammer runs writers goroutines, each calling op until ops calls have
// succeeded, retrying every conflict. op gets the writer's index and its
// number of commits so far. It returns each writer's commits and the
// conflicts by kind; a non-conflict error, or maxConflictsInARow
// conflicts without a commit, fails the test.
func hammer(t *testing.T, writers, ops int, op func(i, n int) error) (committed []int64, conflicts map[drivers.ConflictKind]int64) {
	t.Helper()
	committed = make([]int64, writers)
	perWriter := make([][drivers.NumConflictKinds]int64, writers)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			inARow := 0
			for n := 0; n < ops; {
				err := op(i, n)
				if err == nil {
					committed[i]++
					n++
					inARow = 0
					continue
				}
				if k := drivers.KindOf(err); k != drivers.NotConflict {
					perWriter[i][k]++
					if inARow++; inARow == maxConflictsInARow {
						errs <- fmt.Errorf("writer %d, op %d: %d conflicts in a row (last: %w): no progress", i, n, inARow, err)
						return
					}
					continue
				}
				errs <- err
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	conflicts = map[drivers.ConflictKind]int64{}
	for _, c := range perWriter {
		for k, n := range c {
			if n > 0 {
				conflicts[drivers.ConflictKind(k)] += n
			}
		}
	}
	return committed, conflicts
}

func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}

// casConcurrent: writers run the read–compare-and-swap retry loop on one
// document, half on each field group; only VersionMismatch conflicts
// occur and every commit is counted once, in the document's version and
// counter and in its group's version. With NonAtomicCAS the test asserts
// instead that the loss is visible: the store counts fewer updates than
// were committed.
func (s *suite) casConcurrent(t *testing.T) {
	for _, scope := range []drivers.Scope{drivers.ScopeDocument, drivers.ScopeFieldGroup} {
		t.Run(scope.String(), func(t *testing.T) {
			writers, ops := s.concurrency()
			st := s.open(t, drivers.Options{Writers: writers})
			cas := need[drivers.CompareAndSwapper](t, st, "conditional writes")
			spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8}
			ctx := setup(t, st, spec)
			docs := make([]drivers.Doc, writers)
			ws := make([]drivers.Write, writers)
			for i := range ws {
				ws[i] = *write(0, i%2, scope, 0, byte(i), spec.GroupBytes())
				ws[i].Writer = int64(i + 1)
			}
			committed, conflicts := hammer(t, writers, ops, func(i, n int) error {
				d, w := &docs[i], &ws[i]
				if err := cas.Read(ctx, 0, d); err != nil {
					return err
				}
				w.Expect = d.Version
				if scope == drivers.ScopeFieldGroup {
					w.Expect = d.Groups[w.Group]
				}
				w.Op = int64(n)
				return cas.CompareAndSwap(ctx, w)
			})
			for k := range conflicts {
				if k != drivers.VersionMismatch {
					t.Errorf("conflicts %v: want version_mismatch only", conflicts)
				}
			}
			total := sum(committed)
			if total != int64(writers*ops) {
				t.Fatalf("committed %d, want %d", total, writers*ops)
			}
			tot := totals(t, ctx, st)
			d := readDoc(t, ctx, cas, 0)
			t.Logf("%d writers × %d ops: %d conflicts; totals %+v", writers, ops, conflicts[drivers.VersionMismatch], tot)
			if s.nonAtomicCAS {
				if tot.Counter >= total {
					t.Errorf("store declared non-atomic (NonAtomicCAS) lost none of %d committed updates (counter %d): is its compare-and-swap atomic now? Then drop the option", total, tot.Counter)
				} else {
					t.Logf("non-atomic store: %d of %d committed updates lost (%.0f%%), and visible in Totals", total-tot.Counter, total, 100*float64(total-tot.Counter)/float64(total))
				}
				return
			}
			if tot != (drivers.Totals{Docs: 2, Counter: total, Versions: total}) {
				t.Errorf("Totals = %+v after %d commits, want counter = versions = %[2]d over 2 docs", tot, total)
			}
			var even, odd int64 // commits per group
			for i, c := range committed {
				if i%2 == 0 {
					even += c
				} else {
					odd += c
				}
			}
			if d.Version != total || d.Counter != total || d.Groups[0] != even || d.Groups[1] != odd {
				t.Errorf("key 0 = %+v, want version = counter = %d, groups [%d %d]", d, total, even, odd)
			}
		})
	}
}

// lockedUpdateConcurrent: writers make locked updates of one document,
// half on each field group; every commit is counted once. Conflicts
// (NOWAIT, busy timeouts, MongoDB's WriteConflict) are retried and
// logged.
func (s *suite) lockedUpdateConcurrent(t *testing.T) {
	writers, ops := s.concurrency()
	st := s.open(t, drivers.Options{Writers: writers})
	lu := need[drivers.LockedUpdater](t, st, "locked updates")
	r := need[drivers.Reader](t, st, "reads")
	spec := drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 8}
	ctx := setup(t, st, spec)
	ws := make([]drivers.Write, writers)
	for i := range ws {
		ws[i] = *write(0, i%2, drivers.ScopeDocument, 0, byte(i), spec.GroupBytes())
		ws[i].Writer = int64(i + 1)
	}
	committed, conflicts := hammer(t, writers, ops, func(i, n int) error {
		ws[i].Op = int64(n)
		return lu.LockedUpdate(ctx, &ws[i])
	})
	total := sum(committed)
	t.Logf("%d writers × %d ops: conflicts %v", writers, ops, conflicts)
	if tot := totals(t, ctx, st); tot != (drivers.Totals{Docs: 1, Counter: total, Versions: total}) {
		t.Errorf("Totals = %+v after %d commits, want counter = versions = %[2]d", tot, total)
	}
	d := readDoc(t, ctx, r, 0)
	if d.Groups[0] != int64((writers+1)/2*ops) || d.Groups[1] != int64(writers/2*ops) {
		t.Errorf("group versions %v, want [%d %d]", d.Groups, (writers+1)/2*ops, writers/2*ops)
	}
}
