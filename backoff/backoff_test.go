package backoff

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// TestDeterministic is a sleep-free table for the policies without jitter.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		p       Policy
		attempt int
		prev    time.Duration
		want    time.Duration
	}{
		{"none/zero", None{}, 0, 0, 0},
		{"none/negative", None{}, -1, -s, 0},
		{"none/overflow", None{}, 100, 0, 0},

		{"constant/zero", Constant{Base: 7 * ms}, 0, 0, 7 * ms},
		{"constant/later", Constant{Base: 7 * ms}, 9, 3 * s, 7 * ms},
		{"constant/negative attempt", Constant{Base: 7 * ms}, -5, 0, 7 * ms},
		{"constant/negative base", Constant{Base: -ms}, 1, 0, 0},
		{"constant/overflow", Constant{Base: 7 * ms}, 100, 0, 7 * ms},

		{"expo/zero", Exponential{Base: 5 * ms, Cap: s}, 0, 0, 5 * ms},
		{"expo/1", Exponential{Base: 5 * ms, Cap: s}, 1, 0, 10 * ms},
		{"expo/7", Exponential{Base: 5 * ms, Cap: s}, 7, 0, 640 * ms},
		{"expo/8 capped", Exponential{Base: 5 * ms, Cap: s}, 8, 0, s},
		{"expo/exactly cap", Exponential{Base: 125 * ms, Cap: s}, 3, 0, s},
		{"expo/negative attempt", Exponential{Base: 5 * ms, Cap: s}, -3, 0, 5 * ms},
		{"expo/n=62", Exponential{Base: 5 * ms, Cap: s}, 62, 0, s},
		{"expo/n=63", Exponential{Base: 5 * ms, Cap: s}, 63, 0, s},
		{"expo/n=64", Exponential{Base: 5 * ms, Cap: s}, 64, 0, s},
		{"expo/n=100", Exponential{Base: 5 * ms, Cap: s}, 100, 0, s},
		{"expo/n=MaxInt", Exponential{Base: 5 * ms, Cap: s}, math.MaxInt, 0, s},
		{"expo/base 1ns n=62 uncapped", Exponential{Base: 1}, 62, 0, 1 << 62},
		{"expo/base 1ns n=63 uncapped", Exponential{Base: 1}, 63, 0, math.MaxInt64},
		{"expo/base 1ns n=100 uncapped", Exponential{Base: 1}, 100, 0, math.MaxInt64},
		{"expo/base 3ns n=62 uncapped", Exponential{Base: 3}, 62, 0, math.MaxInt64},
		{"expo/zero base", Exponential{Cap: s}, 4, 0, 0},
		{"expo/negative base", Exponential{Base: -ms, Cap: s}, 4, 0, 0},
		{"expo/base above cap", Exponential{Base: 2 * s, Cap: s}, 0, 0, s},
		{"expo/cap 0 means no cap", Exponential{Base: 5 * ms}, 10, 0, 5120 * ms},
		{"expo/negative cap means no cap", Exponential{Base: 5 * ms, Cap: -1}, 10, 0, 5120 * ms},
		{"expo/ignores prev", Exponential{Base: 5 * ms, Cap: s}, 2, 9 * s, 20 * ms},

		{"policyfunc", PolicyFunc(func(n int, prev time.Duration, _ *rand.Rand) time.Duration {
			return time.Duration(n)*ms + prev
		}), 3, 2 * ms, 5 * ms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.Delay(tt.attempt, tt.prev, nil); got != tt.want {
				t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.prev, got, tt.want)
			}
		})
	}
}

