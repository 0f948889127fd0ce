package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/occbench/occbench/internal/harness"
	"github.com/occbench/occbench/progress"
)

// Exit codes (documented in doc.go and the README).
const (
	exitOK          = harness.ExitOK
	exitFailed      = harness.ExitFailed
	exitBadInput    = harness.ExitBadInput
	exitThreshold   = harness.ExitThreshold
	exitInterrupted = harness.ExitInterrupted
)

// usageError is bad input: exit 2 with one line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is main without the process: testable.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	return runWithSignals(ctx, args, stdout, stderr, sig)
}

// teardownTimeout bounds the second Ctrl-C's cleanup: removing a
// container takes well under a second when the engine answers.
const teardownTimeout = 10 * time.Second

// runWithSignals runs a command; the first signal on sig stops the work
// and keeps what was measured, the second returns at once.
func runWithSignals(ctx context.Context, args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	return runWithTeardown(ctx, harness.NewTeardown(), args, stdout, stderr, sig)
}

// runWithTeardown is runWithSignals with the Teardown the second signal
// calls.
func runWithTeardown(ctx context.Context, td *harness.Teardown, args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	stderr = progress.NewConsole(stderr) // a line from anywhere first removes a progress bar from the screen
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadInput
	}
	cmd, rest := args[0], args[1:]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type outcome struct{ code int }
	done := make(chan outcome, 1)
	go func() {
		code, err := dispatch(ctx, td, cmd, rest, stdout, stderr)
		if err != nil {
			code = report(stderr, err, code)
		}
		done <- outcome{code}
	}()
	stopping := false
	for {
		select {
		case o := <-done:
			return o.code
		case <-sig:
			if !stopping {
				stopping = true
				fmt.Fprintln(stderr, "occbench: interrupted: stopping the current cell and keeping what was measured (Ctrl-C again to quit at once)")
				cancel()
				continue
			}
			fmt.Fprintln(stderr, "occbench: interrupted twice: removing what occbench started and quitting")
			tctx, tcancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
			if err := td.Now(tctx); err != nil {
				fmt.Fprintf(stderr, "occbench: %v\n", err)
			}
			tcancel()
			return exitInterrupted
		}
	}
}

func report(stderr io.Writer, err error, code int) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // -h: the flag set printed the usage
	}
	var ue usageError
	if errors.As(err, &ue) || harness.IsBadInput(err) {
		fmt.Fprintf(stderr, "occbench: %v\n", firstLine(err.Error()))
		return exitBadInput
	}
	fmt.Fprintf(stderr, "occbench: %v\n", err)
	if code == exitOK {
		code = exitFailed
	}
	return code
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

const usage = `usage: occbench <command> [arguments]

commands:
  run [SCENARIO] [flags]   run a scenario (default: the built-in quickstart)
  list [WHAT]              list scenarios, drivers, strategies, backoffs, distributions
  report FILE [--format F] re-render a results file (text, markdown, csv, json, jsonl, junit, hgrm, html)
  plot FILE [--out DIR]    write plots (PNG, SVG) and a self-contained report.html
  compare BASE NEW [flags] compare two results files; --fail-on gates exit 1 on a regression
  merge FILE... -o OUT     merge the results of concurrent runs of one scenario
  capacity [SCENARIO] --slo S [flags]
                           largest writers count (or rate) meeting an SLO, per strategy × backoff
  tune-backoff [SCENARIO] --writers N [flags]
                           rank backoff policy × base × cap by p99, goodput or attempts
  version                  print the version (also: occbench --version)
  help [COMMAND]           this text, or a command's flags

Run 'occbench help run' (or 'occbench run -h') for the run flags.
Exit codes: 0 ok, 1 failed (or lost updates, errors, a regression), 2 bad
input, 3 a threshold failed, 130 interrupted.
`

// commands lists the subcommands, for errors and suggestions.
var commands = []string{"run", "list", "report", "plot", "compare", "merge", "capacity", "tune-backoff", "version", "help"}

func dispatch(ctx context.Context, td *harness.Teardown, cmd string, args []string, stdout, stderr io.Writer) (int, error) {
	switch cmd {
	case "run":
		return runCmd(ctx, td, args, stdout, stderr)
	case "list":
		return exitOK, listCmd(args, stdout, stderr)
	case "report":
		return exitOK, reportCmd(args, stdout, stderr)
	case "plot":
		return exitOK, plotCmd(args, stdout, stderr)
	case "compare":
		return compareCmd(args, stdout, stderr)
	case "merge":
		return mergeCmd(ctx, args, stdout, stderr)
	case "capacity":
		return capacityCmd(ctx, td, args, stdout, stderr)
	case "tune-backoff":
		return tuneCmd(ctx, td, args, stdout, stderr)
	case "version", "-version", "--version":
		if len(args) > 0 {
			return exitBadInput, badInput("version: takes no arguments, got %q", args)
		}
		fmt.Fprintln(stdout, "occbench", harness.Version())
		return exitOK, nil
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 0:
			fmt.Fprint(stdout, usage)
			return exitOK, nil
		case len(args) > 1 || args[0] == "help" || args[0] == "version":
			return exitBadInput, badInput("help: want one command (allowed: %s)", strings.Join(commands[:len(commands)-2], ", "))
		}
		return dispatch(ctx, td, args[0], []string{"-h"}, stdout, stderr)
	}
	msg := fmt.Sprintf("unknown command %q (allowed: %s)", cmd, strings.Join(commands, ", "))
	best, bestD := "", 1<<30
	for _, c := range commands {
		if d := editDistance(cmd, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 {
		msg += "; did you mean " + best + "?"
	}
	return exitBadInput, badInput("%s", msg)
}
