package capacity

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
)

// The metrics an SLO condition can name (METRICS.md defines each).
const (
	P50MS          = "p50_ms"
	P90MS          = "p90_ms"
	P99MS          = "p99_ms"
	P999MS         = "p999_ms"
	SuccessRate    = "success_rate"
	ConflictRatio  = "conflict_ratio"
	ThroughputOpsS = "throughput_ops_s"
	LostUpdates    = "lost_updates"
)

// metricNames lists the metrics in the order they are documented.
var metricNames = [...]string{P50MS, P90MS, P99MS, P999MS, SuccessRate, ConflictRatio, ThroughputOpsS, LostUpdates}

// Metrics returns the names an SLO condition can use.
func Metrics() []string { return append([]string(nil), metricNames[:]...) }

// operators, longest first so that "<=" is not read as "<".
var operators = [...]string{"<=", ">=", "==", "<", ">"}

// Metric returns the named metric of a cell. Latencies are committed-op
// latencies in milliseconds; lost_updates comes from the audit.
func Metric(c *results.Cell, name string) (float64, error) {
	switch name {
	case P50MS:
		return c.LatencyMS.P50, nil
	case P90MS:
		return c.LatencyMS.P90, nil
	case P99MS:
		return c.LatencyMS.P99, nil
	case P999MS:
		return c.LatencyMS.P999, nil
	case SuccessRate:
		return c.SuccessRate, nil
	case ConflictRatio:
		return c.ConflictRatio, nil
	case ThroughputOpsS:
		return c.ThroughputOpsS, nil
	case LostUpdates:
		return float64(c.Audit.LostUpdates), nil
	}
	return 0, fmt.Errorf("unknown metric %q (allowed: %s)", name, strings.Join(metricNames[:], ", "))
}

// Cond is one SLO condition: Metric Op Value.
type Cond struct {
	Metric string
	Op     string // <, <=, >, >=, ==
	Value  float64
}

func (c Cond) String() string {
	return c.Metric + c.Op + strconv.FormatFloat(c.Value, 'g', -1, 64)
}

// Holds reports whether v satisfies the condition. NaN never does.
func (c Cond) Holds(v float64) bool {
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	case "==":
		return v == c.Value
	}
	return false
}

// SLO is a conjunction of conditions: a probe meets it when every
// condition holds.
type SLO []Cond

func (s SLO) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// ParseSLO parses a comma list of conditions such as
// "p99_ms<=50,success_rate>=0.999". Spaces around the parts are allowed.
func ParseSLO(text string) (SLO, error) {
	var slo SLO
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, err := parseCond(part)
		if err != nil {
			return nil, err
		}
		slo = append(slo, c)
	}
	if len(slo) == 0 {
		return nil, fmt.Errorf("no conditions in %q (want e.g. p99_ms<=50,success_rate>=0.999)", text)
	}
	return slo, nil
}

func parseCond(s string) (Cond, error) {
	i := strings.IndexAny(s, "<>=")
	if i < 0 {
		return Cond{}, fmt.Errorf("condition %q: want METRIC OP VALUE with OP one of <, <=, >, >=, ==", s)
	}
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(s[i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return Cond{}, fmt.Errorf("condition %q: want METRIC OP VALUE with OP one of <, <=, >, >=, ==", s)
	}
	name := strings.TrimSpace(s[:i])
	if _, err := Metric(&results.Cell{}, name); err != nil {
		return Cond{}, fmt.Errorf("condition %q: %w", s, err)
	}
	text := strings.TrimSpace(s[i+len(op):])
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Cond{}, fmt.Errorf("condition %q: want a number after %s, got %q", s, op, text)
	}
	return Cond{Metric: name, Op: op, Value: v}, nil
}

// Failure is a condition a probe failed, with the measured value.
type Failure struct {
	Cond  Cond
	Value float64
}

func (f Failure) String() string { return describe(f.Cond.Metric, f.Value) }

// Check judges metric values (as from Values) against the SLO and
// returns the conditions that failed, in SLO order.
func (s SLO) Check(values map[string]float64) (ok bool, failed []Failure) {
	for _, c := range s {
		v, present := values[c.Metric]
		if !present {
			v = math.NaN()
		}
		if !c.Holds(v) {
			failed = append(failed, Failure{Cond: c, Value: v})
		}
	}
	return len(failed) == 0, failed
}

// Values returns every metric of a set of trials of one probe: the median
// over the trials (the mean of the two middle values for an even count).
func Values(cells []results.Cell) map[string]float64 {
	out := make(map[string]float64, len(metricNames))
	xs := make([]float64, len(cells))
	for _, name := range metricNames {
		for i := range cells {
			xs[i], _ = Metric(&cells[i], name)
		}
		out[name] = median(xs)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// describe renders a metric value for people: "p99 71.2 ms",
// "throughput 41,200 ops/s", "success_rate 0.9981".
func describe(metric string, v float64) string {
	switch metric {
	case P50MS, P90MS, P99MS, P999MS:
		return strings.TrimSuffix(metric, "_ms") + " " + results.FormatMS(v) + " ms"
	case ThroughputOpsS:
		return "throughput " + results.FormatCount(v) + " ops/s"
	case LostUpdates:
		return "lost_updates " + strconv.FormatFloat(v, 'f', -1, 64)
	}
	return metric + " " + strconv.FormatFloat(v, 'g', 4, 64)
}
