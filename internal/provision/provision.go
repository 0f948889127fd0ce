package provision

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/modules/redis"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/occbench/occbench/internal/redact"
)

// Kind is the kind of server Start provisions.
type Kind string

// The kinds of server Start provisions.
const (
	Postgres Kind = "postgres"
	Redis    Kind = "redis"
	Mongo    Kind = "mongo"
)

// Kinds returns every Kind, sorted.
func Kinds() []Kind { return []Kind{Mongo, Postgres, Redis} }

// ParseKind returns the Kind named s, or an error listing the known kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return "", fmt.Errorf("provision: unknown kind %q (allowed: %s)", s, strings.Join(names, ", "))
}

// The database, user and ports Start uses.
const (
	// Database and User name the Postgres database and role Start creates.
	Database = "occbench"
	User     = "occbench"

	postgresPort = "5432/tcp"
	redisPort    = "6379/tcp"
	mongoPort    = "27017/tcp"

	// replicaSet names the single-node replica set a MongoDB container runs.
	replicaSet = "rs0"

	// RunLabel is the label every container Start creates carries; its
	// value is unique to one Start call.
	RunLabel  = "org.occbench.provision.run"
	kindLabel = "org.occbench.provision.kind"

	// createTimeout bounds creating a container, which ctx does not
	// interrupt (see Start).
	createTimeout = 2 * time.Minute
	// waitDeadline bounds waiting for a server to be ready.
	waitDeadline = 2 * time.Minute
	// cleanupTimeout bounds removing the containers of a failed Start.
	cleanupTimeout = 30 * time.Second
)

// ErrNoDocker is returned, wrapped with its cause, when no container
// engine can be reached.
var ErrNoDocker = errors.New("no container engine found: start one or pass --dsn")

// Instance is a running server.
type Instance struct {
	Kind Kind
	// DSN connects to the server from this host. It may hold a password:
	// pass it through redact.DSN before logging it.
	DSN string
	// Image is the image the container runs.
	Image string
	// FixedPort reports whether the server's host port was chosen before
	// the container was created (Options.FixedPort), so that it stays the
	// same when the container is stopped or killed and started again.
	FixedPort bool
	// Terminate stops and removes the container. Calling it again after
	// it succeeded does nothing.
	Terminate func(context.Context) error

	// ctl controls the container (control.go); nil for an Instance that
	// Start did not make.
	ctl *control
}

// Options configure Start.
type Options struct {
	// Image is the image to run; "" means ImageFor(kind, "").
	Image string
	// Logf, when not nil, receives testcontainers' progress lines,
	// redacted.
	Logf func(format string, args ...any)

	// FixedPort publishes the server's port on a host port chosen before
	// the container is created (a free port of the loopback address),
	// instead of one the engine picks when the container starts, so that
	// the port, and the DSN, stay valid across Stop/Start, Kill/Start and
	// docker restart. It needs a container engine whose ports are
	// published on this host's loopback address.
	FixedPort bool
	// Persistence sets what a Redis server keeps across a restart:
	// "" (the image's default), PersistenceNone (no snapshots, no
	// append-only file: a restart loses every key) or PersistenceAOF
	// (append-only file fsynced on every write: a restart or a kill keeps
	// every acknowledged write). Other kinds take only "".
	Persistence string
	// Reaper, when not nil, records the container so that
	// Reaper.RemoveAll removes it (see Reaper).
	Reaper *Reaper

	// created, when not nil, is called with the container's ID once it
	// has been created and before it is started (for tests).
	created func(id string)
	// beforeCreate and afterCreate, when not nil, run just before and
	// just after each attempt to create the container (Start sets them
	// to report to Reaper); an error from either fails Start.
	beforeCreate func() error
	afterCreate  func() error
	// choosePort, when not nil, replaces freePort (for tests).
	choosePort func(netip.Addr) (string, error)
}

// The values of Options.Persistence.
const (
	PersistenceNone = "none"
	PersistenceAOF  = "aof"
)

// checkPersistence refuses a Persistence value kind does not take.
func checkPersistence(kind Kind, p string) error {
	switch p {
	case "":
		return nil
	case PersistenceNone, PersistenceAOF:
		if kind != Redis {
			return fmt.Errorf("provision %s: Options.Persistence %q: only redis takes a persistence setting (leave it empty)", kind, p)
		}
		return nil
	}
	return fmt.Errorf("provision %s: Options.Persistence %q: allowed values are \"\" (image default), %q and %q", kind, p, PersistenceNone, PersistenceAOF)
}

