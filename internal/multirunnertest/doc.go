// Package multirunnertest runs the multi-runner container contract for
// real, in its test: what docker/k8s/ asks of a Kubernetes cluster, done
// with plain Docker containers.
//
// TestContainers starts a private Docker network, one PostgreSQL
// container ($OCCBENCH_IMAGE_POSTGRES) and, per run, three runner
// containers of the occbench image ($OCCBENCH_IMAGE_OCCBENCH, built by
// docker/build-occbench-image.sh), each with JOB_COMPLETION_INDEX set as
// an Indexed Job sets it and --runners 3, writing its part to a shared
// results directory; then the merge container, which merges the parts
// and audits the store once. It checks that each part is pending and
// knows its index, that the merged counters are the sums of the parts',
// that an optimistic run's global audit is ok (merge exits 0), and that
// a last-writer-wins run's losses are counted exactly once: the merged
// lost updates are the parts' committed ops less what the store holds,
// read here with psql. Every container and the network are removed at
// the end, failed or not.
//
// It drives the docker CLI through os/exec (only internal/provision
// imports testcontainers). Without docker or the image variables it
// skips, naming what is missing; with OCCBENCH_REQUIRE_DOCKER=1 (CI) it
// fails instead.
//
//	eval "$(docker/build-images.sh --print-env)"
//	eval "$(docker/build-occbench-image.sh --print-env)"
//	go test -run TestContainers -v ./internal/multirunnertest
package multirunnertest
