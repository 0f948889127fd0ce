package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/dashboard"
	_ "github.com/occbench/occbench/drivers/memory"
	_ "github.com/occbench/occbench/drivers/mongo"
	_ "github.com/occbench/occbench/drivers/postgres"
	_ "github.com/occbench/occbench/drivers/redis"
	_ "github.com/occbench/occbench/drivers/sqlite"
	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/metrics"
	"github.com/occbench/occbench/progress"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
)

// runFlags are the flags run shares with capacity and tune-backoff.
type runFlags struct {
	out         string
	format      string
	quiet       bool
	lockWait    string
	metricsAddr string
	plotsDir    string
	interval    time.Duration
	dryRun      bool
	force       bool
	settings    []harness.Setting
	teardown    *harness.Teardown // what the second Ctrl-C undoes
	multi       harness.Multi     // run's --runners and friends (multi.go)
}

func newRunFlagSet(name string, rf *runFlags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	addScenarioFlags(fs, &rf.settings)
	fs.StringVar(&rf.out, "out", "", "results file (default "+results.DefaultDir+"/<UTC time>-<scenario>.json)")
	fs.StringVar(&rf.format, "format", "text", "report on stdout: "+strings.Join(results.Formats(), ", "))
	fs.BoolVar(&rf.quiet, "quiet", false, "no plan and no progress on stderr")
	fs.StringVar(&rf.lockWait, "lock-wait", "", "pessimistic on postgres: wait or nowait (same as --params lock_wait=…)")
	fs.StringVar(&rf.plotsDir, "plots", "", "after the run, write plots (PNG, SVG) and a self-contained report.html into this directory")
	fs.StringVar(&rf.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address during the run (e.g. 127.0.0.1:9100)")
	fs.DurationVar(&rf.interval, "progress-interval", progress.DefaultInterval, "period of the plain progress lines when stderr is not a terminal")
	fs.BoolVar(&rf.dryRun, "dry-run", false, "print the plan (cells, each dimension and where its value came from, estimated time) and exit")
	fs.BoolVar(&rf.force, "force", false, fmt.Sprintf("run a plan of more than %d cells", harness.MaxCells))
	return fs
}

// plan resolves the scenario argument and the flags into a plan.
func (rf *runFlags) plan(cmd string, pos []string) (*harness.Plan, error) {
	if len(pos) > 1 {
		return nil, harness.BadInputf("%s: want at most one scenario, got %q", cmd, pos)
	}
	arg := ""
	if len(pos) == 1 {
		arg = pos[0]
	}
	settings := rf.settings
	if rf.lockWait != "" {
		if rf.lockWait != "wait" && rf.lockWait != "nowait" {
			return nil, harness.BadInputf("--lock-wait: unknown value %q (allowed: wait, nowait)", rf.lockWait)
		}
		settings = append(slices.Clone(settings), harness.Setting{Flag: "params", Value: "lock_wait=" + rf.lockWait})
	}
	if err := progress.CheckInterval(rf.interval); err != nil {
		return nil, harness.BadInput(err)
	}
	p, err := harness.NewPlan(arg, settings)
	if err != nil {
		return nil, err
	}
	if err := p.CheckSize(rf.force); err != nil {
		return nil, err
	}
	if cmd != "run" && len(p.Scenario.Faults) > 0 {
		return nil, harness.BadInputf("faults: %s measures the store at its best and injects no faults; use occbench run --fault", cmd)
	}
	return p, nil
}

// announce prints the plan on stderr unless --quiet.
func (rf *runFlags) announce(p *harness.Plan, stderr io.Writer) {
	if !rf.quiet {
		_ = p.Write(stderr)
	}
}

// open opens the plan's stores and refuses a plan that cannot run on them.
func (rf *runFlags) open(ctx context.Context, p *harness.Plan, writers int, stderr io.Writer) (*harness.Stores, error) {
	var logf func(string, ...any)
	if !rf.quiet {
		logf = func(format string, args ...any) { fmt.Fprintf(stderr, "occbench: "+format+"\n", args...) }
	}
	st, err := harness.Open(ctx, p.Scenario, harness.OpenOptions{Writers: writers, Logf: logf, Stderr: stderr, Teardown: rf.teardown, Namespace: rf.multi.Namespace})
	if err != nil {
		return nil, err
	}
	if err := p.CheckRunnable(st); err != nil {
		st.Close()
		return nil, err
	}
	if rf.multi.Active() && rf.multi.Index != 0 {
		return st, nil // only runner 0 sets anything up
	}
	if err := p.Preflight(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// progress returns the progress observer, or nil with --quiet.
func (rf *runFlags) progress(stderr io.Writer) *progress.Progress {
	if rf.quiet {
		return nil
	}
	return progress.New(stderr, progress.Options{Interval: rf.interval})
}

// writeResults writes the results file (to a fallback path when --out
// cannot be written) and says where.
func (rf *runFlags) writeResults(f *results.File, defaultName string, stderr io.Writer) (path string, err error) {
	out := rf.out
	if out == "" {
		out = results.DefaultPath(f.StartedAt, defaultName)
	}
	done := rf.teardown.Writing()
	path, err = harness.WriteResults(out, f)
	done()
	if err == nil && !rf.quiet {
		fmt.Fprintf(stderr, "occbench: results written to %s\n", path)
	}
	return path, err
}

func runCmd(ctx context.Context, td *harness.Teardown, args []string, stdout, stderr io.Writer) (int, error) {
	rf := runFlags{teardown: td}
	fs := newRunFlagSet("occbench run", &rf)
	mf := addMultiFlags(fs)
	dashAddr := fs.String("dashboard", "", `serve a live page of the run on this address (":8080" binds 127.0.0.1; 0.0.0.0:8080 every interface); it offers report.html at the end and stops when the run ends`)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		printGroupedUsage(fs.Output(), fs, `usage: occbench run [SCENARIO] [flags]

Runs every cell of a scenario (writers × strategies × backoffs × trials)
and prints a report; the results file gets every number. SCENARIO is a
built-in name (occbench list scenarios) or a YAML file; default quickstart.
Every scenario field has a flag of the same name; flags win over the file.
The defaults below are what a bare 'occbench run' uses.`)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return harness.ExitBadInput, err
	}
	if !slices.Contains(results.Formats(), rf.format) {
		return harness.ExitBadInput, harness.BadInputf("--format: unknown format %q (allowed: %s)", rf.format, strings.Join(results.Formats(), ", "))
	}
	if *dashAddr != "" {
		if _, err := dashboard.ResolveAddr(*dashAddr); err != nil {
			return harness.ExitBadInput, harness.BadInput(err)
		}
	}
	p, err := rf.plan("run", pos)
	if err != nil {
		return harness.ExitBadInput, err
	}
	if rf.multi, err = mf.resolve(fs, p); err != nil {
		return harness.ExitBadInput, err
	}
	if rf.dryRun {
		return harness.ExitOK, p.Write(stdout)
	}
	st, err := rf.open(ctx, p, 0, stderr)
	if err != nil {
		return harness.ExitFailed, err
	}
	defer st.Close()
	rf.announce(p, stderr)
	var runOpts harness.RunOptions
	if rf.multi.Active() {
		share, rr, closeRun, err := rf.multi.Join(ctx, p, st)
		if err != nil {
			if harness.IsBadInput(err) {
				return harness.ExitBadInput, err
			}
			return harness.ExitFailed, err
		}
		defer func() { _ = closeRun(context.WithoutCancel(ctx)) }()
		runOpts.Share, runOpts.Runner = share, rr
		if !rf.quiet {
			fmt.Fprintf(stderr, "occbench: runner %d of %d, clock skew %.3f ms (round trip %.3f ms)\n", rr.Index, rr.Runners, rr.SkewMS, rr.RTTMS)
		}
	}

	var observers []runner.Observer
	prog := rf.progress(stderr)
	if prog != nil {
		defer prog.Close()
		observers = append(observers, prog)
	}
	if rf.metricsAddr != "" {
		m := metrics.New(p.Scenario.Driver)
		if rf.multi.Active() {
			m = metrics.NewRunner(p.Scenario.Driver, rf.multi.Index)
		}
		mctx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
		defer stopMetrics()
		addr, err := metrics.Serve(mctx, rf.metricsAddr, m.Handler())
		if err != nil {
			return harness.ExitBadInput, harness.BadInput(err)
		}
		if !rf.quiet {
			fmt.Fprintf(stderr, "occbench: Prometheus metrics on http://%s/metrics\n", addr)
		}
		observers = append(observers, m)
	}
	var dash *dashboardRun
	if *dashAddr != "" {
		dash, err = startDashboard(*dashAddr, p, stderr)
		if err != nil {
			return harness.ExitBadInput, harness.BadInput(err)
		}
		defer dash.close(ctx, nil)
		observers = append(observers, dash.d)
	}
	var stream *secondStream
	if rf.format == "jsonl" {
		stream = newSecondStream(stdout, clock.Real{}, p.Scenario.Driver, p.Scenario.Rate, p.Scenario.Trials)
		defer stream.Close()
		observers = append(observers, stream)
	}
	var obs runner.Observer
	if len(observers) > 0 {
		obs = progress.Multi(observers...)
	}
	runOpts.Observer = obs
	file, runErr := harness.Run(ctx, p, st, runOpts)
	if prog != nil {
		_ = prog.Close() // remove the bars before the report
	}
	path, werr := rf.writeResults(file, p.ResultsName(), stderr)
	opts := renderOptions(file, path, runQuestion(p.Provenance))
	if stream != nil {
		// The seconds went out as they happened; the summaries follow.
		if err := stream.Close(); err != nil {
			return harness.ExitFailed, err
		}
		if err := results.WriteJSONL(stdout, file, false, opts); err != nil {
			return harness.ExitFailed, err
		}
	} else if err := results.RenderWith(stdout, file, rf.format, opts); err != nil {
		return harness.ExitFailed, err
	}
	if dash != nil {
		dash.close(ctx, file)
	}
	if werr != nil {
		return harness.ExitFailed, werr
	}
	if rf.plotsDir != "" {
		if _, err := writePlots(file, rf.plotsDir); err != nil {
			return harness.ExitFailed, err
		}
		if !rf.quiet {
			fmt.Fprintf(stderr, "occbench: plots and report in %s\n", filepath.Join(rf.plotsDir, "report.html"))
		}
	}
	return finish(stderr, file, runErr)
}

// finish prints the verdict's lines and returns its exit code.
func finish(stderr io.Writer, file *results.File, runErr error) (int, error) {
	v := harness.Judge(file, runErr)
	for _, l := range v.Lines {
		fmt.Fprintf(stderr, "occbench: %s\n", l)
	}
	return v.Code, v.Err
}
