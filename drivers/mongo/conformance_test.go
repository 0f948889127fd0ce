package mongo_test

import (
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/strategy"
)

// TestConformance runs the drivers' conformance suite.
//
// FerretDB v1's conditional updates are not atomic: two findAndModify or
// update calls whose filter holds the same version can both match. Against
// it the suite runs
//   - with NonAtomicCAS: it asserts that the audit reports the optimistic
//     writers' lost updates;
//   - with leases granted by an in-process memory store: FerretDB's own
//     lease documents are no more atomic (two writers can acquire one
//     lease with the same fence), so the lease cell would lose updates by
//     chance. TestNonAtomicAudit measures that loss and checks the audit
//     reports it; here the suite checks the fenced reads and writes.
//   - with 8 writers × 200 ops: FerretDB's SQLite backend is slow.
func TestConformance(t *testing.T) {
	probe := open(t, drivers.Options{Writers: 1})
	sv := probe.Server()
	var opts []drivertest.Option
	if sv.FerretDB != "" {
		opts = append(opts,
			drivertest.NonAtomicCAS(),
			drivertest.Writers(8, 200),
			drivertest.Leaser(func(t testing.TB) strategy.Leaser {
				m, err := memory.New(drivers.Options{})
				if err != nil {
					t.Fatal(err)
				}
				// The suite's lease cells use key 0 only.
				if err := m.Setup(testCtx(t), drivers.Spec{Keys: 1, FieldGroups: 1}); err != nil {
					t.Fatal(err)
				}
				return m
			}),
		)
	}
	t.Logf("server: %s", sv)
	drivertest.Run(t, func(t testing.TB, o drivers.Options) drivers.Store {
		st := open(t, o)
		if why := st.Unsupported(strategy.Pessimistic); why != "" {
			t.Logf("%s", why)
			return withoutLocks{st}
		}
		return st
	}, opts...)
}

// withoutLocks hides LockedUpdate from strategy.New, as a server without
// transactions should: the pessimistic cell is then skipped instead of
// failing on every attempt. (Until strategy.New consults
// Store.Unsupported itself.)
type withoutLocks struct{ unlocked }

type unlocked interface {
	drivers.Store
	drivers.Versioner
	strategy.CompareAndSwapper
	strategy.Putter
	strategy.FencedReader
	strategy.Leaser
}

var _ unlocked = (*mongo.Store)(nil)
