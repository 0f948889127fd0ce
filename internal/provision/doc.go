// Package provision starts throw-away database servers in containers, so
// that occbench can run against a real store without a --dsn.
//
// It is the only occbench package that imports testcontainers-go, and
// only cmd/occbench calls it, behind a flag. Start returns an Instance
// whose DSN the matching driver accepts and whose Terminate removes the
// container:
//
//	inst, err := provision.Start(ctx, provision.Postgres, provision.Options{})
//	if err != nil { … }
//	defer inst.Terminate(context.WithoutCancel(ctx))
//
// # Images
//
// The image of each kind is, first to last: Options.Image, the environment
// variable OCCBENCH_IMAGE_<KIND> (OCCBENCH_IMAGE_POSTGRES,
// OCCBENCH_IMAGE_REDIS, OCCBENCH_IMAGE_MONGO), and the official image
// DefaultImage returns (postgres:17, redis:7, mongo:8). An image that is
// not present locally is pulled; on machines without a registry, build the
// local images with docker/build-images.sh and point the variables at them.
//
// Postgres images must follow the official image's contract
// (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, "database system is
// ready to accept connections" logged twice on first start); redis images
// must log "Ready to accept connections". A mongo image whose name holds
// "ferretdb" is taken to be FerretDB, which needs no set-up; any other is
// taken to be MongoDB, started as the single-node replica set rs0 (so that
// transactions work) and initiated with mongosh inside the container.
//
// # Environment
//
// On machines with no registry, testcontainers' reaper (Ryuk) cannot be
// pulled, and on some machines the daemon's own address is not where the
// mapped ports are reachable. Start and DockerAvailable therefore set,
// when they are unset, TESTCONTAINERS_RYUK_DISABLED=true, and (when
// DOCKER_HOST is unset or a Unix socket) TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1.
// Without the reaper, a container outlives a process that dies before
// calling Terminate: every container carries the label
// org.occbench.provision.run, by which it can be found and removed.
// Ports are published on 127.0.0.1 only when the host is a loopback
// address. The first call also silences testcontainers' process-wide
// default logger (its banner would go to stderr); progress about each
// container goes to Options.Logf.
//
// # Cancellation
//
// A container is removed when Terminate is called, when Start fails, and
// when ctx is cancelled before Start returns. Creating the container is
// not interrupted by ctx (so that no half-created container escapes
// removal); pulling an image and waiting for the server are.
//
// # Controls
//
// An Instance controls its container for fault injection: Pause and
// Unpause (docker pause), Stop (the image's stop signal, then SIGKILL
// after StopGrace), Kill (SIGKILL) and Start, which starts the container
// again and, like WaitReady, waits at most ReadyTimeout until the server
// serves requests. Readiness is a protocol probe over TCP on the DSN's
// address, with no client library and no password: a Postgres startup
// message answered by an authentication request (not "the database
// system is starting up"), a Redis PING answered by PONG (not LOADING),
// a MongoDB hello that says isWritablePrimary. The modules' startup
// wait strategies cannot be reused: they read the container's log, which
// keeps the previous run's "ready" lines.
//
// The engine publishes a container that starts again on a new host
// port unless the port was fixed. Options.FixedPort fixes it (a free
// loopback port chosen before the container is created, chosen again if
// something takes it before the engine binds it), and Stop, Kill and
// Start refuse, with ErrNoFixedPort, an Instance started without it.
//
// Options.Persistence chooses what a Redis server keeps across a
// restart: the image's default (RDB snapshots, also written on a clean
// stop), "none" (--save "" --appendonly no: a restart loses everything)
// or "aof" (--appendonly yes --appendfsync always: a restart or a kill
// keeps every acknowledged write).
//
// Containers are named occbench-<kind>-<run>, run being the value of
// their org.occbench.provision.run label.
//
// # Second interrupt
//
// A Reaper, made with NewReaper and passed in Options.Reaper, removes on
// RemoveAll every container of the Starts it was given, by label,
// synchronously: for a second Ctrl-C, when waiting for each Terminate is
// too slow. Start registers with it before it creates a container, and
// RemoveAll waits for creations in progress, so that none escapes; after
// RemoveAll, Start fails with ErrReaped.
//
// DSNs hold a fresh random password per Postgres instance: log them only
// through internal/redact.
package provision
