package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Idempotency is the scenario's idempotency block, read by the
// idempotent strategy (scenario "idempotency"): how often a delivery is
// a redelivery of an earlier key, how often its writer dies between its
// claim and its completion, and the store's TTL and staleness window.
type Idempotency struct {
	// DuplicateRate is the fraction of deliveries that redeliver an
	// earlier delivery's key (a consumer redelivery, a client retry
	// after a timeout), 0 … 1.
	DuplicateRate float64 `yaml:"duplicate_rate" json:"duplicate_rate"`
	// CrashRate is the fraction of deliveries whose writer dies after
	// marking the entry PENDING and before COMPLETED, 0 … 1.
	CrashRate float64 `yaml:"crash_rate" json:"crash_rate"`
	// MismatchRate is the fraction of redeliveries that carry another
	// request under the same key (refused, counted as hash_mismatch).
	MismatchRate float64 `yaml:"mismatch_rate" json:"mismatch_rate"`
	// TTL is how long an entry lives after its claim; it must exceed
	// StaleAfter.
	TTL Duration `yaml:"ttl" json:"ttl"`
	// StaleAfter is the staleness window: a PENDING entry older than it
	// was abandoned, and a redelivery takes it over.
	StaleAfter Duration `yaml:"stale_after" json:"stale_after"`
}

// DefaultIdempotency is the block's value where a scenario leaves a
// field out.
func DefaultIdempotency() Idempotency {
	return Idempotency{TTL: Duration(time.Minute), StaleAfter: Duration(500 * time.Millisecond)}
}

// Idem returns s's idempotency block, the defaults when it has none.
func (s *Scenario) Idem() Idempotency {
	if s.Idempotency == nil {
		return DefaultIdempotency()
	}
	return *s.Idempotency
}

// UnmarshalYAML fills the fields the YAML leaves out with their defaults.
func (i *Idempotency) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Idempotency
	p := plain(DefaultIdempotency())
	if err := unmarshal(&p); err != nil {
		return err
	}
	*i = Idempotency(p)
	return nil
}

// idem returns s's block, made with the defaults if it has none.
func (s *Scenario) idem() *Idempotency {
	if s.Idempotency == nil {
		d := DefaultIdempotency()
		s.Idempotency = &d
	}
	return s.Idempotency
}

// idemRate and idemDur make a block field: its flag is
// --idempotency-NAME, with a short alias (--crash-rate).
func idemRate(name, alias, usage string, get func(*Idempotency) *float64) field {
	flag := flagName("idempotency." + name)
	return field{yaml: "idempotency." + name, flag: flag, alias: alias, usage: usage, set: func(s *Scenario, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return fmt.Errorf("--%s: want a fraction in [0, 1], got %q", flag, v)
		}
		*get(s.idem()) = f
		return nil
	}}
}

func idemDur(name, alias, usage string, get func(*Idempotency) *Duration) field {
	flag := flagName("idempotency." + name)
	return field{yaml: "idempotency." + name, flag: flag, alias: alias, usage: usage, set: func(s *Scenario, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("--%s: want a duration like 500ms or 1m, got %q", flag, v)
		}
		*get(s.idem()) = Duration(d)
		return nil
	}}
}

// idemFields are the flags of the idempotency block.
var idemFields = []field{
	idemRate("duplicate_rate", "duplicate-rate", "idempotent: fraction of deliveries that redeliver an earlier key (redelivery, client retry)", func(i *Idempotency) *float64 { return &i.DuplicateRate }),
	idemRate("crash_rate", "crash-rate", "idempotent: fraction of deliveries whose writer dies after PENDING, before COMPLETED", func(i *Idempotency) *float64 { return &i.CrashRate }),
	idemRate("mismatch_rate", "mismatch-rate", "idempotent: fraction of redeliveries that carry another request under the same key", func(i *Idempotency) *float64 { return &i.MismatchRate }),
	idemDur("ttl", "idem-ttl", "idempotent: lifetime of an idempotency entry (> stale-after)", func(i *Idempotency) *Duration { return &i.TTL }),
	idemDur("stale_after", "stale-after", "idempotent: a PENDING entry older than this was abandoned; a redelivery takes it over", func(i *Idempotency) *Duration { return &i.StaleAfter }),
}

// validateIdem checks the idempotency block: one line naming the field,
// its flag and the allowed range.
func (s *Scenario) validateIdem() error {
	if s.Idempotency == nil {
		return nil
	}
	i := s.Idempotency
	bad := func(name, flag, format string, args ...any) error {
		return fmt.Errorf("scenario %q: idempotency.%s (--%s, --%s): %s", s.Name, name, flagName("idempotency."+name), flag, fmt.Sprintf(format, args...))
	}
	for _, r := range []struct {
		name, flag string
		v          float64
	}{{"duplicate_rate", "duplicate-rate", i.DuplicateRate}, {"crash_rate", "crash-rate", i.CrashRate}, {"mismatch_rate", "mismatch-rate", i.MismatchRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return bad(r.name, r.flag, "must be in [0, 1], got %v", r.v)
		}
	}
	if i.StaleAfter <= 0 || i.StaleAfter.D() > time.Hour {
		return bad("stale_after", "stale-after", "must be > 0 and ≤ 1h, got %s", i.StaleAfter)
	}
	if i.TTL <= i.StaleAfter || i.TTL.D() > 24*time.Hour {
		return bad("ttl", "idem-ttl", "must be > stale_after (%s) and ≤ 24h, got %s", i.StaleAfter, i.TTL)
	}
	return nil
}
