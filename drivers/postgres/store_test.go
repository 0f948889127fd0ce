package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
)

// testSchema keeps this package's tables apart from other packages'
// tests that may share the server.
const testSchema = "occbench_test_postgres"

// testDSN returns the server's DSN with search_path set to testSchema,
// which it creates. testenv.DSN skips when the variable is unset, or fails
// under OCCBENCH_REQUIRE_DOCKER=1.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", testSchema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " search_path=" + testSchema
	}
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+testSchema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	return dsn
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open opens a store with o, the test DSN filled in, closed at cleanup.
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

// openSetup opens a store and seeds spec.
func openSetup(t testing.TB, o drivers.Options, spec drivers.Spec) (*Store, context.Context) {
	t.Helper()
	s := open(t, o)
	ctx := testCtx(t)
	if err := s.Setup(ctx, spec); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return s, ctx
}

func TestConformance(t *testing.T) {
	drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store {
		return open(t, o)
	}, drivertest.Writers(8, 100))
}

func TestServerVersion(t *testing.T) {
	s := open(t, drivers.Options{})
	v, err := s.ServerVersion(testCtx(t))
	if err != nil || v == "" || v[0] < '0' || v[0] > '9' {
		t.Fatalf("ServerVersion = %q, %v; want a version number", v, err)
	}
}

func TestSetupTwiceKeepsOnlySecondCell(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 10, FieldGroups: 2, PayloadBytes: 8})
	// A table of the user's, which Setup must leave alone.
	if _, err := s.pool.Exec(ctx, "DROP TABLE IF EXISTS user_table; CREATE TABLE user_table (x int); INSERT INTO user_table VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		if err := s.CompareAndSwap(ctx, &drivers.Write{Key: k, Group: 1, Payload: make([]byte, 4)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Acquire(ctx, 2, 9, time.Minute); err != nil {
		t.Fatal(err)
	}
	spec := drivers.Spec{Keys: 3, FieldGroups: 3, PayloadBytes: 9}
	if err := s.Setup(ctx, spec); err != nil {
		t.Fatal(err)
	}
	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot != (drivers.Totals{Docs: 3}) {
		t.Errorf("totals after second Setup = %+v, want 3 fresh docs", tot)
	}
	var d drivers.Doc
	if err := s.Read(ctx, 2, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 0 || d.Counter != 0 || d.Fence != 0 || len(d.Groups) != 3 || len(d.Payload) != 9 {
		t.Errorf("doc 2 after second Setup = %+v, want zero with 3 groups and 9 payload bytes", d)
	}
	if err := s.Read(ctx, 5, &d); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("Read of key 5 after Setup with 3 keys: %v, want ErrNotFound", err)
	}
	if f, err := s.Acquire(ctx, 2, 1, time.Minute); err != nil || f != 1 {
		t.Errorf("Acquire after second Setup = %d, %v; want fence 1 (leases reset)", f, err)
	}
	var x int
	if err := s.pool.QueryRow(ctx, "SELECT x FROM user_table").Scan(&x); err != nil || x != 42 {
		t.Errorf("user table after Setup: %d, %v; want it untouched", x, err)
	}
	if _, err := s.pool.Exec(ctx, "DROP TABLE user_table"); err != nil {
		t.Fatal(err)
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 4, FieldGroups: 3, PayloadBytes: 10}) // 3 bytes a group, 1 left over
	w := &drivers.Write{Key: 3, Group: 1, Expect: 0, Writer: 5, Op: 6, UpdatedAt: 1234567890123, Payload: []byte{0xa, 0xb, 0xc}}
	if err := s.CompareAndSwap(ctx, w); err != nil {
		t.Fatal(err)
	}
	d := drivers.Doc{Groups: make([]int64, 0, 3), Payload: make([]byte, 0, 10)}
	groups, payload := &d.Groups[:1][0], &d.Payload[:1][0]
	if err := s.Read(ctx, 3, &d); err != nil {
		t.Fatal(err)
	}
	want := drivers.Doc{Key: 3, Version: 1, Counter: 1, Writer: 5, Op: 6, UpdatedAt: 1234567890123,
		Groups: []int64{0, 1, 0}, Payload: []byte{0, 0, 0, 0xa, 0xb, 0xc, 0, 0, 0, 0}}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Errorf("Read = %+v\n  want %+v", d, want)
	}
	if &d.Groups[0] != groups || &d.Payload[0] != payload {
		t.Error("Read reallocated the caller's slices although their capacity sufficed")
	}
}

