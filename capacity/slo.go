package capacity

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// Names of the metrics the capacity report shows in its own columns. An
// SLO condition can name any metric of package threshold (see Metrics).
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

// Metrics returns the canonical names an SLO condition can use: every
// metric of package threshold. The parser also takes their aliases
// (threshold.Aliases: p99, throughput, …).
func Metrics() []string { return threshold.Metrics() }

// Metric returns the named metric (canonical name or alias) of a cell.
// Latencies are committed-op latencies in milliseconds; lost_updates
// comes from the audit.
func Metric(c *results.Cell, name string) (float64, error) { return threshold.Value(name, c) }

// Cond is one SLO condition: Metric Op Value, Metric a canonical name.
type Cond struct {
	Metric string
	Op     string // <, <=, >, >=, == or !=
	Value  float64
}

// String is the compact form: "p99_ms<=50".
func (c Cond) String() string {
	return c.Metric + c.Op + strconv.FormatFloat(c.Value, 'g', -1, 64)
}

// Holds reports whether v satisfies the condition. NaN never does.
func (c Cond) Holds(v float64) bool { return threshold.Op(c.Op).Holds(v, c.Value) }

// SLO is a conjunction of conditions: a probe meets it when every
// condition holds.
type SLO []Cond

// String is the compact comma list: "p99_ms<=50,success_rate>=0.999".
func (s SLO) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// ParseSLO parses a comma list of conditions such as
// "p99_ms<=50,success_rate>=0.999" with the grammar of package threshold
// (threshold.ForSLO): METRIC OP NUMBER, METRIC any metric of the table
// (or an alias: "p99<=50" is p99_ms<=50), OP one of < <= > >= == !=.
// Changes (+10%, +0.02) are refused, being only for compare --fail-on,
// and so is a STRATEGY: scope, since the search judges every strategy by
// the same SLO. Spaces around the parts are allowed.
func ParseSLO(text string) (SLO, error) {
	conds, err := threshold.ParseList(text, threshold.ForSLO)
	if err != nil {
		return nil, err
	}
	if len(conds) == 0 {
		return nil, fmt.Errorf("no conditions in %q (want e.g. p99_ms<=50,success_rate>=0.999)", text)
	}
	slo := make(SLO, len(conds))
	for i, c := range conds {
		if c.Scope != "" {
			return nil, fmt.Errorf("condition %q: a strategy scope (%s:) is not allowed in an SLO: every strategy is searched against the same conditions", c.String(), c.Scope)
		}
		slo[i] = Cond{Metric: c.Metric, Op: string(c.Op), Value: c.Value}
	}
	return slo, nil
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

// Values returns every metric of the table (by canonical name) for a set
// of trials of one probe: the median over the trials (the mean of the two
// middle values for an even count; NaN for no trials).
func Values(cells []results.Cell) map[string]float64 {
	table := threshold.Table()
	out := make(map[string]float64, len(table))
	xs := make([]float64, len(cells))
	for _, m := range table {
		for i := range cells {
			xs[i] = m.Of(&cells[i])
		}
		out[m.Name] = results.Median(xs)
	}
	return out
}

// describe renders a metric value for people: "p99 71.2 ms",
// "throughput 41,200 ops/s", "lost_updates 3", "success_rate 0.9981".
func describe(metric string, v float64) string {
	m, _ := threshold.Lookup(metric)
	switch m.Unit {
	case threshold.UnitMS:
		return m.Short() + " " + results.FormatMS(v) + " ms"
	case threshold.UnitOpsPerS:
		return m.Short() + " " + results.FormatCount(v) + " ops/s"
	case threshold.UnitCount:
		return metric + " " + strconv.FormatFloat(v, 'f', -1, 64)
	}
	return metric + " " + strconv.FormatFloat(v, 'g', 4, 64)
}
