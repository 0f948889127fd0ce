package delay

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// kind is a Dist's family. The zero kind is no delay.
type kind uint8

const (
	none kind = iota
	constant
	normal
	exponential
)

// Prefixes of the random forms.
const (
	normalPrefix = "normal:"
	expPrefix    = "exp:"
)

// Forms lists the accepted spellings, for help texts and errors.
const Forms = "20ms (constant), normal:MEAN,SD like normal:20ms,3ms, or exp:MEAN like exp:20ms"

// maxDuration is the largest time.Duration; draws beyond it saturate.
const maxDuration = time.Duration(math.MaxInt64)

// Dist is a distribution of delays. The zero value is no delay. Dists
// are comparable: two Dists are == when they draw the same way.
type Dist struct {
	kind kind
	mean time.Duration // constant value, normal mean, exponential mean
	sd   time.Duration // normal only
}

// Constant returns the Dist whose every draw is d; d ≤ 0 is no delay.
func Constant(d time.Duration) Dist {
	if d <= 0 {
		return Dist{}
	}
	return Dist{kind: constant, mean: d}
}

// Normal returns the normal distribution with mean and standard
// deviation sd, its negative draws clamped to 0. Negative arguments
// count as 0, so sd ≤ 0 is Constant(mean).
func Normal(mean, sd time.Duration) Dist {
	mean, sd = max(mean, 0), max(sd, 0)
	if sd == 0 {
		return Constant(mean)
	}
	return Dist{kind: normal, mean: mean, sd: sd}
}

// Exponential returns the exponential distribution with mean; mean ≤ 0
// is no delay.
func Exponential(mean time.Duration) Dist {
	if mean <= 0 {
		return Dist{}
	}
	return Dist{kind: exponential, mean: mean}
}

// IsZero reports whether d is no delay: every draw is 0.
func (d Dist) IsZero() bool { return d.kind == none }

// IsConstant reports whether every draw of d is the same (no delay
// included).
func (d Dist) IsConstant() bool { return d.kind == none || d.kind == constant }

// Sample draws one delay, never negative. Constant and zero Dists use no
// randomness (r may then be nil); the others take one draw from r.
// Sample allocates nothing.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	switch d.kind {
	case constant:
		return d.mean
	case normal:
		return clamp(float64(d.mean) + float64(d.sd)*r.NormFloat64())
	case exponential:
		return clamp(float64(d.mean) * r.ExpFloat64())
	}
	return 0
}

// clamp converts nanoseconds to a Duration in [0, maxDuration].
func clamp(ns float64) time.Duration {
	switch {
	case !(ns > 0): // also NaN
		return 0
	case ns >= float64(maxDuration):
		return maxDuration
	}
	return time.Duration(ns)
}

// Mean is the expected value of Sample. For a normal distribution that
// is the mean of the clamped draws, μΦ(μ/σ) + σφ(μ/σ), which exceeds the
// mean parameter by a visible amount only when σ is more than about a
// third of μ.
func (d Dist) Mean() time.Duration {
	if d.kind != normal {
		return d.mean
	}
	mu, sigma := float64(d.mean), float64(d.sd)
	z := mu / sigma
	cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
	pdf := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
	return clamp(math.Round(mu*cdf + sigma*pdf))
}

// String returns the canonical text of d, which Parse reads back to d:
// "0s", "20ms", "normal:20ms,3ms" or "exp:20ms".
func (d Dist) String() string {
	switch d.kind {
	case constant:
		return d.mean.String()
	case normal:
		return normalPrefix + d.mean.String() + "," + d.sd.String()
	case exponential:
		return expPrefix + d.mean.String()
	}
	return "0s"
}

// Parse reads a Dist: a duration (constant), normal:MEAN,SD or exp:MEAN,
// spaces around each part ignored. The error names the forms allowed;
// callers prefix the flag or field.
func Parse(s string) (Dist, error) {
	text := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(text, normalPrefix):
		mean, sd, ok := strings.Cut(text[len(normalPrefix):], ",")
		if !ok {
			return Dist{}, bad(s, "normal needs a mean and a standard deviation")
		}
		m, err := duration(s, "mean", mean)
		if err != nil {
			return Dist{}, err
		}
		v, err := duration(s, "standard deviation", sd)
		if err != nil {
			return Dist{}, err
		}
		return Normal(m, v), nil
	case strings.HasPrefix(text, expPrefix):
		m, err := duration(s, "mean", text[len(expPrefix):])
		if err != nil {
			return Dist{}, err
		}
		return Exponential(m), nil
	case strings.Contains(text, ":"):
		name, _, _ := strings.Cut(text, ":")
		return Dist{}, bad(s, fmt.Sprintf("unknown distribution %q", name))
	}
	d, err := duration(s, "", text)
	if err != nil {
		return Dist{}, err
	}
	return Constant(d), nil
}

// duration parses one part of s, naming it (what) in errors; what is
// "" when the part is all of s.
func duration(s, what, part string) (time.Duration, error) {
	part = strings.TrimSpace(part)
	name := what + " "
	if what == "" {
		name = ""
	}
	if part == "" && what == "" {
		return 0, bad(s, "empty")
	}
	if part == "" {
		return 0, bad(s, what+" is missing")
	}
	d, err := time.ParseDuration(part)
	if err != nil {
		return 0, bad(s, fmt.Sprintf("%s%q is not a duration", name, part))
	}
	if d < 0 {
		return 0, bad(s, fmt.Sprintf("%smust be ≥ 0, got %s", name, d))
	}
	return d, nil
}

// bad is Parse's error for s.
func bad(s, why string) error {
	return fmt.Errorf("%q: %s (want %s)", s, why, Forms)
}

// MarshalText writes String: JSON and YAML hold a Dist as its string.
func (d Dist) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText is Parse.
func (d *Dist) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes String.
func (d Dist) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML is Parse of a scalar, with its line in errors. A bare
// number of seconds is not a duration: write 0 or 20ms.
func (d *Dist) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a delay: %s", n.Line, Forms)
	}
	v, err := Parse(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}
