package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/occbench/occbench/drivers/sqltemplate/placeholder"
)

// WritePath is the write_path block: per driver, the user's own write
// path that the strategies compose instead of occbench's built-in
// document: SQL for postgres and sqlite (package drivers/sqltemplate
// runs it), Lua scripts for redis (drivers/redis TemplateStore),
// extended-JSON filters, updates and an aggregation for mongo
// (drivers/mongo TemplateStore). Only the entry of the scenario's
// driver is used; a file may carry several, so that --driver switches
// between them.
type WritePath struct {
	Postgres *SQLTemplates   `yaml:"postgres,omitempty" json:"postgres,omitempty"`
	SQLite   *SQLTemplates   `yaml:"sqlite,omitempty" json:"sqlite,omitempty"`
	Redis    *RedisTemplates `yaml:"redis,omitempty" json:"redis,omitempty"`
	Mongo    *MongoTemplates `yaml:"mongo,omitempty" json:"mongo,omitempty"`
}

// WritePathDrivers are the drivers a write_path block has entries for.
var WritePathDrivers = []string{"mongo", "postgres", "redis", "sqlite"}

// Has reports whether the block has an entry for driver.
func (w *WritePath) Has(driver string) bool {
	if w == nil {
		return false
	}
	switch driver {
	case "redis":
		return w.Redis != nil
	case "mongo":
		return w.Mongo != nil
	}
	return w.For(driver) != nil
}

// HasAudit reports whether driver's entry has an audit template.
func (w *WritePath) HasAudit(driver string) bool {
	switch {
	case !w.Has(driver):
		return false
	case driver == "redis":
		return strings.TrimSpace(w.Redis.Audit) != ""
	case driver == "mongo":
		return strings.TrimSpace(w.Mongo.Audit) != ""
	}
	return w.For(driver).Audit != ""
}

// For returns the SQL entry of driver (postgres, sqlite), or nil.
func (w *WritePath) For(driver string) *SQLTemplates {
	if w == nil {
		return nil
	}
	switch driver {
	case "postgres":
		return w.Postgres
	case "sqlite":
		return w.SQLite
	}
	return nil
}

// SQLTemplates are one driver's statements. Parameters are named (@key,
// @version, …: placeholder.Allowed lists each template's) and always
// bound, never interpolated.
type SQLTemplates struct {
	Setup    Statements `yaml:"setup,omitempty" json:"setup,omitempty"`
	Read     string     `yaml:"read" json:"read"`
	CAS      string     `yaml:"cas" json:"cas"`
	Write    string     `yaml:"write,omitempty" json:"write,omitempty"`
	LockRead string     `yaml:"lock_read,omitempty" json:"lock_read,omitempty"`
	Audit    string     `yaml:"audit,omitempty" json:"audit,omitempty"`
	Teardown Statements `yaml:"teardown,omitempty" json:"teardown,omitempty"`
}

// Template returns the text of the named single-statement template.
func (t *SQLTemplates) Template(name string) string {
	switch name {
	case placeholder.Read:
		return t.Read
	case placeholder.CAS:
		return t.CAS
	case placeholder.Write:
		return t.Write
	case placeholder.LockRead:
		return t.LockRead
	case placeholder.Audit:
		return t.Audit
	}
	return ""
}

// Statements is a list of SQL statements; YAML may give one as a plain
// string.
type Statements []string

// UnmarshalYAML reads a string or a list of strings.
func (s *Statements) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = Statements{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(Statements, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("write_path (line %d): want a SQL statement (a string), got a %s", c.Line, kindName(c))
			}
			out = append(out, c.Value)
		}
		*s = out
		return nil
	}
	return fmt.Errorf("write_path (line %d): want a SQL statement or a list of them, got a %s", n.Line, kindName(n))
}

// UnmarshalYAML reads the block, refusing an unknown driver with the
// drivers it has entries for.
func (w *WritePath) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("write_path (line %d): want a mapping of driver names (%s), got a %s", n.Line, strings.Join(WritePathDrivers, ", "), kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "redis":
			var t RedisTemplates
			if err := v.Decode(&t); err != nil {
				return err
			}
			w.Redis = &t
			continue
		case "mongo":
			var t MongoTemplates
			if err := v.Decode(&t); err != nil {
				return err
			}
			w.Mongo = &t
			continue
		}
		var t SQLTemplates
		if err := v.Decode(&t); err != nil {
			return err
		}
		switch k.Value {
		case "postgres":
			w.Postgres = &t
		case "sqlite":
			w.SQLite = &t
		default:
			return fmt.Errorf("write_path.%s (line %d): unknown driver %q (allowed: %s)", k.Value, k.Line, k.Value, strings.Join(WritePathDrivers, ", "))
		}
	}
	return nil
}

