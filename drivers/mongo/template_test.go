package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/runner/runnertest"
	"github.com/occbench/occbench/scenarios"
)

// tplFrom loads a scenario's write_path.mongo.
func tplFrom(t testing.TB, arg string) mongo.Templates {
	t.Helper()
	sc, err := scenarios.Load(arg)
	if err != nil {
		t.Fatal(err)
	}
	if sc.WritePath == nil || sc.WritePath.Mongo == nil {
		t.Fatalf("%s has no write_path.mongo", arg)
	}
	m := sc.WritePath.Mongo
	out := mongo.Templates{Collection: m.Collection, Setup: m.Setup, Read: m.Read, CASFilter: m.CAS.Filter, CASUpdate: m.CAS.Update, Audit: m.Audit, Fields: m.Fields}
	if m.Write != nil {
		out.WriteFilter, out.WriteUpdate = m.Write.Filter, m.Write.Update
	}
	return out
}

// openTpl opens a template store on the test's own database.
func openTpl(t testing.TB, o drivers.Options, tpl mongo.Templates) *mongo.TemplateStore {
	t.Helper()
	o.DSN = withDatabase(testDSN(t), dbName(t.Name()))
	st, err := mongo.OpenTemplates(testCtx(t), o, tpl)
	if err != nil {
		t.Fatalf("OpenTemplates: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// TestTemplateConformance runs the strategy cells of the conformance
// suite over the built-in document written as a template, with the
// mongo driver's own settings: on FerretDB NonAtomicCAS (the audit must
// see the optimistic losses) and in-process leases for the lease cell.
func TestTemplateConformance(t *testing.T) {
	tpl := tplFrom(t, "testdata/document.yaml")
	probe := openTpl(t, drivers.Options{Writers: 1}, tpl)
	var opts []drivertest.Option
	if probe.Server().FerretDB != "" {
		opts = append(opts, drivertest.NonAtomicCAS(), drivertest.Leaser(func(t testing.TB, o drivers.Options) drivers.Leaser {
			m, err := memory.New(drivers.Options{Clock: o.Clock})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Setup(testCtx(t), drivers.Spec{Keys: 1, FieldGroups: 1}); err != nil {
				t.Fatal(err)
			}
			return m
		}))
	}
	runnertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store { return openTpl(t, o, tpl) }, opts...)
}

type cellAudit struct {
	ok                   bool
	expected, observed   int64
	lost                 int64
	unavailable, verdict string
}

func tplCell(t *testing.T, st drivers.Store, strat string, writers, ops int) cellAudit {
	t.Helper()
	sc, err := scenarios.Load("orders")
	if err != nil {
		t.Fatal(err)
	}
	sc.Driver = "mongo"
	sc.Strategies = []string{strat}
	sc.Writers = []int{writers}
	sc.OpsPerWriter = ops
	sc.Duration, sc.Warmup = 0, 0
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "mongo"}
	spec := runner.Spec{Strategy: strat, Backoff: sc.Backoffs[0], Writers: writers, Trial: 1}
	c, err := runner.RunCell(testCtx(t), cfg, spec, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Skipped != "" || c.Interrupted || len(c.Errors) != 0 {
		t.Fatalf("%s: skipped %q, interrupted %v, errors %v", strat, c.Skipped, c.Interrupted, c.Errors)
	}
	a := c.Audit
	return cellAudit{ok: a.OK, expected: a.Expected, observed: a.Observed, lost: a.LostUpdates, unavailable: a.Unavailable, verdict: a.Verdict}
}

// TestTemplateOrders: one writer sells exactly what committed; with
// more, MongoDB never oversells and FerretDB's losses (if any) are
// reported as lost updates, never ok.
func TestTemplateOrders(t *testing.T) {
	tpl := tplFrom(t, "orders")
	for _, tt := range []struct {
		strat   string
		writers int
	}{{"optimistic", 1}, {"optimistic", 4}, {"lww", 1}} {
		t.Run(fmt.Sprintf("%s_%d", tt.strat, tt.writers), func(t *testing.T) {
			st := openTpl(t, drivers.Options{Writers: tt.writers}, tpl)
			ferret := st.Server().FerretDB != ""
			a := tplCell(t, st, tt.strat, tt.writers, 30)
			if want := int64(tt.writers * 30); a.expected != want {
				t.Errorf("expected %d committed orders, want %d", a.expected, want)
			}
			if a.lost != a.expected-a.observed {
				t.Errorf("lost %d, want expected−observed = %d", a.lost, a.expected-a.observed)
			}
			switch {
			case a.lost > 0 && a.ok:
				t.Errorf("%d orders lost but the audit says ok: %s", a.lost, a.verdict)
			case (!ferret || tt.writers == 1) && (a.lost != 0 || !a.ok):
				t.Errorf("%d units sold for %d orders, ok=%v: %s", a.observed, a.expected, a.ok, a.verdict)
			}
			t.Logf("%s × %d: expected %d, observed %d: %s", tt.strat, tt.writers, a.expected, a.observed, a.verdict)
		})
	}
}

// TestTemplateNoAudit: without an audit pipeline every cell's audit is
// unavailable, naming the missing template.
func TestTemplateNoAudit(t *testing.T) {
	tpl := tplFrom(t, "orders")
	tpl.Audit = ""
	st := openTpl(t, drivers.Options{Writers: 1}, tpl)
	a := tplCell(t, st, "optimistic", 1, 5)
	if a.ok || !strings.Contains(a.unavailable, "write_path.mongo has no audit template") {
		t.Errorf("audit ok=%v unavailable=%q, want unavailable naming the missing template", a.ok, a.unavailable)
	}
}

// TestTemplateSetupErrors: what the server refuses, or what does not
// fit, at Setup is a *TemplateError naming the template, one line.
func TestTemplateSetupErrors(t *testing.T) {
	base := tplFrom(t, "orders")
	for _, tc := range []struct {
		name string
		edit func(*mongo.Templates)
		want string
	}{
		{"audit stage", func(t *mongo.Templates) { t.Audit = `[{"$nosuchstage": {}}]` }, "write_path.mongo.audit: "},
		{"audit two fields", func(t *mongo.Templates) { t.Audit = `[{"$project": {"_id": 0, "sold": 1, "initial": 1}}]` }, "write_path.mongo.audit: returned"},
		{"no version", func(t *mongo.Templates) { t.Fields = map[string]string{"version": "vers"} }, `write_path.mongo.read: key 0: the document has no "vers" field`},
		{"read nothing", func(t *mongo.Templates) { t.Read = `{"_id": -1}` }, "write_path.mongo.read: finds no document for @key = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := base
			tc.edit(&tpl)
			st := openTpl(t, drivers.Options{Writers: 1}, tpl)
			err := st.Setup(testCtx(t), drivers.Spec{Keys: 2, FieldGroups: 1})
			var te *mongo.TemplateError
			if !errors.As(err, &te) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Fatalf("Setup = %v, want a *TemplateError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Setup = %q, want one line starting %q", err, tc.want)
			}
		})
	}
}

