package merge

// Multi-runner parts: the part files of one occbench run --runners N.
// See "Multi-runner parts" in the package documentation.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// multiParts reports whether parts are the part files of a multi-runner
// run, after checking that they are all of one: every part carries its
// runner, the runner counts and namespaces agree, no index repeats and
// none is missing.
func multiParts(parts []*results.File) (bool, error) {
	n := 0
	for _, p := range parts {
		if p.Runner != nil {
			n++
		}
	}
	if n == 0 {
		return false, nil
	}
	for i, p := range parts {
		if p.Runner == nil {
			return true, inputErr(i, "not a part of a multi-runner run (no runner), and other inputs are: merge the parts of one run")
		}
	}
	first := parts[0].Runner
	seen := map[int]int{}
	for i, p := range parts {
		r := p.Runner
		switch {
		case r.Runners != first.Runners:
			return true, inputErr(i, "runner %d of %d, input 1 is of a run of %d runners: parts of different runs", r.Index, r.Runners, first.Runners)
		case r.Namespace != first.Namespace:
			return true, inputErr(i, "namespace %q, input 1 has %q: parts of different runs", r.Namespace, first.Namespace)
		case r.Index < 0 || r.Index >= r.Runners:
			return true, inputErr(i, "runner index %d is out of range 0 … %d", r.Index, r.Runners-1)
		}
		if j, dup := seen[r.Index]; dup {
			return true, inputErr(i, "runner %d again (input %d is runner %d too)", r.Index, j+1, r.Index)
		}
		seen[r.Index] = i
	}
	var missing []string
	for idx := range first.Runners {
		if _, ok := seen[idx]; !ok {
			missing = append(missing, strconv.Itoa(idx))
		}
	}
	if len(missing) > 0 {
		return true, fmt.Errorf("merge: a run of %d runners: missing the part of runner %s", first.Runners, strings.Join(missing, ", "))
	}
	return true, nil
}

// sameSeed refuses parts whose seeds differ: the runners of one run
// share the seed, so that each writer draws what it would alone.
func sameSeed(scen []map[string]any) error {
	for i := 1; i < len(scen); i++ {
		if fmt.Sprint(scen[i]["seed"]) != fmt.Sprint(scen[0]["seed"]) {
			return inputErr(i, "seed %v, input 1 has %v: parts of different runs", scen[i]["seed"], scen[0]["seed"])
		}
	}
	return nil
}

// runnerOffsets aligns the parts' series of one cell by the wall time at
// which each runner's measurement started (CellRunner.StartedAt), in
// whole seconds from the earliest.
func runnerOffsets(cells []*results.Cell) []int {
	var first time.Time
	for _, c := range cells {
		if c.Runner != nil && !c.Runner.StartedAt.IsZero() && (first.IsZero() || c.Runner.StartedAt.Before(first)) {
			first = c.Runner.StartedAt
		}
	}
	out := make([]int, len(cells))
	for i, c := range cells {
		if c.Runner != nil && !c.Runner.StartedAt.IsZero() {
			out[i] = int(c.Runner.StartedAt.Sub(first).Round(time.Second) / time.Second)
		}
	}
	return out
}

// globalAudit is the one audit of a multi-runner cell: every runner's
// committed ops (Σ expected, Σ indeterminate) against the store's totals
// runner 0 read once all had finished. The store holds each committed
// write once, whichever runner made it, so an lww cell's losses are
// counted once.
func globalAudit(out *results.Cell, cells []*results.Cell) error {
	var expected, indeterminate int64
	lossExpected := false
	for _, c := range cells {
		expected += c.Audit.Expected
		indeterminate += c.Audit.Indeterminate
		lossExpected = lossExpected || c.Audit.LossExpected
	}
	r0 := runner0(cells)
	if r0 == nil {
		return fmt.Errorf("no runner 0 record in any part")
	}
	switch {
	case r0.StoreTotals == nil && r0.StoreError != "":
		out.Audit = runner.Unavailable(expected, indeterminate, r0.StoreError)
		return nil
	case r0.StoreTotals == nil:
		return fmt.Errorf("runner 0 recorded no store totals")
	}
	t := drivers.Totals{Docs: r0.StoreTotals.Docs, Counter: r0.StoreTotals.Counter, Versions: r0.StoreTotals.Versions}
	if t.Docs < int64(out.Keys) {
		out.Audit = runner.StoreReset(expected, indeterminate, t, out.Keys, 0)
		return nil
	}
	out.Audit = runner.Audit(expected, indeterminate, t, out.Strategy, lossExpected)
	return nil
}

// LastCell returns the index in f.Cells of the cell of a merged
// multi-runner file that ran last (its data is what the store holds
// after the run), or -1.
func LastCell(f *results.File) int {
	last, seq := -1, -1
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped == "" && c.Runner != nil && c.Runner.Seq > seq {
			last, seq = i, c.Runner.Seq
		}
	}
	return last
}

// CheckStore compares the store's totals now with those runner 0 read
// after the last cell of a merged multi-runner file: equal when nothing
// wrote to the store's namespace since. It returns "" when they agree,
// else one line saying how they differ.
func CheckStore(f *results.File, now drivers.Totals) (string, error) {
	i := LastCell(f)
	if i < 0 {
		return "", fmt.Errorf("--dsn: the merged file has no cell that ran to check the store against")
	}
	c := &f.Cells[i]
	t := c.Runner.StoreTotals
	if t == nil {
		return "", fmt.Errorf("--dsn: cell %s: runner 0 recorded no store totals", keyOf(c))
	}
	if t.Docs == now.Docs && t.Counter == now.Counter && t.Versions == now.Versions {
		return "", nil
	}
	return fmt.Sprintf("cell %s (the last that ran): the store now holds %d documents, Σ counter %d, Σ version %d; runner 0 read %d, %d, %d after the cell: something wrote to the namespace since, or it is not this run's",
		keyOf(c), now.Docs, now.Counter, now.Versions, t.Docs, t.Counter, t.Versions), nil
}

// mergedRunner is a merged multi-runner cell's runner record: the whole
// cell (Index 0, Writers = every runner's), started at the earliest
// runner's start, with runner 0's Seq and store totals.
func mergedRunner(cells []*results.Cell) *results.CellRunner {
	r0 := runner0(cells)
	if r0 == nil {
		return nil
	}
	out := &results.CellRunner{Index: 0, Runners: r0.Runners, Seq: r0.Seq, StoreTotals: r0.StoreTotals, StoreError: r0.StoreError}
	for _, c := range cells {
		if c.Runner == nil {
			continue
		}
		out.Writers += c.Runner.Writers
		if out.StartedAt.IsZero() || c.Runner.StartedAt.Before(out.StartedAt) {
			out.StartedAt = c.Runner.StartedAt
		}
	}
	return out
}

// runner0 is runner 0's record of a cell, or nil.
func runner0(cells []*results.Cell) *results.CellRunner {
	for _, c := range cells {
		if c.Runner != nil && c.Runner.Index == 0 {
			return c.Runner
		}
	}
	return nil
}

// sortRunners orders runner records by index.
func sortRunners(rs []results.Runner) {
	slices.SortFunc(rs, func(a, b results.Runner) int { return a.Index - b.Index })
}
