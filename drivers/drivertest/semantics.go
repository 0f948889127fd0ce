package drivertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
)

// newFake returns the suite's fake clock.
func newFake() *clock.Fake { return clock.NewFake(time.Unix(1_700_000_000, 0)) }

// payloadLen is the length of the payload Read returns for spec: all of
// PayloadBytes, the bytes left over after the last whole group as zeros.
func (s *suite) payloadLen(spec drivers.Spec) int { return spec.PayloadBytes }

// setup seeds spec in st and returns the subtest's context.
func setup(t testing.TB, st drivers.Store, spec drivers.Spec) context.Context {
	t.Helper()
	ctx := ctxFor(t)
	if err := st.Setup(ctx, spec); err != nil {
		t.Fatalf("Setup(%+v): %v", spec, err)
	}
	return ctx
}

// write is a write of gb bytes of payload to key's group, by writer 7 with
// op expect+100 at updated_at 1234.
func write(key, group int, scope drivers.Scope, expect int64, payload byte, gb int) *drivers.Write {
	return &drivers.Write{
		Key: key, Group: group, Scope: scope, Expect: expect,
		Writer: 7, Op: expect + 100, UpdatedAt: 1234,
		Payload: bytes.Repeat([]byte{payload}, gb),
	}
}

// assertDoc compares every field of a document read back.
func assertDoc(t testing.TB, what string, got, want drivers.Doc) {
	t.Helper()
	if got.Key != want.Key || got.Version != want.Version || got.Counter != want.Counter || got.Fence != want.Fence ||
		got.Writer != want.Writer || got.Op != want.Op || got.UpdatedAt != want.UpdatedAt ||
		!equalInts(got.Groups, want.Groups) || !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
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

// readDoc reads key, failing the test on error.
func readDoc(t testing.TB, ctx context.Context, r drivers.Reader, key int) drivers.Doc {
	t.Helper()
	var d drivers.Doc
	if err := r.Read(ctx, key, &d); err != nil {
		t.Fatalf("Read(%d): %v", key, err)
	}
	return d
}

// totals reads st's totals, failing the test on error.
func totals(t testing.TB, ctx context.Context, st drivers.Store) drivers.Totals {
	t.Helper()
	tot, err := st.Totals(ctx)
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	return tot
}

// wantNotFound checks that err wraps drivers.ErrNotFound and is no conflict.
func wantNotFound(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, drivers.ErrNotFound) || drivers.KindOf(err) != drivers.NotConflict {
		t.Errorf("%s: %v, want an error wrapping ErrNotFound and no conflict", what, err)
	}
}

// setup: Setup validates its spec, naming the field at fault, and seeds
// fresh documents, leaving nothing of a previous, larger and dirtied
// cell: no document, write, fence or lease.
func (s *suite) setup(t *testing.T) {
	tests := []struct {
		name    string
		spec    drivers.Spec
		wantErr string // the field the error names; "" = valid
	}{
		{"one key", drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 0}, ""},
		{"groups", drivers.Spec{Keys: 10, FieldGroups: 4, PayloadBytes: 64}, ""},
		{"uneven payload", drivers.Spec{Keys: 3, FieldGroups: 3, PayloadBytes: 10}, ""},
		{"max groups", drivers.Spec{Keys: 2, FieldGroups: drivers.MaxFieldGroups, PayloadBytes: 16}, ""},
		{"zero keys", drivers.Spec{Keys: 0, FieldGroups: 1}, "keys"},
		{"zero groups", drivers.Spec{Keys: 1, FieldGroups: 0}, "field_groups"},
		{"too many groups", drivers.Spec{Keys: 1, FieldGroups: drivers.MaxFieldGroups + 1}, "field_groups"},
		{"negative payload", drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: -1}, "payload_bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t, drivers.Options{Writers: 1})
			ctx := ctxFor(t)
			if tt.wantErr != "" {
				if err := st.Setup(ctx, tt.spec); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Setup(%+v) = %v, want an error naming %s", tt.spec, err, tt.wantErr)
				}
				return
			}
			r := need[drivers.Reader](t, st, "reads")
			prev := drivers.Spec{Keys: tt.spec.Keys + 3, FieldGroups: 2, PayloadBytes: 8}
			setup(t, st, prev)
			s.dirty(t, ctx, st, prev)
			setup(t, st, tt.spec)
			if tot, want := totals(t, ctx, st), (drivers.Totals{Docs: int64(tt.spec.Keys)}); tot != want {
				t.Errorf("Totals = %+v, want %+v", tot, want)
			}
			for k := range tt.spec.Keys {
				d := readDoc(t, ctx, r, k)
				assertDoc(t, fmt.Sprintf("key %d after Setup", k), d, drivers.Doc{
					Key: k, Groups: make([]int64, tt.spec.FieldGroups), Payload: make([]byte, s.payloadLen(tt.spec))})
			}
			err := r.Read(ctx, tt.spec.Keys, &drivers.Doc{})
			wantNotFound(t, "Read of a key the previous cell had", err)
			if l, ok := st.(drivers.Leaser); ok {
				if f, err := l.Acquire(ctx, 0, 2, time.Minute); err != nil || f != 1 {
					t.Errorf("Acquire after Setup = %d, %v; want fence 1 (leases reset)", f, err)
				}
			}
		})
	}
}

