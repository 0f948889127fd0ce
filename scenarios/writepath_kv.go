package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// RedisTemplates are a write_path's Lua scripts for the redis driver
// (drivers/redis TemplateStore documents KEYS, ARGV and the replies).
// KeyPattern names each key's Redis key: "{key}" is replaced by the key
// index 0 … keys−1.
type RedisTemplates struct {
	KeyPattern string     `yaml:"key_pattern" json:"key_pattern"`
	Setup      Statements `yaml:"setup,omitempty" json:"setup,omitempty"`
	Read       string     `yaml:"read" json:"read"`
	CAS        string     `yaml:"cas" json:"cas"`
	Write      string     `yaml:"write,omitempty" json:"write,omitempty"`
	Audit      string     `yaml:"audit,omitempty" json:"audit,omitempty"`
	Teardown   Statements `yaml:"teardown,omitempty" json:"teardown,omitempty"`
}

// RedisTemplateNames are the fields of a write_path.redis entry.
var RedisTemplateNames = []string{"key_pattern", "setup", "read", "cas", "write", "audit", "teardown"}

// checkFields refuses an unknown field of a driver's entry, and a
// non-string where one string is wanted.
func checkFields(driver string, n *yaml.Node, allowed, lists []string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("write_path.%s (line %d): want a mapping of templates (%s), got a %s", driver, n.Line, strings.Join(allowed, ", "), kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			hint := ""
			if driver == "redis" && k.Value == "lock_read" {
				hint = "; Redis has no row lock, so pessimistic is not offered"
			}
			return fmt.Errorf("write_path.%s (line %d): unknown template %q (allowed: %s%s)", driver, k.Line, k.Value, strings.Join(allowed, ", "), hint)
		case slices.Contains(lists, k.Value):
		case v.Kind != yaml.ScalarNode:
			return fmt.Errorf("write_path.%s.%s (line %d): want a Lua script (a string), got a %s", driver, k.Value, k.Line, kindName(v))
		}
	}
	return nil
}

// UnmarshalYAML reads a redis entry, refusing an unknown field.
func (t *RedisTemplates) UnmarshalYAML(n *yaml.Node) error {
	if err := checkFields("redis", n, RedisTemplateNames, []string{"setup", "teardown"}); err != nil {
		return err
	}
	type plain RedisTemplates
	return n.Decode((*plain)(t))
}

// Check refuses a redis entry the store could not run: key_pattern
// without exactly one {key}, read or cas missing, an empty script.
// Lua itself is compiled by the server (SCRIPT LOAD) at Setup.
func (t *RedisTemplates) Check() error {
	if c := strings.Count(t.KeyPattern, "{key}"); c != 1 {
		return errWritePath("redis", "key_pattern", "must contain {key} exactly once (e.g. \"orders:{key}\": the key index 0 … keys−1), got %q", t.KeyPattern)
	}
	for name, src := range map[string]string{"read": t.Read, "cas": t.CAS} {
		if strings.TrimSpace(src) == "" {
			return errWritePath("redis", name, "required (a write_path needs read and cas; write, audit, setup and teardown are optional)")
		}
	}
	for _, l := range []struct {
		name string
		list Statements
	}{{"setup", t.Setup}, {"teardown", t.Teardown}} {
		for i, src := range l.list {
			if strings.TrimSpace(src) == "" {
				return errWritePath("redis", fmt.Sprintf("%s[%d]", l.name, i), "empty script (remove it, or write the Lua)")
			}
		}
	}
	return nil
}
