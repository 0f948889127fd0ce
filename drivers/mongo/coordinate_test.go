package mongo_test

import (
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestNamespaces: the shared-store conformance suite.
func TestNamespaces(t *testing.T) {
	drivertest.RunNamespaces(t, "mg", func(t *testing.T, ns string) drivers.Store { return open(t, drivers.Options{Namespace: ns}) })
}
