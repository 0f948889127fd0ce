package faults

import (
	"testing"
	"time"

	"github.com/occbench/occbench/results"
)

// steps builds a 100 ms step series from runs of (count, ops per step).
func steps(runs ...int64) []int64 {
	var out []int64
	for i := 0; i+1 < len(runs); i += 2 {
		for range runs[i] {
			out = append(out, runs[i+1])
		}
	}
	return out
}

func TestAnalyze(t *testing.T) {
	const step = 100 * time.Millisecond
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	pause := Fault{Kind: Pause, At: 3 * time.Second, Duration: time.Second, Spec: "pause@3s:1s"}
	for _, tt := range []struct {
		name string
		f    Fault
		m    Measured
		want results.Fault
	}{
		{
			// 100 ops/s; nothing from 3 s to 4.5 s; back to 100 ops/s.
			// The first 1 s window at ≥ 90 ops starts at 4.4 s (steps
			// 45…53 hold 90 ops): recovered 0.4 s after the end.
			name: "recovery at an exact step", f: pause,
			m: Measured{Ops: steps(30, 10, 15, 0, 35, 10), Step: step, End: 8 * time.Second,
				FirstError: ms(3020), OpsRetried: 4, Indeterminate: 2},
			want: results.Fault{Kind: "pause", Spec: "pause@3s:1s", AtS: 3, DurationS: 1, DetectS: 0.02,
				RecoverS: 0.4, ThroughputDrop: 1, OpsRetried: 4, Indeterminate: 2},
		},
		{
			// Half the throughput during the fault, full at once after.
			name: "partial drop, instant recovery", f: Fault{Kind: Latency, At: 3 * time.Second, Duration: time.Second, Spec: "latency@3s:1s"},
			m: Measured{Ops: steps(30, 10, 10, 5, 40, 10), Step: step, End: 8 * time.Second, FirstError: -1},
			want: results.Fault{Kind: "latency", Spec: "latency@3s:1s", AtS: 3, DurationS: 1, DetectS: -1,
				RecoverS: 0, ThroughputDrop: 0.5},
		},
		{
			name: "never recovering", f: pause,
			m: Measured{Ops: steps(30, 10), Step: step, End: 8 * time.Second, FirstError: ms(3001), OpsFailed: 7},
			want: results.Fault{Kind: "pause", Spec: "pause@3s:1s", AtS: 3, DurationS: 1, DetectS: 0.001,
				RecoverS: -1, ThroughputDrop: 1, OpsFailed: 7},
		},
		{
			name: "no errors, no effect", f: pause,
			m: Measured{Ops: steps(80, 10), Step: step, End: 8 * time.Second, FirstError: -1},
			want: results.Fault{Kind: "pause", Spec: "pause@3s:1s", AtS: 3, DurationS: 1, DetectS: -1,
				RecoverS: 0, ThroughputDrop: 0},
		},
		{
			// No time before the fault: the baseline is the mean of the
			// last 7 s (after the fault's end): 650 ops / 7 s ≈ 92.9
			// ops/s; a window needs ≥ 83.6 ops: steps 15…23 (90) from
			// 1.4 s.
			name: "fault at t=0", f: Fault{Kind: Pause, At: 0, Duration: time.Second, Spec: "pause@0s:1s"},
			m: Measured{Ops: steps(15, 0, 65, 10), Step: step, End: 8 * time.Second, FirstError: ms(5)},
			want: results.Fault{Kind: "pause", Spec: "pause@0s:1s", AtS: 0, DurationS: 1, DetectS: 0.005,
				RecoverS: 0.4, ThroughputDrop: 1},
		},
		{
			// The baseline is the last 10 s before the fault (100 ops/s),
			// not the 20 s (55 ops/s).
			name: "baseline over at most 10 s", f: Fault{Kind: Latency, At: 20 * time.Second, Duration: time.Second, Spec: "latency@20s:1s"},
			m: Measured{Ops: steps(100, 1, 100, 10, 10, 5, 50, 10), Step: step, End: 26 * time.Second, FirstError: -1},
			want: results.Fault{Kind: "latency", Spec: "latency@20s:1s", AtS: 20, DurationS: 1, DetectS: -1,
				RecoverS: 0, ThroughputDrop: 0.5},
		},
		{
			// Less than a whole window after the fault's end; 50 ops in the
			// 1.5 s from the injection to the end: 33 ops/s of 100.
			name: "cell ends before a window fits", f: pause,
			m: Measured{Ops: steps(30, 10, 10, 0, 5, 10), Step: step, End: 4500 * time.Millisecond, FirstError: ms(3100)},
			want: results.Fault{Kind: "pause", Spec: "pause@3s:1s", AtS: 3, DurationS: 1, DetectS: 0.1,
				RecoverS: -1, ThroughputDrop: 0.667},
		},
		{
			// The end at 4.05 s: the first whole step after it is 4.1 s.
			name: "end between steps", f: Fault{Kind: Restart, At: 3050 * time.Millisecond, Duration: time.Second, Spec: "restart@3.05s:1s"},
			m: Measured{Ops: steps(30, 10, 11, 0, 39, 10), Step: step, End: 8 * time.Second, FirstError: ms(3060)},
			want: results.Fault{Kind: "restart", Spec: "restart@3.05s:1s", AtS: 3.05, DurationS: 1, DetectS: 0.01,
				RecoverS: 0.05, ThroughputDrop: 1},
		},
		{
			name: "nothing ever committed", f: pause,
			m: Measured{Step: step, End: 8 * time.Second, FirstError: ms(3000)},
			want: results.Fault{Kind: "pause", Spec: "pause@3s:1s", AtS: 3, DurationS: 1, DetectS: 0,
				RecoverS: -1, ThroughputDrop: 1},
		},
		{
			name: "inject failed", f: Fault{Kind: Kill, At: 3 * time.Second, Spec: "kill@3s"},
			m: Measured{Ops: steps(80, 10), Step: step, End: 8 * time.Second, FirstError: -1,
				Err: "inject: docker kill: no such container"},
			want: results.Fault{Kind: "kill", Spec: "kill@3s", AtS: 3, DetectS: -1, RecoverS: 0,
				Error: "inject: docker kill: no such container"},
		},
		{
			name: "fault after the end", f: Fault{Kind: Pause, At: 9 * time.Second, Duration: time.Second, Spec: "pause@9s:1s"},
			m: Measured{Ops: steps(80, 10), Step: step, End: 8 * time.Second, FirstError: -1,
				Err: "not injected: the cell ended first"},
			want: results.Fault{Kind: "pause", Spec: "pause@9s:1s", AtS: 9, DurationS: 1, DetectS: -1, RecoverS: -1,
				Error: "not injected: the cell ended first"},
		},
		{
			name: "times rounded to ms", f: Fault{Kind: StallHolder, At: 3000400 * time.Microsecond, Duration: 999600 * time.Microsecond, Spec: "stall-holder@3.0004s:999.6ms"},
			m: Measured{Ops: steps(80, 10), Step: step, End: 8 * time.Second, FirstError: 3000900 * time.Microsecond},
			want: results.Fault{Kind: "stall-holder", Spec: "stall-holder@3.0004s:999.6ms", AtS: 3, DurationS: 1, DetectS: 0.001,
				RecoverS: 0, ThroughputDrop: 0},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Analyze(tt.f, tt.m); got != tt.want {
				t.Errorf("Analyze\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
}
