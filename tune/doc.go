// Package tune picks a retry backoff for a strategy: it runs a grid of
// policy × base × cap (combinations with cap < base are skipped), ranks
// the combinations by an objective and says how sure the pick is.
//
// Objectives (METRICS.md defines each number):
//
//   - p99: lowest committed-op p99 latency;
//   - goodput: highest throughput_ops_s (committed ops per second);
//   - attempts: lowest amplification, attempts ÷ committed ops.
//
// With several trials a combination's value is the median over its
// trials. Values are compared at three significant digits (the precision
// of the HDR histograms behind the latencies); equal values are broken by
// the other two objectives in the order p99, goodput, attempts, and then
// by grid order. A combination that did not run, was interrupted, or
// committed nothing in some trial ranks after every one that did.
//
// The recommendation is the top combination, compared with the runner-up:
// how far apart they are on the objective, and — with two or more trials
// each — whether the difference is significant by a Mann-Whitney U test
// on the per-trial values (golang.org/x/perf/benchmath, alpha 0.05 by
// default). With one trial the significance is unknown, and said so.
//
// Each combination is one cell run through a RunFunc (the runner in
// occbench, a fake in tests). Heatmaps draws one base × cap heatmap per
// strategy × policy, coloured by the objective on a scale shared by the
// strategy's heatmaps (blue = better, red = worse).
package tune
