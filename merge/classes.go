package merge

import (
	"fmt"
	"strings"

	"github.com/occbench/occbench/results"
)

// mergeClasses merges the writer classes of the same cell of every
// input, matched by name: each class is merged as a cell of its writers
// (mergeCell: counters summed, histograms merged exactly, summaries
// recomputed), in the first input's class order. Every input must have
// the same classes, with the same strategy, backoff and field group.
func mergeClasses(cells []*results.Cell, offsets []int, o Options) ([]results.Class, error) {
	first := cells[0]
	if len(first.Classes) == 0 {
		for i, c := range cells {
			if len(c.Classes) > 0 {
				return nil, inputErr(i, "has writer classes and input 1 has none")
			}
		}
		return nil, nil
	}
	out := make([]results.Class, 0, len(first.Classes))
	for _, k := range first.Classes {
		parts := make([]*results.Cell, len(cells))
		for i, c := range cells {
			if len(c.Classes) != len(first.Classes) {
				return nil, inputErr(i, "%d writer classes, input 1 has %d", len(c.Classes), len(first.Classes))
			}
			var in *results.Class
			for j := range c.Classes {
				if c.Classes[j].Name == k.Name {
					in = &c.Classes[j]
				}
			}
			switch {
			case in == nil:
				return nil, inputErr(i, "no writer class %q (input 1 has it)", k.Name)
			case in.Strategy != k.Strategy || in.Backoff != k.Backoff || in.FieldGroup != k.FieldGroup:
				return nil, inputErr(i, "class %q is %s/%s on field group %d, input 1's is %s/%s on %d",
					k.Name, in.Strategy, in.Backoff, in.FieldGroup, k.Strategy, k.Backoff, k.FieldGroup)
			}
			cc := in.AsCell(c)
			parts[i] = &cc
		}
		mc, err := mergeCell(parts, offsets, o, false) // classes are refused with --runners
		if err != nil {
			return nil, fmt.Errorf("class %s: %w", k.Name, err)
		}
		m := results.Class{Name: k.Name, Writers: mc.Writers, Strategy: k.Strategy, Backoff: k.Backoff,
			FieldGroup: k.FieldGroup, FieldGroupName: k.FieldGroupName, ThinkMS: k.ThinkMS, Rate: mc.Rate}
		results.ClassOf(&m, &mc)
		out = append(out, m)
	}
	return out, nil
}

// classVerdict words the merged audit a of a cell of classes whose loss
// was expected as the inputs' audits did, naming the classes that may
// overwrite others (the runner's wording after "as expected: ").
func classVerdict(a *results.Audit, cells []*results.Cell) {
	if len(cells[0].Classes) == 0 || !a.LossExpected || a.LostUpdates <= 0 || a.StoreReset || a.Unavailable != "" {
		return
	}
	for _, c := range cells {
		if _, why, ok := strings.Cut(c.Audit.Verdict, "as expected: "); ok {
			a.Verdict = fmt.Sprintf("lost %d of %d committed updates, as expected: %s", a.LostUpdates, a.Expected, why)
			return
		}
	}
}

// scaleClasses multiplies each class's writers and rate in a scenario
// map's classes block by n, as scaled does the scenario's writers.
func scaleClasses(out results.Scenario, n int) {
	ks, ok := out["classes"].([]any)
	if !ok {
		return
	}
	scaledKs := make([]any, len(ks))
	for i, k := range ks {
		m, ok := k.(map[string]any)
		if !ok {
			scaledKs[i] = k
			continue
		}
		c := map[string]any{}
		for f, v := range m {
			c[f] = v
		}
		for _, f := range []string{"writers", "rate"} {
			if v, ok := c[f].(float64); ok {
				c[f] = v * float64(n)
			}
		}
		scaledKs[i] = c
	}
	out["classes"] = scaledKs
}
