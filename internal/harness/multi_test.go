package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/coord"
	_ "github.com/occbench/occbench/drivers/postgres"
	"github.com/occbench/occbench/internal/testenv"
	"github.com/occbench/occbench/merge"
	"github.com/occbench/occbench/results"
)

// multiSettings is a small ops-mode scenario on the dev PostgreSQL: one
// writer count below the runner count (runners without a writer), and
// lww next to optimistic (losses counted once).
func multiSettings(dsn string) []Setting {
	return []Setting{
		{"driver", "postgres"}, {"dsn", dsn}, {"writers", "1,5"}, {"strategies", "optimistic,lww"},
		{"backoffs", "none"}, {"ops-per-writer", "20"}, {"warmup", "0s"}, {"keys", "2"}, {"hold", "0s"},
	}
}

// runOne runs runner index of m's run (alone when m.Runners ≤ 1), as
// occbench run does.
func runOne(ctx context.Context, settings []Setting, m Multi) (*results.File, error) {
	p, err := NewPlan("", settings)
	if err != nil {
		return nil, err
	}
	if err := m.Check(p); err != nil {
		return nil, err
	}
	st, err := Open(ctx, p.Scenario, OpenOptions{Namespace: m.Namespace})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if !m.Active() || m.Index == 0 {
		if err := p.Preflight(ctx, st); err != nil {
			return nil, err
		}
	}
	var o RunOptions
	if m.Active() {
		share, rr, closeRun, err := m.Join(ctx, p, st)
		if err != nil {
			return nil, err
		}
		defer func() { _ = closeRun(context.WithoutCancel(ctx)) }()
		o.Share, o.Runner = share, rr
	}
	return Run(ctx, p, st, o)
}

// runAll runs n runners as goroutines and returns their part files.
func runAll(t *testing.T, ctx context.Context, settings []Setting, ns string, n int) []*results.File {
	t.Helper()
	parts := make([]*results.File, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i], errs[i] = runOne(ctx, settings, Multi{Runners: n, Index: i, Namespace: ns,
				BarrierTimeout: time.Minute, MaxSkew: time.Second})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("runner %d: %v", i, err)
		}
	}
	return parts
}

func TestMultiRunnerPostgres(t *testing.T) {
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	settings := multiSettings(dsn)
	single, err := runOne(ctx, settings, Multi{Runners: 1, Namespace: "multitest_single", BarrierTimeout: time.Minute, MaxSkew: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d runners", n), func(t *testing.T) {
			parts := runAll(t, ctx, settings, fmt.Sprintf("multitest_n%d", n), n)
			for i, p := range parts {
				if p.Runner == nil || p.Runner.Index != i || p.Runner.Runners != n {
					t.Fatalf("part %d: runner %+v", i, p.Runner)
				}
				if v := Judge(p, nil); v.Code != ExitOK {
					t.Errorf("part %d: exit %d (%v), want 0 for a pending part", i, v.Code, v.Lines)
				}
				for _, c := range p.Cells {
					want := results.PendingReason(i, n)
					if c.Audit.Pending != want || c.Audit.OK {
						t.Errorf("part %d cell %s: audit %+v, want pending %q", i, c.Strategy, c.Audit, want)
					}
				}
			}
			merged, err := merge.Files(parts)
			if err != nil {
				t.Fatal(err)
			}
			if len(merged.Cells) != len(single.Cells) {
				t.Fatalf("merged %d cells, single run %d", len(merged.Cells), len(single.Cells))
			}
			for j, c := range merged.Cells {
				s := single.Cells[j]
				name := fmt.Sprintf("%s/w%d", c.Strategy, c.Writers)
				if c.Writers != s.Writers || c.Ops != s.Ops || c.Ops != int64(c.Writers)*20 {
					t.Errorf("%s: merged writers %d ops %d, single-process writers %d ops %d", name, c.Writers, c.Ops, s.Writers, s.Ops)
				}
				if len(c.WriterOps) != c.Writers {
					t.Errorf("%s: %d writer_ops, want one per writer (%d)", name, len(c.WriterOps), c.Writers)
				}
				if !c.Audit.OK || c.Audit.Pending != "" {
					t.Errorf("%s: merged audit %+v, want ok", name, c.Audit)
				}
				if c.Audit.Expected != c.Ops { // ops mode, no warmup
					t.Errorf("%s: expected %d, want %d", name, c.Audit.Expected, c.Ops)
				}
				// One store, audited once: lww's losses are the store's
				// shortfall against every runner's commits, counted once.
				if got := c.Audit.Expected - c.Audit.Observed; c.Audit.LostUpdates != got {
					t.Errorf("%s: lost %d, want expected − observed = %d", name, c.Audit.LostUpdates, got)
				}
				if c.Strategy == "optimistic" && c.Audit.LostUpdates != 0 {
					t.Errorf("%s: optimistic lost %d", name, c.Audit.LostUpdates)
				}
				if c.Strategy == "lww" && c.Writers > 1 && c.Audit.Observed > c.Audit.Expected {
					t.Errorf("%s: observed %d > expected %d", name, c.Audit.Observed, c.Audit.Expected)
				}
			}
			if v := Judge(merged, nil); v.Code != ExitOK {
				t.Errorf("merged: exit %d (%v)", v.Code, v.Lines)
			}
		})
	}
}

