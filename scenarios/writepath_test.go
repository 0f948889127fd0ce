package scenarios

import (
	"strings"
	"testing"
)

const wpBase = "name: wp\ndriver: sqlite\n"

const wpOK = `write_path:
  sqlite:
    setup: CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER)
    read: SELECT version FROM t WHERE id = @key
    cas: UPDATE t SET version = @new_version WHERE id = @key AND version = @version
`

func TestWritePathParse(t *testing.T) {
	s, err := Parse("wp.yaml", []byte(wpBase+wpOK+"    teardown: [DROP TABLE t, VACUUM]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(testAllowed); err != nil {
		t.Fatal(err)
	}
	w := s.WritePath.For("sqlite")
	if w == nil || len(w.Setup) != 1 || len(w.Teardown) != 2 || w.Read == "" || s.WritePath.For("postgres") != nil {
		t.Fatalf("parsed %+v", s.WritePath)
	}
	// The block survives a results file's scenario map.
	back, err := FromMap(s.ToMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if b := back.WritePath.For("sqlite"); b == nil || b.CAS != w.CAS || len(b.Teardown) != 2 {
		t.Errorf("FromMap(ToMap) write_path = %+v", back.WritePath)
	}
}

// TestWritePathRefusals: every refusal is one line naming the block,
// the template or the field, and what is allowed.
func TestWritePathRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown driver key", wpBase + "write_path:\n  oracle:\n    read: x\n", `write_path.oracle (line 4): unknown driver "oracle" (allowed: mongo, postgres, redis, sqlite)`},
		{"redis entry only", wpBase + "write_path:\n  redis:\n    read: x\n", `scenario "wp": write_path: no sqlite entry for driver sqlite (entries: redis)`},
		{"redis lock_read", wpBase + "write_path:\n  redis:\n    lock_read: x\n", `write_path.redis (line 5): unknown template "lock_read" (allowed: key_pattern, setup, read, cas, write, audit, teardown; Redis has no row lock`},
		{"redis list for cas", wpBase + "write_path:\n  redis:\n    cas: [a]\n", "write_path.redis.cas (line 5): want a Lua script (a string), got a list"},
		{"redis key pattern", wpBase + wpOK + "  redis:\n    key_pattern: orders\n    read: return 1\n    cas: return 1\n", `write_path.redis.key_pattern: must contain {key} exactly once`},
		{"redis missing cas", wpBase + wpOK + "  redis:\n    key_pattern: o:{key}\n    read: return 1\n", `write_path.redis.cas: required`},
		{"redis empty setup", wpBase + wpOK + "  redis:\n    key_pattern: o:{key}\n    read: return 1\n    cas: return 1\n    setup: ['  ']\n", `write_path.redis.setup[0]: empty script`},
		{"mongo unquoted", wpBase + "write_path:\n  mongo:\n    read: {_id: 1}\n", "write_path.mongo.read (line 5): want extended JSON in a string"},
		{"mongo cas not mapping", wpBase + "write_path:\n  mongo:\n    cas: x\n", "write_path.mongo.cas (line 5): want a mapping, got a scalar"},
		{"mongo cas field", wpBase + "write_path:\n  mongo:\n    cas: {filtre: x}\n", `write_path.mongo.cas (line 5): unknown template "filtre" (allowed: filter, update)`},
		{"mongo bad json", wpBase + wpOK + "  mongo:\n    collection: c\n    read: '{\"_id\": '\n    cas: {filter: '{}', update: '{}'}\n", `write_path.mongo.read: want extended JSON, a JSON object`},
		{"mongo audit not array", wpBase + wpOK + "  mongo:\n    collection: c\n    read: '{}'\n    cas: {filter: '{}', update: '{}'}\n    audit: '{}'\n", `write_path.mongo.audit: want extended JSON, an aggregation pipeline`},
		{"mongo fields", wpBase + wpOK + "  mongo:\n    collection: c\n    read: '{}'\n    cas: {filter: '{}', update: '{}'}\n    fields: {count: sold}\n", `write_path.mongo.fields: unknown field "count" (allowed: version, counter`},
		{"mongo no collection", wpBase + wpOK + "  mongo:\n    read: '{}'\n    cas: {filter: '{}', update: '{}'}\n", `write_path.mongo.collection: must name a collection`},
		{"unknown template", wpBase + "write_path:\n  sqlite:\n    reed: x\n", `write_path (line 5): unknown template "reed" (allowed: setup, read, cas, write, lock_read, audit, teardown)`},
		{"list for one statement", wpBase + "write_path:\n  sqlite:\n    cas: [a, b]\n", "write_path (line 5): cas: want one SQL statement (a string), got a list"},
		{"not a mapping", wpBase + "write_path: yes\n", "write_path (line 3): want a mapping of driver names"},
		{"unknown top-level field", wpBase + "write_paths: {}\n", "write_path, writers"},
		{"missing cas", wpBase + "write_path:\n  sqlite:\n    read: SELECT version FROM t WHERE id = @key\n", `scenario "wp": write_path.sqlite.cas: required`},
		{"unknown parameter", wpBase + strings.Replace(wpOK, "@new_version", "@next", 1), `scenario "wp": write_path.sqlite.cas: unknown parameter @next at offset 23 (allowed here: @key, @version, @new_version, @writer, @op, @payload, @updated_at)`},
		{"keys in read", wpBase + strings.Replace(wpOK, "id = @key\n", "id = @keys\n", 1), `write_path.sqlite.read: unknown parameter @keys`},
		{"positional", wpBase + strings.Replace(wpOK, "id = @key\n", "id = ?\n", 1), `write_path.sqlite.read: parameter ? at offset`},
		{"two statements", wpBase + strings.Replace(wpOK, "id = @key\n", "id = @key; DELETE FROM t\n", 1), `write_path.sqlite.read: a second statement`},
		{"empty setup", wpBase + strings.Replace(wpOK, "setup: CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER)", "setup: ['-- nothing']", 1), `write_path.sqlite.setup[0]: empty statement`},
		{"postgres entry checked too", wpBase + wpOK + "  postgres:\n    read: SELECT $1\n    cas: x\n", `write_path.postgres.read: positional parameter $1`},
		{"no entry for the driver", wpBase + strings.Replace(wpOK, "sqlite:", "postgres:", 1), `scenario "wp": write_path: no sqlite entry for driver sqlite (entries: postgres)`},
		{"driver without templates", "name: wp\ndriver: memory\n" + wpOK, `write_path: driver memory runs no templates (write_path supports mongo, postgres, redis, sqlite)`},
		{"field groups", wpBase + "field_groups: 2\n" + wpOK, "field_groups (--field-groups): must be 1 with a write_path"},
		{"scope", wpBase + "scope: field-group\n" + wpOK, `scope (--scope): must be document with a write_path`},
		{"params", wpBase + "params: {lock_wait: nowait}\n" + wpOK, "params (--params): a write_path store takes no driver params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("wp.yaml", []byte(tc.yaml))
			if err == nil {
				err = s.Validate(testAllowed)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

// FuzzWritePath parses and validates arbitrary write_path blocks: no
// panic, and parse errors name the file.
func FuzzWritePath(f *testing.F) {
	for _, s := range []string{
		wpOK,
		"write_path:\n  postgres:\n    setup: [a, b]\n    read: SELECT $$@x$$, @key\n    cas: x\n",
		"write_path:\n  sqlite: []\n",
		"write_path:\n  sqlite:\n    setup: {a: b}\n",
		"write_path: &a\n  sqlite: *a\n",
		"write_path:\n  sqlite:\n    read: \"'\"\n    cas: /*\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, block string) {
		s, err := Parse("fuzz.yaml", []byte(wpBase+block))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scenario fuzz.yaml: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_ = s.Validate(testAllowed)
	})
}
