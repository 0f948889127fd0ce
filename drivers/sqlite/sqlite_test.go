package sqlite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

func newStore(t testing.TB, spec drivers.Spec, o drivers.Options) *Store {
	t.Helper()
	if o.DSN == "" {
		o.DSN = filepath.Join(t.TempDir(), "test.db")
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
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
	st, err := d.Open(context.Background(), drivers.Options{DSN: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(drivers.Leaser); !ok {
		t.Errorf("registered opener returns %T, not a drivers.Leaser", st)
	}
	v, err := st.(drivers.Versioner).ServerVersion(context.Background())
	if err != nil || !strings.HasPrefix(v, "3.") {
		t.Errorf("ServerVersion = %q, %v; want 3.x", v, err)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 3, FieldGroups: 1, PayloadBytes: 4}
	t.Run("temporary file removed by Close", func(t *testing.T) {
		s, err := Open(ctx, drivers.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Setup(ctx, spec); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(s.Path())
		if _, err := os.Stat(s.Path()); err != nil {
			t.Fatalf("database file: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary dir %s after Close: %v, want it removed", dir, err)
		}
	})
	for _, tt := range []struct {
		name string
		dsn  func(path string) string
	}{
		{"user path kept by Close", func(p string) string { return p }},
		{"file URI", func(p string) string { return "file:" + p + "?cache=private" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "user.db")
			s, err := Open(ctx, drivers.Options{DSN: tt.dsn(path)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Setup(ctx, spec); err != nil {
				t.Fatal(err)
			}
			if err := s.CompareAndSwap(ctx, write(1, 0, drivers.ScopeDocument, 0, 1, 4)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// Reopen: Close dropped nothing.
			s, err = Open(ctx, drivers.Options{DSN: tt.dsn(path)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var wal string
			if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&wal); err != nil || wal != "wal" {
				t.Errorf("journal_mode = %q, %v; want wal", wal, err)
			}
			tot, err := s.Totals(ctx)
			if err != nil || tot != (drivers.Totals{Docs: 3, Counter: 1, Versions: 1}) {
				t.Errorf("Totals after reopen = %+v, %v", tot, err)
			}
		})
	}
	t.Run("in-memory database refused", func(t *testing.T) {
		s, err := Open(ctx, drivers.Options{DSN: ":memory:"})
		if err == nil {
			s.Close()
			t.Fatal("Open(:memory:): no error, want not-WAL")
		}
	})
	t.Run("before Setup", func(t *testing.T) {
		s, err := Open(ctx, drivers.Options{DSN: filepath.Join(t.TempDir(), "x.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Read(ctx, 0, &drivers.Doc{}); err == nil {
			t.Error("Read before Setup: no error")
		}
	})
}

// TestBusy holds the write lock from another connection: every write
// path waits out the busy timeout and reports a LockNotAvailable conflict,
// and a canceled context is reported as such, not as a conflict.
func TestBusy(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 1, FieldGroups: 1, PayloadBytes: 1}
	path := filepath.Join(t.TempDir(), "busy.db")
	s, err := open(ctx, drivers.Options{DSN: path}, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Setup(ctx, spec); err != nil {
		t.Fatal(err)
	}
	blocker, err := Open(ctx, drivers.Options{DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	tx, err := blocker.lockDB.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	w := write(0, 0, drivers.ScopeDocument, 0, 1, 1)
	w.Version, w.Counter = 1, 1
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"cas", func(ctx context.Context) error { return s.CompareAndSwap(ctx, w) }},
		{"put", func(ctx context.Context) error { return s.Put(ctx, w) }},
		{"read fenced", func(ctx context.Context) error { return s.ReadFenced(ctx, 0, 1, &drivers.Doc{}) }},
		{"locked update", func(ctx context.Context) error { return s.LockedUpdate(ctx, w) }},
		{"acquire", func(ctx context.Context) error { _, err := s.Acquire(ctx, 0, 1, time.Second); return err }},
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call(ctx)
			if drivers.KindOf(err) != drivers.LockNotAvailable || !busy(err) {
				t.Errorf("with the write lock held elsewhere: %v, want a LockNotAvailable conflict wrapping SQLITE_BUSY", err)
			}
			err = c.call(canceled)
			if !errors.Is(err, context.Canceled) || drivers.KindOf(err) != drivers.NotConflict {
				t.Errorf("canceled: %v, want context.Canceled and no conflict", err)
			}
		})
	}
	// Reads are not blocked by a writer in WAL mode.
	if err := s.Read(ctx, 0, &drivers.Doc{}); err != nil {
		t.Errorf("Read while a writer holds the lock: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(ctx, w); err != nil {
		t.Errorf("CAS after the lock is released: %v", err)
	}
}

func TestSetupLarge(t *testing.T) {
	ctx := context.Background()
	spec := drivers.Spec{Keys: 10_000, FieldGroups: 4, PayloadBytes: 64}
	s := newStore(t, spec, drivers.Options{})
	tot, err := s.Totals(ctx)
	if err != nil || tot != (drivers.Totals{Docs: 10_000}) {
		t.Errorf("Totals = %+v, %v", tot, err)
	}
	var d drivers.Doc
	if err := s.Read(ctx, 9_999, &d); err != nil || len(d.Payload) != 64 || len(d.Groups) != 4 {
		t.Errorf("last key: %+v, %v", d, err)
	}
	if err := s.Read(ctx, 10_000, &d); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("key past the end: %v, want ErrNotFound", err)
	}
}