// TestJitterBounds checks every draw of the jittered policies against the
// bounds of its formula, including zero, negative and overflow rows.
func TestJitterBounds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		p       Policy
		attempt int
		prev    time.Duration
		lo, hi  time.Duration // draws must be in [lo, hi]
	}{
		{"full/zero", FullJitter{Base: 5 * ms, Cap: s}, 0, 0, 0, 5 * ms},
		{"full/3", FullJitter{Base: 5 * ms, Cap: s}, 3, 0, 0, 40 * ms},
		{"full/negative", FullJitter{Base: 5 * ms, Cap: s}, -1, 0, 0, 5 * ms},
		{"full/n=63", FullJitter{Base: 5 * ms, Cap: s}, 63, 0, 0, s},
		{"full/n=100", FullJitter{Base: 5 * ms, Cap: s}, 100, 0, 0, s},
		{"full/n=100 uncapped", FullJitter{Base: 5 * ms}, 100, 0, 0, math.MaxInt64},
		{"full/zero base", FullJitter{Cap: s}, 3, 0, 0, 0},
		{"full/1ns", FullJitter{Base: 1, Cap: s}, 0, 0, 0, 0},

		{"equal/zero", EqualJitter{Base: 5 * ms, Cap: s}, 0, 0, 2500 * time.Microsecond, 5 * ms},
		{"equal/3", EqualJitter{Base: 5 * ms, Cap: s}, 3, 0, 20 * ms, 40 * ms},
		{"equal/negative", EqualJitter{Base: 5 * ms, Cap: s}, -7, 0, 2500 * time.Microsecond, 5 * ms},
		{"equal/n=63", EqualJitter{Base: 5 * ms, Cap: s}, 63, 0, s / 2, s},
		{"equal/n=100", EqualJitter{Base: 5 * ms, Cap: s}, 100, 0, s / 2, s},
		{"equal/n=100 uncapped", EqualJitter{Base: 5 * ms}, 100, 0, math.MaxInt64 / 2, math.MaxInt64},
		{"equal/negative base", EqualJitter{Base: -ms, Cap: s}, 3, 0, 0, 0},
		{"equal/1ns", EqualJitter{Base: 1, Cap: s}, 0, 0, 1, 1},

		{"decorrelated/prev 0 uses base", DecorrelatedJitter{Base: 5 * ms, Cap: s}, 0, 0, 5 * ms, 15 * ms},
		{"decorrelated/negative prev uses base", DecorrelatedJitter{Base: 5 * ms, Cap: s}, 0, -s, 5 * ms, 15 * ms},
		{"decorrelated/prev 20ms", DecorrelatedJitter{Base: 5 * ms, Cap: s}, 4, 20 * ms, 5 * ms, 60 * ms},
		{"decorrelated/capped", DecorrelatedJitter{Base: 5 * ms, Cap: 30 * ms}, 4, 20 * ms, 5 * ms, 30 * ms},
		{"decorrelated/prev below base/3", DecorrelatedJitter{Base: 5 * ms, Cap: s}, 1, ms, 5 * ms, 5 * ms},
		{"decorrelated/prev overflow", DecorrelatedJitter{Base: 5 * ms, Cap: s}, 100, math.MaxInt64, 5 * ms, s},
		{"decorrelated/prev overflow uncapped", DecorrelatedJitter{Base: 5 * ms}, 63, math.MaxInt64 / 2, 5 * ms, math.MaxInt64},
		{"decorrelated/base above cap", DecorrelatedJitter{Base: 2 * s, Cap: s}, 0, 0, s, s},
		{"decorrelated/zero base zero prev", DecorrelatedJitter{Cap: s}, 0, 0, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRand()
			for range 10_000 {
				got := tt.p.Delay(tt.attempt, tt.prev, r)
				if got < tt.lo || got > tt.hi {
					t.Fatalf("Delay(%d, %v) = %v, want in [%v, %v]", tt.attempt, tt.prev, got, tt.lo, tt.hi)
				}
			}
		})
	}
}

// TestJitterMeans checks the mean of 100k seeded draws against the mean of
// the formula, within 2%.
func TestJitterMeans(t *testing.T) {
	t.Parallel()
	const draws = 100_000
	const b, c = 5 * ms, s
	for _, tt := range []struct {
		name     string
		p        Policy
		attempt  int
		prev     time.Duration
		lo, hi   time.Duration // every draw in [lo, hi]
		wantMean float64
	}{
		// v = min(c, b·2ⁿ)
		{"full-jitter/n=0", FullJitter{b, c}, 0, 0, 0, b, float64(b) / 2},
		{"full-jitter/n=4", FullJitter{b, c}, 4, 0, 0, 80 * ms, float64(80*ms) / 2},
		{"full-jitter/capped", FullJitter{b, c}, 10, 0, 0, c, float64(c) / 2},
		{"equal-jitter/n=0", EqualJitter{b, c}, 0, 0, b / 2, b, 3 * float64(b) / 4},
		{"equal-jitter/n=4", EqualJitter{b, c}, 4, 0, 40 * ms, 80 * ms, 3 * float64(80*ms) / 4},
		{"equal-jitter/capped", EqualJitter{b, c}, 10, 0, c / 2, c, 3 * float64(c) / 4},
		// uncapped: within [b, 3prev], mean (b+3prev)/2
		{"decorrelated/prev=b", DecorrelatedJitter{b, c}, 0, 0, b, 3 * b, float64(b+3*b) / 2},
		{"decorrelated/prev=40ms", DecorrelatedJitter{b, c}, 3, 40 * ms, b, 120 * ms, float64(b+120*ms) / 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRand()
			var sum float64
			for range draws {
				d := tt.p.Delay(tt.attempt, tt.prev, r)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("draw %v outside [%v, %v]", d, tt.lo, tt.hi)
				}
				sum += float64(d)
			}
			mean := sum / draws
			if rel := math.Abs(mean-tt.wantMean) / tt.wantMean; rel > 0.02 {
				t.Errorf("mean = %v, want %v ± 2%% (off by %.2f%%)", time.Duration(mean), time.Duration(tt.wantMean), 100*rel)
			}
		})
	}
}

