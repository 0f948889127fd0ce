package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
)

// TestLatency: latency is a delay distribution in flags, YAML and the
// results file's scenario map, and errors name the field and the forms.
func TestLatency(t *testing.T) {
	t.Parallel()
	normal := delay.Normal(20*time.Millisecond, 3*time.Millisecond)
	for _, tt := range []struct {
		name, flag, yaml string
		want             delay.Dist
		wantErr          string
	}{
		{name: "constant flag", flag: "20ms", want: delay.Constant(20 * time.Millisecond)},
		{name: "normal flag", flag: "normal:20ms,3ms", want: normal},
		{name: "exp flag", flag: "exp:1ms", want: delay.Exponential(time.Millisecond)},
		{name: "zero flag", flag: "0", want: delay.Dist{}},
		{name: "bad flag", flag: "fast", wantErr: `--latency: "fast": "fast" is not a duration (want 20ms (constant), normal:MEAN,SD`},
		{name: "negative flag", flag: "normal:20ms,-1ms", wantErr: "--latency: \"normal:20ms,-1ms\": standard deviation must be ≥ 0"},
		{name: "normal yaml", yaml: "name: x\nlatency: normal:20ms,3ms\n", want: normal},
		{name: "old yaml", yaml: "latency: 250us\n", want: delay.Constant(250 * time.Microsecond)},
		{name: "absent yaml", yaml: "name: x\n", want: delay.Dist{}},
		{name: "bad yaml", yaml: "name: x\nlatency: exp:-2ms\n", wantErr: `scenario f.yaml: line 2: latency: "exp:-2ms": mean must be ≥ 0, got -2ms (want`},
		{name: "list yaml", yaml: "latency: [1ms]\n", wantErr: "line 1: latency: want a delay"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s Scenario
			var err error
			if tt.yaml != "" {
				s, err = Parse("f.yaml", []byte(tt.yaml))
			} else {
				s = Default()
				err = s.Set("latency", tt.flag)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Latency != tt.want {
				t.Fatalf("latency %v, want %v", s.Latency, tt.want)
			}
			m := s.ToMap(nil)
			if m["latency"] != tt.want.String() {
				t.Errorf("scenario map latency %v, want %q", m["latency"], tt.want.String())
			}
			back, err := FromMap(m)
			if err != nil || back.Latency != tt.want {
				t.Errorf("FromMap: %v, %v; want %v", back.Latency, err, tt.want)
			}
		})
	}
	// A results file written before latency was a distribution holds a
	// duration string; it reads back as the constant.
	back, err := FromMap(map[string]any{"latency": "1ms"})
	if err != nil || back.Latency != delay.Constant(time.Millisecond) {
		t.Errorf("old map: %v, %v", back.Latency, err)
	}
}
