package report

import "github.com/occbench/occbench/results"

// sectionClasses returns the writer classes of a group's cells
// (results.ClassRows), labels naming its cells (trials) in a first
// column when there are several; nil when no cell ran classes.
func sectionClasses(f *results.File, g *group, labels []string) *faultTable {
	t := &faultTable{Header: results.ClassColumns()}
	several := len(g.cells) > 1
	if several {
		t.Header = append([]results.Column{{Name: "trial"}}, t.Header...)
	}
	for j, i := range g.cells {
		for _, row := range results.ClassRows(&f.Cells[i]) {
			if several {
				row = append([]string{labels[j]}, row...)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}
