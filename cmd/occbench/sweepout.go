package main

import (
	"fmt"
	"io"

	"github.com/occbench/occbench/results"
)

// sweepOutput is what capacity, tune-backoff and advise print and write
// after their sweep: the report (markdown nil: text only) and the plots.
type sweepOutput struct {
	text, markdown func(io.Writer) error
	plots          func(dir string) ([]string, error)
	plotDir        string // --plot; "" = none
	plotKind       string // "plot" or "heatmap", in the lines naming each file
}

// finishSweep writes file (named after the plan, with suffix), prints
// the report in --format, writes the plots, and maps runErr to the exit
// code as run does (finish).
func (rf *runFlags) finishSweep(file *results.File, name string, o sweepOutput, runErr error, stdout, stderr io.Writer) (int, error) {
	_, werr := rf.writeResults(file, name, stderr)
	write := o.text
	if rf.format == "markdown" && o.markdown != nil {
		write = o.markdown
	}
	if err := write(stdout); err != nil {
		return exitFailed, err
	}
	if werr != nil {
		return exitFailed, werr
	}
	if o.plotDir != "" {
		paths, err := o.plots(o.plotDir)
		if err != nil {
			return exitFailed, fmt.Errorf("--plot: %w", err)
		}
		if !rf.quiet {
			for _, p := range paths {
				fmt.Fprintf(stderr, "occbench: %s written to %s\n", o.plotKind, p)
			}
		}
	}
	return finish(stderr, file, runErr)
}
