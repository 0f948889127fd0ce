package capacity

import (
	"fmt"
	"strconv"

	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/usl"
)

// FitProbes fits the Universal Scalability Law to the judged probes of a
// writers search: the median throughput of each probe against its
// writers. It returns nil when fewer than three writer counts were
// judged. The fit's MAPE is its prediction error on those probes.
func FitProbes(p Pair, probes []Probe) *results.USL {
	var pts []usl.Point
	driver := ""
	for i := range probes {
		pr := &probes[i]
		if pr.Values == nil {
			continue
		}
		pts = append(pts, usl.Point{N: pr.Load, X: pr.Values[ThroughputOpsS]})
		if driver == "" && len(pr.Cells) > 0 {
			driver = pr.Cells[0].Driver
		}
	}
	u, ok := results.NewUSL(driver, p.Strategy, p.Backoff, pts, len(pts))
	if !ok {
		return nil
	}
	return &u
}

// USL returns the fits of the pairs that have one, in pair order: what
// the results file of the search holds (File.USL).
func (r *Report) USL() []results.USL {
	var out []results.USL
	for i := range r.Answers {
		if u := r.Answers[i].USL; u != nil {
			out = append(out, *u)
		}
	}
	return out
}

// USLLines say, per pair of a writers search, what the USL fit of its
// probes predicts: σ, κ, λ and r2; where the throughput peaks (and
// whether that is beyond the writers probed, a prediction) or that it
// never does (κ = 0); and the fit's mean absolute error on the probes.
// Nil for a rate search.
func (r *Report) USLLines() []string {
	if r.Vary != Writers {
		return nil
	}
	var lines []string
	for i := range r.Answers {
		a := &r.Answers[i]
		if a.Outcome == Skipped {
			continue
		}
		lines = append(lines, a.Pair.String()+": "+uslText(a))
	}
	return lines
}

func uslText(a *Answer) string {
	u := a.USL
	if u == nil {
		n := 0
		seen := map[float64]bool{}
		for _, p := range a.Probes {
			if p.Values != nil && !seen[p.Load] {
				seen[p.Load] = true
				n++
			}
		}
		return fmt.Sprintf("no fit: %d writer counts judged, the fit needs 3", n)
	}
	if u.Error != "" {
		return "no fit: " + u.Error
	}
	top := 0
	if len(u.Writers) > 0 {
		top = u.Writers[len(u.Writers)-1]
	}
	s := fmt.Sprintf("σ %s, κ %s, λ %s ops/s, r2 %.3f; ", results.FormatSigma(u.Sigma), results.FormatKappa(u.Kappa),
		results.FormatCount(u.Lambda), u.R2)
	switch {
	case u.PeakWriters == nil:
		s += "no peak predicted (κ = 0: the throughput never falls)"
	case *u.PeakWriters < 1:
		s += fmt.Sprintf("throughput predicted to fall from 1 writer on (peak %s)", strconv.FormatFloat(*u.PeakWriters, 'g', 3, 64))
	case u.PeakBeyond:
		s += fmt.Sprintf("peak predicted at %s writers (%s ops/s), beyond the %d probed", results.FormatCount(*u.PeakWriters),
			results.FormatCount(*u.PeakOpsS), top)
	default:
		s += fmt.Sprintf("peak predicted at %s writers (%s ops/s), within the writers probed", results.FormatCount(*u.PeakWriters),
			results.FormatCount(*u.PeakOpsS))
	}
	probes := "probes"
	if u.Points == 1 {
		probes = "probe"
	}
	return s + fmt.Sprintf("; mean error on the %d %s %.1f%%", u.Points, probes, u.MAPE)
}

// uslLegend names the fitted curve in the plot: "USL fit: σ 0.050,
// κ 0.004, peak 15.4 writers" (the peak with three digits).
func uslLegend(u *results.USL, v Vary) string {
	s := fmt.Sprintf("USL fit: σ %s, κ %s", results.FormatSigma(u.Sigma), results.FormatKappa(u.Kappa))
	switch {
	case u.PeakWriters == nil:
		s += ", no peak"
	case *u.PeakWriters < 1:
		s += ", falls from 1 writer"
	case u.PeakBeyond:
		s += ", peak " + results.FormatCount(*u.PeakWriters) + " " + string(v) + " (beyond)"
	default:
		s += ", peak " + results.FormatCount(*u.PeakWriters) + " " + string(v)
	}
	return s
}
