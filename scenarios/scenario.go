package scenarios

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/delay"
)

// Duration is a time.Duration written as "250ms", "2s" in YAML and JSON.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: want a duration like 250ms or 2s, got %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// Stall is a lease-holder pause: probability per leased attempt, and length.
type Stall struct {
	Prob     float64  `yaml:"prob" json:"prob"`
	Duration Duration `yaml:"duration" json:"duration"`
}

// Scenario is one scenario file. The YAML names are the contract.
type Scenario struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`

	Driver     string            `yaml:"driver" json:"driver"`
	DSN        string            `yaml:"dsn,omitempty" json:"dsn,omitempty"`
	Image      string            `yaml:"image,omitempty" json:"image,omitempty"`
	Params     map[string]string `yaml:"params,omitempty" json:"params,omitempty"`
	LeaseStore string            `yaml:"lease_store,omitempty" json:"lease_store,omitempty"`
	LeaseDSN   string            `yaml:"lease_dsn,omitempty" json:"lease_dsn,omitempty"`

	Strategies      []string `yaml:"strategies" json:"strategies"`
	Backoffs        []string `yaml:"backoffs" json:"backoffs"`
	BackoffBase     Duration `yaml:"backoff_base" json:"backoff_base"`
	BackoffCap      Duration `yaml:"backoff_cap" json:"backoff_cap"`
	MaxAttempts     int      `yaml:"max_attempts" json:"max_attempts"`
	MaxElapsed      Duration `yaml:"max_elapsed" json:"max_elapsed"`
	Budget          float64  `yaml:"budget" json:"budget"`
	BudgetRetryCost float64  `yaml:"budget_retry_cost" json:"budget_retry_cost"`
	BudgetRefund    float64  `yaml:"budget_refund" json:"budget_refund"`

	OnConflict  string `yaml:"on_conflict" json:"on_conflict"`
	Scope       string `yaml:"scope" json:"scope"`
	FieldGroups int    `yaml:"field_groups" json:"field_groups"`
	// FieldGroupNames, when set, names each field group (one per group,
	// in order): classes may then name their field_group.
	FieldGroupNames []string `yaml:"field_group_names,omitempty" json:"field_group_names,omitempty"`
	Fencing         bool     `yaml:"fencing" json:"fencing"`
	LeaseTTL        Duration `yaml:"lease_ttl" json:"lease_ttl"`
	LeaseStall      Stall    `yaml:"lease_stall" json:"lease_stall"`

	// The hybrid strategy: the lock a key escalates to (HybridLockValues),
	// after EscalateAfter conflicts within EscalateWindow, until it goes
	// DeescalateAfter without contention (0 = EscalateWindow).
	HybridLock      string   `yaml:"hybrid_lock" json:"hybrid_lock"`
	EscalateAfter   int      `yaml:"escalate_after" json:"escalate_after"`
	EscalateWindow  Duration `yaml:"escalate_window" json:"escalate_window"`
	DeescalateAfter Duration `yaml:"deescalate_after" json:"deescalate_after"`
	// Audit is what the audit checks: "counts" (committed ops against
	// the store's counters) or "ops" (every committed op's identity,
	// kept in the store's op log: drivers.OpLogger). "" is counts.
	Audit string `yaml:"audit,omitempty" json:"audit,omitempty"`

	Writers      []int   `yaml:"writers" json:"writers"`
	Keys         int     `yaml:"keys" json:"keys"`
	Distribution string  `yaml:"distribution" json:"distribution"`
	ZipfTheta    float64 `yaml:"zipf_theta" json:"zipf_theta"`
	HotFraction  float64 `yaml:"hot_fraction" json:"hot_fraction"`
	HotOps       float64 `yaml:"hot_ops" json:"hot_ops"`
	PayloadBytes int     `yaml:"payload_bytes" json:"payload_bytes"`

	Duration     Duration   `yaml:"duration" json:"duration"`
	OpsPerWriter int        `yaml:"ops_per_writer" json:"ops_per_writer"`
	Warmup       Duration   `yaml:"warmup" json:"warmup"`
	Think        Duration   `yaml:"think" json:"think"`
	Rate         float64    `yaml:"rate" json:"rate"`
	Latency      delay.Dist `yaml:"latency" json:"latency"`
	// Hold is the conflict window: the time a writer spends between its
	// read and its write (inside the lock or lease for pessimistic,
	// serializable and lease), drawn per attempt.
	Hold   delay.Dist `yaml:"hold" json:"hold"`
	Seed   uint64     `yaml:"seed" json:"seed"`
	Trials int        `yaml:"trials" json:"trials"`

	Thresholds []string `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`

	// Faults are injected into every cell: KIND@OFFSET[:DURATION], the
	// offset from the start of measurement (package faults).
	Faults []string `yaml:"faults,omitempty" json:"faults,omitempty"`
	// ErrorBackoff is how long a writer waits after an errored attempt
	// (not a conflict): POLICY[:BASE[,CAP]].
	ErrorBackoff string `yaml:"error_backoff" json:"error_backoff"`
	// Persistence is how a Redis container occbench starts keeps its
	// data: "" (the image's default), "none" (a restart loses
	// everything) or "aof" (append-only file, fsync on every write).
	Persistence string `yaml:"persistence,omitempty" json:"persistence,omitempty"`
	// OpTimeout bounds each attempt's store calls; ConnectTimeout each
	// connection attempt.
	OpTimeout      Duration `yaml:"op_timeout" json:"op_timeout"`
	ConnectTimeout Duration `yaml:"connect_timeout" json:"connect_timeout"`

	// WritePath, when set, runs the strategies over the user's own SQL
	// (writepath.go) instead of the built-in document.
	WritePath *WritePath `yaml:"write_path,omitempty" json:"write_path,omitempty"`

	// Classes, when set, run classes of writers together in one cell
	// (classes.go): they replace writers, strategies and backoffs.
	Classes []Class `yaml:"classes,omitempty" json:"classes,omitempty"`
	// Idempotency is the idempotent strategy's block (idempotency.go);
	// nil = its defaults.
	Idempotency *Idempotency `yaml:"idempotency,omitempty" json:"idempotency,omitempty"`
}

// Default returns a scenario with every field at its default.
func Default() Scenario {
	return Scenario{
		Name:         "custom",
		Driver:       "sqlite",
		Strategies:   []string{"optimistic"},
		Backoffs:     []string{"expo"},
		BackoffBase:  Duration(5 * time.Millisecond),
		BackoffCap:   Duration(time.Second),
		OnConflict:   "retry",
		Scope:        "document",
		FieldGroups:  1,
		Fencing:      true,
		LeaseTTL:     Duration(time.Second),
		LeaseStall:   Stall{Duration: Duration(1500 * time.Millisecond)},
		Writers:      []int{4},
		Keys:         1,
		Distribution: "uniform",
		ZipfTheta:    0.99,
		HotFraction:  0.2,
		HotOps:       0.8,
		PayloadBytes: 64,
		Duration:     Duration(10 * time.Second),
		Seed:         1,
		Trials:       1,

		BudgetRetryCost: 5,
		BudgetRefund:    1,

		ErrorBackoff:   backoff.DefaultErrorSpec,
		OpTimeout:      Duration(10 * time.Second),
		ConnectTimeout: Duration(10 * time.Second),

		HybridLock:     "lease",
		EscalateAfter:  3,
		EscalateWindow: Duration(time.Second),
	}
}

//go:embed *.yaml
var builtins embed.FS

// Builtin is a built-in scenario: its name and the question it answers
// (the first comment line of its file).
type Builtin struct {
	Name     string
	Question string
}

// Builtins lists the embedded scenarios, sorted by name.
func Builtins() []Builtin {
	entries, _ := fs.ReadDir(builtins, ".")
	var out []Builtin
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		b, _ := builtins.ReadFile(e.Name())
		q := ""
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "#") {
				q = strings.TrimSpace(strings.TrimPrefix(line, "#"))
				break
			}
		}
		out = append(out, Builtin{Name: name, Question: q})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Source returns the YAML text of a built-in.
func Source(name string) ([]byte, bool) {
	b, err := builtins.ReadFile(name + ".yaml")
	return b, err == nil
}

// Load resolves arg: a built-in name, or a path to a YAML file. The
// result has defaults for every field the file leaves out.
func Load(arg string) (Scenario, error) {
	s, _, err := LoadSource(arg)
	return s, err
}

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// Parse decodes a scenario from YAML, rejecting unknown fields with their
// line numbers. src names the file in errors.
func Parse(src string, b []byte) (Scenario, error) {
	s := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		msg := err.Error()
		if m := unknownField.FindAllStringSubmatch(msg, -1); m != nil {
			parts := make([]string, len(m))
			for i, mm := range m {
				parts[i] = fmt.Sprintf("line %s: unknown field %q", mm[1], mm[2])
			}
			return Scenario{}, fmt.Errorf("scenario %s: %s (allowed: %s)", src, strings.Join(parts, "; "), strings.Join(yamlFieldNames(), ", "))
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
		msg = strings.ReplaceAll(msg, "\n  ", "; ")
		return Scenario{}, fmt.Errorf("scenario %s: %s", src, nameFields(b, msg))
	}
	if err := checkClassKeys(src, &s, topKeys(b)); err != nil {
		return Scenario{}, err
	}
	s.applyClasses()
	return s, nil
}

// FieldNames lists the YAML field names, sorted.
func FieldNames() []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.yaml)
	}
	sort.Strings(out)
	return out
}

// ToMap returns the scenario as plain data for a results file, with
// connection strings passed through redact.
func (s Scenario) ToMap(redact func(string) string) map[string]any {
	c := s
	if redact != nil {
		c.DSN, c.LeaseDSN = redact(c.DSN), redact(c.LeaseDSN)
	}
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// FromMap rebuilds a scenario from a results file's scenario map.
func FromMap(m map[string]any) (Scenario, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return Scenario{}, err
	}
	s := Default()
	if err := json.Unmarshal(b, &s); err != nil {
		return Scenario{}, fmt.Errorf("scenario: %w", err)
	}
	return s, nil
}

// parseList splits a comma list for --flag. Empty items ("1,,4") and
// items listed twice are refused: either is a typo that would otherwise
// change what runs.
func parseList(flag, v string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("--%s: empty item in %q (want a comma list like a,b)", flag, v)
		}
		if seen[p] {
			return nil, fmt.Errorf("--%s: %q listed twice in %q", flag, p, v)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

func parseInts(flag, v string) ([]int, error) {
	items, err := parseList(flag, v)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, p := range items {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("--%s: want a comma list of integers like 1,4,16, got %q", flag, v)
		}
		out = append(out, n)
	}
	return out, nil
}

// Scopes returns the scope list: scope is one scope or a comma list,
// a sweep dimension ("document,field-group,operation" runs every cell
// once per scope, side by side).
func (s *Scenario) Scopes() []string {
	var out []string
	for _, v := range strings.Split(s.Scope, ",") {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}
