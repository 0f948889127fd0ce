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
package capacity
