package occbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/occbench/occbench/internal/judge"

	"github.com/occbench/occbench/backoff"
	"github.com/occbench/occbench/clock"
	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/keydist"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
	"github.com/occbench/occbench/threshold"
)

// Store is what a team implements around its own repository code: read a
// key's version, and write one op to a key only if its version is still
// the one read. Its methods are called from many goroutines at once.
type Store interface {
	// Read returns key's current version. A key that does not exist is
	// an error wrapping ErrNotFound.
	Read(ctx context.Context, key string) (version int64, err error)
	// CompareAndSwap applies op to key and advances key's version, in one
	// atomic step, if key's version is still expected (UPDATE … WHERE
	// id = ? AND version = ?). When the version moved on it changes
	// nothing and returns ok=false with a nil error: a conflict, which
	// the writer retries after the scenario's backoff. An error wrapping
	// ErrConflict is a conflict too; any other error is an error.
	CompareAndSwap(ctx context.Context, key string, expected int64, op Op) (ok bool, err error)
}

// Seeder is implemented by stores that create or reset the keys a cell
// uses. Run calls Seed before every cell. Seed need not reset versions
// or counts to zero: Run reads every key's version and Applied after
// Seed and audits the difference. Without a Seeder the keys must exist.
type Seeder interface {
	Seed(ctx context.Context, keys []string) error
}

// Locker is implemented by stores with a pessimistic read-modify-write,
// for the pessimistic strategy: take the store's lock on key (SELECT …
// FOR UPDATE, BEGIN IMMEDIATE, a mutex), read, call op.Hold(ctx), apply
// op, advance the version and commit. When the lock cannot be had (a
// lock timeout, NOWAIT) return an error wrapping ErrConflict; when
// op.Hold fails, roll back and return its error.
type Locker interface {
	LockedApply(ctx context.Context, key string, op Op) error
}

// Auditor is implemented by stores that can say what they hold of the
// committed ops: without it every cell's audit is unavailable, and Judge
// fails the run (an audit is never assumed to be clean).
type Auditor interface {
	// Applied returns a count of the ops key holds, which every op that
	// CompareAndSwap or LockedApply commits raises by exactly one (a
	// counter's value; for stock, the initial stock minus what is left).
	// Only differences count: Run subtracts the value it read after
	// seeding. A key that is gone is an error wrapping ErrNotFound, and
	// the audit reports a store reset.
	Applied(ctx context.Context, key string) (int64, error)
}

// Op is one operation a writer applies to a key. Retries of an op carry
// the same Writer and Seq.
type Op struct {
	Writer int   // the writer making it: 0 … writers-1
	Seq    int64 // the writer's op number, from 0

	hold func(ctx context.Context) error
}

// Hold waits the scenario's conflict window (scenario field hold) on the
// run's clock; it returns at once when the scenario has none. A Locker
// calls it between its read and its write, with its lock held. It
// returns ctx's error when ctx ends first.
func (op Op) Hold(ctx context.Context) error {
	if op.hold == nil {
		return nil
	}
	return op.hold(ctx)
}

// Errors a Store returns (wrapped or as they are).
var (
	// ErrConflict marks an error as a conflict: another writer won
	// (a lock not had in time, a serialization failure). The attempt is
	// retried after the backoff and counted as a conflict, not an error.
	ErrConflict = errors.New("conflict")
	// ErrNotFound marks a key that does not exist.
	ErrNotFound = drivers.ErrNotFound
)

// Errors of a Verdict, matched with errors.Is on Verdict.Err.
var (
	// ErrLostUpdates: a cell's audit found fewer ops in the store than
	// were committed, under a strategy that promises none are lost.
	ErrLostUpdates = judge.ErrLostUpdates
	// ErrAuditUnavailable: a cell's store could not be audited (no
	// Auditor, or Applied failed): nothing proves that no update was lost.
	ErrAuditUnavailable = judge.ErrAuditUnavailable
	// ErrStoreReset: keys a cell seeded were gone at the audit.
	ErrStoreReset = judge.ErrStoreReset
	// ErrErrors: a cell's attempts failed with errors more than
	// MaxErrorRatio of the time; its numbers measure the failure.
	ErrErrors = judge.ErrErrors
	// ErrInterrupted: the run's context ended before every cell ran.
	ErrInterrupted = judge.ErrInterrupted
	// ErrThresholds: a threshold of the scenario failed.
	ErrThresholds = judge.ErrThresholds
)

