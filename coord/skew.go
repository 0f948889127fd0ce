package coord

import (
	"context"
	"fmt"
	"time"

	"github.com/occbench/occbench/clock"
)

// ServerClock reads a store's clock (drivers.Coordinator has it).
type ServerClock interface {
	Now(ctx context.Context) (time.Time, error)
}

// SkewSamples is how many readings Skew takes.
const SkewSamples = 5

// Skew measures the local clock against the server's: of SkewSamples
// readings it keeps the one of least round trip, and returns offset =
// local − server, with the server's reading taken half-way through the
// round trip, and that round trip.
func Skew(ctx context.Context, srv ServerClock, clk clock.Clock) (offset, rtt time.Duration, err error) {
	if clk == nil {
		clk = clock.Real{}
	}
	best := time.Duration(-1)
	for range SkewSamples {
		t0 := clk.Now()
		s, err := srv.Now(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("measuring clock skew: %w", err)
		}
		t1 := clk.Now()
		r := t1.Sub(t0)
		if best < 0 || r < best {
			best = r
			offset = t0.Add(r / 2).Sub(s)
		}
	}
	return offset, best, nil
}

// CheckSkew refuses an offset whose magnitude exceeds max, in one line.
func CheckSkew(index int, offset, rtt, max time.Duration) error {
	if offset > max || -offset > max {
		return fmt.Errorf("--max-skew: runner %d's clock differs from the store's by %v (round trip %v), more than %v: synchronise its clock (NTP) or raise --max-skew",
			index, offset.Round(time.Microsecond), rtt.Round(time.Microsecond), max)
	}
	return nil
}
