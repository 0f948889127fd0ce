package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Class is one class of writers of a scenario's classes block: writers
// that run together with the other classes' in one cell, on the same
// documents, each class with its own count, strategy, backoff, field
// group and think time or rate (seed 001's field ownership: editors
// and workers writing their own fields of one record).
type Class struct {
	Name     string `yaml:"name" json:"name"`
	Writers  int    `yaml:"writers" json:"writers"`
	Strategy string `yaml:"strategy" json:"strategy"`
	Backoff  string `yaml:"backoff" json:"backoff"`
	// FieldGroup is the field group every writer of the class writes,
	// 0 … field_groups − 1. In YAML it may be a name of the scenario's
	// field_group_names instead (FieldGroupName), which Validate
	// resolves to its index.
	FieldGroup     int    `yaml:"field_group" json:"field_group"`
	FieldGroupName string `yaml:"-" json:"-"`
	// Think is the pause between a writer's ops; Rate, when > 0, runs
	// the class open loop at Rate ops/s across its writers.
	Think Duration `yaml:"think,omitempty" json:"think,omitempty"`
	Rate  float64  `yaml:"rate,omitempty" json:"rate,omitempty"`
}

// UnmarshalYAML decodes a class, refusing unknown fields (with the class
// fields allowed) and taking field_group as an index or a name.
func (c *Class) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a class: a mapping of %s", n.Line, strings.Join(classFields, ", "))
	}
	var group *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(classFields, k.Value) {
			return fmt.Errorf("line %d: unknown class field %q (allowed: %s)", k.Line, k.Value, strings.Join(classFields, ", "))
		}
		if k.Value == "field_group" {
			group = n.Content[i+1]
		}
	}
	type plain struct {
		Name     string   `yaml:"name"`
		Writers  int      `yaml:"writers"`
		Strategy string   `yaml:"strategy"`
		Backoff  string   `yaml:"backoff"`
		Group    any      `yaml:"field_group"`
		Think    Duration `yaml:"think"`
		Rate     float64  `yaml:"rate"`
	}
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Class{Name: p.Name, Writers: p.Writers, Strategy: p.Strategy, Backoff: p.Backoff, Think: p.Think, Rate: p.Rate}
	if group == nil {
		return nil
	}
	if group.Kind == yaml.ScalarNode && group.Tag == "!!int" {
		return group.Decode(&c.FieldGroup)
	}
	if group.Kind != yaml.ScalarNode || group.Value == "" {
		return fmt.Errorf("line %d: field_group: want an index or a name of field_group_names", group.Line)
	}
	c.FieldGroupName = group.Value
	return nil
}

// classSwept are the fields a classes block replaces: a scenario that
// sets both is refused (ClassSweepFields).
var classSwept = []string{"writers", "strategies", "backoffs"}

// ClassSweepFields are the scenario fields that the classes block
// replaces (each class sets its own): a scenario or a flag that sets
// one of them beside classes is refused.
func ClassSweepFields() []string { return slices.Clone(classSwept) }

var className = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// MaxWriters bounds a cell's writers (a writers item, or the sum of the
// classes' writers).
const MaxWriters = 10000

// checkClassKeys refuses a scenario file that sets classes and a field
// the classes replace.
func checkClassKeys(src string, s *Scenario, keys map[string]bool) error {
	if len(s.Classes) == 0 {
		return nil
	}
	for _, f := range classSwept {
		if keys[f] {
			return fmt.Errorf("scenario %s: %s: not with classes (each class sets its own writers, strategy and backoff; remove %s)", src, f, f)
		}
	}
	return nil
}

// applyClasses sets the swept fields from the classes: writers is the
// classes' total, strategies and backoffs their distinct values in class
// order, so that what reads them (lease store and fault checks, plans)
// sees what the cell runs.
func (s *Scenario) applyClasses() {
	if len(s.Classes) == 0 {
		return
	}
	total := 0
	var strats, backoffs []string
	for _, c := range s.Classes {
		total += c.Writers
		if !slices.Contains(strats, c.Strategy) {
			strats = append(strats, c.Strategy)
		}
		if !slices.Contains(backoffs, c.Backoff) {
			backoffs = append(backoffs, c.Backoff)
		}
	}
	s.Writers, s.Strategies, s.Backoffs = []int{total}, strats, backoffs
}

// ClassLabels are the strategy and backoff a cell of classes carries in
// results: the classes' distinct strategies and backoffs, in class
// order, joined by "+" ("optimistic+lease", "expo+full-jitter").
func (s *Scenario) ClassLabels() (strategy, backoff string) {
	var strats, backoffs []string
	for _, c := range s.Classes {
		if !slices.Contains(strats, c.Strategy) {
			strats = append(strats, c.Strategy)
		}
		if !slices.Contains(backoffs, c.Backoff) {
			backoffs = append(backoffs, c.Backoff)
		}
	}
	return strings.Join(strats, "+"), strings.Join(backoffs, "+")
}

