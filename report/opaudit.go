package report

import (
	"fmt"

	"github.com/occbench/occbench/results"
)

// opsAuditFact words c's op-level audit (--audit ops) for the cell's
// facts: its counts and the ops it names; ok is false without one.
func opsAuditFact(c *results.Cell) (string, bool) {
	o := c.Audit.Ops
	if o == nil {
		return "", false
	}
	if o.Error != "" {
		return "unavailable: " + o.Error, true
	}
	s := fmt.Sprintf("checked %d, lost %d, duplicated %d, unacknowledged committed %d, unexplained %d",
		o.Checked, o.Lost, o.Duplicated, o.UnacknowledgedCommitted, o.Unexplained)
	if len(o.Examples) > 0 {
		s += " — " + o.ExampleList(results.MaxOpExamples)
	}
	return s, true
}
