package mongo_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/mongo"
)

func write(key, group int, scope drivers.Scope, expect int64, payload byte, gb int) *drivers.Write {
	return &drivers.Write{
		Key: key, Group: group, Scope: scope, Expect: expect,
		Writer: 7, Op: expect + 100, UpdatedAt: 1234,
		Payload: bytes.Repeat([]byte{payload}, gb),
	}
}

func setup(t *testing.T, st *mongo.Store, spec drivers.Spec) {
	t.Helper()
	if err := st.Setup(testCtx(t), spec); err != nil {
		t.Fatalf("Setup(%+v): %v", spec, err)
	}
}

func TestRegistered(t *testing.T) {
	d, err := drivers.Lookup(mongo.Name)
	if err != nil {
		t.Fatal(err)
	}
	dsn := withDatabase(testDSN(t), dbName(t.Name()))
	st, err := d.Open(testCtx(t), drivers.Options{DSN: dsn, Writers: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, ok := st.(*mongo.Store)
	if !ok {
		t.Fatalf("registered opener returns %T, want *mongo.Store", st)
	}
	v, err := ms.ServerVersion(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v, "writeConcern=majority readConcern=local") || !strings.Contains(v, ms.Server().Version) {
		t.Errorf("ServerVersion = %q: want the server version and the default concerns", v)
	}
	set := ms.Settings()
	for k, want := range map[string]string{"write_concern": "majority", "read_concern": "local", "database": dbName(t.Name()), "lease_clock": "client"} {
		if set[k] != want {
			t.Errorf("Settings()[%q] = %q, want %q", k, set[k], want)
		}
	}
	t.Logf("server: %s; settings: %v", v, set)
}

func TestSetupLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100k documents")
	}
	st := open(t, drivers.Options{Writers: 1})
	start := time.Now()
	setup(t, st, drivers.Spec{Keys: 100_000, FieldGroups: 4, PayloadBytes: 256})
	took := time.Since(start)
	start = time.Now()
	tot, err := st.Totals(testCtx(t))
	tookTotals := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Docs != 100_000 {
		t.Errorf("docs = %d, want 100000", tot.Docs)
	}
	t.Logf("seeded 100k documents (4 groups, 256 B) in %v, Totals in %v (%s)", took, tookTotals, st.Server())
}

// TestLockedUpdate: Unsupported(CapLockedUpdate) agrees with the server's
// transactions, and without them LockedUpdate fails with the reason,
// wrapping errors.ErrUnsupported, and writes nothing. (With transactions,
// LockedUpdate's semantics are checked by drivertest, in TestConformance.)
func TestLockedUpdate(t *testing.T) {
	st := open(t, drivers.Options{Writers: 2})
	ctx := testCtx(t)
	const gb = 4
	setup(t, st, drivers.Spec{Keys: 1, FieldGroups: 2, PayloadBytes: 2 * gb})
	why := st.Unsupported(drivers.CapLockedUpdate)
	for _, other := range []drivers.Capability{drivers.CapCompareAndSwap, drivers.CapLease, drivers.CapPut, drivers.CapReadFenced} {
		if r := st.Unsupported(other); r != "" {
			t.Errorf("Unsupported(%s) = %q, want \"\"", other, r)
		}
	}
	ok, reason := st.Server().Transactions()
	if ok != (why == "") || (!ok && why != mongo.NoTransactions+reason) {
		t.Fatalf("Unsupported(row locks) = %q, but Server().Transactions() = %v, %q", why, ok, reason)
	}
	if why == "" {
		t.Skip("server has transactions: drivertest checks LockedUpdate")
	}
	t.Logf("server without transactions: %s", why)
	err := st.LockedUpdate(ctx, write(0, 1, drivers.ScopeDocument, 0, 0x5a, gb))
	if !errors.Is(err, errors.ErrUnsupported) || drivers.KindOf(err) != drivers.NotConflict || !strings.Contains(err.Error(), why) {
		t.Errorf("LockedUpdate without transactions: %v, want an error wrapping errors.ErrUnsupported that gives the reason", err)
	}
	var d drivers.Doc
	if err := st.Read(ctx, 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 0 || d.Counter != 0 {
		t.Errorf("LockedUpdate without transactions wrote: %+v", d)
	}
}
