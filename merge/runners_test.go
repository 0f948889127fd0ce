package merge

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/results"
)

// part is runner index of runners' part file: one cell of writers
// writers, each runner committing ops per writer it ran; runner 0
// records the store's counter.
func part(t testing.TB, index, runners, writers int, ops int64, storeCounter int64, strategy string) *results.File {
	t.Helper()
	mine := 0
	for w := range writers {
		if w%runners == index {
			mine++
		}
	}
	start := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	c := results.Cell{
		Driver: "postgres", Strategy: strategy, Backoff: "none", Writers: writers, Keys: 2,
		Ops: ops * int64(mine), Attempts: ops * int64(mine), GiveUps: map[string]int64{}, Errors: map[string]int64{},
		Runner: &results.CellRunner{Index: index, Runners: runners, Writers: mine, Seq: 0, StartedAt: start.Add(time.Duration(index) * 200 * time.Millisecond)},
		Audit: results.Audit{Expected: ops * int64(mine), Pending: results.PendingReason(index, runners), LossExpected: strategy == "lww",
			Verdict: results.PendingWord},
		Timeseries: []results.Point{{T: 1, Ops: ops * int64(mine)}},
	}
	if n := ops * int64(mine); n > 0 {
		lat := make([]int64, n)
		for i := range lat {
			lat[i] = 100 + int64(index)
		}
		h := enc(t, hist(t, lat))
		c.Histograms = map[string]string{results.HistCommitted: h, results.HistAttempt: h,
			results.HistAttempts: enc(t, hist(t, make([]int64, 0)))}
		ones := make([]int64, n)
		for i := range ones {
			ones[i] = 1
		}
		c.Histograms[results.HistAttempts] = enc(t, hist(t, ones))
	}
	if index == 0 {
		c.Runner.StoreTotals = &results.StoreTotals{Docs: 2, Counter: storeCounter, Versions: storeCounter}
	}
	return &results.File{
		Schema: results.Schema, StartedAt: start, FinishedAt: start.Add(time.Second),
		Scenario:    results.Scenario{"name": "quickstart", "writers": []any{float64(writers)}, "seed": float64(1)},
		Environment: results.Environment{Driver: "postgres", Hostname: "runner-" + string(rune('a'+index))},
		Runner:      &results.Runner{Index: index, Runners: runners, Namespace: "team_a", SkewMS: float64(index)},
		Cells:       []results.Cell{c},
	}
}

func TestMergeRunners(t *testing.T) {
	for _, tt := range []struct {
		name     string
		strategy string
		runners  int
		writers  int
		counter  int64
		lost     int64
		ok       bool
	}{
		{"optimistic, 3 runners", "optimistic", 3, 5, 50, 0, true},
		{"lww losses counted once", "lww", 3, 5, 38, 12, true},
		{"optimistic losing is caught", "optimistic", 2, 4, 39, 1, false},
		{"a runner without writers", "optimistic", 3, 2, 20, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var parts []*results.File
			for i := tt.runners - 1; i >= 0; i-- { // any order
				parts = append(parts, part(t, i, tt.runners, tt.writers, 10, tt.counter, tt.strategy))
			}
			m, err := Files(parts)
			if err != nil {
				t.Fatal(err)
			}
			c := m.Cells[0]
			if c.Writers != tt.writers || c.Ops != int64(tt.writers)*10 {
				t.Errorf("writers %d ops %d, want %d and %d", c.Writers, c.Ops, tt.writers, tt.writers*10)
			}
			if c.Audit.Pending != "" || c.Audit.Expected != int64(tt.writers)*10 || c.Audit.Observed != tt.counter ||
				c.Audit.LostUpdates != tt.lost || c.Audit.OK != tt.ok {
				t.Errorf("audit %+v, want observed %d, lost %d, ok %v", c.Audit, tt.counter, tt.lost, tt.ok)
			}
			if len(m.Runners) != tt.runners || m.Runners[0].Index != 0 || len(m.Parts) != tt.runners {
				t.Errorf("runners %+v, parts %d", m.Runners, len(m.Parts))
			}
			if got := m.Scenario["writers"].([]any)[0]; got != float64(tt.writers) {
				t.Errorf("scenario writers %v, want %d (not scaled)", got, tt.writers)
			}
			if len(c.Timeseries) != 1 || c.Timeseries[0].Ops != c.Ops {
				t.Errorf("series %+v: want one second with every runner's ops", c.Timeseries)
			}
			if c.Runner == nil || c.Runner.Writers != tt.writers || c.Runner.StoreTotals == nil {
				t.Errorf("merged runner record %+v", c.Runner)
			}
			line, err := CheckStore(m, drivers.Totals{Docs: 2, Counter: tt.counter, Versions: tt.counter})
			if err != nil || line != "" {
				t.Errorf("CheckStore on the same totals: %q, %v", line, err)
			}
			line, _ = CheckStore(m, drivers.Totals{Docs: 2, Counter: tt.counter + 1, Versions: tt.counter + 1})
			if !strings.Contains(line, "something wrote to the namespace since") {
				t.Errorf("CheckStore on other totals: %q", line)
			}
		})
	}
}

