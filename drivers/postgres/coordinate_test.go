package postgres

import (
	"strings"
	"testing"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/drivertest"
)

// TestNamespaces: the shared-store conformance suite, and the table
// names of a namespace.
func TestNamespaces(t *testing.T) {
	drivertest.RunNamespaces(t, "pg", func(t *testing.T, ns string) drivers.Store { return open(t, drivers.Options{Namespace: ns}) })
	if got := tablesIn("nsiso_a").docs; got != "nsiso_a_occbench_docs" || tablesIn("").docs != "occbench_docs" {
		t.Errorf("tables %q, default %q", got, tablesIn("").docs)
	}
}

func TestNamespaceRefused(t *testing.T) {
	_, err := Open(testCtx(t), drivers.Options{DSN: "postgres://x/y", Namespace: "Bad-Name"})
	if err == nil || !strings.Contains(err.Error(), "--namespace") {
		t.Fatalf("err = %v", err)
	}
}
