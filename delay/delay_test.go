package delay

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    Dist
		str     string // canonical String; "" = in
		wantErr string
	}{
		{in: "20ms", want: Constant(20 * time.Millisecond)},
		{in: " 1.5s ", want: Constant(1500 * time.Millisecond), str: "1.5s"},
		{in: "100us", want: Constant(100 * time.Microsecond), str: "100µs"},
		{in: "0", want: Dist{}, str: "0s"},
		{in: "0s", want: Dist{}},
		{in: "normal:20ms,3ms", want: Normal(20*time.Millisecond, 3*time.Millisecond)},
		{in: "normal: 20ms , 3ms", want: Normal(20*time.Millisecond, 3*time.Millisecond), str: "normal:20ms,3ms"},
		{in: "normal:20ms,0s", want: Constant(20 * time.Millisecond), str: "20ms"},
		{in: "normal:0s,3ms", want: Normal(0, 3*time.Millisecond)},
		{in: "normal:0s,0s", want: Dist{}, str: "0s"},
		{in: "exp:20ms", want: Exponential(20 * time.Millisecond)},
		{in: "exp:0s", want: Dist{}, str: "0s"},

		{in: "", wantErr: `"": empty (want 20ms (constant), normal:MEAN,SD`},
		{in: "fast", wantErr: `"fast": "fast" is not a duration (want`},
		{in: "-20ms", wantErr: `"-20ms": must be ≥ 0, got -20ms`},
		{in: "NaN", wantErr: `"NaN": "NaN" is not a duration`},
		{in: "20", wantErr: `"20": "20" is not a duration`},
		{in: "normal:20ms", wantErr: "normal needs a mean and a standard deviation"},
		{in: "normal:20ms,", wantErr: "standard deviation is missing"},
		{in: "normal:,3ms", wantErr: "mean is missing"},
		{in: "normal:-1ms,3ms", wantErr: "mean must be ≥ 0, got -1ms"},
		{in: "normal:20ms,-3ms", wantErr: "standard deviation must be ≥ 0, got -3ms"},
		{in: "normal:NaN,3ms", wantErr: `mean "NaN" is not a duration`},
		{in: "normal:20ms,3ms,1ms", wantErr: `standard deviation "3ms,1ms" is not a duration`},
		{in: "exp:", wantErr: "mean is missing"},
		{in: "exp:-5ms", wantErr: "mean must be ≥ 0, got -5ms"},
		{in: "exp:Inf", wantErr: `mean "Inf" is not a duration`},
		{in: "gauss:20ms,3ms", wantErr: `unknown distribution "gauss"`},
		{in: "Normal:20ms,3ms", wantErr: `unknown distribution "Normal"`},
		{in: "9999999999h", wantErr: "is not a duration"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), Forms) {
					t.Errorf("error %q does not list the forms", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			str := tt.str
			if str == "" {
				str = tt.in
			}
			if got.String() != str {
				t.Errorf("String() = %q, want %q", got.String(), str)
			}
			if back, err := Parse(got.String()); err != nil || back != got {
				t.Errorf("Parse(String()) = %v, %v; want %v", back, err, got)
			}
		})
	}
}

func TestConstructorsClampNegatives(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		d    Dist
		want Dist
	}{
		{"constant negative", Constant(-time.Second), Dist{}},
		{"normal negative sd", Normal(time.Second, -time.Second), Constant(time.Second)},
		{"normal negative mean", Normal(-time.Second, time.Second), Normal(0, time.Second)},
		{"exponential zero", Exponential(0), Dist{}},
	} {
		if tt.d != tt.want {
			t.Errorf("%s: %#v, want %#v", tt.name, tt.d, tt.want)
		}
	}
	if !(Dist{}).IsZero() || !Constant(time.Millisecond).IsConstant() || Exponential(time.Millisecond).IsConstant() {
		t.Error("IsZero/IsConstant")
	}
}

// TestSample: draws are never negative, and their mean matches Mean
// within 2% over 200k seeded draws.
func TestSample(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d        Dist
		wantMean time.Duration
	}{
		{Dist{}, 0},
		{Constant(7 * time.Millisecond), 7 * time.Millisecond},
		{Normal(20*time.Millisecond, 3*time.Millisecond), 20 * time.Millisecond},
		// Half the draws clamp to 0: the mean is σ/√(2π) ≈ 0.399σ.
		{Normal(0, 10*time.Millisecond), 3989423 * time.Nanosecond},
		{Normal(time.Millisecond, 2*time.Millisecond), 0},
		{Exponential(20 * time.Millisecond), 20 * time.Millisecond},
	} {
		t.Run(tt.d.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			const n = 200_000
			var sum float64
			for range n {
				v := tt.d.Sample(r)
				if v < 0 {
					t.Fatalf("negative draw %v", v)
				}
				sum += float64(v)
			}
			got := sum / n
			if m := float64(tt.d.Mean()); math.Abs(got-m) > 0.02*m {
				t.Errorf("mean of draws %v, Mean() %v", time.Duration(got), tt.d.Mean())
			}
			if tt.wantMean != 0 && math.Abs(float64(tt.d.Mean()-tt.wantMean)) > 1000 {
				t.Errorf("Mean() = %v, want %v", tt.d.Mean(), tt.wantMean)
			}
		})
	}
}