// Option changes how Run runs.
type Option func(*options)

type options struct {
	name     string
	keys     func(int) string
	clk      clock.Clock
	observer runner.Observer
	grace    time.Duration
	out      string
	now      func() time.Time
}

// WithName names the store in the results file (its driver field);
// the default is the store's Go type, e.g. "inventory.Repo".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithKeys names the scenario's keys: the cell's key i (0 … keys-1) is
// key(i). The names must be distinct. The default is "key-0", "key-1", ….
func WithKeys(key func(i int) string) Option { return func(o *options) { o.keys = key } }

// WithClock runs the cells on clk (durations, backoffs, holds, think
// times); the default is the wall clock. A clock.Fake moves only when
// something sleeps on it: with one, run in ops_per_writer mode, or give
// the scenario a think time or a hold, or a cell never reaches its
// duration.
func WithClock(clk clock.Clock) Option { return func(o *options) { o.clk = clk } }

// WithObserver tells obs about each cell as it starts and finishes
// (progress, metrics).
func WithObserver(obs runner.Observer) Option { return func(o *options) { o.observer = obs } }

// WithGrace bounds how long attempts in flight may go on after ctx ends
// before their own context is cancelled; the default is 10 s.
func WithGrace(d time.Duration) Option { return func(o *options) { o.grace = d } }

// WithOut writes the results file to path when Run returns, atomically
// (a temporary file renamed into place), whatever ended the run: the
// file occbench report, compare and merge read.
func WithOut(path string) Option { return func(o *options) { o.out = path } }

// withNow sets the results file's timestamps (tests).
func withNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// DefaultKey is the default name of key i: "key-<i>".
func DefaultKey(i int) string { return fmt.Sprintf("key-%d", i) }

// Strategies returns the strategies st can run: optimistic, and
// pessimistic when st is a Locker.
func Strategies(st Store) []string {
	if _, ok := st.(Locker); ok {
		return []string{strategy.Optimistic, strategy.Pessimistic}
	}
	return []string{strategy.Optimistic}
}

// Run runs every cell of sc (writers × strategies × backoffs × trials,
// trials interleaved as occbench run does) against st, through the same
// runner, strategies, backoffs, recorders and audit as the CLI, and
// returns the results file. sc.Driver is replaced by the store's name
// (WithName); scenarios.Default() is a good start.
//
// A scenario st cannot run is refused before anything starts, with an
// error naming the field and the allowed values (it wraps
// drivers.ErrInvalidOption). When ctx ends, the current cell stops,
// keeps what it measured and the file is marked interrupted. The error
// is for a cell that could not run at all (seeding failed): the file
// still holds the cells that ran before it. Judge says whether the
// cells passed.
func Run(ctx context.Context, sc scenarios.Scenario, st Store, opts ...Option) (*results.File, error) {
	o := options{keys: DefaultKey, clk: clock.Real{}, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if st == nil {
		return nil, invalid(errors.New("occbench.Run: store is nil"))
	}
	if o.name == "" {
		o.name = strings.TrimPrefix(reflect.TypeOf(st).String(), "*")
	}
	if o.keys == nil {
		o.keys = DefaultKey
	}
	if o.clk == nil {
		o.clk = clock.Real{}
	}
	sc.Driver = o.name
	thresholds, err := check(&sc, st)
	if err != nil {
		return nil, invalid(err)
	}
	ad := newAdapter(st, o.name, o.keys)
	file := &results.File{
		Schema:      results.Schema,
		StartedAt:   o.now().UTC(),
		Scenario:    sc.ToMap(nil),
		Environment: environment(o.name),
		Cells:       []results.Cell{},
	}
	cells := runner.Cells(sc)
	cfg := runner.Config{Scenario: sc, Store: ad, DriverName: o.name, Clock: o.clk, Observer: o.observer, Grace: o.grace}
	done := make([]*results.Cell, len(cells))
	var runErr error
	for n, i := range runner.RunOrder(cells) {
		if ctx.Err() != nil {
			break
		}
		cell, err := runner.RunCell(ctx, cfg, cells[i], n, len(cells))
		if err != nil {
			runErr = fmt.Errorf("cell %s: %w", cells[i], err)
			break
		}
		cell.Thresholds = threshold.Evaluate(thresholds, &cell)
		done[i] = &cell
	}
	for _, c := range done {
		if c != nil {
			file.Cells = append(file.Cells, *c)
		}
	}
	file.USL = results.FitUSL(file)
	file.FinishedAt = o.now().UTC()
	file.Interrupted = ctx.Err() != nil
	if o.out != "" {
		if err := results.WriteFile(o.out, file); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("occbench.WithOut %s: %w", o.out, err))
		}
	}
	return file, runErr
}

