package backoff

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Defaults used when the flags --backoff-base and --backoff-cap are not given.
const (
	DefaultBase = 5 * time.Millisecond
	DefaultCap  = time.Second
)

// maxDuration is the largest time.Duration; it stands for "no cap".
const maxDuration = time.Duration(math.MaxInt64)

// ErrUnknownPolicy matches the error [New] returns for a name it does not know.
var ErrUnknownPolicy = errors.New("unknown policy")

// Policy computes the sleep before retry number attempt (0 for the first
// retry). prev is the sleep before the previous retry, or 0 if there was
// none; only [DecorrelatedJitter] uses it. r is used only by jittered
// policies, which require it to be non-nil; it is not safe for concurrent
// use, so each writer passes its own.
type Policy interface {
	Delay(attempt int, prev time.Duration, r *rand.Rand) time.Duration
}

// PolicyFunc adapts an ordinary function to a [Policy].
type PolicyFunc func(attempt int, prev time.Duration, r *rand.Rand) time.Duration

// Delay calls f(attempt, prev, r).
func (f PolicyFunc) Delay(attempt int, prev time.Duration, r *rand.Rand) time.Duration {
	return f(attempt, prev, r)
}

var (
	_ Policy = PolicyFunc(nil)
	_ Policy = None{}
	_ Policy = Constant{}
	_ Policy = Exponential{}
	_ Policy = FullJitter{}
	_ Policy = EqualJitter{}
	_ Policy = DecorrelatedJitter{}
)

// None retries at once.
type None struct{}

// Delay returns 0.
func (None) Delay(int, time.Duration, *rand.Rand) time.Duration { return 0 }

// Constant waits Base before every retry.
type Constant struct{ Base time.Duration }

// Delay returns Base, or 0 when Base is negative.
func (p Constant) Delay(int, time.Duration, *rand.Rand) time.Duration {
	return max(p.Base, 0)
}

// Exponential waits min(Cap, Base·2ⁿ).
type Exponential struct{ Base, Cap time.Duration }

// Delay returns min(Cap, Base·2^attempt).
func (p Exponential) Delay(attempt int, _ time.Duration, _ *rand.Rand) time.Duration {
	return expo(p.Base, p.Cap, attempt)
}

// FullJitter waits U(0, v) with v = min(Cap, Base·2ⁿ) ("Full Jitter" in the
// AWS Architecture Blog post "Exponential Backoff And Jitter").
type FullJitter struct{ Base, Cap time.Duration }

// Delay returns a value in [0, v), or 0 when v is 0.
func (p FullJitter) Delay(attempt int, _ time.Duration, r *rand.Rand) time.Duration {
	v := expo(p.Base, p.Cap, attempt)
	if v <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(int64(v)))
}

// EqualJitter waits v/2 + U(0, v/2) with v = min(Cap, Base·2ⁿ).
type EqualJitter struct{ Base, Cap time.Duration }

// Delay returns a value in [v/2, v), or v when v < 2.
func (p EqualJitter) Delay(attempt int, _ time.Duration, r *rand.Rand) time.Duration {
	v := expo(p.Base, p.Cap, attempt)
	half := v / 2
	if half <= 0 {
		return max(v, 0)
	}
	return half + time.Duration(r.Int64N(int64(v-half)))
}

// DecorrelatedJitter waits min(Cap, U(Base, 3·prev)), where prev is the
// previous sleep and starts at Base.
type DecorrelatedJitter struct{ Base, Cap time.Duration }

// Delay returns a value in [min(Cap, Base), min(Cap, 3·prev)). A prev ≤ 0
// stands for Base; attempt is not used.
func (p DecorrelatedJitter) Delay(_ int, prev time.Duration, r *rand.Rand) time.Duration {
	base := max(p.Base, 0)
	c := p.Cap
	if c <= 0 {
		c = maxDuration
	}
	if prev <= 0 {
		prev = base
	}
	hi := maxDuration
	if prev <= maxDuration/3 {
		hi = 3 * prev
	}
	d := base
	if hi > base {
		d = base + time.Duration(r.Int64N(int64(hi-base)))
	}
	return min(c, d)
}

// expo returns min(c, b·2ⁿ) without overflowing: b ≤ 0 gives 0, c ≤ 0 means
// no cap and n < 0 counts as 0.
func expo(b, c time.Duration, n int) time.Duration {
	if b <= 0 {
		return 0
	}
	if c <= 0 {
		c = maxDuration
	}
	if n < 0 {
		n = 0
	}
	if b >= c {
		return c
	}
	// b·2ⁿ ≤ c  ⇔  b ≤ ⌊c / 2ⁿ⌋ for integers, and c>>n is 0 for n ≥ 63.
	if n >= 63 || b > c>>uint(n) {
		return c
	}
	return b << uint(n)
}

type policyInfo struct {
	name    string
	desc    string
	usesCap bool
	build   func(base, cap time.Duration) Policy
}

