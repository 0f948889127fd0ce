package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanClasses(t *testing.T) {
	p, err := NewPlan("field-ownership", []Setting{{"trials", "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cells) != 2 || p.Cells[0].Writers != 8 || p.Cells[0].Strategy != "optimistic+lease" {
		t.Fatalf("cells %+v, want 2 trials of one cell of 8 writers", p.Cells)
	}
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"plan: 2 cells of field-ownership",
		"classes[0]  editors: 2 writers, optimistic, backoff expo, field group 0 (content), think 20ms  (built-in field-ownership)",
		"classes[1]  workers: 6 writers, lease, backoff full-jitter, field group 1 (assets)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
	for _, gone := range []string{"  writers ", "  strategies ", "  backoffs "} {
		if strings.Contains(b.String(), gone) {
			t.Errorf("plan of classes shows %q:\n%s", gone, b.String())
		}
	}
}

// TestPlanClassesRefusals: flags the classes replace, and a scenario-wide
// think or rate, are bad input naming the flag.
func TestPlanClassesRefusals(t *testing.T) {
	for _, tt := range []struct {
		settings []Setting
		want     string
	}{
		{[]Setting{{"writers", "4"}}, "--writers: not with the scenario's classes"},
		{[]Setting{{"strategy", "lease"}}, "--strategy: not with the scenario's classes"},
		{[]Setting{{"backoffs", "none"}}, "--backoffs: not with the scenario's classes"},
		{[]Setting{{"think", "1s"}}, "think (--think): not with classes"},
		{[]Setting{{"rate", "50"}}, "rate (--rate): not with classes"},
		{[]Setting{{"thresholds", "lease: p99_ms < 5"}}, `unknown strategy "lease" (allowed: optimistic+lease)`},
	} {
		_, err := NewPlan("field-ownership", tt.settings)
		if err == nil || !IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want bad input containing %q", tt.settings, err, tt.want)
		}
	}
}

// TestCheckRunnableClasses: a class whose strategy the store cannot run
// makes the plan bad input, naming the class.
func TestCheckRunnableClasses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "own.yaml")
	src := "driver: memory\nfield_groups: 2\nclasses:\n" +
		"  - {name: editors, writers: 1, strategy: optimistic, backoff: none}\n" +
		"  - {name: auditors, writers: 1, strategy: serializable, backoff: none, field_group: 1}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), p.Scenario, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = p.CheckRunnable(st)
	if err == nil || !IsBadInput(err) || !strings.Contains(err.Error(), "classes[1] (auditors): ") {
		t.Fatalf("got %v, want bad input naming classes[1] (auditors)", err)
	}
}
