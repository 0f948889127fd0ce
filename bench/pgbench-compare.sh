#!/usr/bin/env bash
# bench/pgbench-compare.sh runs pgbench and occbench on the same PostgreSQL
# workloads for the same time and prints one table, so that occbench's
# client overhead can be judged against pgbench, the reference C client.
#
# usage: bench/pgbench-compare.sh [DSN]
#
# DSN is the first argument, else $OCCBENCH_POSTGRES_DSN. With neither, the
# script starts a throw-away PostgreSQL server on 127.0.0.1 in a temporary
# directory (fsync=off) and stops and removes it at exit. Both tools use the
# same DSN, so they talk to the server over the same transport.
#
# Workloads (one table per tool: pgbench uses bench_docs, occbench its own
# occbench_docs; both have occbench's columns, are recreated and seeded
# with the cell's rows before every run, and analyzed):
#
#   occ-hot      optimistic on one hot row: SELECT version; conditional
#                UPDATE … WHERE id = 1 AND version = :version
#   occ-uniform  the same on 1,000 rows, id uniform in 1 … 1000
#   pess-hot     pessimistic on one hot row: BEGIN; SELECT … FOR UPDATE;
#                UPDATE; COMMIT
#
# pgbench runs `pgbench -n -M prepared -c N -j min(N,2) -T T -f script`;
# occbench runs `occbench run --driver postgres --param conns=CONNS
# [--param transport=TRANSPORT] --strategy optimistic|pessimistic --backoff
# none --hold 0 --writers N --keys 1|1000 --distribution single|uniform
# --duration T --warmup 1s --quiet --format json` (--hold 0: no time
# between read and write, as pgbench's script has none; the quickstart
# scenario's default is 200µs). In each cell the two tools alternate (pgbench first in odd runs,
# occbench first in even runs), so that noise on a shared machine hits
# both.
#
# pgbench counts one transaction per script execution whether or not the
# UPDATE matched a row: that is one occbench attempt. The ratio is
# occbench attempts/s ÷ pgbench tps.
#
# Client CPU: each tool's process (user + system, from bash's `time`, so
# children included) over its transactions or attempts, in µs. pgbench's
# transactions are its "number of transactions actually processed".
# occbench's process also runs setup, the 1 s warmup and the audit, so its
# CPU is divided by every attempt it made: the measured attempts scaled by
# audit.expected ÷ ops (committed ops with the warmup's ÷ measured ones,
# assuming the warmup's attempts per op). The CPU ratio is occbench µs per
# attempt ÷ pgbench µs per transaction: above 1, occbench's client spends
# more CPU on one attempt than pgbench on one transaction.
#
# Environment:
#
#   T          seconds per run, e.g. 10 or 10s (default 10s)
#   CLIENTS    client counts (default "1 8 32")
#   WORKLOADS  subset of "occ-hot occ-uniform pess-hot" (the default)
#   REPEAT     runs per tool and cell (default 2)
#   SQL        issue (default): pgbench's UPDATE sets version and counter,
#              as issue 4 specifies; occbench: pgbench runs the same SQL
#              as occbench's postgres driver (every column read, payload,
#              writer, op and updated_at written), so that both put the
#              same work on the server
#   THREADS    default: occbench runs with Go's default GOMAXPROCS (the
#              number of CPUs), as users run it; match: with
#              GOMAXPROCS=min(N,2), the thread count pgbench gets from -j
#   CONNS      writer (default): occbench gives each writer a connection
#              of its own, as pgbench gives each client one; pool: every
#              statement borrows a pgxpool connection (--param conns=pool)
#   TRANSPORT  auto (default), blocking or netpoll: how occbench's
#              sessions wait for the server (--param transport=, see
#              drivers/postgres); only with CONNS=writer
#   PIN        cpus: give the clients CPU 0 and the server the other CPUs
#              (taskset), as if the load generator ran on its own host, so
#              that a client's CPU time is not taken from the server; the
#              server is the throw-away one, or the one whose postmaster
#              PID is in PGPID (its running backends are pinned too, new
#              ones inherit it); needs at least 2 CPUs and taskset
#   NICE       run both tools (and a throw-away server) under `nice -n
#              NICE`, e.g. -10 on a machine busy with other work; a server
#              behind a DSN keeps its own priority (renice its postmaster
#              before the run; backends inherit it)
#   OCCBENCH   occbench binary (default: built from this checkout)
#   PGBIN      directory of pgbench, psql, initdb, pg_ctl (default:
#              pg_config --bindir, else /usr/lib/postgresql/15/bin)
#   RAW        directory to keep every tool's raw output (default: a
#              temporary directory, removed at exit)
#
# Exit status: 0 after the table (and for --help); 1 on a failed run (a
# pgbench error, an occbench failure or failed audit, no server); 2 on bad
# usage (arguments or environment).
set -euo pipefail

