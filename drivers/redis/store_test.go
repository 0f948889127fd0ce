package redis

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/runner/runnertest"
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
			runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
				return open(t, withMode(o, mode))
			}, drivertest.Writers(8, 100), drivertest.ServerClock())
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

// TestSetupTwiceKeepsOnlySecondCell: Setup deletes the previous cell's
// keys, found through occbench:meta or, without it, by SCAN, and no other
// key. (What a fresh cell reads like is checked by drivertest, in
// TestConformance.)
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
	if n := exists(t, ctx, s, docKey(3), docKey(9), leaseKey(7), fenceKey(7)); n != 0 {
		t.Errorf("%d keys of the first cell survived the second Setup", n)
	}
	if n := exists(t, ctx, s, "user:key"); n != 1 {
		t.Error("Setup deleted a key that is not occbench's")
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

// TestDeletedDocIsNotFound: a seeded document deleted behind the
// driver's back is ErrNotFound on every path, not a conflict.
func TestDeletedDocIsNotFound(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			s, ctx := openSetup(t, withMode(drivers.Options{}, mode), drivers.Spec{Keys: 2, FieldGroups: 2, PayloadBytes: 4})
			if err := s.rdb.Del(ctx, docKey(0)).Err(); err != nil {
				t.Fatal(err)
			}
			var d drivers.Doc
			for _, c := range []struct {
				name string
				err  error
			}{
				{"Read", s.Read(ctx, 0, &d)},
				{"CompareAndSwap", s.CompareAndSwap(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 2)})},
				{"Put", s.Put(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 2), Fence: 9, Version: 1})},
				{"ReadFenced", s.ReadFenced(ctx, 0, 9, &d)},
			} {
				if !errors.Is(c.err, drivers.ErrNotFound) || drivers.KindOf(c.err) != drivers.NotConflict {
					t.Errorf("%s of a deleted doc: %v, want ErrNotFound and no conflict", c.name, c.err)
				}
			}
			if n := exists(t, ctx, s, docKey(0)); n != 0 {
				t.Error("a write recreated the deleted document")
			}
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

// TestLeaseTTLIsPX: a lease key carries the TTL as PX, in whole
// milliseconds rounded up, on Acquire and Extend; Redis expires it. (Lease
// semantics, expiry by Redis's clock included, are checked by
// drivertest, in TestConformance.)
func TestLeaseTTLIsPX(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1})
	f, err := s.Acquire(ctx, 0, 1, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if pttl := s.rdb.PTTL(ctx, leaseKey(0)).Val(); pttl <= 0 || pttl > 50*time.Millisecond {
		t.Errorf("lease PTTL after Acquire(50ms) = %v, want 0 < PTTL ≤ 50ms", pttl)
	}
	if err := s.Extend(ctx, 0, 1, f, time.Hour+time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if pttl := s.rdb.PTTL(ctx, leaseKey(0)).Val(); pttl <= time.Hour-time.Minute || pttl > time.Hour+time.Millisecond {
		t.Errorf("lease PTTL after Extend(1h+1µs) = %v, want about 1h and at most 1h+1ms", pttl)
	}
	if err := s.Release(ctx, 0, 1, f); err != nil {
		t.Fatal(err)
	}
	if n := exists(t, ctx, s, leaseKey(0)); n != 0 {
		t.Error("Release left the lease key")
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

// BenchmarkDriver measures Read and CompareAndSwap on one document, for
// each CompareAndSwap implementation.
func BenchmarkDriver(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			drivertest.Benchmark(b, func(t testing.TB, o drivers.Options) drivers.Store { return open(t, withMode(o, mode)) })
		})
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
