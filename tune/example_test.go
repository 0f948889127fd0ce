package tune_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/tune"
)

// A store where decorrelated jitter with a 5ms base gives the lowest p99
// and full-jitter with a 5ms base is 5% behind, within noise: it is the
// recommendation, having the fewest attempts/op of the two.
func ExampleRun() {
	p99 := map[string]float64{"full-jitter": 8.4, "decorrelated-jitter": 8}
	amp := map[string]float64{"full-jitter": 1.5, "decorrelated-jitter": 1.7}
	run := func(ctx context.Context, c tune.Combo, trial int) (results.Cell, error) {
		scale := float64(c.Base/time.Millisecond) / 5
		v := p99[c.Policy] * scale * (1 + 0.01*float64(trial))
		return results.Cell{Driver: "memory", Strategy: c.Strategy, Writers: 16, Ops: 1000, SuccessRate: 1,
			LatencyMS: results.Latency{P99: v}, ThroughputOpsS: 1e5 / v, Amplification: amp[c.Policy] * scale}, nil
	}
	g := tune.Grid{
		Strategies: []string{"optimistic"},
		Policies:   []string{"full-jitter", "decorrelated-jitter"},
		Bases:      []time.Duration{5 * time.Millisecond, 10 * time.Millisecond},
		Caps:       []time.Duration{100 * time.Millisecond},
	}
	rep, err := tune.Run(context.Background(), g, tune.Options{Objective: tune.P99}, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rep.WriteText(os.Stdout)
	// Output:
	// objective: p99 (lowest committed p99; ties broken by goodput, then attempts); 6 trials per combination (medians), in interleaved rounds
	// grid: 2 policies × 2 bases × 1 cap: 4 combinations per strategy
	// within noise of the best: median at most 10.0% worse, or not told apart by a Mann-Whitney U test (alpha 0.05 over all comparisons, Bonferroni)
	// tie-break among the best and those within the margin of it: fewest attempts/op (within 5.0% of the fewest counts as tied), then simplest policy (none < constant < expo < full-jitter < equal-jitter < decorrelated-jitter), then smaller cap, then smaller base
	//
	// optimistic (memory, 16 writers):
	//   recommendation: full-jitter base 5ms cap 100ms: p99 8.69 ms, 11,500 ops/s, 1.5 attempts/op, success 1
	//   within noise of the best: decorrelated-jitter base 5ms cap 100ms, full-jitter base 5ms cap 100ms
	//   tie-break:      fewest attempts/op among the 2 within the margin (1.5; the other is more than 5.0% above)
	//   best:           decorrelated-jitter base 5ms cap 100ms: p99 8.28 ms, 12,100 ops/s, 1.7 attempts/op, success 1
	//   runner-up:      full-jitter base 5ms cap 100ms: p99 8.69 ms, 11,500 ops/s, 1.5 attempts/op, success 1
	//   difference:     runner-up 5.0% worse on p99 (p99 8.69 ms vs p99 8.28 ms)
	//   significance:   significant (Mann-Whitney U p=0.002, n=6+6, alpha 0.0167)
	//
	//   rank  policy               base  cap    p99 ms  ops/s   attempts/op  success  trials  vs best  p      within noise        note
	//   1     decorrelated-jitter  5ms   100ms  8.28    12,100  1.7          1        6                       yes: best
	//   2     full-jitter          5ms   100ms  8.69    11,500  1.5          1        6       +5.0%    0.002  yes: within margin
	//   3     decorrelated-jitter  10ms  100ms  16.6    6,040   3.4          1        6       +100.0%  0.002  no: worse
	//   4     full-jitter          10ms  100ms  17.4    5,750   3            1        6       +110.0%  0.002  no: worse
}
