package threshold

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParse: ParseList never panics, its errors are one line, and every
// condition it returns prints (String) as an item that parses back to the
// same condition, in the same context.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"p99_ms < 50",
		"optimistic: lost_updates == 0, success_rate>=0.999",
		"throughput<-5%,p99>+10%,conflict_ratio>+0.02,lost_updates>0",
		"p999 >= 25 %",
		"give_ups<=-0",
		"x: y",
		"max!=1e-320",
	} {
		for ctx := range 3 {
			f.Add(s, ctx)
		}
	}
	f.Fuzz(func(t *testing.T, text string, ctxN int) {
		ctx := Context(((ctxN % 3) + 3) % 3)
		cs, err := ParseList(text, ctx)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		for _, c := range cs {
			if c.Kind != Plain && ctx != ForGate {
				t.Fatalf("%q in context %d: a %v value", text, ctx, c.Kind)
			}
			if !slices.Contains(Metrics(), c.Metric) {
				t.Fatalf("%q: metric %q not canonical", text, c.Metric)
			}
			again, err := ParseCondition(c.String(), ctx)
			if err != nil || again != c {
				t.Fatalf("%q: ParseCondition(%q) = %+v, %v; want %+v", text, c.String(), again, err, c)
			}
		}
	})
}