die() { echo "pgbench-compare: $*" >&2; exit 1; }
bad() { echo "pgbench-compare: $*" >&2; exit 2; }
help() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in -h | --help) help; exit 0 ;; esac
[ $# -le 1 ] || bad "at most one argument (the DSN), got $#; see --help"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DSN=${1:-${OCCBENCH_POSTGRES_DSN:-}}
T=${T:-10s}
T=${T%s}
[[ $T =~ ^[1-9][0-9]*$ ]] || bad "T: must be whole seconds, e.g. 10s, got ${T@Q}"
CLIENTS=${CLIENTS:-1 8 32}
WORKLOADS=${WORKLOADS:-occ-hot occ-uniform pess-hot}
REPEAT=${REPEAT:-2}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || bad "REPEAT: must be ≥ 1, got ${REPEAT@Q}"
SQL=${SQL:-issue}
THREADS=${THREADS:-default}
case $THREADS in default | match) ;; *) bad "THREADS: unknown mode ${THREADS@Q} (allowed: default, match)" ;; esac
NICE=${NICE:-}
nice_cmd=()
if [ -n "$NICE" ]; then
	[[ $NICE =~ ^-?[0-9]+$ ]] || bad "NICE: must be an integer, got ${NICE@Q}"
	[ "$NICE" -ge 0 ] || [ "$(id -u)" = 0 ] || bad "NICE: a negative value needs root, got $NICE"
	nice_cmd=(nice -n "$NICE")
fi
case $SQL in issue | occbench) ;; *) bad "SQL: unknown mode ${SQL@Q} (allowed: issue, occbench)" ;; esac
PIN=${PIN:-}
case $PIN in "" | cpus) ;; *) bad "PIN: unknown mode ${PIN@Q} (allowed: cpus, or unset)" ;; esac
pin_cmd=()
if [ -n "$PIN" ]; then
	command -v taskset >/dev/null || bad "PIN: needs taskset (apt-get install util-linux)"
	[ "$(nproc)" -ge 2 ] || bad "PIN: needs at least 2 CPUs, this machine has $(nproc)"
	[ -n "${1:-${OCCBENCH_POSTGRES_DSN:-}}" ] && [ -z "${PGPID:-}" ] &&
		bad "PIN: with a DSN, set PGPID to the server's postmaster PID so that it can be pinned"
	pin_cmd=(taskset -c 0)
fi
CONNS=${CONNS:-writer}
case $CONNS in writer | pool) ;; *) bad "CONNS: unknown mode ${CONNS@Q} (allowed: writer, pool)" ;; esac
TRANSPORT=${TRANSPORT:-auto}
case $TRANSPORT in auto | blocking | netpoll) ;; *) bad "TRANSPORT: unknown mode ${TRANSPORT@Q} (allowed: auto, blocking, netpoll)" ;; esac
[ "$CONNS" = writer ] || [ "$TRANSPORT" = auto ] || bad "TRANSPORT: $TRANSPORT needs CONNS=writer (the pool always uses Go's netpoller)"
for c in $CLIENTS; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || bad "CLIENTS: must be counts ≥ 1, got ${c@Q}"
done
for w in $WORKLOADS; do
	case $w in occ-hot | occ-uniform | pess-hot) ;; *) bad "WORKLOADS: unknown workload ${w@Q} (allowed: occ-hot, occ-uniform, pess-hot)" ;; esac
