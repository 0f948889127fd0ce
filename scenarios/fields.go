package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/delay"
	"github.com/occbench/occbench/faults"
)

// field binds a YAML name to its flag and a setter from flag text.
type field struct {
	yaml, flag, usage string
	alias             string // an older flag name that still works
	set               func(s *Scenario, v string) error
}

func durField(name, usage string, get func(*Scenario) *Duration) field {
	return field{yaml: name, flag: flagName(name), usage: usage, set: func(s *Scenario, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("--%s: want a duration like 250ms or 2s, got %q", flagName(name), v)
		}
		*get(s) = Duration(d)
		return nil
	}}
}

func intField(name, usage string, get func(*Scenario) *int) field {
	return field{yaml: name, flag: flagName(name), usage: usage, set: func(s *Scenario, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("--%s: want an integer, got %q", flagName(name), v)
		}
		*get(s) = n
		return nil
	}}
}

func floatField(name, usage string, get func(*Scenario) *float64) field {
	return field{yaml: name, flag: flagName(name), usage: usage, set: func(s *Scenario, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("--%s: want a finite number, got %q", flagName(name), v)
		}
		*get(s) = f
		return nil
	}}
}

func strField(name, usage string, get func(*Scenario) *string) field {
	return field{yaml: name, flag: flagName(name), usage: usage, set: func(s *Scenario, v string) error {
		*get(s) = v
		return nil
	}}
}

// flagName is a field's flag: its YAML name with "-" for "_" and, in a
// block's field, for "." (idempotency.crash_rate: --idempotency-crash-rate).
func flagName(yamlName string) string {
	return strings.ReplaceAll(strings.ReplaceAll(yamlName, "_", "-"), ".", "-")
}

