package merge

import (
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// mergeOpsAudit merges the inputs' op-level audits (--audit ops) into a,
// the merged cell's audit, and words its verdict as runner does: with
// separate stores the counts add up and the examples are kept up to
// results.MaxOpExamples. Nodes that shared one store read each other's
// ops in one log under the same writer ids, so their op-level audits
// prove nothing and the merged one says so. Nothing without one.
func mergeOpsAudit(a *results.Audit, cells []*results.Cell, separateStores bool, strategyName string) {
	parts := make([]*results.OpsAudit, 0, len(cells))
	for _, c := range cells {
		parts = append(parts, c.Audit.Ops)
	}
	o := runner.MergeOpsAudits(parts)
	if o == nil {
		return
	}
	if !separateStores && len(cells) > 1 {
		*o = results.OpsAudit{Error: "nodes shared one store: their op logs mix writers of the same ids, so the op-level audit cannot tell them apart"}
	}
	runner.ApplyOpsAudit(a, *o, strategyName, a.LossExpected)
}
