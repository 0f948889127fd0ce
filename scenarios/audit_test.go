package scenarios

import (
	"strings"
	"testing"
)

// TestAuditField: audit takes counts (the default, also "") or ops, from
// the flag or the YAML field; anything else is refused in one line
// naming the field, the flag and the allowed values.
func TestAuditField(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  string // error substring; "" = valid
	}{
		{value: "", want: ""},
		{value: "counts", want: ""},
		{value: "ops", want: ""},
		{value: "Ops", want: `audit (--audit): unknown value "Ops" (allowed: counts, ops)`},
		{value: "elle", want: `audit (--audit): unknown value "elle" (allowed: counts, ops)`},
	} {
		t.Run(tt.value, func(t *testing.T) {
			s := Default()
			if err := s.Set("audit", tt.value); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if s.Audit != tt.value {
				t.Fatalf("--audit %q set audit %q", tt.value, s.Audit)
			}
			err := s.Validate(testAllowed)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n")):
				t.Errorf("Validate = %v, want one line with %q", err, tt.want)
			}
		})
	}
	s, err := Parse("audit.yaml", []byte("name: x\naudit: ops\n"))
	if err != nil || s.Audit != "ops" {
		t.Errorf("YAML audit: ops → %q, %v", s.Audit, err)
	}
}
