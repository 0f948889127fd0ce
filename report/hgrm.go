package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/occbench/occbench/results"
)

// TicksPerHalfDistance is the density of the percentile rows HGRM
// writes: 5 rows each time the distance to 100% halves, as HdrHistogram's
// own tools print by default.
const TicksPerHalfDistance = 5

// HGRM writes the percentile distribution of every histogram of every
// cell that ran, in cell order and, within a cell, outcome order (sorted):
// a header line
//
//	# cell: optimistic/full-jitter/w16 outcome: committed (values in ms)
//
// then the distribution in HdrHistogram's text format (see
// PercentileDistribution): latencies in milliseconds, attempt counts as
// they are. A blank line separates histograms. Every line that is not a
// distribution row starts with '#', so each block is readable by the
// HdrHistogram plotter (hdrhistogram.github.io/HdrHistogram/plotFiles.html)
// and by tools that parse .hgrm files; the plotter draws one histogram per
// file, so to compare cells there, write one block per file with
// PercentileDistribution. Skipped cells are left out. It fails on a
// histogram that does not decode and on the first write error.
func HGRM(w io.Writer, f *results.File) error {
	if f == nil {
		return errors.New("report: hgrm: nil results file")
	}
	bw := bufio.NewWriter(w)
	first := true
	multiDriver := len(distinctDrivers(f)) > 1
	for i := range f.Cells {
		c := &f.Cells[i]
		if c.Skipped != "" {
			continue
		}
		id := cellPath(c, multiDriver)
		for _, outcome := range slices.Sorted(maps.Keys(c.Histograms)) {
			h, err := results.DecodeHistogram(c.Histograms[outcome])
			if err != nil {
				return fmt.Errorf("report: hgrm: cell %s: histograms: %s: %w", id, outcome, err)
			}
			if !first {
				if _, err := bw.WriteString("\n"); err != nil {
					return err
				}
			}
			first = false
			scale, unit := 1000.0, "values in ms"
			if outcome == results.HistAttempts {
				scale, unit = 1, "values: attempts per committed op"
			}
			if _, err := fmt.Fprintf(bw, "# cell: %s outcome: %s (%s)\n", id, outcome, unit); err != nil {
				return err
			}
			if h.TotalCount() == 0 {
				if _, err := bw.WriteString("# (no values recorded)\n"); err != nil {
					return err
				}
				continue
			}
			if err := PercentileDistribution(bw, h, scale); err != nil {
				return fmt.Errorf("report: hgrm: cell %s: %s: %w", id, outcome, err)
			}
		}
	}
	return bw.Flush()
}

// cellPath names a cell in HGRM headers: strategy/backoff/w<writers>,
// prefixed by the driver when the file has several, followed by
// /r<rate> for open-loop cells and /trial<n> for repeated ones.
func cellPath(c *results.Cell, multiDriver bool) string {
	var parts []string
	if multiDriver {
		parts = append(parts, c.Driver)
	}
	parts = append(parts, c.Strategy, c.Backoff, "w"+strconv.Itoa(c.Writers))
	if c.Rate > 0 {
		parts = append(parts, "r"+strconv.FormatFloat(c.Rate, 'f', -1, 64))
	}
	if c.Trial > 0 {
		parts = append(parts, "trial"+strconv.Itoa(c.Trial))
	}
	return strings.Join(parts, "/")
}

// PercentileDistribution writes h's percentile distribution exactly as
// the Java HdrHistogram's outputPercentileDistribution(out, 5,
// valueScale) does (the .hgrm format):
//
//	       Value     Percentile TotalCount 1/(1-Percentile)
//
//	       0.010 0.000000000000          1           1.00
//	…
//	      10.007 1.000000000000       1000
//	#[Mean    =        5.005, StdDeviation   =        2.887]
//	#[Max     =       10.007, Total count    =         1000]
//	#[Buckets =           22, SubBuckets     =         2048]
//
// Values are divided by valueScale (1000 turns µs into ms) and printed
// with as many decimals as h has significant figures. The rows come from
// hdrhistogram-go's percentile iteration (CumulativeDistributionWithTicks
// with TicksPerHalfDistance); the footer is the one hdrhistogram-go's
// PercentilesPrint writes, which already matches Java's. (PercentilesPrint's
// own rows differ from Java's: a tab-separated header, percentiles with 6
// decimals instead of 12, which loses the far tail, and "inf" on the last
// row.)
func PercentileDistribution(w io.Writer, h *hdrhistogram.Histogram, valueScale float64) error {
	if h == nil {
		return errors.New("percentile distribution: nil histogram")
	}
	if !(valueScale > 0) || math.IsInf(valueScale, 0) {
		return fmt.Errorf("percentile distribution: value scale %v: must be a positive number", valueScale)
	}
	var lib bytes.Buffer
	if _, err := h.PercentilesPrint(&lib, TicksPerHalfDistance, valueScale); err != nil {
		return fmt.Errorf("percentile distribution: %w", err)
	}
	footer, err := libFooter(lib.Bytes())
	if err != nil {
		return err
	}

	digits := int(h.SignificantFigures())
	row := "%12." + strconv.Itoa(digits) + "f %2.12f %10d %14.2f\n"
	last := "%12." + strconv.Itoa(digits) + "f %2.12f %10d\n"
	var b bytes.Buffer
	fmt.Fprintf(&b, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	for _, br := range h.CumulativeDistributionWithTicks(TicksPerHalfDistance) {
		v := float64(br.ValueAt) / valueScale
		q := br.Quantile / 100
		if br.Quantile != 100 {
			fmt.Fprintf(&b, row, v, q, br.Count, 1/(1-q))
		} else {
			fmt.Fprintf(&b, last, v, q, br.Count)
		}
	}
	b.Write(footer)
	_, err = w.Write(b.Bytes())
	return err
}

// libFooter returns the three "#[" footer lines of PercentilesPrint's
// output.
func libFooter(out []byte) ([]byte, error) {
	i := bytes.Index(out, []byte("#[Mean"))
	if i < 0 || bytes.Count(out[i:], []byte("\n#[")) != 2 {
		return nil, fmt.Errorf("percentile distribution: unexpected hdrhistogram-go PercentilesPrint footer %q", out[max(0, i):])
	}
	return out[i:], nil
}
