package main

import (
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
func mergeCmd(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("occbench merge", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var out string
	fs.StringVar(&out, "o", "", "merged results file (required)")
	fs.StringVar(&out, "out", "", "same as -o")
	separate := fs.Bool("separate-stores", false, "each input wrote to its own store: add up the audits' observed totals (always so for the memory driver)")
	quiet := fs.Bool("quiet", false, "print nothing when the merge succeeds")
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
	return exitOK, nil
}
