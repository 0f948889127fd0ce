package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/occbench/occbench/results"
)

// Units of the metrics (Metric.Unit).
const (
	UnitOpsPerS = "ops/s" // committed ops per second
	UnitPerS    = "/s"    // per second
	UnitPerOp   = "/op"   // per committed op
	UnitMS      = "ms"    // milliseconds of committed-op latency
	UnitRatio   = "ratio" // a fraction in [0, 1]
	UnitCount   = "count" // a number of events in the cell
)

// Metric is one number of a results cell that a condition can name.
type Metric struct {
	Name    string   // canonical name, e.g. "p99_ms"
	Aliases []string // short names the parser also accepts, e.g. "p99"
	Unit    string   // one of the Unit constants
	// HigherIsBetter is true for the metrics whose rise is an
	// improvement (throughput, success rate); false when a rise is a
	// regression or neither.
	HigherIsBetter bool
	Doc            string // one line, for help texts
	get            func(c *results.Cell) float64
}

// Short is the name to show in a narrow column: the first alias, or the
// canonical name when there is none ("p99", "conflict_ratio").
func (m Metric) Short() string {
	if len(m.Aliases) > 0 {
		return m.Aliases[0]
	}
	return m.Name
}

// Of reads m from c. It returns NaN for a nil cell or a Metric not from
// Table or Lookup.
func (m Metric) Of(c *results.Cell) float64 {
	if c == nil || m.get == nil {
		return math.NaN()
	}
	return m.get(c)
}

