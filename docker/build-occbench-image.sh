#!/usr/bin/env bash
# build-occbench-image.sh builds the occbench image from the repository's
# current source, without any container registry: the binary is built
# here (CGO_ENABLED=0, static) and copied into an image FROM scratch with
# the layout of docker/occbench/Dockerfile (the users' multi-stage build):
#
#   occbench-test/occbench:dev   /occbench (ENTRYPOINT), /results owned by
#                                65532, /tmp (1777), the host's CA bundle,
#                                USER 65532
#
# Usage: docker/build-occbench-image.sh [--force] [--print-env]
#
# The image carries the label org.occbench.recipe: a hash of every Go
# source and embedded file cmd/occbench is built from (as `go list -deps`
# names them, in this module), go.mod, go.sum, the Go version and the
# image lines. It is rebuilt only when that hash changes, so an unchanged
# tree costs about 2 s (the go list) and any edit to the source gives a
# new image. --force rebuilds anyway. --print-env prints
# `export OCCBENCH_IMAGE_OCCBENCH=tag` and nothing else on stdout
# (progress on stderr), for `eval "$(docker/build-occbench-image.sh
# --print-env)"`; internal/multirunnertest runs that image.
#
# Needs: a running Docker engine and go.
set -euo pipefail

TAG=occbench-test/occbench:dev
RECIPE_LABEL=org.occbench.recipe

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
force=0
print_env=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	--print-env) print_env=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-occbench-image.sh: unknown argument \"$arg\" (allowed: --force, --print-env)" >&2
		exit 2
		;;
	esac
done

export DOCKER_BUILDKIT=0 # the classic builder: FROM scratch never pulls

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

if ! docker info >/dev/null 2>&1; then
	log "build-occbench-image.sh: docker info failed: start the Docker engine first"
	exit 1
fi

# The Dockerfile lines after FROM scratch (ca-certificates.crt is empty
# when the host has no bundle: plain-TCP DSNs need none).
LINES='COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY occbench /occbench
COPY --chown=65532:65532 results /results
COPY tmp /tmp
USER 65532:65532
WORKDIR /results
ENTRYPOINT ["/occbench"]
CMD ["list"]'

start="$(now)"
cd "$root"
# Every file of this module that cmd/occbench is built from.
sources="$(go list -deps -f '{{if and .Module .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}' ./cmd/occbench | sed "s|^$root/||" | sort)"
if [ -z "$sources" ]; then
	log "build-occbench-image.sh: go list ./cmd/occbench named no source files"
	exit 1
fi
recipe="$(
	{
		printf '%s\n' "$sources" | tr '\n' '\0' | xargs -0 sha256sum
		sha256sum go.mod go.sum
		go env GOVERSION
		printf '%s\n' "$LINES"
	} | sha256sum | cut -c1-16
)"

got="$(docker image inspect --format "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$TAG" 2>/dev/null || true)"
if [ "$force" = 0 ] && [ "$got" = "$recipe" ]; then
	log "$TAG: present, source unchanged (recipe $recipe, checked in $(since "$start"))"
else
	if [ -n "$got" ]; then
		log "$TAG: built from recipe $got, the source is now $recipe: rebuilding"
	fi
	ctx="$(mktemp -d /var/tmp/occbench-image.XXXXXX)"
	trap 'rm -rf "$ctx"' EXIT
	t="$(now)"
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/occbench" ./cmd/occbench
	log "$TAG: go build in $(since "$t")"
	mkdir -p "$ctx/results" "$ctx/tmp"
	chmod 1777 "$ctx/tmp"
	if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
	else
		: >"$ctx/ca-certificates.crt"
	fi
	printf 'FROM scratch\n%s\nLABEL %s=%s\n' "$LINES" "$RECIPE_LABEL" "$recipe" >"$ctx/Dockerfile"
	old="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
	if ! out="$(docker build -q -t "$TAG" "$ctx" 2>&1)"; then
		printf '%s\n' "$out" >&2
		log "$TAG: docker build failed"
		exit 1
	fi
	new="$(docker image inspect --format '{{.Id}}' "$TAG")"
	if [ -n "$old" ] && [ "$old" != "$new" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
	docker run --rm "$TAG" list >/dev/null
	log "$TAG: built in $(since "$start") (recipe $recipe, $(docker image inspect --format '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
fi

if [ "$print_env" = 1 ]; then
	printf 'export OCCBENCH_IMAGE_OCCBENCH=%s\n' "$TAG"
fi