func TestMergeRunnersRefusals(t *testing.T) {
	p := func(i, n int) *results.File { return part(t, i, n, 4, 10, 40, "optimistic") }
	otherNS := p(1, 2)
	otherNS.Runner.Namespace = "team_b"
	otherSeed := p(1, 2)
	otherSeed.Scenario["seed"] = float64(2)
	alone := p(1, 2)
	alone.Runner = nil
	noTotals := p(0, 2)
	noTotals.Cells[0].Runner.StoreTotals = nil
	down := p(0, 2)
	down.Cells[0].Runner.StoreTotals, down.Cells[0].Runner.StoreError = nil, "postgres: connection refused"
	for _, tt := range []struct {
		name  string
		parts []*results.File
		input int // 1-based input named, 0 = none
		want  string
	}{
		{"runner counts", []*results.File{p(0, 2), p(1, 3)}, 2, "runner 1 of 3, input 1 is of a run of 2 runners"},
		{"namespaces", []*results.File{p(0, 2), otherNS}, 2, `namespace "team_b", input 1 has "team_a"`},
		{"missing runner", []*results.File{p(0, 3), p(2, 3)}, 0, "missing the part of runner 1"},
		{"missing runners", []*results.File{p(1, 4), p(3, 4)}, 0, "missing the part of runner 0, 2"},
		{"twice the same runner", []*results.File{p(0, 2), p(1, 2), p(1, 2)}, 3, "runner 1 again (input 2 is runner 1 too)"},
		{"a single run among parts", []*results.File{p(0, 2), alone}, 2, "not a part of a multi-runner run"},
		{"seeds", []*results.File{p(0, 2), otherSeed}, 2, "seed 2, input 1 has 1"},
		{"scenarios", []*results.File{p(0, 2), func() *results.File { f := p(1, 2); f.Scenario["name"] = "other"; return f }()}, 2, "not the same scenario"},
		{"no store totals", []*results.File{p(1, 2), noTotals}, 0, "runner 0 recorded no store totals"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Files(tt.parts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tt.want)
			}
			var ie *InputError
			if got := errors.As(err, &ie); got != (tt.input > 0) || (got && ie.Index != tt.input-1) {
				t.Fatalf("err = %v: input error %v, want input %d", err, got, tt.input)
			}
		})
	}
	t.Run("store unavailable to runner 0", func(t *testing.T) {
		m, err := Files([]*results.File{down, p(1, 2)})
		if err != nil {
			t.Fatal(err)
		}
		if a := m.Cells[0].Audit; a.OK || a.Unavailable != "postgres: connection refused" {
			t.Fatalf("audit %+v, want unavailable", a)
		}
	})
}
