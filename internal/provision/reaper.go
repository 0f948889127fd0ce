package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

// ErrReaped is returned by a Start whose Options.Reaper has been told
// to remove everything (RemoveAll): it creates no more containers.
var ErrReaped = errors.New("the reaper is removing every container (second interrupt): no new container is started")

// Reaper removes every container the Starts it was given to have
// created, for the second Ctrl-C: the caller makes one with NewReaper,
// passes it in Options.Reaper to each Start, and calls RemoveAll when
// the user insists on quitting now.
//
// Start registers its run (the RunLabel value) before it creates a
// container. RemoveAll first makes further creations fail with
// ErrReaped, then waits for the creations in progress to return, so
// that none can escape it, and then force-removes every container of
// every registered run. It is safe to call concurrently with Starts and
// Terminates, and more than once.
type Reaper struct {
	mu       sync.Mutex
	runs     map[string]struct{}
	inflight int           // creations in progress
	idle     chan struct{} // closed when inflight drops to 0
	reaping  bool
}

// NewReaper returns a Reaper with no runs.
func NewReaper() *Reaper {
	return &Reaper{runs: map[string]struct{}{}}
}

// enter registers run and a creation in progress, or refuses with
// ErrReaped once RemoveAll was called.
func (r *Reaper) enter(run string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reaping {
		return ErrReaped
	}
	r.runs[run] = struct{}{}
	if r.inflight == 0 {
		r.idle = make(chan struct{})
	}
	r.inflight++
	return nil
}

// leave ends a creation enter began. It returns ErrReaped when RemoveAll
// has been called meanwhile: Start then removes what it created itself.
func (r *Reaper) leave() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inflight--
	if r.inflight == 0 {
		close(r.idle)
	}
	if r.reaping {
		return ErrReaped
	}
	return nil
}

// forget drops a run whose container Terminate removed.
func (r *Reaper) forget(run string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.runs, run)
}

// reapingNow reports whether RemoveAll has been called (for tests).
func (r *Reaper) reapingNow() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reaping
}

// RemoveAll force-removes, whatever their state, the containers of every
// run registered so far, and makes every later creation fail with
// ErrReaped. It returns once they are removed; ctx bounds the whole of
// it, waiting for creations in progress included.
func (r *Reaper) RemoveAll(ctx context.Context) error {
	r.mu.Lock()
	r.reaping = true
	var waitErr error
	for r.inflight > 0 && waitErr == nil {
		idle := r.idle
		r.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			waitErr = fmt.Errorf("provision: reaper: waiting for containers being created: %w", ctx.Err())
		}
		r.mu.Lock()
	}
	runs := make([]string, 0, len(r.runs))
	for run := range r.runs {
		runs = append(runs, run)
	}
	r.mu.Unlock()
	sort.Strings(runs)
	if len(runs) == 0 {
		return waitErr
	}

	if err := setDefaultEnv(); err != nil {
		return errors.Join(waitErr, err)
	}
	silenceDefaultLogger()
	p, err := newProvider(ctx, tclog.NewNoopLogger())
	if err != nil {
		return errors.Join(waitErr, fmt.Errorf("provision: reaper: %w", err))
	}
	defer p.Close()
	errs := []error{waitErr}
	for _, run := range runs {
		if err := removeRunCtx(ctx, p, run); err != nil {
			errs = append(errs, fmt.Errorf("provision: reaper: run %s: %w", run, err))
			continue
		}
		r.forget(run)
	}
	return errors.Join(errs...)
}

// Runs returns the RunLabel values of the runs registered so far,
// sorted: the containers RemoveAll removes carry one of them.
func (r *Reaper) Runs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.runs))
	for run := range r.runs {
		out = append(out, run)
	}
	sort.Strings(out)
	return out
}
