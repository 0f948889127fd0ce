package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/faults"
)

// Allowed lists the names the caller knows, for validating enum fields.
type Allowed struct {
	Drivers, Strategies, Backoffs, Distributions []string
}

// Allowed values of the fields whose names this package owns.
var (
	OnConflictValues = []string{"retry", "fail", "merge"}
	ScopeValues      = []string{"document", "field-group", "operation"}
	// HybridLockValues are the locks a hybrid key escalates to
	// (strategy.HybridLocks).
	HybridLockValues = []string{"lease", "row"}
	// AuditValues are the settings of audit ("" is counts).
	AuditValues = []string{"counts", "ops"}
	// PersistenceValues are the settings of persistence besides "".
	PersistenceValues = []string{"none", "aof"}
)

// MaxFieldGroups matches drivers.MaxFieldGroups.
const MaxFieldGroups = 16

// Validate reports the first bad field, naming it, its flag and the
// allowed values.
func (s *Scenario) Validate(a Allowed) error {
	bad := func(yamlName, format string, args ...any) error {
		f := flagName(yamlName)
		return fmt.Errorf("scenario %q: %s (--%s): %s", s.Name, yamlName, f, fmt.Sprintf(format, args...))
	}
	oneOf := func(yamlName, v string, allowed []string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		return bad(yamlName, "unknown value %q (allowed: %s)", v, strings.Join(allowed, ", "))
	}
	listOf := func(yamlName string, vs, allowed []string) error {
		if len(vs) == 0 {
			return bad(yamlName, "must name at least one (allowed: %s)", strings.Join(allowed, ", "))
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if err := oneOf(yamlName, v, allowed); err != nil {
				return err
			}
			if seen[v] {
				return bad(yamlName, "%q listed twice", v)
			}
			seen[v] = true
		}
		return nil
	}
	positive := func(yamlName string, d Duration) error {
		if d < 0 {
			return bad(yamlName, "must be ≥ 0, got %s", d)
		}
		return nil
	}
	if s.Name == "" || strings.ContainsAny(s.Name, "/\\ \t\n") {
		return bad("name", "must be non-empty with no spaces or slashes, got %q", s.Name)
	}
	if a.Drivers != nil {
		if err := oneOf("driver", s.Driver, a.Drivers); err != nil {
			return err
		}
		if s.LeaseStore != "" {
			if err := oneOf("lease_store", s.LeaseStore, a.Drivers); err != nil {
				return err
			}
		}
	}
	if err := s.validateGroupNames(bad); err != nil { // before the classes, which may name groups
		return err
	}
	if err := s.validateClasses(a); err != nil { // before strategies, which the classes set
		return err
	}
	s.applyClasses()
	if err := listOf("strategies", s.Strategies, a.Strategies); err != nil {
		return err
	}
	if err := listOf("backoffs", s.Backoffs, a.Backoffs); err != nil {
		return err
	}
	if s.BackoffBase <= 0 {
		return bad("backoff_base", "must be > 0, got %s", s.BackoffBase)
	}
	if s.BackoffCap < s.BackoffBase {
		return bad("backoff_cap", "must be ≥ backoff_base (%s), got %s", s.BackoffBase, s.BackoffCap)
	}
	if s.MaxAttempts < 0 {
		return bad("max_attempts", "must be ≥ 0 (0 = unlimited), got %d", s.MaxAttempts)
	}
	if err := positive("max_elapsed", s.MaxElapsed); err != nil {
		return err
	}
	if s.Budget < 0 {
		return bad("budget", "must be ≥ 0 (0 = off), got %v", s.Budget)
	}
	if s.Budget > 0 && s.BudgetRetryCost <= 0 {
		return bad("budget_retry_cost", "must be > 0, got %v", s.BudgetRetryCost)
	}
	if s.BudgetRefund < 0 {
		return bad("budget_refund", "must be ≥ 0, got %v", s.BudgetRefund)
	}
	if err := oneOf("on_conflict", s.OnConflict, OnConflictValues); err != nil {
		return err
	}
	if _, err := ParseOnConflict(s.OnConflict); err != nil { // the typed value agrees with the list
		return err
	}
	scopes := s.Scopes()
	for i, sc := range scopes {
		if err := oneOf("scope", sc, ScopeValues); err != nil {
			return err
		}
		if slices.Contains(scopes[:i], sc) {
			return bad("scope", "%q is listed twice", sc)
		}
	}
	if len(scopes) > 1 && len(s.Classes) > 0 {
		return bad("scope", "a list (%s) is not allowed with classes: a scenario of classes runs one cell per trial", s.Scope)
	}
	if s.Audit != "" {
		if err := oneOf("audit", s.Audit, AuditValues); err != nil {
			return err
		}
	}
	if s.FieldGroups < 1 || s.FieldGroups > MaxFieldGroups {
		return bad("field_groups", "must be 1 … %d, got %d", MaxFieldGroups, s.FieldGroups)
	}
	if s.LeaseTTL <= 0 {
		return bad("lease_ttl", "must be > 0, got %s", s.LeaseTTL)
	}
	if s.LeaseStall.Prob < 0 || s.LeaseStall.Prob > 1 {
		return bad("lease_stall", "probability must be in [0, 1], got %v", s.LeaseStall.Prob)
	}
	if err := positive("lease_stall", s.LeaseStall.Duration); err != nil {
		return err
	}
	if err := s.validateHybrid(bad, oneOf); err != nil {
		return err
	}
	if _, err := backoff.ParseSpec("error_backoff", s.ErrorBackoff); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"op_timeout", s.OpTimeout}, {"connect_timeout", s.ConnectTimeout}} {
		if d.v <= 0 || d.v.D() > time.Hour {
			return bad(d.name, "must be > 0 and ≤ 1h, got %s", d.v)
		}
	}
	if s.Persistence != "" {
		if err := oneOf("persistence", s.Persistence, PersistenceValues); err != nil {
			return err
		}
	}
	if _, err := faults.ParseList(s.Faults); err != nil {
		return bad("faults", "%v", err)
	}
	if len(s.Writers) == 0 {
		return bad("writers", "must list at least one writer count")
	}
	for _, w := range s.Writers {
		if w < 1 || w > 10000 {
			return bad("writers", "each must be 1 … 10000, got %d", w)
		}
	}
	if s.Keys < 1 {
		return bad("keys", "must be ≥ 1, got %d", s.Keys)
	}
	if a.Distributions != nil {
		if err := oneOf("distribution", s.Distribution, a.Distributions); err != nil {
			return err
		}
	}
	if s.ZipfTheta <= 0 || s.ZipfTheta >= 1 {
		return bad("zipf_theta", "must be in (0, 1), got %v", s.ZipfTheta)
	}
	if s.HotFraction <= 0 || s.HotFraction >= 1 {
		return bad("hot_fraction", "must be in (0, 1), got %v", s.HotFraction)
	}
	if s.HotOps <= 0 || s.HotOps >= 1 {
		return bad("hot_ops", "must be in (0, 1), got %v", s.HotOps)
	}
	if s.PayloadBytes < 0 || s.PayloadBytes > 1<<20 {
		return bad("payload_bytes", "must be 0 … 1048576, got %d", s.PayloadBytes)
	}
	if s.OpsPerWriter < 0 {
		return bad("ops_per_writer", "must be ≥ 0 (0 = run for duration), got %d", s.OpsPerWriter)
	}
	if s.OpsPerWriter == 0 && s.Duration <= 0 {
		return bad("duration", "must be > 0 when ops_per_writer is 0, got %s", s.Duration)
	}
	for _, d := range []struct {
		n string
		v Duration
	}{{"warmup", s.Warmup}, {"think", s.Think}} {
		if err := positive(d.n, d.v); err != nil {
			return err
		}
	}
	if s.Rate < 0 {
		return bad("rate", "must be ≥ 0 (0 = closed loop), got %v", s.Rate)
	}
	if s.Trials < 1 || s.Trials > 1000 {
		return bad("trials", "must be 1 … 1000, got %d", s.Trials)
	}
	if err := s.validateWritePath(bad); err != nil {
		return err
	}
	if err := s.validateIdem(); err != nil {
		return err
	}
	return s.validateBounds(bad)
}

// validateHybrid checks the hybrid strategy's fields, whatever the
// strategies: a scenario file stays valid when hybrid is added by a flag.
func (s *Scenario) validateHybrid(bad func(yamlName, format string, args ...any) error, oneOf func(yamlName, v string, allowed []string) error) error {
	if err := oneOf("hybrid_lock", s.HybridLock, HybridLockValues); err != nil {
		return err
	}
	if s.EscalateAfter < 1 {
		return bad("escalate_after", "must be ≥ 1, got %d", s.EscalateAfter)
	}
	if s.EscalateWindow <= 0 || s.EscalateWindow.D() > time.Hour {
		return bad("escalate_window", "must be > 0 and ≤ 1h, got %s", s.EscalateWindow)
	}
	if s.DeescalateAfter < 0 || s.DeescalateAfter.D() > time.Hour {
		return bad("deescalate_after", "must be ≥ 0 (0 = escalate_window) and ≤ 1h, got %s", s.DeescalateAfter)
	}
	return nil
}
