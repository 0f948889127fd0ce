package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/progress"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/tune"
)

type tuneFlags struct {
	policies, bases, caps, objective, plot string
}

// tuneCmd runs a backoff grid and recommends a policy, base and cap.
// Exit codes as run.
func tuneCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var rf runFlags
	var tf tuneFlags
	fs := newRunFlagSet(stderr, &rf)
	fs.Init("occbench tune-backoff", flag.ContinueOnError)
	fs.StringVar(&tf.policies, "policies", "full-jitter,equal-jitter,decorrelated-jitter", "backoff policies to try, comma list: "+strings.Join(backoff.Names(), ", "))
	fs.StringVar(&tf.bases, "base", "1ms,5ms,20ms", "backoff bases to try, comma list of durations")
	fs.StringVar(&tf.caps, "cap", "100ms,1s", "backoff caps to try, comma list of durations (combinations with cap < base are skipped)")
	fs.StringVar(&tf.objective, "objective", "p99", "rank by: p99 (lowest committed p99), goodput (highest ops/s), attempts (lowest attempts/op)")
	fs.StringVar(&tf.plot, "plot", "", "write one base × cap heatmap PNG per strategy × policy into this directory")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: occbench tune-backoff [SCENARIO] --writers N [--policies P,…] [--base D,…] [--cap D,…] [--objective p99|goodput|attempts] [--trials N] [--plot DIR] [run flags]

Runs every policy × base × cap at one writer count, per strategy of the
scenario, ranks the combinations by the objective (ties broken by the other
two, in the order p99, goodput, attempts) and prints the recommendation, the
runner-up and whether they differ significantly (Mann-Whitney U over the
--trials; one trial: unknown). --out gets every grid cell, with the backoff
field written as policy(base,cap).

flags:`)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, usageError{err}
	}
	obj, err := tune.ParseObjective(tf.objective)
	if err != nil {
		return exitBadInput, badInput("--objective: %w", err)
	}
	policies := splitList(tf.policies)
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
	sc, err := loadScenario(pos, &rf)
	if err != nil {
		return exitBadInput, err
	}
	if len(sc.Writers) != 1 {
		return exitBadInput, badInput("--writers: tune-backoff runs at one writer count; the scenario lists %v (pass --writers N)", sc.Writers)
	}
	grid := tune.Grid{Strategies: sc.Strategies, Policies: policies, Bases: bases, Caps: caps}
	if err := grid.Validate(); err != nil {
		return exitBadInput, badInput("--%s", err)
	}

	st, cleanup, err := openStores(ctx, sc, stderr, rf.quiet)
	if err != nil {
		return exitFailed, err
	}
	defer cleanup()

	started := time.Now().UTC()
	cfg := runner.Config{Store: st.data, DriverName: sc.Driver, Leaser: st.leaser}
	var prog *progress.Progress
	if !rf.quiet {
		prog = progress.New(stderr, progress.Options{Interval: rf.interval})
		defer prog.Close()
		cfg.Observer = prog
	}
	combos, _ := grid.Combos()
	total := len(combos) * max(sc.Trials, 1)
	n := 0
	run := func(ctx context.Context, c tune.Combo, trial int) (results.Cell, error) {
		s := sc
		s.Backoffs = []string{c.Policy}
		s.BackoffBase, s.BackoffCap = scenarios.Duration(c.Base), scenarios.Duration(c.Cap)
		cc := cfg
		cc.Scenario = s
		n++
		return runner.RunCell(ctx, cc, runner.Spec{Strategy: c.Strategy, Backoff: c.Policy, Writers: sc.Writers[0], Trial: trial}, n-1, total)
	}
	rep, runErr := tune.Run(ctx, grid, tune.Options{Objective: obj, Trials: sc.Trials}, run)
	if prog != nil {
		_ = prog.Close()
	}
	if rep == nil {
		return exitBadInput, usageError{runErr}
	}

	recorded := sc
	recorded.Backoffs = policies
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   started,
		FinishedAt:  time.Now().UTC(),
		Interrupted: rep.Interrupted,
		Scenario:    recorded.ToMap(redact.DSN),
		Environment: environment(ctx, sc, st),
		Cells:       rep.Cells(),
	}
	out := rf.out
	if out == "" {
		out = results.DefaultPath(started, sc.Name+"-tune")
	}
	if err := results.WriteFile(out, file); err != nil {
		return exitFailed, fmt.Errorf("--out: %w", err)
	}
	if err := rep.WriteText(stdout); err != nil {
		return exitFailed, err
	}
	if !rf.quiet {
		fmt.Fprintf(stderr, "occbench: results written to %s\n", out)
	}
	if tf.plot != "" {
		paths, err := rep.WriteHeatmaps(tf.plot)
		if err != nil {
			return exitFailed, fmt.Errorf("--plot: %w", err)
		}
		if !rf.quiet {
			for _, p := range paths {
				fmt.Fprintf(stderr, "occbench: heatmap written to %s\n", p)
			}
		}
	}
	return finish(stderr, file, runErr)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDurations parses a comma list of durations for --flag.
func parseDurations(flag, v string) ([]time.Duration, error) {
	var out []time.Duration
	for _, p := range splitList(v) {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, badInput("--%s: want a comma list of durations like 1ms,5ms, got %q", flag, p)
		}
		out = append(out, d)
	}
	return out, nil
}
