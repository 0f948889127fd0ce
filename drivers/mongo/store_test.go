package mongo_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/strategy"
)

func write(key, group int, scope drivers.Scope, expect int64, payload byte, gb int) *drivers.Write {
	return &drivers.Write{
		Key: key, Group: group, Scope: scope, Expect: expect,
		Writer: 7, Op: expect + 100, UpdatedAt: 1234,
		Payload: bytes.Repeat([]byte{payload}, gb),
	}
}

func setup(t *testing.T, st *mongo.Store, spec drivers.Spec) {
	t.Helper()
	if err := st.Setup(testCtx(t), spec); err != nil {
		t.Fatalf("Setup(%+v): %v", spec, err)
	}
}

func TestRegistered(t *testing.T) {
	d, err := drivers.Lookup(mongo.Name)
	if err != nil {
		t.Fatal(err)
	}
	dsn := withDatabase(testDSN(t), dbName(t.Name()))
	st, err := d.Open(testCtx(t), drivers.Options{DSN: dsn, Writers: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, ok := st.(*mongo.Store)
	if !ok {
		t.Fatalf("registered opener returns %T, want *mongo.Store", st)
	}
	v, err := ms.ServerVersion(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v, "writeConcern=majority readConcern=local") || !strings.Contains(v, ms.Server().Version) {
		t.Errorf("ServerVersion = %q: want the server version and the default concerns", v)
	}
	set := ms.Settings()
	for k, want := range map[string]string{"write_concern": "majority", "read_concern": "local", "database": dbName(t.Name()), "lease_clock": "client"} {
		if set[k] != want {
			t.Errorf("Settings()[%q] = %q, want %q", k, set[k], want)
		}
	}
	t.Logf("server: %s; settings: %v", v, set)
}

func TestSetupTwice(t *testing.T) {
	st := open(t, drivers.Options{Writers: 2})
	ctx := testCtx(t)
	specs := []drivers.Spec{
		{Keys: 50, FieldGroups: 4, PayloadBytes: 64},
		{Keys: 7, FieldGroups: 2, PayloadBytes: 10}, // fewer keys, other groups, uneven payload
	}
	for i, spec := range specs {
		setup(t, st, spec)
		if i == 0 {
			// Leave writes and a lease behind for the second Setup to drop.
			if err := st.CompareAndSwap(ctx, write(3, 1, drivers.ScopeDocument, 0, 9, spec.GroupBytes())); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Acquire(ctx, 3, 1, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		tot, err := st.Totals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantCounter := int64(0)
		if i == 0 {
			wantCounter = 1
		}
		if tot.Docs != int64(spec.Keys) || tot.Counter != wantCounter || tot.Versions != wantCounter {
			t.Errorf("setup %d: totals %+v, want %d docs, counter and versions %d", i, tot, spec.Keys, wantCounter)
		}
	}
	// Everything from the first cell is gone: key 3 is fresh, its lease free.
	var d drivers.Doc
	if err := st.Read(ctx, 3, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 0 || d.Counter != 0 || len(d.Groups) != 2 || len(d.Payload) != 2*5 || !bytes.Equal(d.Payload, make([]byte, 10)) {
		t.Errorf("key 3 after second Setup: %+v, want a fresh document with 2 groups of 5 bytes", d)
	}
	if f, err := st.Acquire(ctx, 3, 2, time.Minute); err != nil || f != 1 {
		t.Errorf("Acquire after second Setup = %d, %v; want fence 1 (a fresh lease table)", f, err)
	}
	if err := st.Read(ctx, 7, &d); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("Read of key 7 with 7 keys: %v, want ErrNotFound", err)
	}
	if err := st.Setup(ctx, drivers.Spec{Keys: 0, FieldGroups: 1}); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Errorf("Setup with 0 keys: %v, want an error naming keys", err)
	}
}

func TestSetupLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100k documents")
	}
	st := open(t, drivers.Options{Writers: 1})
	start := time.Now()
	setup(t, st, drivers.Spec{Keys: 100_000, FieldGroups: 4, PayloadBytes: 256})
	took := time.Since(start)
	start = time.Now()
	tot, err := st.Totals(testCtx(t))
	tookTotals := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Docs != 100_000 {
		t.Errorf("docs = %d, want 100000", tot.Docs)
	}
	t.Logf("seeded 100k documents (4 groups, 256 B) in %v, Totals in %v (%s)", took, tookTotals, st.Server())
}

func TestCompareAndSwap(t *testing.T) {
	st := open(t, drivers.Options{Writers: 2})
	ctx := testCtx(t)
	const gb = 8
	setup(t, st, drivers.Spec{Keys: 3, FieldGroups: 2, PayloadBytes: 2 * gb})

	tests := []struct {
		name      string
		w         *drivers.Write
		want      drivers.ConflictKind
		version   int64
		groups    [2]int64
		wantPay   byte // payload of group w.Group after the write
		wantError bool
	}{
		{"first write", write(1, 0, drivers.ScopeDocument, 0, 0xa1, gb), drivers.NotConflict, 1, [2]int64{1, 0}, 0xa1, false},
		{"stale document version", write(1, 1, drivers.ScopeDocument, 0, 0xb1, gb), drivers.VersionMismatch, 1, [2]int64{1, 0}, 0, false},
		{"other group, its own version", write(1, 1, drivers.ScopeFieldGroup, 0, 0xc1, gb), drivers.NotConflict, 2, [2]int64{1, 1}, 0xc1, false},
		{"stale group version", write(1, 0, drivers.ScopeFieldGroup, 0, 0xd1, gb), drivers.VersionMismatch, 2, [2]int64{1, 1}, 0xa1, false},
		{"current version", write(1, 0, drivers.ScopeDocument, 2, 0xe1, gb), drivers.NotConflict, 3, [2]int64{2, 1}, 0xe1, false},
		{"future version", write(1, 0, drivers.ScopeDocument, 9, 0xf1, gb), drivers.VersionMismatch, 3, [2]int64{2, 1}, 0xe1, false},
		{"bad group", write(1, 2, drivers.ScopeDocument, 3, 1, gb), drivers.NotConflict, 3, [2]int64{2, 1}, 0, true},
		{"bad payload", write(1, 0, drivers.ScopeDocument, 3, 1, gb+1), drivers.NotConflict, 3, [2]int64{2, 1}, 0xe1, true},
		{"missing key", write(3, 0, drivers.ScopeDocument, 0, 1, gb), drivers.NotConflict, 3, [2]int64{2, 1}, 0xe1, true},
	}
	counter := int64(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := st.CompareAndSwap(ctx, tt.w)
			if got := drivers.KindOf(err); got != tt.want {
				t.Fatalf("CompareAndSwap: %v, want conflict kind %v", err, tt.want)
			}
			if tt.wantError != (err != nil && tt.want == drivers.NotConflict) {
				t.Fatalf("CompareAndSwap: error %v, want error: %v", err, tt.wantError)
			}
			if tt.wantError {
				return
			}
			if err == nil {
				counter++
			}
			var d drivers.Doc
			if err := st.Read(ctx, 1, &d); err != nil {
				t.Fatal(err)
			}
			if d.Version != tt.version || d.Counter != counter || d.Groups[0] != tt.groups[0] || d.Groups[1] != tt.groups[1] {
				t.Errorf("after: version %d counter %d groups %v; want %d %d %v", d.Version, d.Counter, d.Groups, tt.version, counter, tt.groups)
			}
			if tt.want == drivers.NotConflict {
				g := d.Payload[tt.w.Group*gb : (tt.w.Group+1)*gb]
				if !bytes.Equal(g, bytes.Repeat([]byte{tt.wantPay}, gb)) || d.Writer != 7 || d.Op != tt.w.Op || d.UpdatedAt != 1234 {
					t.Errorf("after: group %d payload %x writer %d op %d updated_at %d", tt.w.Group, g, d.Writer, d.Op, d.UpdatedAt)
				}
			}
		})
	}
	tot, err := st.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Counter != counter || tot.Versions != counter || tot.Docs != 3 {
		t.Errorf("totals %+v, want counter and versions %d, docs 3", tot, counter)
	}
}

