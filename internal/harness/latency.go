package harness

import (
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/scenarios"
)

// latencyOf is the scenario's injected latency.
func latencyOf(sc scenarios.Scenario) delay.Dist { return sc.Latency }
