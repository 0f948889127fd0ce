#!/usr/bin/env bash
# build-images.sh builds the local container images occbench's tests and CI
# use, without any container registry: every image is made here, from
# Debian packages (debootstrap) or from Go modules (FerretDB).
#
#   occbench-test/base:bookworm    Debian bookworm minbase + postgresql-15 +
#                                  redis-server + both entrypoints: the
#                                  rootfs the next two images share
#   occbench-test/postgres:15      PostgreSQL 15 with the official image's
#                                  contract (POSTGRES_USER/PASSWORD/DB, initdb
#                                  on first start, CMD "postgres")
#   occbench-test/redis:7.0        Redis 7.0 (the version bookworm ships),
#                                  on 0.0.0.0 with protected mode off
#   occbench-test/ferretdb:1.24.2  FerretDB v1.24.2 (MongoDB wire protocol)
#                                  on :27017 with its SQLite backend, a static
#                                  binary FROM scratch built from the Go module
#
# Usage: docker/build-images.sh [--force] [--print-env]
#
# An image is built only when its tag is missing or was built from another
# recipe (each image carries a label with a hash of what it was built from:
# the entrypoint scripts, the Dockerfile lines, the versions). --force
# rebuilds everything. --print-env prints `export OCCBENCH_IMAGE_*=tag` lines
# and nothing else on stdout (progress and timings go to stderr), for
# `eval "$(docker/build-images.sh --print-env)"`.
#
# Needs: root, a running Docker engine, go, and debootstrap (installed with
# apt-get when missing). Debian packages come from the mirror apt already
# uses on this machine; FerretDB from the Go module proxy. Nothing is pulled
# from a container registry: FROM lines name only these local images or
# scratch, and the classic builder never pulls an image it has.
set -euo pipefail

SUITE=bookworm
PACKAGES=postgresql-15,redis-server
BASE_TAG=occbench-test/base:$SUITE
POSTGRES_TAG=occbench-test/postgres:15
REDIS_TAG=occbench-test/redis:7.0
REDIS_VERSION_PREFIX=7.0.
FERRETDB_VERSION=v1.24.2
FERRETDB_TAG=occbench-test/ferretdb:${FERRETDB_VERSION#v}
RECIPE_LABEL=org.occbench.recipe

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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
		echo "build-images.sh: unknown argument \"$arg\" (allowed: --force, --print-env)" >&2
		exit 2
		;;
	esac
done

export DOCKER_BUILDKIT=0 # the classic builder: FROM a local image never pulls

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
size() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }
hash() { sha256sum | cut -c1-16; }

# quiet runs a command and shows its output only when it fails (the classic
# builder's deprecation notice is noise otherwise).
quiet() {
	local out
	if ! out="$("$@" 2>&1)"; then
		printf '%s\n' "$out" >&2
		log "failed: $*"
		return 1
	fi
}

# drop_old removes the image that tag named before a rebuild, now untagged,
# if nothing else uses it (a failure to remove it is harmless).
drop_old() {
	local tag="$1" old="$2" new
	[ -n "$old" ] || return 0
	new="$(docker image inspect --format '{{.Id}}' "$tag")"
	if [ "$old" != "$new" ]; then
		docker image rm "$old" >/dev/null 2>&1 || true
	fi
}
old_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# present reports whether tag exists, built from recipe, so that it need not
# be built again.
present() {
	local tag="$1" recipe="$2" got
	[ "$force" = 0 ] || return 1
	got="$(docker image inspect --format "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$tag" 2>/dev/null)" || return 1
	if [ "$got" != "$recipe" ]; then
		log "$tag: exists but was built from recipe ${got:-(none)}, not $recipe: rebuilding"
		return 1
	fi
}

