package main

import (
	"flag"
	"io"
	"strings"

	"github.com/occbench/occbench/results"
)

func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("occbench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: "+strings.Join(results.Formats(), ", "))
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError{err}
	}
	if len(pos) != 1 {
		return badInput("report: want one results file, got %d arguments", len(pos))
	}
	if !validFormat(*format) {
		return badInput("--format: unknown format %q (allowed: %s)", *format, strings.Join(results.Formats(), ", "))
	}
	f, err := results.ReadFile(pos[0])
	if err != nil {
		return usageError{err}
	}
	return results.Render(stdout, f, *format)
}