func TestPutAndFences(t *testing.T) {
	st := open(t, drivers.Options{Writers: 2})
	ctx := testCtx(t)
	const gb = 4
	setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: gb})
	put := func(fence, version int64) error {
		w := write(0, 0, drivers.ScopeDocument, 0, byte(version), gb)
		w.Fence, w.Version, w.Counter, w.GroupVersion = fence, version, version, version
		return st.Put(ctx, w)
	}
	var d drivers.Doc
	steps := []struct {
		name    string
		do      func() error
		want    drivers.ConflictKind
		fence   int64 // document's fence afterwards
		version int64 // document's version afterwards
	}{
		{"unfenced put", func() error { return put(0, 5) }, drivers.NotConflict, 0, 5},
		{"fenced put records its fence", func() error { return put(3, 6) }, drivers.NotConflict, 3, 6},
		{"same fence again", func() error { return put(3, 7) }, drivers.NotConflict, 3, 7},
		{"older fence is stale", func() error { return put(2, 99) }, drivers.StaleFence, 3, 7},
		{"fenced read raises the fence", func() error { return st.ReadFenced(ctx, 0, 5, &d) }, drivers.NotConflict, 5, 7},
		{"fenced read with an older fence", func() error { return st.ReadFenced(ctx, 0, 4, &d) }, drivers.StaleFence, 5, 7},
		{"put under the superseded fence", func() error { return put(3, 99) }, drivers.StaleFence, 5, 7},
		{"unfenced put ignores fences", func() error { return put(0, 8) }, drivers.NotConflict, 5, 8},
		{"put under the new fence", func() error { return put(5, 9) }, drivers.NotConflict, 5, 9},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if got := drivers.KindOf(err); got != tt.want || (tt.want == drivers.NotConflict && err != nil) {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			var after drivers.Doc
			if err := st.Read(ctx, 0, &after); err != nil {
				t.Fatal(err)
			}
			if after.Fence != tt.fence || after.Version != tt.version || after.Counter != tt.version || after.Groups[0] != tt.version {
				t.Errorf("after: fence %d version %d counter %d group %d; want fence %d, %d for the rest",
					after.Fence, after.Version, after.Counter, after.Groups[0], tt.fence, tt.version)
			}
		})
	}
	if d.Fence != 5 || d.Version != 7 {
		t.Errorf("fenced read returned fence %d version %d, want the document after raising: 5, 7", d.Fence, d.Version)
	}
	w := write(2, 0, drivers.ScopeDocument, 0, 1, gb)
	if err := st.Put(ctx, w); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("Put on a missing key: %v, want ErrNotFound", err)
	}
}

