package faults

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Kind is what a fault does.
type Kind string

// The kinds of fault.
const (
	Pause       Kind = "pause"        // the server's processes are frozen (docker pause), then thawed
	Restart     Kind = "restart"      // the server stops cleanly and starts again, data kept
	Kill        Kind = "kill"         // the server is killed (SIGKILL) and started again: data the server keeps only in memory is lost
	Partition   Kind = "partition"    // no traffic gets through between occbench and the server, then it heals
	Latency     Kind = "latency"      // every reply is delayed (with jitter), then the delay is removed
	StallHolder Kind = "stall-holder" // lease holders stop heartbeating and stall mid-operation
)

// Kinds lists the kinds, in the order help texts show them.
func Kinds() []Kind { return []Kind{Pause, Restart, Kill, Partition, Latency, StallHolder} }

// NeedsContainer reports whether k acts on a server's container, which
// occbench must have started itself.
func (k Kind) NeedsContainer() bool { return k == Pause || k == Restart || k == Kill }

// NeedsProxy reports whether k acts on the connections, through the
// embedded proxy: it serves --dsn stores too.
func (k Kind) NeedsProxy() bool { return k == Partition || k == Latency }

// needsDuration reports whether a fault of kind k must say how long it
// lasts. restart and kill take an optional downtime (0: start again at
// once).
func (k Kind) needsDuration() bool { return !(k == Restart || k == Kill) }

// Fault is one scheduled fault.
type Fault struct {
	Kind Kind
	// At is the offset of the injection from the start of measurement
	// (after the warmup), as the time series counts.
	At time.Duration
	// Duration is how long the fault lasts: the pause, the partition,
	// the added latency, the stall; for restart and kill, the downtime
	// between the stop and the start.
	Duration time.Duration
	// Delay and Jitter are the latency kind's added delay per reply and
	// its jitter (uniform ±Jitter).
	Delay, Jitter time.Duration
	// Spec is the fault as it was written.
	Spec string
}

// End is the offset at which the fault is healed.
func (f Fault) End() time.Duration { return f.At + f.Duration }

// String returns the canonical spelling, e.g. "pause@3s:4s".
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.Kind))
	b.WriteString("@")
	b.WriteString(f.At.String())
	if f.Duration > 0 {
		b.WriteString(":")
		b.WriteString(f.Duration.String())
	}
	if f.Kind == Latency {
		b.WriteString("=")
		b.WriteString(f.Delay.String())
		if f.Jitter > 0 {
			b.WriteString("~")
			b.WriteString(f.Jitter.String())
		}
	}
	return b.String()
}

// Bounds of a fault's times.
const (
	MaxOffset   = 24 * time.Hour
	MaxDuration = time.Hour
	MaxDelay    = time.Minute
	// DefaultDelay is the latency kind's delay when none is given.
	DefaultDelay = 100 * time.Millisecond
)

// ErrSyntax is wrapped by every error of Parse.
var ErrSyntax = errors.New("invalid fault")

// Syntax is the grammar Parse accepts, for help texts.
const Syntax = "KIND@OFFSET[:DURATION] (latency: KIND@OFFSET:DURATION[=DELAY[~JITTER]])"

// Parse reads one fault: KIND@OFFSET[:DURATION], e.g. "pause@3s:4s",
// "restart@3s", "partition@2s:3s", "latency@1s:2s=200ms~50ms". Errors
// wrap ErrSyntax and name the part at fault and the allowed values.
func Parse(s string) (Fault, error) {
	f := Fault{Spec: s}
	fail := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("%w %q: %s", ErrSyntax, s, fmt.Sprintf(format, args...))
	}
	kind, rest, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok {
		return fail("want %s", Syntax)
	}
	f.Kind = Kind(kind)
	known := false
	for _, k := range Kinds() {
		known = known || k == f.Kind
	}
	if !known {
		return fail("unknown kind %q (allowed: %s)", kind, kindList())
	}
	var arg string
	if f.Kind == Latency {
		rest, arg, _ = strings.Cut(rest, "=")
	} else if strings.Contains(rest, "=") {
		return fail("only latency takes =DELAY")
	}
	at, dur, hasDur := strings.Cut(rest, ":")
	var err error
	if f.At, err = parseDuration(at); err != nil {
		return fail("offset: %v", err)
	}
	if f.At > MaxOffset {
		return fail("offset: must be ≤ %v, got %v", MaxOffset, f.At)
	}
	if hasDur {
		if f.Duration, err = parseDuration(dur); err != nil {
			return fail("duration: %v", err)
		}
		if f.Duration > MaxDuration {
			return fail("duration: must be ≤ %v, got %v", MaxDuration, f.Duration)
		}
	}
	if f.Kind.needsDuration() && f.Duration <= 0 {
		return fail("%s needs a duration > 0: %s@OFFSET:DURATION", f.Kind, f.Kind)
	}
	if f.Kind == Latency {
		f.Delay = DefaultDelay
		if arg != "" {
			d, j, hasJ := strings.Cut(arg, "~")
			if f.Delay, err = parseDuration(d); err != nil || f.Delay <= 0 {
				return fail("delay: must be a duration > 0, got %q", d)
			}
			if hasJ {
				if f.Jitter, err = parseDuration(j); err != nil {
					return fail("jitter: %v", err)
				}
			}
			if f.Delay > MaxDelay || f.Jitter > f.Delay {
				return fail("delay must be ≤ %v and jitter ≤ delay", MaxDelay)
			}
		}
	}
	return f, nil
}

// ParseList parses every item and checks that the faults do not overlap:
// each starts at or after the previous one's end. It returns them in
// the order given.
func ParseList(items []string) ([]Fault, error) {
	out := make([]Fault, 0, len(items))
	for i, it := range items {
		f, err := Parse(it)
		if err != nil {
			return nil, err
		}
		if i > 0 && f.At < out[i-1].End() {
			return nil, fmt.Errorf("%w %q: starts at %v, before %q ends at %v: list faults in order, without overlap", ErrSyntax, it, f.At, out[i-1].Spec, out[i-1].End())
		}
		out = append(out, f)
	}
	return out, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("want a duration like 3s or 500ms, got %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("must be ≥ 0, got %v", d)
	}
	return d, nil
}

func kindList() string {
	ks := Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Injector carries out faults on a cell's store. Inject puts f in
// effect and returns once it is; heal ends it (thaws, starts the
// server again and waits until it accepts connections, removes the
// toxics) and must be called exactly once, also when the cell ends
// early. An Injector is used by one cell at a time.
type Injector interface {
	Inject(ctx context.Context, f Fault) (heal func(context.Context) error, err error)
}

// round3 rounds v to 3 decimals (milliseconds, for seconds).
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