var fields = []field{
	strField("name", "scenario name (used in the results file name)", func(s *Scenario) *string { return &s.Name }),
	strField("description", "what the scenario measures", func(s *Scenario) *string { return &s.Description }),
	strField("driver", "store: memory, sqlite, postgres, mongo, redis", func(s *Scenario) *string { return &s.Driver }),
	strField("dsn", "connect to this server/file instead of starting one", func(s *Scenario) *string { return &s.DSN }),
	strField("image", "container image for the store (default: the official image)", func(s *Scenario) *string { return &s.Image }),
	{yaml: "params", flag: "params", alias: "param", usage: "driver parameter key=value, comma separated (e.g. lock_wait=nowait)", set: func(s *Scenario, v string) error {
		if s.Params == nil {
			s.Params = map[string]string{}
		}
		items, err := parseList("params", v)
		if err != nil {
			return err
		}
		for _, kv := range items {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return fmt.Errorf("--params: want key=value, got %q", kv)
			}
			s.Params[k] = val
		}
		return nil
	}},
	strField("lease_store", "store that grants leases for the lease strategy (default: the data store)", func(s *Scenario) *string { return &s.LeaseStore }),
	strField("lease_dsn", "DSN of the lease store", func(s *Scenario) *string { return &s.LeaseDSN }),
	{yaml: "strategies", flag: "strategies", alias: "strategy", usage: "comma list: optimistic, pessimistic, serializable, lease, lww, check-then-write, hybrid, idempotent", set: func(s *Scenario, v string) (err error) {
		s.Strategies, err = parseList("strategies", v)
		return err
	}},
	{yaml: "backoffs", flag: "backoffs", alias: "backoff", usage: "comma list: none, constant, expo, full-jitter, equal-jitter, decorrelated-jitter", set: func(s *Scenario, v string) (err error) {
		s.Backoffs, err = parseList("backoffs", v)
		return err
	}},
	durField("backoff_base", "backoff base delay", func(s *Scenario) *Duration { return &s.BackoffBase }),
	durField("backoff_cap", "backoff cap", func(s *Scenario) *Duration { return &s.BackoffCap }),
	intField("max_attempts", "give up after this many attempts (0 = unlimited)", func(s *Scenario) *int { return &s.MaxAttempts }),
	durField("max_elapsed", "give up after this long in one op (0 = unlimited)", func(s *Scenario) *Duration { return &s.MaxElapsed }),
	floatField("budget", "retry budget: token bucket capacity shared by a cell's writers (0 = off)", func(s *Scenario) *float64 { return &s.Budget }),
	floatField("budget_retry_cost", "tokens a retry spends", func(s *Scenario) *float64 { return &s.BudgetRetryCost }),
	floatField("budget_refund", "tokens a committed op refunds", func(s *Scenario) *float64 { return &s.BudgetRefund }),
	strField("on_conflict", "retry, fail or merge", func(s *Scenario) *string { return &s.OnConflict }),
	strField("scope", "what a conditional write checks: document, field-group or operation (one slot per writer: writers never conflict); a comma list is a sweep, each cell run once per scope", func(s *Scenario) *string { return &s.Scope }),
	strField("audit", "what the audit checks: counts (committed ops against the store's counters) or ops (every committed op's identity, kept with the document: names lost and duplicated ops)", func(s *Scenario) *string { return &s.Audit }),
	intField("field_groups", "payload field groups per document (1 … 16)", func(s *Scenario) *int { return &s.FieldGroups }),
	{yaml: "field_group_names", flag: "field-group-names", usage: "names of the field groups, one per group, comma list (content,assets): writer classes may name their field_group", set: func(s *Scenario, v string) (err error) {
		s.FieldGroupNames, err = parseList("field-group-names", v)
		return err
	}},
	{yaml: "fencing", flag: "fencing", usage: "lease: the store rejects writes with a stale fencing token", set: func(s *Scenario, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("--fencing: want true or false, got %q", v)
		}
		s.Fencing = b
		return nil
	}},
	durField("lease_ttl", "lease time to live", func(s *Scenario) *Duration { return &s.LeaseTTL }),
	{yaml: "lease_stall", flag: "lease-stall", usage: "lease holder pauses: PROB:DURATION, e.g. 0.05:1.5s", set: func(s *Scenario, v string) error {
		p, d, ok := strings.Cut(v, ":")
		prob, err := strconv.ParseFloat(p, 64)
		if !ok || err != nil {
			return fmt.Errorf("--lease-stall: want PROB:DURATION like 0.05:1.5s, got %q", v)
		}
		dur, err := time.ParseDuration(d)
		if err != nil {
			return fmt.Errorf("--lease-stall: want PROB:DURATION like 0.05:1.5s, got %q", v)
		}
		s.LeaseStall = Stall{Prob: prob, Duration: Duration(dur)}
		return nil
	}},
	strField("hybrid_lock", "hybrid: the lock a hot key escalates to: lease (the lease store's lease) or row (the store's row lock)", func(s *Scenario) *string { return &s.HybridLock }),
	intField("escalate_after", "hybrid: conflicts on one key, within --escalate-window, that escalate it to the lock", func(s *Scenario) *int { return &s.EscalateAfter }),
	durField("escalate_window", "hybrid: the window in which --escalate-after conflicts escalate a key", func(s *Scenario) *Duration { return &s.EscalateWindow }),
	durField("deescalate_after", "hybrid: an escalated key returns to optimistic writes after this long without contention (0 = --escalate-window)", func(s *Scenario) *Duration { return &s.DeescalateAfter }),
	{yaml: "writers", flag: "writers", usage: "concurrent writers; a comma list is a sweep (1,4,16,64)", set: func(s *Scenario, v string) error {
		n, err := parseInts("writers", v)
		s.Writers = n
		return err
	}},
	intField("keys", "documents (1 = a single hot document)", func(s *Scenario) *int { return &s.Keys }),
	strField("distribution", "key distribution: single, uniform, zipfian, hotspot", func(s *Scenario) *string { return &s.Distribution }),
	floatField("zipf_theta", "zipfian skew, in (0, 1)", func(s *Scenario) *float64 { return &s.ZipfTheta }),
	floatField("hot_fraction", "hotspot: fraction of keys that are hot", func(s *Scenario) *float64 { return &s.HotFraction }),
	floatField("hot_ops", "hotspot: fraction of ops that hit hot keys", func(s *Scenario) *float64 { return &s.HotOps }),
	intField("payload_bytes", "payload bytes per document", func(s *Scenario) *int { return &s.PayloadBytes }),
	durField("duration", "measured time per cell", func(s *Scenario) *Duration { return &s.Duration }),
	intField("ops_per_writer", "stop each writer after N measured ops (those after the warmup) instead of after --duration (0 = use duration)", func(s *Scenario) *int { return &s.OpsPerWriter }),
	durField("warmup", "unmeasured time before each cell", func(s *Scenario) *Duration { return &s.Warmup }),
	durField("think", "pause between a writer's ops (never past the end of --duration)", func(s *Scenario) *Duration { return &s.Think }),
	floatField("rate", "open loop: total ops/s across writers (0 = closed loop)", func(s *Scenario) *float64 { return &s.Rate }),
	{yaml: "latency", flag: "latency", usage: "memory driver: latency per round trip, as PostgreSQL makes them: 20ms, normal:20ms,3ms (mean, sd) or exp:20ms (mean)", set: func(s *Scenario, v string) error {
		d, err := delay.Parse(v)
		if err != nil {
			return fmt.Errorf("--latency: %w", err)
		}
		s.Latency = d
		return nil
	}},
	{yaml: "hold", flag: "hold", usage: "conflict window: time a writer spends between its read and its write (inside the lock or lease for pessimistic, serializable, lease), drawn per attempt: 200us, normal:1ms,200us or exp:500us", set: func(s *Scenario, v string) error {
		d, err := delay.Parse(v)
		if err != nil {
			return fmt.Errorf("--hold: %w", err)
		}
		s.Hold = d
		return nil
	}},
	{yaml: "seed", flag: "seed", usage: "random seed", set: func(s *Scenario, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("--seed: want a non-negative integer, got %q", v)
		}
		s.Seed = n
		return nil
	}},
	intField("trials", "repeat every cell N times", func(s *Scenario) *int { return &s.Trials }),
	{yaml: "error_backoff", flag: "error-backoff", usage: "wait after an errored attempt (not a conflict): POLICY[:BASE[,CAP]], e.g. " + backoff.DefaultErrorSpec, set: func(s *Scenario, v string) error {
		if _, err := backoff.ParseSpec("--error-backoff", v); err != nil {
			return err
		}
		s.ErrorBackoff = v
		return nil
	}},
	strField("persistence", "redis container occbench starts: none (a restart loses everything), aof (append-only, fsync every write); empty = the image's default", func(s *Scenario) *string { return &s.Persistence }),
	durField("op_timeout", "bound on each attempt's store calls; a timed-out call is a timeout error", func(s *Scenario) *Duration { return &s.OpTimeout }),
	durField("connect_timeout", "bound on each connection attempt (open, session, reconnect)", func(s *Scenario) *Duration { return &s.ConnectTimeout }),
	{yaml: "faults", flag: "faults", alias: "fault", usage: "inject a fault into every cell, repeatable or a comma list: " + faults.Syntax + "; kinds: pause, restart, kill, partition, latency, stall-holder", set: func(s *Scenario, v string) (err error) {
		s.Faults, err = parseList("faults", v)
		if err != nil {
			return err
		}
		if _, err := faults.ParseList(s.Faults); err != nil {
			return fmt.Errorf("--faults: %w", err)
		}
		return nil
	}},
	{yaml: "thresholds", flag: "thresholds", alias: "threshold", usage: "pass/fail checks, comma list, e.g. 'p99_ms<50,lost_updates==0'", set: func(s *Scenario, v string) (err error) {
		s.Thresholds, err = parseList("thresholds", v)
		return err
	}},
	idemFields[0], idemFields[1], idemFields[2], idemFields[3], idemFields[4], // idempotency block
}

