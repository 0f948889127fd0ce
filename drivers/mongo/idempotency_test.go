package mongo_test

import (
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestIdempotency runs the idempotency suite; on FerretDB, whose
// filtered updates are not atomic, it requires double applies to be
// visible rather than absent.
func TestIdempotency(t *testing.T) {
	probe := open(t, drivers.Options{Writers: 1})
	var opts []drivertest.IdemOption
	if why := probe.IdempotencyNotAtomic(); why != "" {
		t.Logf("declared non-atomic: %s", why)
		opts = append(opts, drivertest.NonAtomicIdempotency())
	}
	drivertest.RunIdempotency(t, func(t testing.TB, o drivers.Options) drivers.Store {
		return open(t, o)
	}, opts...)
}
