package compare

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseGates: ParseGates never panics, its errors are one line, and
// the canonical forms of the gates it returns parse back to them.
func FuzzParseGates(f *testing.F) {
	for _, s := range []string{
		"throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0",
		"optimistic: max >= 25 %, errors==0",
		"p99 > +0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gs, err := ParseGates(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if len(gs) == 0 {
			return
		}
		again, err := ParseGates(gateList(gs))
		if err != nil || !reflect.DeepEqual(again, gs) {
			t.Fatalf("%q: ParseGates(%q) = %+v, %v; want %+v", s, gateList(gs), again, err, gs)
		}
	})
}
