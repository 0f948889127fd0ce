package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/occbench/occbench/capacity"
	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
)

// capacityFlags are the flags capacity adds to the run flags.
type capacityFlags struct {
	slo         string
	vary        string
	max         float64
	budget      time.Duration
	plot        string
	probeTrials int
	rateStart   float64
	confirm     int
	noConfirm   bool
}

// capacityCmd searches, per strategy × backoff, for the largest load that
// meets an SLO. Exit codes as run: 0 done (whatever the answers), 1 a
// failure or unexpected lost updates, 2 bad input, 130 interrupted.
func capacityCmd(ctx context.Context, td *harness.Teardown, args []string, stdout, stderr io.Writer) (int, error) {
	rf := runFlags{teardown: td}
	var cf capacityFlags
	fs := newRunFlagSet("occbench capacity", &rf)
	fs.SetOutput(stdout)
	fs.StringVar(&cf.slo, "slo", "", "service level objective, comma list of METRIC OP VALUE (OP: < <= > >= ==), e.g. 'p99_ms<=50,success_rate>=0.999'; metrics: "+strings.Join(capacity.Metrics(), ", "))
	fs.StringVar(&cf.vary, "vary", "writers", "load to search: "+strings.Join(capacity.VaryValues(), ", "))
	fs.Float64Var(&cf.max, "max", 0, fmt.Sprintf("largest load probed (default %d writers, or %s ops/s)", capacity.DefaultMaxWriters, results.FormatCount(capacity.DefaultMaxRate)))
	fs.DurationVar(&cf.budget, "budget-time", capacity.DefaultBudget, "time bound of the whole search; when it runs out the answers are lower bounds (0 = none)")
	fs.StringVar(&cf.plot, "plot", "", "write one PNG per strategy × backoff (throughput and latency vs load, probes, SLO) into this directory")
	fs.IntVar(&cf.probeTrials, "probe-trials", 0, "run each probe N times and judge the medians (default: the scenario's trials)")
	fs.IntVar(&cf.confirm, "confirm-trials", capacity.DefaultConfirmTrials, "re-probe the best answer's load this many times, with the pairs closest to it, to tell which pairs are within noise of the best")
	fs.BoolVar(&cf.noConfirm, "no-confirm", false, "skip the re-probes: within noise of the best means within one bisection step")
	fs.Float64Var(&cf.rateStart, "rate-start", 0, fmt.Sprintf("--vary rate: first rate probed, ops/s (default the scenario's rate, or %d)", capacity.DefaultRateStart))
	fs.Usage = func() {
		printGroupedUsage(fs.Output(), fs, `usage: occbench capacity [SCENARIO] --slo 'p99_ms<=50,success_rate>=0.999' [--vary writers|rate] [--max N] [--budget-time 5m] [--plot DIR] [run flags]

For each strategy × backoff of the scenario, finds the largest writers count
(or open-loop rate) whose probe meets the SLO: doubling from 1 writer (or
--rate-start) until a probe fails or --max is reached, then bisecting to
adjacent writer counts (or to within 5% for a rate). Prints one answer line
per strategy × backoff and the table of probes; --out gets every probe cell.`)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, err
	}
	if cf.slo == "" {
		return exitBadInput, badInput("--slo: required, e.g. --slo 'p99_ms<=50,success_rate>=0.999' (metrics: %s)", strings.Join(capacity.Metrics(), ", "))
	}
	slo, err := capacity.ParseSLO(cf.slo)
	if err != nil {
		return exitBadInput, badInput("--slo: %w", err)
	}
	vary, err := capacity.ParseVary(cf.vary)
	if err != nil {
		return exitBadInput, badInput("--vary: %w", err)
	}
	if rf.format != "text" && rf.format != "markdown" {
		return exitBadInput, badInput("--format: capacity prints text or markdown, got %q (the --out file is the JSON)", rf.format)
	}
	p, err := rf.plan("capacity", pos)
	if err != nil {
		return exitBadInput, err
	}
	sc := p.Scenario
	opts, writers, err := capacityOptions(sc, cf, slo, vary)
	if err != nil {
		return exitBadInput, err
	}
	if cf.confirm < 1 || cf.confirm > 1000 {
		return exitBadInput, badInput("--confirm-trials: must be 1 … 1000, got %d", cf.confirm)
	}
	opts.ConfirmTrials, opts.NoConfirm = cf.confirm, cf.noConfirm
	pairs := capacityPairs(sc)
	total, err := capacity.MaxCells(len(pairs), opts)
	if err != nil {
		return exitBadInput, badInput("%w", err)
	}
	planLine := fmt.Sprintf("plan: capacity search of %s on %s for %s, %d strategy × backoff pairs, at most %d probe cells of %s (at most %s, bounded by --budget-time %s)",
		sc.Name, sc.Driver, slo, len(pairs), total, sc.Duration, harness.FormatWall(time.Duration(total)*p.CellTime()), cf.budget)
	if rf.dryRun {
		fmt.Fprintln(stdout, planLine)
		return exitOK, p.WriteDimensions(stdout)
	}

	// Size connection pools for the largest probe.
	poolWriters := writers
	if vary == capacity.Writers {
		poolWriters = int(opts.Max)
	}
	st, err := rf.open(ctx, p, poolWriters, stderr)
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
	probes := 0
	trialOf := map[string]int{}
	run := func(ctx context.Context, strategy, backoff string, load float64) (results.Cell, error) {
		s := sc
		s.Trials = opts.Trials
		spec := runner.Spec{Strategy: strategy, Backoff: backoff, Writers: int(load)}
		if vary == capacity.Rate {
			s.Rate, spec.Writers = load, writers
		}
		s.Writers = []int{spec.Writers}
		key := fmt.Sprint(strategy, "/", backoff, "/", load)
		trialOf[key]++
		spec.Trial = trialOf[key]
		c := cfg
		c.Scenario = s
		probes++
		return runner.RunCell(ctx, c, spec, probes-1, max(total, probes))
	}
	rep, runErr := capacity.Search(ctx, pairs, opts, run)
	if prog != nil {
		_ = prog.Close()
	}
	if rep == nil {
		return exitBadInput, harness.BadInput(runErr)
	}

	recorded := sc
	recorded.Trials = opts.Trials
	if vary == capacity.Writers {
		recorded.Writers = nil
		for _, l := range rep.Loads() {
			recorded.Writers = append(recorded.Writers, int(l))
		}
	}
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   started,
		FinishedAt:  time.Now().UTC(),
		Interrupted: rep.Interrupted,
		Scenario:    recorded.ToMap(redact.DSN),
		Environment: harness.Environment(ctx, sc, st),
		Cells:       rep.Cells(),
		USL:         rep.USL(), // the fits of the search's probes, as the report prints them
	}
	return rf.finishSweep(file, p.ResultsName()+"-capacity", sweepOutput{text: rep.WriteText, markdown: rep.WriteMarkdown, plots: rep.WritePlots, plotDir: cf.plot, plotKind: "plot"}, runErr, stdout, stderr)
}

