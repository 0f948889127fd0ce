package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/drivers"
	_ "github.com/occbench/occbench/drivers/memory"
	_ "github.com/occbench/occbench/drivers/mongo"
	_ "github.com/occbench/occbench/drivers/postgres"
	_ "github.com/occbench/occbench/drivers/redis"
	_ "github.com/occbench/occbench/drivers/sqlite"
	"github.com/occbench/occbench/internal/provision"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/keydist"
	"github.com/occbench/occbench/metrics"
	"github.com/occbench/occbench/progress"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
	"github.com/occbench/occbench/threshold"
)

// fieldFlag records a flag's text; it is applied to the scenario after
// the scenario is loaded, so flags win over the file.
type fieldFlag struct {
	name   string
	isBool bool
	set    *[]setting
}

type setting struct{ name, value string }

func (f *fieldFlag) String() string   { return "" }
func (f *fieldFlag) IsBoolFlag() bool { return f.isBool }
func (f *fieldFlag) Set(v string) error {
	*f.set = append(*f.set, setting{f.name, v})
	return nil
}

type runFlags struct {
	out         string
	format      string
	quiet       bool
	lockWait    string
	metricsAddr string
	plotsDir    string
	interval    time.Duration
	settings    []setting
}

func newRunFlagSet(stderr io.Writer, rf *runFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("occbench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, f := range scenarios.Flags() {
		fs.Var(&fieldFlag{name: f.Name, isBool: f.IsBool, set: &rf.settings}, f.Name, f.Usage)
	}
	fs.StringVar(&rf.out, "out", "", "results file (default results/<UTC time>-<scenario>.json)")
	fs.StringVar(&rf.format, "format", "text", "report on stdout: "+strings.Join(results.Formats(), ", "))
	fs.BoolVar(&rf.quiet, "quiet", false, "no progress on stderr")
	fs.StringVar(&rf.lockWait, "lock-wait", "", "pessimistic on postgres: wait or nowait (same as --param lock_wait=…)")
	fs.StringVar(&rf.plotsDir, "plots", "", "after the run, write plots (PNG, SVG) and a self-contained report.html into this directory")
	fs.StringVar(&rf.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address during the run (e.g. :9100)")
	fs.DurationVar(&rf.interval, "progress-interval", progress.DefaultInterval, "period of the plain progress lines when stderr is not a terminal")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: occbench run [SCENARIO] [flags]\n\nSCENARIO is a built-in name or a YAML file (default quickstart).\n\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseInterleaved parses flags that may come before or after the one
// positional argument.
//
// The flag package's own error output (the error plus the whole usage)
// is replaced by one line; -h still prints the usage.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				fs.Usage()
				return nil, err
			}
			return nil, fmt.Errorf("%w (see occbench %s -h)", err, strings.TrimPrefix(fs.Name(), "occbench "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// describeOverrides appends the flags that changed the scenario to its
// description, so that a report never presents a scenario's words for a
// run that measured something else. A --description flag is the user's
// own words and is left alone; DSNs are left out.
func describeOverrides(sc *scenarios.Scenario, settings []setting) {
	var parts []string
	for _, s := range settings {
		switch {
		case s.name == "description":
			return
		case strings.Contains(s.name, "dsn"):
			continue
		}
		parts = append(parts, "--"+s.name+" "+s.value)
	}
	if len(parts) == 0 {
		return
	}
	d := strings.TrimSpace(sc.Description)
	if d != "" {
		d += " "
	}
	sc.Description = d + "Changed by flags: " + strings.Join(parts, ", ") + "."
}

func allowed() scenarios.Allowed {
	return scenarios.Allowed{
		Drivers:       drivers.Names(),
		Strategies:    strategy.Names(),
		Backoffs:      backoff.Names(),
		Distributions: keydist.Names(),
	}
}

// loadScenario resolves the scenario argument and applies the flags.
func loadScenario(pos []string, rf *runFlags) (scenarios.Scenario, error) {
	if len(pos) > 1 {
		return scenarios.Scenario{}, badInput("run: want at most one scenario, got %q", pos)
	}
	name := "quickstart"
	if len(pos) == 1 {
		name = pos[0]
	}
	sc, err := scenarios.Load(name)
	if err != nil {
		return sc, usageError{err}
	}
	for _, s := range rf.settings {
		if err := sc.Set(s.name, s.value); err != nil {
			return sc, usageError{err}
		}
	}
	describeOverrides(&sc, rf.settings)
	if rf.lockWait != "" {
		if rf.lockWait != "wait" && rf.lockWait != "nowait" {
			return sc, badInput("--lock-wait: unknown value %q (allowed: wait, nowait)", rf.lockWait)
		}
		if sc.Params == nil {
			sc.Params = map[string]string{}
		}
		sc.Params["lock_wait"] = rf.lockWait
	}
	if err := sc.Validate(allowed()); err != nil {
		return sc, usageError{err}
	}
	ts, err := threshold.ParseAll(sc.Thresholds)
	if err != nil {
		return sc, usageError{fmt.Errorf("thresholds (--threshold): %w", err)}
	}
	if err := threshold.CheckStrategies(ts, sc.Strategies); err != nil {
		return sc, usageError{fmt.Errorf("thresholds (--threshold): %w", err)}
	}
	if err := progress.CheckInterval(rf.interval); err != nil {
		return sc, usageError{err}
	}
	if !validFormat(rf.format) {
		return sc, badInput("--format: unknown format %q (allowed: %s)", rf.format, strings.Join(results.Formats(), ", "))
	}
	return sc, nil
}

func validFormat(f string) bool {
	for _, x := range results.Formats() {
		if x == f {
			return true
		}
	}
	return false
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var rf runFlags
	fs := newRunFlagSet(stderr, &rf)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, usageError{err}
	}
	sc, err := loadScenario(pos, &rf)
	if err != nil {
		return exitBadInput, err
	}

	st, cleanup, err := openStores(ctx, sc, stderr, rf.quiet)
	if err != nil {
		return exitFailed, err
	}
	defer cleanup()

	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   time.Now().UTC(),
		Scenario:    sc.ToMap(redact.DSN),
		Environment: environment(ctx, sc, st),
	}
	out := rf.out
	if out == "" {
		out = results.DefaultPath(file.StartedAt, sc.Name)
	}
	cfg := runner.Config{Scenario: sc, Store: st.data, DriverName: sc.Driver, Leaser: st.leaser}
	var observers []runner.Observer
	var prog *progress.Progress
	if !rf.quiet {
		prog = progress.New(stderr, progress.Options{Interval: rf.interval})
		defer prog.Close()
		observers = append(observers, prog)
	}
	if rf.metricsAddr != "" {
		m := metrics.New(sc.Driver)
		mctx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
		defer stopMetrics()
		addr, err := metrics.Serve(mctx, rf.metricsAddr, m.Handler())
		if err != nil {
			return exitBadInput, usageError{err}
		}
		if !rf.quiet {
			fmt.Fprintf(stderr, "occbench: Prometheus metrics on http://%s/metrics\n", addr)
		}
		observers = append(observers, m)
	}
	if len(observers) > 0 {
		cfg.Observer = progress.Multi(observers...)
	}
	thresholds, _ := threshold.ParseAll(sc.Thresholds) // validated by loadScenario
	specs := runner.Cells(sc)
	var runErr error
	for i, spec := range specs {
		if ctx.Err() != nil {
			break
		}
		cell, err := runner.RunCell(ctx, cfg, spec, i, len(specs))
		if err != nil {
			runErr = fmt.Errorf("cell %s: %w", spec, err)
			break
		}
		cell.Thresholds = threshold.Evaluate(thresholds, &cell)
		file.Cells = append(file.Cells, cell)
	}
	if prog != nil {
		_ = prog.Close() // remove the bars before the report
	}
	file.FinishedAt = time.Now().UTC()
	file.Interrupted = ctx.Err() != nil

	if err := results.WriteFile(out, file); err != nil {
		return exitFailed, fmt.Errorf("--out: %w", err)
	}
	if err := results.Render(stdout, file, rf.format); err != nil {
		return exitFailed, err
	}
	if rf.plotsDir != "" {
		if _, err := writePlots(file, rf.plotsDir); err != nil {
			return exitFailed, err
		}
		if !rf.quiet {
			fmt.Fprintf(stderr, "occbench: plots and report in %s\n", filepath.Join(rf.plotsDir, "report.html"))
		}
	}
	if !rf.quiet {
		fmt.Fprintf(stderr, "occbench: results written to %s\n", out)
	}
	if code, err := finish(stderr, file, runErr); code != exitOK || err != nil {
		return code, err
	}
	if thresholdFailed(file) {
		fmt.Fprintln(stderr, "occbench: thresholds failed (see above)")
		return exitThreshold, nil
	}
	return exitOK, nil
}

// erroredCells names the cells where ops errored and none committed: the
// store is unreachable or misconfigured, and the numbers mean nothing.
func erroredCells(f *results.File) []string {
	var out []string
	for _, c := range f.Cells {
		var errs int64
		for _, n := range c.Errors {
			errs += n
		}
		if c.Skipped == "" && errs > 0 && c.Ops == 0 && c.Audit.Expected == 0 {
			out = append(out, fmt.Sprintf("cell %s/%s/w%d: every op errored (%v)", c.Strategy, c.Backoff, c.Writers, c.Errors))
		}
	}
	return out
}

func thresholdFailed(f *results.File) bool {
	for _, c := range f.Cells {
		if threshold.Failed(c.Thresholds) {
			return true
		}
	}
	return false
}

func unexpectedLoss(f *results.File) bool {
	for _, c := range f.Cells {
		if c.Skipped == "" && !c.Audit.OK {
			return true
		}
	}
	return false
}

// stores is what a run works on.
type stores struct {
	data   drivers.Store
	leaser strategy.Leaser // nil = the data store's own
	image  string
}

func openStores(ctx context.Context, sc scenarios.Scenario, stderr io.Writer, quiet bool) (*stores, func(), error) {
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	st := &stores{}
	// open connects to dsn, or starts a container when the driver needs
	// a server and no dsn was given.
	open := func(driver, dsn string, params map[string]string, writers int) (drivers.Store, error) {
		d, err := drivers.Lookup(driver)
		if err != nil {
			return nil, usageError{err}
		}
		if kind, kerr := provision.ParseKind(driver); kerr == nil && dsn == "" {
			if err := provision.DockerAvailable(ctx); err != nil {
				return nil, usageError{fmt.Errorf("--driver %s: %w", driver, err)}
			}
			image := ""
			if driver == sc.Driver {
				image = sc.Image
			}
			logf := func(format string, args ...any) {
				if !quiet {
					fmt.Fprintf(stderr, "occbench: "+format+"\n", args...)
				}
			}
			inst, err := provision.Start(ctx, kind, provision.Options{Image: image, Logf: logf})
			if err != nil {
				return nil, fmt.Errorf("--driver %s: starting a container: %s", driver, redact.DSN(err.Error()))
			}
			closers = append(closers, func() {
				tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				if err := inst.Terminate(tctx); err != nil {
					fmt.Fprintf(stderr, "occbench: removing the %s container: %v\n", driver, err)
				}
			})
			dsn = inst.DSN
			if driver == sc.Driver {
				st.image = inst.Image
			}
		}
		s, err := d.Open(ctx, drivers.Options{DSN: dsn, Writers: writers, Latency: sc.Latency.D(), Params: params})
		if err != nil {
			return nil, fmt.Errorf("--driver %s: %s", driver, redact.DSN(err.Error()))
		}
		closers = append(closers, func() { _ = s.Close() })
		return s, nil
	}
	maxW := 1
	for _, w := range sc.Writers {
		maxW = max(maxW, w)
	}
	data, err := open(sc.Driver, sc.DSN, sc.Params, maxW)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	st.data = data
	if sc.LeaseStore != "" && sc.LeaseStore != sc.Driver {
		ls, err := open(sc.LeaseStore, sc.LeaseDSN, nil, maxW)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		l, ok := ls.(strategy.Leaser)
		if !ok {
			cleanup()
			return nil, nil, badInput("--lease-store: driver %q does not grant leases", sc.LeaseStore)
		}
		st.leaser = l
	}
	return st, cleanup, nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func environment(ctx context.Context, sc scenarios.Scenario, st *stores) results.Environment {
	host, _ := os.Hostname()
	env := results.Environment{
		Occbench: version(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Hostname: host, Driver: sc.Driver, DSN: redact.DSN(sc.DSN), Image: st.image,
	}
	if v, ok := st.data.(drivers.Versioner); ok {
		vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if s, err := v.ServerVersion(vctx); err == nil {
			env.ServerVersion = s
		}
	}
	return env
}
