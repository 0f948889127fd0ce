package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/advise"
	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/strategy"
)

// adviseFlags are the flags advise adds to the run flags.
type adviseFlags struct {
	skews, plot string
	margin      float64
}

// adviseCmd sweeps writers × key skew × strategy and says, per
// contention band, which strategy is best on goodput and on p99. Exit
// codes as run: 0 done, 1 a failure or unexpected lost updates, 2 bad
// input, 130 interrupted (what was measured is kept).
func adviseCmd(ctx context.Context, td *harness.Teardown, args []string, stdout, stderr io.Writer) (int, error) {
	rf := runFlags{teardown: td}
	var af adviseFlags
	fs := newRunFlagSet("occbench advise", &rf)
	fs.SetOutput(stdout)
	fs.StringVar(&af.skews, "skews", "single,zipfian,uniform", "key skews to sweep, comma list: single (one hot key), zipfian (θ 0.99 over --keys), uniform (over --keys)")
	fs.StringVar(&af.plot, "plot", "", "write one crossover PNG per skew (goodput and p99 vs writers, one line per strategy, crossovers marked) into this directory")
	fs.Float64Var(&af.margin, "margin", advise.DefaultMargin, "two strategies whose medians are at most this fraction apart are a tie")
	fs.Usage = func() {
		printGroupedUsage(fs.Output(), fs, fmt.Sprintf(`usage: occbench advise [SCENARIO] --driver D [--writers 1,2,4,8,16,32] [--skews single,zipfian,uniform] [--plot DIR] [run flags]

Sweeps writers × key skew for optimistic, pessimistic, lease and hybrid
(those the store can run; --strategies narrows them) with one backoff
(--backoffs, default %s), and prints, per
skew, one line per contention band saying which strategy is best on
goodput and on p99, where each stops being best (the crossover, in
optimistic's conflict ratio), and the table behind it. Strategies within
noise of each other are a tie. Unless flags set them, the writers are
1,2,4,8,16,32 (whatever the scenario lists) and the trials at least %d;
--out gets every cell and the advice.`, advise.DefaultBackoff, advise.DefaultTrials))
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, err
	}
	skews, err := advise.ParseSkews(af.skews)
	if err != nil {
		return exitBadInput, badInput("--skews: %w", err)
	}
	if !(af.margin >= 0 && af.margin < 1) {
		return exitBadInput, badInput("--margin: must be in [0, 1), got %v", af.margin)
	}
	if rf.format != "text" && rf.format != "markdown" {
		return exitBadInput, badInput("--format: advise prints text or markdown, got %q (the --out file is the JSON)", rf.format)
	}
	if rf.plotsDir != "" {
		return exitBadInput, badInput("--plots: advise draws its crossover plots with --plot DIR (occbench plot FILE draws the cells)")
	}
	if rf.metricsAddr != "" {
		return exitBadInput, badInput("--metrics-addr: advise serves no metrics; use occbench run")
	}
	// The scenario's own cells are not what advise runs: its sweep's
	// size is checked below.
	whole := rf
	whole.force = true
	p, err := whole.plan("advise", pos)
	if err != nil {
		return exitBadInput, err
	}
	pl, keysNote, err := advisePlan(p, skews)
	if err != nil {
		return exitBadInput, err
	}
	if n := pl.Cells(); n > harness.MaxCells && !rf.force {
		return exitBadInput, badInput("the sweep has %d cells, more than %d: check --writers, --skews, --strategies and --trials, or pass --force", n, harness.MaxCells)
	}
	sc := &p.Scenario
	sc.Strategies, sc.Writers, sc.Backoffs, sc.Trials = pl.Strategies, pl.Writers, []string{pl.Backoff}, pl.Trials

	planLine := func() string {
		return fmt.Sprintf("plan: advise on %s with %s: %d skews (%s) × %d writer counts (%s) × %d strategies (%s) × %d trials = %d cells of %s, about %s%s",
			sc.Driver, pl.Backoff, len(pl.Skews), af.skews, len(pl.Writers), joinWriters(pl.Writers), len(pl.Strategies), strings.Join(pl.Strategies, ", "),
			pl.Trials, pl.Cells(), sc.Duration, harness.FormatWall(time.Duration(pl.Cells())*p.CellTime()), keysNote)
	}
	if rf.dryRun {
		fmt.Fprintln(stdout, planLine())
		fmt.Fprintln(stdout, "strategies the store cannot run are left out (and named) when it opens")
		return exitOK, nil
	}

	st, err := rf.open(ctx, p, slices.Max(pl.Writers), stderr)
	if err != nil {
		return exitFailed, err
	}
	defer st.Close()
	ok, refused := p.Runnable(st, pl.Strategies)
	pl.Strategies, sc.Strategies = ok, ok
	for _, r := range refused {
		pl.Omitted = append(pl.Omitted, advise.Omission{Strategy: r.Strategy, Reason: r.Reason})
	}
	if !rf.quiet {
		fmt.Fprintln(stderr, planLine())
		for _, o := range pl.Omitted {
			fmt.Fprintf(stderr, "occbench: left out, the store cannot run it: %s\n", o)
		}
	}

	started := time.Now().UTC()
	cfg := runner.Config{Store: st.Data, DriverName: sc.Driver, Leaser: st.Leaser}
	prog := rf.progress(stderr)
	if prog != nil {
		defer prog.Close()
	}
	total, n := pl.Cells(), 0
	run := func(ctx context.Context, pt advise.Point, trial int) (results.Cell, error) {
		s := *sc
		s.Distribution = pt.Skew.Name
		if pt.Skew.Name == "zipfian" {
			s.ZipfTheta = pt.Skew.Theta
		}
		s.Writers, s.Strategies = []int{pt.Writers}, []string{pt.Strategy}
		c := cfg
		c.Scenario = s
		c.Observer = prog.WithNote(pt.Skew.Label())
		n++
		return runner.RunCell(ctx, c, runner.Spec{Strategy: pt.Strategy, Backoff: pl.Backoff, Writers: pt.Writers, Trial: trial}, n-1, max(total, n))
	}
	rep, runErr := advise.Run(ctx, pl, advise.Options{Margin: af.margin}, run)
	if prog != nil {
		_ = prog.Close()
	}
	if rep == nil {
		return exitBadInput, harness.BadInput(runErr)
	}
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   started,
		FinishedAt:  time.Now().UTC(),
		Interrupted: rep.Interrupted,
		Scenario:    sc.ToMap(redact.DSN),
		Environment: harness.Environment(ctx, *sc, st),
		Cells:       rep.Cells,
		Advice:      rep.Advice(),
	}
	return rf.finishSweep(file, p.ResultsName()+"-advise", sweepOutput{text: rep.WriteText, markdown: rep.WriteMarkdown, plots: rep.WritePlots, plotDir: af.plot, plotKind: "plot"}, runErr, stdout, stderr)
}