// check validates sc and refuses what st cannot run, naming the field
// and the allowed values; it returns the parsed thresholds.
func check(sc *scenarios.Scenario, st Store) ([]threshold.Threshold, error) {
	if err := sc.Validate(scenarios.Allowed{Strategies: strategy.Names(), Backoffs: backoff.Names(), Distributions: keydist.Names()}); err != nil {
		return nil, err
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("scenario %q: %s: %s", sc.Name, field, fmt.Sprintf(format, args...))
	}
	allowed := Strategies(st)
	for _, s := range sc.Strategies {
		if slices.Contains(allowed, s) {
			continue
		}
		why := map[string]string{
			strategy.Pessimistic:    "it implements no occbench.Locker",
			strategy.Serializable:   "an occbench.Store has no serializable transaction",
			strategy.Lease:          "an occbench.Store has no leases",
			strategy.LWW:            "an occbench.Store has no unconditional write",
			strategy.CheckThenWrite: "an occbench.Store has no unconditional write",
			strategy.Hybrid:         "its lock path needs a lease or a row lock that the conditional write respects, which only occbench's drivers guarantee",
		}[s]
		return nil, bad("strategies", "%s cannot run on %T: %s (allowed: %s)", s, st, why, strings.Join(allowed, ", "))
	}
	switch {
	case sc.Scope != "document":
		return nil, bad("scope", "%q: an occbench.Store has one version per key (allowed: document)", sc.Scope)
	case sc.OnConflict == "merge":
		return nil, bad("on_conflict", "merge needs per-field-group versions, which an occbench.Store has not (allowed: retry, fail)")
	case sc.FieldGroups != 1:
		return nil, bad("field_groups", "%d: an occbench.Store has one version per key (allowed: 1)", sc.FieldGroups)
	case len(sc.Faults) > 0:
		return nil, bad("faults", "%s: faults act on a server occbench starts, not on a Go store (allowed: none)", strings.Join(sc.Faults, ","))
	case !sc.Latency.IsZero():
		return nil, bad("latency", "%s: occbench injects latency only into its memory driver; a Go store's latency is its own (allowed: 0)", sc.Latency)
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"dsn", sc.DSN != ""}, {"image", sc.Image != ""}, {"params", len(sc.Params) > 0},
		{"lease_store", sc.LeaseStore != ""}, {"lease_dsn", sc.LeaseDSN != ""}, {"persistence", sc.Persistence != ""},
	} {
		if f.set {
			return nil, bad(f.name, "the store is the Go value given to Run, which has no %s (allowed: empty)", f.name)
		}
	}
	ts, err := threshold.ParseAll(sc.Thresholds)
	if err != nil {
		return nil, bad("thresholds", "%v", err)
	}
	if err := threshold.CheckStrategies(ts, sc.Strategies); err != nil {
		return nil, bad("thresholds", "%v", err)
	}
	return ts, nil
}

// invalidError is a refused input: its message is err's, and it
// matches drivers.ErrInvalidOption too.
type invalidError struct{ err error }

func (e invalidError) Error() string   { return e.err.Error() }
func (e invalidError) Unwrap() []error { return []error{e.err, drivers.ErrInvalidOption} }

func invalid(err error) error { return invalidError{err} }

// module is this module's path, to find its version among a test
// binary's dependencies.
const module = "github.com/occbench/occbench"

// environment records where the run happened, as occbench run does.
func environment(name string) results.Environment {
	host, _ := os.Hostname()
	return results.Environment{
		Occbench: version(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Hostname: host, Driver: name,
	}
}

// version is occbench's module version in this binary: "devel" when it
// is the main module or the build recorded none.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if m != nil && m.Path == module && m.Version != "" && m.Version != "(devel)" {
			return m.Version
		}
	}
	return "devel"
}