// dirty writes to the first and last key of spec through every write
// path st has, raises their fences and takes key 0's lease.
func (s *suite) dirty(t *testing.T, ctx context.Context, st drivers.Store, spec drivers.Spec) {
	t.Helper()
	for _, k := range []int{0, spec.Keys - 1} {
		w := write(k, 1, drivers.ScopeDocument, 0, 9, spec.GroupBytes())
		if cas, ok := st.(drivers.CompareAndSwapper); ok {
			if err := cas.CompareAndSwap(ctx, w); err != nil {
				t.Fatalf("CompareAndSwap: %v", err)
			}
		}
		if put, ok := st.(drivers.Putter); ok {
			w.Version, w.Counter, w.GroupVersion = 5, 5, 5
			if err := put.Put(ctx, w); err != nil {
				t.Fatalf("Put: %v", err)
			}
		}
		if fr, ok := st.(drivers.FencedReader); ok {
			if err := fr.ReadFenced(ctx, k, 5, &drivers.Doc{}); err != nil {
				t.Fatalf("ReadFenced: %v", err)
			}
		}
	}
	if l, ok := st.(drivers.Leaser); ok {
		if _, err := l.Acquire(ctx, 0, 1, time.Minute); err != nil {
			t.Fatalf("Acquire: %v", err)
		}
	}
}

// read: Read returns every field as written, binary payloads and 64-bit
// values intact and the bytes PayloadBytes leaves over after whole groups
// zero; it reuses the caller's slices when their capacity suffices; a key
// outside the cell is ErrNotFound.
func (s *suite) read(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	r := need[drivers.Reader](t, st, "reads")
	spec := drivers.Spec{Keys: 4, FieldGroups: 3, PayloadBytes: 10} // 3 bytes a group, 1 left over
	ctx := setup(t, st, spec)
	w := &drivers.Write{Key: 3, Group: 1, Writer: 5, Op: 6, UpdatedAt: 1234567890123456789, Payload: []byte{0, 0xff, '\n'},
		Version: 1, Counter: 1, GroupVersion: 1}
	switch st := st.(type) {
	case drivers.CompareAndSwapper:
		if err := st.CompareAndSwap(ctx, w); err != nil {
			t.Fatal(err)
		}
	case drivers.Putter:
		if err := st.Put(ctx, w); err != nil {
			t.Fatal(err)
		}
	default:
		t.Skip("driver has no writes to read back")
	}
	d := drivers.Doc{Groups: make([]int64, 0, 3), Payload: make([]byte, 0, 10)}
	groups, payload := &d.Groups[:1][0], &d.Payload[:1][0]
	if err := r.Read(ctx, 3, &d); err != nil {
		t.Fatal(err)
	}
	assertDoc(t, "Read after one write", d, drivers.Doc{Key: 3, Version: 1, Counter: 1, Writer: 5, Op: 6, UpdatedAt: 1234567890123456789,
		Groups: []int64{0, 1, 0}, Payload: []byte{0, 0, 0, 0, 0xff, '\n', 0, 0, 0, 0}[:s.payloadLen(spec)]})
	if len(d.Groups) == 0 || len(d.Payload) == 0 || &d.Groups[0] != groups || &d.Payload[0] != payload {
		t.Error("Read reallocated the caller's slices although their capacity sufficed")
	}
	// The same Doc reused for another key holds only that key's values.
	if err := r.Read(ctx, 2, &d); err != nil {
		t.Fatal(err)
	}
	assertDoc(t, "Read of a fresh key into a used Doc", d, drivers.Doc{Key: 2, Groups: make([]int64, 3), Payload: make([]byte, s.payloadLen(spec))})
	for _, key := range []int{-1, spec.Keys, 1 << 40} {
		wantNotFound(t, fmt.Sprintf("Read(%d)", key), r.Read(ctx, key, &d))
	}
}