// advisePlan turns the scenario and flags into the sweep: the writers
// (1,2,4,8,16,32 unless --writers), the candidate strategies (unless
// --strategies), one backoff (--backoffs, else the scenario's when it
// names exactly one, else decorrelated-jitter), at least two trials (unless --trials) and,
// for the zipfian and uniform skews, at least two keys. keysNote says
// when the keys were raised.
func advisePlan(p *harness.Plan, skews []advise.Skew) (advise.Plan, string, error) {
	sc := &p.Scenario
	pl := advise.Plan{Scenario: sc.Name, Driver: sc.Driver, Skews: skews, Writers: advise.DefaultWriters(),
		Strategies: advise.Candidates(strategy.Names()), Backoff: advise.DefaultBackoff, Trials: max(sc.Trials, advise.DefaultTrials)}
	if p.FlagSet("writers") {
		pl.Writers = slices.Clone(sc.Writers)
	}
	if p.FlagSet("strategies") {
		pl.Strategies = slices.Clone(sc.Strategies)
	}
	if p.FlagSet("trials") {
		pl.Trials = sc.Trials
	}
	switch {
	case p.FlagSet("backoffs") && len(sc.Backoffs) != 1:
		return pl, "", badInput("--backoffs: advise compares strategies under one backoff, got %d (%s)", len(sc.Backoffs), strings.Join(sc.Backoffs, ", "))
	case p.FlagSet("backoffs") || (len(sc.Backoffs) == 1 && p.Origin("backoffs") != "default"):
		pl.Backoff = sc.Backoffs[0]
	}
	if p.FlagSet("distribution") {
		return pl, "", badInput("--distribution: advise sweeps the key distribution; use --skews (allowed: %s)", strings.Join(advise.SkewNames(), ", "))
	}
	if sc.Rate > 0 {
		return pl, "", badInput("--rate: advise compares closed-loop writers; drop --rate")
	}
	note := ""
	spread := slices.ContainsFunc(skews, func(s advise.Skew) bool { return s.Name != "single" })
	if spread && sc.Keys < 2 {
		if p.FlagSet("keys") {
			return pl, "", badInput("--keys: the zipfian and uniform skews need at least 2 keys, got %d (or pass --skews single)", sc.Keys)
		}
		sc.Keys = advise.DefaultKeys
		note = fmt.Sprintf(" (keys %d: the scenario has 1, too few for zipfian and uniform; pass --keys)", advise.DefaultKeys)
	}
	if err := pl.Validate(); err != nil {
		return pl, "", badInput("--%w", err)
	}
	return pl, note, nil
}

func joinWriters(ws []int) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprint(w)
	}
	return strings.Join(parts, ",")
}
