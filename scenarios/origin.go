package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Provenance says where a loaded scenario came from: a built-in or a file,
// and which fields the YAML set. The rest have their defaults.
type Provenance struct {
	Builtin bool            // an embedded scenario (occbench list scenarios)
	Name    string          // the built-in's name or the file's path
	Set     map[string]bool // YAML field names present in the text
}

// Origin names where a field's value comes from when no flag set it:
// "built-in quickstart", "file my.yaml" or "default".
func (s Provenance) Origin(yamlName string) string {
	if !s.Set[yamlName] {
		return "default"
	}
	if s.Builtin {
		return "built-in " + s.Name
	}
	return "file " + s.Name
}

// LoadSource is Load that also says where the scenario came from.
func LoadSource(arg string) (Scenario, Provenance, error) {
	if b, ok := Source(arg); ok {
		s, err := Parse(arg, b)
		return s, Provenance{Builtin: true, Name: arg, Set: topKeys(b)}, err
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(arg, "/.") {
			names := []string{}
			for _, bi := range Builtins() {
				names = append(names, bi.Name)
			}
			return Scenario{}, Provenance{}, fmt.Errorf("scenario %q: no such file or built-in (built-ins: %s)", arg, strings.Join(names, ", "))
		}
		return Scenario{}, Provenance{}, fmt.Errorf("scenario: %w", err)
	}
	s, err := Parse(arg, b)
	if err == nil && s.Name == "custom" {
		s.Name = strings.TrimSuffix(path.Base(arg), path.Ext(arg))
	}
	return s, Provenance{Name: arg, Set: topKeys(b)}, err
}

// topKeys returns the keys of the top-level YAML mapping of b.
func topKeys(b []byte) map[string]bool {
	out := map[string]bool{}
	var n yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&n); err != nil {
		return out
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = *n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = true
	}
	return out
}

// fieldAtLine returns the top-level YAML field whose value spans line
// (1-based) in b, or "".
func fieldAtLine(b []byte, line int) string {
	var n yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&n); err != nil {
		return ""
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = *n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	name := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Line > line {
			break
		}
		name = n.Content[i].Value
	}
	return name
}

var lineRef = regexp.MustCompile(`line (\d+): `)

// nameFields puts the field name after each "line N: " of a YAML error,
// so that "line 3: cannot unmarshal !!str `abc` into int" reads "line 3:
// writers: cannot unmarshal …".
func nameFields(b []byte, msg string) string {
	return lineRef.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(lineRef.FindStringSubmatch(m)[1])
		if err != nil {
			return m
		}
		if f := fieldAtLine(b, n); f != "" {
			return m + f + ": "
		}
		return m
	})
}
