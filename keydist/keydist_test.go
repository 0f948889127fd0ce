package keydist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

const draws = 200_000

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// histogram draws n keys from c and counts them, failing on any key out of
// [0, keys).
func histogram(t *testing.T, c Chooser, keys, n int) []int {
	t.Helper()
	r := newRand()
	counts := make([]int, keys)
	for range n {
		k := c.Next(r)
		if k < 0 || k >= keys {
			t.Fatalf("Next() = %d, want in [0, %d)", k, keys)
		}
		counts[k]++
	}
	return counts
}

func mustNew(t *testing.T, name string, keys int, p Params) Chooser {
	t.Helper()
	c, err := New(name, keys, p)
	if err != nil {
		t.Fatalf("New(%q, %d, %+v): %v", name, keys, p, err)
	}
	return c
}

func TestSingle(t *testing.T) {
	t.Parallel()
	for _, keys := range []int{1, 2, 1000} {
		counts := histogram(t, mustNew(t, "single", keys, Params{}), keys, 10_000)
		if counts[0] != 10_000 {
			t.Errorf("keys=%d: key 0 drawn %d of 10000 times", keys, counts[0])
		}
	}
}

func TestUniform(t *testing.T) {
	t.Parallel()
	const keys = 10
	counts := histogram(t, mustNew(t, "uniform", keys, Params{}), keys, draws)
	want := float64(draws) / keys
	var chi2 float64
	for k, got := range counts {
		if math.Abs(float64(got)-want) > 0.05*want {
			t.Errorf("key %d drawn %d times, want %.0f ± 5%%", k, got, want)
		}
		d := float64(got) - want
		chi2 += d * d / want
	}
	// 9 degrees of freedom: P(χ² > 27.88) = 0.001.
	if chi2 > 27.88 {
		t.Errorf("χ² = %.2f over %d keys, want ≤ 27.88 (p = 0.001)", chi2, keys)
	}
}

func TestZipfian(t *testing.T) {
	t.Parallel()
	const keys, theta = 1000, 0.99
	counts := histogram(t, mustNew(t, "zipfian", keys, Params{ZipfTheta: theta}), keys, draws)

	want0 := 1 / zeta(keys, theta)
	got0 := float64(counts[0]) / draws
	if math.Abs(got0-want0)/want0 > 0.05 {
		t.Errorf("key 0 share = %.4f, want 1/ζ(%d, %v) = %.4f ± 5%% relative", got0, keys, theta, want0)
	}
	// Key 1 is exact in YCSB's algorithm too: P = 2^-θ / ζ(n, θ).
	want1 := math.Pow(2, -theta) / zeta(keys, theta)
	if got1 := float64(counts[1]) / draws; math.Abs(got1-want1)/want1 > 0.05 {
		t.Errorf("key 1 share = %.4f, want %.4f ± 5%% relative", got1, want1)
	}
	for k := 1; k < 5; k++ {
		if counts[k] > counts[k-1] {
			t.Errorf("count[%d] = %d > count[%d] = %d: not non-increasing", k, counts[k], k-1, counts[k-1])
		}
	}
	// The tail is drawn from too: the last tenth of the keys gets some ops.
	tail := 0
	for _, c := range counts[9*keys/10:] {
		tail += c
	}
	if tail == 0 {
		t.Error("no draws in the last 10% of the keys")
	}
}

func TestZipfianDefaultTheta(t *testing.T) {
	t.Parallel()
	z, ok := mustNew(t, "zipfian", 100, Params{}).(*zipfian)
	if !ok {
		t.Fatal("zipfian chooser has an unexpected type")
	}
	if z.theta != DefaultZipfTheta {
		t.Errorf("theta = %v, want default %v", z.theta, DefaultZipfTheta)
	}
}

// TestZipfianSkew checks that a smaller θ spreads the load: key 0's share
// follows 1/ζ(n, θ) for several θ.
func TestZipfianSkew(t *testing.T) {
	t.Parallel()
	for _, theta := range []float64{0.2, 0.5, 0.8, 0.99} {
		counts := histogram(t, mustNew(t, "zipfian", 100, Params{ZipfTheta: theta}), 100, draws)
		want := 1 / zeta(100, theta)
		if got := float64(counts[0]) / draws; math.Abs(got-want)/want > 0.05 {
			t.Errorf("θ=%v: key 0 share = %.4f, want %.4f ± 5%% relative", theta, got, want)
		}
	}
}