// capacityOptions turns the flags into search options; writers is the
// writer count of a rate search.
func capacityOptions(sc scenarios.Scenario, cf capacityFlags, slo capacity.SLO, vary capacity.Vary) (capacity.Options, int, error) {
	opts := capacity.Options{SLO: slo, Vary: vary, Budget: cf.budget, Trials: sc.Trials}
	if cf.probeTrials < 0 || cf.probeTrials > 1000 {
		return opts, 0, badInput("--probe-trials: must be 1 … 1000, got %d", cf.probeTrials)
	}
	if cf.probeTrials > 0 {
		opts.Trials = cf.probeTrials
	}
	if cf.budget < 0 {
		return opts, 0, badInput("--budget-time: must be ≥ 0 (0 = no bound), got %s", cf.budget)
	}
	if cf.max < 0 || math.IsNaN(cf.max) || math.IsInf(cf.max, 0) {
		return opts, 0, badInput("--max: must be > 0, got %v", cf.max)
	}
	switch vary {
	case capacity.Writers:
		if cf.rateStart != 0 {
			return opts, 0, badInput("--rate-start: only with --vary rate")
		}
		opts.Max = cf.max
		if opts.Max == 0 {
			opts.Max = capacity.DefaultMaxWriters
		}
		if opts.Max != math.Trunc(opts.Max) || opts.Max < 1 || opts.Max > 10000 {
			return opts, 0, badInput("--max: --vary writers wants an integer 1 … 10000, got %v", cf.max)
		}
		return opts, 0, nil
	}
	if len(sc.Writers) != 1 {
		return opts, 0, badInput("--writers: --vary rate runs at one writer count; the scenario lists %v (pass --writers N)", sc.Writers)
	}
	opts.Start = cf.rateStart
	if opts.Start == 0 {
		opts.Start = sc.Rate
	}
	if opts.Start == 0 {
		opts.Start = capacity.DefaultRateStart
	}
	if opts.Start < 0 || math.IsNaN(opts.Start) || math.IsInf(opts.Start, 0) {
		return opts, 0, badInput("--rate-start: must be > 0, got %v", cf.rateStart)
	}
	opts.Max = cf.max
	if opts.Max == 0 {
		opts.Max = max(capacity.DefaultMaxRate, opts.Start)
	}
	if opts.Max < opts.Start {
		return opts, 0, badInput("--max: must be ≥ the start rate %v, got %v", opts.Start, cf.max)
	}
	return opts, sc.Writers[0], nil
}

// capacityPairs lists the scenario's strategy × backoff pairs in run order.
func capacityPairs(sc scenarios.Scenario) []capacity.Pair {
	var out []capacity.Pair
	for _, s := range sc.Strategies {
		for _, b := range sc.Backoffs {
			out = append(out, capacity.Pair{Strategy: s, Backoff: b})
		}
	}
	return out
}
