package memory

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/strategy"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newStore(t testing.TB, spec drivers.Spec, o drivers.Options) *Store {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Setup(context.Background(), spec); err != nil {
		t.Fatalf("Setup(%+v): %v", spec, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(key, group int, scope drivers.Scope, expect int64, payload byte, gb int) *drivers.Write {
	return &drivers.Write{
		Key: key, Group: group, Scope: scope, Expect: expect,
		Writer: 7, Op: expect + 100, UpdatedAt: 1234,
		Payload: bytes.Repeat([]byte{payload}, gb),
	}
}

func TestRegistered(t *testing.T) {
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Open(context.Background(), drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(strategy.Leaser); !ok {
		t.Errorf("registered opener returns %T, not a strategy.Leaser", st)
	}
	v, err := st.(drivers.Versioner).ServerVersion(context.Background())
	if err != nil || v != Version {
		t.Errorf("ServerVersion = %q, %v; want %q", v, err, Version)
	}
	if _, err := New(drivers.Options{Latency: -time.Second}); err == nil {
		t.Error("New with negative latency: no error")
	}
}

func TestSetup(t *testing.T) {
	tests := []struct {
		name    string
		spec    drivers.Spec
		wantErr bool
	}{
		{"one key", drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 0}, false},
		{"groups", drivers.Spec{Keys: 10, FieldGroups: 4, PayloadBytes: 64}, false},
		{"uneven payload", drivers.Spec{Keys: 3, FieldGroups: 3, PayloadBytes: 10}, false},
		{"max groups", drivers.Spec{Keys: 2, FieldGroups: drivers.MaxFieldGroups, PayloadBytes: 16}, false},
		{"zero keys", drivers.Spec{Keys: 0, FieldGroups: 1}, true},
		{"zero groups", drivers.Spec{Keys: 1, FieldGroups: 0}, true},
		{"too many groups", drivers.Spec{Keys: 1, FieldGroups: drivers.MaxFieldGroups + 1}, true},
		{"negative payload", drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: -1}, true},
		{"too large", drivers.Spec{Keys: 1 << 40, FieldGroups: 1, PayloadBytes: 1 << 20}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := New(drivers.Options{})
			err := s.Setup(ctx, tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Setup(%+v) = %v, wantErr %v", tt.spec, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			// Dirty the cell, then set up again: everything is back to zero.
			gb := tt.spec.GroupBytes()
			if err := s.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, 0, 9, gb)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Acquire(ctx, 0, 1, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.ReadFenced(ctx, 0, 5, &drivers.Doc{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Setup(ctx, tt.spec); err != nil {
				t.Fatal(err)
			}
			tot, err := s.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := (drivers.Totals{Docs: int64(tt.spec.Keys)}); tot != want {
				t.Errorf("Totals = %+v, want %+v", tot, want)
			}
			for k := 0; k < tt.spec.Keys; k++ {
				var d drivers.Doc
				if err := s.Read(ctx, k, &d); err != nil {
					t.Fatal(err)
				}
				if d.Key != k || d.Version != 0 || d.Counter != 0 || d.Fence != 0 || d.Writer != 0 || d.Op != 0 || d.UpdatedAt != 0 {
					t.Errorf("key %d after Setup: %+v", k, d)
				}
				if len(d.Groups) != tt.spec.FieldGroups || len(d.Payload) != tt.spec.PayloadBytes {
					t.Errorf("key %d: %d groups, %d payload bytes; want %d, %d", k, len(d.Groups), len(d.Payload), tt.spec.FieldGroups, tt.spec.PayloadBytes)
				}
				for _, g := range d.Groups {
					if g != 0 {
						t.Errorf("key %d: groups %v", k, d.Groups)
					}
				}
				if bytes.ContainsFunc(d.Payload, func(r rune) bool { return r != 0 }) {
					t.Errorf("key %d: payload %v", k, d.Payload)
				}
			}
			// The lease table was reset: the first fence is 1 again.
			if f, err := s.Acquire(ctx, 0, 2, time.Minute); err != nil || f != 1 {
				t.Errorf("Acquire after Setup = %d, %v; want 1", f, err)
			}
		})
	}
}

func TestReadReusesSlices(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 4, FieldGroups: 2, PayloadBytes: 8}
	s := newStore(t, spec, drivers.Options{})
	d := drivers.Doc{Groups: make([]int64, 0, 2), Payload: make([]byte, 0, 8)}
	g, p := &d.Groups[:1][0], &d.Payload[:1][0]
	if err := s.Read(ctx, 3, &d); err != nil {
		t.Fatal(err)
	}
	if &d.Groups[0] != g || &d.Payload[0] != p {
		t.Error("Read reallocated slices that had enough capacity")
	}
	for _, key := range []int{-1, 4, 1 << 40} {
		err := s.Read(ctx, key, &d)
		if !errors.Is(err, drivers.ErrNotFound) || drivers.KindOf(err) != drivers.NotConflict {
			t.Errorf("Read(%d) = %v, want ErrNotFound and no conflict", key, err)
		}
	}
}

func TestCompareAndSwap(t *testing.T) {
	spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8}
	gb := spec.GroupBytes()
	// Each row starts from a fresh cell where key 0 group 0 was written once
	// (version 1, groups [1 0]).
	tests := []struct {
		name     string
		w        *drivers.Write
		wantKind drivers.ConflictKind
		wantErr  bool // a non-conflict error
		wantDoc  drivers.Doc
	}{
		{"doc scope match", write(0, 1, drivers.ScopeDocument, 1, 0xbb, gb), drivers.NotConflict, false,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 101, UpdatedAt: 1234, Groups: []int64{1, 1}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb}}},
		{"doc scope stale", write(0, 1, drivers.ScopeDocument, 0, 0xbb, gb), drivers.VersionMismatch, false,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
		{"doc scope ahead", write(0, 1, drivers.ScopeDocument, 2, 0xbb, gb), drivers.VersionMismatch, false,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
		{"group scope other group", write(0, 1, drivers.ScopeFieldGroup, 0, 0xbb, gb), drivers.NotConflict, false,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 1}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb}}},
		{"group scope same group stale", write(0, 0, drivers.ScopeFieldGroup, 0, 0xbb, gb), drivers.VersionMismatch, false,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
		{"group scope same group match", write(0, 0, drivers.ScopeFieldGroup, 1, 0xbb, gb), drivers.NotConflict, false,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 101, UpdatedAt: 1234, Groups: []int64{2, 0}, Payload: []byte{0xbb, 0xbb, 0xbb, 0xbb, 0, 0, 0, 0}}},
		{"group out of range", write(0, 2, drivers.ScopeDocument, 1, 0xbb, gb), drivers.NotConflict, true,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
		{"short payload", write(0, 1, drivers.ScopeDocument, 1, 0xbb, gb-1), drivers.NotConflict, true,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
		{"missing key", write(2, 0, drivers.ScopeDocument, 0, 0xbb, gb), drivers.NotConflict, true,
			drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, spec, drivers.Options{})
			if err := s.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, 0, 0xaa, gb)); err != nil {
				t.Fatal(err)
			}
			err := s.CompareAndSwap(ctx, tt.w)
			if got := drivers.KindOf(err); got != tt.wantKind {
				t.Errorf("conflict kind = %v (%v), want %v", got, err, tt.wantKind)
			}
			if tt.wantKind == drivers.VersionMismatch && err != drivers.ErrVersionMismatch {
				t.Errorf("err = %v, want the preallocated drivers.ErrVersionMismatch", err)
			}
			if gotErr := err != nil && tt.wantKind == drivers.NotConflict; gotErr != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var d drivers.Doc
			if err := s.Read(ctx, 0, &d); err != nil {
				t.Fatal(err)
			}
			tt.wantDoc.Key = 0
			assertDoc(t, d, tt.wantDoc)
			var other drivers.Doc
			if err := s.Read(ctx, 1, &other); err != nil {
				t.Fatal(err)
			}
			if other.Version != 0 || other.Counter != 0 {
				t.Errorf("key 1 changed: %+v", other)
			}
		})
	}
}