func TestLeases(t *testing.T) {
	fake := clock.NewFake(time.Unix(1_700_000_000, 0))
	st := open(t, drivers.Options{Writers: 2, Clock: fake})
	ctx := testCtx(t)
	setup(t, st, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 0})
	const ttl = time.Second
	var fence int64
	steps := []struct {
		name      string
		do        func() error
		want      drivers.ConflictKind
		wantFence int64 // for acquires: the fence granted
	}{
		{"acquire a new lease", acq(ctx, st, &fence, 0, 1, ttl), drivers.NotConflict, 1},
		{"acquire while held", acq(ctx, st, &fence, 0, 2, ttl), drivers.LeaseHeld, 0},
		{"holder cannot acquire twice", acq(ctx, st, &fence, 0, 1, ttl), drivers.LeaseHeld, 0},
		{"other key is free", acq(ctx, st, &fence, 1, 2, ttl), drivers.NotConflict, 1},
		{"extend by the holder", func() error { return st.Extend(ctx, 0, 1, 1, ttl) }, drivers.NotConflict, 0},
		{"extend by another", func() error { return st.Extend(ctx, 0, 2, 1, ttl) }, drivers.LeaseLost, 0},
		{"extend with a wrong fence", func() error { return st.Extend(ctx, 0, 1, 2, ttl) }, drivers.LeaseLost, 0},
		{"release by another", func() error { return st.Release(ctx, 0, 2, 1) }, drivers.LeaseLost, 0},
		{"release by the holder", func() error { return st.Release(ctx, 0, 1, 1) }, drivers.NotConflict, 0},
		{"release twice", func() error { return st.Release(ctx, 0, 1, 1) }, drivers.LeaseLost, 0},
		{"acquire after release: higher fence", acq(ctx, st, &fence, 0, 2, ttl), drivers.NotConflict, 2},
		{"still held just before expiry", func() error {
			fake.Advance(ttl - time.Nanosecond)
			return acq(ctx, st, &fence, 0, 1, ttl)()
		}, drivers.LeaseHeld, 0},
		{"free at expiry", func() error {
			fake.Advance(time.Nanosecond)
			return acq(ctx, st, &fence, 0, 1, ttl)()
		}, drivers.NotConflict, 3},
		{"expired holder cannot extend", func() error { return st.Extend(ctx, 0, 2, 2, ttl) }, drivers.LeaseLost, 0},
		{"expired holder cannot release", func() error { return st.Release(ctx, 0, 2, 2) }, drivers.LeaseLost, 0},
		{"extended lease outlives its first ttl", func() error {
			fake.Advance(ttl / 2)
			if err := st.Extend(ctx, 0, 1, 3, ttl); err != nil {
				return err
			}
			fake.Advance(ttl * 3 / 4) // past the original expiry
			return acq(ctx, st, &fence, 0, 2, ttl)()
		}, drivers.LeaseHeld, 0},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			fence = 0
			err := tt.do()
			if got := drivers.KindOf(err); got != tt.want || (tt.want == drivers.NotConflict && err != nil) {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.wantFence != 0 && fence != tt.wantFence {
				t.Errorf("fence = %d, want %d", fence, tt.wantFence)
			}
		})
	}
	bad := []struct {
		name string
		err  error
	}{
		{"holder 0", func() error { _, err := st.Acquire(ctx, 0, 0, ttl); return err }()},
		{"ttl 0", func() error { _, err := st.Acquire(ctx, 0, 1, 0); return err }()},
		{"key out of range", func() error { _, err := st.Acquire(ctx, 2, 1, ttl); return err }()},
		{"extend holder 0", st.Extend(ctx, 0, 0, 1, ttl)},
		{"release key out of range", st.Release(ctx, -1, 1, 1)},
	}
	for _, b := range bad {
		if b.err == nil || drivers.KindOf(b.err) != drivers.NotConflict {
			t.Errorf("%s: got %v, want an error that is not a conflict", b.name, b.err)
		}
	}
}

