// Package capacity answers "how much load can this write path take and
// still meet its SLO?", per strategy × backoff.
//
// The answer is the largest writers count (closed loop) or arrival rate
// (open loop) whose probe meets every condition of an SLO such as
// p99_ms<=50,success_rate>=0.999.
//
// # SLO
//
// ParseSLO reads --slo, a comma list in the condition grammar of package
// threshold (shared with scenario thresholds and compare --fail-on):
// METRIC OP NUMBER, OP one of < <= > >= == !=, METRIC any metric of the
// threshold table by its canonical name or alias:
//
//	p99_ms<=50,success_rate>=0.999
//	p99<=50, max<=250, error_ratio<0.001, lost_updates==0
//
// The SLO keeps canonical names ("p99<=50" prints as p99_ms<=50). A
// change (+10%, +0.02) is refused, being only for compare --fail-on, and
// so is a STRATEGY: scope: every strategy × backoff is searched against
// the same SLO.
//
// # Search
//
// Search finds the answer in two phases:
//
//   - doubling: probe Start, 2·Start, 4·Start, … until a probe fails the
//     SLO or Max is reached (the last step is clamped to Max);
//   - bisection: between the last pass and the first fail, down to
//     adjacent integers for writers, or until the fail is within 5% of
//     the pass for a rate.
//
// A probe is one cell run through a RunFunc (a fake in tests, the runner
// in occbench), repeated Options.Trials times; the SLO is judged on the
// median of each metric over the trials, so that one noisy trial does
// not move the answer. The search is bounded by Options.Budget: when the
// time left for a strategy × backoff is less than its last probe took,
// the search stops and the answer is reported as a lower bound.
//
// The knee of the throughput curve is where adding load stops adding
// ops/s. It is read off the doubling probes only (a geometric grid, so
// that noise between close bisection loads cannot fake one): the knee is
// the first probed load L whose next probe up, at L', gained less than
// 10% throughput per doubling, that is
//
//	(T(L') / T(L))^(1 / log2(L'/L)) − 1 < 0.10
//
// When no doubling step flattens that much, the knee was not reached in
// the probed range and Answer.Knee is nil.
//
// # Scalability (USL)
//
// A writers search also fits the Universal Scalability Law (package usl),
// X(N) = λN / (1 + σ(N−1) + κN(N−1)), to each pair's judged probes: the
// median throughput of each probe against its writers (Answer.USL,
// FitProbes; at least three writer counts). The fit predicts where the
// throughput peaks, N* = sqrt((1−σ)/κ), and how much it makes there,
// also beyond the writers probed (results.USL.PeakBeyond), or that it
// never falls (κ = 0); its mean absolute percentage error on the probes
// says how far the model missed what was measured. The reports print a
// line per pair (Report.USLLines), the plot draws the fitted curve over
// the probes, and the results file holds the fits (Report.USL). The
// probes of a search crowd around the answer, so the fit weighs that
// region most; with exactly three writer counts it is exact and its R²
// says nothing.
//
// # Recommendation
//
// Each pair's answer comes from single probes near its boundary, so the
// largest answer is partly luck: the best of several equal pairs is the
// one whose noise came out high. Search therefore also says which pairs
// are within noise of the best and recommends one of them
// (Report.Recommendation).
//
// The best is the pair with the largest answer (the first of equals),
// at load L. With two or more pairs, Search then re-probes L: the best
// and up to Options.ConfirmPairs (DefaultConfirmPairs, 4) other pairs,
// those with the largest answers of at least L/2 (below L/2 a pair
// failed a whole doubling step below the best), Options.ConfirmTrials
// times each (DefaultConfirmTrials, 5) in interleaved rounds, every
// round starting one pair further along so that drift hits all alike. A
// re-probe is judged like a search probe, on the medians of its trials.
// Another pair is within noise of the best when
//
//   - its answer is within one bisection step of L (1 writer, or
//     RateTolerance of a rate): the search cannot resolve less; or
//   - its re-probe at L meets the SLO; or
//   - its re-probe is not told apart from the best's: for every SLO
//     condition, a two-sided Mann-Whitney U test of its trials' values
//     of that metric against the best's (golang.org/x/perf/benchmath)
//     gives p ≥ Alpha/m, or the difference is in the direction the
//     condition favours. Alpha (DefaultAlpha, 0.05) is split among the m
//     re-probed pairs (Bonferroni). This matters when L was itself high
//     by noise and the best fails its own re-probe (Recommendation.
//     BestHeld false): pairs doing no worse at L stay in.
//
// A pair re-probed and significantly worse on some SLO metric, one below
// L/2, or one beyond ConfirmPairs is not in the set. The recommendation
// is picked, as in package tune, among the members practically equal to
// the best (Member.Equivalent: the best, those within one step, those
// meeting the SLO at L; a member only not told apart stays in the set
// but is likely worse) by the tie-break of package tune: the fewest
// median attempts/op (at L when re-probed, else at the pair's own
// answer), every pair at most Options.AttemptsMargin (5%) above the
// fewest counting as tied; then the simplest policy in the order of
// backoff.Names() (none < constant < expo < full-jitter < equal-jitter <
// decorrelated-jitter); then the largest answer.
//
// The re-probes cost at most (1 + ConfirmPairs) × ConfirmTrials cells
// (MaxCells counts them). Under a Budget they get a share like a pair's:
// the budget is split among the pairs and the re-probes, and a round of
// re-probes starts only while one more round as long as the last fits.
// NoConfirm skips them; the set is then the best and the pairs within
// one step.
package capacity
