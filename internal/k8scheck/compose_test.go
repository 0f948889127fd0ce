package k8scheck

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// composePath is the multi-runner compose file, relative to this package.
const composePath = "../../docker/compose.multi.yaml"

// composeService holds the fields of a compose service the contract is
// about (compose files have many more; they are not checked here).
type composeService struct {
	Image       string            `json:"image"`
	Environment map[string]string `json:"environment"`
	Command     []string          `json:"command"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Volumes []string `json:"volumes"`
}

// checkCompose returns every way a compose file breaks the multi-runner
// contract: N runner services with JOB_COMPLETION_INDEX 0..N-1 and
// --runners N, each writing its own part and otherwise running the same
// command; a merge that starts after every runner completed and reads
// all N parts; one image, one namespace, one DSN, one results volume.
func checkCompose(src []byte) []error {
	var f struct {
		Services map[string]composeService `json:"services"`
	}
	js, err := yaml.YAMLToJSONStrict(src)
	if err == nil {
		err = yaml.Unmarshal(js, &f)
	}
	if err != nil {
		return []error{err}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var runnerNames, mergeNames []string
	for _, name := range slices.Sorted(maps.Keys(f.Services)) {
		switch c := f.Services[name].Command; {
		case len(c) > 0 && c[0] == "run":
			runnerNames = append(runnerNames, name)
		case len(c) > 0 && c[0] == "merge":
			mergeNames = append(mergeNames, name)
		}
	}
	if len(runnerNames) < 2 || len(mergeNames) != 1 {
		return append(errs, fmt.Errorf("want two or more runner services (run) and one merge service, got %d and %d", len(runnerNames), len(mergeNames)))
	}
	n := len(runnerNames)
	merge := f.Services[mergeNames[0]]
	seen := make([]string, n)
	var first []string // the first runner's command, --out blanked
	for _, name := range runnerNames {
		s := f.Services[name]
		if v, _ := flagValue(s.Command, "runners"); v != strconv.Itoa(n) {
			bad("%s: --runners %q, but there are %d runner services", name, v, n)
		}
		idx, err := strconv.Atoi(s.Environment[indexVar])
		if err != nil || idx < 0 || idx >= n {
			bad("%s: %s %q: want 0…%d", name, indexVar, s.Environment[indexVar], n-1)
			continue
		}
		if seen[idx] != "" {
			bad("%s and %s: both have %s %d", seen[idx], name, indexVar, idx)
		}
		seen[idx] = name
		if v, ok := flagValue(s.Command, "runner-index"); ok && v != strconv.Itoa(idx) {
			bad("%s: --runner-index %s but %s %d", name, v, indexVar, idx)
		}
		if out, _ := flagValue(s.Command, "out"); out != fmt.Sprintf("/results/part-%d.json", idx) {
			bad("%s: --out %q: want /results/part-%d.json", name, out, idx)
		}
		cmd := slices.Clone(s.Command)
		for i := range cmd {
			if i > 0 && (cmd[i-1] == "--out" || cmd[i-1] == "--runner-index") {
				cmd[i] = ""
			}
		}
		if first == nil {
			first = cmd
		} else if !slices.Equal(cmd, first) {
			bad("%s: runs %q, %s runs %q: the runners must run the same scenario", name, cmd, runnerNames[0], first)
		}
		if s.Image != merge.Image {
			bad("%s: image %q, the merge's %q: want the same", name, s.Image, merge.Image)
		}
		if dep, ok := merge.DependsOn[name]; !ok || dep.Condition != "service_completed_successfully" {
			bad("%s: must wait for %s with condition service_completed_successfully", mergeNames[0], name)
		}
		if !slices.Contains(s.Volumes, firstOr(merge.Volumes)) || !strings.HasSuffix(firstOr(merge.Volumes), ":/results") {
			bad("%s: volumes %q, the merge's %q: want the same results volume at /results", name, s.Volumes, merge.Volumes)
		}
	}
	var parts []string
	for _, a := range merge.Command[1:] {
		if strings.HasPrefix(a, "/results/part-") {
			parts = append(parts, a)
		}
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("/results/part-%d.json", i)
	}
	if !slices.Equal(parts, want) {
		bad("%s: merges %q, want %q", mergeNames[0], parts, want)
	}
	if len(first) > 0 {
		for _, fl := range []string{"namespace", "dsn", "driver"} {
			rv, _ := flagValue(first, fl)
			mv, _ := flagValue(merge.Command, fl)
			if rv != mv {
				bad("--%s: the runners use %q, the merge %q", fl, rv, mv)
			}
		}
	}
	return errs
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestCompose(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkCompose(src); len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	tests := []struct{ name, old, new, want string }{
		{"duplicate index", `JOB_COMPLETION_INDEX: "2"`, `JOB_COMPLETION_INDEX: "1"`, "both have JOB_COMPLETION_INDEX 1"},
		{"index out of range", `JOB_COMPLETION_INDEX: "2"`, `JOB_COMPLETION_INDEX: "3"`, "want 0…2"},
		{"runners differ", `--runners, "3"`, `--runners, "4"`, `--runners "4", but there are 3`},
		{"shared part", "--out, /results/part-1.json", "--out, /results/part-0.json", "want /results/part-1.json"},
		{"merge too early", "runner-2:\n        condition: service_completed_successfully", "runner-2:\n        condition: service_started", "must wait for runner-2"},
		{"merge misses a part", " /results/part-2.json, -o", " -o", "merges"},
		{"another scenario", "--writers, \"12\"", "--writers, \"13\"", "must run the same scenario"},
		{"another namespace", "--namespace, compose]", "--namespace, other]", "--namespace: the runners use \"compose\", the merge \"other\""},
		{"duplicate key", "  merge:\n", "  merge:\n    image: x\n", "already set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(string(src), tt.old) {
				t.Fatalf("compose file does not contain %q: update the mutation", tt.old)
			}
			errs := checkCompose([]byte(strings.Replace(string(src), tt.old, tt.new, 1)))
			got := errors.Join(errs...)
			if got == nil || !strings.Contains(got.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", got, tt.want)
			}
		})
	}
}