// policies lists the policies in the order [Names] returns them. It is a
// function, not a variable, so nothing at package level can be mutated.
func policies() [6]policyInfo {
	return [...]policyInfo{
		{"none", "retry at once, no sleep", false,
			func(_, _ time.Duration) Policy { return None{} }},
		{"constant", "sleep base before every retry", false,
			func(b, _ time.Duration) Policy { return Constant{Base: b} }},
		{"expo", "sleep min(cap, base·2ⁿ) before retry n", true,
			func(b, c time.Duration) Policy { return Exponential{Base: b, Cap: c} }},
		{"full-jitter", "sleep U(0, v), v = min(cap, base·2ⁿ)", true,
			func(b, c time.Duration) Policy { return FullJitter{Base: b, Cap: c} }},
		{"equal-jitter", "sleep v/2 + U(0, v/2), v = min(cap, base·2ⁿ)", true,
			func(b, c time.Duration) Policy { return EqualJitter{Base: b, Cap: c} }},
		{"decorrelated-jitter", "sleep min(cap, U(base, 3·previous sleep)), previous starts at base", true,
			func(b, c time.Duration) Policy { return DecorrelatedJitter{Base: b, Cap: c} }},
	}
}

// Simplicity is a policy's place in the simplicity order that tie-breaks
// of tune-backoff and capacity use, the order of Names(): none < constant
// < expo < full-jitter < equal-jitter < decorrelated-jitter. An unknown
// name comes after every known one.
func Simplicity(policy string) int {
	names := Names()
	if i := slices.Index(names, policy); i >= 0 {
		return i
	}
	return len(names)
}

// SimplicityOrder describes the simplicity order: "none < constant < …".
func SimplicityOrder() string { return strings.Join(Names(), " < ") }

// Names returns the policy names New accepts, in a fixed order.
func Names() []string {
	ps := policies()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.name
	}
	return names
}

// Describe returns a one-line description of the named policy, or "" if the
// name is unknown.
func Describe(name string) string {
	for _, p := range policies() {
		if p.name == name {
			return p.desc
		}
	}
	return ""
}

// New returns the named policy. base must be > 0 for every policy but none;
// cap must be ≥ base for the policies that use it (all but none and
// constant). Errors name the flag at fault.
func New(name string, base, cap time.Duration) (Policy, error) {
	for _, p := range policies() {
		if p.name != name {
			continue
		}
		if name == "none" {
			return p.build(base, cap), nil
		}
		if base <= 0 {
			return nil, fmt.Errorf("--backoff-base: must be > 0 for policy %q, got %v", name, base)
		}
		if p.usesCap && cap < base {
			return nil, fmt.Errorf("--backoff-cap: must be ≥ --backoff-base (%v) for policy %q, got %v", base, name, cap)
		}
		return p.build(base, cap), nil
	}
	return nil, fmt.Errorf("--backoff: %w %q (allowed: %s)", ErrUnknownPolicy, name, strings.Join(Names(), ", "))
}

// Spec is a policy with its base and cap, as one value: the error
// backoff is given this way, e.g. "equal-jitter:10ms,1s".
type Spec struct {
	Name      string
	Base, Cap time.Duration
}

// DefaultErrorSpec is the error backoff when none is given: exponential
// from 10 ms to 1 s with equal jitter, so that an outage costs each
// writer about one attempt a second once the backoff has grown.
const DefaultErrorSpec = "equal-jitter:10ms,1s"

// String returns the spelling ParseSpec reads.
func (s Spec) String() string {
	if s.Name == "none" {
		return s.Name
	}
	return s.Name + ":" + s.Base.String() + "," + s.Cap.String()
}

// ParseSpec reads POLICY[:BASE[,CAP]], e.g. "equal-jitter:10ms,1s" or
// "constant:100ms"; a missing base is 10ms and a missing cap is 1s (the
// cap is the base for constant). field names the setting in errors.
func ParseSpec(field, v string) (Spec, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(v), ":")
	s := Spec{Name: name, Base: 10 * time.Millisecond, Cap: time.Second}
	if rest != "" {
		b, c, hasCap := strings.Cut(rest, ",")
		var err error
		if s.Base, err = time.ParseDuration(strings.TrimSpace(b)); err != nil {
			return Spec{}, fmt.Errorf("%s: want POLICY[:BASE[,CAP]] like %s, got %q", field, DefaultErrorSpec, v)
		}
		if hasCap {
			if s.Cap, err = time.ParseDuration(strings.TrimSpace(c)); err != nil {
				return Spec{}, fmt.Errorf("%s: want POLICY[:BASE[,CAP]] like %s, got %q", field, DefaultErrorSpec, v)
			}
		} else if name == "constant" {
			s.Cap = s.Base
		}
	}
	if _, err := s.Policy(); err != nil {
		return Spec{}, fmt.Errorf("%s: %q: %w", field, v, err)
	}
	return s, nil
}

// Policy builds the policy the spec names.
func (s Spec) Policy() (Policy, error) {
	if !slices.Contains(Names(), s.Name) {
		return nil, fmt.Errorf("%w %q (allowed: %s)", ErrUnknownPolicy, s.Name, strings.Join(Names(), ", "))
	}
	if s.Name != "none" && (s.Base <= 0 || s.Cap < s.Base) {
		return nil, fmt.Errorf("want 0 < base ≤ cap, got base %v, cap %v", s.Base, s.Cap)
	}
	if s.Cap > time.Hour {
		return nil, fmt.Errorf("cap must be ≤ 1h, got %v", s.Cap)
	}
	return New(s.Name, s.Base, s.Cap)
}
