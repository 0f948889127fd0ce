package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/occbench/occbench/compare"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/threshold"
)

// compareCmd compares two results files. Exit codes: 0 no regression, 1
// a --fail-on gate failed (each named on stderr), 2 bad input. With too
// few trials for the U-test to reach --alpha, gates are decided on the
// medians (never passed for lack of power).
func compareCmd(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("occbench compare", flag.ContinueOnError)
	fs.SetOutput(stdout)
	failOn := fs.String("fail-on", "", "regression gates, comma separated: [STRATEGY:] METRIC OP VALUE with OP one of < <= > >= == != and VALUE +N% or -N% (relative change), +N or -N (absolute change) or N (the new value), "+
		"e.g. 'throughput<-5%,p99>+10%,lost_updates>0'; metrics: "+strings.Join(compare.Metrics(), ", ")+" (short: "+strings.Join(threshold.Aliases(), ", ")+")")
	format := fs.String("format", "text", "output format: "+strings.Join(compare.Formats(), ", "))
	alpha := fs.Float64("alpha", compare.DefaultAlpha, "significance level of the Mann-Whitney U-test over trials (with too few trials to reach it, the medians decide)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: occbench compare BASE.json NEW.json [--fail-on GATES] [--format "+strings.Join(compare.Formats(), "|")+"] [--alpha 0.05]\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitBadInput, usageError{err}
	}
	if len(pos) != 2 {
		return exitBadInput, badInput("compare: want two results files, BASE.json NEW.json, got %d arguments", len(pos))
	}
	if !slices.Contains(compare.Formats(), *format) {
		return exitBadInput, badInput("--format: unknown format %q (allowed: %s)", *format, strings.Join(compare.Formats(), ", "))
	}
	if !(*alpha > 0 && *alpha < 1) {
		return exitBadInput, badInput("--alpha: must be in (0, 1), got %v", *alpha)
	}
	gates, err := compare.ParseGates(*failOn)
	if err != nil {
		return exitBadInput, badInput("--fail-on: %w", err)
	}
	files := make([]*results.File, 2)
	for i, path := range pos {
		if files[i], err = results.ReadFile(path); err != nil {
			return exitBadInput, usageError{err}
		}
	}
	r, err := compare.Compare(files[0], files[1], compare.Options{Alpha: *alpha, Gates: gates, BaseName: pos[0], NewName: pos[1]})
	if err != nil {
		return exitBadInput, usageError{err}
	}
	if err := r.Render(stdout, *format); err != nil {
		return exitFailed, err
	}
	if len(gates) > 0 && r.Matched() == 0 {
		return exitBadInput, badInput("compare: no cell of %s matches a cell of %s: nothing to check the gates against", pos[1], pos[0])
	}
	if failed := r.Failed(); len(failed) > 0 {
		for _, f := range failed {
			fmt.Fprintf(stderr, "occbench: regression: %s\n", f)
		}
		return exitFailed, nil
	}
	return exitOK, nil
}
