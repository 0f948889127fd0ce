package faults

import (
	"time"

	"github.com/occbench/occbench/results"
)

// How Analyze measures recovery.
const (
	// RecoveryWindow is the sliding window over which throughput is
	// compared with the baseline.
	RecoveryWindow = time.Second
	// RecoveryLevel is the share of the baseline throughput that counts
	// as recovered.
	RecoveryLevel = 0.9
	// BaselineSpan bounds the measured time before a fault whose mean
	// throughput is the baseline.
	BaselineSpan = 10 * time.Second
)

// Measured is what a cell measured around one fault, for Analyze. Times
// are offsets from the start of measurement.
type Measured struct {
	// Ops are the ops committed in each Step of the cell: Ops[i] in
	// [i, i+1)·Step. Steps past the end of the slice committed nothing.
	Ops  []int64
	Step time.Duration
	// End is the measured length of the cell: steps past it are not
	// looked at, and only whole steps count.
	End time.Duration
	// The counters of the fault's window, from the injection to the
	// next fault's or the end of the cell.
	OpsFailed, OpsRetried, Indeterminate int64
	// FirstError is when the first errored attempt at or after the
	// injection ended; negative when none did.
	FirstError time.Duration
	// Err says why the fault could not be injected or healed.
	Err string
}

// Analyze turns a fault and what the cell measured around it into its
// record. f.Duration is how long the fault lasted: the runner passes the
// time from its offset until it was healed (the heal returned), so that
// RecoverS counts from the moment the store was back.
//
//   - DetectS is FirstError − At; -1 when no attempt errored.
//   - The baseline is the mean throughput of the whole steps before At,
//     at most BaselineSpan of them. With no whole step before At (a fault
//     at the start of measurement) it is the mean throughput of the last
//     whole steps of the cell after the fault's end, at most BaselineSpan
//     of them: the level the cell settled at, so that RecoverS is the
//     time to reach it (a cell that never settled has a low baseline and
//     a short RecoverS: give such faults a warmup before them).
//   - RecoverS (MTTR) is the time from the fault's end (At + Duration)
//     to the start of the first RecoveryWindow of whole steps, starting
//     at or after the end, whose throughput is ≥ RecoveryLevel × the
//     baseline; -1 when no such window fits before End, or when the
//     baseline is 0 (nothing to recover to).
//   - ThroughputDrop is 1 − (mean throughput of the steps from At to the
//     recovery, or to End when it never recovered) ÷ the baseline,
//     clamped to [0, 1]: 0 when that span holds no whole step; with a
//     baseline of 0, 1 when the span committed nothing and 0 otherwise.
func Analyze(f Fault, m Measured) results.Fault {
	out := results.Fault{
		Kind: string(f.Kind), Spec: f.Spec,
		AtS: round3(f.At.Seconds()), DurationS: round3(f.Duration.Seconds()),
		DetectS: -1, RecoverS: -1,
		OpsFailed: m.OpsFailed, OpsRetried: m.OpsRetried, Indeterminate: m.Indeterminate,
		Error: m.Err,
	}
	if m.FirstError >= 0 {
		out.DetectS = round3(max(m.FirstError-f.At, 0).Seconds())
	}
	if m.Step <= 0 {
		return out
	}
	s := series{ops: m.Ops, n: int(m.End / m.Step), step: m.Step}
	span := int(BaselineSpan / m.Step)
	win := max(int(RecoveryWindow/m.Step), 1)
	at := min(int(f.At/m.Step), s.n)        // first step at or after the injection (floor)
	endStep := ceilDiv(f.End(), m.Step)     // first whole step after the fault's end
	baseline := s.rate(max(at-span, 0), at) // ops/s before the fault
	if at == 0 {
		baseline = s.rate(max(endStep, s.n-span), s.n)
	}

	recovered := -1 // step at which the recovery window starts
	if baseline > 0 {
		need := RecoveryLevel * baseline * (time.Duration(win) * m.Step).Seconds()
		var sum int64
		for i := endStep; i < s.n; i++ {
			sum += s.at(i)
			if i-endStep >= win {
				sum -= s.at(i - win)
			}
			if i-endStep+1 >= win && float64(sum) >= need {
				recovered = i - win + 1
				break
			}
		}
	}
	until := s.n
	if recovered >= 0 {
		out.RecoverS = round3((time.Duration(recovered)*m.Step - f.End()).Seconds())
		until = recovered
	}
	if until <= at {
		return out // no whole step between the injection and the recovery
	}
	during := s.rate(at, until)
	switch {
	case baseline > 0:
		out.ThroughputDrop = round3(min(max(1-during/baseline, 0), 1))
	case during == 0:
		out.ThroughputDrop = 1
	}
	return out
}

// series is a step series read up to n whole steps.
type series struct {
	ops  []int64
	n    int
	step time.Duration
}

func (s series) at(i int) int64 {
	if i < 0 || i >= len(s.ops) || i >= s.n {
		return 0
	}
	return s.ops[i]
}

// rate is the mean throughput (ops/s) of steps [from, to); 0 when empty.
func (s series) rate(from, to int) float64 {
	to = min(to, s.n)
	if to <= from {
		return 0
	}
	var sum int64
	for i := from; i < to; i++ {
		sum += s.at(i)
	}
	return float64(sum) / (time.Duration(to-from) * s.step).Seconds()
}

func ceilDiv(d, step time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + step - 1) / step)
}
