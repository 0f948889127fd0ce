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
// DSNs hold a fresh random password per Postgres instance: log them only
// through internal/redact.
package provision
