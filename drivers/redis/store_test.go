package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
)

// testDB is the database this package's tests use, apart from other
// packages' tests that may share the server.
const testDB = "9"

// testDSN returns the server's DSN with the database set to testDB.
// testenv.DSN skips when the variable is unset, or fails under
// OCCBENCH_REQUIRE_DOCKER=1.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.RedisDSN)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "redis" || u.Scheme == "rediss") {
		u.Path = "/" + testDB
		dsn = u.String()
	}
	return dsn
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func open(t testing.TB, o drivers.Options) *Store {
	t.Helper()
	if o.DSN == "" {
		o.DSN = testDSN(t)
	}
	s, err := Open(testCtx(t), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openSetup(t testing.TB, o drivers.Options, spec drivers.Spec) (*Store, context.Context) {
	t.Helper()
	s := open(t, o)
	ctx := testCtx(t)
	if err := s.Setup(ctx, spec); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return s, ctx
}

// modes are the two CompareAndSwap implementations.
var modes = []string{CASLua, CASWatch}

func withMode(o drivers.Options, mode string) drivers.Options {
	o.Params = map[string]string{ParamCAS: mode}
	return o
}

func TestConformance(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store {
				return open(t, withMode(o, mode))
			}, drivertest.Writers(8, 100))
		})
	}
}

func TestServerVersion(t *testing.T) {
	s := open(t, drivers.Options{})
	v, err := s.ServerVersion(testCtx(t))
	if err != nil || v == "" || v[0] < '0' || v[0] > '9' {
		t.Fatalf("ServerVersion = %q, %v; want a version number", v, err)
	}
}

// exists counts which of keys exist.
func exists(t *testing.T, ctx context.Context, s *Store, keys ...string) int64 {
	t.Helper()
	n, err := s.rdb.Exists(ctx, keys...).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSetupTwiceKeepsOnlySecondCell(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 10, FieldGroups: 2, PayloadBytes: 8})
	if err := s.rdb.Set(ctx, "user:key", "mine", 0).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.rdb.Del(context.Background(), "user:key") })
	for k := range 10 {
		if err := s.CompareAndSwap(ctx, &drivers.Write{Key: k, Group: 1, Payload: make([]byte, 4)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Acquire(ctx, 7, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx, drivers.Spec{Keys: 3, FieldGroups: 3, PayloadBytes: 9}); err != nil {
		t.Fatal(err)
	}
	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot != (drivers.Totals{Docs: 3}) {
		t.Errorf("totals after second Setup = %+v, want 3 fresh docs", tot)
	}
	if n := exists(t, ctx, s, docKey(3), docKey(9), leaseKey(7), fenceKey(7)); n != 0 {
		t.Errorf("%d keys of the first cell survived the second Setup", n)
	}
	if n := exists(t, ctx, s, "user:key"); n != 1 {
		t.Error("Setup deleted a key that is not occbench's")
	}
	var d drivers.Doc
	if err := s.Read(ctx, 2, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 0 || d.Counter != 0 || len(d.Groups) != 3 || len(d.Payload) != 9 {
		t.Errorf("doc 2 after second Setup = %+v, want zero with 3 groups and 9 payload bytes", d)
	}

	// A new Store knows no key count: it reads occbench:meta …
	s2 := open(t, drivers.Options{})
	if err := s2.Setup(ctx, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}); err != nil {
		t.Fatal(err)
	}
	if n := exists(t, ctx, s2, docKey(1), docKey(2)); n != 0 {
		t.Errorf("%d documents of the previous Store's cell survived", n)
	}
	// … and without it SCANs for occbench:* (a crashed or older run).
	if err := s2.rdb.Del(ctx, metaKey).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s2.rdb.Set(ctx, docKey(500), "left over", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s3 := open(t, drivers.Options{})
	if err := s3.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 1}); err != nil {
		t.Fatal(err)
	}
	if n := exists(t, ctx, s3, docKey(500)); n != 0 {
		t.Error("SCAN fallback left occbench:doc:{500}")
	}
	if n := exists(t, ctx, s3, "user:key", docKey(0), docKey(1)); n != 3 {
		t.Errorf("after SCAN fallback %d of user:key and the 2 new docs exist, want 3", n)
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s, ctx := openSetup(t, withMode(drivers.Options{}, mode), drivers.Spec{Keys: 4, FieldGroups: 3, PayloadBytes: 10})
			w := &drivers.Write{Key: 3, Group: 1, Writer: 5, Op: 6, UpdatedAt: 1234567890123456789, Payload: []byte{0, 0xff, '\n'}}
			if err := s.CompareAndSwap(ctx, w); err != nil {
				t.Fatal(err)
			}
			d := drivers.Doc{Groups: make([]int64, 0, 3), Payload: make([]byte, 0, 10)}
			groups, payload := &d.Groups[:1][0], &d.Payload[:1][0]
			if err := s.Read(ctx, 3, &d); err != nil {
				t.Fatal(err)
			}
			want := drivers.Doc{Key: 3, Version: 1, Counter: 1, Writer: 5, Op: 6, UpdatedAt: 1234567890123456789,
				Groups: []int64{0, 1, 0}, Payload: []byte{0, 0, 0, 0, 0xff, '\n', 0, 0, 0, 0}}
			if fmt.Sprint(d) != fmt.Sprint(want) {
				t.Errorf("Read = %+v\n  want %+v", d, want)
			}
			if &d.Groups[0] != groups || &d.Payload[0] != payload {
				t.Error("Read reallocated the caller's slices although their capacity sufficed")
			}
		})
	}
}

