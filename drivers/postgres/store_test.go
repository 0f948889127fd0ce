package postgres

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/runner/runnertest"
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
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		return open(t, o)
	}, drivertest.Writers(8, 100), drivertest.ServerClock())
}

func TestServerVersion(t *testing.T) {
	s := open(t, drivers.Options{})
	v, err := s.ServerVersion(testCtx(t))
	if err != nil || v == "" || v[0] < '0' || v[0] > '9' {
		t.Fatalf("ServerVersion = %q, %v; want a version number", v, err)
	}
}

// TestSetupLeavesOtherTablesAlone: Setup drops and recreates occbench's
// tables only. (What Setup leaves of a previous cell is checked by
// drivertest, in TestConformance.)
func TestSetupLeavesOtherTablesAlone(t *testing.T) {
	s, ctx := openSetup(t, drivers.Options{}, drivers.Spec{Keys: 10, FieldGroups: 2, PayloadBytes: 8})
	if _, err := s.pool.Exec(ctx, "DROP TABLE IF EXISTS user_table; CREATE TABLE user_table (x int); INSERT INTO user_table VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.pool.Exec(context.Background(), "DROP TABLE IF EXISTS user_table") })
	if err := s.Setup(ctx, drivers.Spec{Keys: 3, FieldGroups: 3, PayloadBytes: 9}); err != nil {
		t.Fatal(err)
	}
	var x int
	if err := s.pool.QueryRow(ctx, "SELECT x FROM user_table").Scan(&x); err != nil || x != 42 {
		t.Errorf("user table after Setup: %d, %v; want it untouched", x, err)
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

// lockRow holds document key's row lock in a transaction on another
// connection, until the test rolls it back or ends.
func lockRow(t *testing.T, ctx context.Context, dsn string, key int) pgx.Tx {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	if _, err := tx.Exec(ctx, "SELECT 1 FROM occbench_docs WHERE id = $1 FOR UPDATE", key); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestLockWait: with lock_wait=wait (the default) FOR UPDATE queues and
// locked updates never conflict; with nowait a held row lock is a
// LockNotAvailable conflict at once, and the only conflict there is.
// Every commit is counted either way. (The exact counts of locked
// updates are checked by drivertest, in TestConformance.)
func TestLockWait(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		wantKinds map[drivers.ConflictKind]bool // the kinds allowed
	}{
		{"wait", nil, nil},
		{"nowait", map[string]string{"lock_wait": "nowait"}, map[drivers.ConflictKind]bool{drivers.LockNotAvailable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := openSetup(t, drivers.Options{Writers: 8, Params: tt.params}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
			if tt.wantKinds[drivers.LockNotAvailable] {
				// Deterministic: another transaction holds the row lock.
				tx := lockRow(t, ctx, testDSN(t), 0)
				err := s.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)})
				if drivers.KindOf(err) != drivers.LockNotAvailable {
					t.Fatalf("LockedUpdate with the row locked elsewhere: %v, want lock_not_available", err)
				}
				if err := tx.Rollback(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// Under contention.
			committed, conflicts := hammer(t, 8, 100, func(w *drivers.Write) error { return s.LockedUpdate(ctx, w) })
			for k := range conflicts {
				if !tt.wantKinds[k] {
					t.Errorf("conflicts %v with lock_wait=%s", conflicts, tt.name)
				}
			}
			tot, err := s.Totals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if committed != 800 || tot.Counter != 800 {
				t.Errorf("committed %d, counter %d; want 800", committed, tot.Counter)
			}
			t.Logf("lock_wait=%s: %d commits, %v conflicts", tt.name, committed, conflicts)
		})
	}
}

func TestLockWaitTimeoutIsTimeoutError(t *testing.T) {
	dsn := testDSN(t)
	// statement_timeout cancels the lock wait on the server: SQLSTATE 57014.
	sep := " "
	if strings.Contains(dsn, "://") {
		sep = "&"
	}
	s, ctx := openSetup(t, drivers.Options{DSN: dsn + sep + "statement_timeout=100"}, drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 8})
	lockRow(t, ctx, dsn, 0)
	err := s.LockedUpdate(ctx, &drivers.Write{Key: 0, Payload: make([]byte, 8)})
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

// BenchmarkDriver measures Read and CompareAndSwap on one document.
func BenchmarkDriver(b *testing.B) {
	drivertest.Benchmark(b, func(t testing.TB, o drivers.Options) drivers.Store { return open(t, o) })
}
