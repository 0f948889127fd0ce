package threshold_test

import (
	"fmt"

	"github.com/occbench/occbench/threshold"
)

// One grammar for the three places conditions are written; the context
// decides only whether a value may be a change.
func ExampleParseList() {
	gates, err := threshold.ParseList("throughput<-5%, p99>+10%, conflict_ratio>+0.02, optimistic: lost_updates>0", threshold.ForGate)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range gates {
		fmt.Printf("%-28s %-8s limit %v\n", g, g.Kind, g.Limit())
	}
	_, err = threshold.ParseList("p99<=50, p99<=+10%", threshold.ForSLO)
	fmt.Println(err)
	_, err = threshold.ParseList("p98 < 50", threshold.ForThreshold)
	fmt.Println(err)
	// Output:
	// throughput_ops_s < -5%       relative limit -0.05
	// p99_ms > +10%                relative limit 0.1
	// conflict_ratio > +0.02       absolute limit 0.02
	// optimistic: lost_updates > 0 plain    limit 0
	// condition "p99<=+10%": +10% is a relative change (a value with a sign or a %), only for compare --fail-on; a --slo condition takes a plain number, e.g. p99_ms<=50
	// threshold "p98 < 50": unknown metric "p98" (allowed: throughput_ops_s, attempts_s, conflict_ratio, success_rate, amplification, retries_mean, retries_p99, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms, give_ups, errors, error_ratio, lost_updates, stale_writes_rejected, cut_off, recovery_p99_ms, fairness_jain, starved_ops)
}

func ExampleTable() {
	for _, m := range threshold.Table()[:3] {
		fmt.Printf("%s %q %s higher-is-better=%v: %s\n", m.Name, m.Aliases, m.Unit, m.HigherIsBetter, m.Doc)
	}
	// Output:
	// throughput_ops_s ["throughput"] ops/s higher-is-better=true: committed ops per second
	// attempts_s ["attempts"] /s higher-is-better=false: attempts per second, retries included
	// conflict_ratio [] ratio higher-is-better=false: conflicts ÷ attempts
}