done

if [ -z "${PGBIN:-}" ]; then
	if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/pgbench" ]; then
		PGBIN=$(pg_config --bindir)
	else
		PGBIN=/usr/lib/postgresql/15/bin
	fi
fi
for tool in pgbench psql; do
	[ -x "$PGBIN/$tool" ] || die "PGBIN: no $tool in $PGBIN (apt-get install postgresql-15, or set PGBIN)"
done
command -v jq >/dev/null || die "jq is required to read occbench's JSON (apt-get install jq)"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgbench-compare.XXXXXX")
chmod 755 "$work"
server_dir=""
cleanup() {
	local rc=$?
	if [ -n "$server_dir" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$server_dir/data" -m fast -w stop >/dev/null 2>&1 || true
		rm -rf "$server_dir"
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_pg runs initdb and pg_ctl, which refuse to run as root, as postgres,
# under NICE (set by root before dropping privileges: a negative value
# needs them).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		"${nice_cmd[@]}" runuser -u postgres -- "$@"
	else
		"${nice_cmd[@]}" "$@"
	fi
}

if [ -z "$DSN" ]; then
	for tool in initdb pg_ctl pg_isready; do
		[ -x "$PGBIN/$tool" ] || die "no DSN given and no $tool in $PGBIN to start a server"
	done
	server_dir=$(mktemp -d "${TMPDIR:-/tmp}/pgbench-compare-pg.XXXXXX")
	[ "$(id -u)" != 0 ] || chown postgres "$server_dir"
	as_pg "$PGBIN/initdb" -D "$server_dir/data" -U postgres -A trust >"$server_dir/initdb.log" 2>&1 ||
		die "initdb failed: $(tail -3 "$server_dir/initdb.log")"
	port=""
	for try in $(seq 0 19); do
		p=$((56000 + (RANDOM % 1000) + try))
		if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$p"; then continue; fi
		if as_pg "$PGBIN/pg_ctl" -D "$server_dir/data" -l "$server_dir/log" -w -t 30 start \
			-o "-p $p -k $server_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null 2>&1; then
			port=$p
			break
		fi
	done
	[ -n "$port" ] || die "could not start a server (log: $(tail -3 "$server_dir/log" 2>/dev/null))"
	DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	PGPID=$(head -1 "$server_dir/data/postmaster.pid")
	echo "started a throw-away PostgreSQL on 127.0.0.1:$port ($server_dir)" >&2
fi
"$PGBIN/psql" "$DSN" -qAtc "SELECT 1" >/dev/null 2>"$work/psql.err" ||
	die "cannot connect: $(head -1 "$work/psql.err")"

if [ -n "$PIN" ]; then
	# The postmaster and every process it has forked so far; backends
	# forked later inherit the postmaster's affinity.
	taskset -a -p -c "1-$(($(nproc) - 1))" "$PGPID" >/dev/null || die "PIN: cannot pin the server (PGPID $PGPID)"
	for child in $(pgrep -P "$PGPID"); do taskset -a -p -c "1-$(($(nproc) - 1))" "$child" >/dev/null || true; done
fi
if [ -z "${OCCBENCH:-}" ]; then
	OCCBENCH=$work/occbench
	(cd "$repo" && go build -o "$OCCBENCH" ./cmd/occbench) || die "go build ./cmd/occbench failed"
fi
[ -x "$OCCBENCH" ] || die "OCCBENCH: not an executable: ${OCCBENCH@Q}"
RAW=${RAW:-$work/raw}
mkdir -p "$RAW"

# occbench's default document: one field group, 64 payload bytes.
payload_hex=$(printf '00%.0s' $(seq 64))

# seed recreates bench_docs with occbench's columns and rows 1 … $1.
seed() {
	"$PGBIN/psql" "$DSN" -qX -v ON_ERROR_STOP=1 >/dev/null <<-EOF
		SET client_min_messages = warning;
		DROP TABLE IF EXISTS bench_docs;
		CREATE TABLE bench_docs (id bigint PRIMARY KEY, version bigint NOT NULL, counter bigint NOT NULL,
		  fence bigint NOT NULL, writer bigint NOT NULL, op bigint NOT NULL, updated_at bigint NOT NULL,
		  gv0 bigint NOT NULL, p0 bytea NOT NULL);
		INSERT INTO bench_docs SELECT g, 0, 0, 0, 0, 0, 0, 0, decode('$payload_hex', 'hex') FROM generate_series(1, $1) AS g;
		ANALYZE bench_docs;
	EOF
}

# script writes the pgbench script of workload $1 to stdout.
script() {
	local id=1
	if [ "$1" = occ-uniform ]; then
		echo '\set id random(1, 1000)'
		id=:id
	fi
	case $SQL/$1 in
	issue/occ-*)
		echo "SELECT version FROM bench_docs WHERE id = $id \\gset"
		echo "UPDATE bench_docs SET version = version + 1, counter = counter + 1 WHERE id = $id AND version = :version;"
		;;
	occbench/occ-*)
		echo "SELECT version, counter, fence, writer, op, updated_at, gv0, p0 FROM bench_docs WHERE id = $id \\gset"
		echo "UPDATE bench_docs SET version = version + 1, counter = counter + 1, gv0 = gv0 + 1, p0 = :payload, writer = :client_id, op = :version, updated_at = :version WHERE id = $id AND version = :version;"
		;;
	issue/pess-hot)
		echo "BEGIN;"
		echo "SELECT version, counter FROM bench_docs WHERE id = 1 FOR UPDATE \\gset"
		echo "UPDATE bench_docs SET version = :version + 1, counter = :counter + 1 WHERE id = 1;"
		echo "COMMIT;"
		;;
	occbench/pess-hot)
		echo "BEGIN;"
		echo "SELECT version, counter, gv0 FROM bench_docs WHERE id = 1 FOR UPDATE \\gset"
		echo "UPDATE bench_docs SET version = :version + 1, counter = :counter + 1, gv0 = :gv0 + 1, p0 = :payload, writer = :client_id, op = :version, updated_at = :version WHERE id = 1;"
		echo "COMMIT;"
		;;
	esac
}

