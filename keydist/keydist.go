package keydist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Defaults used when a [Params] field is zero.
const (
	DefaultZipfTheta   = 0.99 // YCSB's zipfian constant
	DefaultHotFraction = 0.2  // YCSB hotspotdatafraction
	DefaultHotOps      = 0.8  // YCSB hotspotopnfraction
)

// Chooser picks the key an op hits.
type Chooser interface {
	// Next returns a key index in [0, keys). It does not allocate and is
	// safe to call from many goroutines, each passing its own r.
	Next(r *rand.Rand) int
}

// Params tunes the distributions that have parameters. A zero field means
// its default; a field the named distribution does not use is ignored.
type Params struct {
	ZipfTheta   float64 // zipfian skew θ, in (0, 1)
	HotFraction float64 // hotspot: fraction of the keys that are hot, in (0, 1)
	HotOps      float64 // hotspot: fraction of the ops that go to hot keys, in (0, 1)
}

type distInfo struct {
	name string
	desc string
}

// dists lists the distributions in the order [Names] returns them. It is a
// function, not a variable, so nothing at package level can be mutated.
func dists() [4]distInfo {
	return [...]distInfo{
		{"single", "every op hits key 0 (maximum contention)"},
		{"uniform", "every key equally likely"},
		{"zipfian", "P(key i) ∝ 1/(i+1)^θ, key 0 hottest (YCSB zipfian, --zipf-theta)"},
		{"hotspot", "--hot-ops of the ops hit the first --hot-fraction of the keys, uniformly within each part (YCSB hotspot)"},
	}
}

// Names returns the distribution names New accepts, in a fixed order.
func Names() []string {
	ds := dists()
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.name
	}
	return names
}

// Describe returns a one-line description of the named distribution, or ""
// if the name is unknown.
func Describe(name string) string {
	for _, d := range dists() {
		if d.name == name {
			return d.desc
		}
	}
	return ""
}

// New returns the named distribution over keys documents. Errors name the
// flag at fault.
func New(name string, keys int, p Params) (Chooser, error) {
	known := false
	for _, d := range dists() {
		known = known || d.name == name
	}
	if !known {
		return nil, fmt.Errorf("--distribution: unknown distribution %q (allowed: %s)", name, strings.Join(Names(), ", "))
	}
	if keys < 1 {
		return nil, fmt.Errorf("--keys: must be ≥ 1, got %d", keys)
	}
	switch name {
	case "single":
		return single{}, nil
	case "uniform":
		return uniform{n: keys}, nil
	case "zipfian":
		theta, err := fraction("--zipf-theta", p.ZipfTheta, DefaultZipfTheta)
		if err != nil {
			return nil, err
		}
		return newZipfian(keys, theta), nil
	default: // hotspot
		hf, err := fraction("--hot-fraction", p.HotFraction, DefaultHotFraction)
		if err != nil {
			return nil, err
		}
		ho, err := fraction("--hot-ops", p.HotOps, DefaultHotOps)
		if err != nil {
			return nil, err
		}
		return newHotspot(keys, hf, ho), nil
	}
}

// fraction returns v, or def when v is 0, after checking it is in (0, 1).
func fraction(flag string, v, def float64) (float64, error) {
	if v == 0 {
		return def, nil
	}
	if !(v > 0 && v < 1) { // also rejects NaN
		return 0, fmt.Errorf("%s: must be in (0, 1), got %v", flag, v)
	}
	return v, nil
}

type single struct{}

func (single) Next(*rand.Rand) int { return 0 }

type uniform struct{ n int }

func (u uniform) Next(r *rand.Rand) int { return r.IntN(u.n) }

// zipfian is YCSB's ZipfianGenerator over [0, n).
type zipfian struct {
	n         int
	nf        float64 // float64(n)
	theta     float64
	alpha     float64 // 1 / (1 − θ)
	zetan     float64 // ζ(n, θ)
	eta       float64 // (1 − (2/n)^(1−θ)) / (1 − ζ(2, θ)/ζ(n, θ))
	halfPowTh float64 // 1 + 0.5^θ, the threshold for key 1
}

func newZipfian(n int, theta float64) *zipfian {
	zetan := zeta(n, theta)
	z := &zipfian{
		n:         n,
		nf:        float64(n),
		theta:     theta,
		alpha:     1 / (1 - theta),
		zetan:     zetan,
		halfPowTh: 1 + math.Pow(0.5, theta),
	}
	if n > 2 { // for n ≤ 2 Next returns before using eta (which is 0/0 at n = 2)
		z.eta = (1 - math.Pow(2/z.nf, 1-theta)) / (1 - zeta(2, theta)/zetan)
	}
	return z
}

// zeta returns ζ(n, θ) = Σ_{i=1..n} 1/i^θ, summing the smallest terms first.
func zeta(n int, theta float64) float64 {
	var sum float64
	for i := n; i >= 1; i-- {
		sum += 1 / math.Pow(float64(i), theta)
	}
	return sum
}

func (z *zipfian) Next(r *rand.Rand) int {
	u := r.Float64()
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.halfPowTh {
		return 1
	}
	k := int(z.nf * math.Pow(z.eta*u-z.eta+1, z.alpha))
	return min(max(k, 0), z.n-1)
}

// hotspot is YCSB's HotspotIntegerGenerator over [0, n): keys [0, hot) are
// hot, [hot, n) cold.
type hotspot struct {
	hot, cold int
	hotOps    float64
}

// newHotspot sizes the hot set as ⌊n·fraction⌋ keys (YCSB truncates too),
// but at least one key; with n = 1 the cold set is empty and every op hits
// key 0.
func newHotspot(n int, fraction, hotOps float64) hotspot {
	// The epsilon keeps products such as 100·0.29 = 28.999999999999996 from
	// losing a key to floating point.
	hot := int(math.Floor(float64(n)*fraction + 1e-9))
	hot = min(max(hot, 1), n)
	return hotspot{hot: hot, cold: n - hot, hotOps: hotOps}
}

func (h hotspot) Next(r *rand.Rand) int {
	if h.cold == 0 || r.Float64() < h.hotOps {
		return r.IntN(h.hot)
	}
	return h.hot + r.IntN(h.cold)
}
