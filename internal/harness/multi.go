package harness

// Multi-runner runs (occbench run --runners N): the checks of the flags,
// the skew check and joining the run. See package coord and
// docs/MULTI-RUNNER.md.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/coord"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// Multi are the multi-runner flags.
type Multi struct {
	Runners        int       // --runners; ≤ 1 = alone
	Index          int       // --runner-index (resolved: see ResolveIndex)
	Namespace      string    // --namespace
	StartAt        time.Time // --start-at (resolved); zero = a barrier
	BarrierTimeout time.Duration
	MaxSkew        time.Duration
	Clock          clock.Clock // nil = wall clock
}

// IndexEnv is the variable a Kubernetes Indexed Job sets in each pod:
// --runner-index's default.
const IndexEnv = "JOB_COMPLETION_INDEX"

// ResolveIndex returns the runner index: the flag's value when set,
// else $JOB_COMPLETION_INDEX (env), checked against runners.
func ResolveIndex(flagSet bool, flagVal int, env string, runners int) (int, error) {
	if runners < 1 {
		return 0, BadInputf("--runners: must be ≥ 1, got %d", runners)
	}
	idx := flagVal
	src := "--runner-index"
	if !flagSet {
		if env == "" {
			if runners > 1 {
				return 0, BadInputf("--runner-index: missing: with --runners %d set --runner-index 0 … %d (or $%s)", runners, runners-1, IndexEnv)
			}
			return 0, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(env))
		if err != nil {
			return 0, BadInputf("$%s: %q is not a runner index (allowed: 0 … %d)", IndexEnv, env, max(runners-1, 0))
		}
		idx, src = n, "$"+IndexEnv
	}
	if idx < 0 || idx >= runners {
		return 0, BadInputf("%s: %d is out of range (allowed with --runners %d: 0 … %d)", src, idx, runners, runners-1)
	}
	return idx, nil
}

// ParseStartAt reads --start-at: an RFC 3339 time, or +DURATION from now.
func ParseStartAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("--start-at: %q is not +DURATION (e.g. +30s) or an RFC 3339 time", s)
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at: %q is not an RFC 3339 time (e.g. 2026-12-03T04:00:00Z) or +DURATION", s)
	}
	return t, nil
}

// Active reports whether the run is shared by several runners.
func (m Multi) Active() bool { return m.Runners > 1 }

// Check refuses multi-runner settings the plan cannot honour: a driver
// that cannot share its store, a separate lease store, faults.
func (m Multi) Check(p *Plan) error {
	if err := drivers.ValidateNamespace(m.Namespace); err != nil {
		return BadInput(err)
	}
	if m.BarrierTimeout <= 0 {
		return BadInputf("--barrier-timeout: must be > 0, got %v", m.BarrierTimeout)
	}
	if m.MaxSkew <= 0 {
		return BadInputf("--max-skew: must be > 0, got %v", m.MaxSkew)
	}
	if (m.Active() || m.Namespace != "") && !p.Driver.Namespace {
		var ok []string
		for _, d := range drivers.All() {
			if d.Namespace {
				ok = append(ok, d.Name)
			}
		}
		flag := "--namespace"
		if m.Active() {
			flag = "--runners"
		}
		return BadInputf("%s: driver %s cannot share its store between runners (drivers that can: %s)", flag, p.Driver.Name, strings.Join(ok, ", "))
	}
	if !m.Active() {
		return nil
	}
	sc := p.Scenario
	switch {
	case sc.DSN == "":
		return BadInputf("--runners: the runners must share one server: set --dsn (a container occbench starts is its own)")
	case sc.LeaseStore != "" && sc.LeaseStore != sc.Driver:
		return BadInputf("--runners: a separate --lease-store is not supported with several runners")
	case len(sc.Faults) > 0:
		return BadInputf("--runners: faults are not supported with several runners (each would inject them)")
	}
	return nil
}

// Join measures this runner's clock skew against the store, refuses it
// above --max-skew (bad input), and joins the run: the runner.Share for
// the run's cells, the part file's runner record, and what ends the
// run (runner 0 clears its markers).
func (m Multi) Join(ctx context.Context, p *Plan, st *Stores) (*runner.Share, *results.Runner, func(context.Context) error, error) {
	c, ok := st.Data.(drivers.Coordinator)
	if !ok {
		return nil, nil, nil, BadInputf("--runners: driver %s keeps no markers", p.Driver.Name)
	}
	offset, rtt, err := coord.Skew(ctx, c, m.Clock)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := coord.CheckSkew(m.Index, offset, rtt, m.MaxSkew); err != nil {
		return nil, nil, nil, BadInput(err)
	}
	rr := &results.Runner{Index: m.Index, Runners: m.Runners, Namespace: m.Namespace,
		SkewMS: durMS(offset), RTTMS: durMS(rtt)}
	co, err := coord.Open(ctx, c, coord.Options{
		Index: m.Index, Runners: m.Runners, Timeout: m.BarrierTimeout, StartAt: m.StartAt, Clock: m.Clock,
		Fingerprint: fmt.Sprintf("%s/%d runners/%d cells", p.Scenario.Name, m.Runners, len(p.Cells)),
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return &runner.Share{Index: m.Index, Runners: m.Runners, Coord: co}, rr, co.Close, nil
}

func durMS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
