package advise

import (
	"strings"
	"testing"
)

// FuzzParseSkews: any input parses to skews that print back to an input
// ParseSkews accepts again with the same result, or is refused with an
// error naming the allowed skews or the repeat; it never panics.
func FuzzParseSkews(f *testing.F) {
	for _, s := range []string{"single,zipfian,uniform", "uniform", " single , zipfian", "single,single", "hot", "", ",", "zipfian,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseSkews(in)
		if err != nil {
			if !strings.Contains(err.Error(), "allowed: single, zipfian, uniform") && !strings.Contains(err.Error(), "listed twice") {
				t.Fatalf("ParseSkews(%q): error %q names neither the allowed skews nor the repeat", in, err)
			}
			return
		}
		if len(got) == 0 || len(got) > 3 {
			t.Fatalf("ParseSkews(%q) = %v", in, got)
		}
		names := make([]string, len(got))
		for i, s := range got {
			names[i] = s.Name
		}
		again, err := ParseSkews(strings.Join(names, ","))
		if err != nil || len(again) != len(got) {
			t.Fatalf("round trip of %q: %v, %v", in, again, err)
		}
		for i := range got {
			if again[i] != got[i] {
				t.Fatalf("round trip of %q: %v, want %v", in, again, got)
			}
		}
	})
}
