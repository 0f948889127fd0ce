package results

import (
	"strconv"
	"strings"

	"github.com/occbench/occbench/internal/textout"
)

// Class is one writer class of a cell that ran classes (the scenario's
// classes block): who the class is and every number of the cell counted
// over the class's writers only, with the definitions of Cell. The
// cell's own numbers are over all its writers, so its counters are the
// sums of its classes'; its audit is the cell's alone (the store's
// documents are shared).
type Class struct {
	Name       string `json:"name"`
	Writers    int    `json:"writers"`
	Strategy   string `json:"strategy"`
	Backoff    string `json:"backoff"`
	FieldGroup int    `json:"field_group"`
	// FieldGroupName is the group's name (the scenario's
	// field_group_names), "" when the groups have none.
	FieldGroupName string  `json:"field_group_name,omitempty"`
	ThinkMS        float64 `json:"think_ms,omitempty"`
	Rate           float64 `json:"rate,omitempty"` // open loop target ops/s of the class; 0 = closed loop

	Ops             int64            `json:"ops"`
	Attempts        int64            `json:"attempts"`
	Conflicts       int64            `json:"conflicts"`
	ConflictsByKind map[string]int64 `json:"conflicts_by_kind,omitempty"`
	GiveUps         map[string]int64 `json:"give_ups"`
	CutOff          int64            `json:"cut_off"`
	Errors          map[string]int64 `json:"errors"`

	ThroughputOpsS float64 `json:"throughput_ops_s"` // goodput: the class's committed ops ÷ the cell's duration_s
	AttemptsS      float64 `json:"attempts_s"`
	ConflictRatio  float64 `json:"conflict_ratio"`
	SuccessRate    float64 `json:"success_rate"`
	Amplification  float64 `json:"amplification"`

	RetriesPerOp Retries    `json:"retries_per_op"`
	LatencyMS    Latency    `json:"latency_ms"`
	AttemptMS    Latency    `json:"attempt_latency_ms"`
	Components   Components `json:"components_ms"`
	RecoveryMS   *Recovery  `json:"recovery_ms,omitempty"`
	Fairness     *Fairness  `json:"fairness,omitempty"` // among the class's writers
	WriterOps    []int64    `json:"writer_ops,omitempty"`

	StaleWritesRejected int64 `json:"stale_writes_rejected"`
	OutOfRange          int64 `json:"out_of_range"`

	// Histograms are the class's HDR histograms, as Cell.Histograms, so
	// that merge combines classes exactly.
	Histograms map[string]string `json:"histograms,omitempty"`
}

// ClassOf takes the measured numbers of c, a cell summarised over one
// class's writers only (record.Recorder.Summarize), into k, whose
// identity (name, writers, strategy, backoff, field group, think, rate)
// the caller sets.
func ClassOf(k *Class, c *Cell) {
	k.Ops, k.Attempts, k.Conflicts = c.Ops, c.Attempts, c.Conflicts
	k.ConflictsByKind, k.GiveUps, k.CutOff, k.Errors = c.ConflictsByKind, c.GiveUps, c.CutOff, c.Errors
	if len(k.ConflictsByKind) == 0 {
		k.ConflictsByKind = nil
	}
	k.ThroughputOpsS, k.AttemptsS, k.ConflictRatio = c.ThroughputOpsS, c.AttemptsS, c.ConflictRatio
	k.SuccessRate, k.Amplification = c.SuccessRate, c.Amplification
	k.RetriesPerOp, k.LatencyMS, k.AttemptMS, k.Components = c.RetriesPerOp, c.LatencyMS, c.AttemptMS, c.Components
	k.RecoveryMS, k.Fairness, k.WriterOps = c.RecoveryMS, c.Fairness, c.WriterOps
	k.StaleWritesRejected, k.OutOfRange = c.StaleWritesRejected, c.OutOfRange
	k.Histograms = c.Histograms
}

// AsCell is k as a cell of k's writers, with parent's identity and
// duration: what merge combines, field by field as it combines cells,
// before ClassOf takes the result back. Its audit is empty.
func (k *Class) AsCell(parent *Cell) Cell {
	return Cell{
		Driver: parent.Driver, Strategy: k.Strategy, Backoff: k.Backoff, Writers: k.Writers,
		OnConflict: parent.OnConflict, Scope: parent.Scope, Keys: parent.Keys, Rate: k.Rate, Trial: parent.Trial,
		DurationS: parent.DurationS, Interrupted: parent.Interrupted,
		Ops: k.Ops, Attempts: k.Attempts, Conflicts: k.Conflicts, ConflictsByKind: k.ConflictsByKind,
		GiveUps: k.GiveUps, CutOff: k.CutOff, Errors: k.Errors,
		ThroughputOpsS: k.ThroughputOpsS, AttemptsS: k.AttemptsS, ConflictRatio: k.ConflictRatio,
		SuccessRate: k.SuccessRate, Amplification: k.Amplification,
		RetriesPerOp: k.RetriesPerOp, LatencyMS: k.LatencyMS, AttemptMS: k.AttemptMS, Components: k.Components,
		RecoveryMS: k.RecoveryMS, Fairness: k.Fairness, WriterOps: k.WriterOps,
		StaleWritesRejected: k.StaleWritesRejected, OutOfRange: k.OutOfRange,
		Histograms: k.Histograms,
	}
}

