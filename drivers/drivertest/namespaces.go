package drivertest

import (
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
)

// NamespaceOpener opens the store under test on its server in namespace
// ns (drivers.Options.Namespace); the store is closed when the test
// ends. Prefix ns with something of the driver's own: servers are
// shared by tests.
type NamespaceOpener func(t *testing.T, ns string) drivers.Store

// RunNamespaces is the conformance suite of a store that several
// runners share (--runners, --namespace): it must implement
// drivers.Attacher and drivers.Coordinator.
//
//   - Two namespaces on one server keep their own documents: neither
//     Setup drops or changes the other's.
//   - A store that attaches to a namespace works on the documents
//     another set up: it reads them and its conditional write commits,
//     and Attach writes nothing.
//   - Markers are per namespace: Mark replaces, Marks filters by
//     prefix, ClearMarks removes a namespace's markers only.
//   - Now reads a clock within a minute of this one.
func RunNamespaces(t *testing.T, prefix string, open NamespaceOpener) {
	ctx := ctxFor(t)
	nsA, nsB := prefix+"_nsa", prefix+"_nsb"
	a, b := open(t, nsA), open(t, nsB)
	if err := a.Setup(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatalf("Setup a: %v", err)
	}
	cs := need[drivers.CompareAndSwapper](t, a, "conditional writes")
	rd := need[drivers.Reader](t, a, "reads")
	var d drivers.Doc
	if err := rd.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if err := cs.CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Payload: []byte{}}); err != nil {
		t.Fatalf("CompareAndSwap in a: %v", err)
	}
	if err := b.Setup(ctx, drivers.Spec{Keys: 5, FieldGroups: 2}); err != nil {
		t.Fatalf("Setup b: %v", err)
	}
	for _, tt := range []struct {
		name string
		s    drivers.Store
		want drivers.Totals
	}{
		{"a after b's setup", a, drivers.Totals{Docs: 3, Counter: 1, Versions: 1}},
		{"b", b, drivers.Totals{Docs: 5}},
	} {
		if got, err := tt.s.Totals(ctx); err != nil || got.Docs != tt.want.Docs || got.Counter != tt.want.Counter {
			t.Errorf("%s: Totals = %+v, %v; want %d docs, counter %d", tt.name, got, err, tt.want.Docs, tt.want.Counter)
		}
	}

	att := open(t, nsA)
	at := need[drivers.Attacher](t, att, "attaching")
	if err := at.Attach(ctx, drivers.Spec{Keys: 3, FieldGroups: 1}); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if got, err := a.Totals(ctx); err != nil || got.Docs != 3 || got.Counter != 1 {
		t.Fatalf("a after Attach: %+v, %v; Attach must write nothing", got, err)
	}
	if err := need[drivers.Reader](t, att, "reads").Read(ctx, 0, &d); err != nil || d.Version != 1 {
		t.Fatalf("attached read: version %d, %v; want 1", d.Version, err)
	}
	if err := need[drivers.CompareAndSwapper](t, att, "conditional writes").CompareAndSwap(ctx, &drivers.Write{Key: 0, Expect: d.Version, Payload: []byte{}}); err != nil {
		t.Fatalf("attached CompareAndSwap: %v", err)
	}
	if got, err := a.Totals(ctx); err != nil || got.Counter != 2 {
		t.Fatalf("a after the attached write: %+v, %v; want counter 2", got, err)
	}

	ca := need[drivers.Coordinator](t, a, "markers")
	cb := need[drivers.Coordinator](t, b, "markers")
	for _, c := range []drivers.Coordinator{ca, cb} {
		if err := c.ClearMarks(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := ca.Marks(ctx, "x/"); err != nil || len(m) != 0 {
		t.Fatalf("Marks of an empty namespace = %v, %v", m, err)
	}
	for _, kv := range [][2]string{{"x/1", "one"}, {"x/2", "two"}, {"y/1", "other"}, {"x/1", "again"}} {
		if err := ca.Mark(ctx, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := cb.Mark(ctx, "z/1", "b's"); err != nil {
		t.Fatal(err)
	}
	if m, err := ca.Marks(ctx, "x/"); err != nil || len(m) != 2 || m["x/1"] != "again" || m["x/2"] != "two" {
		t.Fatalf("Marks(x/) = %v, %v; want x/1=again, x/2=two", m, err)
	}
	if err := ca.ClearMarks(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := ca.Marks(ctx, ""); len(m) != 0 {
		t.Fatalf("after ClearMarks: %v", m)
	}
	if m, _ := cb.Marks(ctx, ""); len(m) != 1 || m["z/1"] != "b's" {
		t.Fatalf("b's markers after a's ClearMarks: %v, want z/1 only", m)
	}
	now, err := ca.Now(ctx)
	if err != nil || time.Since(now).Abs() > time.Minute {
		t.Fatalf("Now = %v, %v", now, err)
	}
}