// compareAndSwap: a conditional write commits exactly when the version
// its scope selects equals Expect, and then sets version+1, counter+1,
// the group's version+1, the group's payload and the metadata, and
// nothing else; otherwise it is a VersionMismatch conflict that changes
// nothing.
func (s *suite) compareAndSwap(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	cas := need[drivers.CompareAndSwapper](t, st, "conditional writes")
	spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8}
	gb := spec.GroupBytes()
	unchanged := drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 0}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0}}
	// Each row starts from a fresh cell where key 0 group 0 was written
	// once (version 1, groups [1 0]).
	tests := []struct {
		name     string
		w        *drivers.Write
		wantKind drivers.ConflictKind
		wantDoc  drivers.Doc
	}{
		{"doc scope match", write(0, 1, drivers.ScopeDocument, 1, 0xbb, gb), drivers.NotConflict,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 101, UpdatedAt: 1234, Groups: []int64{1, 1}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb}}},
		{"doc scope stale", write(0, 1, drivers.ScopeDocument, 0, 0xbb, gb), drivers.VersionMismatch, unchanged},
		{"doc scope ahead", write(0, 1, drivers.ScopeDocument, 2, 0xbb, gb), drivers.VersionMismatch, unchanged},
		{"group scope other group", write(0, 1, drivers.ScopeFieldGroup, 0, 0xbb, gb), drivers.NotConflict,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1, 1}, Payload: []byte{0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb}}},
		{"group scope same group stale", write(0, 0, drivers.ScopeFieldGroup, 0, 0xbb, gb), drivers.VersionMismatch, unchanged},
		{"group scope same group match", write(0, 0, drivers.ScopeFieldGroup, 1, 0xbb, gb), drivers.NotConflict,
			drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 101, UpdatedAt: 1234, Groups: []int64{2, 0}, Payload: []byte{0xbb, 0xbb, 0xbb, 0xbb, 0, 0, 0, 0}}},
		{"group scope ahead", write(0, 1, drivers.ScopeFieldGroup, 1, 0xbb, gb), drivers.VersionMismatch, unchanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := setup(t, st, spec)
			if err := cas.CompareAndSwap(ctx, write(0, 0, drivers.ScopeDocument, 0, 0xaa, gb)); err != nil {
				t.Fatal(err)
			}
			err := cas.CompareAndSwap(ctx, tt.w)
			if got := drivers.KindOf(err); got != tt.wantKind || (tt.wantKind == drivers.NotConflict && err != nil) {
				t.Errorf("CompareAndSwap = %v, want conflict kind %v", err, tt.wantKind)
			}
			if tt.wantKind != drivers.NotConflict && !errors.Is(err, drivers.ErrConflict) {
				t.Errorf("CompareAndSwap = %v: a conflict must match drivers.ErrConflict", err)
			}
			assertDoc(t, "key 0", readDoc(t, ctx, cas, 0), tt.wantDoc)
			assertDoc(t, "key 1", readDoc(t, ctx, cas, 1), drivers.Doc{Key: 1, Groups: []int64{0, 0}, Payload: make([]byte, 8)})
			want := drivers.Totals{Docs: 2, Counter: tt.wantDoc.Counter, Versions: tt.wantDoc.Version}
			if tot := totals(t, ctx, st); tot != want {
				t.Errorf("Totals = %+v, want %+v", tot, want)
			}
		})
	}
}