func TestCompareAndSwap(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s, ctx := openSetup(t, withMode(drivers.Options{}, mode), drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 4})
			steps := []struct {
				name   string
				scope  drivers.Scope
				group  int
				expect int64
				want   drivers.ConflictKind
			}{
				{"first reader wins", drivers.ScopeDocument, 0, 0, drivers.NotConflict},
				{"second reader of version 0 loses", drivers.ScopeDocument, 1, 0, drivers.VersionMismatch},
				{"group 1 still at 0: field-group scope wins", drivers.ScopeFieldGroup, 1, 0, drivers.NotConflict},
				{"group 0 at 1: stale field-group write loses", drivers.ScopeFieldGroup, 0, 0, drivers.VersionMismatch},
				{"document now at 2", drivers.ScopeDocument, 0, 2, drivers.NotConflict},
				{"a future version loses too", drivers.ScopeDocument, 0, 7, drivers.VersionMismatch},
			}
			for i, st := range steps {
				err := s.CompareAndSwap(ctx, &drivers.Write{Key: 1, Group: st.group, Scope: st.scope, Expect: st.expect, Writer: int64(i + 1), Payload: make([]byte, 2)})
				if got := drivers.KindOf(err); got != st.want || (st.want == drivers.NotConflict && err != nil) {
					t.Fatalf("%s: err %v, want %v", st.name, err, st.want)
				}
			}
			var d drivers.Doc
			if err := s.Read(ctx, 1, &d); err != nil {
				t.Fatal(err)
			}
			if d.Version != 3 || d.Counter != 3 || d.Groups[0] != 2 || d.Groups[1] != 1 || d.Writer != 5 {
				t.Errorf("after 3 winners: %+v, want version 3, counter 3, groups [2 1], writer 5", d)
			}
			for _, b := range []struct {
				name string
				w    drivers.Write
			}{
				{"key out of range", drivers.Write{Key: 2, Payload: make([]byte, 2)}},
				{"group out of range", drivers.Write{Key: 0, Group: 2, Payload: make([]byte, 2)}},
				{"payload size", drivers.Write{Key: 0, Payload: make([]byte, 3)}},
			} {
				if err := s.CompareAndSwap(ctx, &b.w); err == nil || drivers.KindOf(err) != drivers.NotConflict {
					t.Errorf("%s: err %v, want a non-conflict error", b.name, err)
				}
			}
			// A seeded document deleted behind the driver's back.
			if err := s.rdb.Del(ctx, docKey(0)).Err(); err != nil {
				t.Fatal(err)
			}
			if err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 2)}); !errors.Is(err, drivers.ErrNotFound) {
				t.Errorf("CAS of a deleted doc: %v, want ErrNotFound", err)
			}
			if err := s.Read(ctx, 0, &d); !errors.Is(err, drivers.ErrNotFound) {
				t.Errorf("Read of a deleted doc: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestConcurrentCASCountsExactly(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s, ctx := openSetup(t, withMode(drivers.Options{Writers: 8}, mode), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
			const writers, ops = 8, 100
			var conflicts atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Go(func() {
					var d drivers.Doc
					for op := 0; op < ops; {
						if err := s.Read(ctx, 0, &d); err != nil {
							errs <- err
							return
						}
						err := s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Writer: int64(w), Op: int64(op), Payload: make([]byte, 8)})
						switch {
						case err == nil:
							op++
						case drivers.KindOf(err) == drivers.VersionMismatch:
							conflicts.Add(1)
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
			tot, err := s.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tot.Counter != writers*ops || tot.Versions != writers*ops {
				t.Errorf("totals %+v, want counter = version = %d", tot, writers*ops)
			}
			t.Logf("%s: %d conflicts for %d commits", mode, conflicts.Load(), writers*ops)
		})
	}
}