// redisCmd returns the command a Redis container runs for persistence
// p, or nil for the image's default. The program name comes first, so
// that the local image's entrypoint and the official one both run
// redis-server with the options that follow.
func redisCmd(p string) []string {
	switch p {
	case PersistenceNone:
		return []string{"redis-server", "--save", "", "--appendonly", "no"}
	case PersistenceAOF:
		return []string{"redis-server", "--appendonly", "yes", "--appendfsync", "always"}
	}
	return nil
}

// DefaultImage returns the official image Start runs for kind when
// neither a flag nor the environment names one: "postgres:17", "redis:7"
// or "mongo:8"; "" for an unknown kind.
func DefaultImage(kind Kind) string {
	switch kind {
	case Postgres:
		return "postgres:17"
	case Redis:
		return "redis:7"
	case Mongo:
		return "mongo:8"
	}
	return ""
}

// ImageEnv returns the environment variable that names kind's image,
// OCCBENCH_IMAGE_<KIND>.
func ImageEnv(kind Kind) string {
	return "OCCBENCH_IMAGE_" + strings.ToUpper(string(kind))
}

// ImageFor returns the image to run for kind: flag when it is not empty,
// else the value of ImageEnv(kind) when it is not empty, else
// DefaultImage(kind).
func ImageFor(kind Kind, flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv(ImageEnv(kind)); v != "" {
		return v
	}
	return DefaultImage(kind)
}

// isFerretDB reports whether a mongo image is FerretDB rather than MongoDB.
func isFerretDB(image string) bool {
	return strings.Contains(strings.ToLower(image), "ferretdb")
}

// DockerAvailable returns nil when a container engine answers, and
// ErrNoDocker wrapped with the cause otherwise. It gives up after 10s.
func DockerAvailable(ctx context.Context) error {
	if err := setDefaultEnv(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	silenceDefaultLogger()
	p, err := newProvider(ctx, tclog.NewNoopLogger())
	if err != nil {
		return err
	}
	return p.Close()
}

// Start starts a server of the given kind in a new container and waits
// until it accepts connections.
//
// The container is removed if Start fails, including when ctx is
// cancelled before Start returns.
func Start(ctx context.Context, kind Kind, o Options) (*Instance, error) {
	if _, err := ParseKind(string(kind)); err != nil {
		return nil, err
	}
	if err := checkPersistence(kind, o.Persistence); err != nil {
		return nil, err
	}
	image := o.Image
	if image == "" {
		image = ImageFor(kind, "")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("provision %s: %w", kind, err)
	}
	if err := setDefaultEnv(); err != nil {
		return nil, err
	}
	logger := newLogger(o.Logf)
	silenceDefaultLogger()
	p, err := newProvider(ctx, logger)
	if err != nil {
		return nil, fmt.Errorf("provision %s: %w", kind, err)
	}
	keep := false // the Instance keeps p for its controls
	defer func() {
		if !keep {
			_ = p.Close()
		}
	}()
	if err := ensureImage(ctx, p, kind, image, logger); err != nil {
		return nil, fmt.Errorf("provision %s: %w", kind, err)
	}
	host, err := p.DaemonHost(ctx)
	if err != nil {
		return nil, fmt.Errorf("provision %s: docker host: %w", kind, err)
	}
	bindIP, local := loopback(host)
	if o.FixedPort && !local {
		return nil, fmt.Errorf("provision %s: Options.FixedPort needs a container engine that publishes ports on this host's loopback address; this one is at %q", kind, host)
	}

	run := rand.Text()
	if o.Reaper != nil {
		o.beforeCreate = func() error { return o.Reaper.enter(run) }
		o.afterCreate = o.Reaper.leave
	}
	var c testcontainers.Container
	var dsn string
	for attempt := 1; ; attempt++ {
		hostPort := ""
		if o.FixedPort {
			choose := o.choosePort
			if choose == nil {
				choose = freePort
			}
			if hostPort, err = choose(bindIP); err != nil {
				return nil, fmt.Errorf("provision %s: Options.FixedPort: %w", kind, err)
			}
		}
		common := []testcontainers.ContainerCustomizer{
			testcontainers.WithLogger(logger),
			testcontainers.WithName(containerName(kind, run)),
			testcontainers.WithLabels(map[string]string{RunLabel: run, kindLabel: string(kind)}),
			publishOn(bindIP, local, portOf(kind), hostPort),
			created(), // last: the modules' Run would start the container
		}
		switch kind {
		case Postgres:
			c, dsn, err = startPostgres(ctx, image, common, o)
		case Redis:
			c, dsn, err = startRedis(ctx, image, common, o)
		case Mongo:
			c, dsn, err = startMongo(ctx, image, common, o)
		}
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			break
		}
		rerr := removeRun(p, run)
		if rerr == nil && o.Reaper != nil {
			o.Reaper.forget(run) // nothing of it is left
		}
		if o.FixedPort && portTaken(err) && attempt < fixedPortAttempts && rerr == nil && ctx.Err() == nil {
			// Something took the free port between our check and the
			// engine's bind: choose another.
			continue
		}
		if o.Reaper != nil && o.Reaper.reapingNow() && !errors.Is(err, ErrReaped) {
			// RemoveAll removed the container under Start's feet.
			err = fmt.Errorf("%w: %w", ErrReaped, err)
		}
		if rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, fmt.Errorf("provision %s (image %s): %w", kind, image, err)
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		rerr := removeRun(p, run)
		return nil, errors.Join(fmt.Errorf("provision %s: the DSN made for the container has no host: %v", kind, err), rerr)
	}
	ct := &control{kind: kind, run: run, id: c.GetContainerID(), addr: u.Host, fixed: o.FixedPort, c: c, p: p, reaper: o.Reaper}
	keep = true
	return &Instance{Kind: kind, DSN: dsn, Image: image, FixedPort: o.FixedPort, Terminate: ct.terminate, ctl: ct}, nil
}