func TestSampleSaturates(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	huge := Exponential(maxDuration / 2)
	for range 1000 {
		if v := huge.Sample(r); v < 0 {
			t.Fatalf("overflowed to %v", v)
		}
	}
	if got := clamp(math.NaN()); got != 0 {
		t.Errorf("clamp(NaN) = %v", got)
	}
	if got := clamp(math.Inf(1)); got != maxDuration {
		t.Errorf("clamp(+Inf) = %v", got)
	}
}

func TestSampleAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	dists := []Dist{{}, Constant(time.Millisecond), Normal(time.Millisecond, time.Microsecond), Exponential(time.Millisecond)}
	var sink time.Duration
	allocs := testing.AllocsPerRun(1000, func() {
		for _, d := range dists {
			sink += d.Sample(r)
		}
	})
	if allocs != 0 {
		t.Errorf("Sample: %v allocs per run, want 0", allocs)
	}
	_ = sink
}

func TestSampleIsSeeded(t *testing.T) {
	t.Parallel()
	d := Normal(20*time.Millisecond, 3*time.Millisecond)
	a, b := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
	for i := range 100 {
		if x, y := d.Sample(a), d.Sample(b); x != y {
			t.Fatalf("draw %d: %v ≠ %v from the same seed", i, x, y)
		}
	}
}

type holder struct {
	Latency Dist `json:"latency" yaml:"latency"`
}

func TestMarshal(t *testing.T) {
	t.Parallel()
	for _, d := range []Dist{{}, Constant(20 * time.Millisecond), Normal(20*time.Millisecond, 3*time.Millisecond), Exponential(time.Second)} {
		t.Run(d.String(), func(t *testing.T) {
			j, err := json.Marshal(holder{d})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"latency":"` + d.String() + `"}`; string(j) != want {
				t.Errorf("JSON %s, want %s", j, want)
			}
			var hj holder
			if err := json.Unmarshal(j, &hj); err != nil || hj.Latency != d {
				t.Errorf("JSON round trip: %v, %v", hj.Latency, err)
			}
			y, err := yaml.Marshal(holder{d})
			if err != nil {
				t.Fatal(err)
			}
			if want := "latency: " + d.String() + "\n"; string(y) != want {
				t.Errorf("YAML %q, want %q", y, want)
			}
			var hy holder
			if err := yaml.Unmarshal(y, &hy); err != nil || hy.Latency != d {
				t.Errorf("YAML round trip: %v, %v", hy.Latency, err)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	var h holder
	err := yaml.Unmarshal([]byte("x: 1\nlatency: normal:20ms\n"), &struct {
		X       int  `yaml:"x"`
		Latency Dist `yaml:"latency"`
	}{})
	if err == nil || !strings.Contains(err.Error(), "line 2: ") || !strings.Contains(err.Error(), "normal needs") {
		t.Errorf("YAML error %v, want the line and the reason", err)
	}
	if err := yaml.Unmarshal([]byte("latency: [1, 2]\n"), &h); err == nil || !strings.Contains(err.Error(), "line 1: want a delay") {
		t.Errorf("YAML sequence: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"latency":"exp:-1s"}`), &h); err == nil || !strings.Contains(err.Error(), "mean must be ≥ 0") {
		t.Errorf("JSON error %v", err)
	}
	if err := yaml.Unmarshal([]byte("latency:\n"), &h); err != nil || !h.Latency.IsZero() {
		t.Errorf("YAML null: %v, %v; want no delay", h.Latency, err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts prints as a
// canonical string that parses back to the same Dist, with draws and
// mean never negative.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"20ms", "0", "normal:20ms,3ms", "exp:20ms", "normal:0s,1h", "exp:", "-1s", "normal:1ms,", "2562047h47m16.854775807s", "normal: 1µs ,1ns"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(1, 1))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		str := d.String()
		back, err := Parse(str)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but its String %q does not parse: %v", s, d, str, err)
		}
		if back != d || back.String() != str {
			t.Fatalf("Parse(%q) = %#v; String %q parses to %#v", s, d, str, back)
		}
		if v := d.Sample(r); v < 0 {
			t.Fatalf("%q: negative draw %v", s, v)
		}
		if d.Mean() < 0 {
			t.Fatalf("%q: negative mean %v", s, d.Mean())
		}
	})
}