// UnmarshalYAML reads one driver's templates, refusing an unknown name
// with the template names.
func (t *SQLTemplates) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("write_path (line %d): want a mapping of templates (%s), got a %s", n.Line, strings.Join(placeholder.Templates(), ", "), kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(placeholder.Templates(), k.Value) {
			return fmt.Errorf("write_path (line %d): unknown template %q (allowed: %s)", k.Line, k.Value, strings.Join(placeholder.Templates(), ", "))
		}
		if k.Value != placeholder.Setup && k.Value != placeholder.Teardown && v.Kind != yaml.ScalarNode {
			return fmt.Errorf("write_path (line %d): %s: want one SQL statement (a string), got a %s", k.Line, k.Value, kindName(v))
		}
	}
	type plain SQLTemplates // no UnmarshalYAML: no recursion
	return n.Decode((*plain)(t))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// errWritePath names a template: "write_path.sqlite.cas: …".
func errWritePath(driver, template, format string, args ...any) error {
	return fmt.Errorf("write_path.%s.%s: %s", driver, template, fmt.Sprintf(format, args...))
}

// Dialect returns the placeholder dialect of a write_path driver.
func Dialect(driver string) placeholder.Dialect {
	if driver == "postgres" {
		return placeholder.Postgres
	}
	return placeholder.SQLite
}

// Check refuses a template set the store could not run: read or cas
// missing, an unknown or positional parameter, two statements in one
// template, an empty one. Errors name the template as
// write_path.DRIVER.NAME. The server judges the SQL itself when the
// store prepares it.
func (t *SQLTemplates) Check(driver string) error {
	d := Dialect(driver)
	for _, name := range []string{placeholder.Read, placeholder.CAS} {
		if strings.TrimSpace(t.Template(name)) == "" {
			return errWritePath(driver, name, "required (a write_path needs read and cas; write, lock_read, audit, setup and teardown are optional)")
		}
	}
	for _, name := range placeholder.Templates() {
		allowed, _ := placeholder.Allowed(name)
		var stmts []string
		switch name {
		case placeholder.Setup:
			stmts = t.Setup
		case placeholder.Teardown:
			stmts = t.Teardown
		default:
			if t.Template(name) == "" {
				continue
			}
			stmts = []string{t.Template(name)}
		}
		for i, sql := range stmts {
			path := name
			if name == placeholder.Setup || name == placeholder.Teardown {
				path = fmt.Sprintf("%s[%d]", name, i)
			}
			if _, err := placeholder.Parse(d, sql, allowed); err != nil {
				if errors.Is(err, placeholder.ErrEmpty) {
					return errWritePath(driver, path, "empty statement (remove it, or write the SQL)")
				}
				return errWritePath(driver, path, "%v", err)
			}
		}
	}
	return nil
}

// validateWritePath checks the write_path block against the rest of the
// scenario: a driver it has an entry for, each entry's templates, and
// the fields a template store cannot honour.
func (s *Scenario) validateWritePath(bad func(yamlName, format string, args ...any) error) error {
	w := s.WritePath
	if w == nil {
		return nil
	}
	prefix := fmt.Sprintf("scenario %q: ", s.Name)
	if !slices.Contains(WritePathDrivers, s.Driver) {
		return fmt.Errorf("%swrite_path: driver %s runs no templates (write_path supports %s)", prefix, s.Driver, strings.Join(WritePathDrivers, ", "))
	}
	if !w.Has(s.Driver) {
		var have []string
		for _, d := range WritePathDrivers {
			if w.Has(d) {
				have = append(have, d)
			}
		}
		return fmt.Errorf("%swrite_path: no %s entry for driver %s (entries: %s)", prefix, s.Driver, s.Driver, strings.Join(have, ", "))
	}
	for _, d := range WritePathDrivers {
		var err error
		switch {
		case d == "redis" && w.Redis != nil:
			err = w.Redis.Check()
		case d == "mongo" && w.Mongo != nil:
			err = w.Mongo.Check()
		case w.For(d) != nil:
			err = w.For(d).Check(d)
		}
		if err != nil {
			return fmt.Errorf("%s%w", prefix, err)
		}
	}
	if s.FieldGroups != 1 {
		return bad("field_groups", "must be 1 with a write_path (a template writes the row of @key as a whole), got %d", s.FieldGroups)
	}
	if s.Scope != "document" {
		return bad("scope", "must be document with a write_path (the templates compare one version per row), got %q", s.Scope)
	}
	if s.Audit == "ops" {
		return bad("audit", "must be counts with a write_path (a template's store keeps no op log), got %q", s.Audit)
	}
	if len(s.Params) > 0 {
		return bad("params", "a write_path store takes no driver params (the templates say how to lock and write)")
	}
	return nil
}

// yamlFieldNames are the top-level YAML names: the fields with a flag,
// and write_path, which has none.
func yamlFieldNames() []string {
	names := []string{"write_path", "classes", "idempotency"}
	for _, n := range FieldNames() {
		if !strings.HasPrefix(n, "idempotency.") { // the block's fields
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