# jobs prints pgbench's -j for $1 clients: min($1, 2).
jobs() { echo $(($1 < 2 ? $1 : 2)); }

# cpu_of prints user+sys seconds from a bash `time` output file.
cpu_of() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }

# run_pgbench workload clients run: prints "tps cpu_seconds transactions".
run_pgbench() {
	local w=$1 c=$2 r=$3 keys=1
	[ "$w" != occ-uniform ] || keys=1000
	local base="$RAW/$w-c$c-r$r-pgbench"
	script "$w" >"$base.sql"
	seed "$keys"
	local TIMEFORMAT='%U %S'
	{ time "${pin_cmd[@]}" "${nice_cmd[@]}" "$PGBIN/pgbench" -n -M prepared -c "$c" -j "$(jobs "$c")" -T "$T" \
		-D payload="\\x$payload_hex" -f "$base.sql" "$DSN" >"$base.out" 2>&1; } 2>"$base.time" ||
		die "pgbench failed ($w, $c clients): $(tail -3 "$base.out")"
	local tps failed txns
	tps=$(awk '/^tps = / { print $3 }' "$base.out")
	failed=$(awk '/^number of failed transactions:/ { print $5 }' "$base.out")
	txns=$(awk -F': ' '/^number of transactions actually processed:/ { split($2, a, "/"); print a[1] }' "$base.out")
	# pgbench's -T includes connecting its clients: on a loaded machine
	# 32 SCRAM logins can take most of a short T, or all of it.
	[ "${txns:-}" != 0 ] || die "pgbench processed no transaction in ${T}s ($w, $c clients): on a loaded machine connecting its clients (SCRAM) can take the whole run; use a larger T"
	[ -n "$tps" ] || die "pgbench printed no tps ($w, $c clients): $(tail -3 "$base.out")"
	[[ ${txns:-} =~ ^[1-9][0-9]*$ ]] || die "pgbench printed no transaction count ($w, $c clients): $(tail -3 "$base.out")"
	[ "${failed:-0}" = 0 ] || die "pgbench: $failed failed transactions ($w, $c clients), see $base.out"
	echo "$tps $(cpu_of "$base.time") $txns"
}

