package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/drivers/memory"
	"github.com/occbench/occbench/runner"
)

func TestShareWriters(t *testing.T) {
	for _, tt := range []struct{ writers, index, runners, want int }{
		{5, 0, 1, 5}, {5, 0, 2, 3}, {5, 1, 2, 2}, {1, 1, 2, 0}, {4, 2, 3, 1}, {6, 2, 3, 2}, {0, 0, 2, 0}, {2, 3, 4, 0},
	} {
		if got := runner.Writers(tt.writers, tt.index, tt.runners); got != tt.want {
			t.Errorf("Writers(%d, %d, %d) = %d, want %d", tt.writers, tt.index, tt.runners, got, tt.want)
		}
	}
}

// calls records the coordination calls of a runner.
type calls struct{ seeded, start, finished []int }

func (c *calls) Seeded(_ context.Context, cell int) error {
	c.seeded = append(c.seeded, cell)
	return nil
}
func (c *calls) Start(_ context.Context, cell int) error { c.start = append(c.start, cell); return nil }
func (c *calls) Finished(_ context.Context, cell int) error {
	c.finished = append(c.finished, cell)
	return nil
}

// TestShareRunsItsWriters: runner 0 of 2 runs writers 0, 2, 4 of 5,
// under their global ids, meets the others at each step, reads the
// store's totals and leaves the audit pending.
func TestShareRunsItsWriters(t *testing.T) {
	st, err := memory.New(drivers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc := baseScenario()
	sc.Writers = []int{5}
	sc.Keys = 1
	sc.OpsPerWriter = 7
	co := &calls{}
	cfg := runner.Config{Scenario: sc, Store: st, DriverName: "memory", Clock: clock.NewFake(time.Unix(1e9, 0)),
		Share: &runner.Share{Index: 0, Runners: 2, Coord: co}}
	c, err := runner.RunCell(context.Background(), cfg, runner.Cells(sc)[0], 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c.Writers != 5 || c.Ops != 21 || len(c.WriterOps) != 3 {
		t.Fatalf("writers %d ops %d writer_ops %v; want the cell's 5 writers, 3 of them here, 21 ops", c.Writers, c.Ops, c.WriterOps)
	}
	if len(co.seeded) != 1 || co.seeded[0] != 3 || len(co.start) != 1 || len(co.finished) != 1 {
		t.Fatalf("coordination calls %+v, want one of each for cell 3", co)
	}
	r := c.Runner
	if r == nil || r.Writers != 3 || r.Seq != 3 || r.StoreTotals == nil || r.StoreTotals.Counter != 21 {
		t.Fatalf("runner record %+v", r)
	}
	if c.Audit.OK || c.Audit.Pending != "runner 0 of 2" || c.Audit.Expected != 21 {
		t.Fatalf("audit %+v, want pending", c.Audit)
	}
	var d drivers.Doc
	if err := st.Read(context.Background(), 0, &d); err != nil {
		t.Fatal(err)
	}
	if d.Writer%2 != 0 {
		t.Fatalf("last write by writer %d: runner 0 of 2 runs the even global ids only", d.Writer)
	}
}
