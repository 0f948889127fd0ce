package scenarios

import (
	"strings"
	"testing"
)

// FuzzParse parses arbitrary YAML as a scenario file and validates what
// parses. Neither may panic, and a parse error names the file.
func FuzzParse(f *testing.F) {
	for _, b := range Builtins() {
		src, ok := Source(b.Name)
		if !ok {
			f.Fatalf("built-in %s has no source", b.Name)
		}
		f.Add(src)
	}
	for _, s := range []string{
		"",
		"name: x\nwriters: [1]\nwritters: 3\n",
		"duration: fast\n",
		"keys: many\n",
		"writers: [0, -1, 99999999999999999999]\n",
		"lease_stall: {prob: 2, duration: -1s}\n",
		"a: &a [*a, *a]\n",
		"strategies: [optimistic, optimistic]\nbackoffs: []\n",
		"name: \"a\\nb\"\nthresholds: [\"p99_ms <\"]\n",
		"--- \n...\n---\nname: two\n",
		"\t- [",
		"hold: exp:500us\nscope: operation\nstrategies: [check-then-write]\n",
		"hold: normal:1ms\n",
		"hold: [1ms]\nscope: document,operation\n",
		"field_groups: 2\nclasses:\n  - {name: a, writers: 2, strategy: optimistic, backoff: expo, field_group: 1, think: 2s}\n  - {name: b, writers: 1, strategy: lease, backoff: none, rate: 5}\n",
		"classes: [{name: a, writers: -1, field_group: 99}, {name: a}]\nwriters: [2]\n",
		"classes: {name: a}\n",
		"classes: [{think: forever, rate: .inf}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("fuzz.yaml", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scenario fuzz.yaml: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_ = s.Validate(testAllowed)
		_ = s.Validate(Allowed{})
	})
}
