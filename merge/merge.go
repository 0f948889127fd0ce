package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/threshold"
)

// ignoredFields are the scenario fields that may differ between inputs.
var ignoredFields = [...]string{"description", "dsn", "image", "lease_dsn", "seed"}

// IgnoredFields returns the scenario fields that may differ between the
// inputs of a merge, sorted.
func IgnoredFields() []string { return slices.Clone(ignoredFields[:]) }

// Options tunes a merge.
type Options struct {
	// SeparateStores says that each input wrote to and audited its own
	// store, so the audits' observed totals add up. Always true for the
	// memory driver.
	SeparateStores bool
}

// InputError is an error about one input of a merge.
type InputError struct {
	Index int // 0-based position in the inputs
	Err   error
}

func (e *InputError) Error() string { return fmt.Sprintf("input %d: %v", e.Index+1, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(i int, format string, args ...any) error {
	return &InputError{Index: i, Err: fmt.Errorf(format, args...)}
}

// Files merges parts as Merge does with the zero Options: the inputs
// shared one store (unless their driver is memory).
func Files(parts []*results.File) (*results.File, error) { return Merge(parts, Options{}) }

// Merge combines parts, results of the same scenario run concurrently, into
// one file. See the package documentation for what must match and how
// each number combines. Errors about one input are *InputError. The
// inputs are not modified.
func Merge(parts []*results.File, o Options) (*results.File, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: no inputs")
	}
	for i, p := range parts {
		if p == nil {
			return nil, inputErr(i, "nil results file")
		}
	}
	multi, err := multiParts(parts)
	if err != nil {
		return nil, err
	}
	scen := make([]map[string]any, len(parts))
	for i, p := range parts {
		if p == nil {
			return nil, inputErr(i, "nil results file")
		}
		if p.Schema != "" && p.Schema != results.Schema {
			return nil, inputErr(i, "schema: want %q, got %q", results.Schema, p.Schema)
		}
		m, err := normalize(p.Scenario)
		if err != nil {
			return nil, inputErr(i, "scenario: %v", err)
		}
		scen[i] = m
		if i > 0 {
			if err := sameScenario(scen[0], m); err != nil {
				return nil, inputErr(i, "%v", err)
			}
		}
	}
	if driverOf(parts[0], scen[0]) == "memory" {
		o.SeparateStores = true
	}
	if multi {
		if err := sameSeed(scen); err != nil {
			return nil, err
		}
	}

	n := len(parts)
	out := &results.File{
		Schema:   results.Schema,
		Scenario: scaled(scen[0], n),
	}
	if multi {
		// The runners shared the scenario's writers and rate: its values
		// are the whole run's already.
		out.Scenario = results.Scenario(scen[0])
		for _, p := range parts {
			out.Runners = append(out.Runners, *p.Runner)
		}
		sortRunners(out.Runners)
	}
	for _, p := range parts {
		if !p.StartedAt.IsZero() && (out.StartedAt.IsZero() || p.StartedAt.Before(out.StartedAt)) {
			out.StartedAt = p.StartedAt
		}
		if p.FinishedAt.After(out.FinishedAt) {
			out.FinishedAt = p.FinishedAt
		}
		out.Interrupted = out.Interrupted || p.Interrupted
		if len(p.Parts) > 0 {
			out.Parts = append(out.Parts, p.Parts...)
		} else {
			out.Parts = append(out.Parts, p.Environment)
		}
	}
	out.Environment = common(parts)

	offsets := make([]int, n)
	for i, p := range parts {
		if !p.StartedAt.IsZero() && !out.StartedAt.IsZero() {
			offsets[i] = int(p.StartedAt.Sub(out.StartedAt).Round(time.Second) / time.Second)
		}
	}

	idx := make([]map[key]int, n)
	for i, p := range parts {
		idx[i] = map[key]int{}
		for j := range p.Cells {
			k := keyOf(&p.Cells[j])
			if prev, dup := idx[i][k]; dup {
				return nil, inputErr(i, "cells %d and %d are both %s", prev+1, j+1, k)
			}
			idx[i][k] = j
		}
	}
	for i := 1; i < n; i++ {
		for j := range parts[i].Cells {
			if k := keyOf(&parts[i].Cells[j]); !has(idx[0], k) {
				return nil, inputErr(i, "cell %s is not in input 1: inputs must have the same cells", k)
			}
		}
	}

	var ts []threshold.Threshold
	if exprs := stringsOf(scen[0]["thresholds"]); len(exprs) > 0 {
		var err error
		if ts, err = threshold.ParseAll(exprs); err != nil {
			return nil, fmt.Errorf("merge: scenario: %w", err)
		}
	}
	for j := range parts[0].Cells {
		k := keyOf(&parts[0].Cells[j])
		cells := make([]*results.Cell, n)
		for i := range parts {
			at, ok := idx[i][k]
			if !ok {
				return nil, inputErr(i, "no cell %s (input 1 has it): inputs must have the same cells (was a run interrupted?)", k)
			}
			cells[i] = &parts[i].Cells[at]
		}
		cellOffsets := offsets
		if multi {
			cellOffsets = runnerOffsets(cells)
		}
		c, err := mergeCell(cells, cellOffsets, o, multi)
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				return nil, &InputError{Index: ie.Index, Err: fmt.Errorf("cell %s: %w", k, ie.Err)}
			}
			return nil, fmt.Errorf("merge: cell %s: %w", k, err)
		}
		if len(ts) > 0 {
			c.Thresholds = threshold.Evaluate(ts, &c)
		}
		out.Cells = append(out.Cells, c)
	}
	return out, nil
}

