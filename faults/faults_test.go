package faults

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Fault
		err  string
	}{
		{in: "pause@3s:4s", want: Fault{Kind: Pause, At: 3 * time.Second, Duration: 4 * time.Second}},
		{in: "restart@3s", want: Fault{Kind: Restart, At: 3 * time.Second}},
		{in: "restart@3s:2s", want: Fault{Kind: Restart, At: 3 * time.Second, Duration: 2 * time.Second}},
		{in: "kill@0s", want: Fault{Kind: Kill}},
		{in: "partition@2s:3s", want: Fault{Kind: Partition, At: 2 * time.Second, Duration: 3 * time.Second}},
		{in: "latency@1s:2s", want: Fault{Kind: Latency, At: time.Second, Duration: 2 * time.Second, Delay: DefaultDelay}},
		{in: "latency@1s:2s=200ms~50ms", want: Fault{Kind: Latency, At: time.Second, Duration: 2 * time.Second, Delay: 200 * time.Millisecond, Jitter: 50 * time.Millisecond}},
		{in: "stall-holder@1s:500ms", want: Fault{Kind: StallHolder, At: time.Second, Duration: 500 * time.Millisecond}},
		{in: "pause", err: "want KIND@OFFSET"},
		{in: "paws@1s:1s", err: `unknown kind "paws" (allowed: pause, restart`},
		{in: "pause@1s", err: "pause needs a duration > 0"},
		{in: "pause@-1s:1s", err: "offset: must be ≥ 0"},
		{in: "pause@1x:1s", err: "offset: want a duration"},
		{in: "pause@1s:2h", err: "duration: must be ≤ 1h0m0s"},
		{in: "pause@25h:1s", err: "offset: must be ≤ 24h0m0s"},
		{in: "pause@1s:1s=5ms", err: "only latency takes =DELAY"},
		{in: "latency@1s:1s=0s", err: "delay: must be a duration > 0"},
		{in: "latency@1s:1s=10ms~20ms", err: "jitter ≤ delay"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrSyntax) {
					t.Fatalf("Parse(%q) = %v, %v; want an ErrSyntax containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Spec = tt.in
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseListRefusesOverlap(t *testing.T) {
	if _, err := ParseList([]string{"pause@1s:2s", "restart@3s"}); err != nil {
		t.Errorf("back to back faults refused: %v", err)
	}
	_, err := ParseList([]string{"pause@1s:3s", "restart@3s"})
	if err == nil || !strings.Contains(err.Error(), "without overlap") {
		t.Errorf("overlapping faults: err = %v, want a refusal", err)
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds() {
		if k.NeedsContainer() && k.NeedsProxy() {
			t.Errorf("%s needs both a container and the proxy", k)
		}
	}
	if !Pause.NeedsContainer() || !Partition.NeedsProxy() || StallHolder.NeedsContainer() || StallHolder.NeedsProxy() {
		t.Error("kinds misdeclared")
	}
}

// FuzzParse checks that Parse never panics and that what it accepts
// prints as a spelling it reads back to the same fault.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"pause@3s:4s", "restart@3s", "latency@1s:2s=200ms~50ms", "kill@0s", "stall-holder@1s:1s", "x@", "@:", "latency@1s:1s="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(got.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, got.String(), err)
		}
		again.Spec, got.Spec = "", ""
		if again != got {
			t.Fatalf("round trip of %q: %+v, then %+v", s, got, again)
		}
	})
}