func TestZipfianSmallKeys(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		keys int
		want []float64 // exact shares
	}{
		{1, []float64{1}},
		{2, []float64{1 / (1 + math.Pow(2, -0.99)), math.Pow(2, -0.99) / (1 + math.Pow(2, -0.99))}},
	} {
		counts := histogram(t, mustNew(t, "zipfian", tt.keys, Params{}), tt.keys, draws)
		for k, w := range tt.want {
			if got := float64(counts[k]) / draws; math.Abs(got-w) > 0.01 {
				t.Errorf("keys=%d: key %d share = %.4f, want %.4f", tt.keys, k, got, w)
			}
		}
	}
	// keys = 3 reaches the continuous branch; every key must be drawn.
	counts := histogram(t, mustNew(t, "zipfian", 3, Params{}), 3, draws)
	for k, c := range counts {
		if c == 0 {
			t.Errorf("keys=3: key %d never drawn", k)
		}
	}
}

func TestZeta(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n     int
		theta float64
		want  float64
	}{
		{1, 0.99, 1},
		{2, 0.5, 1 + 1/math.Sqrt2},
		{4, 0.5, 1 + 1/math.Sqrt2 + 1/math.Sqrt(3) + 0.5},
		{1000, 0.99, 7.728953}, // Σ 1/i^0.99 for i = 1..1000, computed in Python
	} {
		if got := zeta(tt.n, tt.theta); math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("zeta(%d, %v) = %.6f, want %.6f", tt.n, tt.theta, got, tt.want)
		}
	}
}

func TestHotspot(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		keys    int
		p       Params
		wantHot int // size of the hot set
		wantOps float64
	}{
		{"defaults", 1000, Params{}, 200, DefaultHotOps},
		{"10% keys 90% ops", 1000, Params{HotFraction: 0.1, HotOps: 0.9}, 100, 0.9},
		{"half half", 10, Params{HotFraction: 0.5, HotOps: 0.5}, 5, 0.5},
		{"float product", 100, Params{HotFraction: 0.29, HotOps: 0.7}, 29, 0.7},
		{"tiny hot set rounds up to one key", 3, Params{HotFraction: 0.1, HotOps: 0.6}, 1, 0.6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			counts := histogram(t, mustNew(t, "hotspot", tt.keys, tt.p), tt.keys, draws)
			hot := 0
			for _, c := range counts[:tt.wantHot] {
				hot += c
			}
			if got := float64(hot) / draws; math.Abs(got-tt.wantOps) > 0.01 {
				t.Errorf("share on the first %d keys = %.4f, want %.2f ± 0.01", tt.wantHot, got, tt.wantOps)
			}
			// Uniform within each part: every key within ±15% of its part's
			// mean (the parts here hold at most 1000 keys, ≥ 20 draws each).
			checkFlat(t, "hot", counts[:tt.wantHot], float64(hot))
			checkFlat(t, "cold", counts[tt.wantHot:], float64(draws-hot))
		})
	}
}

func checkFlat(t *testing.T, part string, counts []int, total float64) {
	t.Helper()
	if len(counts) == 0 {
		return
	}
	mean := total / float64(len(counts))
	tol := max(0.15*mean, 4*math.Sqrt(mean)) // ≥ 4σ of a binomial count
	for k, c := range counts {
		if math.Abs(float64(c)-mean) > tol {
			t.Errorf("%s key %d drawn %d times, want %.0f ± %.0f", part, k, c, mean, tol)
		}
	}
}