work=""
cleanup() {
	if [ -n "$work" ] && [ -d "$work" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
workdir() {
	if [ -z "$work" ]; then
		work="$(mktemp -d /var/tmp/occbench-images.XXXXXX)"
	fi
}

# debian_mirror prints the Debian archive URL apt uses here (not the
# security archive), or deb.debian.org when none is configured.
debian_mirror() {
	local f uri=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")"
			[ -n "$uri" ] && break
		done
	fi
	printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# The Dockerfile lines of each image after its FROM line.
POSTGRES_LINES='ENV PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]'
REDIS_LINES='WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]
CMD ["redis-server"]'
FERRETDB_LINES='COPY ferretdb /ferretdb
COPY state /state
ENV FERRETDB_HANDLER=sqlite \
    FERRETDB_SQLITE_URL=file:/state/ \
    FERRETDB_STATE_DIR=/state \
    FERRETDB_LISTEN_ADDR=:27017 \
    FERRETDB_DEBUG_ADDR=:8088 \
    FERRETDB_TELEMETRY=disable
EXPOSE 27017
ENTRYPOINT ["/ferretdb"]'

BASE_RECIPE="$(cat "$here/testimages/postgres-entrypoint.sh" "$here/testimages/redis-entrypoint.sh" <(echo "$SUITE $PACKAGES v1") | hash)"
POSTGRES_RECIPE="$(printf '%s\n%s\n' "$BASE_RECIPE" "$POSTGRES_LINES" | hash)"
REDIS_RECIPE="$(printf '%s\n%s\n' "$BASE_RECIPE" "$REDIS_LINES" | hash)"
FERRETDB_RECIPE="$(printf '%s\n%s\nCGO_ENABLED=0 GOAMD64=v1 -trimpath\n' "$FERRETDB_VERSION" "$FERRETDB_LINES" | hash)"

base_built="" # set once this run has built the base (--force builds it once)
build_base() {
	if [ -n "$base_built" ]; then
		return
	fi
	if present "$BASE_TAG" "$BASE_RECIPE"; then
		log "$BASE_TAG: present ($(size "$BASE_TAG"))"
		return
	fi
	if ! command -v debootstrap >/dev/null; then
		log "$BASE_TAG: installing debootstrap"
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
	fi
	workdir
	local root="$work/rootfs" mirror t
	mirror="$(debian_mirror)"
	t="$(now)"
	log "$BASE_TAG: debootstrap --variant=minbase --include=$PACKAGES $SUITE from $mirror"
	if ! debootstrap --variant=minbase --include="$PACKAGES" \
		"$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
		tail -n 30 "$work/debootstrap.log" >&2
		log "$BASE_TAG: debootstrap failed (log above)"
		return 1
	fi
	log "$BASE_TAG: debootstrap done in $(since "$t")"

	local redis_version pg_version
	redis_version="$(chroot "$root" dpkg-query -W -f '${Version}' redis-server)"
	redis_version="${redis_version#*:}"
	pg_version="$(chroot "$root" dpkg-query -W -f '${Version}' postgresql-15)"
	log "$BASE_TAG: redis-server $redis_version, postgresql-15 $pg_version"
	case "$redis_version" in
	"$REDIS_VERSION_PREFIX"*) ;;
	*)
		log "$BASE_TAG: $SUITE now ships redis $redis_version, not $REDIS_VERSION_PREFIX*: update REDIS_TAG in $0"
		return 1
		;;
	esac

	# Trim what a server image never uses: downloaded .debs, apt lists,
	# documentation, and the cluster the postgresql package created (the
	# entrypoint makes its own in $PGDATA).
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
		"$root"/var/lib/postgresql/15/main "$root"/var/log/*.log
	install -m 0755 "$here/testimages/postgres-entrypoint.sh" "$root/usr/local/bin/postgres-entrypoint.sh"
	install -m 0755 "$here/testimages/redis-entrypoint.sh" "$root/usr/local/bin/redis-entrypoint.sh"
	mkdir -p "$root/data" "$root/docker-entrypoint-initdb.d" "$root/var/lib/postgresql/data"
	chroot "$root" chown redis:redis /data
	chroot "$root" chown postgres:postgres /var/lib/postgresql/data
	chmod 700 "$root/var/lib/postgresql/data"

	local old
	old="$(old_id "$BASE_TAG")"
	t="$(now)"
	tar --numeric-owner -C "$root" -c . |
		quiet docker import \
			-c 'ENV LANG=C.UTF-8' \
			-c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			-c "LABEL $RECIPE_LABEL=$BASE_RECIPE" \
			-c 'CMD ["/bin/bash"]' \
			-m "debootstrap --variant=minbase --include=$PACKAGES $SUITE" \
			- "$BASE_TAG"
	log "$BASE_TAG: imported in $(since "$t") ($(size "$BASE_TAG"))"
	drop_old "$BASE_TAG" "$old"
	rm -rf "$root"
	base_built=1
}

# build_image builds tag from a Dockerfile made of from, lines and the
# recipe label, in the context directory ctx.
build_image() {
	local tag="$1" recipe="$2" from="$3" lines="$4" ctx="$5" t old
	old="$(old_id "$tag")"
	printf 'FROM %s\n%s\nLABEL %s=%s\n' "$from" "$lines" "$RECIPE_LABEL" "$recipe" >"$ctx/Dockerfile"
	t="$(now)"
	quiet docker build -q -t "$tag" "$ctx"
	log "$tag: built in $(since "$t") ($(size "$tag"))"
	drop_old "$tag" "$old"
}

build_from_base() {
	local tag="$1" recipe="$2" lines="$3" ctx
	if present "$tag" "$recipe"; then
		log "$tag: present ($(size "$tag"))"
		return
	fi
	build_base
	workdir
	ctx="$(mktemp -d "$work/ctx.XXXXXX")"
	build_image "$tag" "$recipe" "$BASE_TAG" "$lines" "$ctx"
}

build_ferretdb() {
	if present "$FERRETDB_TAG" "$FERRETDB_RECIPE"; then
		log "$FERRETDB_TAG: present ($(size "$FERRETDB_TAG"))"
		return
	fi
	workdir
	local t mod src ctx
	t="$(now)"
	# Outside any module, so no go.mod is touched.
	mod="$(cd "$work" && GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off go mod download -json \
		"github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | awk -F'"' '$2 == "Dir" { print $4 }')"
	if [ -z "$mod" ] || [ ! -d "$mod" ]; then
		log "$FERRETDB_TAG: go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed"
		return 1
	fi
	src="$work/ferretdb-src"
	cp -R "$mod" "$src"
	chmod -R u+w "$src"
	# FerretDB panics at start without build/version/version.txt, which its
	# release process generates with git describe.
	printf '%s' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
	ctx="$work/ferretdb-ctx"
	mkdir -p "$ctx/state"
	(cd "$src" && CGO_ENABLED=0 GOAMD64=v1 GOFLAGS=-mod=mod GOTOOLCHAIN=local GOWORK=off \
		go build -trimpath -o "$ctx/ferretdb" ./cmd/ferretdb)
	"$ctx/ferretdb" --version | head -n 1 >&2
	log "$FERRETDB_TAG: go build done in $(since "$t")"
	build_image "$FERRETDB_TAG" "$FERRETDB_RECIPE" scratch "$FERRETDB_LINES" "$ctx"
}

if ! docker info >/dev/null 2>&1; then
	log "build-images.sh: docker info failed: start the Docker engine first"
	exit 1
fi

start="$(now)"
build_from_base "$POSTGRES_TAG" "$POSTGRES_RECIPE" "$POSTGRES_LINES"
build_from_base "$REDIS_TAG" "$REDIS_RECIPE" "$REDIS_LINES"
build_ferretdb
log "images ready in $(since "$start")"

if [ "$print_env" = 1 ]; then
	printf 'export OCCBENCH_IMAGE_POSTGRES=%s\n' "$POSTGRES_TAG"
	printf 'export OCCBENCH_IMAGE_REDIS=%s\n' "$REDIS_TAG"
	printf 'export OCCBENCH_IMAGE_MONGO=%s\n' "$FERRETDB_TAG"
fi
