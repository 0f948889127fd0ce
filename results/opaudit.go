package results

import (
	"strconv"
	"strings"
)

// String is "w3/op17 key 0: lost".
func (e OpExample) String() string {
	return "w" + strconv.FormatInt(e.Writer, 10) + "/op" + strconv.FormatInt(e.Op, 10) + " key " + strconv.Itoa(e.Key) + ": " + e.What
}

// ExampleList joins up to n of o's examples: "w0/op3 key 0: lost, …".
func (o *OpsAudit) ExampleList(n int) string {
	ex := o.Examples[:min(n, len(o.Examples))]
	parts := make([]string, len(ex))
	for i, e := range ex {
		parts[i] = e.String()
	}
	s := strings.Join(parts, ", ")
	if len(o.Examples) > n {
		s += ", …"
	}
	return s
}

// OpsAuditText words the op-level audit for the reports' audit column,
// appended to AuditText: "" without one, "; ops ok (N checked)", "; ops:
// 3 lost, 1 duplicated (2 unacknowledged)", "; ops: unavailable".
func OpsAuditText(a *Audit) string {
	o := a.Ops
	if o == nil {
		return ""
	}
	if o.Error != "" {
		return "; ops: unavailable"
	}
	var parts []string
	add := func(n int64, what string) {
		if n > 0 {
			parts = append(parts, FormatInt(n)+" "+what)
		}
	}
	add(o.Lost, "lost")
	add(o.Duplicated, "duplicated")
	add(o.Unexplained, "unexplained !!")
	add(o.UnacknowledgedCommitted, "unacknowledged committed")
	if len(parts) == 0 {
		return "; ops ok (" + FormatInt(o.Checked) + " checked)"
	}
	return "; ops: " + strings.Join(parts, ", ")
}
