// Package advise answers "which write strategy, at what contention": it
// plans a sweep of writers × key skew × strategy (optimistic,
// pessimistic, lease and hybrid, those the store can run) with one
// backoff, runs it through a RunFunc (occbench's runner, a fake in
// tests), and finds per skew, on goodput and on p99, which strategy is
// best at each measured writers count, the bands of neighbouring counts
// with the same winner, and the crossovers between bands.
//
// # Skews
//
//	single   every op on key 0: the hot key
//	zipfian  zipfian θ 0.99 over the scenario's keys (YCSB's default)
//	uniform  uniform over the scenario's keys
//
// Cells carry their skew in results.Cell.Distribution ("single",
// "zipfian(0.99)", "uniform"), so that Analyze finds the points again in
// a results file.
//
// # Winner at a point
//
// A strategy's value at a point is the median over its trials of the
// objective: goodput (committed ops/s, higher is better) or the
// committed-op p99 (lower is better). A trial that committed nothing has
// the worst value (goodput 0, p99 +Inf); a strategy with a skipped or
// interrupted trial, or none that committed, is invalid at the point and
// never wins. The best is the valid strategy with the best median
// (compared at three significant digits); every other valid strategy is
// within noise of it (a tie) when
//
//   - its median is at most Options.Margin (DefaultMargin, 10%) worse;
//     or
//   - with enough trials for the two-sided Mann-Whitney U test to reach
//     Options.Alpha (results.MinTrials: 4 at 0.05), the test does not
//     tell the two strategies' trials apart (results.NoiseTest); or
//   - with 2 or 3 trials, too few for the test, the ranges (min to max)
//     of the two strategies' trials overlap.
//
// With 1 trial only the margin makes a tie. A point with ties has no
// winner: the report names every strategy of the tie, never one.
//
// # Bands and crossovers
//
// The axis of the bands is optimistic's median conflict ratio
// (conflicts ÷ attempts) at each point: the contention that a strategy
// which retries on conflict meets. Neighbouring points (writers
// ascending) with the same verdict (the same winner, or the same tie)
// form a band. Between two bands the crossover is where the first
// band's best stops being best: with A the best at the last point i of
// the first band and B the best at the first point j of the next, d(p)
// is A's advantage over B at p as a log ratio (ln(goodput_A/goodput_B),
// or ln(p99_B/p99_A)); when d(i) > 0 > d(j), the crossover is at
// t = d(i)/(d(i)−d(j)) of the way from i to j, linearly in the conflict
// ratio and in log2(writers) (Crossover.Interpolated). When the two
// bests are the same strategy (one side is a tie it leads), or d does
// not change sign, it is the midpoint (t = 0.5). Bands are bounded by
// their crossovers: "below 12% conflicts", "12%–45% conflicts",
// "above 45% conflicts".
//
// Each band's line compares its winner (or the tie's best) with the
// runner-up, the other strategy with the smallest median advantage over
// the band's points, by the median over those points of the ratios of
// goodput and of p99: "optimistic with decorrelated-jitter (goodput
// 1.9× pessimistic, p99 0.62×)".
//
// # Output
//
// WriteText and WriteMarkdown print one line per band and objective,
// the crossovers, then the table behind them (per skew × writers:
// optimistic's conflict ratio, each strategy's goodput and p99, the
// winners). Advice is the same answer for the results file's advice
// block; WritePlots draws one PNG per skew (goodput and p99 against
// writers, one line per strategy, each crossover a dotted line).
package advise
