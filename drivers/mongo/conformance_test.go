package mongo_test

import (
	"cmp"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/drivers/mongo"
	"github.com/occbench/occbench/runner/runnertest"
)

// TestConformance runs the drivers' conformance suite.
//
// FerretDB v1's conditional updates are not atomic: two findAndModify or
// update calls whose filter holds the same version can both match. Against
// it the suite runs
//   - with NonAtomicCAS: it asserts that the concurrent compare-and-swap
//     test and the audit of the optimistic writers see the lost updates;
//     the one-goroutine tests (stale writes, fences, leases) must pass;
//   - with leases granted by an in-process memory store for the lease
//     cell of the increment test: FerretDB's own lease documents are no
//     more atomic (two writers can acquire one lease with the same
//     fence), so the lease cell would lose updates by chance.
//     TestNonAtomicAudit measures that loss and checks the audit reports
//     it; the suite's one-goroutine lease tests use FerretDB's leases;
//   - without transactions: LockedUpdate is hidden (withoutLocks), so the
//     pessimistic tests skip.
func TestConformance(t *testing.T) {
	probe := open(t, drivers.Options{Writers: 1})
	sv := probe.Server()
	var opts []drivertest.Option
	if sv.FerretDB != "" {
		opts = append(opts,
			drivertest.NonAtomicCAS(),
			drivertest.Leaser(func(t testing.TB, o drivers.Options) drivers.Leaser {
				m, err := memory.New(drivers.Options{Clock: o.Clock})
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
	why := probe.Unsupported(drivers.CapLockedUpdate)
	t.Logf("server: %s; %s", sv, cmp.Or(why, "pessimistic supported"))
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		st := open(t, o)
		if why != "" {
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
	drivers.CompareAndSwapper
	drivers.OpLogger
	drivers.Limiter // refuses the op log on FerretDB
	drivers.Putter
	drivers.FencedReader
	drivers.Leaser
}

var _ unlocked = (*mongo.Store)(nil)