// table is the one list of metrics shared by scenario thresholds,
// capacity --slo and compare --fail-on, in the order Metrics reports
// them. It is never written.
var table = [...]Metric{
	{Name: "throughput_ops_s", Aliases: []string{"throughput"}, Unit: UnitOpsPerS, HigherIsBetter: true,
		Doc: "committed ops per second", get: func(c *results.Cell) float64 { return c.ThroughputOpsS }},
	{Name: "attempts_s", Aliases: []string{"attempts"}, Unit: UnitPerS,
		Doc: "attempts per second, retries included", get: func(c *results.Cell) float64 { return c.AttemptsS }},
	{Name: "conflict_ratio", Unit: UnitRatio,
		Doc: "conflicts ÷ attempts", get: func(c *results.Cell) float64 { return c.ConflictRatio }},
	{Name: "success_rate", Unit: UnitRatio, HigherIsBetter: true,
		Doc: "committed ÷ (committed + given up) ops", get: func(c *results.Cell) float64 { return c.SuccessRate }},
	{Name: "amplification", Unit: UnitPerOp,
		Doc: "attempts ÷ committed ops", get: func(c *results.Cell) float64 { return c.Amplification }},
	{Name: "retries_mean", Aliases: []string{"retries"}, Unit: UnitPerOp,
		Doc: "mean retries per committed op", get: func(c *results.Cell) float64 { return c.RetriesPerOp.Mean }},
	{Name: "retries_p99", Unit: UnitPerOp,
		Doc: "99th percentile of retries per committed op", get: func(c *results.Cell) float64 { return c.RetriesPerOp.P99 }},
	{Name: "p50_ms", Aliases: []string{"p50"}, Unit: UnitMS,
		Doc: "median committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.P50 }},
	{Name: "p90_ms", Aliases: []string{"p90"}, Unit: UnitMS,
		Doc: "90th percentile of committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.P90 }},
	{Name: "p99_ms", Aliases: []string{"p99"}, Unit: UnitMS,
		Doc: "99th percentile of committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.P99 }},
	{Name: "p999_ms", Aliases: []string{"p999"}, Unit: UnitMS,
		Doc: "99.9th percentile of committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.P999 }},
	{Name: "max_ms", Aliases: []string{"max"}, Unit: UnitMS,
		Doc: "largest committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.Max }},
	{Name: "mean_ms", Aliases: []string{"mean"}, Unit: UnitMS,
		Doc: "mean committed-op latency", get: func(c *results.Cell) float64 { return c.LatencyMS.Mean }},
	{Name: "give_ups", Unit: UnitCount,
		Doc: "ops that gave up, not counting ops cut off by the end of the cell", get: func(c *results.Cell) float64 { return float64(GiveUps(c)) }},
	{Name: "errors", Unit: UnitCount,
		Doc: "errored attempts of every class", get: func(c *results.Cell) float64 { return float64(sum(c.Errors)) }},
	{Name: "error_ratio", Unit: UnitRatio,
		Doc: "errored attempts ÷ attempts", get: ErrorRatio},
	{Name: "lost_updates", Unit: UnitCount,
		Doc: "the audit's expected − observed", get: func(c *results.Cell) float64 { return float64(c.Audit.LostUpdates) }},
	{Name: "stale_writes_rejected", Unit: UnitCount,
		Doc: "stale writes the store's fencing rejected", get: func(c *results.Cell) float64 { return float64(c.StaleWritesRejected) }},
	{Name: "cut_off", Unit: UnitCount,
		Doc: "ops cut off by the end of the cell while retrying (not failures)", get: func(c *results.Cell) float64 { return float64(CutOff(c)) }},
	{Name: "recovery_p99_ms", Aliases: []string{"recovery_p99"}, Unit: UnitMS,
		Doc: "99th percentile of conflict recovery time: first conflict to commit, ops that met one", get: RecoveryP99},
	{Name: "fairness_jain", Aliases: []string{"jain"}, Unit: UnitRatio, HigherIsBetter: true,
		Doc: "Jain's index over the writers' committed ops, 1/writers … 1", get: Jain},
	{Name: "starved_ops", Unit: UnitCount,
		Doc: "ops, committed or given up, of more than 100 attempts or 100 × the median committed-op latency", get: StarvedOps},
}

// Table returns the metrics, in the order Metrics names them. The result
// is a copy: changing it changes nothing here.
func Table() []Metric {
	out := table
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out[:]
}

// Metrics returns the canonical metric names, in table order.
func Metrics() []string {
	out := make([]string, len(table))
	for i, m := range table {
		out[i] = m.Name
	}
	return out
}

// Aliases returns the short names, in table order ("throughput", "p99").
func Aliases() []string {
	var out []string
	for _, m := range table {
		out = append(out, m.Aliases...)
	}
	return out
}

// Lookup finds a metric by its canonical name or an alias.
func Lookup(name string) (Metric, bool) {
	for _, m := range table {
		if m.Name == name || slices.Contains(m.Aliases, name) {
			m.Aliases = slices.Clone(m.Aliases)
			return m, true
		}
	}
	return Metric{}, false
}

// unknownMetric is the error for a name Lookup does not know.
func unknownMetric(name string) error {
	return fmt.Errorf("unknown metric %q (allowed: %s)", name, strings.Join(Metrics(), ", "))
}

// Value returns the value of the named metric (canonical name or alias)
// in c. It fails for an unknown metric (naming the allowed ones) and for
// a nil cell.
func Value(metric string, c *results.Cell) (float64, error) {
	m, ok := Lookup(metric)
	if !ok {
		return 0, unknownMetric(metric)
	}
	if c == nil {
		return 0, errors.New("threshold: nil cell")
	}
	return m.get(c), nil
}

// GiveUps counts c's ops that gave up, every reason but the legacy
// "interrupted" (results.LegacyCutOffReason: ops cut off by the end of the
// cell in older files), which are not failures (results.GaveUp).
func GiveUps(c *results.Cell) int64 { return results.GaveUp(c) }

// CutOff counts c's ops cut off by the end of the cell: Cell.CutOff, plus
// a legacy give_ups["interrupted"] (results.CutOffOf).
func CutOff(c *results.Cell) int64 { return results.CutOffOf(c) }

// ErrorRatio is errored attempts ÷ attempts: 1 when there are errors but
// no attempts, 0 when there are neither.
func ErrorRatio(c *results.Cell) float64 {
	errs := sum(c.Errors)
	switch {
	case errs == 0:
		return 0
	case c.Attempts <= 0:
		return 1
	}
	return float64(errs) / float64(c.Attempts)
}

// RecoveryP99 is c's recovery_ms.p99: 0 when no op met a conflict, and
// in files written before it existed.
func RecoveryP99(c *results.Cell) float64 {
	if c.RecoveryMS == nil {
		return 0
	}
	return c.RecoveryMS.P99
}

// Jain is c's fairness.jain: 0 when no op committed, and in files written
// before it existed.
func Jain(c *results.Cell) float64 {
	if c.Fairness == nil {
		return 0
	}
	return c.Fairness.Jain
}

// StarvedOps is c's fairness.starved_ops: 0 in files written before it
// existed.
func StarvedOps(c *results.Cell) float64 {
	if c.Fairness == nil {
		return 0
	}
	return float64(c.Fairness.StarvedOps)
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