# run_occbench workload clients run: prints "attempts_s ops_s cpu_seconds
# attempts_made", attempts_made counting the warmup's (see the header).
run_occbench() {
	local w=$1 c=$2 r=$3 strat=optimistic keys=1 dist=single
	case $w in
	occ-uniform) keys=1000 dist=uniform ;;
	pess-hot) strat=pessimistic ;;
	esac
	local base="$RAW/$w-c$c-r$r-occbench"
	local TIMEFORMAT='%U %S' env=() transport_param=()
	[ "$CONNS" != writer ] || transport_param=(--param transport="$TRANSPORT")
	[ "$THREADS" = default ] || env=(env GOMAXPROCS="$(jobs "$c")")
	{ time "${env[@]}" "${pin_cmd[@]}" "${nice_cmd[@]}" "$OCCBENCH" run --driver postgres --dsn "$DSN" --param conns="$CONNS" "${transport_param[@]}" --strategy "$strat" --backoff none --hold 0 \
		--writers "$c" --keys "$keys" --distribution "$dist" --duration "${T}s" --warmup 1s \
		--quiet --format json --out "$base.file.json" >"$base.json" 2>"$base.err"; } 2>"$base.time" ||
		die "occbench failed ($w, $c writers): $(tail -3 "$base.err")"
	jq -r '.cells[0] | "\(.attempts_s) \(.throughput_ops_s) \(.errors | add // 0) \(.audit.ok) \(.attempts) \(.ops) \(.audit.expected)"' "$base.json" >"$base.nums"
	local att ops errs ok n nops expected
	read -r att ops errs ok n nops expected <"$base.nums"
	[ "$ok" = true ] || die "occbench audit failed ($w, $c writers), see $base.json"
	[ "$errs" = 0 ] || die "occbench: $errs errors ($w, $c writers), see $base.json"
	[[ $n =~ ^[1-9][0-9]*$ && $nops =~ ^[1-9][0-9]*$ && $expected =~ ^[0-9]+$ ]] ||
		die "occbench: no attempts, ops or audit.expected in $base.json ($w, $c writers)"
	echo "$att $ops $(cpu_of "$base.time") $(awk -v n="$n" -v o="$nops" -v e="$expected" 'BEGIN { printf "%.0f", n * (e > o ? e : o) / o }')"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

settings="SQL=$SQL, THREADS=$THREADS, CONNS=$CONNS${TRANSPORT:+, TRANSPORT=$TRANSPORT}${PIN:+, PIN=$PIN}${NICE:+, NICE=$NICE}"
echo "pgbench-compare: $(date -u +%FT%TZ), T=${T}s, clients: $CLIENTS, runs per cell: $REPEAT, $settings" >&2
echo "pgbench: $("$PGBIN/pgbench" --version); server: $("$PGBIN/psql" "$DSN" -qAtc 'SHOW server_version')" >&2
echo "occbench: $OCCBENCH; nproc $(nproc); raw output: $RAW" >&2