func TestHotspotOneKey(t *testing.T) {
	t.Parallel()
	counts := histogram(t, mustNew(t, "hotspot", 1, Params{}), 1, 1000)
	if counts[0] != 1000 {
		t.Fatalf("keys=1: key 0 drawn %d of 1000 times", counts[0])
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, tt := range []struct {
		name    string
		dist    string
		keys    int
		p       Params
		wantErr string
	}{
		{"unknown", "gaussian", 10, Params{},
			`--distribution: unknown distribution "gaussian" (allowed: single, uniform, zipfian, hotspot)`},
		{"empty", "", 10, Params{}, `--distribution: unknown distribution ""`},
		{"case matters", "Uniform", 10, Params{}, `--distribution: unknown distribution "Uniform"`},
		{"zero keys", "uniform", 0, Params{}, "--keys: must be ≥ 1, got 0"},
		{"negative keys", "single", -3, Params{}, "--keys: must be ≥ 1, got -3"},
		{"zipf zero keys", "zipfian", 0, Params{}, "--keys"},
		{"theta 1", "zipfian", 10, Params{ZipfTheta: 1}, "--zipf-theta: must be in (0, 1), got 1"},
		{"theta above 1", "zipfian", 10, Params{ZipfTheta: 1.5}, "--zipf-theta"},
		{"theta negative", "zipfian", 10, Params{ZipfTheta: -0.5}, "--zipf-theta"},
		{"theta NaN", "zipfian", 10, Params{ZipfTheta: nan}, "--zipf-theta"},
		{"theta inf", "zipfian", 10, Params{ZipfTheta: math.Inf(1)}, "--zipf-theta"},
		{"hot fraction 1", "hotspot", 10, Params{HotFraction: 1}, "--hot-fraction: must be in (0, 1), got 1"},
		{"hot fraction negative", "hotspot", 10, Params{HotFraction: -0.1}, "--hot-fraction"},
		{"hot fraction NaN", "hotspot", 10, Params{HotFraction: nan}, "--hot-fraction"},
		{"hot ops 1", "hotspot", 10, Params{HotOps: 1}, "--hot-ops: must be in (0, 1), got 1"},
		{"hot ops above 1", "hotspot", 10, Params{HotOps: 2}, "--hot-ops"},
		{"hot ops NaN", "hotspot", 10, Params{HotOps: nan}, "--hot-ops"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.dist, tt.keys, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New(%q, %d, %+v) error = %v, want it to contain %q", tt.dist, tt.keys, tt.p, err, tt.wantErr)
			}
			if c != nil {
				t.Errorf("New returned %#v with an error", c)
			}
		})
	}
}

// TestUnusedParamsIgnored: a parameter the distribution does not use is not
// validated, so one scenario's params can be shared across distributions.
func TestUnusedParamsIgnored(t *testing.T) {
	t.Parallel()
	bad := Params{ZipfTheta: 7, HotFraction: 7, HotOps: 7}
	for _, name := range []string{"single", "uniform"} {
		if _, err := New(name, 10, bad); err != nil {
			t.Errorf("New(%q) with unused bad params: %v", name, err)
		}
	}
	if _, err := New("zipfian", 10, Params{ZipfTheta: 0.5, HotFraction: 7}); err != nil {
		t.Errorf("zipfian rejected an unused hot fraction: %v", err)
	}
	if _, err := New("hotspot", 10, Params{ZipfTheta: 7}); err != nil {
		t.Errorf("hotspot rejected an unused theta: %v", err)
	}
}

func TestNamesAndDescribe(t *testing.T) {
	t.Parallel()
	want := "single,uniform,zipfian,hotspot"
	names := Names()
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	names[0] = "mutated"
	if Names()[0] != "single" {
		t.Fatal("Names returns shared state")
	}
	for _, n := range Names() {
		if d := Describe(n); d == "" || strings.Contains(d, "\n") {
			t.Errorf("Describe(%q) = %q, want one non-empty line", n, d)
		}
	}
	if d := Describe("nope"); d != "" {
		t.Errorf("Describe(unknown) = %q, want empty", d)
	}
}

func TestSameSeedSameKeys(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		c := mustNew(t, name, 1000, Params{})
		r1, r2 := newRand(), newRand()
		for i := range 1000 {
			if a, b := c.Next(r1), c.Next(r2); a != b {
				t.Fatalf("%s: draw %d: %d != %d with the same seed", name, i, a, b)
			}
		}
	}
}

// TestConcurrentNext shares one Chooser between goroutines, each with its
// own rand (run with -race).
func TestConcurrentNext(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		c := mustNew(t, name, 1000, Params{})
		done := make(chan int)
		for g := range 8 {
			go func() {
				r := rand.New(rand.NewPCG(uint64(g), 7))
				bad := 0
				for range 10_000 {
					if k := c.Next(r); k < 0 || k >= 1000 {
						bad++
					}
				}
				done <- bad
			}()
		}
		for range 8 {
			if bad := <-done; bad != 0 {
				t.Errorf("%s: %d keys out of range", name, bad)
			}
		}
	}
}

func TestNextDoesNotAllocate(t *testing.T) {
	r := newRand()
	for _, name := range Names() {
		c := mustNew(t, name, 1000, Params{})
		if a := testing.AllocsPerRun(1000, func() { _ = c.Next(r) }); a != 0 {
			t.Errorf("%s: Next allocates %v times per call", name, a)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	for _, name := range Names() {
		c, err := New(name, 1_000_000, Params{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			r := newRand()
			sink := 0
			for b.Loop() {
				sink += c.Next(r)
			}
			_ = sink
		})
	}
}

func BenchmarkNewZipfian(b *testing.B) {
	for _, keys := range []int{1000, 1_000_000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New("zipfian", keys, Params{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
