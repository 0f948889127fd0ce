package runner

import (
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// ClassAuditForTest is classAudit over sc's classes, their strategies
// built over st.
func ClassAuditForTest(expected, indeterminate int64, t drivers.Totals, st drivers.Store, sc scenarios.Scenario) results.Audit {
	classes, err := cellClasses(sc, Cells(sc)[0])
	if err != nil {
		panic(err)
	}
	strats, skipped := classStrategies(Config{Store: st, DriverName: "memory"}, classes, strategy.Config{Fencing: sc.Fencing, LeaseTTL: sc.LeaseTTL.D()})
	if skipped != "" {
		panic(skipped)
	}
	return classAudit(expected, indeterminate, t, classes, strats)
}
