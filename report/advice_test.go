package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/occbench/occbench/results"
)

// TestHTMLAdvice: occbench advise's answer is a banner of the page, its
// lines escaped; a file without advice has no such banner.
func TestHTMLAdvice(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Advice (occbench advise") {
		t.Error("a file without advice shows an advice banner")
	}
	f.Advice = &results.Advice{Backoff: "full-jitter", Trials: 2, Omitted: []string{"hybrid: <none>"},
		Skews: []results.AdviceSkew{{Skew: "single", Bands: []results.AdviceBand{{Objective: "goodput", Winner: "optimistic",
			Line: "below 12% conflicts (≤ 4 writers on single): optimistic with full-jitter (goodput 1.9× pessimistic, p99 0.6×)"}}}}}
	buf.Reset()
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	d := parse(t, buf.Bytes())
	for _, want := range []string{"Advice (occbench advise, backoff full-jitter, 2 trials per point)",
		"best on goodput, below 12% conflicts (≤ 4 writers on single): optimistic with full-jitter", "hybrid: &lt;none&gt;"} {
		if !strings.Contains(d.raw, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
