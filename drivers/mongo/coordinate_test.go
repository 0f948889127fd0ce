package mongo_test

import (
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// TestNamespaceAndMarks: two namespaces in one database keep their own
// documents and markers; a store that attaches reads what the other set
// up, dropping nothing.
func TestNamespaceAndMarks(t *testing.T) {
	ctx := testCtx(t)
	a := open(t, drivers.Options{Namespace: "ns_a"})
	if err := a.Setup(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	b := open(t, drivers.Options{Namespace: "ns_b"})
	if err := b.Setup(ctx, drivers.Spec{Keys: 5, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	if ta, err := a.Totals(ctx); err != nil || ta.Docs != 3 {
		t.Fatalf("namespace a after b's setup: %+v, %v", ta, err)
	}
	att := open(t, drivers.Options{Namespace: "ns_a"})
	if err := att.Attach(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	var d drivers.Doc
	if err := att.Read(ctx, 2, &d); err != nil {
		t.Fatalf("attached read: %v", err)
	}
	if err := a.ClearMarks(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.ClearMarks(ctx); err != nil {
		t.Fatal(err)
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
		t.Fatalf("namespace b sees %v", m)
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