// put: an unconditional write stores the client's values; a fenced one is
// a StaleFence conflict that writes nothing when the document accepted a
// higher fence, and otherwise records its fence.
func (s *suite) put(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	p := need[drivers.Putter](t, st, "unconditional writes")
	fr, hasFR := st.(drivers.FencedReader)
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
			ctx := setup(t, st, spec)
			if tt.docFence > 0 {
				if !hasFR {
					t.Skip("driver has no fenced reads to raise the fence with")
				}
				if err := fr.ReadFenced(ctx, 0, tt.docFence, &drivers.Doc{}); err != nil {
					t.Fatal(err)
				}
			}
			err := p.Put(ctx, tt.w)
			if got := drivers.KindOf(err); got != tt.wantKind || (tt.wantKind == drivers.NotConflict && err != nil) {
				t.Errorf("Put = %v, want conflict kind %v", err, tt.wantKind)
			}
			assertDoc(t, "after Put", readDoc(t, ctx, p, 0), tt.wantDoc)
		})
	}
}

// readFenced: a fenced read raises the document's fence and reads the
// document in one step; a lower fence is a StaleFence conflict that reads
// nothing; an older holder's fenced write is then stale too.
func (s *suite) readFenced(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	fr := need[drivers.FencedReader](t, st, "fenced reads")
	ctx := setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 2})
	var old, cur drivers.Doc
	if err := fr.ReadFenced(ctx, 0, 1, &old); err != nil {
		t.Fatal(err)
	}
	assertDoc(t, "ReadFenced(1)", old, drivers.Doc{Key: 0, Fence: 1, Groups: []int64{0}, Payload: []byte{0, 0}})
	if err := fr.ReadFenced(ctx, 0, 2, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Fence != 2 {
		t.Errorf("ReadFenced(2) read fence %d", cur.Fence)
	}
	if err := fr.ReadFenced(ctx, 0, 2, &cur); err != nil {
		t.Errorf("ReadFenced(2) again, by the same holder: %v", err)
	}
	stale := drivers.Doc{Version: -7}
	if err := fr.ReadFenced(ctx, 0, 1, &stale); drivers.KindOf(err) != drivers.StaleFence || !errors.Is(err, drivers.ErrConflict) {
		t.Errorf("ReadFenced(1) after 2 = %v, want a stale_fence conflict", err)
	}
	if stale.Version != -7 {
		t.Errorf("a stale ReadFenced read into the caller's Doc: %+v", stale)
	}
	if p, ok := st.(drivers.Putter); ok {
		w := write(0, 0, drivers.ScopeDocument, 0, 1, 2)
		w.Fence, w.Version, w.Counter, w.GroupVersion = 1, old.Version+1, old.Counter+1, 1
		if err := p.Put(ctx, w); drivers.KindOf(err) != drivers.StaleFence {
			t.Errorf("old holder's Put = %v, want stale_fence", err)
		}
		w.Fence = 2
		if err := p.Put(ctx, w); err != nil {
			t.Errorf("new holder's Put = %v", err)
		}
		if err := fr.ReadFenced(ctx, 0, 3, &cur); err != nil {
			t.Fatal(err)
		}
		assertDoc(t, "ReadFenced(3) after the new holder's Put", cur, drivers.Doc{Key: 0, Version: 1, Counter: 1, Fence: 3,
			Writer: 7, Op: 100, UpdatedAt: 1234, Groups: []int64{1}, Payload: []byte{1, 1}})
		if tot := totals(t, ctx, st); tot.Counter != 1 {
			t.Errorf("Totals = %+v, want counter 1", tot)
		}
	}
	// Fences are per document.
	if err := fr.ReadFenced(ctx, 1, 1, &cur); err != nil || cur.Fence != 1 || cur.Key != 1 {
		t.Errorf("ReadFenced(key 1, fence 1) = %v, read %+v; want key 1 at fence 1", err, cur)
	}
	for _, key := range []int{-1, 2} {
		wantNotFound(t, fmt.Sprintf("ReadFenced(key %d)", key), fr.ReadFenced(ctx, key, 9, &cur))
	}
}

