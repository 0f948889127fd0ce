package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/delay"
)

// TestDelayFields: hold and latency are delay distributions in flags,
// YAML and the results file's scenario map, and errors name the field
// and the forms.
func TestDelayFields(t *testing.T) {
	t.Parallel()
	normal := delay.Normal(20*time.Millisecond, 3*time.Millisecond)
	type delayCase struct {
		name, flag, yaml string
		want             delay.Dist
		wantErr          string
	}
	for _, f := range []struct {
		field string
		get   func(*Scenario) delay.Dist
		cases []delayCase
	}{
		{"hold", func(s *Scenario) delay.Dist { return s.Hold }, []delayCase{
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
		}},
		{"latency", func(s *Scenario) delay.Dist { return s.Latency }, []delayCase{
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
		}},
	} {
		for _, tt := range f.cases {
			t.Run(f.field+"/"+tt.name, func(t *testing.T) {
				var s Scenario
				var err error
				if tt.yaml != "" {
					s, err = Parse("f.yaml", []byte(tt.yaml))
				} else {
					s = Default()
					err = s.Set(f.field, tt.flag)
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
				if got := f.get(&s); got != tt.want {
					t.Fatalf("%s %v, want %v", f.field, got, tt.want)
				}
				m := s.ToMap(nil)
				if m[f.field] != tt.want.String() {
					t.Errorf("scenario map %s %v, want %q", f.field, m[f.field], tt.want.String())
				}
				back, err := FromMap(m)
				if err != nil || f.get(&back) != tt.want {
					t.Errorf("FromMap: %v, %v; want %v", f.get(&back), err, tt.want)
				}
			})
		}
	}
	// A results file written before latency was a distribution holds a
	// duration string; it reads back as the constant.
	back, err := FromMap(map[string]any{"latency": "1ms"})
	if err != nil || back.Latency != delay.Constant(time.Millisecond) {
		t.Errorf("old map: %v, %v", back.Latency, err)
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
	// A list is a sweep; each item must be a scope, once.
	s.Scope = "document,operation"
	if err := s.Validate(Allowed{Strategies: []string{"optimistic"}, Backoffs: []string{"expo"}}); err != nil {
		t.Fatalf("a scope list: %v", err)
	}
	if got := s.Scopes(); len(got) != 2 || got[1] != "operation" {
		t.Fatalf("Scopes() = %q", got)
	}
	for v, want := range map[string]string{
		"document,row":          `unknown value "row" (allowed: document, field-group, operation)`,
		"document, document":    `"document" is listed twice`,
		"document,,field-group": `unknown value ""`,
	} {
		s.Scope = v
		if err := s.Validate(Allowed{Strategies: []string{"optimistic"}, Backoffs: []string{"expo"}}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("scope %q: %v, want %q", v, err, want)
		}
	}
}
