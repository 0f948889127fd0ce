package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/occbench/occbench/compare"
	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

var nightlyWorkflow = filepath.Join("..", "..", ".github", "workflows", "nightly.yml")

// TestNightlyWorkflowValid lints the workflow with actionlint (which also
// runs shellcheck on the run scripts when shellcheck is installed).
func TestNightlyWorkflowValid(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		t.Skip("actionlint not on PATH (go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12)")
	}
	out, err := exec.Command(bin, "-no-color", nightlyWorkflow).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint %s: %v\n%s", nightlyWorkflow, err, out)
	}
}

// TestNightlyWorkflowCommands checks what the workflow asks of occbench:
// the run flags load and validate the regression scenario, and the
// compare gates parse.
func TestNightlyWorkflowCommands(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(nightlyWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Env   map[string]string `yaml:"env"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	job, ok := wf.Jobs["regression"]
	if !ok {
		t.Fatalf("no regression job in %s", nightlyWorkflow)
	}
	gates := job.Env["GATES"]
	if _, err := compare.ParseGates(gates); err != nil || gates == "" {
		t.Errorf("GATES %q: %v", gates, err)
	}
	var runs, compares int
	for _, s := range job.Steps {
		for _, line := range strings.Split(s.Run, "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "./occbench run "):
				runs++
				// The shell-only parts (the driver array, the redirect)
				// are dropped; the rest must parse and validate.
				args := strings.Fields(strings.NewReplacer(`"${target[@]}"`, "", "> run.md", "").Replace(line))[2:]
				var rf runFlags
				pos, err := parseInterleaved(newRunFlagSet("occbench run", &rf), args)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				p, err := rf.plan("run", pos)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				sc := p.Scenario
				if sc.Name != "regression" || sc.Trials != 5 || rf.out != "new.json" || rf.format != "markdown" {
					t.Errorf("%s: scenario %s trials %d out %s format %s", line, sc.Name, sc.Trials, rf.out, rf.format)
				}
			case strings.HasPrefix(line, "./occbench compare "):
				compares++
				if !strings.Contains(line, `--fail-on "$GATES"`) {
					t.Errorf("compare does not gate on $GATES: %s", line)
				}
			}
		}
	}
	if runs != 1 || compares != 1 {
		t.Errorf("%d run and %d compare invocations, want 1 each", runs, compares)
	}
}

// TestRegressionScenario keeps the nightly scenario short: its cells,
// warmup included, fit in 45 s, leaving room for setup under a minute.
func TestRegressionScenario(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Load("regression")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Validate(harness.Allowed()); err != nil {
		t.Fatal(err)
	}
	cells := runner.Cells(sc)
	total := time.Duration(len(cells)) * (sc.Duration.D() + sc.Warmup.D())
	if sc.Driver != "sqlite" || sc.Trials != 5 || total > 45*time.Second {
		t.Errorf("driver %s, trials %d, %d cells taking %s; want sqlite, 5 trials, ≤ 45s", sc.Driver, sc.Trials, len(cells), total)
	}
	src, _ := scenarios.Source("regression")
	if q, _, _ := strings.Cut(string(src), "\n"); !strings.HasPrefix(q, "# ") || !strings.HasSuffix(q, "?") {
		t.Errorf("first line %q is not a '# question?' comment", q)
	}
}