func assertDoc(t *testing.T, got, want drivers.Doc) {
	t.Helper()
	if got.Key != want.Key || got.Version != want.Version || got.Counter != want.Counter || got.Fence != want.Fence ||
		got.Writer != want.Writer || got.Op != want.Op || got.UpdatedAt != want.UpdatedAt ||
		!equalInts(got.Groups, want.Groups) || !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("doc\n got %+v\nwant %+v", got, want)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStaleCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 4}
	s := newStore(t, spec, drivers.Options{})
	var a, b drivers.Doc
	if err := s.Read(ctx, 0, &a); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(ctx, 0, &b); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, a.Version, 1, 4)); err != nil {
		t.Fatalf("first CAS: %v", err)
	}
	err := s.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, b.Version, 2, 4))
	if drivers.KindOf(err) != drivers.VersionMismatch || !errors.Is(err, drivers.ErrConflict) {
		t.Fatalf("second CAS = %v, want a version mismatch", err)
	}
	tot, _ := s.Totals(ctx)
	if tot.Counter != 1 || tot.Versions != 1 {
		t.Errorf("Totals = %+v, want counter 1, versions 1", tot)
	}
}

func TestPut(t *testing.T) {
	spec := drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 4}
	put := func(fence, version int64) *drivers.Write {
		w := write(0, 1, drivers.ScopeDocument, 0, 0xcc, 2)
		w.Fence, w.Version, w.Counter, w.GroupVersion = fence, version, version+10, version+20
		return w
	}
	written := func(fence, version int64) drivers.Doc {
		return drivers.Doc{Version: version, Counter: version + 10, Fence: fence, Writer: 7, Op: 100, UpdatedAt: 1234,
			Groups: []int64{0, version + 20}, Payload: []byte{0, 0, 0xcc, 0xcc}}
	}
	tests := []struct {
		name     string
		docFence int64 // raised by ReadFenced before the Put
		w        *drivers.Write
		wantKind drivers.ConflictKind
		wantDoc  drivers.Doc
	}{
		{"unfenced", 0, put(0, 5), drivers.NotConflict, written(0, 5)},
		{"unfenced ignores doc fence", 3, put(0, 5), drivers.NotConflict, written(3, 5)},
		{"fence recorded", 0, put(2, 5), drivers.NotConflict, written(2, 5)},
		{"equal fence", 2, put(2, 5), drivers.NotConflict, written(2, 5)},
		{"higher fence", 2, put(3, 5), drivers.NotConflict, written(3, 5)},
		{"stale fence", 3, put(2, 5), drivers.StaleFence,
			drivers.Doc{Fence: 3, Groups: []int64{0, 0}, Payload: []byte{0, 0, 0, 0}}},
		{"version can go backwards", 0, put(0, -1), drivers.NotConflict, written(0, -1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, spec, drivers.Options{})
			if tt.docFence > 0 {
				if err := s.ReadFenced(ctx, 0, tt.docFence, &drivers.Doc{}); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Put(ctx, tt.w)
			if got := drivers.KindOf(err); got != tt.wantKind || (tt.wantKind == drivers.NotConflict && err != nil) {
				t.Errorf("Put = %v, want kind %v", err, tt.wantKind)
			}
			var d drivers.Doc
			if err := s.Read(ctx, 0, &d); err != nil {
				t.Fatal(err)
			}
			assertDoc(t, d, tt.wantDoc)
		})
	}
}