// lockedUpdate: a locked update writes version+1, counter+1 and the
// group's version+1 computed from what it read, plus the group's payload
// and the metadata.
func (s *suite) lockedUpdate(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	lu := need[drivers.LockedUpdater](t, st, "locked updates")
	r := need[drivers.Reader](t, st, "reads")
	ctx := setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8})
	if err := lu.LockedUpdate(ctx, write(0, 1, drivers.ScopeDocument, 0, 0x5a, 4)); err != nil {
		t.Fatalf("LockedUpdate: %v", err)
	}
	assertDoc(t, "after one LockedUpdate", readDoc(t, ctx, r, 0), drivers.Doc{Version: 1, Counter: 1, Writer: 7, Op: 100, UpdatedAt: 1234,
		Groups: []int64{0, 1}, Payload: []byte{0, 0, 0, 0, 0x5a, 0x5a, 0x5a, 0x5a}})
	want := drivers.Doc{Version: 2, Counter: 2, Writer: 7, Op: 101, UpdatedAt: 1234, Groups: []int64{1, 1},
		Payload: []byte{0x6b, 0x6b, 0x6b, 0x6b, 0x5a, 0x5a, 0x5a, 0x5a}}
	if p, ok := st.(drivers.Putter); ok {
		// Values no counting could reach: the update must read them.
		w := write(0, 0, drivers.ScopeDocument, 0, 0, 4)
		w.Version, w.Counter, w.GroupVersion = 10, 20, 30
		if err := p.Put(ctx, w); err != nil {
			t.Fatal(err)
		}
		want.Version, want.Counter, want.Groups[0] = 11, 21, 31
	}
	if err := lu.LockedUpdate(ctx, write(0, 0, drivers.ScopeDocument, 1, 0x6b, 4)); err != nil {
		t.Fatalf("LockedUpdate: %v", err)
	}
	assertDoc(t, "after a second LockedUpdate", readDoc(t, ctx, r, 0), want)
	assertDoc(t, "key 1", readDoc(t, ctx, r, 1), drivers.Doc{Key: 1, Groups: []int64{0, 0}, Payload: make([]byte, 8)})
}

// badWrites: every write path rejects a write outside the cell with an
// error that is not a conflict (ErrNotFound for a missing key) and writes
// nothing.
func (s *suite) badWrites(t *testing.T) {
	st := s.open(t, drivers.Options{Writers: 1})
	r := need[drivers.Reader](t, st, "reads")
	spec := drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 8}
	ctx := setup(t, st, spec)
	gb := spec.GroupBytes()
	type path struct {
		name string
		call func(*drivers.Write) error
	}
	var paths []path
	add := func(name string, call func(*drivers.Write) error) { paths = append(paths, path{name, call}) }
	if cas, ok := st.(drivers.CompareAndSwapper); ok {
		add("CompareAndSwap", func(w *drivers.Write) error { return cas.CompareAndSwap(ctx, w) })
	}
	if p, ok := st.(drivers.Putter); ok {
		add("Put", func(w *drivers.Write) error { return p.Put(ctx, w) })
		add("fenced Put", func(w *drivers.Write) error { w.Fence = 1; return p.Put(ctx, w) })
	}
	if lu, ok := st.(drivers.LockedUpdater); ok {
		add("LockedUpdate", func(w *drivers.Write) error { return lu.LockedUpdate(ctx, w) })
	}
	if len(paths) == 0 {
		t.Skip("driver has no writes")
	}
	tests := []struct {
		name     string
		w        func() *drivers.Write
		notFound bool
	}{
		{"group out of range", func() *drivers.Write { return write(0, 2, drivers.ScopeDocument, 0, 1, gb) }, false},
		{"negative group", func() *drivers.Write { return write(0, -1, drivers.ScopeDocument, 0, 1, gb) }, false},
		{"short payload", func() *drivers.Write { return write(0, 1, drivers.ScopeDocument, 0, 1, gb-1) }, false},
		{"long payload", func() *drivers.Write { return write(0, 1, drivers.ScopeDocument, 0, 1, gb+1) }, false},
		{"key out of range", func() *drivers.Write { return write(2, 0, drivers.ScopeDocument, 0, 1, gb) }, true},
		{"negative key", func() *drivers.Write { return write(-1, 0, drivers.ScopeDocument, 0, 1, gb) }, true},
	}
	for _, p := range paths {
		for _, tt := range tests {
			err := p.call(tt.w())
			switch {
			case tt.notFound:
				wantNotFound(t, p.name+" with "+tt.name, err)
			case err == nil || drivers.KindOf(err) != drivers.NotConflict:
				t.Errorf("%s with %s: %v, want an error that is not a conflict", p.name, tt.name, err)
			}
		}
	}
	for k := range spec.Keys {
		assertDoc(t, fmt.Sprintf("key %d after rejected writes", k), readDoc(t, ctx, r, k),
			drivers.Doc{Key: k, Groups: []int64{0, 0}, Payload: make([]byte, 8)})
	}
}

