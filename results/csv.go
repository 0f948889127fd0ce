package results

import (
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strconv"
)

// csvColumn is one fixed CSV column.
type csvColumn struct {
	name  string
	value func(c *Cell) string
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
func fmtI(v int64) string   { return strconv.FormatInt(v, 10) }
func fmtB(v bool) string    { return strconv.FormatBool(v) }

// latencyColumns returns the six columns of a Latency, named prefix_p50_ms …
func latencyColumns(prefix string, get func(c *Cell) *Latency) []csvColumn {
	field := func(name string, pick func(l *Latency) float64) csvColumn {
		return csvColumn{prefix + "_" + name + "_ms", func(c *Cell) string {
			l := get(c)
			if l == nil {
				return ""
			}
			return fmtF(pick(l))
		}}
	}
	return []csvColumn{
		field("p50", func(l *Latency) float64 { return l.P50 }),
		field("p90", func(l *Latency) float64 { return l.P90 }),
		field("p99", func(l *Latency) float64 { return l.P99 }),
		field("p999", func(l *Latency) float64 { return l.P999 }),
		field("max", func(l *Latency) float64 { return l.Max }),
		field("mean", func(l *Latency) float64 { return l.Mean }),
	}
}

// csvColumns lists every summary column of a cell, in output order.
func csvColumns() []csvColumn {
	cols := []csvColumn{
		{"driver", func(c *Cell) string { return c.Driver }},
		{"strategy", func(c *Cell) string { return c.Strategy }},
		{"backoff", func(c *Cell) string { return c.Backoff }},
		{"writers", func(c *Cell) string { return strconv.Itoa(c.Writers) }},
		{"on_conflict", func(c *Cell) string { return c.OnConflict }},
		{"scope", func(c *Cell) string { return c.Scope }},
		{"keys", func(c *Cell) string { return strconv.Itoa(c.Keys) }},
		{"rate", func(c *Cell) string { return fmtF(c.Rate) }},
		{"trial", func(c *Cell) string { return strconv.Itoa(c.Trial) }},
		{"duration_s", func(c *Cell) string { return fmtF(c.DurationS) }},
		{"interrupted", func(c *Cell) string { return fmtB(c.Interrupted) }},
		{"skipped", func(c *Cell) string { return c.Skipped }},
		{"ops", func(c *Cell) string { return fmtI(c.Ops) }},
		{"attempts", func(c *Cell) string { return fmtI(c.Attempts) }},
		{"conflicts", func(c *Cell) string { return fmtI(c.Conflicts) }},
		{"give_ups_total", func(c *Cell) string { return fmtI(GaveUp(c)) }},
		{"cut_off", func(c *Cell) string { return fmtI(CutOffOf(c)) }},
		{"errors_total", func(c *Cell) string { return fmtI(Sum(c.Errors)) }},
		{"throughput_ops_s", func(c *Cell) string { return fmtF(c.ThroughputOpsS) }},
		{"attempts_s", func(c *Cell) string { return fmtF(c.AttemptsS) }},
		{"conflict_ratio", func(c *Cell) string { return fmtF(c.ConflictRatio) }},
		{"success_rate", func(c *Cell) string { return fmtF(c.SuccessRate) }},
		{"amplification", func(c *Cell) string { return fmtF(c.Amplification) }},
		{"retries_mean", func(c *Cell) string { return fmtF(c.RetriesPerOp.Mean) }},
		{"retries_p99", func(c *Cell) string { return fmtF(c.RetriesPerOp.P99) }},
		{"retries_max", func(c *Cell) string { return fmtF(c.RetriesPerOp.Max) }},
	}
	cols = append(cols, latencyColumns("latency", func(c *Cell) *Latency { return &c.LatencyMS })...)
	cols = append(cols, latencyColumns("attempt", func(c *Cell) *Latency { return &c.AttemptMS })...)
	cols = append(cols, latencyColumns("schedule_lag", func(c *Cell) *Latency { return c.ScheduleLagMS })...)
	cols = append(cols, []csvColumn{
		{"backoff_mean_ms", func(c *Cell) string { return fmtF(c.Components.BackoffMean) }},
		{"attempts_mean_ms", func(c *Cell) string { return fmtF(c.Components.AttemptMean) }},
		{"stale_writes_rejected", func(c *Cell) string { return fmtI(c.StaleWritesRejected) }},
		{"out_of_range", func(c *Cell) string { return fmtI(c.OutOfRange) }},
		{"audit_expected", func(c *Cell) string { return fmtI(c.Audit.Expected) }},
		{"audit_observed", func(c *Cell) string { return fmtI(c.Audit.Observed) }},
		{"audit_versions", func(c *Cell) string { return fmtI(c.Audit.Versions) }},
		{"audit_lost", func(c *Cell) string { return fmtI(c.Audit.LostUpdates) }},
		{"audit_indeterminate", func(c *Cell) string { return fmtI(c.Audit.Indeterminate) }},
		{"audit_ok", func(c *Cell) string { return fmtB(c.Audit.OK) }},
		{"audit_loss_expected", func(c *Cell) string { return fmtB(c.Audit.LossExpected) }},
		{"audit_verdict", func(c *Cell) string { return c.Audit.Verdict }},
	}...)
	return cols
}

// mapColumns returns prefix.<key> columns for the union of the keys of
// the maps get returns but skip, sorted; a missing key reads 0.
func mapColumns(f *File, prefix string, get func(c *Cell) map[string]int64, skip string) []csvColumn {
	keys := map[string]bool{}
	for i := range f.Cells {
		for k := range get(&f.Cells[i]) {
			if k != skip {
				keys[k] = true
			}
		}
	}
	var cols []csvColumn
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		cols = append(cols, csvColumn{prefix + "." + k, func(c *Cell) string { return fmtI(get(c)[k]) }})
	}
	return cols
}

