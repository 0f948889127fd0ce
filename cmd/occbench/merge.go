package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/occbench/occbench/merge"
	"github.com/occbench/occbench/results"
)

// mergeCmd merges the results files of concurrent runs of one scenario.
// Exit codes: 0 written, 1 the file could not be written, 2 bad or
// incompatible input.
//
// Parts of a multi-runner run (occbench run --runners N) are judged as
// run judges a results file: exit 1 on unexpected lost updates (or an
// audit without a verdict), 3 on a failed threshold; with --dsn the
// store's current totals must equal those runner 0 read after the last
// cell (exit 1 otherwise).
func mergeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("occbench merge", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var out string
	fs.StringVar(&out, "o", "", "merged results file (required)")
	fs.StringVar(&out, "out", "", "same as -o")
	separate := fs.Bool("separate-stores", false, "each input wrote to its own store: add up the audits' observed totals (always so for the memory driver)")
	quiet := fs.Bool("quiet", false, "print nothing when the merge succeeds")
	var sf storeFlags
	fs.StringVar(&sf.dsn, "dsn", "", "multi-runner parts: also check the store's current totals against the last cell's (needs --driver)")
	fs.StringVar(&sf.driver, "driver", "", "the driver of --dsn")
	fs.StringVar(&sf.namespace, "namespace", "", "the run's --namespace, for --dsn")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: occbench merge A.json B.json … -o ALL.json\n\nMerges results of processes that ran the same scenario at the same time.\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, usageError{err}
	}
	if len(pos) < 2 {
		return exitBadInput, badInput("merge: want at least two results files, got %d", len(pos))
	}
	if out == "" {
		return exitBadInput, badInput("merge: -o/--out: missing: name the merged results file")
	}
	parts := make([]*results.File, len(pos))
	for i, path := range pos {
		if parts[i], err = results.ReadFile(path); err != nil {
			return exitBadInput, usageError{err}
		}
	}
	if err := sf.check(parts); err != nil {
		return exitBadInput, err
	}
	merged, err := merge.Merge(parts, merge.Options{SeparateStores: *separate})
	if err != nil {
		var ie *merge.InputError
		if errors.As(err, &ie) && ie.Index < len(pos) {
			return exitBadInput, badInput("merge: %s: %v", pos[ie.Index], ie.Err)
		}
		return exitBadInput, usageError{err}
	}
	if err := results.WriteFile(out, merged); err != nil {
		return exitFailed, fmt.Errorf("--out: %w", err)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "occbench: merged %d files (%d cells) into %s\n", len(pos), len(merged.Cells), out)
	}
	if len(merged.Runners) == 0 {
		return exitOK, nil
	}
	if sf.dsn != "" {
		line, err := sf.checkStore(ctx, merged)
		if err != nil {
			return exitFailed, err
		}
		if line != "" {
			fmt.Fprintf(stderr, "occbench: store check: %s\n", line)
			return exitFailed, nil
		}
		if !*quiet {
			fmt.Fprintln(stderr, "occbench: store check: ok (the store holds what runner 0 read after the last cell)")
		}
	}
	return finish(stderr, merged, nil)
}