// TestDecorrelatedCapped checks that min(c, ·) piles the mass above the cap
// onto the cap itself: with b = 5ms, prev = 100ms, c = 150ms the draw is
// U(5ms, 300ms), so P(d = c) = 150/295 and the mean is known in closed form.
func TestDecorrelatedCapped(t *testing.T) {
	t.Parallel()
	const draws = 100_000
	p := DecorrelatedJitter{Base: 5 * ms, Cap: 150 * ms}
	r := newRand()
	var sum float64
	atCap := 0
	for range draws {
		d := p.Delay(0, 100*ms, r)
		if d < 5*ms || d > 150*ms {
			t.Fatalf("draw %v outside [5ms, 150ms]", d)
		}
		if d == 150*ms {
			atCap++
		}
		sum += float64(d)
	}
	lo, hi, c := 5.0, 300.0, 150.0 // ms
	pCap := (hi - c) / (hi - lo)
	wantMean := (1-pCap)*(lo+c)/2 + pCap*c
	if got := float64(atCap) / draws; math.Abs(got-pCap)/pCap > 0.02 {
		t.Errorf("P(d = cap) = %.4f, want %.4f ± 2%%", got, pCap)
	}
	if got := sum / draws / float64(ms); math.Abs(got-wantMean)/wantMean > 0.02 {
		t.Errorf("mean = %.3fms, want %.3fms ± 2%%", got, wantMean)
	}
}

// TestDecorrelatedChain feeds each sleep back as prev, as the runner does,
// and checks the chain stays within [b, c].
func TestDecorrelatedChain(t *testing.T) {
	t.Parallel()
	p := DecorrelatedJitter{Base: 5 * ms, Cap: 200 * ms}
	r := newRand()
	var prev time.Duration
	reachedCap := false
	for n := range 1000 {
		d := p.Delay(n, prev, r)
		if d < 5*ms || d > 200*ms {
			t.Fatalf("retry %d: %v outside [5ms, 200ms]", n, d)
		}
		reachedCap = reachedCap || d == 200*ms
		prev = d
	}
	if !reachedCap {
		t.Error("chain of 1000 retries never reached the cap")
	}
}

func TestSameSeedSameDelays(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := New(name, DefaultBase, DefaultCap)
			if err != nil {
				t.Fatal(err)
			}
			r1, r2 := newRand(), newRand()
			var prev time.Duration
			for n := range 50 {
				a, b := p.Delay(n, prev, r1), p.Delay(n, prev, r2)
				if a != b {
					t.Fatalf("retry %d: %v != %v with the same seed", n, a, b)
				}
				prev = a
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		policy    string
		base, cap time.Duration
		want      Policy
		wantErr   string // substring; "" means no error
	}{
		{"none", "none", 0, 0, None{}, ""},
		{"none ignores negative base", "none", -s, -s, None{}, ""},
		{"constant", "constant", 5 * ms, 0, Constant{Base: 5 * ms}, ""},
		{"constant ignores cap", "constant", 5 * ms, ms, Constant{Base: 5 * ms}, ""},
		{"expo", "expo", 5 * ms, s, Exponential{Base: 5 * ms, Cap: s}, ""},
		{"expo cap equals base", "expo", 5 * ms, 5 * ms, Exponential{Base: 5 * ms, Cap: 5 * ms}, ""},
		{"full-jitter", "full-jitter", 5 * ms, s, FullJitter{Base: 5 * ms, Cap: s}, ""},
		{"equal-jitter", "equal-jitter", 5 * ms, s, EqualJitter{Base: 5 * ms, Cap: s}, ""},
		{"decorrelated-jitter", "decorrelated-jitter", 5 * ms, s, DecorrelatedJitter{Base: 5 * ms, Cap: s}, ""},

		{"unknown", "fibonacci", 5 * ms, s, nil,
			`--backoff: unknown policy "fibonacci" (allowed: none, constant, expo, full-jitter, equal-jitter, decorrelated-jitter)`},
		{"empty name", "", 5 * ms, s, nil, `--backoff: unknown policy ""`},
		{"case matters", "Expo", 5 * ms, s, nil, `--backoff: unknown policy "Expo"`},
		{"constant zero base", "constant", 0, s, nil, "--backoff-base: must be > 0"},
		{"expo zero base", "expo", 0, s, nil, "--backoff-base: must be > 0"},
		{"full-jitter negative base", "full-jitter", -ms, s, nil, "--backoff-base: must be > 0"},
		{"expo cap below base", "expo", 5 * ms, ms, nil, "--backoff-cap: must be ≥ --backoff-base"},
		{"equal-jitter zero cap", "equal-jitter", 5 * ms, 0, nil, "--backoff-cap"},
		{"decorrelated cap below base", "decorrelated-jitter", s, ms, nil, "--backoff-cap"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := New(tt.policy, tt.base, tt.cap)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q, %v, %v) error = %v, want it to contain %q", tt.policy, tt.base, tt.cap, err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("New returned %#v with an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q, %v, %v): %v", tt.policy, tt.base, tt.cap, err)
			}
			if got != tt.want {
				t.Errorf("New(%q, %v, %v) = %#v, want %#v", tt.policy, tt.base, tt.cap, got, tt.want)
			}
		})
	}
}