// ClassWriters is the sum of the classes' writers.
func (s *Scenario) ClassWriters() int {
	n := 0
	for _, c := range s.Classes {
		n += c.Writers
	}
	return n
}

// validateClasses checks the classes block: each error names
// classes[i].field and the allowed values.
func (s *Scenario) validateClasses(a Allowed) error {
	if len(s.Classes) == 0 {
		return nil
	}
	bad := func(i int, field, format string, args ...any) error {
		return fmt.Errorf("scenario %q: classes[%d].%s: %s", s.Name, i, field, fmt.Sprintf(format, args...))
	}
	seen := map[string]int{}
	total := 0
	for i, c := range s.Classes {
		if !className.MatchString(c.Name) {
			return bad(i, "name", "want 1 … 32 letters, digits, - or _ (starting with a letter or digit), got %q", c.Name)
		}
		if j, dup := seen[c.Name]; dup {
			return bad(i, "name", "%q is also classes[%d]'s name", c.Name, j)
		}
		seen[c.Name] = i
		if c.Writers < 1 || c.Writers > MaxWriters {
			return bad(i, "writers", "must be 1 … %d, got %d", MaxWriters, c.Writers)
		}
		total += c.Writers
		if c.Strategy == "idempotent" {
			// Its audit counts the effects its deliveries applied, a
			// cell's alone: it runs without classes (scenario idempotency).
			return bad(i, "strategy", "idempotent runs alone, not in a class (use the idempotency scenario)")
		}
		if a.Strategies != nil && !slices.Contains(a.Strategies, c.Strategy) {
			allowed := slices.DeleteFunc(slices.Clone(a.Strategies), func(s string) bool { return s == "idempotent" })
			return bad(i, "strategy", "unknown value %q (allowed: %s)", c.Strategy, strings.Join(allowed, ", "))
		}
		if a.Backoffs != nil && !slices.Contains(a.Backoffs, c.Backoff) {
			return bad(i, "backoff", "unknown value %q (allowed: %s)", c.Backoff, strings.Join(a.Backoffs, ", "))
		}
		if c.FieldGroupName != "" {
			j := slices.Index(s.FieldGroupNames, c.FieldGroupName)
			if j < 0 {
				return bad(i, "field_group", "unknown field group %q (allowed: 0 … %d%s)", c.FieldGroupName, s.FieldGroups-1, groupNamesText(s.FieldGroupNames))
			}
			s.Classes[i].FieldGroup, s.Classes[i].FieldGroupName = j, ""
			c.FieldGroup = j
		}
		if s.FieldGroups >= 1 && s.FieldGroups <= MaxFieldGroups && (c.FieldGroup < 0 || c.FieldGroup >= s.FieldGroups) {
			return bad(i, "field_group", "must be 0 … %d (field_groups is %d), got %d", s.FieldGroups-1, s.FieldGroups, c.FieldGroup)
		}
		if c.Think < 0 || c.Think.D() > MaxThink {
			return bad(i, "think", "must be 0 … %s, got %s", fmtBound(MaxThink), c.Think)
		}
		if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
			return bad(i, "rate", "must be a finite number ≥ 0 (0 = closed loop), got %v", c.Rate)
		}
	}
	if total > MaxWriters {
		return fmt.Errorf("scenario %q: classes: %d writers in all, more than %d", s.Name, total, MaxWriters)
	}
	if s.Think != 0 {
		return fmt.Errorf("scenario %q: think (--think): not with classes: set think per class (classes[i].think)", s.Name)
	}
	if s.Rate != 0 {
		return fmt.Errorf("scenario %q: rate (--rate): not with classes: set rate per class (classes[i].rate)", s.Name)
	}
	return nil
}

// groupNamesText lists names for an error: ", or content, assets", or
// "" when the groups have none.
func groupNamesText(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ", or " + strings.Join(names, ", ")
}

// validateGroupNames checks field_group_names: one distinct, non-empty
// name per field group, or none.
func (s *Scenario) validateGroupNames(bad func(yamlName, format string, args ...any) error) error {
	if len(s.FieldGroupNames) == 0 {
		return nil
	}
	if len(s.FieldGroupNames) != s.FieldGroups {
		return bad("field_group_names", "%d names for %d field groups (field_groups): name every group, or none", len(s.FieldGroupNames), s.FieldGroups)
	}
	for i, n := range s.FieldGroupNames {
		if !className.MatchString(n) {
			return bad("field_group_names", "want 1 … 32 letters, digits, - or _ per name, got %q", n)
		}
		if slices.Index(s.FieldGroupNames, n) != i {
			return bad("field_group_names", "%q listed twice", n)
		}
	}
	return nil
}

// GroupName is the name of field group g (field_group_names), or "".
func (s *Scenario) GroupName(g int) string {
	if g < 0 || g >= len(s.FieldGroupNames) {
		return ""
	}
	return s.FieldGroupNames[g]
}

// classFields are the fields of a class, in the order Class declares them.
var classFields = []string{"name", "writers", "strategy", "backoff", "field_group", "think", "rate"}
