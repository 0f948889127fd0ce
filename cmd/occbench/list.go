package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/keydist"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

var listSections = []string{"scenarios", "drivers", "strategies", "backoffs", "distributions"}

func listCmd(args []string, stdout, stderr io.Writer) error {
	what := listSections
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintf(stdout, "usage: occbench list [%s]\n\nLists what a scenario can name.\n", strings.Join(listSections, "|"))
		return nil
	}
	switch {
	case len(args) > 1:
		return badInput("list: want at most one of %s", strings.Join(listSections, ", "))
	case len(args) == 1:
		ok := false
		for _, s := range listSections {
			ok = ok || s == args[0]
		}
		if !ok {
			return badInput("list: unknown section %q (allowed: %s)", args[0], strings.Join(listSections, ", "))
		}
		what = []string{args[0]}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for i, s := range what {
		if len(what) > 1 {
			if i > 0 {
				fmt.Fprintln(tw)
			}
			fmt.Fprintf(tw, "%s:\n", s)
		}
		switch s {
		case "scenarios":
			for _, b := range scenarios.Builtins() {
				fmt.Fprintf(tw, "  %s\t%s\n", b.Name, b.Question)
			}
		case "drivers":
			for _, d := range drivers.All() {
				fmt.Fprintf(tw, "  %s\t%s\n", d.Name, d.Summary)
			}
		case "strategies":
			for _, n := range strategy.Names() {
				fmt.Fprintf(tw, "  %s\t%s\n", n, strategy.Describe(n))
			}
		case "backoffs":
			for _, n := range backoff.Names() {
				fmt.Fprintf(tw, "  %s\t%s\n", n, backoff.Describe(n))
			}
		case "distributions":
			for _, n := range keydist.Names() {
				fmt.Fprintf(tw, "  %s\t%s\n", n, keydist.Describe(n))
			}
		}
	}
	return tw.Flush()
}
