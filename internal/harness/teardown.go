package harness

import (
	"context"
	"errors"
	"sync"

	"github.com/occbench/occbench/internal/provision"
)

// Teardown undoes what a command started, on demand and from another
// goroutine than the one running the command: the second Ctrl-C calls
// Now, which removes every container occbench started (also one still
// being created) and waits for a results file being written to be in
// place, so that quitting leaves neither a container nor a temporary
// file behind. A nil *Teardown does nothing.
type Teardown struct {
	mu     sync.Mutex
	undo   []func(context.Context) error
	write  chan struct{} // a token: held while a results file is written
	reaper *provision.Reaper
}

// NewTeardown returns an empty Teardown.
func NewTeardown() *Teardown {
	return &Teardown{write: make(chan struct{}, 1), reaper: provision.NewReaper()}
}

// provisionReaper is what Open passes to provision.Start.
func (t *Teardown) provisionReaper() *provision.Reaper {
	if t == nil {
		return nil
	}
	return t.reaper
}

// add registers fn, to run (last added first) when Now is called.
func (t *Teardown) add(fn func(context.Context) error) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.undo = append(t.undo, fn)
}

// Writing marks the start of a results file write; done marks its end.
// Now waits for it (within its ctx) before it returns.
func (t *Teardown) Writing() (done func()) {
	if t == nil {
		return func() {}
	}
	t.write <- struct{}{}
	return func() { <-t.write }
}

// Now runs every registered undo, synchronously and bounded by ctx, and
// waits for a results write in progress to end. It can be called more
// than once and concurrently with the command.
func (t *Teardown) Now(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	undo := append([]func(context.Context) error(nil), t.undo...)
	t.mu.Unlock()
	var errs []error
	if err := t.reaper.RemoveAll(ctx); err != nil {
		errs = append(errs, err)
	}
	for i := len(undo) - 1; i >= 0; i-- {
		if err := undo[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	select {
	case t.write <- struct{}{}: // no write in progress, and none starts now
	case <-ctx.Done():
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// Runs returns the provision runs (values of provision.RunLabel) of the
// containers Open started or was starting through this Teardown.
func (t *Teardown) Runs() []string {
	if t == nil {
		return nil
	}
	return t.reaper.Runs()
}
