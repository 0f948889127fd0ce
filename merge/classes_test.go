package merge

import (
	"context"
	"strings"
	"testing"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// classFile runs a scenario of two writer classes on the memory store
// and returns its results file.
func classFile(t *testing.T, seed uint64, host string, workers int) *results.File {
	t.Helper()
	sc := scenarios.Default()
	sc.Name, sc.Driver, sc.Seed = "own", "memory", seed
	sc.FieldGroups, sc.Keys, sc.OpsPerWriter, sc.Duration = 2, 2, 150, 0
	sc.Classes = []scenarios.Class{
		{Name: "editors", Writers: 1, Strategy: "optimistic", Backoff: "expo", FieldGroup: 0},
		{Name: "workers", Writers: workers, Strategy: "pessimistic", Backoff: "none", FieldGroup: 1},
	}
	if err := sc.Validate(scenarios.Allowed{Strategies: strategy.Names(), Backoffs: backoff.Names()}); err != nil {
		t.Fatal(err)
	}
	st, err := memory.New(drivers.Options{Writers: sc.ClassWriters()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := runner.RunCell(context.Background(), runner.Config{Scenario: sc, Store: st, DriverName: "memory"}, runner.Cells(sc)[0], 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &results.File{Schema: results.Schema, StartedAt: t0, FinishedAt: t0, Scenario: results.Scenario(sc.ToMap(nil)),
		Environment: results.Environment{Hostname: host, Driver: "memory"}, Cells: []results.Cell{c}}
}

// TestMergeClasses: classes merge by name, each as a cell of its
// writers: counters summed, histograms merged exactly, and the merged
// classes still add up to the merged cell; the scenario's class writers
// scale with the inputs.
func TestMergeClasses(t *testing.T) {
	a, b := classFile(t, 1, "a", 2), classFile(t, 2, "b", 2)
	m, err := Files([]*results.File{a, b})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cells[0]
	if len(c.Classes) != 2 {
		t.Fatalf("%d classes, want 2", len(c.Classes))
	}
	var ops, attempts int64
	for i, k := range c.Classes {
		ka, kb := a.Cells[0].Classes[i], b.Cells[0].Classes[i]
		if k.Name != ka.Name || k.Ops != ka.Ops+kb.Ops || k.Attempts != ka.Attempts+kb.Attempts || k.Writers != ka.Writers+kb.Writers {
			t.Errorf("class %s: ops %d, attempts %d, writers %d; want the sums of %+v and %+v", k.Name, k.Ops, k.Attempts, k.Writers, ka, kb)
		}
		h, err := results.DecodeHistogram(k.Histograms[results.HistCommitted])
		if err != nil {
			t.Fatal(err)
		}
		if h.TotalCount() != k.Ops {
			t.Errorf("class %s: committed histogram of %d, %d ops", k.Name, h.TotalCount(), k.Ops)
		}
		if k.Fairness == nil || len(k.WriterOps) != k.Writers {
			t.Errorf("class %s: fairness %+v, writer ops %v", k.Name, k.Fairness, k.WriterOps)
		}
		ops += k.Ops
		attempts += k.Attempts
	}
	if ops != c.Ops || attempts != c.Attempts {
		t.Errorf("classes add up to %d ops, %d attempts; the cell has %d, %d", ops, attempts, c.Ops, c.Attempts)
	}
	ks, _ := m.Scenario["classes"].([]any)
	if len(ks) != 2 || ks[1].(map[string]any)["writers"] != 4.0 {
		t.Errorf("scenario classes %v, want workers' writers scaled to 4", ks)
	}
}

func TestMergeClassesRefuses(t *testing.T) {
	a := classFile(t, 1, "a", 1)
	for _, tt := range []struct {
		name string
		mod  func(c *results.Cell)
		want string
	}{
		{"renamed", func(c *results.Cell) { c.Classes[1].Name = "robots" }, `no writer class "workers"`},
		{"other group", func(c *results.Cell) { c.Classes[0].FieldGroup = 1 }, `class "editors" is optimistic/expo on field group 1`},
		{"none", func(c *results.Cell) { c.Classes = nil }, "0 writer classes, input 1 has 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := classFile(t, 2, "b", 1)
			tt.mod(&b.Cells[0])
			_, err := Files([]*results.File{a, b})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "input 2") {
				t.Fatalf("got %v, want an error of input 2 containing %q", err, tt.want)
			}
		})
	}
}