func TestNewUnknownIsErrUnknownPolicy(t *testing.T) {
	t.Parallel()
	_, err := New("nope", DefaultBase, DefaultCap)
	if !errors.Is(err, ErrUnknownPolicy) {
		t.Fatalf("errors.Is(%v, ErrUnknownPolicy) = false", err)
	}
	if _, err := New("expo", 0, DefaultCap); errors.Is(err, ErrUnknownPolicy) {
		t.Fatalf("a bad base must not be ErrUnknownPolicy: %v", err)
	}
}

func TestNamesAndDescribe(t *testing.T) {
	t.Parallel()
	want := []string{"none", "constant", "expo", "full-jitter", "equal-jitter", "decorrelated-jitter"}
	got := Names()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if Names()[0] != "none" {
		t.Fatal("Names returns shared state")
	}
	for _, n := range want {
		d := Describe(n)
		if d == "" || strings.Contains(d, "\n") {
			t.Errorf("Describe(%q) = %q, want one non-empty line", n, d)
		}
		if _, err := New(n, DefaultBase, DefaultCap); err != nil {
			t.Errorf("New(%q) with defaults: %v", n, err)
		}
	}
	if d := Describe("nope"); d != "" {
		t.Errorf("Describe(unknown) = %q, want empty", d)
	}
}

func TestDelayDoesNotAllocate(t *testing.T) {
	r := newRand()
	for _, name := range Names() {
		p, err := New(name, DefaultBase, DefaultCap)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if a := testing.AllocsPerRun(1000, func() { _ = p.Delay(n%20, 10*ms, r); n++ }); a != 0 {
			t.Errorf("%s: Delay allocates %v times per call", name, a)
		}
	}
}

func BenchmarkDelay(b *testing.B) {
	for _, name := range Names() {
		p, err := New(name, DefaultBase, DefaultCap)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			r := newRand()
			var prev, sink time.Duration
			n := 0
			for b.Loop() {
				prev = p.Delay(n&15, prev, r)
				sink += prev
				n++
			}
			_ = sink
		})
	}
}

func TestParseSpec(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Spec
		err  string
	}{
		{in: DefaultErrorSpec, want: Spec{Name: "equal-jitter", Base: 10 * ms, Cap: s}},
		{in: "expo", want: Spec{Name: "expo", Base: 10 * ms, Cap: s}},
		{in: "constant:100ms", want: Spec{Name: "constant", Base: 100 * ms, Cap: 100 * ms}},
		{in: "full-jitter:5ms,2s", want: Spec{Name: "full-jitter", Base: 5 * ms, Cap: 2 * s}},
		{in: "none", want: Spec{Name: "none", Base: 10 * ms, Cap: s}},
		{in: "expon", err: `unknown policy "expon"`},
		{in: "expo:x", err: "want POLICY[:BASE[,CAP]]"},
		{in: "expo:1s,10ms", err: "want 0 < base ≤ cap"},
		{in: "expo:0s,1s", err: "want 0 < base ≤ cap"},
		{in: "expo:1ms,2h", err: "cap must be ≤ 1h"},
	} {
		got, err := ParseSpec("--error-backoff", tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "--error-backoff") {
				t.Errorf("ParseSpec(%q) = %v, %v; want an error naming the flag with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseSpec: ParseSpec never panics, and what it accepts prints as
// a spelling it reads back to the same spec and builds a policy.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{DefaultErrorSpec, "none", "constant:1ms", "expo:1ms,1s", "x:", ":,", "expo:1ms,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		sp, err := ParseSpec("f", v)
		if err != nil {
			return
		}
		if _, err := sp.Policy(); err != nil {
			t.Fatalf("ParseSpec(%q) accepted %+v, whose Policy fails: %v", v, sp, err)
		}
		again, err := ParseSpec("f", sp.String())
		if err != nil || (sp.Name != "none" && again != sp) {
			t.Fatalf("round trip of %q: %+v → %q → %+v, %v", v, sp, sp.String(), again, err)
		}
	})
}