func TestReadFencedMakesOlderHolderStale(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 2}
	s := newStore(t, spec, drivers.Options{})
	var old, cur drivers.Doc
	if err := s.ReadFenced(ctx, 0, 1, &old); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadFenced(ctx, 0, 2, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Fence != 2 {
		t.Errorf("ReadFenced(2) read fence %d", cur.Fence)
	}
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 2)
	w.Fence, w.Version, w.Counter, w.GroupVersion = 1, old.Version+1, old.Counter+1, 1
	if err := s.Put(ctx, w); err != drivers.ErrStaleFence {
		t.Errorf("old holder's Put = %v, want ErrStaleFence", err)
	}
	if err := s.ReadFenced(ctx, 0, 1, &old); err != drivers.ErrStaleFence {
		t.Errorf("ReadFenced(1) after 2 = %v, want ErrStaleFence", err)
	}
	w.Fence = 2
	if err := s.Put(ctx, w); err != nil {
		t.Errorf("new holder's Put = %v", err)
	}
	if tot, _ := s.Totals(ctx); tot.Counter != 1 {
		t.Errorf("Totals = %+v, want counter 1", tot)
	}
	if err := s.ReadFenced(ctx, 1, 1, &old); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("ReadFenced(missing key) = %v, want ErrNotFound", err)
	}
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(t0)
	s := newStore(t, drivers.Spec{Keys: 2, FieldGroups: 1}, drivers.Options{Clock: fake})
	const ttl = 10 * time.Second
	type step struct {
		name      string
		advance   time.Duration
		call      func() (int64, error)
		wantFence int64 // Acquire only
		wantKind  drivers.ConflictKind
		wantErr   bool // non-conflict error
	}
	acquire := func(key int, h int64) func() (int64, error) {
		return func() (int64, error) { return s.Acquire(ctx, key, h, ttl) }
	}
	extend := func(key int, h, f int64) func() (int64, error) {
		return func() (int64, error) { return 0, s.Extend(ctx, key, h, f, ttl) }
	}
	release := func(key int, h, f int64) func() (int64, error) {
		return func() (int64, error) { return 0, s.Release(ctx, key, h, f) }
	}
	steps := []step{
		{name: "acquire free", call: acquire(0, 1), wantFence: 1},
		{name: "held by other", call: acquire(0, 2), wantKind: drivers.LeaseHeld},
		{name: "held by self", call: acquire(0, 1), wantKind: drivers.LeaseHeld},
		{name: "other key independent", call: acquire(1, 2), wantFence: 1},
		{name: "still held just before expiry", advance: ttl - 1, call: acquire(0, 2), wantKind: drivers.LeaseHeld},
		{name: "extend", call: extend(0, 1, 1)},
		{name: "extended lease held", advance: 2, call: acquire(0, 2), wantKind: drivers.LeaseHeld},
		{name: "expired at expiry instant", advance: ttl - 2, call: acquire(0, 2), wantFence: 2},
		{name: "old holder extend lost", call: extend(0, 1, 1), wantKind: drivers.LeaseLost},
		{name: "old holder release lost", call: release(0, 1, 1), wantKind: drivers.LeaseLost},
		{name: "wrong fence extend lost", call: extend(0, 2, 1), wantKind: drivers.LeaseLost},
		{name: "new holder extend", call: extend(0, 2, 2)},
		{name: "release", call: release(0, 2, 2)},
		{name: "release twice lost", call: release(0, 2, 2), wantKind: drivers.LeaseLost},
		{name: "extend after release lost", call: extend(0, 2, 2), wantKind: drivers.LeaseLost},
		{name: "fence survives release", call: acquire(0, 3), wantFence: 3},
		{name: "expired extend lost", advance: ttl, call: extend(0, 3, 3), wantKind: drivers.LeaseLost},
		{name: "expired release by holder", call: release(0, 3, 3)},
		{name: "reacquire by same holder", call: acquire(0, 3), wantFence: 4},
		{name: "holder 0 rejected", call: acquire(1, 0), wantErr: true},
		{name: "ttl 0 rejected", call: func() (int64, error) { return s.Acquire(ctx, 1, 5, 0) }, wantErr: true},
		{name: "missing key", call: acquire(2, 1), wantErr: true},
	}
	for _, st := range steps {
		fake.Advance(st.advance)
		f, err := st.call()
		kind := drivers.KindOf(err)
		switch {
		case kind != st.wantKind:
			t.Errorf("%s: err = %v, want kind %v", st.name, err, st.wantKind)
		case st.wantKind == drivers.NotConflict && (err != nil) != st.wantErr:
			t.Errorf("%s: err = %v, wantErr %v", st.name, err, st.wantErr)
		case err == nil && f != st.wantFence:
			t.Errorf("%s: fence = %d, want %d", st.name, f, st.wantFence)
		}
	}
}

