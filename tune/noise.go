package tune

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/occbench/occbench/backoff"
)

// worse returns how much worse v is than best on o, relative to best
// (0.3 = 30% worse, negative = better); NaN when best is 0 or not finite.
func worse(best, v float64, o Objective) float64 {
	switch {
	case best == 0 || math.IsInf(best, 0) || math.IsNaN(best):
		return math.NaN()
	case o.LowerIsBetter():
		return (v - best) / best
	default:
		return (best - v) / best
	}
}

// Candidate is a combination compared with the best.
type Candidate struct {
	Result
	// Delta is how much worse its median is than the best's, relative
	// (0.3 = 30% worse); 0 for the best, NaN when the best's median is 0
	// or not finite, or the candidate is invalid.
	Delta float64
	// P is the Mann-Whitney U p-value of its trials against the best's;
	// NaN for the best, for an invalid candidate and when either side
	// has fewer than two trials.
	P           float64
	WithinNoise bool
	// Equivalent marks the best and the candidates whose median is within
	// the margin of the best's: practically equal to it. The tie-break
	// picks among these; a candidate only not told apart from the best
	// is in the set but likely worse, so it is not recommended over them.
	Equivalent bool
	// Why says why it is in or out of the set: "best", "within margin",
	// "not significant", "untested" (fewer than two trials), "worse" or
	// "invalid".
	Why string
}

// WithinNoise compares every result with the best of them on o and
// returns them best first (the order of Rank), marking those within
// noise of the best: the best itself; any whose median is at most margin
// worse than the best's; and any that a two-sided Mann-Whitney U test at
// level perTest does not tell apart from the best (p ≥ perTest; Run
// passes the family-wise alpha divided by the number of comparisons).
// Invalid results are never within noise.
func WithinNoise(rs []Result, o Objective, perTest, margin float64) []Candidate {
	ranked := Rank(rs, o)
	out := make([]Candidate, len(ranked))
	for i := range ranked {
		r := &ranked[i]
		c := Candidate{Result: *r, Delta: math.NaN(), P: math.NaN()}
		switch {
		case !r.Valid:
			c.Why = "invalid"
		case i == 0:
			c.Delta, c.WithinNoise, c.Equivalent, c.Why = 0, true, true, "best"
		default:
			best := &ranked[0]
			c.Delta = worse(best.Value(o), r.Value(o), o)
			if len(best.Cells) >= 2 && len(r.Cells) >= 2 {
				c.P = uTest(best.TrialValues(o), r.TrialValues(o), perTest).P
			}
			switch {
			case c.Delta <= margin:
				c.WithinNoise, c.Equivalent, c.Why = true, true, "within margin"
			case math.IsNaN(c.P):
				c.WithinNoise, c.Why = true, "untested"
			case c.P >= perTest*(1-1e-9):
				c.WithinNoise, c.Why = true, "not significant"
			default:
				c.Why = "worse"
			}
		}
		out[i] = c
	}
	return out
}

// Pick chooses the recommendation among the equivalent candidates (the
// best and those within the margin of it; cs in the order of
// WithinNoise) by the tie-break: the fewest median attempts/op, counting
// every candidate at most attemptsMargin above the fewest as tied; among
// those the simplest policy (backoff.Simplicity); then the smaller cap; then the
// smaller base. The objective has no further say: within the margin it
// cannot tell the candidates apart. Pick returns the index of the pick
// in cs, -1 when none is equivalent, and how the tie-break went.
func Pick(cs []Candidate, attemptsMargin float64) (int, string) {
	fewest, set, pool := math.Inf(1), 0, 0
	for i := range cs {
		if cs[i].WithinNoise {
			set++
		}
		if cs[i].Equivalent {
			fewest = math.Min(fewest, cs[i].Amplification)
			pool++
		}
	}
	var tied []int
	for i := range cs {
		if cs[i].Equivalent && (cs[i].Amplification <= fewest*(1+attemptsMargin) || math.IsInf(fewest, 1)) {
			tied = append(tied, i)
		}
	}
	if len(tied) == 0 {
		return -1, ""
	}
	key := func(i int) []int64 {
		return []int64{int64(backoff.Simplicity(cs[i].Policy)), int64(cs[i].Cap), int64(cs[i].Base)}
	}
	pick := tied[0]
	for _, i := range tied[1:] {
		if slices.Compare(key(i), key(pick)) < 0 {
			pick = i
		}
	}
	switch {
	case set == 1:
		return pick, "none needed: only the best is within noise"
	case pool == 1:
		return pick, "the best: no other member of the set is within the margin of it"
	case len(tied) == 1:
		others := fmt.Sprintf("the other %d are", pool-1)
		if pool == 2 {
			others = "the other is"
		}
		return pick, fmt.Sprintf("fewest attempts/op among the %d within the margin (%s; %s more than %s above)", pool, formatAmp(fewest), others, formatPct(attemptsMargin))
	}
	steps := []string{fmt.Sprintf("fewest attempts/op (%d of the %d within the margin are within %s of %s)", len(tied), pool, formatPct(attemptsMargin), formatAmp(fewest))}
	// Say which keys it took to single the pick out.
	left := tied
	for k, name := range []string{"simplest policy", "smaller cap", "smaller base"} {
		steps = append(steps, name)
		var next []int
		for _, i := range left {
			if slices.Equal(key(i)[:k+1], key(pick)[:k+1]) {
				next = append(next, i)
			}
		}
		if left = next; len(left) == 1 {
			break
		}
	}
	return pick, strings.Join(steps, ", then ")
}

// Recommendation is a strategy's pick and the set it was picked from.
type Recommendation struct {
	// Best is the best combination on the objective.
	Best Combo `json:"best"`
	// WithinNoise lists the combinations within noise of Best, Best
	// first, then in rank order.
	WithinNoise []Combo `json:"within_noise"`
	// Pick is the recommendation: chosen from WithinNoise by the
	// tie-break.
	Pick Combo `json:"pick"`
	// TieBreak says how Pick was chosen, e.g. "fewest attempts/op (3 of
	// 5 within 5.0% of 1.35), then simplest policy".
	TieBreak string `json:"tie_break"`
	// Alpha is the level of each comparison with the best (the
	// family-wise alpha divided by the number of comparisons); Margin is
	// the practical-equivalence margin.
	Alpha  float64 `json:"alpha"`
	Margin float64 `json:"margin"`
}

// InSet reports whether c is within noise of the best.
func (r *Recommendation) InSet(c Combo) bool { return slices.Contains(r.WithinNoise, c) }