func TestMultiRunnerBarrierTimeout(t *testing.T) {
	dsn := testenv.DSN(t, testenv.PostgresDSN)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tt := range []struct {
		name  string
		index int
		want  string
	}{
		// Runner 0 seeds, then waits for runner 1 at the first barrier.
		{"runner 1 never arrives", 0, "runners that did not arrive within 3s (--barrier-timeout): 1"},
		// Runner 1 waits for runner 0 to open the run.
		{"runner 0 never arrives", 1, "runners that did not arrive: 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := clock.NewFake(time.Now()) // its sleeps advance it: the timeout comes at once
			_, err := runOne(ctx, multiSettings(dsn), Multi{Runners: 2, Index: tt.index, Namespace: fmt.Sprintf("multitest_timeout%d", tt.index),
				BarrierTimeout: 3 * time.Second, MaxSkew: time.Hour, Clock: fake})
			if err == nil || !errors.Is(err, coord.ErrTimeout) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tt.want)
			}
		})
	}
}

func TestMultiCheck(t *testing.T) {
	for _, tt := range []struct {
		name     string
		settings []Setting
		m        Multi
		want     string
	}{
		{"memory cannot share", []Setting{{"driver", "memory"}}, Multi{Runners: 2, Index: 1}, "--runners: driver memory cannot share its store between runners (drivers that can: mongo, postgres, redis)"},
		{"sqlite namespace", []Setting{{"driver", "sqlite"}}, Multi{Runners: 1, Namespace: "a"}, "--namespace: driver sqlite cannot share"},
		{"bad namespace", []Setting{{"driver", "postgres"}, {"dsn", "postgres://x/y"}}, Multi{Runners: 2, Namespace: "Team-A"}, `--namespace: "Team-A" is not a valid namespace (allowed: [a-z][a-z0-9_]{0,30})`},
		{"no dsn", []Setting{{"driver", "postgres"}}, Multi{Runners: 2}, "--runners: the runners must share one server: set --dsn"},
		{"faults", []Setting{{"driver", "postgres"}, {"dsn", "postgres://x/y"}, {"fault", "partition@0s:1s"}}, Multi{Runners: 2}, "--runners: faults are not supported"},
		{"alone is fine", []Setting{{"driver", "memory"}}, Multi{Runners: 1}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan("", tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			tt.m.BarrierTimeout, tt.m.MaxSkew = time.Minute, time.Second
			err = tt.m.Check(p)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !IsBadInput(err)):
				t.Fatalf("err = %v, want bad input with %q", err, tt.want)
			}
		})
	}
}

func TestResolveIndex(t *testing.T) {
	for _, tt := range []struct {
		name    string
		set     bool
		flag    int
		env     string
		runners int
		want    int
		err     string
	}{
		{"alone", false, 0, "", 1, 0, ""},
		{"flag", true, 2, "1", 3, 2, ""},
		{"env", false, 0, "1", 3, 1, ""},
		{"missing", false, 0, "", 3, 0, "--runner-index: missing: with --runners 3 set --runner-index 0 … 2 (or $JOB_COMPLETION_INDEX)"},
		{"out of range", true, 3, "", 3, 0, "--runner-index: 3 is out of range (allowed with --runners 3: 0 … 2)"},
		{"env out of range", false, 0, "5", 2, 0, "$JOB_COMPLETION_INDEX: 5 is out of range"},
		{"env not a number", false, 0, "x", 2, 0, `$JOB_COMPLETION_INDEX: "x" is not a runner index`},
		{"negative", true, -1, "", 2, 0, "out of range"},
		{"no runners", false, 0, "", 0, 0, "--runners: must be ≥ 1, got 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveIndex(tt.set, tt.flag, tt.env, tt.runners)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !IsBadInput(err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"+30s", now.Add(30 * time.Second), false},
		{"+0s", now, false},
		{"2026-12-03T04:05:00Z", now.Add(5 * time.Minute), false},
		{"2026-12-03T05:05:00+01:00", now.Add(5 * time.Minute), false},
		{"+-5s", time.Time{}, true},
		{"+soon", time.Time{}, true},
		{"04:05", time.Time{}, true},
	} {
		got, err := ParseStartAt(tt.in, now)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("ParseStartAt(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "--start-at: ") {
			t.Errorf("ParseStartAt(%q): error %q does not name the flag", tt.in, err)
		}
	}
}

func FuzzParseStartAt(f *testing.F) {
	for _, s := range []string{"", "+30s", "2026-12-03T04:05:00Z", "+", "+1h2m", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseStartAt(s, now)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--start-at: ") || got != (time.Time{}) {
				t.Fatalf("ParseStartAt(%q) = %v, %v", s, got, err)
			}
			return
		}
		if strings.HasPrefix(s, "+") && got.Before(now) {
			t.Fatalf("ParseStartAt(%q) = %v, before now", s, got)
		}
	})
}
