package results

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestOpsAuditText: the audit column's op-level part.
func TestOpsAuditText(t *testing.T) {
	for _, tt := range []struct {
		name string
		ops  *OpsAudit
		want string
	}{
		{"none", nil, ""},
		{"ok", &OpsAudit{Checked: 5}, ", ops ok"},
		{"findings", &OpsAudit{Checked: 5, Lost: 1200, Duplicated: 1, UnacknowledgedCommitted: 2}, ", ops: 1,200 lost, 1 duplicated, 2 unacknowledged committed"},
		{"unexplained", &OpsAudit{Unexplained: 1}, ", ops: 1 unexplained !!"},
		{"error", &OpsAudit{Error: "op log: timeout"}, ", ops: unavailable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OpsAuditText(&Audit{Ops: tt.ops}); got != tt.want {
				t.Errorf("OpsAuditText = %q, want %q", got, tt.want)
			}
		})
	}
	c := &Cell{Strategy: "lww", Audit: Audit{OK: true, LossExpected: true, Expected: 10, Observed: 7, LostUpdates: 3,
		Ops: &OpsAudit{Checked: 10, Lost: 3, Examples: []OpExample{{0, 1, 0, OpLost}, {0, 2, 0, OpLost}, {1, 4, 0, OpLost}}}}}
	if got, want := AuditText(c), "LOST 3 (expected: lww), ops: 3 lost"; got != want {
		t.Errorf("AuditText = %q, want %q", got, want)
	}
	if got, want := opsNamed(&c.Audit), " (ops lost: w0/op1 key 0, w0/op2 key 0, w1/op4 key 0)"; got != want {
		t.Errorf("opsNamed = %q, want %q", got, want)
	}
	c.Audit.Ops.Lost = 30
	if got := opsNamed(&c.Audit); !strings.HasSuffix(got, ", …)") {
		t.Errorf("opsNamed = %q, want it to end with an ellipsis", got)
	}
}

// TestOpsAuditJSON: the op-level audit survives the JSON round trip and
// is absent from a cell without one.
func TestOpsAuditJSON(t *testing.T) {
	a := Audit{Expected: 3, Ops: &OpsAudit{Checked: 3, Lost: 1, Duplicated: 1, UnacknowledgedCommitted: 1, Unexplained: 1,
		Examples: []OpExample{{Writer: 2, Op: 7, Key: 1, What: OpLost}}}}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"checked":3`, `"lost":1`, `"duplicated":1`, `"unacknowledged_committed":1`, `"unexplained":1`, `"examples":[{"writer":2,"op":7,"key":1,"what":"lost"}]`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
	var back Audit
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, a) {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, a)
	}
	if b, _ := json.Marshal(Audit{}); strings.Contains(string(b), `"ops"`) {
		t.Errorf("an audit without ops writes %s", b)
	}
}
