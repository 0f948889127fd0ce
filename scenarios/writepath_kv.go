package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// MongoUpdate is a conditional (cas) or unconditional (write) update:
// a filter and an update document, both extended JSON.
type MongoUpdate struct {
	Filter string `yaml:"filter" json:"filter"`
	Update string `yaml:"update" json:"update"`
}

// MongoTemplates are a write_path's documents for the mongo driver
// (drivers/mongo TemplateStore documents the placeholders and results).
// Every document is MongoDB extended JSON (relaxed or canonical) in a
// string; a placeholder is a JSON string whose whole value is the
// parameter, "@key", replaced by the typed value.
type MongoTemplates struct {
	Collection string       `yaml:"collection" json:"collection"`
	Setup      string       `yaml:"setup,omitempty" json:"setup,omitempty"` // the seed document of one key
	Read       string       `yaml:"read" json:"read"`                       // the filter of one key's document
	CAS        MongoUpdate  `yaml:"cas" json:"cas"`
	Write      *MongoUpdate `yaml:"write,omitempty" json:"write,omitempty"`
	Audit      string       `yaml:"audit,omitempty" json:"audit,omitempty"` // an aggregation pipeline (a JSON array)
	// Fields names the document's fields that hold what occbench reads
	// (version, counter, writer, op, updated_at, payload), where they
	// differ from those names: {counter: sold}.
	Fields map[string]string `yaml:"fields,omitempty" json:"fields,omitempty"`
}

// MongoReadFields are the names Fields may map.
var MongoReadFields = []string{"version", "counter", "writer", "op", "updated_at", "payload"}

// MongoTemplateNames are the fields of a write_path.mongo entry.
var MongoTemplateNames = []string{"collection", "setup", "read", "cas", "write", "audit", "fields"}

// checkFields refuses an unknown field of a driver's entry, and a
// non-string where one string is wanted.
func checkFields(driver string, n *yaml.Node, allowed, lists, maps []string) error {
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
		case slices.Contains(maps, k.Value):
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("write_path.%s.%s (line %d): want a mapping, got a %s", driver, k.Value, k.Line, kindName(v))
			}
		case slices.Contains(lists, k.Value):
		case v.Kind != yaml.ScalarNode:
			what := "a Lua script (a string)"
			if driver == "mongo" {
				what = "extended JSON in a string (quote it, or write it after > or |)"
			}
			return fmt.Errorf("write_path.%s.%s (line %d): want %s, got a %s", driver, k.Value, k.Line, what, kindName(v))
		}
	}
	return nil
}

// UnmarshalYAML reads a redis entry, refusing an unknown field.
func (t *RedisTemplates) UnmarshalYAML(n *yaml.Node) error {
	if err := checkFields("redis", n, RedisTemplateNames, []string{"setup", "teardown"}, nil); err != nil {
		return err
	}
	type plain RedisTemplates
	return n.Decode((*plain)(t))
}

// UnmarshalYAML reads a mongo entry, refusing an unknown field.
func (t *MongoTemplates) UnmarshalYAML(n *yaml.Node) error {
	if err := checkFields("mongo", n, MongoTemplateNames, nil, []string{"cas", "write", "fields"}); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "cas" || k.Value == "write" {
			if err := checkFields("mongo."+k.Value, v, []string{"filter", "update"}, nil, nil); err != nil {
				return err
			}
		}
	}
	type plain MongoTemplates
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

// Check refuses a mongo entry the store could not run: a missing
// collection, read or cas, or a document that is not extended JSON
// (the audit must be an array, the others objects). The store checks
// the placeholders, and the server the rest, at Open and Setup.
func (t *MongoTemplates) Check() error {
	if strings.TrimSpace(t.Collection) == "" || strings.ContainsAny(t.Collection, "$\x00") {
		return errWritePath("mongo", "collection", "must name a collection (no $), got %q", t.Collection)
	}
	for k, v := range t.Fields {
		if !slices.Contains(MongoReadFields, k) {
			return errWritePath("mongo", "fields", "unknown field %q (allowed: %s)", k, strings.Join(MongoReadFields, ", "))
		}
		if v == "" || strings.HasPrefix(v, "$") || strings.Contains(v, ".") {
			return errWritePath("mongo", "fields", "%s: want a top-level field name (no $ or .), got %q", k, v)
		}
	}
	docs := []struct {
		name, src string
		need      bool
	}{
		{"read", t.Read, true}, {"cas.filter", t.CAS.Filter, true}, {"cas.update", t.CAS.Update, true},
		{"setup", t.Setup, false}, {"audit", t.Audit, false},
	}
	if t.Write != nil {
		docs = append(docs, struct {
			name, src string
			need      bool
		}{"write.filter", t.Write.Filter, true}, struct {
			name, src string
			need      bool
		}{"write.update", t.Write.Update, true})
	}
	for _, d := range docs {
		if strings.TrimSpace(d.src) == "" {
			if d.need {
				return errWritePath("mongo", d.name, "required (a write_path needs read and cas with filter and update; write, setup and audit are optional)")
			}
			continue
		}
		var err error
		if d.name == "audit" {
			var a bson.A
			err = bson.UnmarshalExtJSON([]byte(`{"p":`+d.src+`}`), false, &struct {
				P *bson.A `bson:"p"`
			}{&a})
		} else {
			var m bson.D
			err = bson.UnmarshalExtJSON([]byte(d.src), false, &m)
		}
		if err != nil {
			want := "a JSON object"
			if d.name == "audit" {
				want = "an aggregation pipeline (a JSON array of stages)"
			}
			return errWritePath("mongo", d.name, "want extended JSON, %s: %s", want, strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	return nil
}