// TestTemplateFences: a fenced write or read under an older fence is a
// StaleFence conflict and writes nothing; a missing key is ErrNotFound.
func TestTemplateFences(t *testing.T) {
	st := openTpl(t, drivers.Options{Writers: 1}, tplFrom(t, "testdata/document.yaml"))
	ctx := testCtx(t)
	if err := st.Setup(ctx, drivers.Spec{Keys: 2, FieldGroups: 1}); err != nil {
		t.Fatal(err)
	}
	var d drivers.Doc
	if err := st.ReadFenced(ctx, 1, 5, &d); err != nil || d.Fence != 5 {
		t.Fatalf("ReadFenced 5 = %+v, %v", d, err)
	}
	w := &drivers.Write{Key: 1, Version: 1, Counter: 1, Fence: 4, Payload: []byte("x")}
	if err := st.Put(ctx, w); !errors.Is(err, drivers.ErrStaleFence) {
		t.Fatalf("Put under fence 4 after 5 = %v, want StaleFence", err)
	}
	if err := st.ReadFenced(ctx, 1, 3, &d); !errors.Is(err, drivers.ErrStaleFence) {
		t.Fatalf("ReadFenced 3 after 5 = %v, want StaleFence", err)
	}
	w.Fence = 5
	if err := st.Put(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := st.Read(ctx, 1, &d); err != nil || d.Version != 1 || d.Counter != 1 || string(d.Payload) != "x" {
		t.Fatalf("Read = %+v, %v: want the fenced write", d, err)
	}
	tot, err := st.Totals(ctx)
	if err != nil || tot.Counter != 1 || tot.Docs != 2 || tot.Versions != 1 {
		t.Errorf("Totals = %+v, %v; want counter 1, 2 docs, versions 1", tot, err)
	}
}

// TestOpenTemplatesRefusals: what parsing refuses, before connecting.
func TestOpenTemplatesRefusals(t *testing.T) {
	t.Parallel()
	ok := mongo.Templates{Collection: "c", Read: `{"_id": "@key"}`, CASFilter: `{"_id": "@key"}`, CASUpdate: `{"$set": {"v": 1}}`}
	for _, tc := range []struct {
		name string
		edit func(*mongo.Templates)
		o    drivers.Options
		want string
	}{
		{"params", nil, drivers.Options{Params: map[string]string{"write_concern": "1"}}, "write_path.mongo: params: a write_path store takes no driver params"},
		{"unknown parameter", func(t *mongo.Templates) { t.Read = `{"_id": "@id"}` }, drivers.Options{}, "write_path.mongo.read: unknown parameter @id (allowed here: @key)"},
		{"counter in cas", func(t *mongo.Templates) { t.CASUpdate = `{"$set": {"c": "@counter"}}` }, drivers.Options{}, "write_path.mongo.cas.update: unknown parameter @counter"},
		{"replacement update", func(t *mongo.Templates) { t.CASUpdate = `{"v": 1}` }, drivers.Options{}, `write_path.mongo.cas.update: field "v": want an update of operators`},
		{"bad json", func(t *mongo.Templates) { t.Read = `{"_id": ` }, drivers.Options{}, "write_path.mongo.read: want extended JSON"},
		{"write half", func(t *mongo.Templates) { t.WriteFilter = `{}` }, drivers.Options{}, "write_path.mongo.write.update: required"},
		{"own collection", func(t *mongo.Templates) { t.Collection = "leases" }, drivers.Options{}, `write_path.mongo.collection: "leases" is occbench's own`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := ok
			if tc.edit != nil {
				tc.edit(&tpl)
			}
			_, err := mongo.OpenTemplates(context.Background(), tc.o, tpl)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, drivers.ErrInvalidOption) {
				t.Errorf("OpenTemplates = %v, want %q (invalid option)", err, tc.want)
			}
		})
	}
}
