package chaos

import (
	"context"
	"errors"
	"fmt"

	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/internal/provision"
)

// ErrCannotInject is wrapped by Inject's refusals: a kind this Injector
// cannot carry out (no container, no proxy, stall-holder, a container
// without a fixed port). Nothing was done.
var ErrCannotInject = errors.New("cannot inject this fault here")

// Injector carries out faults on one store: container faults on the
// container provision started for it, network faults on the Proxy its
// connections go through. It implements faults.Injector.
type Injector struct {
	inst  *provision.Instance
	proxy *Proxy
}

var _ faults.Injector = (*Injector)(nil)

// New returns an Injector acting on inst's container and through proxy.
// Either may be nil (a store given by --dsn has no container; a store
// opened without the proxy's Dial has no proxy): Inject then refuses
// the kinds that need it.
func New(inst *provision.Instance, proxy *Proxy) *Injector {
	return &Injector{inst: inst, proxy: proxy}
}

// Inject puts f in effect and returns once it is:
//
//	pause      the container is frozen (docker pause); heal thaws it
//	restart    the server is stopped cleanly (data kept); heal starts it
//	           again and waits until it serves requests
//	kill       the server is killed (SIGKILL); heal starts it again and
//	           waits until it serves requests
//	partition  Proxy.Partition; heal lets traffic through again
//	latency    Proxy.Latency(f.Delay, f.Jitter); heal removes the delay
//
// stall-holder is the runner's to carry out: Inject refuses it. heal
// must be called once (later calls return the first one's error); the
// waits of restart's and kill's heal are bounded by
// provision.ReadyTimeout and by ctx.
func (in *Injector) Inject(ctx context.Context, f faults.Fault) (heal func(context.Context) error, err error) {
	if err := in.check(f); err != nil {
		return nil, err
	}
	fail := func(err error) (func(context.Context) error, error) {
		return nil, fmt.Errorf("chaos: inject %s: %w", f, err)
	}
	healed := func(verb string, h func(context.Context) error) func(context.Context) error {
		return once(func(ctx context.Context) error {
			if err := h(ctx); err != nil {
				return fmt.Errorf("chaos: heal %s (%s): %w", f, verb, err)
			}
			return nil
		})
	}
	switch f.Kind {
	case faults.Pause:
		if err := in.inst.Pause(ctx); err != nil {
			return fail(err)
		}
		return healed("unpause", in.inst.Unpause), nil
	case faults.Restart:
		if err := in.inst.Stop(ctx); err != nil {
			return fail(err)
		}
		return healed("start", in.inst.Start), nil
	case faults.Kill:
		if err := in.inst.Kill(ctx); err != nil {
			return fail(err)
		}
		return healed("start", in.inst.Start), nil
	case faults.Partition:
		h, err := in.proxy.Partition(ctx)
		if err != nil {
			return fail(err)
		}
		return h, nil
	case faults.Latency:
		h, err := in.proxy.Latency(ctx, f.Delay, f.Jitter)
		if err != nil {
			return fail(err)
		}
		return h, nil
	}
	return nil, fmt.Errorf("chaos: fault %s: unknown kind %q: %w", f, f.Kind, ErrCannotInject)
}

// check refuses, before anything is done, a fault this Injector cannot
// carry out.
func (in *Injector) check(f faults.Fault) error {
	refuse := func(why string) error {
		return fmt.Errorf("chaos: fault %s %s: %w", f.Kind, why, ErrCannotInject)
	}
	switch {
	case f.Kind == faults.StallHolder:
		return refuse("is carried out by the runner (lease holders), not by the fault injector")
	case f.Kind.NeedsContainer() && in.inst == nil:
		return refuse("needs a container occbench started (not --dsn)")
	case (f.Kind == faults.Restart || f.Kind == faults.Kill) && !in.inst.FixedPort:
		return refuse("needs a container started with a fixed host port (provision.Options.FixedPort), " +
			"so that its DSN stays valid when it starts again")
	case f.Kind.NeedsProxy() && in.proxy == nil:
		return refuse("needs the store's connections to go through the fault proxy (chaos.Proxy.Dial as drivers.Options.Dial)")
	}
	return nil
}
