package sqlite_test

import (
	"context"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/sqlite"
	"github.com/occbench/occbench/runner/runnertest"
)

func TestConformance(t *testing.T) {
	runnertest.Conformance(t, func(t testing.TB, o drivers.Options) drivers.Store {
		st, err := sqlite.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
