package drivers

import (
	"errors"
	"testing"
)

func TestParseScope(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Scope
		ok   bool
	}{
		{"document", ScopeDocument, true}, {"field-group", ScopeFieldGroup, true}, {"", ScopeDocument, true},
		{"field_group", 0, false}, {"doc", 0, false},
	} {
		got, err := ParseScope(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseScope(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidOption) {
			t.Errorf("ParseScope(%q): %v does not wrap ErrInvalidOption", tt.in, err)
		}
		if tt.ok && tt.in != "" && got.String() != tt.in {
			t.Errorf("%q parses to %v, which spells %q", tt.in, got, got.String())
		}
	}
}
