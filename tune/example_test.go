package tune_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/tune"
)

// A store where decorrelated jitter with a 5ms base gives the lowest p99,
// measured four times per combination.
func ExampleRun() {
	p99 := map[string]float64{"full-jitter": 10, "decorrelated-jitter": 8}
	run := func(ctx context.Context, c tune.Combo, trial int) (results.Cell, error) {
		v := p99[c.Policy] * float64(c.Base/time.Millisecond) / 5 * (1 + 0.01*float64(trial))
		return results.Cell{Driver: "memory", Strategy: c.Strategy, Writers: 16, Ops: 1000, SuccessRate: 1,
			LatencyMS: results.Latency{P99: v}, ThroughputOpsS: 1e5 / v, Amplification: v / 5}, nil
	}
	g := tune.Grid{
		Strategies: []string{"optimistic"},
		Policies:   []string{"full-jitter", "decorrelated-jitter"},
		Bases:      []time.Duration{5 * time.Millisecond, 10 * time.Millisecond},
		Caps:       []time.Duration{100 * time.Millisecond},
	}
	rep, err := tune.Run(context.Background(), g, tune.Options{Objective: tune.P99, Trials: 4}, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rep.WriteText(os.Stdout)
	// Output:
	// objective: p99 (lowest committed p99; ties broken by goodput, then attempts); 4 trials per combination (medians)
	// grid: 2 policies × 2 bases × 1 cap: 4 combinations per strategy
	//
	// optimistic (memory, 16 writers):
	//   recommendation: decorrelated-jitter base 5ms cap 100ms: p99 8.20 ms, 12,200 ops/s, 1.64 attempts/op, success 1
	//   runner-up:      full-jitter base 5ms cap 100ms: p99 10.2 ms, 9,760 ops/s, 2.05 attempts/op, success 1
	//   difference:     runner-up 25.0% worse on p99 (p99 10.2 ms vs p99 8.20 ms)
	//   significance:   significant (Mann-Whitney U p=0.029, n=4+4, alpha 0.05)
	//
	//   rank  policy               base  cap    p99 ms  ops/s   attempts/op  success  note
	//   1     decorrelated-jitter  5ms   100ms  8.20    12,200  1.64         1
	//   2     full-jitter          5ms   100ms  10.2    9,760   2.05         1
	//   3     decorrelated-jitter  10ms  100ms  16.4    6,100   3.28         1
	//   4     full-jitter          10ms  100ms  20.5    4,880   4.1          1
}