func TestWatchExecFailureIsConflict(t *testing.T) {
	// Deterministic: another client writes the key between WATCH and EXEC.
	s, ctx := openSetup(t, withMode(drivers.Options{}, CASWatch), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1})
	key := s.keys[0]
	err := s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
		if err := s.rdb.HIncrBy(ctx, key, "counter", 0).Err(); err != nil { // a write by "someone else"
			return err
		}
		_, err := tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.HIncrBy(ctx, key, "version", 1)
			return nil
		})
		return err
	}, key)
	if !errors.Is(err, goredis.TxFailedErr) {
		t.Fatalf("EXEC after a concurrent write: %v, want TxFailedErr", err)
	}
	if got := drivers.KindOf(wrap("cas", 0, err)); got != drivers.VersionMismatch {
		t.Errorf("wrap(TxFailedErr) kind = %v, want version_mismatch", got)
	}
}

func TestPutAndFences(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 4})
	put := func(fence, version int64) error {
		return s.Put(ctx, &drivers.Write{Key: 0, Group: 1, Fence: fence, Version: version, Counter: version, GroupVersion: version, Writer: fence, Payload: []byte{byte(version), 0}})
	}
	var d drivers.Doc
	steps := []struct {
		name string
		do   func() error
		want drivers.ConflictKind
	}{
		{"unfenced put", func() error { return put(0, 10) }, drivers.NotConflict},
		{"fence 5 accepted", func() error { return put(5, 11) }, drivers.NotConflict},
		{"fence 3 < 5 is stale", func() error { return put(3, 12) }, drivers.StaleFence},
		{"same fence 5 again", func() error { return put(5, 13) }, drivers.NotConflict},
		{"claim with fence 7", func() error { return s.ReadFenced(ctx, 0, 7, &d) }, drivers.NotConflict},
		{"holder 6 now stale", func() error { return put(6, 14) }, drivers.StaleFence},
		{"claim with fence 6 is stale", func() error { return s.ReadFenced(ctx, 0, 6, &d) }, drivers.StaleFence},
		{"holder 7 writes", func() error { return put(7, 15) }, drivers.NotConflict},
		{"unfenced put ignores the fence", func() error { return put(0, 16) }, drivers.NotConflict},
	}
	for _, st := range steps {
		err := st.do()
		if got := drivers.KindOf(err); got != st.want || (st.want == drivers.NotConflict && err != nil) {
			t.Fatalf("%s: err %v, want %v", st.name, err, st.want)
		}
		if st.name == "claim with fence 7" && (d.Fence != 7 || d.Version != 13 || d.Payload[2] != 13) {
			t.Fatalf("ReadFenced read %+v, want fence 7 and version 13", d)
		}
	}
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 16 || d.Fence != 7 || d.Groups[1] != 16 || d.Payload[2] != 16 || d.Groups[0] != 0 {
		t.Errorf("final doc %+v, want version 16, fence 7, group 1 at 16", d)
	}
	if err := s.rdb.Del(ctx, docKey(0)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := put(9, 1); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("Put to a deleted doc: %v, want ErrNotFound", err)
	}
	if err := s.ReadFenced(ctx, 0, 9, &d); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("ReadFenced of a deleted doc: %v, want ErrNotFound", err)
	}
}

// pollAcquire retries Acquire until Redis expires the lease, for at most
// 5 s of real time: expiry is the server's clock, not a fake one.
func pollAcquire(t *testing.T, ctx context.Context, s *Store, key int, holder int64, ttl time.Duration) int64 {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		f, err := s.Acquire(ctx, key, holder, ttl)
		if err == nil {
			return f
		}
		if drivers.KindOf(err) != drivers.LeaseHeld {
			t.Fatalf("acquire: %v", err)
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("lease did not expire within 5 s")
		}
	}
}