func TestCompareAndSwap(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 4})
	cas := func(scope drivers.Scope, group int, expect, writer int64) error {
		return s.CompareAndSwap(ctx, &drivers.Write{Key: 1, Group: group, Scope: scope, Expect: expect, Writer: writer, Payload: make([]byte, 2)})
	}
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
		err := cas(st.scope, st.group, st.expect, int64(i+1))
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
	bad := []struct {
		name string
		w    drivers.Write
	}{
		{"key out of range", drivers.Write{Key: 2, Payload: make([]byte, 2)}},
		{"negative key", drivers.Write{Key: -1, Payload: make([]byte, 2)}},
		{"group out of range", drivers.Write{Key: 0, Group: 2, Payload: make([]byte, 2)}},
		{"payload size", drivers.Write{Key: 0, Payload: make([]byte, 3)}},
	}
	for _, b := range bad {
		if err := s.CompareAndSwap(ctx, &b.w); err == nil || drivers.KindOf(err) != drivers.NotConflict {
			t.Errorf("%s: err %v, want a non-conflict error", b.name, err)
		}
	}
}

func TestConcurrentCASCountsExactly(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 8}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	const writers, ops = 8, 50
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
	t.Logf("%d conflicts for %d commits", conflicts.Load(), writers*ops)
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
		if st.name == "claim with fence 7" && (d.Fence != 7 || d.Version != 13) {
			t.Fatalf("ReadFenced read %+v, want fence 7 and version 13", d)
		}
	}
	if err := s.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 16 || d.Fence != 7 || d.Groups[1] != 16 || d.Payload[2] != 16 || d.Groups[0] != 0 {
		t.Errorf("final doc %+v, want version 16, fence 7, group 1 at 16", d)
	}
}

