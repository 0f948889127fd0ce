// Package backoff decides how long a writer waits before retrying an attempt
// that lost to another writer, and whether it may retry at all.
//
// A [Policy] is a pure function of the retry index, the previous sleep and an
// injected *rand.Rand (math/rand/v2): it never sleeps and never reads a
// clock, so the runner owns time and tests need no sleeps. The formulas, with
// attempt n = 0, 1, 2, … the index of the retry, base b and cap c, are those
// of docs/METRICS.md:
//
//	none                 0
//	constant             b
//	expo                 min(c, b·2ⁿ)
//	full-jitter          U(0, v)                  v = min(c, b·2ⁿ)
//	equal-jitter         v/2 + U(0, v/2)          v = min(c, b·2ⁿ)
//	decorrelated-jitter  min(c, U(b, 3·prev))     prev starts at b
//
// b·2ⁿ saturates at the cap instead of overflowing, so any n gives a value
// in range. The jittered policies draw from half-open ranges, [lo, hi).
// A negative attempt is treated as 0. Policies built from struct literals
// treat Base ≤ 0 as no wait and Cap ≤ 0 as no cap; [New] rejects both.
//
// A [Budget] is a retry quota shared by all writers of a cell, in the style of
// the AWS SDK retry quota and gRPC retry throttling: each retry withdraws
// retryCost tokens, each committed op refunds successRefund tokens, and a
// writer that finds the bucket empty gives up with reason "budget". Budget is
// lock-free and does not allocate.
package backoff
