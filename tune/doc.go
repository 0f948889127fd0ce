// Package tune picks a retry backoff for a strategy: it runs a grid of
// policy × base × cap (combinations with cap < base are skipped), finds
// the combinations that are within noise of the best on an objective,
// and recommends one of them by a fixed tie-break, so that a second run
// recommends a member of the first run's set.
//
// Objectives (docs/METRICS.md defines each number):
//
//   - p99: lowest committed-op p99 latency;
//   - goodput: highest throughput_ops_s (committed ops per second);
//   - attempts: lowest amplification, attempts ÷ committed ops.
//
// A trial that committed nothing has the worst value of every objective
// (p99 and attempts +Inf, goodput 0). A combination with a skipped or
// interrupted trial, or none of whose trials committed anything, is
// invalid: it ranks after every valid one and is never recommended.
//
// # Measuring
//
// Each trial of a combination is one cell run through a RunFunc (the
// runner in occbench, a fake in tests). Run measures in rounds: a round
// runs one trial of every combination, starting one combination further
// along than the round before (round-robin), so that the machine's
// drift over time hits every combination alike. There are
// Options.Trials rounds (DefaultTrials, 6; 1 is raised to it, as one
// trial cannot tell anything apart). MaxCells, combinations × Trials, is
// the number of cells; times the length of a cell it is the wall time
// of the plan.
//
// A combination's value is the median of its trials. Rank orders by it,
// compared at three significant digits (the precision of the HDR
// histograms behind the latencies), ties broken by the other two
// objectives in the order p99, goodput, attempts, then by grid order.
//
// # Within noise
//
// The best is the top of its strategy's ranking. Another valid
// combination is within noise of the best when either
//
//   - its median is at most Options.Margin (DefaultMargin, 10%) worse
//     than the best's. This practical-equivalence margin holds even when
//     the test finds the difference significant: the machine drifts by
//     about that much from one run to the next, so a smaller difference
//     would not be found again; or
//   - a two-sided Mann-Whitney U test of its per-trial values against
//     the best's (golang.org/x/perf/benchmath) gives p ≥ Alpha/(k−1),
//     where k is the number of the strategy's valid combinations. The
//     family-wise Alpha (DefaultAlpha, 0.05) is split among the k−1
//     comparisons with the best (Bonferroni), so that when every
//     combination is in truth as good as the best, all of them stay in
//     the set with a probability of about 1−Alpha. The U test assumes
//     nothing about the distribution, which for the p99 of a short cell
//     is skewed and heavy-tailed.
//
// The set is the best and every combination within noise of it: those
// that the measurements cannot rule out as the best. With n trials on
// each side the U test cannot give less than 2 ÷ C(2n, n); with 12
// combinations (0.05/11 per comparison) it takes 6 trials to show any
// difference at all, which is where DefaultTrials comes from. With fewer
// trials, or a noisier machine, the set is larger: the report then says
// that the grid's combinations cannot be told apart, which is the
// answer.
//
// Why not re-run only the leading few: on that machine, ranking the grid
// by one or three trials and re-running the top 4 or 6 left the truly
// best combinations out of the re-run in most runs, so two runs'
// recommendations were members of each other's sets in only 25% to 75%
// of simulated pairs (resampling 15 measured trials per combination);
// running every combination 6 times brought that to 96% to 99%.
//
// On the 2-core shared machine occbench is developed on (memory driver,
// 500µs latency, 16 writers, 1 key, 1s cells), the p99 of one trial
// spans a factor of 3 to 10 across trials of the same combination, which
// is why one trial per combination recommended a different policy on
// every run.
//
// # Tie-break
//
// The recommendation is picked among the set's members that are
// practically equal to the best: the best and those within the margin
// of it (Candidate.Equivalent). A member only not told apart by the test
// stays in the set, as a second run may find it best, but is not
// recommended over those: attempts and latency pull opposite ways (a
// longer base retries less and waits longer), so the member with the
// fewest attempts in the whole set is often the one the test only just
// failed to rule out. Among them, by:
//
//  1. the fewest attempts per committed op (median), every one at most
//     Options.AttemptsMargin (DefaultAttemptsMargin, 5%) above the
//     fewest counting as tied: retries cost the store work even where
//     the objective does not show it, and attempts vary much less from
//     trial to trial than latency;
//  2. the simplest policy, in the order of backoff.Names(): none <
//     constant < expo < full-jitter < equal-jitter < decorrelated-jitter
//     (backoff.Simplicity);
//  3. the smaller cap, then the smaller base.
//
// WriteText prints the recommendation, the set on one line ("within
// noise of the best: …"), the tie-break that decided, the best and the
// runner-up with the significance of their difference, and a table of
// every combination against the best (difference of the medians, p,
// within noise or why not). Ranking.Recommendation carries the set and
// the pick for programs and tests.
//
// Heatmaps draws one base × cap heatmap per strategy × policy, coloured
// by the objective on a scale shared by the strategy's heatmaps (blue =
// better, red = worse).
package tune
