// Package keydist chooses which document each op hits.
//
// A [Chooser] maps a draw from an injected *rand.Rand (math/rand/v2) to a key
// index in [0, keys). Choosers are immutable after [New]: many writers may
// call Next at once, each with its own *rand.Rand, and Next never allocates.
//
// The distributions follow YCSB (core workload "requestdistribution"):
//
//	single    every op hits key 0: the worst case for contention
//	uniform   every key equally likely
//	zipfian   P(key i) ∝ 1/(i+1)^θ, key 0 the hottest (YCSB's
//	          ZipfianGenerator, after Gray et al., "Quickly Generating
//	          Billion-Record Synthetic Databases", SIGMOD 1994)
//	hotspot   a fraction HotOps of the ops go to the first HotFraction of
//	          the keys, the rest to the other keys, uniformly within each part
//	          (YCSB's HotspotIntegerGenerator)
//
// The zipfian generator precomputes ζ(n, θ) = Σ_{i=1..n} 1/i^θ in O(n) time at
// New, then draws in O(1). As in YCSB, keys 0 and 1 get their exact shares
// and the rest follow a continuous approximation that still decreases with
// the key but is not exact: with 1000 keys and θ = 0.99, key 2 gets about
// 17% more than 3^-θ/ζ and keys beyond 10 are within a few percent. Unlike
// YCSB's ScrambledZipfianGenerator it does not scatter the hot keys: key 0 is
// the hottest, key 1 the next.
package keydist