// pollAcquire retries Acquire until the server lets the lease go, for at
// most 5 s of real time: expiry is the server's clock, not a fake one.
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
	if _, err := s.Acquire(ctx, 1, 11, time.Minute); drivers.KindOf(err) != drivers.LeaseHeld {
		t.Fatalf("acquire while held: %v, want lease_held", err)
	}
	if _, err := s.Acquire(ctx, 1, 10, time.Minute); drivers.KindOf(err) != drivers.LeaseHeld {
		t.Fatalf("re-acquire by the holder: %v, want lease_held", err)
	}
	if f, err := s.Acquire(ctx, 0, 11, time.Minute); err != nil || f != 1 {
		t.Fatalf("acquire of another key = %d, %v; want fence 1", f, err)
	}
	if err := s.Extend(ctx, 1, 10, f1, time.Minute); err != nil {
		t.Fatalf("extend: %v", err)
	}
	for _, bad := range []struct {
		name           string
		holder, fence  int64
		extend, releas bool
	}{
		{"wrong holder", 11, f1, true, true},
		{"wrong fence", 10, f1 + 1, true, true},
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
		t.Fatalf("acquire after release = %d, %v; want fence %d", f2, err, f1+1)
	}
	// Expiry by the server's clock: the next holder gets in once 50 ms
	// have passed there, and the old holder can no longer extend.
	f3 := pollAcquire(t, ctx, s, 1, 12, time.Minute)
	if f3 != f2+1 {
		t.Errorf("fence after expiry = %d, want %d", f3, f2+1)
	}
	if err := s.Extend(ctx, 1, 11, f2, time.Minute); drivers.KindOf(err) != drivers.LeaseLost {
		t.Errorf("expired holder's extend: %v, want lease_lost", err)
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

// hammer runs writers × ops calls of update, retrying conflicts, and
// returns the commits and conflicts by kind.
func hammer(t *testing.T, writers, ops int, update func(w *drivers.Write) error) (committed int64, conflicts map[drivers.ConflictKind]int64) {
	t.Helper()
	var mu sync.Mutex
	conflicts = map[drivers.ConflictKind]int64{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for op := 0; op < ops; {
				err := update(&drivers.Write{Key: 0, Writer: int64(w + 1), Op: int64(op), Payload: make([]byte, 8)})
				if k := drivers.KindOf(err); k != drivers.NotConflict {
					mu.Lock()
					conflicts[k]++
					mu.Unlock()
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				op++
				mu.Lock()
				committed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return committed, conflicts
}

func TestLockedUpdateConcurrent(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 8}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	committed, conflicts := hammer(t, 8, 200, func(w *drivers.Write) error { return s.LockedUpdate(ctx, w) })
	if len(conflicts) != 0 {
		t.Errorf("conflicts in wait mode: %v, want none", conflicts)
	}
	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if committed != 1600 || tot.Counter != 1600 || tot.Versions != 1600 {
		t.Errorf("committed %d, totals %+v; want 1600 everywhere", committed, tot)
	}
}

func TestLockedUpdateNoWait(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 8, Params: map[string]string{"lock_wait": "nowait"}},
		drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})

	// Deterministic: another transaction holds the row lock.
	conn, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM occbench_docs WHERE id = 0 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	err = s.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)})
	if drivers.KindOf(err) != drivers.LockNotAvailable {
		t.Fatalf("LockedUpdate with the row locked elsewhere: %v, want lock_not_available", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// Under contention: every commit counted, conflicts are NOWAIT's.
	committed, conflicts := hammer(t, 8, 100, func(w *drivers.Write) error { return s.LockedUpdate(ctx, w) })
	for k := range conflicts {
		if k != drivers.LockNotAvailable {
			t.Errorf("conflict kind %v in nowait mode, want only lock_not_available", k)
		}
	}
	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if committed != 800 || tot.Counter != 800 {
		t.Errorf("committed %d, counter %d; want 800", committed, tot.Counter)
	}
	t.Logf("nowait: %d commits, %v conflicts", committed, conflicts)
}

func TestLockWaitTimeoutIsTimeoutError(t *testing.T) {
	dsn := testDSN(t)
	// statement_timeout cancels the lock wait on the server: SQLSTATE 57014.
	sep := " "
	if strings.Contains(dsn, "://") {
		sep = "&"
	}
	s, ctx := openSetup(t, drivers.Options{DSN: dsn + sep + "statement_timeout=100"}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM occbench_docs WHERE id = 0 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	err = s.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)})
	if err == nil || drivers.KindOf(err) != drivers.NotConflict || drivers.ClassOf(err) != drivers.ClassTimeout {
		t.Fatalf("LockedUpdate past statement_timeout: %v (class %v), want a timeout error", err, drivers.ClassOf(err))
	}
}

func TestSerializableConcurrent(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{Writers: 8}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	committed, conflicts := hammer(t, 8, 100, func(w *drivers.Write) error { return s.SerializableUpdate(ctx, w) })
	for k := range conflicts {
		if k != drivers.Serialization && k != drivers.Deadlock {
			t.Errorf("conflict kind %v, want serialization or deadlock", k)
		}
	}
	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if committed != 800 || tot.Counter != committed || tot.Versions != committed {
		t.Errorf("committed %d, totals %+v; want counter = version = committed = 800", committed, tot)
	}
	t.Logf("serializable: %d commits, %v conflicts", committed, conflicts)
}

func BenchmarkCompareAndSwap(b *testing.B) {
	s, ctx := openSetup(b, drivers.Options{Writers: 1}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 64})
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
