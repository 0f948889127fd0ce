package compare

import (
	"math"
	"slices"

	"github.com/occbench/occbench/threshold"
)

// Gate is one --fail-on criterion: a condition of package threshold
// parsed in threshold.ForGate ("p99 > +10%", "lost_updates > 0").
type Gate = threshold.Condition

// GateKind says what a gate's value is compared with.
type GateKind = threshold.Kind

// The gate kinds.
const (
	// Relative gates compare the relative change, new ÷ base − 1
	// ("p99>+10%"; Gate.Value is the percentage, 10).
	Relative = threshold.Relative
	// Absolute gates compare the difference, new − base
	// ("conflict_ratio>+0.02").
	Absolute = threshold.Absolute
	// Plain gates compare the new values themselves ("lost_updates>0").
	Plain = threshold.Plain
)

// ParseGates parses a comma list of gates (--fail-on) with the grammar of
// package threshold. Empty items are ignored, so "" means no gates.
// Errors name the gate at fault and, for an unknown metric, the allowed
// ones, on one line.
func ParseGates(s string) ([]Gate, error) { return threshold.ParseList(s, threshold.ForGate) }

// Metrics returns the canonical names of the metrics a gate may use (the
// parser also takes the aliases of threshold.Aliases), in report order.
func Metrics() []string { return threshold.Metrics() }

// crossing returns the value of vs most beyond a plain gate and whether
// any value crosses it: the largest crossing value for > and >=, the
// smallest for < and <=, the first for == and !=.
func crossing(g Gate, vs []float64) (float64, bool) {
	var hit []float64
	for _, v := range vs {
		if g.Check(v) {
			hit = append(hit, v)
		}
	}
	switch {
	case len(hit) == 0:
		return math.NaN(), false
	case g.Op == threshold.GT || g.Op == threshold.GE:
		return slices.Max(hit), true
	case g.Op == threshold.LT || g.Op == threshold.LE:
		return slices.Min(hit), true
	}
	return hit[0], true
}
