package main

import (
	"context"
	"fmt"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/merge"
	"github.com/occbench/occbench/results"
)

// storeFlags are merge's --dsn, --driver and --namespace.
type storeFlags struct {
	dsn, driver, namespace string
}

// check refuses store flags that cannot be used with these parts.
func (sf *storeFlags) check(parts []*results.File) error {
	if sf.dsn == "" {
		if sf.driver != "" || sf.namespace != "" {
			return badInput("merge: --driver and --namespace go with --dsn")
		}
		return nil
	}
	if sf.driver == "" {
		return badInput("merge: --dsn: set --driver too (%s)", "the driver the run used")
	}
	d, err := drivers.Lookup(sf.driver)
	if err != nil {
		return badInput("merge: %v", err)
	}
	if !d.Namespace {
		return badInput("merge: --driver %s: its store cannot be shared by runners", sf.driver)
	}
	if err := drivers.ValidateNamespace(sf.namespace); err != nil {
		return badInput("merge: %v", err)
	}
	for _, p := range parts {
		if p.Runner == nil {
			return badInput("merge: --dsn checks the parts of a multi-runner run; these are not")
		}
		if p.Runner.Namespace != sf.namespace {
			return badInput("merge: --namespace %q, but the parts ran in namespace %q", sf.namespace, p.Runner.Namespace)
		}
	}
	return nil
}

// checkStore reads the store's totals and compares them with the last
// cell's: "" when they agree, else the line that says how they differ.
func (sf *storeFlags) checkStore(ctx context.Context, f *results.File) (string, error) {
	d, err := drivers.Lookup(sf.driver)
	if err != nil {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := d.Open(cctx, drivers.Options{DSN: sf.dsn, Writers: 1, Namespace: sf.namespace})
	if err != nil {
		return "", fmt.Errorf("merge: --dsn: %s", redact.DSN(err.Error()))
	}
	defer st.Close()
	t, err := st.Totals(cctx)
	if err != nil {
		return "", fmt.Errorf("merge: --dsn: %s", redact.DSN(err.Error()))
	}
	return merge.CheckStore(f, t)
}