func acq(ctx context.Context, st *mongo.Store, fence *int64, key int, holder int64, ttl time.Duration) func() error {
	return func() error {
		f, err := st.Acquire(ctx, key, holder, ttl)
		*fence = f
		return err
	}
}

func TestLockedUpdate(t *testing.T) {
	st := open(t, drivers.Options{Writers: 2})
	ctx := testCtx(t)
	const gb = 4
	setup(t, st, drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 2 * gb})
	why := st.Unsupported(strategy.Pessimistic)
	for _, other := range []string{strategy.Optimistic, strategy.Lease, strategy.LWW} {
		if r := st.Unsupported(other); r != "" {
			t.Errorf("Unsupported(%s) = %q, want \"\"", other, r)
		}
	}
	ok, reason := st.Server().Transactions()
	if ok != (why == "") || (!ok && why != "pessimistic needs transactions: "+reason) {
		t.Fatalf("Unsupported(pessimistic) = %q, but Server().Transactions() = %v, %q", why, ok, reason)
	}
	w := write(0, 1, drivers.ScopeDocument, 0, 0x5a, gb)
	err := st.LockedUpdate(ctx, w)
	var d drivers.Doc
	if rerr := st.Read(ctx, 0, &d); rerr != nil {
		t.Fatal(rerr)
	}
	if why != "" {
		t.Logf("server without transactions: %s", why)
		if !errors.Is(err, errors.ErrUnsupported) || drivers.KindOf(err) != drivers.NotConflict || !strings.Contains(err.Error(), why) {
			t.Errorf("LockedUpdate without transactions: %v, want an error wrapping errors.ErrUnsupported that gives the reason", err)
		}
		if d.Version != 0 || d.Counter != 0 {
			t.Errorf("LockedUpdate without transactions wrote: %+v", d)
		}
		return
	}
	if err != nil {
		t.Fatalf("LockedUpdate: %v", err)
	}
	if d.Version != 1 || d.Counter != 1 || d.Groups[1] != 1 || d.Groups[0] != 0 || !bytes.Equal(d.Payload[gb:], bytes.Repeat([]byte{0x5a}, gb)) {
		t.Errorf("after LockedUpdate: %+v", d)
	}
}
