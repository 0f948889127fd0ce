package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/tune"
)

type tuneFlags struct {
	policies, bases, caps, objective, plot string
	alpha, margin                          float64
}

// tuneCmd runs a backoff grid and recommends a policy, base and cap.
// Exit codes as run.
func tuneCmd(ctx context.Context, td *harness.Teardown, args []string, stdout, stderr io.Writer) (int, error) {
	rf := runFlags{teardown: td}
	var tf tuneFlags
	fs := newRunFlagSet("occbench tune-backoff", &rf)
	fs.SetOutput(stdout)
	fs.StringVar(&tf.policies, "policies", "full-jitter,equal-jitter,decorrelated-jitter", "backoff policies to try, comma list: "+strings.Join(backoff.Names(), ", "))
	fs.StringVar(&tf.bases, "base", "1ms,5ms,20ms", "backoff bases to try, comma list of durations")
	fs.StringVar(&tf.caps, "cap", "100ms,1s", "backoff caps to try, comma list of durations (combinations with cap < base are skipped)")
	fs.StringVar(&tf.objective, "objective", "p99", "rank by: p99 (lowest committed p99), goodput (highest ops/s), attempts (lowest attempts/op)")
	fs.StringVar(&tf.plot, "plot", "", "write one base × cap heatmap PNG per strategy × policy into this directory")
	fs.Float64Var(&tf.alpha, "alpha", tune.DefaultAlpha, "family-wise significance level of the comparisons with the best (Bonferroni over the grid)")
	fs.Float64Var(&tf.margin, "margin", tune.DefaultMargin, "a combination whose median is at most this fraction worse than the best's is within noise of it")
	fs.Usage = func() {
		printGroupedUsage(fs.Output(), fs, `usage: occbench tune-backoff [SCENARIO] --writers N [--policies P,…] [--base D,…] [--cap D,…] [--objective p99|goodput|attempts] [--trials N] [--plot DIR] [run flags]

Runs every policy × base × cap at one writer count, per strategy of the
scenario, ranks the combinations by the objective and prints the
recommendation with the set of combinations within noise of the best.
--out gets every grid cell, with the backoff field written as
policy(base,cap).`)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, err
	}
	obj, err := tune.ParseObjective(tf.objective)
	if err != nil {
		return exitBadInput, badInput("--objective: %w", err)
	}
	policies, err := splitList("policies", tf.policies)
	if err != nil {
		return exitBadInput, err
	}
	for _, p := range policies {
		if !slices.Contains(backoff.Names(), p) {
			return exitBadInput, badInput("--policies: unknown policy %q (allowed: %s)", p, strings.Join(backoff.Names(), ", "))
		}
	}
	bases, err := parseDurations("base", tf.bases)
	if err != nil {
		return exitBadInput, err
	}
	caps, err := parseDurations("cap", tf.caps)
	if err != nil {
		return exitBadInput, err
	}
	if rf.format != "text" {
		return exitBadInput, badInput("--format: tune-backoff prints text, got %q (the --out file is the JSON)", rf.format)
	}
	p, err := rf.plan("tune-backoff", pos)
	if err != nil {
		return exitBadInput, err
	}
	sc := p.Scenario
	if len(sc.Writers) != 1 {
		return exitBadInput, badInput("--writers: tune-backoff runs at one writer count; the scenario lists %v (pass --writers N)", sc.Writers)
	}
	grid := tune.Grid{Strategies: sc.Strategies, Policies: policies, Bases: bases, Caps: caps}
	if err := grid.Validate(); err != nil {
		return exitBadInput, badInput("--%s", err)
	}
	if !(tf.alpha > 0 && tf.alpha < 1) {
		return exitBadInput, badInput("--alpha: must be in (0, 1), got %v", tf.alpha)
	}
	if !(tf.margin >= 0 && tf.margin < 1) {
		return exitBadInput, badInput("--margin: must be in [0, 1), got %v", tf.margin)
	}
	topts := tune.Options{Objective: obj, Trials: sc.Trials, Alpha: tf.alpha, Margin: tf.margin}
	if !p.FlagSet("trials") {
		topts.Trials = 0 // the package's default: enough to tell combinations apart
	}
	total, err := tune.MaxCells(grid, topts)
	if err != nil {
		return exitBadInput, badInput("%w", err)
	}
	combos, _ := grid.Combos()
	planLine := fmt.Sprintf("plan: tune-backoff of %s on %s at %d writers: %d combinations, %d cells of %s in interleaved rounds, about %s",
		sc.Name, sc.Driver, sc.Writers[0], len(combos), total, sc.Duration, harness.FormatWall(time.Duration(total)*p.CellTime()))
	if rf.dryRun {
		fmt.Fprintln(stdout, planLine)
		return exitOK, p.WriteDimensions(stdout)
	}

	st, err := rf.open(ctx, p, 0, stderr)
	if err != nil {
		return exitFailed, err
	}
	defer st.Close()
	if !rf.quiet {
		fmt.Fprintln(stderr, planLine)
		_ = p.WriteDimensions(stderr)
	}

	started := time.Now().UTC()
	cfg := runner.Config{Store: st.Data, DriverName: sc.Driver, Leaser: st.Leaser}
	prog := rf.progress(stderr)
	if prog != nil {
		defer prog.Close()
		cfg.Observer = prog
	}
	n := 0
	run := func(ctx context.Context, c tune.Combo, trial int) (results.Cell, error) {
		s := sc
		s.Backoffs = []string{c.Policy}
		s.BackoffBase, s.BackoffCap = scenarios.Duration(c.Base), scenarios.Duration(c.Cap)
		cc := cfg
		cc.Scenario = s
		cc.Observer = prog.WithNote(fmt.Sprintf("base %v cap %v", c.Base, c.Cap))
		n++
		return runner.RunCell(ctx, cc, runner.Spec{Strategy: c.Strategy, Backoff: c.Policy, Writers: sc.Writers[0], Trial: trial}, n-1, max(total, n))
	}
	rep, runErr := tune.Run(ctx, grid, topts, run)
	if prog != nil {
		_ = prog.Close()
	}
	if rep == nil {
		return exitBadInput, harness.BadInput(runErr)
	}

	recorded := sc
	recorded.Backoffs = policies
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   started,
		FinishedAt:  time.Now().UTC(),
		Interrupted: rep.Interrupted,
		Scenario:    recorded.ToMap(redact.DSN),
		Environment: harness.Environment(ctx, sc, st),
		Cells:       rep.Cells(),
	}
	return rf.finishSweep(file, p.ResultsName()+"-tune", sweepOutput{text: rep.WriteText, plots: rep.WriteHeatmaps, plotDir: tf.plot, plotKind: "heatmap"}, runErr, stdout, stderr)
}

// splitList splits a comma list for --flag, refusing empty and repeated
// items.
func splitList(flag, v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, badInput("--%s: empty item in %q", flag, v)
		}
		if slices.Contains(out, p) {
			return nil, badInput("--%s: %q listed twice", flag, p)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseDurations parses a comma list of durations for --flag.
func parseDurations(flag, v string) ([]time.Duration, error) {
	items, err := splitList(flag, v)
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for _, p := range items {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, badInput("--%s: want a comma list of durations like 1ms,5ms, got %q", flag, p)
		}
		out = append(out, d)
	}
	return out, nil
}
