package capacity_test

import (
	"context"
	"fmt"
	"os"

	"github.com/occbench/occbench/capacity"
	"github.com/occbench/occbench/results"
)

func ExampleParseSLO() {
	slo, err := capacity.ParseSLO("p99_ms <= 50, success_rate>=0.999")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(slo)
	ok, failed := slo.Check(capacity.Values([]results.Cell{{LatencyMS: results.Latency{P99: 71.2}, SuccessRate: 1}}))
	fmt.Println(ok, failed)

	_, err = capacity.ParseSLO("p99<=+10%")
	fmt.Println(err)
	// Output:
	// p99_ms<=50,success_rate>=0.999
	// false [p99 71.2 ms]
	// condition "p99<=+10%": +10% is a relative change (a value with a sign or a %), only for compare --fail-on; a --slo condition takes a plain number, e.g. p99_ms<=50
}

// A store whose p99 is 2 ms + 3 ms per writer and whose throughput stops
// growing at 8 writers.
func ExampleSearch() {
	run := func(ctx context.Context, strategy, backoff string, writers float64) (results.Cell, error) {
		return results.Cell{
			Strategy: strategy, Backoff: backoff, Writers: int(writers), SuccessRate: 1,
			LatencyMS:      results.Latency{P99: 2 + 3*writers},
			ThroughputOpsS: 5000 * min(writers, 8),
		}, nil
	}
	slo, _ := capacity.ParseSLO("p99_ms<=50")
	rep, err := capacity.Search(context.Background(), []capacity.Pair{{Strategy: "optimistic", Backoff: "full-jitter"}},
		capacity.Options{SLO: slo, Vary: capacity.Writers, Max: 64}, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Line(&rep.Answers[0]))
	var loads []float64
	for _, p := range rep.Answers[0].Probes {
		loads = append(loads, p.Load)
	}
	fmt.Println(loads)
	_ = rep.WriteText(os.Stdout) // the answer again, the USL fit of the probes, then the probe table
	// Output:
	// optimistic/full-jitter: 16 writers meet p99_ms<=50 (17 fail: p99 53.0 ms); knee at 8 writers (40,000 ops/s)
	// [1 2 4 8 16 32 24 20 18 17]
	// optimistic/full-jitter: 16 writers meet p99_ms<=50 (17 fail: p99 53.0 ms); knee at 8 writers (40,000 ops/s)
	//
	// scalability (USL fit of each pair's probes, median ops/s against writers: X(N) = λN / (1 + σ(N−1) + κN(N−1))):
	// optimistic/full-jitter: σ 0.057, κ 0.0029, λ 6,590 ops/s, r2 0.963; peak predicted at 18 writers (41,400 ops/s), within the writers probed; mean error on the 10 probes 10.2%
	//
	// probes (one trial per probe; SLO p99_ms<=50):
	// pair                    probe  phase   writers  ops/s   p99 ms  success  conflicts  verdict
	// optimistic/full-jitter  1      double  1        5,000   5.00    1        0          pass
	// optimistic/full-jitter  2      double  2        10,000  8.00    1        0          pass
	// optimistic/full-jitter  3      double  4        20,000  14.0    1        0          pass
	// optimistic/full-jitter  4      double  8        40,000  26.0    1        0          pass
	// optimistic/full-jitter  5      double  16       40,000  50.0    1        0          pass
	// optimistic/full-jitter  6      double  32       40,000  98.0    1        0          FAIL p99 98.0 ms
	// optimistic/full-jitter  7      bisect  24       40,000  74.0    1        0          FAIL p99 74.0 ms
	// optimistic/full-jitter  8      bisect  20       40,000  62.0    1        0          FAIL p99 62.0 ms
	// optimistic/full-jitter  9      bisect  18       40,000  56.0    1        0          FAIL p99 56.0 ms
	// optimistic/full-jitter  10     bisect  17       40,000  53.0    1        0          FAIL p99 53.0 ms
}

// Two backoffs with the same capacity: both are within noise of the best
// (equal answers, and each meets the SLO when re-probed at 16 writers),
// and the tie-break recommends the one with fewer attempts per op.
func ExampleReport_RecommendationLines() {
	amp := map[string]float64{"expo": 1.8, "full-jitter": 1.4}
	run := func(ctx context.Context, strategy, backoff string, writers float64) (results.Cell, error) {
		return results.Cell{
			Strategy: strategy, Backoff: backoff, Writers: int(writers), Ops: 1000, SuccessRate: 1,
			LatencyMS:      results.Latency{P99: 2 + 3*writers},
			ThroughputOpsS: 5000 * min(writers, 8), Amplification: amp[backoff],
		}, nil
	}
	slo, _ := capacity.ParseSLO("p99_ms<=50")
	pairs := []capacity.Pair{{Strategy: "optimistic", Backoff: "expo"}, {Strategy: "optimistic", Backoff: "full-jitter"}}
	rep, err := capacity.Search(context.Background(), pairs, capacity.Options{SLO: slo, Vary: capacity.Writers, Max: 64}, run)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range rep.RecommendationLines() {
		fmt.Println(line)
	}
	fmt.Println(rep.Recommendation.WithinNoise)
	// Output:
	// recommendation: optimistic/full-jitter
	// best: optimistic/expo at 16 writers
	// within noise of the best: optimistic/expo, optimistic/full-jitter
	// tie-break: fewest attempts/op among the 2 equivalent (1.4; the other is more than 5% above)
	//   optimistic/expo: answer 16; re-probe at 16 writers (median of 5 trials): pass; in: best; 1.8 attempts/op
	//   optimistic/full-jitter: answer 16; re-probe at 16 writers (median of 5 trials): pass; in: within one step (p=1.000); 1.4 attempts/op
	// [optimistic/expo optimistic/full-jitter]
}
