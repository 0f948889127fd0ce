package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
)

// Op is a comparison operator.
type Op string

// The operators.
const (
	LT Op = "<"
	LE Op = "<="
	GT Op = ">"
	GE Op = ">="
	EQ Op = "=="
	NE Op = "!="
)

// ops lists the operators.
var ops = [...]Op{LT, LE, GT, GE, EQ, NE}

const allowedOps = "<, <=, >, >=, ==, !="

// Holds reports whether v op limit is true. NaN never holds.
func (op Op) Holds(v, limit float64) bool {
	switch op {
	case LT:
		return v < limit
	case LE:
		return v <= limit
	case GT:
		return v > limit
	case GE:
		return v >= limit
	case EQ:
		return v == limit
	case NE:
		return v != limit && !math.IsNaN(v)
	}
	return false
}

// Threshold is one parsed expression.
type Threshold struct {
	Strategy string  // "" = every strategy
	Metric   string  // one of Metrics()
	Op       Op      // comparison
	Limit    float64 // right-hand side
}

// String is the canonical form of t: "optimistic: p99_ms < 20",
// "lost_updates == 0". Parse(t.String()) gives t back.
func (t Threshold) String() string {
	s := t.Metric + " " + string(t.Op) + " " + strconv.FormatFloat(t.Limit, 'g', -1, 64)
	if t.Strategy != "" {
		s = t.Strategy + ": " + s
	}
	return s
}

// Applies reports whether t applies to a cell of the given strategy.
func (t Threshold) Applies(strategy string) bool {
	return t.Strategy == "" || t.Strategy == strategy
}

// Check reports whether v passes t.
func (t Threshold) Check(v float64) bool { return t.Op.Holds(v, t.Limit) }

// metric reads one number from a cell.
type metric struct {
	name string
	get  func(c *results.Cell) float64
}

// metrics is the fixed table of metric names, in the order Metrics
// reports them.
var metrics = [...]metric{
	{"throughput_ops_s", func(c *results.Cell) float64 { return c.ThroughputOpsS }},
	{"attempts_s", func(c *results.Cell) float64 { return c.AttemptsS }},
	{"conflict_ratio", func(c *results.Cell) float64 { return c.ConflictRatio }},
	{"success_rate", func(c *results.Cell) float64 { return c.SuccessRate }},
	{"amplification", func(c *results.Cell) float64 { return c.Amplification }},
	{"retries_mean", func(c *results.Cell) float64 { return c.RetriesPerOp.Mean }},
	{"retries_p99", func(c *results.Cell) float64 { return c.RetriesPerOp.P99 }},
	{"p50_ms", func(c *results.Cell) float64 { return c.LatencyMS.P50 }},
	{"p90_ms", func(c *results.Cell) float64 { return c.LatencyMS.P90 }},
	{"p99_ms", func(c *results.Cell) float64 { return c.LatencyMS.P99 }},
	{"p999_ms", func(c *results.Cell) float64 { return c.LatencyMS.P999 }},
	{"max_ms", func(c *results.Cell) float64 { return c.LatencyMS.Max }},
	{"mean_ms", func(c *results.Cell) float64 { return c.LatencyMS.Mean }},
	{"give_ups", func(c *results.Cell) float64 { return float64(GiveUps(c)) }},
	{"errors", func(c *results.Cell) float64 { return float64(sum(c.Errors)) }},
	{"lost_updates", func(c *results.Cell) float64 { return float64(c.Audit.LostUpdates) }},
	{"stale_writes_rejected", func(c *results.Cell) float64 { return float64(c.StaleWritesRejected) }},
}

// Metrics returns the metric names a threshold may use.
func Metrics() []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = m.name
	}
	return out
}

func lookup(name string) (metric, bool) {
	for _, m := range metrics {
		if m.name == name {
			return m, true
		}
	}
	return metric{}, false
}

// Value returns the value of metric in c. It fails for an unknown metric
// (naming the allowed ones) and for a nil cell.
func Value(metric string, c *results.Cell) (float64, error) {
	m, ok := lookup(metric)
	if !ok {
		return 0, fmt.Errorf("unknown metric %q (allowed: %s)", metric, strings.Join(Metrics(), ", "))
	}
	if c == nil {
		return 0, errors.New("threshold: nil cell")
	}
	return m.get(c), nil
}

// GiveUps counts c's ops that gave up, except those cut off by the end of
// the cell ("interrupted"), which are not failures.
func GiveUps(c *results.Cell) int64 {
	var n int64
	for reason, v := range c.GiveUps {
		if reason != "interrupted" {
			n += v
		}
	}
	return n
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// Parse parses one expression: [STRATEGY:] METRIC OP NUMBER. Spaces
// around the parts are optional. Errors name the expression and, for an
// unknown metric, list the allowed ones, on one line.
func Parse(expr string) (Threshold, error) {
	bad := func(format string, args ...any) (Threshold, error) {
		return Threshold{}, fmt.Errorf("threshold %q: "+format, append([]any{expr}, args...)...)
	}
	s := strings.TrimSpace(expr)
	if s == "" {
		return bad("empty expression (want METRIC OP NUMBER, e.g. p99_ms < 50)")
	}
	var t Threshold
	if scope, rest, ok := strings.Cut(s, ":"); ok {
		t.Strategy = strings.TrimSpace(scope)
		if t.Strategy == "" || strings.ContainsAny(t.Strategy, " \t<>=!") {
			return bad("want STRATEGY: METRIC OP NUMBER, got strategy %q", t.Strategy)
		}
		s = strings.TrimSpace(rest)
	}
	// The operator is the first run of operator characters.
	at := strings.IndexAny(s, "<>=!")
	if at < 0 {
		return bad("no operator (allowed: %s)", allowedOps)
	}
	end := at
	for end < len(s) && strings.IndexByte("<>=!", s[end]) >= 0 {
		end++
	}
	op := Op(s[at:end])
	if !slices.Contains(ops[:], op) {
		return bad("unknown operator %q (allowed: %s)", op, allowedOps)
	}
	name := strings.TrimSpace(s[:at])
	num := strings.TrimSpace(s[at+len(op):])
	if name == "" {
		return bad("missing metric before %s (allowed: %s)", op, strings.Join(Metrics(), ", "))
	}
	if _, ok := lookup(name); !ok {
		return bad("unknown metric %q (allowed: %s)", name, strings.Join(Metrics(), ", "))
	}
	if num == "" {
		return bad("missing number after %s", op)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return bad("want a number after %s, got %q", op, num)
	}
	t.Metric, t.Op, t.Limit = name, op, v
	return t, nil
}

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
		if t.Strategy != "" && !slices.Contains(allowed, t.Strategy) {
			return fmt.Errorf("threshold %q: unknown strategy %q (allowed: %s)", t.String(), t.Strategy, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// Evaluate checks ts against c, in order. A skipped cell gives none; a
// threshold scoped to another strategy is left out.
func Evaluate(ts []Threshold, c *results.Cell) []results.ThresholdResult {
	if c == nil || c.Skipped != "" {
		return nil
	}
	var out []results.ThresholdResult
	for _, t := range ts {
		if !t.Applies(c.Strategy) {
			continue
		}
		m, ok := lookup(t.Metric)
		if !ok { // a Threshold not made by Parse: it cannot pass
			out = append(out, results.ThresholdResult{Expr: t.String(), Metric: t.Metric})
			continue
		}
		v := m.get(c)
		out = append(out, results.ThresholdResult{Expr: t.String(), Metric: t.Metric, Value: v, Pass: t.Check(v)})
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