// Flag describes a flag that sets a scenario field.
type Flag struct {
	Name, Usage string
	Field       string // the YAML field it sets
	Group       string // help section: workload, strategy, backoff, store, output
	Alias       string // another accepted name ("" = none)
	IsBool      bool
}

// Flags lists the flags that set scenario fields, in file order.
func Flags() []Flag {
	out := make([]Flag, len(fields))
	for i, f := range fields {
		out[i] = Flag{Name: f.flag, Usage: f.usage, Field: f.yaml, Group: flagGroups[f.yaml], Alias: f.alias, IsBool: f.yaml == "fencing"}
	}
	return out
}

// FieldOf returns the YAML field set by a flag name or alias, or "".
func FieldOf(flag string) string {
	for _, f := range fields {
		if f.flag == flag || (f.alias != "" && f.alias == flag) {
			return f.yaml
		}
	}
	return ""
}

// Set sets the field bound to flag name (or its alias) from its text.
// Errors name the flag as typed.
func (s *Scenario) Set(flag, value string) error {
	for _, f := range fields {
		switch {
		case f.flag == flag:
			return f.set(s, value)
		case f.alias != "" && f.alias == flag:
			if err := f.set(s, value); err != nil {
				return errors.New(strings.Replace(err.Error(), "--"+f.flag+":", "--"+flag+":", 1))
			}
			return nil
		}
	}
	return fmt.Errorf("--%s: not a scenario flag", flag)
}