// faultCSVColumns are the audit states and a summary of the faults of a
// cell, after the map columns and before kpiCSVColumns (each group added
// after the others, so that every earlier column keeps its place): audit_store_reset, audit_unavailable
// (the reason, empty when the audit read the store), faults (how many
// were injected), faults_ops_failed, faults_ops_retried and
// faults_indeterminate (sums over the faults), faults_recover_max_s (the
// worst recovery: −1 when one never recovered) and
// faults_throughput_drop_max (the largest drop, a ratio); the last two
// are empty for a cell without faults.
func faultCSVColumns() []csvColumn {
	sum := func(get func(fl *Fault) int64) func(c *Cell) string {
		return func(c *Cell) string {
			var n int64
			for i := range c.Faults {
				n += get(&c.Faults[i])
			}
			return fmtI(n)
		}
	}
	return []csvColumn{
		{"audit_store_reset", func(c *Cell) string { return fmtB(c.Audit.StoreReset) }},
		{"audit_unavailable", func(c *Cell) string { return c.Audit.Unavailable }},
		{"faults", func(c *Cell) string { return strconv.Itoa(len(c.Faults)) }},
		{"faults_ops_failed", sum(func(fl *Fault) int64 { return fl.OpsFailed })},
		{"faults_ops_retried", sum(func(fl *Fault) int64 { return fl.OpsRetried })},
		{"faults_indeterminate", sum(func(fl *Fault) int64 { return fl.Indeterminate })},
		{"faults_recover_max_s", func(c *Cell) string {
			if s, ok := WorstRecover(c); ok {
				return fmtF(s)
			}
			return ""
		}},
		{"faults_throughput_drop_max", func(c *Cell) string {
			if len(c.Faults) == 0 {
				return ""
			}
			worst := c.Faults[0].ThroughputDrop
			for _, fl := range c.Faults[1:] {
				worst = max(worst, fl.ThroughputDrop)
			}
			return fmtF(worst)
		}},
	}
}

// renderCSV writes a header row and one row per cell: every fixed summary
// column, then conflicts.<kind>, give_ups.<reason> and errors.<class> for
// the union of keys across cells, then the audit states and fault
// summary (faultCSVColumns), then the conflict recovery and fairness
// columns (kpiCSVColumns, empty for cells written before they existed),
// then, when some cell is hybrid, its escalation (hybridCSVColumns). give_ups_total and the give_ups.* columns
// leave out a legacy give_ups["interrupted"], which cut_off counts.
// Numbers use the shortest exact decimal form; an absent schedule lag
// (closed loop) is an empty field.
func renderCSV(w io.Writer, f *File) error {
	cols := csvColumns()
	cols = append(cols, mapColumns(f, "conflicts", func(c *Cell) map[string]int64 { return c.ConflictsByKind }, "")...)
	cols = append(cols, mapColumns(f, "give_ups", func(c *Cell) map[string]int64 { return c.GiveUps }, LegacyCutOffReason)...)
	cols = append(cols, mapColumns(f, "errors", func(c *Cell) map[string]int64 { return c.Errors }, "")...)
	cols = append(cols, faultCSVColumns()...)
	cols = append(cols, kpiCSVColumns()...)
	cols = append(cols, hybridCSVColumns(f)...)

	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, col := range cols {
		rec[i] = col.name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i := range f.Cells {
		for j, col := range cols {
			rec[j] = col.value(&f.Cells[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