// fixedPortAttempts bounds how often Start chooses another fixed port
// when the one it chose was taken before the engine could bind it.
const fixedPortAttempts = 3

// portTaken reports whether err says a host port was already in use.
func portTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}

// freePort returns a port of addr that is free now: the kernel picks it
// for a listener, which is closed at once.
func freePort(addr netip.Addr) (string, error) {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(addr, 0).String())
	if err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", addr, err)
	}
	return strconv.Itoa(port), nil
}

// containerName names a container after its kind and run, so that
// docker ps shows whose it is: occbench-redis-<run>.
func containerName(kind Kind, run string) string {
	return "occbench-" + string(kind) + "-" + strings.ToLower(run)
}

func portOf(kind Kind) string {
	switch kind {
	case Postgres:
		return postgresPort
	case Redis:
		return redisPort
	}
	return mongoPort
}

// created makes the modules' Run only create the container, so that
// launch can create it without ctx and start it with ctx.
func created() testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		req.Started = false
		return nil
	}
}

// launch creates a container with create and starts it, waiting until it
// is ready. Creation runs without ctx's cancellation, so that a container
// the engine has created is always returned to Start, which removes it on
// error; starting and waiting honour ctx.
func launch(ctx context.Context, o Options, create func(context.Context) (testcontainers.Container, error)) (testcontainers.Container, error) {
	if o.beforeCreate != nil {
		if err := o.beforeCreate(); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	c, err := create(cctx)
	cancel()
	if err == nil && o.created != nil {
		o.created(c.GetContainerID())
	}
	if o.afterCreate != nil {
		// Start removes the container, found by its label, on error.
		if aerr := o.afterCreate(); aerr != nil {
			return nil, errors.Join(aerr, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("start container: %w", err)
	}
	return c, nil
}

func startPostgres(ctx context.Context, image string, common []testcontainers.ContainerCustomizer, o Options) (testcontainers.Container, string, error) {
	password := rand.Text()
	c, err := launch(ctx, o, func(ctx context.Context) (testcontainers.Container, error) {
		opts := append([]testcontainers.ContainerCustomizer{
			postgres.WithDatabase(Database),
			postgres.WithUsername(User),
			postgres.WithPassword(password),
			postgres.BasicWaitStrategies(),
		}, common...)
		pc, err := postgres.Run(ctx, image, opts...)
		if err != nil || pc == nil {
			return nil, errors.Join(err, errNilContainer(pc == nil))
		}
		return pc, nil
	})
	if err != nil {
		return nil, "", err
	}
	hostPort, err := c.PortEndpoint(ctx, postgresPort, "")
	if err != nil {
		return c, "", fmt.Errorf("postgres endpoint: %w", err)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(User, password),
		Host:     hostPort,
		Path:     "/" + Database,
		RawQuery: "sslmode=disable",
	}
	return c, u.String(), nil
}

func startRedis(ctx context.Context, image string, common []testcontainers.ContainerCustomizer, o Options) (testcontainers.Container, string, error) {
	if cmd := redisCmd(o.Persistence); cmd != nil {
		common = append([]testcontainers.ContainerCustomizer{testcontainers.WithCmd(cmd...)}, common...)
	}
	c, err := launch(ctx, o, func(ctx context.Context) (testcontainers.Container, error) {
		rc, err := redis.Run(ctx, image, common...)
		if err != nil || rc == nil {
			return nil, errors.Join(err, errNilContainer(rc == nil))
		}
		return rc, nil
	})
	if err != nil {
		return nil, "", err
	}
	hostPort, err := c.PortEndpoint(ctx, redisPort, "")
	if err != nil {
		return c, "", fmt.Errorf("redis endpoint: %w", err)
	}
	return c, "redis://" + hostPort + "/0", nil
}

// mongoInit initiates the replica set once and succeeds when this node is
// the writable primary; the wait strategy runs it until it does.
const mongoInit = `try { rs.status() } catch (e) { rs.initiate({_id: "` + replicaSet + `", members: [{_id: 0, host: "localhost:27017"}]}) }
quit(db.hello().isWritablePrimary ? 0 : 1)`

func startMongo(ctx context.Context, image string, common []testcontainers.ContainerCustomizer, o Options) (testcontainers.Container, string, error) {
	ferret := isFerretDB(image)
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithExposedPorts(mongoPort)}
	if ferret {
		// FerretDB logs this once its listener is bound; the image has no
		// shell for an internal port check.
		opts = append(opts, testcontainers.WithWaitStrategyAndDeadline(waitDeadline,
			wait.ForLog("Listening on TCP"),
			wait.ForListeningPort(mongoPort).SkipInternalCheck(),
		))
	} else {
		opts = append(opts,
			testcontainers.WithCmd("mongod", "--replSet", replicaSet, "--bind_ip_all"),
			testcontainers.WithWaitStrategyAndDeadline(waitDeadline,
				wait.ForLog("Waiting for connections"),
				wait.ForListeningPort(mongoPort),
				wait.ForExec([]string{"mongosh", "--quiet", "--eval", mongoInit}).
					WithPollInterval(500*time.Millisecond).
					WithStartupTimeout(waitDeadline),
			))
	}
	opts = append(opts, common...)
	c, err := launch(ctx, o, func(ctx context.Context) (testcontainers.Container, error) {
		mc, err := testcontainers.Run(ctx, image, opts...)
		if err != nil || mc == nil {
			return nil, errors.Join(err, errNilContainer(mc == nil))
		}
		return mc, nil
	})
	if err != nil {
		return nil, "", err
	}
	hostPort, err := c.PortEndpoint(ctx, mongoPort, "")
	if err != nil {
		return c, "", fmt.Errorf("mongo endpoint: %w", err)
	}
	return c, mongoDSN(hostPort, ferret), nil
}

// mongoDSN returns the DSN of a server at hostPort: a direct connection
// to the replica set for MongoDB, a plain one for FerretDB.
func mongoDSN(hostPort string, ferret bool) string {
	if ferret {
		return "mongodb://" + hostPort + "/"
	}
	return "mongodb://" + hostPort + "/?replicaSet=" + replicaSet + "&directConnection=true"
}

func errNilContainer(isNil bool) error {
	if isNil {
		return errors.New("no container returned")
	}
	return nil
}

// publishOn publishes port on the loopback address addr when local (the
// engine runs on this host), instead of on every address; on hostPort
// when it is not "", instead of on one the engine picks.
func publishOn(addr netip.Addr, local bool, port, hostPort string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		if !local {
			return
		}
		p, err := network.ParsePort(port)
		if err != nil {
			return // testcontainers reports the bad port itself
		}
		if hc.PortBindings == nil {
			hc.PortBindings = network.PortMap{}
		}
		hc.PortBindings[p] = []network.PortBinding{{HostIP: addr, HostPort: hostPort}}
	})
}

