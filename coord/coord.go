package coord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
)

// Defaults of the flags that tune coordination.
const (
	DefaultBarrierTimeout = 2 * time.Minute
	DefaultMaxSkew        = 50 * time.Millisecond
	// Poll is how often a waiting runner reads the markers.
	Poll = 50 * time.Millisecond
)

// ErrTimeout is wrapped by the error of a wait that the barrier timeout
// ended.
var ErrTimeout = errors.New("barrier timeout")

// Options configure one runner's coordination.
type Options struct {
	Index, Runners int
	// Fingerprint names the run (the scenario's name and the runner
	// count, say): a runner joins only a run of the same fingerprint.
	Fingerprint string
	Timeout     time.Duration // --barrier-timeout; 0 = DefaultBarrierTimeout
	StartAt     time.Time     // --start-at: the first cell's start; zero = a barrier
	Clock       clock.Clock   // nil = wall clock
}

// Coord is one runner's side of the coordination. It implements
// runner.Coordination.
type Coord struct {
	store   drivers.Coordinator
	o       Options
	token   string
	started bool // Start was called: --start-at applies to the first call only
}

// Open opens runner o.Index's side of the run: runner 0 clears the
// namespace's markers and announces the run; the others wait (at most
// the barrier timeout) for runner 0's announcement.
func Open(ctx context.Context, store drivers.Coordinator, o Options) (*Coord, error) {
	if o.Runners < 2 || o.Index < 0 || o.Index >= o.Runners {
		return nil, fmt.Errorf("--runner-index: must be 0 … %d, got %d", o.Runners-1, o.Index)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultBarrierTimeout
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	c := &Coord{store: store, o: o}
	if o.Index == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("run token: %w", err)
		}
		c.token = hex.EncodeToString(b[:])
		now, err := store.Now(ctx)
		if err != nil {
			return nil, fmt.Errorf("opening the run: %w", err)
		}
		if err := store.ClearMarks(ctx); err != nil {
			return nil, fmt.Errorf("opening the run: %w", err)
		}
		v := c.token + "|" + strconv.FormatInt(now.UnixNano(), 10) + "|" + o.Fingerprint
		if err := store.Mark(ctx, "run", v); err != nil {
			return nil, fmt.Errorf("opening the run: %w", err)
		}
		return c, nil
	}
	deadline := o.Clock.Now().Add(o.Timeout)
	for {
		token, err := c.readRun(ctx)
		if err != nil {
			return nil, err
		}
		if token != "" {
			c.token = token
			return c, nil
		}
		if !o.Clock.Now().Before(deadline) {
			return nil, fmt.Errorf("runner %d: runner 0 did not open the run (%s) within %v (--barrier-timeout): runners that did not arrive: 0: %w",
				o.Index, o.Fingerprint, o.Timeout, ErrTimeout)
		}
		if err := o.Clock.Sleep(ctx, Poll); err != nil {
			return nil, err
		}
	}
}

// readRun returns the token of a current run of our fingerprint, or "".
func (c *Coord) readRun(ctx context.Context) (string, error) {
	m, err := c.store.Marks(ctx, "run")
	if err != nil {
		return "", fmt.Errorf("joining the run: %w", err)
	}
	v, ok := m["run"]
	if !ok {
		return "", nil
	}
	parts := strings.SplitN(v, "|", 3)
	if len(parts) != 3 || parts[2] != c.o.Fingerprint {
		return "", nil
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", nil
	}
	now, err := c.store.Now(ctx)
	if err != nil {
		return "", fmt.Errorf("joining the run: %w", err)
	}
	if now.Sub(time.Unix(0, ns)) > c.o.Timeout {
		return "", nil // a run that ended (or crashed) long ago
	}
	return parts[0], nil
}

// Token is the run's token (tests and logs).
func (c *Coord) Token() string { return c.token }

// Seeded: runner 0 marks cell's seed; the others wait for the mark.
func (c *Coord) Seeded(ctx context.Context, cell int) error {
	prefix := "seed/" + c.token + "/" + strconv.Itoa(cell) + "/"
	if c.o.Index == 0 {
		if err := c.store.Mark(ctx, prefix+"0", "1"); err != nil {
			return fmt.Errorf("cell %d: seed marker: %w", cell, err)
		}
		return nil
	}
	return c.waitAll(ctx, prefix, []int{0}, fmt.Sprintf("cell %d: waiting for runner 0's seed", cell))
}

// Start is the barrier before cell's start (or the wait for --start-at
// before the first cell that runs: a cell every runner skips calls
// nothing).
func (c *Coord) Start(ctx context.Context, cell int) error {
	first := !c.started
	c.started = true
	if first && !c.o.StartAt.IsZero() {
		if d := c.o.StartAt.Sub(c.o.Clock.Now()); d > 0 {
			return c.o.Clock.Sleep(ctx, d)
		}
		return nil
	}
	return c.barrier(ctx, "start", cell, true, fmt.Sprintf("cell %d: barrier before the start", cell))
}

// Finished reports this runner's writers done; runner 0 waits for all.
func (c *Coord) Finished(ctx context.Context, cell int) error {
	return c.barrier(ctx, "end", cell, c.o.Index == 0, fmt.Sprintf("cell %d: barrier at the end", cell))
}

// Close ends the run: runner 0 removes the markers.
func (c *Coord) Close(ctx context.Context) error {
	if c.o.Index != 0 {
		return nil
	}
	return c.store.ClearMarks(ctx)
}

func (c *Coord) barrier(ctx context.Context, phase string, cell int, wait bool, what string) error {
	prefix := phase + "/" + c.token + "/" + strconv.Itoa(cell) + "/"
	if err := c.store.Mark(ctx, prefix+strconv.Itoa(c.o.Index), "1"); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !wait {
		return nil
	}
	all := make([]int, c.o.Runners)
	for i := range all {
		all[i] = i
	}
	return c.waitAll(ctx, prefix, all, what)
}

// waitAll waits until a marker prefix+I exists for every I of want.
func (c *Coord) waitAll(ctx context.Context, prefix string, want []int, what string) error {
	deadline := c.o.Clock.Now().Add(c.o.Timeout)
	for {
		m, err := c.store.Marks(ctx, prefix)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		missing := Missing(m, prefix, want)
		if len(missing) == 0 {
			return nil
		}
		if !c.o.Clock.Now().Before(deadline) {
			return fmt.Errorf("runner %d: %s: runners that did not arrive within %v (--barrier-timeout): %s: %w",
				c.o.Index, what, c.o.Timeout, joinInts(missing), ErrTimeout)
		}
		if err := c.o.Clock.Sleep(ctx, Poll); err != nil {
			return err
		}
	}
}

// Missing lists the indexes of want with no marker prefix+I in m.
func Missing(m map[string]string, prefix string, want []int) []int {
	var out []int
	for _, i := range want {
		if _, ok := m[prefix+strconv.Itoa(i)]; !ok {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
