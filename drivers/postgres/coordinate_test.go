package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// TestNamespaceIsolation: two stores in different namespaces of one
// server set up, write and read back their own tables; neither Setup
// drops the other's, and the default names are untouched.
func TestNamespaceIsolation(t *testing.T) {
	a, ctx := openSetup(t, drivers.Options{Namespace: "nsiso_a"}, drivers.Spec{Keys: 3, FieldGroups: 1})
	var d drivers.Doc
	if err := a.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if err := a.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Payload: []byte{}}); err != nil {
		t.Fatal(err)
	}
	b, _ := openSetup(t, drivers.Options{Namespace: "nsiso_b"}, drivers.Spec{Keys: 5, FieldGroups: 2})
	for _, tt := range []struct {
		name string
		s    *Store
		want drivers.Totals
	}{
		{"a after b's setup", a, drivers.Totals{Docs: 3, Counter: 1, Versions: 1}},
		{"b", b, drivers.Totals{Docs: 5}},
	} {
		got, err := tt.s.Totals(ctx)
		if err != nil || got != tt.want {
			t.Errorf("%s: Totals = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if a.tables.docs != "nsiso_a_occbench_docs" || tablesIn("").docs != "occbench_docs" {
		t.Errorf("tables %+v, default %+v", a.tables, tablesIn(""))
	}
	// A runner that attaches to a's cell reads a's documents, dropping
	// nothing.
	att := open(t, drivers.Options{Namespace: "nsiso_a"})
	if err := att.Attach(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	if err := att.Read(ctx, 0, &d); err != nil || d.Version != 1 {
		t.Fatalf("attached read: version %d, %v; want 1", d.Version, err)
	}
}

func TestMarks(t *testing.T) {
	a := open(t, drivers.Options{Namespace: "marks_a"})
	b := open(t, drivers.Options{Namespace: "marks_b"})
	ctx := testCtx(t)
	for _, s := range []*Store{a, b} {
		if err := s.ClearMarks(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := a.Marks(ctx, "x/"); err != nil || len(m) != 0 {
		t.Fatalf("Marks on an empty namespace = %v, %v", m, err)
	}
	for _, kv := range [][2]string{{"x/1", "one"}, {"x/2", "two"}, {"y/1", "other"}, {"x/1", "again"}} {
		if err := a.Mark(ctx, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	m, err := a.Marks(ctx, "x/")
	if err != nil || len(m) != 2 || m["x/1"] != "again" || m["x/2"] != "two" {
		t.Fatalf("Marks = %v, %v", m, err)
	}
	if m, _ := b.Marks(ctx, ""); len(m) != 0 {
		t.Fatalf("namespace marks_b sees %v", m)
	}
	if err := a.ClearMarks(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.Marks(ctx, ""); len(m) != 0 {
		t.Fatalf("after ClearMarks: %v", m)
	}
	now, err := a.Now(ctx)
	if err != nil || time.Since(now).Abs() > time.Minute {
		t.Fatalf("Now = %v, %v", now, err)
	}
}

func TestNamespaceRefused(t *testing.T) {
	_, err := Open(testCtx(t), drivers.Options{DSN: "postgres://x/y", Namespace: "Bad-Name"})
	if err == nil || !strings.Contains(err.Error(), "--namespace") {
		t.Fatalf("err = %v", err)
	}
}
