package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/occbench/occbench/plots"
	htmlreport "github.com/occbench/occbench/report"
	"github.com/occbench/occbench/results"
)

// reportFormats are the formats of `occbench report`: the results
// package's plus the HdrHistogram percentile text and the HTML report.
func reportFormats() []string { return append(results.Formats(), "hgrm", "html") }

// render writes f in format; o names the scenario's question and the
// file's path for the text and markdown reports.
func render(w io.Writer, f *results.File, format string, o results.Options) error {
	switch format {
	case "hgrm":
		return htmlreport.HGRM(w, f)
	case "html":
		return htmlreport.HTML(w, f)
	}
	return results.RenderWith(w, f, format, o)
}

func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("occbench report", flag.ContinueOnError)
	fs.SetOutput(stdout)
	format := fs.String("format", "text", "output format: "+strings.Join(reportFormats(), ", "))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: occbench report FILE [--format "+strings.Join(reportFormats(), "|")+"]\n\nRe-renders a results file on stdout.\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError{err}
	}
	if len(pos) != 1 {
		return badInput("report: want one results file, got %d arguments", len(pos))
	}
	if !slices.Contains(reportFormats(), *format) {
		return badInput("--format: unknown format %q (allowed: %s)", *format, strings.Join(reportFormats(), ", "))
	}
	f, err := results.ReadFile(pos[0])
	if err != nil {
		return usageError{err}
	}
	f.USL = results.USLOf(f) // a file written before the fit existed, or merged, is fitted now
	return render(stdout, f, *format, renderOptions(f, pos[0], ""))
}

func plotCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("occbench plot", flag.ContinueOnError)
	fs.SetOutput(stdout)
	out := fs.String("out", "plots-out", "directory for the PNG and SVG files and report.html")
	formats := fs.String("formats", "png,svg", "image formats: png, svg")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: occbench plot FILE [--out DIR] [--formats png,svg]\n\nWrites plots of a results file and a self-contained report.html into DIR.\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError{err}
	}
	if len(pos) != 1 {
		return badInput("plot: want one results file, got %d arguments", len(pos))
	}
	var fm []string
	for _, x := range strings.Split(*formats, ",") {
		if x = strings.TrimSpace(x); x != plots.FormatPNG && x != plots.FormatSVG {
			return badInput("--formats: unknown format %q (allowed: png, svg)", x)
		}
		fm = append(fm, strings.TrimSpace(x))
	}
	f, err := results.ReadFile(pos[0])
	if err != nil {
		return usageError{err}
	}
	paths, err := writePlots(f, *out, fm...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s: %s; open %s\n", len(paths), *out, folderCounts(*out, paths), filepath.Join(*out, "report.html"))
	return nil
}

// folderCounts says how many of paths each folder under dir holds, in
// order of first appearance: "throughput/ 2, latency/ 6, …".
func folderCounts(dir string, paths []string) string {
	var order []string
	n := map[string]int{}
	for _, p := range paths {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			rel = p
		}
		d := filepath.Dir(rel)
		if d == "." {
			d = rel
		} else {
			d += "/"
		}
		if n[d] == 0 {
			order = append(order, d)
		}
		n[d]++
	}
	parts := make([]string, len(order))
	for i, d := range order {
		parts[i] = fmt.Sprintf("%s %d", d, n[d])
	}
	return strings.Join(parts, ", ")
}

// writePlots writes every plot and a self-contained report.html into dir.
func writePlots(f *results.File, dir string, formats ...string) ([]string, error) {
	paths, err := plots.WriteDir(f, dir, formats...)
	if err != nil {
		return nil, fmt.Errorf("--plots: %w", err)
	}
	html := filepath.Join(dir, "report.html")
	if err := htmlreport.WriteHTMLFile(html, f); err != nil {
		return nil, fmt.Errorf("--plots: %w", err)
	}
	return append(paths, html), nil
}