// loopback returns host's loopback address, if host is one.
func loopback(host string) (netip.Addr, bool) {
	if host == "localhost" {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), true
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil || !addr.IsLoopback() {
		return netip.Addr{}, false
	}
	return addr, true
}

// ensureImage pulls image unless it is present locally. The pull honours
// ctx.
func ensureImage(ctx context.Context, p *testcontainers.DockerProvider, kind Kind, image string, logger tclog.Logger) error {
	_, err := p.Client().ImageInspect(ctx, image)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("image %s: %w", image, err)
	}
	logger.Printf("image %s is not present locally: pulling it", image)
	if err := p.PullImage(ctx, image); err != nil {
		return fmt.Errorf("image %s is not present locally and pulling it failed "+
			"(without a registry, build local images with docker/build-images.sh and set %s): %w",
			image, ImageEnv(kind), err)
	}
	return nil
}

// removeRun removes every container of one Start call, found by its
// label, whatever state it is in, within cleanupTimeout.
func removeRun(p *testcontainers.DockerProvider, run string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	return removeRunCtx(ctx, p, run)
}

// removeRunCtx is removeRun bounded by ctx.
func removeRunCtx(ctx context.Context, p *testcontainers.DockerProvider, run string) error {
	cli := p.Client()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", RunLabel+"="+run),
	})
	if err != nil {
		return fmt.Errorf("cleanup: list containers: %w", err)
	}
	var errs []error
	for _, s := range list.Items {
		_, err := cli.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) && !removing(err) {
			errs = append(errs, fmt.Errorf("cleanup: remove container %.12s: %w", s.ID, err))
		}
	}
	return errors.Join(errs...)
}