// leases: Acquire grants a free or expired lease with a fence one higher
// than the key's last (per key; a release keeps it, a refused acquire
// spends none) and refuses a held one, even to its holder; Extend and
// Release need the holder and its fence; an expired lease goes to the
// next holder, and its old holder has lost it. With the fake clock a
// lease expires exactly ttl after it was granted or extended.
func (s *suite) leases(t *testing.T) {
	fake := newFake()
	st := s.open(t, drivers.Options{Writers: 2, Clock: fake})
	l := need[drivers.Leaser](t, st, "leases")
	ctx := setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 0})
	const long = time.Minute
	acquire := func(key int, h int64) func() (int64, error) {
		return func() (int64, error) { return l.Acquire(ctx, key, h, long) }
	}
	extend := func(key int, h, f int64) func() (int64, error) {
		return func() (int64, error) { return 0, l.Extend(ctx, key, h, f, long) }
	}
	release := func(key int, h, f int64) func() (int64, error) {
		return func() (int64, error) { return 0, l.Release(ctx, key, h, f) }
	}
	type step struct {
		name      string
		call      func() (int64, error)
		wantFence int64 // Acquire only
		wantKind  drivers.ConflictKind
	}
	run := func(steps []step) {
		t.Helper()
		for _, sp := range steps {
			f, err := sp.call()
			switch kind := drivers.KindOf(err); {
			case kind != sp.wantKind || (sp.wantKind == drivers.NotConflict && err != nil):
				t.Errorf("%s: err = %v, want conflict kind %v", sp.name, err, sp.wantKind)
			case err == nil && f != sp.wantFence:
				t.Errorf("%s: fence = %d, want %d", sp.name, f, sp.wantFence)
			}
		}
	}
	run([]step{
		{name: "acquire free", call: acquire(0, 1), wantFence: 1},
		{name: "held by other", call: acquire(0, 2), wantKind: drivers.LeaseHeld},
		{name: "held by self", call: acquire(0, 1), wantKind: drivers.LeaseHeld},
		{name: "other key independent", call: acquire(1, 2), wantFence: 1},
		{name: "extend", call: extend(0, 1, 1)},
		{name: "extend by other", call: extend(0, 2, 1), wantKind: drivers.LeaseLost},
		{name: "extend with wrong fence", call: extend(0, 1, 2), wantKind: drivers.LeaseLost},
		{name: "release by other", call: release(0, 2, 1), wantKind: drivers.LeaseLost},
		{name: "release with wrong fence", call: release(0, 1, 2), wantKind: drivers.LeaseLost},
		{name: "release", call: release(0, 1, 1)},
		{name: "release twice", call: release(0, 1, 1), wantKind: drivers.LeaseLost},
		{name: "extend after release", call: extend(0, 1, 1), wantKind: drivers.LeaseLost},
		{name: "fence survives release, refused acquires spend none", call: acquire(0, 2), wantFence: 2},
	})

	// Expiry: holder 2's lease (fence 2) goes to holder 3.
	if f := s.expireAndAcquire(t, ctx, fake, l, 0, 2, 2, 3); f != 3 {
		t.Errorf("acquire after expiry: fence %d, want 3", f)
	}
	run([]step{
		{name: "expired holder extend", call: extend(0, 2, 2), wantKind: drivers.LeaseLost},
		{name: "expired holder release", call: release(0, 2, 2), wantKind: drivers.LeaseLost},
		{name: "new holder extend", call: extend(0, 3, 3)},
	})
	if !s.serverClock {
		// To the nanosecond, on the fake clock: holder 3's lease runs
		// until t+long after its extend.
		advance := func(d time.Duration) func() (int64, error) {
			return func() (int64, error) { fake.Advance(d); return 0, nil }
		}
		run([]step{
			{name: "advance to just before expiry", call: advance(long - 1)},
			{name: "still held just before expiry", call: acquire(0, 4), wantKind: drivers.LeaseHeld},
			{name: "extend just before expiry", call: extend(0, 3, 3)},
			{name: "advance past the first expiry", call: advance(2)},
			{name: "extended lease held", call: acquire(0, 4), wantKind: drivers.LeaseHeld},
			{name: "advance to the extended expiry", call: advance(long - 2)},
			{name: "expired at the expiry instant", call: acquire(0, 4), wantFence: 4},
			{name: "advance past expiry", call: advance(long)},
			{name: "extend of an expired lease", call: extend(0, 4, 4), wantKind: drivers.LeaseLost},
			{name: "acquire after expiry", call: acquire(0, 5), wantFence: 5},
		})
	}

	// Arguments outside the cell.
	for _, tt := range []struct {
		name     string
		call     func() error
		notFound bool
	}{
		{"acquire by holder 0", func() error { _, err := l.Acquire(ctx, 1, 0, long); return err }, false},
		{"acquire with ttl 0", func() error { _, err := l.Acquire(ctx, 1, 5, 0); return err }, false},
		{"acquire with negative ttl", func() error { _, err := l.Acquire(ctx, 1, 5, -time.Second); return err }, false},
		{"extend by holder 0", func() error { return l.Extend(ctx, 1, 0, 1, long) }, false},
		{"extend with ttl 0", func() error { return l.Extend(ctx, 1, 2, 1, 0) }, false},
		{"release by holder 0", func() error { return l.Release(ctx, 1, 0, 1) }, false},
		{"acquire of a missing key", func() error { _, err := l.Acquire(ctx, 2, 1, long); return err }, true},
		{"acquire of a negative key", func() error { _, err := l.Acquire(ctx, -1, 1, long); return err }, true},
		{"extend of a missing key", func() error { return l.Extend(ctx, 2, 1, 1, long) }, true},
		{"release of a missing key", func() error { return l.Release(ctx, 2, 1, 1) }, true},
	} {
		err := tt.call()
		switch {
		case tt.notFound:
			wantNotFound(t, tt.name, err)
		case err == nil || drivers.KindOf(err) != drivers.NotConflict:
			t.Errorf("%s: %v, want an error that is not a conflict", tt.name, err)
		}
	}
}