func TestLeases(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 2, FieldGroups: 1, PayloadBytes: 1})
	f1, err := s.Acquire(ctx, 1, 10, time.Minute)
	if err != nil || f1 != 1 {
		t.Fatalf("first acquire = %d, %v; want fence 1", f1, err)
	}
	for range 3 { // failed acquires burn no fence
		if _, err := s.Acquire(ctx, 1, 11, time.Minute); drivers.KindOf(err) != drivers.LeaseHeld {
			t.Fatalf("acquire while held: %v, want lease_held", err)
		}
	}
	if f, err := s.Acquire(ctx, 0, 11, time.Minute); err != nil || f != 1 {
		t.Fatalf("acquire of another key = %d, %v; want fence 1", f, err)
	}
	if err := s.Extend(ctx, 1, 10, f1, time.Minute); err != nil {
		t.Fatalf("extend: %v", err)
	}
	for _, bad := range []struct {
		name          string
		holder, fence int64
	}{
		{"wrong holder", 11, f1},
		{"wrong fence", 10, f1 + 1},
	} {
		if err := s.Extend(ctx, 1, bad.holder, bad.fence, time.Minute); drivers.KindOf(err) != drivers.LeaseLost {
			t.Errorf("extend with %s: %v, want lease_lost", bad.name, err)
		}
		if err := s.Release(ctx, 1, bad.holder, bad.fence); drivers.KindOf(err) != drivers.LeaseLost {
			t.Errorf("release with %s: %v, want lease_lost", bad.name, err)
		}
	}
	if err := s.Release(ctx, 1, 10, f1); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := s.Release(ctx, 1, 10, f1); drivers.KindOf(err) != drivers.LeaseLost {
		t.Fatalf("second release: %v, want lease_lost", err)
	}
	f2, err := s.Acquire(ctx, 1, 11, 50*time.Millisecond)
	if err != nil || f2 != f1+1 {
		t.Fatalf("acquire after release = %d, %v; want fence %d (no gaps from failed acquires)", f2, err, f1+1)
	}
	if pttl := s.rdb.PTTL(ctx, leaseKey(1)).Val(); pttl <= 0 || pttl > 50*time.Millisecond {
		t.Errorf("lease PTTL = %v, want 0 < PTTL ≤ 50ms", pttl)
	}
	// Expiry by Redis's clock (PX 50): the next holder gets in once it
	// fires, and the old holder can neither extend nor release.
	f3 := pollAcquire(t, ctx, s, 1, 12, time.Minute)
	if f3 != f2+1 {
		t.Errorf("fence after expiry = %d, want %d", f3, f2+1)
	}
	if err := s.Extend(ctx, 1, 11, f2, time.Minute); drivers.KindOf(err) != drivers.LeaseLost {
		t.Errorf("expired holder's extend: %v, want lease_lost", err)
	}
	if err := s.Release(ctx, 1, 11, f2); drivers.KindOf(err) != drivers.LeaseLost {
		t.Errorf("expired holder's release: %v, want lease_lost", err)
	}
	for _, bad := range []struct {
		name   string
		key    int
		holder int64
		ttl    time.Duration
	}{
		{"holder 0", 0, 0, time.Second},
		{"ttl 0", 0, 1, 0},
		{"key out of range", 2, 1, time.Second},
	} {
		if _, err := s.Acquire(ctx, bad.key, bad.holder, bad.ttl); err == nil || drivers.KindOf(err) != drivers.NotConflict {
			t.Errorf("acquire with %s: %v, want a non-conflict error", bad.name, err)
		}
	}
}

func TestMillisRoundsUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ttl  time.Duration
		want int64
	}{{time.Nanosecond, 1}, {time.Millisecond, 1}, {1500 * time.Microsecond, 2}, {time.Second, 1000}} {
		if got := millis(tt.ttl); got != tt.want {
			t.Errorf("millis(%v) = %d, want %d", tt.ttl, got, tt.want)
		}
	}
}

func benchCAS(b *testing.B, mode string) {
	s, ctx := openSetup(b, withMode(drivers.Options{Writers: 1}, mode), drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
	w := &drivers.Write{Key: 0, Payload: make([]byte, 64)}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.CompareAndSwap(ctx, w); err != nil {
			b.Fatal(err)
		}
		w.Expect++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cas/s")
}

func BenchmarkCompareAndSwapLua(b *testing.B)   { benchCAS(b, CASLua) }
func BenchmarkCompareAndSwapWatch(b *testing.B) { benchCAS(b, CASWatch) }

func BenchmarkRead(b *testing.B) {
	s, ctx := openSetup(b, drivers.Options{Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 4, PayloadBytes: 64})
	d := &drivers.Doc{}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Read(ctx, 0, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetup100k seeds 100,000 documents of 4 groups and 64 bytes.
func BenchmarkSetup100k(b *testing.B) {
	s := open(b, drivers.Options{})
	ctx := testCtx(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Setup(ctx, drivers.Spec{Keys: 100_000, FieldGroups: 4, PayloadBytes: 64}); err != nil {
			b.Fatal(err)
		}
	}
}