func TestLockedUpdateConcurrent(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 8}
	s := newStore(t, spec, drivers.Options{})
	const writers, ops = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			w := write(0, i%2, drivers.ScopeDocument, 0, byte(i), 4)
			w.Writer = int64(i)
			for n := range ops {
				w.Op = int64(n)
				if err := s.LockedUpdate(ctx, w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var d drivers.Doc
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != writers*ops || d.Version != writers*ops || d.Groups[0]+d.Groups[1] != writers*ops {
		t.Errorf("after %d locked updates: %+v", writers*ops, d)
	}
	if d.Groups[0] != writers/2*ops {
		t.Errorf("group 0 version = %d, want %d", d.Groups[0], writers/2*ops)
	}
}

func TestCompareAndSwapRetryLoopConcurrent(t *testing.T) {
	for _, scope := range []drivers.Scope{drivers.ScopeDocument, drivers.ScopeFieldGroup} {
		t.Run(scope.String(), func(t *testing.T) {
			ctx := context.Background()
			spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8}
			s := newStore(t, spec, drivers.Options{})
			const writers, ops = 8, 200
			var wg sync.WaitGroup
			committed := make([]int64, writers)
			conflicts := make([]int64, writers)
			errs := make(chan error, writers)
			for i := range writers {
				wg.Go(func() {
					var d drivers.Doc
					w := write(i%2, i/2%2, scope, 0, byte(i), 4)
					w.Writer = int64(i)
					for n := 0; n < ops; {
						if err := s.Read(ctx, w.Key, &d); err != nil {
							errs <- err
							return
						}
						w.Expect = d.Version
						if scope == drivers.ScopeFieldGroup {
							w.Expect = d.Groups[w.Group]
						}
						w.Op = int64(n)
						switch err := s.CompareAndSwap(ctx, w); {
						case err == nil:
							committed[i]++
							n++
						case err == drivers.ErrVersionMismatch:
							conflicts[i]++
						default:
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			var sum int64
			for _, c := range committed {
				sum += c
			}
			tot, err := s.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sum != writers*ops || tot.Counter != sum || tot.Versions != sum || tot.Docs != 2 {
				t.Errorf("committed %d, Totals %+v; want counter = versions = %d", sum, tot, writers*ops)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}
	s := newStore(t, spec, drivers.Options{Latency: time.Hour})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	w := write(0, 0, drivers.ScopeDocument, 0, 1, 1)
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"read", func(ctx context.Context) error { return s.Read(ctx, 0, &drivers.Doc{}) }},
		{"cas", func(ctx context.Context) error { return s.CompareAndSwap(ctx, w) }},
		{"put", func(ctx context.Context) error { return s.Put(ctx, w) }},
		{"read fenced", func(ctx context.Context) error { return s.ReadFenced(ctx, 0, 1, &drivers.Doc{}) }},
		{"locked update", func(ctx context.Context) error { return s.LockedUpdate(ctx, w) }},
		{"acquire", func(ctx context.Context) error { _, err := s.Acquire(ctx, 0, 1, time.Second); return err }},
		{"extend", func(ctx context.Context) error { return s.Extend(ctx, 0, 1, 1, time.Second) }},
		{"release", func(ctx context.Context) error { return s.Release(ctx, 0, 1, 1) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(canceled); !errors.Is(err, context.Canceled) {
				t.Errorf("with canceled ctx during latency: %v, want context.Canceled", err)
			}
		})
	}
	if tot, _ := s.Totals(context.Background()); tot.Counter != 0 {
		t.Errorf("canceled calls wrote: %+v", tot)
	}

	// A real, short service time is spent (lower bound only).
	const lat = 2 * time.Millisecond
	s = newStore(t, spec, drivers.Options{Latency: lat})
	start := time.Now()
	if err := s.CompareAndSwap(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < lat {
		t.Errorf("CAS with latency %v took %v", lat, el)
	}
}

func TestHotPathAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1000, FieldGroups: 4, PayloadBytes: 64}
	s := newStore(t, spec, drivers.Options{})
	var d drivers.Doc
	w := write(0, 0, drivers.ScopeFieldGroup, 0, 1, spec.GroupBytes())
	r := rand.New(rand.NewPCG(1, 2))
	miss := &drivers.Write{Key: 0, Payload: w.Payload, Expect: -1}
	allocs := testing.AllocsPerRun(1000, func() {
		w.Key = r.IntN(spec.Keys)
		w.Group = r.IntN(spec.FieldGroups)
		if err := s.Read(ctx, w.Key, &d); err != nil {
			t.Fatal(err)
		}
		w.Expect = d.Groups[w.Group]
		if err := s.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := s.CompareAndSwap(ctx, miss); err != drivers.ErrVersionMismatch {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Read + CompareAndSwap: %v allocs per op, want 0", allocs)
	}
}
