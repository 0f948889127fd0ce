package sqlite_test

import (
	"context"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/sqlite"
)

func TestIdempotency(t *testing.T) {
	drivertest.RunIdempotency(t, func(t testing.TB, o drivers.Options) drivers.Store {
		st, err := sqlite.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
