package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/occbench/occbench/drivers"
	"github.com/occbench/occbench/faults"
	"github.com/occbench/occbench/internal/chaos"
	"github.com/occbench/occbench/internal/provision"
	"github.com/occbench/occbench/internal/redact"
	"github.com/occbench/occbench/results"
	"github.com/occbench/occbench/runner"
	"github.com/occbench/occbench/scenarios"
	"github.com/occbench/occbench/strategy"
)

// Stores is what a plan runs against: the data store, an optional
// separate lease store, and what closes them (and removes the containers
// occbench started).
type Stores struct {
	Data   drivers.Store
	Leaser drivers.Leaser // nil = the data store's own
	Image  string         // the data store's container image, when occbench started one
	// Faults are the scenario's faults, parsed; Injector carries them
	// out on the data store (nil when there are none).
	Faults   []faults.Fault
	Injector faults.Injector
	close    []func()
}

// Close closes the stores and removes the containers, in reverse order.
func (s *Stores) Close() {
	for i := len(s.close) - 1; i >= 0; i-- {
		s.close[i]()
	}
	s.close = nil
}

// OpenOptions says how to open stores.
type OpenOptions struct {
	Writers int                  // the largest writer count, for pool sizing
	Logf    func(string, ...any) // container progress; nil = quiet
	Stderr  io.Writer            // where a failed container removal is reported; nil = os.Stderr
	// Teardown, when not nil, is told about every container Open
	// starts, so that it can remove them while the command still runs.
	Teardown *Teardown
	// Namespace prefixes the data store's tables, collections and keys
	// (--namespace; drivers.Options.Namespace).
	Namespace string
}

// Open connects to the scenario's data store (and lease store), starting
// a container for a server driver without a DSN. Errors name the driver
// flag and never carry a password.
func Open(ctx context.Context, sc scenarios.Scenario, o OpenOptions) (*Stores, error) {
	st := &Stores{}
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	writers := max(o.Writers, 1)
	for _, w := range sc.Writers {
		writers = max(writers, w)
	}
	fs, err := faults.ParseList(sc.Faults)
	if err != nil {
		return nil, BadInputf("faults: %w", err)
	}
	var needProxy, needContainer, needFixedPort bool
	for _, f := range fs {
		needProxy = needProxy || f.Kind.NeedsProxy()
		needContainer = needContainer || f.Kind.NeedsContainer()
		needFixedPort = needFixedPort || f.Kind == faults.Restart || f.Kind == faults.Kill
	}
	// Faults on the network go through an embedded proxy that every
	// connection of the data store dials.
	var proxy *chaos.Proxy
	if needProxy {
		proxy = chaos.NewProxy()
		st.close = append(st.close, func() { _ = proxy.Close() })
	}
	var dataInst *provision.Instance
	open := func(driver, dsn string, params map[string]string) (drivers.Store, error) {
		data := driver == sc.Driver && dsn == sc.DSN
		d, err := drivers.Lookup(driver)
		if err != nil {
			return nil, BadInput(err)
		}
		if kind, kerr := provision.ParseKind(driver); kerr == nil && dsn == "" {
			if err := provision.DockerAvailable(ctx); err != nil {
				return nil, BadInputf("--driver %s: %w", driver, err)
			}
			image := ""
			if driver == sc.Driver {
				image = sc.Image
			}
			logf := o.Logf
			if logf == nil {
				logf = func(string, ...any) {}
			}
			po := provision.Options{Image: image, Logf: logf, Reaper: o.Teardown.provisionReaper()}
			if data {
				po.FixedPort = needFixedPort
				po.Persistence = sc.Persistence
			}
			inst, err := provision.Start(ctx, kind, po)
			if err != nil {
				return nil, fmt.Errorf("--driver %s: starting a container: %s", driver, redact.DSN(err.Error()))
			}
			st.close = append(st.close, func() {
				tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				if err := inst.Terminate(tctx); err != nil {
					fmt.Fprintf(stderr, "occbench: removing the %s container: %v\n", driver, err)
				}
			})
			dsn = inst.DSN
			if data {
				st.Image = inst.Image
				dataInst = inst
			}
		}
		ll := &libLog{driver: driver, w: stderr}
		do := drivers.Options{
			DSN: dsn, Writers: writers, Latency: sc.Latency, Params: params,
			ConnectTimeout: sc.ConnectTimeout.D(), Log: ll.line,
		}
		if data {
			do.Namespace = o.Namespace
		}
		if data && proxy != nil {
			do.Dial = proxy.Dial
		}
		s, err := openStore(ctx, d, sc, data, do)
		if terr, ok := templateError(err); ok {
			return nil, terr // one line: write_path.DRIVER.NAME: why
		}
		if err != nil {
			return nil, fmt.Errorf("--driver %s: %s", driver, redact.DSN(err.Error()))
		}
		st.close = append(st.close, func() {
			_ = s.Close()
			if line := ll.summary(); line != "" {
				fmt.Fprintln(stderr, line)
			}
		})
		return s, nil
	}
	data, err := open(sc.Driver, sc.DSN, sc.Params)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Data = data
	if len(fs) > 0 {
		if needContainer && dataInst == nil {
			st.Close()
			return nil, BadInputf("faults: %s needs a container occbench starts", sc.Faults[0])
		}
		st.Faults = fs
		st.Injector = chaos.New(dataInst, proxy)
	}
	if sc.LeaseStore != "" && sc.LeaseStore != sc.Driver {
		ls, err := open(sc.LeaseStore, sc.LeaseDSN, nil)
		if err != nil {
			st.Close()
			return nil, err
		}
		l, ok := ls.(drivers.Leaser)
		if !ok {
			st.Close()
			return nil, BadInputf("--lease-store: driver %q does not grant leases", sc.LeaseStore)
		}
		st.Leaser = l
	}
	return st, nil
}

