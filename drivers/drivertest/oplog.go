package drivertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/occbench/occbench/drivers"
)

// opEntry is one entry of an op log read back.
type opEntry struct {
	Key        int
	Writer, Op int64
}

func (e opEntry) String() string { return fmt.Sprintf("key %d: w%d/op%d", e.Key, e.Writer, e.Op) }

// readOpLog reads st's whole op log.
func readOpLog(t testing.TB, ctx context.Context, l drivers.OpLogger) []opEntry {
	t.Helper()
	var got []opEntry
	if err := l.OpLog(ctx, func(key int, writer, op int64) error {
		got = append(got, opEntry{key, writer, op})
		return nil
	}); err != nil {
		t.Fatalf("OpLog: %v", err)
	}
	return got
}

// opLog: with Spec.OpLog set, every committed write records its (writer,
// op) in its document's log in the same step (drivers.OpLogger): a
// conditional write and a locked update append, a conflicting write
// records nothing; entries sit at position counter−1, so a Put of counter
// c drops the entries from position c−1 on and so an overwritten write's
// identity is gone as its count is. A log without gaps is as long as its
// document's counter; OpLog stops at fn's error.
func (s *suite) opLog(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	l := need[drivers.OpLogger](t, st, "op log")
	cas := need[drivers.CompareAndSwapper](t, st, "conditional writes")
	spec := drivers.Spec{Keys: 4, FieldGroups: 1, PayloadBytes: 2, OpLog: true}
	ctx := setup(t, st, spec)
	skipUnsupported(t, st)
	w := func(key int, writer, op int64) *drivers.Write {
		x := write(key, 0, drivers.ScopeDocument, 0, byte(op), spec.GroupBytes())
		x.Writer, x.Op = writer, op
		return x
	}
	want := []opEntry{}
	// Conditional writes: two commits on key 0, one stale write refused.
	for i, c := range []struct {
		writer, op, expect int64
		commit             bool
	}{{1, 0, 0, true}, {2, 0, 0, false}, {2, 1, 1, true}} {
		x := w(0, c.writer, c.op)
		x.Expect = c.expect
		err := cas.CompareAndSwap(ctx, x)
		if c.commit != (err == nil) {
			t.Fatalf("CompareAndSwap #%d (expect %d) = %v, want commit %v", i, c.expect, err, c.commit)
		}
		if c.commit {
			want = append(want, opEntry{0, c.writer, c.op})
		}
	}
	// Put on key 1 (after a conditional write): a writer that read
	// counter 1 writes counter 2, then one that also read counter 1
	// overwrites it: the first Put's identity is lost.
	if p, ok := st.(drivers.Putter); ok {
		x := w(1, 3, 7)
		x.Expect = 0
		if err := cas.CompareAndSwap(ctx, x); err != nil {
			t.Fatal(err)
		}
		for _, op := range []int64{8, 9} {
			x := w(1, 4, op)
			x.Version, x.Counter, x.GroupVersion = 2, 2, 2
			if err := p.Put(ctx, x); err != nil {
				t.Fatalf("Put op %d: %v", op, err)
			}
		}
		want = append(want, opEntry{1, 3, 7}, opEntry{1, 4, 9})
		// A Put of counter 1 keeps nothing of what was there.
		x = w(2, 5, 1)
		if err := cas.CompareAndSwap(ctx, x); err != nil {
			t.Fatal(err)
		}
		x = w(2, 6, 2)
		x.Version, x.Counter, x.GroupVersion = 1, 1, 1
		if err := p.Put(ctx, x); err != nil {
			t.Fatal(err)
		}
		want = append(want, opEntry{2, 6, 2})
		// A Put from a read newer than the log (counter 4 on a log of
		// one) leaves a gap; a Put from an older read (counter 3) then
		// drops it: entries sit at position counter−1.
		for _, c := range []struct{ op, counter int64 }{{3, 1}, {4, 4}, {5, 3}} {
			x := w(3, 8, c.op)
			x.Version, x.Counter, x.GroupVersion = c.counter, c.counter, c.counter
			if err := p.Put(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, opEntry{3, 8, 3}, opEntry{3, 8, 5})
	}
	if lu, ok := st.(drivers.LockedUpdater); ok {
		if err := lu.LockedUpdate(ctx, w(0, 5, 3)); err != nil && drivers.KindOf(err) == drivers.NotConflict {
			t.Fatalf("LockedUpdate: %v", err)
		} else if err == nil {
			want = slices.Insert(want, 2, opEntry{0, 5, 3})
		}
	}
	got := readOpLog(t, ctx, l)
	if !slices.Equal(got, want) {
		t.Errorf("OpLog =\n %v\nwant\n %v", got, want)
	}
	for key := range 3 { // key 3 has a gap
		n := 0
		for _, e := range got {
			if e.Key == key {
				n++
			}
		}
		if d := readDoc(t, ctx, cas, key); d.Counter != int64(n) {
			t.Errorf("key %d: counter %d, op log of %d entries: want them equal", key, d.Counter, n)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := l.OpLog(ctx, func(int, int64, int64) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("OpLog with fn failing = %v after %d calls, want fn's error after 1", err, calls)
	}
	// A fresh Setup starts empty logs.
	ctx = setup(t, st, spec)
	if got := readOpLog(t, ctx, l); len(got) != 0 {
		t.Errorf("OpLog after Setup = %v, want empty", got)
	}
}

// opLogConcurrent: writers race conditional writes on one document with
// the op log on; every committed (writer, op) is in the log exactly
// once, and nothing else is.
func (s *suite) opLogConcurrent(t *testing.T) {
	writers, ops := s.concurrency()
	st := s.open(t, drivers.Options{Writers: writers})
	l := need[drivers.OpLogger](t, st, "op log")
	if s.nonAtomicCAS {
		t.Skip("store declared non-atomic (NonAtomicCAS): its log loses what its counter loses")
	}
	cas := need[drivers.CompareAndSwapper](t, st, "conditional writes")
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 2, OpLog: true}
	ctx := setup(t, st, spec)
	skipUnsupported(t, st)
	docs := make([]drivers.Doc, writers)
	ws := make([]drivers.Write, writers)
	for i := range ws {
		ws[i] = *write(0, 0, drivers.ScopeDocument, 0, byte(i), spec.GroupBytes())
		ws[i].Writer = int64(i)
	}
	committed, _ := hammer(t, writers, ops, func(i, n int) error {
		d, w := &docs[i], &ws[i]
		if err := cas.Read(ctx, 0, d); err != nil {
			return err
		}
		w.Expect, w.Op = d.Version, int64(n)
		return cas.CompareAndSwap(ctx, w)
	})
	seen := make(map[[2]int64]int)
	for _, e := range readOpLog(t, ctx, l) {
		seen[[2]int64{e.Writer, e.Op}]++
	}
	for i, c := range committed {
		for n := range c {
			if k := [2]int64{int64(i), n}; seen[k] != 1 {
				t.Errorf("writer %d op %d: %d times in the op log, want once", i, n, seen[k])
			}
			delete(seen, [2]int64{int64(i), n})
		}
	}
	for k, n := range seen {
		t.Errorf("op log holds w%d/op%d %d times: never committed", k[0], k[1], n)
	}
}

// skipUnsupported skips a store whose Limiter refuses the op log (asked
// after Setup, as the runner asks).
func skipUnsupported(t *testing.T, st drivers.Store) {
	t.Helper()
	if lim, ok := st.(drivers.Limiter); ok {
		if why := lim.Unsupported(drivers.CapOpLog); why != "" {
			t.Skip("op log unsupported: " + why)
		}
	}
}
