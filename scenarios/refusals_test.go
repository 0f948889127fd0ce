package scenarios

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestRefusals: inputs that would silently change what runs are refused
// with one line naming the flag or field.
func TestRefusals(t *testing.T) {
	for _, tt := range []struct {
		name, flag, value string
		mod               func(*Scenario)
		want              string
	}{
		{name: "empty writers item", flag: "writers", value: "1,,4", want: `--writers: empty item in "1,,4"`},
		{name: "duplicate writers", flag: "writers", value: "4,4", want: `--writers: "4" listed twice`},
		{name: "trailing comma", flag: "strategies", value: "optimistic,", want: "--strategies: empty item"},
		{name: "alias names the typed flag", flag: "strategy", value: "lease,lease", want: `--strategy: "lease" listed twice`},
		{name: "NaN flag", flag: "rate", value: "NaN", want: "--rate: want a finite number"},
		{name: "Inf flag", flag: "zipf-theta", value: "+Inf", want: "--zipf-theta: want a finite number"},
		{name: "NaN field", mod: func(s *Scenario) { s.HotOps = math.NaN() }, want: "hot_ops (--hot-ops): must be a finite number"},
		{name: "NaN rate field", mod: func(s *Scenario) { s.Rate = math.NaN() }, want: "rate (--rate): must be a finite number"},
		{name: "writers twice in a file", mod: func(s *Scenario) { s.Writers = []int{4, 4} }, want: "writers (--writers): 4 listed twice"},
		{name: "warmup bound", mod: func(s *Scenario) { s.Warmup = Duration(2 * time.Hour) }, want: "warmup (--warmup): must be ≤ 1h"},
		{name: "think bound", mod: func(s *Scenario) { s.Think = Duration(90 * time.Minute) }, want: "think (--think): must be ≤ 1h"},
		{name: "duration bound", mod: func(s *Scenario) { s.Duration = Duration(25 * time.Hour) }, want: "duration (--duration): must be ≤ 24h"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Default()
			var err error
			if tt.flag != "" {
				err = s.Set(tt.flag, tt.value)
			} else {
				tt.mod(&s)
				err = s.Validate(testAllowed)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line: %q", err)
			}
		})
	}
}

func TestAliasesSetTheSameField(t *testing.T) {
	for _, pair := range [][2]string{{"strategies", "strategy"}, {"backoffs", "backoff"}, {"params", "param"}, {"thresholds", "threshold"}} {
		if FieldOf(pair[0]) == "" || FieldOf(pair[0]) != FieldOf(pair[1]) {
			t.Errorf("--%s and --%s: fields %q and %q", pair[0], pair[1], FieldOf(pair[0]), FieldOf(pair[1]))
		}
	}
	for _, f := range Flags() {
		if f.Name != flagName(f.Field) {
			t.Errorf("flag --%s sets field %s: the flag must be the field's name", f.Name, f.Field)
		}
		if f.Group == "" {
			t.Errorf("flag --%s has no help group", f.Name)
		}
	}
}

func TestYAMLTypeErrorNamesTheField(t *testing.T) {
	_, err := Parse("f.yaml", []byte("driver: memory\nwriters: [1, many]\nkeys: 2\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2: writers: ") {
		t.Fatalf("got %v, want the field named", err)
	}
}

func TestProvenance(t *testing.T) {
	s, src, err := LoadSource("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	if !src.Builtin || s.Name != "quickstart" {
		t.Fatalf("source %+v", src)
	}
	if got := src.Origin("writers"); got != "built-in quickstart" {
		t.Errorf("writers: %q", got)
	}
	if got := src.Origin("trials"); got != "default" {
		t.Errorf("trials: %q", got)
	}
}
