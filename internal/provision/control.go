package provision

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Bounds of the container controls.
const (
	// StopGrace is how long Stop lets the server shut down cleanly
	// before the engine kills it.
	StopGrace = 10 * time.Second
	// ReadyTimeout bounds how long Start and WaitReady wait for the
	// server to accept connections again.
	ReadyTimeout = 60 * time.Second
	// readyPoll is the pause between two readiness probes.
	readyPoll = 100 * time.Millisecond
	// probeTimeout bounds one readiness probe.
	probeTimeout = 2 * time.Second
)

// Errors of the container controls, wrapped with the kind, the control
// and the container.
var (
	// ErrNoContainer: the Instance was not made by Start, so there is
	// no container to control.
	ErrNoContainer = errors.New("no container to control: the instance was not made by provision.Start")
	// ErrTerminated: Terminate has removed the container.
	ErrTerminated = errors.New("the container was terminated")
	// ErrNoFixedPort: Stop, Kill and Start need Options.FixedPort.
	ErrNoFixedPort = errors.New("the container was started without Options.FixedPort: " +
		"started again, it would be published on another host port and the DSN would go stale")
)

// control is what an Instance needs to control its container.
type control struct {
	kind   Kind
	run    string // value of RunLabel
	id     string
	addr   string // host:port the server answers on from this host
	fixed  bool   // Options.FixedPort
	c      testcontainers.Container
	p      *testcontainers.DockerProvider
	reaper *Reaper

	// mu serialises the engine calls on the container and guards
	// terminated; waiting for readiness runs outside it.
	mu         sync.Mutex
	terminated bool
}

// Pause freezes every process of the container (docker pause): the
// server keeps its connections but answers nothing until Unpause.
func (in *Instance) Pause(ctx context.Context) error {
	return in.act(ctx, "pause", false, func(ctx context.Context, cli client.APIClient, id string) error {
		_, err := cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
		return err
	})
}

// Unpause thaws a container Pause froze.
func (in *Instance) Unpause(ctx context.Context) error {
	return in.act(ctx, "unpause", false, func(ctx context.Context, cli client.APIClient, id string) error {
		_, err := cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		return err
	})
}

// Stop shuts the server down cleanly: the engine sends the image's stop
// signal and kills the server if it has not exited after StopGrace. The
// container and its data are kept for Start. It needs Options.FixedPort.
func (in *Instance) Stop(ctx context.Context) error {
	return in.act(ctx, "stop", true, func(ctx context.Context, cli client.APIClient, id string) error {
		grace := int(StopGrace / time.Second)
		_, err := cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &grace})
		return err
	})
}

// Kill kills the server with SIGKILL: what it kept only in memory is
// lost. The container is kept for Start. It needs Options.FixedPort.
func (in *Instance) Kill(ctx context.Context) error {
	return in.act(ctx, "kill", true, func(ctx context.Context, cli client.APIClient, id string) error {
		_, err := cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"})
		return err
	})
}

// Start starts a stopped or killed container again and waits, at most
// ReadyTimeout, until the server accepts connections (see WaitReady).
// It needs Options.FixedPort.
func (in *Instance) Start(ctx context.Context) error {
	err := in.act(ctx, "start", true, func(ctx context.Context, cli client.APIClient, id string) error {
		_, err := cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
		return err
	})
	if err != nil {
		return err
	}
	return in.WaitReady(ctx)
}

// WaitReady waits, at most ReadyTimeout, until the server accepts
// connections and serves requests: a Postgres server that accepts a
// startup message (not "the database system is starting up"), a Redis
// server that answers PING with PONG (not LOADING), a MongoDB or
// FerretDB server whose hello says it is the writable primary. It fails
// early when the container is not running.
func (in *Instance) WaitReady(ctx context.Context) error {
	ct, err := in.control("wait ready")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("provision %s: container %.12s not ready after %v (%w): last probe: %w",
				ct.kind, ct.id, time.Since(start).Round(time.Millisecond), ctx.Err(), last)
		case <-timer.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, probeTimeout)
		last = probe(pctx, ct.kind, ct.addr)
		pcancel()
		if last == nil {
			return nil
		}
		if err := ct.checkRunning(ctx); err != nil {
			return fmt.Errorf("provision %s: container %.12s: %w (last probe: %w)", ct.kind, ct.id, err, last)
		}
		timer.Reset(readyPoll)
	}
}

// checkRunning returns an error when the container is neither running
// nor restarting, so that WaitReady need not wait for a server that
// will not come. A failure to ask the engine is not such an error.
func (ct *control) checkRunning(ctx context.Context) error {
	res, err := ct.p.Client().ContainerInspect(ctx, ct.id, client.ContainerInspectOptions{})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return errors.New("the container no longer exists")
		}
		return nil
	}
	st := res.Container.State
	if st == nil {
		return nil
	}
	switch st.Status {
	case container.StateRunning, container.StateRestarting, container.StateCreated:
		return nil
	case container.StatePaused:
		return errors.New("the container is paused")
	}
	return fmt.Errorf("the container is %s (exit code %d)", st.Status, st.ExitCode)
}

// control returns in's control, or ErrNoContainer wrapped with verb.
func (in *Instance) control(verb string) (*control, error) {
	if in == nil || in.ctl == nil {
		return nil, fmt.Errorf("provision: %s: %w", verb, ErrNoContainer)
	}
	return in.ctl, nil
}

// act runs one engine call on in's container, under its lock.
func (in *Instance) act(ctx context.Context, verb string, needFixed bool, f func(context.Context, client.APIClient, string) error) error {
	ct, err := in.control(verb)
	if err != nil {
		return err
	}
	if needFixed && !ct.fixed {
		return fmt.Errorf("provision %s: %s: %w", ct.kind, verb, ErrNoFixedPort)
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.terminated {
		return fmt.Errorf("provision %s: %s container %.12s: %w", ct.kind, verb, ct.id, ErrTerminated)
	}
	if err := f(ctx, ct.p.Client(), ct.id); err != nil {
		return fmt.Errorf("provision %s: %s container %.12s: %w", ct.kind, verb, ct.id, err)
	}
	return nil
}

// terminate removes the container once and releases the engine client.
func (ct *control) terminate(ctx context.Context) error {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.terminated {
		return nil
	}
	// The server's data is thrown away: no grace period. A paused
	// container is removed as well.
	err := ct.c.Terminate(ctx, testcontainers.StopTimeout(0))
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("provision %s: terminate container %.12s: %w", ct.kind, ct.id, err)
	}
	ct.terminated = true
	if ct.reaper != nil {
		ct.reaper.forget(ct.run)
	}
	_ = ct.p.Close() // nothing is left to do with the engine
	return nil
}
