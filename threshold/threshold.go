package threshold

import (
	"fmt"
	"slices"
	"strings"

	"github.com/occbench/occbench/results"
)

// Threshold is a condition of a scenario's thresholds: a Condition parsed
// in ForThreshold, so its Kind is Plain and Scope is a strategy.
type Threshold = Condition

// Parse parses one threshold expression, [STRATEGY:] METRIC OP NUMBER
// (ParseCondition in ForThreshold).
func Parse(expr string) (Threshold, error) { return ParseCondition(expr, ForThreshold) }

// ParseAll parses every expression; the first error is returned.
func ParseAll(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := Parse(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// CheckStrategies fails for a threshold scoped to a strategy not in
// allowed, which would never apply (a typo).
func CheckStrategies(ts []Threshold, allowed []string) error {
	for _, t := range ts {
		if t.Scope != "" && !slices.Contains(allowed, t.Scope) {
			return fmt.Errorf("threshold %q: unknown strategy %q (allowed: %s)", t.String(), t.Scope, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// Evaluate checks ts against c, in order. A skipped cell gives none; a
// threshold scoped to another strategy is left out. A threshold on an
// unknown metric, or whose value is a change (not made by Parse), fails.
func Evaluate(ts []Threshold, c *results.Cell) []results.ThresholdResult {
	if c == nil || c.Skipped != "" {
		return nil
	}
	var out []results.ThresholdResult
	for _, t := range ts {
		if !t.Applies(c.Strategy) {
			continue
		}
		m, ok := Lookup(t.Metric)
		if !ok || t.Kind != Plain {
			out = append(out, results.ThresholdResult{Expr: t.String(), Metric: t.Metric})
			continue
		}
		v := m.Of(c)
		out = append(out, results.ThresholdResult{Expr: t.String(), Metric: m.Name, Value: v, Pass: t.Check(v)})
	}
	return out
}

// Failed reports whether any result did not pass.
func Failed(rs []results.ThresholdResult) bool {
	for _, r := range rs {
		if !r.Pass {
			return true
		}
	}
	return false
}