// HasClasses reports whether some cell of f ran writer classes.
func HasClasses(f *File) bool {
	for i := range f.Cells {
		if len(f.Cells[i].Classes) > 0 {
			return true
		}
	}
	return false
}

// ClassColumns are the columns of ClassRows.
func ClassColumns() []Column {
	var cols []Column
	for _, c := range []struct {
		name    string
		numeric bool
	}{
		{"class", false}, {"writers", true}, {"strategy", false}, {"backoff", false}, {"group", true},
		{"ops/s", true}, {"conflict%", true}, {"retries/op", true}, {"p50 ms", true}, {"p99 ms", true},
		{"recov p99 ms", true}, {"jain", true}, {"give-ups", true}, {"cut-off", true},
	} {
		cols = append(cols, Column{Name: c.name, Numeric: c.numeric})
	}
	return cols
}

// ClassRows are c's writer classes, one row each in class order: the
// class's name, writers, strategy, backoff and field group, then ops/s
// (goodput), conflict%, retries/op, p50 ms, p99 ms, recov p99 ms, jain
// (among the class's writers), give-ups and cut-off (ClassColumns).
func ClassRows(c *Cell) [][]string {
	var rows [][]string
	for j := range c.Classes {
		k := &c.Classes[j]
		kc := k.AsCell(c)
		rows = append(rows, []string{
			k.Name, strconv.Itoa(k.Writers), k.Strategy, k.Backoff, groupText(k),
			FormatCount(k.ThroughputOpsS), FormatPercent(k.ConflictRatio), FormatCount(k.RetriesPerOp.Mean),
			FormatMS(k.LatencyMS.P50), FormatMS(k.LatencyMS.P99), RecoveryP99Text(&kc), JainText(&kc),
			FormatInt(GaveUp(&kc)), FormatInt(CutOffOf(&kc)),
		})
	}
	return rows
}

// groupText is k's field group for a table: its index, and its name
// when it has one ("1 assets").
func groupText(k *Class) string {
	if k.FieldGroupName != "" {
		return strconv.Itoa(k.FieldGroup) + " " + k.FieldGroupName
	}
	return strconv.Itoa(k.FieldGroup)
}

// ClassTable is every writer class of f, one row per class in cell
// order: the cell's short name (as FaultTable's), then ClassRows. It is
// empty when no cell ran classes.
func ClassTable(f *File) (cols []Column, rows [][]string) {
	multi := len(drivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		for _, r := range ClassRows(c) {
			rows = append(rows, append([]string{shortName(c, multi)}, r...))
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return append([]Column{{Name: "cell"}}, ClassColumns()...), rows
}

// writeClasses prints ClassTable under the summary: an indented table
// in text, a "Writer classes" table in markdown. Nothing when no cell ran
// classes.
func writeClasses(ew *textout.Writer, f *File, markdown bool) error {
	cols, rows := ClassTable(f)
	if len(rows) == 0 {
		return nil
	}
	if markdown {
		ew.Printf("\n#### Writer classes\n\n")
		markdownTable(ew, cols, rows[:min(len(rows), markdownListMax)])
		if left := len(rows) - markdownListMax; left > 0 {
			ew.Printf("\n_%s more not shown._\n", plural(left, "class"))
		}
		return nil
	}
	ew.Printf("\nwriter classes (each cell's numbers over its classes' writers):\n")
	return printTable(ew, "  ", cols, rows)
}

// CellLossReason says why c may lose updates, as LossReason does for its
// strategy; for a cell of writer classes, the audit's account of which
// class overwrites which ("class workers (lease: …)").
func CellLossReason(c *Cell) string {
	if len(c.Classes) > 0 {
		if _, why, ok := strings.Cut(c.Audit.Verdict, "as expected: "); ok {
			return why
		}
	}
	return LossReason(c.Strategy)
}

// classesWithoutHistograms is c, or a copy of c whose classes have no
// histograms (the JSONL cell object leaves histograms out).
func classesWithoutHistograms(c *Cell) *Cell {
	if len(c.Classes) == 0 {
		return c
	}
	cc := *c
	cc.Classes = make([]Class, len(c.Classes))
	for i, k := range c.Classes {
		k.Histograms = nil
		cc.Classes[i] = k
	}
	return &cc
}