// Preflight seeds the store once as the plan's cells will, before any
// cell runs, so that a store that cannot hold the cells (memory: more
// keys than the available memory) or a store that refuses the setup is
// found before the plan starts. A refusal of a setting
// (drivers.ErrInvalidOption) is bad input.
func (p *Plan) Preflight(ctx context.Context, st *Stores) error {
	sc := p.Scenario
	spec := drivers.Spec{Keys: sc.Keys, FieldGroups: sc.FieldGroups, PayloadBytes: sc.PayloadBytes, Seed: sc.Seed}
	if err := st.Data.Setup(ctx, spec); err != nil {
		if ctx.Err() != nil {
			return nil // interrupted: the run stops at once and says so
		}
		if terr, ok := templateError(err); ok {
			return terr // one line: write_path.DRIVER.NAME: the server's message
		}
		invalid := errors.Is(err, drivers.ErrInvalidOption)
		err = fmt.Errorf("--driver %s: %s", sc.Driver, redact.DSN(err.Error()))
		if invalid {
			return BadInput(err)
		}
		return err
	}
	return nil
}

// CheckRunnable refuses a plan in which no cell can run on these stores
// (--driver memory --strategies serializable, --scope operation
// --strategies pessimistic): every strategy is one the store cannot do
// with the cell's scope and hold. It names each strategy and the reason.
// It refuses --audit ops on a store that keeps no op log too.
func (p *Plan) CheckRunnable(st *Stores) error {
	if p.Scenario.Audit == runner.AuditOps {
		if err := runner.CheckOpLog(st.Data, p.Scenario.Driver); err != nil {
			return BadInput(err)
		}
	}
	var reasons []string
	for _, name := range p.Scenario.Scopes() {
		scope, err := drivers.ParseScope(name)
		if err != nil {
			return BadInput(fmt.Errorf("--scope: %w", err))
		}
		if len(p.Scenario.Classes) > 0 {
			return p.checkRunnableClasses(st, scope)
		}
		for _, name := range p.Scenario.Strategies {
			_, err := strategy.New(name, st.Data, p.Scenario.Driver, strategy.Config{Leaser: st.Leaser, Fencing: p.Scenario.Fencing,
				LeaseTTL: p.Scenario.LeaseTTL.D(), Hold: p.Scenario.Hold, Scope: scope, Hybrid: runner.HybridConfig(p.Scenario)})
			if err == nil {
				return nil
			}
			reasons = append(reasons, err.Error())
		}
	}
	return BadInputf("no cell can run: %s", strings.Join(reasons, "; "))
}

// Version is occbench's module version and VCS revision, from the build
// information: "v1.2.0", "devel (rev 0123abcd, modified)".
func Version() string {
	return version(readBuildInfo())
}

// Environment describes the machine and the store for a results file.
func Environment(ctx context.Context, sc scenarios.Scenario, st *Stores) results.Environment {
	host, _ := os.Hostname()
	env := results.Environment{
		Occbench: Version(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Hostname: host, Driver: sc.Driver, DSN: redact.DSN(sc.DSN), Image: st.Image,
	}
	if v, ok := st.Data.(drivers.Versioner); ok {
		vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if s, err := v.ServerVersion(vctx); err == nil {
			env.ServerVersion = s
		}
	}
	return env
}
