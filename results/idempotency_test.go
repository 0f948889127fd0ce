package results

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func idemCell(double int64) Cell {
	return Cell{
		Driver: "sqlite", Strategy: "idempotent", Backoff: "full-jitter", Writers: 4, OnConflict: "retry", Scope: "document", Keys: 16,
		Ops: 5163, Attempts: 5437, GiveUps: map[string]int64{}, Errors: map[string]int64{}, Histograms: map[string]string{},
		Audit: Audit{Expected: 4426, Observed: 4426 + double, OK: double == 0, Verdict: "ok"},
		Idempotency: &Idempotency{Deliveries: 5163, Duplicates: 643, Applied: 4426, DuplicatesSuppressed: 487, DoubleApplied: double,
			HashMismatch: 5, Crashed: 241, StalePendingRecovered: 147, RecoveryLatencyMS: Recovery{Ops: 147, P50: 520.191, P99: 569.343, Max: 581.631},
			InProgress: 274, CompletedKeys: 4426, PendingAtEnd: 94},
	}
}

func TestIdempotencyRoundTripAndReports(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		double int64
		audit  string // the audit column
		table  string // in the text report's idempotency table
	}{
		{"exactly once", 0, "ok", "5,163"},
		{"double applied", 3, "DOUBLE APPLIED 3 !!", "3 !!"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Schema: Schema, Scenario: Scenario{"name": "idempotency"}, Cells: []Cell{idemCell(tt.double)}}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			var back File
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Cells[0].Idempotency, f.Cells[0].Idempotency) {
				t.Fatalf("round trip: %+v, want %+v", back.Cells[0].Idempotency, f.Cells[0].Idempotency)
			}
			if got := AuditText(&f.Cells[0]); got != tt.audit {
				t.Errorf("audit column %q, want %q", got, tt.audit)
			}
			for _, format := range []string{"text", "markdown"} {
				var out bytes.Buffer
				if err := Render(&out, f, format); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(strings.ToLower(out.String()), "idempotency under redelivery") || !strings.Contains(out.String(), tt.table) {
					t.Errorf("%s report has no idempotency table with %q:\n%s", format, tt.table, out.String())
				}
			}
			if got := IdempotencyText(&f.Cells[0]); !strings.Contains(got, "5,163 deliveries (643 duplicates): 4,426 applied, 487 suppressed") {
				t.Errorf("IdempotencyText %q", got)
			}
		})
	}
	// A cell without the block: no table, and the JSON has no key.
	plain := Cell{Strategy: "optimistic"}
	b, _ := json.Marshal(plain)
	if strings.Contains(string(b), "idempotency") || IdempotencyText(&plain) != "-" {
		t.Errorf("a plain cell shows idempotency: %s", b)
	}
	if cols, rows := IdempotencyTable(&File{Cells: []Cell{plain}}); cols != nil || rows != nil {
		t.Errorf("table for a plain cell: %v %v", cols, rows)
	}
}