// key matches cells across inputs.
type key struct {
	driver, strategy, backoff string
	writers, trial            int
	distribution, scope       string
}

func keyOf(c *results.Cell) key {
	return key{c.Driver, c.Strategy, c.Backoff, c.Writers, c.Trial, c.Distribution, c.Scope}
}

func (k key) String() string {
	s := k.strategy + "/" + k.backoff + "/w" + strconv.Itoa(k.writers)
	if k.distribution != "" {
		s += "/" + k.distribution
	}
	if k.scope != "" && k.scope != "document" {
		s += "/" + k.scope
	}
	if k.trial > 0 {
		s += "/t" + strconv.Itoa(k.trial)
	}
	if k.driver != "" {
		s += " (" + k.driver + ")"
	}
	return s
}

func has(m map[key]int, k key) bool { _, ok := m[k]; return ok }

// normalize round-trips a scenario through JSON, so that values compare
// the same whether they were decoded from a file or built in Go.
func normalize(s results.Scenario) (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil { // a null scenario
		m = map[string]any{}
	}
	return m, nil
}

// sameScenario reports the fields, other than the ignored ones, where m
// differs from the first input's scenario.
func sameScenario(first, m map[string]any) error {
	var diffs []string
	seen := map[string]bool{}
	for _, fields := range []map[string]any{first, m} {
		for _, f := range slices.Sorted(maps.Keys(fields)) {
			if seen[f] || slices.Contains(ignoredFields[:], f) {
				continue
			}
			seen[f] = true
			a, inA := first[f]
			b, inB := m[f]
			if inA != inB || !reflect.DeepEqual(a, b) {
				diffs = append(diffs, fmt.Sprintf("%s %s, input 1 has %s", f, show(b, inB), show(a, inA)))
			}
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	slices.Sort(diffs)
	return fmt.Errorf("not the same scenario as input 1: %s (fields that may differ: %s)",
		strings.Join(diffs, "; "), strings.Join(ignoredFields[:], ", "))
}

func show(v any, present bool) string {
	if !present {
		return "unset"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func driverOf(f *results.File, scen map[string]any) string {
	if f.Environment.Driver != "" {
		return f.Environment.Driver
	}
	s, _ := scen["driver"].(string)
	return s
}

// scaled copies the first input's scenario with writers and rate
// multiplied by the number of inputs.
func scaled(m map[string]any, n int) results.Scenario {
	out := results.Scenario{}
	for k, v := range m {
		out[k] = v
	}
	if ws, ok := m["writers"].([]any); ok {
		scaledWs := make([]any, len(ws))
		for i, w := range ws {
			if f, ok := w.(float64); ok {
				scaledWs[i] = f * float64(n)
			} else {
				scaledWs[i] = w
			}
		}
		out["writers"] = scaledWs
	}
	if r, ok := m["rate"].(float64); ok {
		out["rate"] = r * float64(n)
	}
	scaleClasses(out, n)
	return out
}

// common returns the environment fields on which all inputs agree.
func common(parts []*results.File) results.Environment {
	e := parts[0].Environment
	if len(parts[0].Parts) > 0 {
		e = parts[0].Parts[0]
	}
	all := func(get func(env results.Environment) string) string {
		v := get(e)
		for _, p := range parts {
			envs := p.Parts
			if len(envs) == 0 {
				envs = []results.Environment{p.Environment}
			}
			for _, env := range envs {
				if get(env) != v {
					return ""
				}
			}
		}
		return v
	}
	out := results.Environment{
		Occbench:      all(func(x results.Environment) string { return x.Occbench }),
		GoVersion:     all(func(x results.Environment) string { return x.GoVersion }),
		OS:            all(func(x results.Environment) string { return x.OS }),
		Arch:          all(func(x results.Environment) string { return x.Arch }),
		Hostname:      all(func(x results.Environment) string { return x.Hostname }),
		Driver:        all(func(x results.Environment) string { return x.Driver }),
		ServerVersion: all(func(x results.Environment) string { return x.ServerVersion }),
		DSN:           all(func(x results.Environment) string { return x.DSN }),
		Image:         all(func(x results.Environment) string { return x.Image }),
	}
	if all(func(x results.Environment) string { return strconv.Itoa(x.CPUs) }) != "" {
		out.CPUs = e.CPUs
	}
	return out
}

// mergeCell merges the same cell of every input.
func mergeCell(cells []*results.Cell, offsets []int, o Options, multi bool) (results.Cell, error) {
	first := cells[0]
	out := results.Cell{
		Driver: first.Driver, Strategy: first.Strategy, Backoff: first.Backoff,
		OnConflict: first.OnConflict, Scope: first.Scope, Keys: first.Keys, Trial: first.Trial,
		Distribution: first.Distribution, Skipped: first.Skipped,
	}
	for i, c := range cells {
		if (c.Skipped == "") != (first.Skipped == "") {
			return out, inputErr(i, "skipped in one input and not in another (%q vs %q in input 1)", c.Skipped, first.Skipped)
		}
		out.Writers += c.Writers
		out.Rate += c.Rate
		out.Interrupted = out.Interrupted || c.Interrupted
	}
	if multi { // each part's cell is the whole cell's writers and rate
		out.Writers, out.Rate = first.Writers, first.Rate
	}
	out.Faults = mergeFaults(cells, offsets)
	if first.Skipped != "" {
		out.GiveUps, out.Errors = map[string]int64{}, map[string]int64{}
		return out, nil
	}

	hists, err := mergeHistograms(cells)
	if err != nil {
		return out, err
	}
	out.ConflictsByKind = map[string]int64{}
	out.GiveUps = map[string]int64{}
	out.Errors = map[string]int64{}
	var backoffNS, attemptNS float64 // Σ mean × ops, in ms·ops
	var observed, versions int64
	for _, c := range cells {
		out.DurationS = max(out.DurationS, c.DurationS)
		out.Ops += c.Ops
		out.Attempts += c.Attempts
		out.Conflicts += c.Conflicts
		addAll(out.ConflictsByKind, c.ConflictsByKind)
		for reason, n := range c.GiveUps {
			if reason != results.LegacyCutOffReason {
				out.GiveUps[reason] += n
			}
		}
		out.CutOff += results.CutOffOf(c)
		addAll(out.Errors, c.Errors)
		out.ThroughputOpsS += c.ThroughputOpsS
		out.AttemptsS += c.AttemptsS
		out.StaleWritesRejected += c.StaleWritesRejected
		out.OutOfRange += c.OutOfRange
		backoffNS += c.Components.BackoffMean * float64(c.Ops)
		attemptNS += c.Components.AttemptMean * float64(c.Ops)
		out.Audit.Expected += c.Audit.Expected
		out.Audit.Indeterminate += c.Audit.Indeterminate
		out.Audit.LossExpected = out.Audit.LossExpected || c.Audit.LossExpected
		if o.SeparateStores {
			observed += c.Audit.Observed
			versions += c.Audit.Versions
		} else {
			observed = max(observed, c.Audit.Observed)
			versions = max(versions, c.Audit.Versions)
		}
	}
	if len(out.ConflictsByKind) == 0 {
		out.ConflictsByKind = nil
	}
	out.ThroughputOpsS = round(out.ThroughputOpsS, 1)
	out.AttemptsS = round(out.AttemptsS, 1)
	if out.Attempts > 0 {
		out.ConflictRatio = round(float64(out.Conflicts)/float64(out.Attempts), 6)
	}
	if total := out.Ops + threshold.GiveUps(&out); total > 0 {
		out.SuccessRate = round(float64(out.Ops)/float64(total), 6)
	}
	if out.Ops > 0 {
		out.Amplification = round(float64(out.Attempts)/float64(out.Ops), 4)
		out.Components = results.Components{
			BackoffMean: round(backoffNS/float64(out.Ops), 4),
			AttemptMean: round(attemptNS/float64(out.Ops), 4),
		}
	}
	out.RetriesPerOp = results.RetriesOf(hists[results.HistAttempts])
	out.RetriesPerOp.Mean = round(out.RetriesPerOp.Mean, 4)
	out.LatencyMS = latency(hists[results.HistCommitted])
	out.AttemptMS = latency(hists[results.HistAttempt])
	if h := hists[results.HistScheduleLag]; h != nil && h.TotalCount() > 0 {
		l := latency(h)
		out.ScheduleLagMS = &l
	}
	if ops, ok := writerOps(cells, multi); ok {
		results.SetKPIs(&out, hists[results.HistCommitted], hists[results.HistGaveUp],
			hists[results.HistRecovery], hists[results.HistManyAttempts], ops)
	}
	mergeHybrid(&out, cells, hists)
	out.Histograms = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(hists)) {
		enc, err := results.EncodeHistogram(hists[name])
		if err != nil {
			return out, fmt.Errorf("histogram %s: %w", name, err)
		}
		out.Histograms[name] = enc
	}
	out.Timeseries = mergeSeries(cells, offsets)
	if out.Classes, err = mergeClasses(cells, offsets, o); err != nil {
		return out, err
	}
	if multi {
		out.Runner = mergedRunner(cells)
		return out, globalAudit(&out, cells)
	}
	out.Audit = runner.Audit(out.Audit.Expected, out.Audit.Indeterminate,
		drivers.Totals{Counter: observed, Versions: versions}, out.Strategy, out.Audit.LossExpected)
	keepAuditStates(&out.Audit, cells)
	classVerdict(&out.Audit, cells)
	mergeIdem(&out, cells, hists, o.SeparateStores)
	mergeOpsAudit(&out.Audit, cells, o.SeparateStores, out.Strategy)
	return out, nil
}

// mergeHybrid sums the inputs' hybrid escalations and time escalated,
// each process having escalated its own keys, and recomputes the
// escalated and plain latencies from the merged histograms. When an
// input has no hybrid results (not a hybrid cell, or written before
// they existed) the merged cell has none.
func mergeHybrid(out *results.Cell, cells []*results.Cell, hists map[string]*hdrhistogram.Histogram) {
	var escalations int64
	var secs float64
	for _, c := range cells {
		if c.Hybrid == nil {
			return
		}
		escalations += c.Hybrid.Escalations
		secs += c.Hybrid.TimeEscalatedS
	}
	results.SetHybridLatency(out, hists[results.HistEscalated], hists[results.HistPlain])
	out.Hybrid.Escalations = escalations
	out.Hybrid.TimeEscalatedS = round(secs, 3)
}

// writerOps concatenates the inputs' per-writer committed ops, in input
// order, from which the merged fairness is computed; false when an input
// was written before recovery_ms, fairness and writer_ops existed: the
// merged cell then has none of them, since the merged histograms would
// miss that input's recoveries and starved ops.
func writerOps(cells []*results.Cell, multi bool) ([]int64, bool) {
	var out []int64
	for _, c := range cells {
		if multi && c.Runner != nil && c.Runner.Writers == 0 {
			continue // a runner with no writer in the cell
		}
		if c.RecoveryMS == nil || c.Fairness == nil || len(c.WriterOps) == 0 {
			return nil, false
		}
		out = append(out, c.WriterOps...)
	}
	return out, true
}

// mergeFaults concatenates the inputs' faults, in input order: each
// runner records the faults it saw. Their times move with the input's
// time series (see mergeSeries), so that they stay on the merged series'
// clock. It is nil when no input had a fault.
func mergeFaults(cells []*results.Cell, offsets []int) []results.Fault {
	var out []results.Fault
	for i, c := range cells {
		for _, fl := range c.Faults {
			fl.AtS += float64(offsets[i])
			out = append(out, fl)
		}
	}
	return out
}

// keepAuditStates carries the inputs' audit states into the merged audit
// a: a store reset or an unavailable audit in any input leaves the merge
// without a verdict (never OK), whatever the merged totals say. The
// verdict starts "AUDIT UNAVAILABLE" or "STORE RESET" and names the
// inputs.
func keepAuditStates(a *results.Audit, cells []*results.Cell) {
	var resets, downs []string
	for i, c := range cells {
		in := "input " + strconv.Itoa(i+1)
		if c.Audit.StoreReset {
			r := in
			if d, ok := strings.CutPrefix(c.Audit.Verdict, results.StoreResetWord); ok {
				if d = strings.TrimSpace(strings.TrimLeft(d, ":;,—- ")); d != "" {
					r += " (" + d + ")"
				}
			}
			resets = append(resets, r)
		}
		if c.Audit.Unavailable != "" {
			downs = append(downs, in+": "+c.Audit.Unavailable)
		}
	}
	if len(resets)+len(downs) == 0 {
		return
	}
	a.OK = false
	a.StoreReset = len(resets) > 0
	a.Unavailable = strings.Join(downs, "; ")
	var parts []string
	if len(downs) > 0 {
		parts = append(parts, results.UnavailableWord+": "+a.Unavailable)
	}
	if len(resets) > 0 {
		parts = append(parts, results.StoreResetWord+": the store lost documents the cell seeded, seen by "+strings.Join(resets, ", "))
	}
	a.Verdict = strings.Join(parts, "; ")
}

func addAll(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// required names the histograms a cell with samples must carry, and the
// count that says it has samples.
var required = [...]struct {
	name  string
	count func(c *results.Cell) int64
}{
	{results.HistCommitted, func(c *results.Cell) int64 { return c.Ops }},
	{results.HistAttempts, func(c *results.Cell) int64 { return c.Ops }},
	{results.HistAttempt, func(c *results.Cell) int64 { return c.Attempts }},
	{results.HistRecovery, func(c *results.Cell) int64 {
		if c.RecoveryMS == nil {
			return 0
		}
		return c.RecoveryMS.Ops
	}},
	{results.HistEscalated, func(c *results.Cell) int64 {
		if c.Hybrid == nil {
			return 0
		}
		return c.Hybrid.EscalatedLatencyMS.Ops
	}},
	{results.HistPlain, func(c *results.Cell) int64 {
		if c.Hybrid == nil {
			return 0
		}
		return c.Hybrid.PlainLatencyMS.Ops
	}},
}

// mergeHistograms decodes and merges every input's histograms, by name.
func mergeHistograms(cells []*results.Cell) (map[string]*hdrhistogram.Histogram, error) {
	out := map[string]*hdrhistogram.Histogram{}
	from := map[string]int{} // input whose settings the merged histogram has
	for i, c := range cells {
		for _, r := range required {
			if _, ok := c.Histograms[r.name]; !ok && r.count(c) > 0 {
				return nil, inputErr(i, "no %s histogram: latencies cannot be merged", r.name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(c.Histograms)) {
			h, err := results.DecodeHistogram(c.Histograms[name])
			if err != nil {
				return nil, inputErr(i, "histogram %s: %v", name, err)
			}
			acc, ok := out[name]
			if !ok {
				out[name], from[name] = h, i
				continue
			}
			if !sameSettings(acc, h) {
				return nil, inputErr(i, "histogram %s: settings %s differ from input %d's %s: cannot merge exactly",
					name, settings(h), from[name]+1, settings(acc))
			}
			if dropped := acc.Merge(h); dropped != 0 {
				return nil, inputErr(i, "histogram %s: merging dropped %d samples", name, dropped)
			}
		}
	}
	return out, nil
}

func sameSettings(a, b *hdrhistogram.Histogram) bool {
	return a.LowestTrackableValue() == b.LowestTrackableValue() &&
		a.HighestTrackableValue() == b.HighestTrackableValue() &&
		a.SignificantFigures() == b.SignificantFigures()
}

func settings(h *hdrhistogram.Histogram) string {
	return fmt.Sprintf("%d…%d at %d significant figures", h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures())
}

// latency is results.LatencyOf with the mean rounded as the recorder
// rounds it (quantiles are whole µs, exact in ms to 3 decimals).
func latency(h *hdrhistogram.Histogram) results.Latency {
	l := results.LatencyOf(h)
	l.Mean = round(l.Mean, 4)
	return l
}

// mergeSeries aligns the inputs' series by their files' start times and
// adds them up second by second; p99 is the largest input p99.
func mergeSeries(cells []*results.Cell, offsets []int) []results.Point {
	var out []results.Point
	for i, c := range cells {
		for _, p := range c.Timeseries {
			sec := int(math.Round(p.T)) + offsets[i] // 1-based
			if sec < 1 {
				continue
			}
			for len(out) < sec {
				out = append(out, results.Point{T: float64(len(out) + 1)})
			}
			q := &out[sec-1]
			q.Ops += p.Ops
			q.Attempts += p.Attempts
			q.Conflicts += p.Conflicts
			q.P99MS = max(q.P99MS, p.P99MS)
		}
	}
	return out
}

func round(v float64, digits int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
