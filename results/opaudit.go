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
// appended to AuditText: "" without one, ", ops ok", ", ops: 3 lost, 1
// duplicated, 2 unacknowledged committed", ", ops: unavailable".
func OpsAuditText(a *Audit) string {
	o := a.Ops
	if o == nil {
		return ""
	}
	if o.Error != "" {
		return ", ops: unavailable"
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
		return ", ops ok"
	}
	return ", ops: " + strings.Join(parts, ", ")
}

// opsNamed is the quiet audit line's tail naming a few of the ops an
// expected loss lost: " (ops lost: w0/op3 key 0, …)"; "" without an
// op-level audit or examples.
func opsNamed(a *Audit) string {
	if a.Ops == nil || a.Ops.Lost == 0 {
		return ""
	}
	var names []string
	for _, e := range a.Ops.Examples {
		if e.What == OpLost && len(names) < 3 {
			names = append(names, "w"+strconv.FormatInt(e.Writer, 10)+"/op"+strconv.FormatInt(e.Op, 10)+" key "+strconv.Itoa(e.Key))
		}
	}
	if len(names) == 0 {
		return ""
	}
	if a.Ops.Lost > int64(len(names)) {
		names = append(names, "…")
	}
	return " (ops lost: " + strings.Join(names, ", ") + ")"
}