rows="$work/rows"
: >"$rows"
for w in $WORKLOADS; do
	for c in $CLIENTS; do
		for r in $(seq "$REPEAT"); do
			l0=$(load1)
			# Command substitutions, not process substitutions: a failed
			# run must stop the script (set -e).
			if ((r % 2 == 1)); then
				p=$(run_pgbench "$w" "$c" "$r")
				o=$(run_occbench "$w" "$c" "$r")
			else
				o=$(run_occbench "$w" "$c" "$r")
				p=$(run_pgbench "$w" "$c" "$r")
			fi
			read -r tps pcpu ptx <<<"$p"
			read -r att ops ocpu oatt <<<"$o"
			l1=$(load1)
			# Client CPU per transaction/attempt, µs, and their ratio
			# (see the header).
			awk -v w="$w" -v c="$c" -v r="$r" -v tps="$tps" -v att="$att" -v ops="$ops" \
				-v pcpu="$pcpu" -v ptx="$ptx" -v ocpu="$ocpu" -v oatt="$oatt" -v l0="$l0" -v l1="$l1" 'BEGIN {
				pus = pcpu * 1e6 / ptx; ous = ocpu * 1e6 / oatt
				printf "%s %s %s %.1f %.1f %.1f %.3f %.1f %.1f %.3f %s-%s\n", w, c, r, tps, att, ops, att / tps,
					pus, ous, (pus > 0 ? ous / pus : 0), l0, l1
			}' | tee -a "$rows" | awk '{ printf "  %-11s %3s clients run %s: pgbench %9s tps, occbench %9s attempts/s, ratio %s; CPU µs/tx %s, µs/att %s, CPU ratio %s (load %s)\n", $1, $2, $3, $4, $5, $7, $8, $9, $10, $11 }' >&2
		done
	done
done

echo
echo "pgbench vs occbench, ${T}s per run, $REPEAT runs per tool and cell, interleaved ($settings)"
echo
printf '| %-11s | %7s | %11s | %19s | %14s | %5s | %-11s | %13s | %15s | %9s |\n' workload clients "pgbench tps" "occbench attempts/s" "occbench ops/s" ratio "ratio range" "pgbench µs/tx" "occbench µs/att" "CPU ratio"
printf '| %-11s | %7s | %11s | %19s | %14s | %5s | %-11s | %13s | %15s | %9s |\n' ----------- ------: ----------: ------------------: -------------: ----: ----------- ------------: --------------: --------:
# Means over the runs of each cell; ratio range is the lowest and highest
# per-run ratio; CPU ratio is the ratio of the mean µs.
awk '{
	k = $1 " " $2
	if (!(k in n)) order[m++] = k
	n[k]++; tps[k] += $4; att[k] += $5; ops[k] += $6; pus[k] += $8; ous[k] += $9
	if (!(k in lo) || $7 < lo[k]) lo[k] = $7
	if (!(k in hi) || $7 > hi[k]) hi[k] = $7
}
END {
	for (i = 0; i < m; i++) {
		k = order[i]; split(k, f, " ")
		printf "| %-11s | %7s | %11.0f | %19.0f | %14.0f | %5.2f | %4.2f … %4.2f | %13.1f | %15.1f | %9.2f |\n",
			f[1], f[2], tps[k] / n[k], att[k] / n[k], ops[k] / n[k], att[k] / tps[k], lo[k], hi[k], pus[k] / n[k], ous[k] / n[k],
			(pus[k] > 0 ? ous[k] / pus[k] : 0)
	}
}' "$rows"
echo
echo "ratio = mean occbench attempts/s ÷ mean pgbench tps; ratio range: lowest … highest per-run ratio."
echo "pgbench counts a transaction per script execution whether or not its UPDATE matched a row,"
echo "which is one occbench attempt; occbench ops/s counts only committed ops."
echo "µs/tx, µs/att: client process CPU (user+sys) per transaction or attempt; occbench's"
echo "includes its setup, 1 s warmup and audit, over its attempts scaled by audit.expected ÷ ops"
echo "(the warmup's too). CPU ratio = occbench µs/att ÷ pgbench µs/tx (above 1: occbench's client"
echo "spends more CPU per attempt)."
echo
echo "per run (load average at start-end):"
awk '{ printf "  %-11s %3s clients run %s: pgbench %9.0f tps, occbench %9.0f attempts/s, %9.0f ops/s, ratio %.3f; CPU µs/tx %.1f, µs/att %.1f, CPU ratio %.2f; load %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$rows"
