package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
)

// TestHold: hold is a delay distribution in flags, YAML and the results
// file's scenario map, errors name the field and the forms, and the
// scope takes operation.
func TestHold(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, flag, yaml string
		want             delay.Dist
		wantErr          string
	}{
		{name: "constant flag", flag: "200us", want: delay.Constant(200 * time.Microsecond)},
		{name: "normal flag", flag: "normal:1ms,200us", want: delay.Normal(time.Millisecond, 200*time.Microsecond)},
		{name: "exp flag", flag: "exp:500us", want: delay.Exponential(500 * time.Microsecond)},
		{name: "zero flag", flag: "0", want: delay.Dist{}},
		{name: "bad flag", flag: "long", wantErr: `--hold: "long": "long" is not a duration (want 20ms (constant), normal:MEAN,SD`},
		{name: "negative flag", flag: "-1ms", wantErr: `--hold: "-1ms": must be ≥ 0, got -1ms`},
		{name: "unknown distribution", flag: "uniform:1ms", wantErr: `--hold: "uniform:1ms": unknown distribution "uniform"`},
		{name: "yaml", yaml: "name: x\nhold: exp:500us\n", want: delay.Exponential(500 * time.Microsecond)},
		{name: "absent yaml", yaml: "name: x\n", want: delay.Dist{}},
		{name: "bad yaml", yaml: "name: x\nhold: normal:1ms\n", wantErr: `scenario f.yaml: line 2: hold: "normal:1ms": normal needs a mean and a standard deviation`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s Scenario
			var err error
			if tt.yaml != "" {
				s, err = Parse("f.yaml", []byte(tt.yaml))
			} else {
				s = Default()
				err = s.Set("hold", tt.flag)
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
			if s.Hold != tt.want {
				t.Fatalf("hold %v, want %v", s.Hold, tt.want)
			}
			m := s.ToMap(nil)
			if m["hold"] != tt.want.String() {
				t.Errorf("scenario map hold %v, want %q", m["hold"], tt.want.String())
			}
			back, err := FromMap(m)
			if err != nil || back.Hold != tt.want {
				t.Errorf("FromMap: %v, %v; want %v", back.Hold, err, tt.want)
			}
		})
	}
}

func TestScopeOperation(t *testing.T) {
	t.Parallel()
	s := Default()
	if err := s.Set("scope", "operation"); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(Allowed{Strategies: []string{"optimistic"}, Backoffs: []string{"expo"}}); err != nil {
		t.Fatalf("scope operation: %v", err)
	}
	s.Scope = "document,operation"
	if err := s.Validate(Allowed{Strategies: []string{"optimistic"}, Backoffs: []string{"expo"}}); err == nil || !strings.Contains(err.Error(), "(allowed: document, field-group, operation)") {
		t.Fatalf("a scope list: %v, want the allowed values", err)
	}
}
