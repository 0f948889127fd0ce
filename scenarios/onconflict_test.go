package scenarios

import "testing"

func TestParseOnConflict(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want OnConflict
		ok   bool
	}{
		{"retry", Retry, true}, {"fail", Fail, true}, {"merge", Merge, true}, {"", Retry, true},
		{"Retry", 0, false}, {"abort", 0, false},
	} {
		got, err := ParseOnConflict(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseOnConflict(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && tt.in != "" && got.String() != tt.in {
			t.Errorf("%q parses to %v, which spells %q", tt.in, got, got.String())
		}
	}
	for _, v := range OnConflictValues { // the list Validate offers and the type agree
		if _, err := ParseOnConflict(v); err != nil {
			t.Errorf("allowed value %q: %v", v, err)
		}
	}
}
