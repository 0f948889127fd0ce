package scenarios

import (
	"fmt"
	"math"
	"time"
)

// Bounds on times, documented in the README: a value beyond them is a
// typo (2h for 2s), not a benchmark.
const (
	MaxDuration = 24 * time.Hour // duration
	MaxWarmup   = time.Hour      // warmup
	MaxThink    = time.Hour      // think
	MaxLatency  = time.Minute    // latency: its mean per round trip
)

// validateBounds checks what Validate's per-field rules leave out: every
// number is finite, writer counts are distinct, and times stay within
// the documented bounds.
func (s *Scenario) validateBounds(bad func(yamlName, format string, args ...any) error) error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"zipf_theta", s.ZipfTheta}, {"hot_fraction", s.HotFraction}, {"hot_ops", s.HotOps},
		{"budget", s.Budget}, {"budget_retry_cost", s.BudgetRetryCost}, {"budget_refund", s.BudgetRefund},
		{"rate", s.Rate}, {"lease_stall", s.LeaseStall.Prob},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return bad(f.name, "must be a finite number, got %v", f.v)
		}
	}
	seen := map[int]bool{}
	for _, w := range s.Writers {
		if seen[w] {
			return bad("writers", "%d listed twice", w)
		}
		seen[w] = true
	}
	for _, d := range []struct {
		name string
		v    Duration
		max  time.Duration
	}{{"duration", s.Duration, MaxDuration}, {"warmup", s.Warmup, MaxWarmup}, {"think", s.Think, MaxThink}, {"latency", Duration(s.Latency.Mean()), MaxLatency}} {
		if d.v.D() > d.max {
			got := d.v.String()
			if d.name == "latency" {
				got = s.Latency.String() + " (mean " + d.v.String() + ")"
			}
			return bad(d.name, "must be ≤ %s, got %s", fmtBound(d.max), got)
		}
	}
	return nil
}

func fmtBound(d time.Duration) string {
	switch {
	case d%time.Hour == 0 && d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
