package results

import (
	"slices"

	"golang.org/x/perf/benchmath"
)

// NoiseAlpha is the significance level at which the reports call a
// difference between trials real rather than noise: that of occbench
// compare's default (compare.DefaultAlpha).
const NoiseAlpha = 0.05

// pTolerance is the relative tolerance of p ≤ alpha: a p-value computed
// as 0.10000000000000002 is 0.1.
const pTolerance = 1e-9

// Reaches reports whether a p-value reaches alpha: p ≤ alpha within a
// relative tolerance of 1e-9.
func Reaches(p, alpha float64) bool { return p <= alpha*(1+pTolerance) }

// MinP is the smallest p-value the two-sided exact Mann-Whitney U-test
// can give for samples of n1 and n2 values (all of one sample below all of
// the other): 2 ÷ C(n1+n2, n1), at most 1; 1 when a sample is empty.
func MinP(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	k := min(n1, n2)
	c := 1.0 // C(n1+n2, k), built up as a product of ratios
	for i := 1; i <= k; i++ {
		c = c * float64(n1+n2-k+i) / float64(i)
	}
	return min(1, 2/c)
}

// MinTrials is the smallest number of trials per side with which the
// U-test can reach alpha (MinP(n, n) ≤ alpha): 4 at 0.05, 3 at 0.1. It is
// 0 for an alpha ≤ 0, which no test reaches.
func MinTrials(alpha float64) int {
	if !(alpha > 0) {
		return 0
	}
	for n := 1; ; n++ {
		if Reaches(MinP(n, n), alpha) {
			return n
		}
	}
}

// Noise says whether two samples of trials differ.
type Noise int

// The outcomes of NoiseTest.
const (
	// Untested: a sample has a single value, there is nothing to test.
	Untested Noise = iota
	// TooFew: both samples have several values, but too few for the
	// U-test ever to reach alpha (MinP > alpha).
	TooFew
	// WithinNoise: the U-test found no significant difference (or every
	// value is the same).
	WithinNoise
	// Significant: the U-test found a difference, p ≤ alpha.
	Significant
)

// NoiseResult is what NoiseTest found.
type NoiseResult struct {
	Noise Noise
	P     float64 // the U-test's p-value (1 when untested or too few)
	N1    int
	N2    int
}

// NoiseTest compares two samples of trial values with the two-sided
// Mann-Whitney U-test at alpha, as occbench compare does
// (golang.org/x/perf/benchmath, AssumeNothing). The samples are not
// modified.
func NoiseTest(a, b []float64, alpha float64) NoiseResult {
	r := NoiseResult{P: 1, N1: len(a), N2: len(b)}
	switch {
	case len(a) < 2 || len(b) < 2:
		return r
	case !Reaches(MinP(len(a), len(b)), alpha):
		r.Noise = TooFew
		return r
	case allEqual(a, b):
		r.Noise = WithinNoise
		return r
	}
	th := benchmath.Thresholds{CompareAlpha: alpha}
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(a), &th), benchmath.NewSample(slices.Clone(b), &th))
	r.P = c.P
	r.Noise = WithinNoise
	if Reaches(c.P, alpha) {
		r.Noise = Significant
	}
	return r
}

// allEqual reports whether every value of a and b is the same.
func allEqual(a, b []float64) bool {
	for _, s := range [][]float64{a, b} {
		for _, v := range s {
			if v != a[0] {
				return false
			}
		}
	}
	return true
}