// removing reports whether err says that someone else (a Reaper, a
// Terminate) is already removing the container.
func removing(err error) bool {
	return strings.Contains(err.Error(), "already in progress")
}

// silenceDefaultLogger replaces testcontainers' process-wide default
// logger, which prints a banner to stderr on first contact with the
// engine, by a silent one, once per process and before any testcontainers
// call, so that occbench's output stays its own. Lines about one container
// reach Options.Logf through the per-request logger instead. (Setting the
// default on every Start, to that call's Logf, would race with concurrent
// Starts and send one call's lines to another's Logf.) This is the
// package's one piece of package-level state.
var silenceDefaultLogger = sync.OnceFunc(func() { tclog.SetDefault(tclog.NewNoopLogger()) })

// newProvider connects to the container engine, or returns ErrNoDocker
// wrapped with the cause.
func newProvider(ctx context.Context, logger tclog.Logger) (*testcontainers.DockerProvider, error) {
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDocker, err)
	}
	if err := p.Health(ctx); err != nil {
		_ = p.Close() // the health error is the one to report
		return nil, fmt.Errorf("%w: %w", ErrNoDocker, err)
	}
	return p, nil
}

// setDefaultEnv sets the testcontainers settings these machines need,
// unless the caller has set them (see the package documentation).
func setDefaultEnv() error {
	defaults := [][2]string{{"TESTCONTAINERS_RYUK_DISABLED", "true"}}
	if h := os.Getenv("DOCKER_HOST"); h == "" || strings.HasPrefix(h, "unix://") {
		defaults = append(defaults, [2]string{"TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1"})
	}
	for _, kv := range defaults {
		if _, set := os.LookupEnv(kv[0]); set {
			continue
		}
		if err := os.Setenv(kv[0], kv[1]); err != nil {
			return fmt.Errorf("provision: set %s: %w", kv[0], err)
		}
	}
	return nil
}

// logfLogger passes testcontainers' log lines, redacted, to a Logf.
type logfLogger func(format string, args ...any)

func (f logfLogger) Printf(format string, args ...any) {
	f("%s", redact.DSN(strings.TrimRight(fmt.Sprintf(format, args...), "\n")))
}

func newLogger(logf func(string, ...any)) tclog.Logger {
	if logf == nil {
		return tclog.NewNoopLogger()
	}
	return logfLogger(logf)
}
