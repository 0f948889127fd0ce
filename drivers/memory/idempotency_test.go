package memory_test

import (
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
	"github.com/occbench/occbench/drivers/memory"
)

func TestIdempotency(t *testing.T) {
	drivertest.RunIdempotency(t, func(t testing.TB, o drivers.Options) drivers.Store {
		st, err := memory.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