// expireAndAcquire lets holder's lease on key (with fence) expire and
// acquires it for next, returning next's fence. The lease is first
// shortened to ShortTTL with Extend. On the fake clock it is then free the
// instant ShortTTL has passed; on a server's clock (ServerClock) Acquire
// is polled, in real time, for at most ExpiryWait.
func (s *suite) expireAndAcquire(t *testing.T, ctx context.Context, fake *clock.Fake, l drivers.Leaser, key int, holder, fence, next int64) int64 {
	t.Helper()
	if err := l.Extend(ctx, key, holder, fence, ShortTTL); err != nil {
		t.Fatalf("shortening the lease with Extend: %v", err)
	}
	if !s.serverClock {
		fake.Advance(ShortTTL)
		f, err := l.Acquire(ctx, key, next, time.Minute)
		if err != nil {
			t.Fatalf("acquire once the fake clock passed the expiry: %v (a store whose leases expire by its server's clock needs the ServerClock option)", err)
		}
		return f
	}
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(ExpiryWait)
	defer deadline.Stop()
	for {
		f, err := l.Acquire(ctx, key, next, time.Minute)
		if err == nil {
			t.Logf("lease of %v expired on the server's clock after %v", ShortTTL, time.Since(start).Round(time.Millisecond))
			return f
		}
		if drivers.KindOf(err) != drivers.LeaseHeld {
			t.Fatalf("acquire after expiry: %v", err)
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("a lease of %v did not expire within %v", ShortTTL, ExpiryWait)
		}
	}
}
