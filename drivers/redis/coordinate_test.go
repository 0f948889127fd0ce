package redis

import (
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestNamespaces: the shared-store conformance suite; the key names of
// a namespace; and a Setup that forgot its keys (its SCAN fallback)
// deletes no other namespace's.
func TestNamespaces(t *testing.T) {
	drivertest.RunNamespaces(t, "rd", func(t *testing.T, ns string) drivers.Store { return open(t, drivers.Options{Namespace: ns}) })
	a, ctx := openSetup(t, drivers.Options{Namespace: "rns_a"}, drivers.Spec{Keys: 3, FieldGroups: 1})
	if got := a.ks.doc(2); got != "rns_a_occbench:doc:{2}" {
		t.Fatalf("doc key %q", got)
	}
	b, _ := openSetup(t, drivers.Options{Namespace: "rns_b"}, drivers.Spec{Keys: 5, FieldGroups: 1})
	if err := b.rdb.Del(ctx, b.ks.meta()).Err(); err != nil { // b's next Setup SCANs
		t.Fatal(err)
	}
	if err := b.Setup(ctx, drivers.Spec{Keys: 5, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	if ta, err := a.Totals(ctx); err != nil || ta.Docs != 3 {
		t.Fatalf("namespace a after b's SCAN setup: %+v, %v", ta, err)
	}
}
