package compare

import (
	"io"
	"slices"

	"github.com/occbench/occbench/results"
)

// renderJUnit writes the comparison as JUnit XML: a testsuite of the new
// file's audits and thresholds (results.JUnitSuiteOf), and a testsuite of
// the gates, one testcase per matched cell and gate that applies to its
// strategy. A failed gate is a failure whose message is the line
// occbench compare prints on stderr; a gate a cell is exempt from (a loss
// its strategy allows) and the gates of a cell skipped on either side are
// skipped; cells found in one file only are skipped cases named "match".
func (r *Report) renderJUnit(w io.Writer) error {
	var suites []results.JUnitSuite
	if r.cur != nil {
		s := results.JUnitSuiteOf(r.cur)
		s.Name = r.NewName + ": " + s.Name
		suites = append(suites, s)
	}
	suites = append(suites, results.NewJUnitSuite("occbench compare "+r.BaseName+" → "+r.NewName, r.gateCases()))
	return results.WriteJUnit(w, "occbench compare", suites...)
}

// gateCases are the testcases of the gates.
func (r *Report) gateCases() []results.JUnitCase {
	var cases []results.JUnitCase
	for _, cd := range r.Cells {
		for _, g := range r.Gates {
			if !g.Applies(cd.Key.Strategy) {
				continue
			}
			tc := results.JUnitCase{Name: "gate " + g.String(), Classname: cd.Name}
			i := slices.IndexFunc(cd.Metrics, func(md MetricDiff) bool { return md.Metric == g.Metric })
			switch {
			case cd.Skipped != "":
				tc.Skipped = &results.JUnitMessage{Message: cd.Skipped}
			case i < 0: // cannot happen: Compare compares every gated metric
				tc.Skipped = &results.JUnitMessage{Message: "metric " + g.Metric + " not compared"}
			case cd.Metrics[i].NotGated != "":
				tc.Skipped = &results.JUnitMessage{Message: cd.Metrics[i].NotGated}
			default:
				md := cd.Metrics[i]
				line := md.Metric + ": " + summaryText(md.Base) + " → " + summaryText(md.New) + ": " + changeText(md)
				for _, n := range md.Notes {
					line += "\n" + marker(n) + " " + r.Notes[n]
				}
				if f, ok := r.failure(cd.Name, g); ok {
					tc.Failure = &results.JUnitMessage{Message: f.String(), Type: "gate", Text: line}
				} else {
					tc.SystemOut = line
				}
			}
			cases = append(cases, tc)
		}
	}
	if len(r.Gates) > 0 {
		for _, side := range []struct {
			name string
			us   []Unmatched
		}{{r.BaseName, r.BaseOnly}, {r.NewName, r.NewOnly}} {
			for _, u := range side.us {
				cases = append(cases, results.JUnitCase{Name: "match", Classname: u.Name,
					Skipped: &results.JUnitMessage{Message: "only in " + side.name + ": no gate checked"}})
			}
		}
	}
	return cases
}

// failure returns the failure of gate g by the cell named cell.
func (r *Report) failure(cell string, g Gate) (Failure, bool) {
	for _, f := range r.failures {
		if f.Cell == cell && f.Gate == g {
			return f, true
		}
	}
	return Failure{}, false
}
