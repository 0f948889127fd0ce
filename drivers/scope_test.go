package drivers

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseScope(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Scope
		ok   bool
	}{
		{"document", ScopeDocument, true}, {"field-group", ScopeFieldGroup, true}, {"operation", ScopeOperation, true}, {"", ScopeDocument, true},
		{"Operation", 0, false}, {"operation,document", 0, false},
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

func TestCallHold(t *testing.T) {
	var w Write
	if err := w.CallHold(t.Context()); err != nil {
		t.Fatalf("no hold: %v", err)
	}
	calls := 0
	boom := errors.New("boom")
	w.Hold = func(ctx context.Context) error { calls++; return boom }
	if err := w.CallHold(t.Context()); !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("hold: err %v after %d calls, want boom after 1", err, calls)
	}
}

func TestSpecSlots(t *testing.T) {
	for _, tt := range []struct {
		slots int
		ok    bool
	}{{0, true}, {64, true}, {MaxSlots, true}, {-1, false}, {MaxSlots + 1, false}} {
		err := Spec{Keys: 1, FieldGroups: 1, Slots: tt.slots}.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("Slots %d: %v, want ok %v", tt.slots, err, tt.ok)
		}
	}
}

// FuzzParseScope: a scope parses only to a Scope that spells it back;
// anything else is refused with the allowed values, as an invalid option.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"", "document", "field-group", "operation", "Operation", "field_group", "operation,document", " document"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScope(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "(allowed: document, field-group, operation)") {
				t.Fatalf("ParseScope(%q): %v", s, err)
			}
			return
		}
		if s != "" && sc.String() != s {
			t.Fatalf("ParseScope(%q) = %v, which spells %q", s, sc, sc.String())
		}
	})
}
