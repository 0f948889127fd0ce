package redis

import (
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// TestNamespaceAndMarks: two namespaces on one server keep their own
// documents and markers, neither Setup (nor its SCAN fallback) deletes
// the other's keys, and a store that attaches works on what another set
// up, writing nothing at attach.
func TestNamespaceAndMarks(t *testing.T) {
	a, ctx := openSetup(t, drivers.Options{Namespace: "rns_a"}, drivers.Spec{Keys: 3, FieldGroups: 1})
	if err := a.rdb.Del(ctx, a.ks.meta()).Err(); err != nil { // b's Setup would SCAN if it forgot its keys
		t.Fatal(err)
	}
	b, _ := openSetup(t, drivers.Options{Namespace: "rns_b"}, drivers.Spec{Keys: 5, FieldGroups: 1})
	if ta, err := a.Totals(ctx); err != nil || ta.Docs != 3 {
		t.Fatalf("namespace a after b's setup: %+v, %v", ta, err)
	}
	if got := a.ks.doc(2); got != "rns_a_occbench:doc:{2}" {
		t.Fatalf("doc key %q", got)
	}
	att := open(t, drivers.Options{Namespace: "rns_a"})
	if err := att.Attach(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	var d drivers.Doc
	if err := att.Read(ctx, 2, &d); err != nil {
		t.Fatal(err)
	}
	if err := att.CompareAndSwap(ctx, &drivers.Write{Key: 2, Expect: d.Version, Payload: []byte{}}); err != nil {
		t.Fatalf("attached CAS: %v", err)
	}
	if ta, err := a.Totals(ctx); err != nil || ta.Counter != 1 {
		t.Fatalf("a's totals after the attached write: %+v, %v", ta, err)
	}
	for _, s := range []*Store{a, b} {
		if err := s.ClearMarks(ctx); err != nil {
			t.Fatal(err)
		}
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
