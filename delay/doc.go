// Package delay describes random delays: the service time or network
// latency a store charges per round trip (--latency), and any other
// waiting time a scenario wants drawn from a distribution.
//
// A [Dist] is written as text, the same in flags, YAML and JSON:
//
//	20ms             constant: every draw is 20 ms
//	normal:20ms,3ms  normal with mean 20 ms and standard deviation 3 ms;
//	                 a negative draw is clamped to 0
//	exp:20ms         exponential with mean 20 ms
//	0s (or 0)        no delay: the zero Dist
//
// Durations are Go durations (time.ParseDuration); negative ones, NaN
// and overflow are refused with an error that lists these forms.
// [Dist.String] writes the canonical form and [Parse] reads it back to
// an equal Dist: a normal distribution with a standard deviation of 0 is
// the constant, and a distribution with mean 0 is no delay.
//
// [Dist.Sample] draws from an injected *rand.Rand (math/rand/v2), so the
// caller owns the randomness and its seed, and allocates nothing. A Dist
// is a small comparable value, safe to copy and to share; the *rand.Rand
// is not safe for concurrent use.
//
// Why a distribution: writers that start together and wait the same
// constant latency on every call stay in lockstep for ever (50 writers
// on one document with expo backoff commit one op per round, every
// round), which no real network does. Normal or exponential latency
// breaks the lockstep the way jitter on a real network does.
package delay
