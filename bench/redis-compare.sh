#!/usr/bin/env bash
# bench/redis-compare.sh runs redis-benchmark and occbench on the same Redis
# server with occbench's own commands for the same time and prints one
# table, so that occbench's client overhead on Redis can be judged against
# redis-benchmark, the reference C client.
#
# usage: bench/redis-compare.sh [DSN]
#
# DSN is the first argument, else $REDIS_DSN (redis://host:port/db). With
# neither, the script starts a throw-away Redis container from
# $REDIS_IMAGE (default $OCCBENCH_IMAGE_REDIS, else occbench-test/redis:7.0)
# on 127.0.0.1:$PORT (default 56390), without snapshots or AOF (--save ''
# --appendonly no), named redis-compare-<pid>, and removes it at exit.
# $OCCBENCH_REDIS_DSN is not used: a shared test server should not carry a
# benchmark's load by accident. Both tools use the same DSN.
#
# Workload: optimistic writes to one hot document (--keys 1). One occbench
# attempt is two round trips, as its redis driver makes them:
#
#   read  HMGET occbench:doc:{0} version counter fence writer op
#         updated_at gv0 p0
#   CAS   EVALSHA <sha> 1 occbench:doc:{0} version <expected> gv0 p0
#         <64-byte payload> <writer> <op> <updated_at>
#
# The CAS script's text is taken from drivers/redis/scripts.go
# (casScriptSrc) at run time. Before the table, a 200 ms occbench run is
# watched with MONITOR to check that the driver sends exactly these
# commands: the HMGET's field list (used as is for redis-benchmark), the
# EVALSHA's SHA (that of the extracted text), key count and arguments.
#
# redis-benchmark runs the same two commands, one after the other, on its
# own document rcompare:doc:{0} (as long a key name, seeded with the same
# fields), each with N clients for about T/2 (-n is sized from a short
# calibration run of each command, as redis-benchmark has no time limit):
#
#   redis-benchmark -c N -n REQS HMGET rcompare:doc:{0} <the fields>
#   redis-benchmark -c N -n REQS EVALSHA <sha> 1 rcompare:doc:{0} fence 0
#       gv0 p0 <64 × byte 0x01> 1 1 <19-digit updated_at>
#
# redis-benchmark cannot feed a read's version into the next CAS, so the
# CAS compares the field fence, which the script never changes, with 0:
# every call passes the comparison and writes (HINCRBY × 3, HSET of four
# fields), as an uncontended occbench attempt does (CAS=mismatch compares
# version with -1 instead: every call returns 0 after one HGET, the cheap
# path of a conflicting attempt). The CAS run's requests are checked
# against the change of the document's counter. The payload is writer 1's
# (64 bytes 0x01): argv cannot carry writer 0's NUL bytes.
#
# occbench runs `occbench run --driver redis --dsn DSN --params conns=CONNS --hold 0
# --writers N --keys 1 --strategies optimistic --backoffs none --duration T
# --warmup 1s --quiet --format json`: with conns=writer (the driver's
# default) each writer has a connection of its own, as each
# redis-benchmark client has; conns=pool shares go-redis's pool. In each cell the two tools alternate (redis-benchmark
# first in odd runs, occbench first in even runs), so that noise on a
# shared machine hits both.
#
# Round trips/s: occbench 2 × attempts/s (a conflicting attempt makes both
# round trips too); redis-benchmark 2 ÷ (1/HMGET req/s + 1/CAS req/s), the
# rate of a client that alternates the two commands at the cost each has
# alone. The ratio is occbench round trips/s ÷ redis-benchmark's.
#
# Client CPU: each tool's process (user + system, from bash's `time`) per
# round trip, in µs. redis-benchmark's: both runs' CPU ÷ both runs'
# requests. occbench's process also runs setup, the 1 s warmup and the
# audit, so its CPU is divided by every round trip it made: 2 × the
# measured attempts scaled by audit.expected ÷ ops (committed ops with the
# warmup's ÷ measured ones). The CPU ratio is occbench µs/round trip ÷
# redis-benchmark µs/request.
#
# Environment:
#
#   T          seconds per run, e.g. 10 or 10s (default 10s)
#   CLIENTS    client counts (default "1 8 32")
#   REPEAT     runs per tool and cell (default 2)
#   CAS        write (default) or mismatch: what redis-benchmark's CAS
#              does (see above)
#   CONNS      writer (default) or pool: the redis driver's conns
#              parameter for occbench (see above)
#   THREADS    default: redis-benchmark single-threaded (its default),
#              occbench with Go's default GOMAXPROCS, as users run them;
#              match: both get min(N,2) threads (redis-benchmark
#              --threads, GOMAXPROCS)
#   PIN        cpus: run the clients on CPU 0 (taskset) and the throw-away
#              container on the other CPUs (docker --cpuset-cpus); needs
#              at least 2 CPUs, taskset, and no DSN
#   NICE       run both tools under `nice -n NICE`
#   PORT       host port of the throw-away container (default 56390)
#   OCCBENCH   occbench binary (default: built from this checkout)
#   RAW        directory to keep every tool's raw output (default: a
#              temporary directory, removed at exit)
#
# Needs redis-benchmark and redis-cli (apt-get update && apt-get install -y
# redis-tools), jq, and docker without a DSN.
#
# Exit status: 0 after the table (and for --help); 1 on a failed run (a
# redis-benchmark error, an occbench failure or failed audit, a failed
# command check, no server); 2 on bad usage (arguments or environment).
set -euo pipefail

die() { echo "redis-compare: $*" >&2; exit 1; }
bad() { echo "redis-compare: $*" >&2; exit 2; }
help() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

case "${1:-}" in -h | --help) help; exit 0 ;; esac
[ $# -le 1 ] || bad "at most one argument (the DSN), got $#; see --help"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DSN=${1:-${REDIS_DSN:-}}
T=${T:-10s}
T=${T%s}
[[ $T =~ ^[1-9][0-9]*$ ]] || bad "T: must be whole seconds, e.g. 10s, got ${T@Q}"
CLIENTS=${CLIENTS:-1 8 32}
REPEAT=${REPEAT:-2}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || bad "REPEAT: must be ≥ 1, got ${REPEAT@Q}"
for c in $CLIENTS; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || bad "CLIENTS: must be counts ≥ 1, got ${c@Q}"
done
CAS=${CAS:-write}
case $CAS in write | mismatch) ;; *) bad "CAS: unknown mode ${CAS@Q} (allowed: write, mismatch)" ;; esac
CONNS=${CONNS:-writer}
case $CONNS in writer | pool) ;; *) bad "CONNS: unknown mode ${CONNS@Q} (allowed: writer, pool)" ;; esac
THREADS=${THREADS:-default}
case $THREADS in default | match) ;; *) bad "THREADS: unknown mode ${THREADS@Q} (allowed: default, match)" ;; esac
NICE=${NICE:-}
nice_cmd=()
if [ -n "$NICE" ]; then
	[[ $NICE =~ ^-?[0-9]+$ ]] || bad "NICE: must be an integer, got ${NICE@Q}"
	[ "$NICE" -ge 0 ] || [ "$(id -u)" = 0 ] || bad "NICE: a negative value needs root, got $NICE"
	nice_cmd=(nice -n "$NICE")
fi
PIN=${PIN:-}
case $PIN in "" | cpus) ;; *) bad "PIN: unknown mode ${PIN@Q} (allowed: cpus, or unset)" ;; esac
pin_cmd=()
if [ -n "$PIN" ]; then
	command -v taskset >/dev/null || bad "PIN: needs taskset (apt-get install util-linux)"
	[ "$(nproc)" -ge 2 ] || bad "PIN: needs at least 2 CPUs, this machine has $(nproc)"
	[ -z "$DSN" ] || bad "PIN: pins the script's own container only; unset the DSN"
	pin_cmd=(taskset -c 0)
fi
PORT=${PORT:-56390}
[[ $PORT =~ ^[1-9][0-9]*$ ]] && [ "$PORT" -le 65535 ] || bad "PORT: must be a port number, got ${PORT@Q}"
REDIS_IMAGE=${REDIS_IMAGE:-${OCCBENCH_IMAGE_REDIS:-occbench-test/redis:7.0}}

for tool in redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || die "no $tool (apt-get update && apt-get install -y redis-tools)"
done
command -v jq >/dev/null || die "jq is required to read occbench's JSON (apt-get install jq)"
[ -n "$DSN" ] || command -v docker >/dev/null || die "no DSN given and no docker to start a server"

scripts_go=$repo/drivers/redis/scripts.go
[ -r "$scripts_go" ] || die "cannot read $scripts_go"
# casScriptSrc is a Go raw string: the text between its backticks,
# starting with the newline after the opening one.
cas_src=$(awk '
	/^const casScriptSrc = `/ { on = 1; printf "\n"; next }
	on && /^`/ { on = 0; found = 1; exit }
	on { print }
	END { if (!found) exit 1 }' "$scripts_go" && echo .) || die "no casScriptSrc in $scripts_go"
cas_src=${cas_src%.}
[[ $cas_src == *"redis.call('HGET', KEYS[1], ARGV[1])"* ]] || die "casScriptSrc in $scripts_go: unexpected text"
cas_sha=$(printf '%s' "$cas_src" | sha1sum | cut -d' ' -f1)

work=$(mktemp -d "${TMPDIR:-/tmp}/redis-compare.XXXXXX")
container=""
monitor_pid=""
rb_key='rcompare:doc:{0}'
cleanup() {
	local rc=$?
	[ -z "$monitor_pid" ] || kill "$monitor_pid" 2>/dev/null || true
	if [ -n "$container" ]; then
		docker rm -f "$container" >/dev/null 2>&1 || true
	elif [ -n "$DSN" ]; then
		redis-cli -u "$DSN" DEL "$rb_key" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rcli() { redis-cli -u "$DSN" "$@"; }

if [ -z "$DSN" ]; then
	container=redis-compare-$$
	cpuset=()
	[ -z "$PIN" ] || cpuset=(--cpuset-cpus "1-$(($(nproc) - 1))")
	docker run -d --name "$container" "${cpuset[@]}" -p "127.0.0.1:$PORT:6379" "$REDIS_IMAGE" \
		redis-server --save '' --appendonly no >"$work/docker.out" 2>&1 ||
		{ container=""; die "cannot start $REDIS_IMAGE on 127.0.0.1:$PORT: $(tail -1 "$work/docker.out")"; }
	DSN="redis://127.0.0.1:$PORT/0"
	for _ in $(seq 50); do
		[ "$(rcli PING 2>/dev/null)" = PONG ] && break
		sleep 0.2
	done
	echo "started a throw-away Redis ($REDIS_IMAGE) on 127.0.0.1:$PORT, container $container" >&2
fi
[ "$(rcli PING 2>"$work/ping.err")" = PONG ] || die "cannot connect: $(head -1 "$work/ping.err")"

if [ -z "${OCCBENCH:-}" ]; then
	OCCBENCH=$work/occbench
	(cd "$repo" && go build -o "$OCCBENCH" ./cmd/occbench) || die "go build ./cmd/occbench failed"
fi
[ -x "$OCCBENCH" ] || die "OCCBENCH: not an executable: ${OCCBENCH@Q}"
RAW=${RAW:-$work/raw}
mkdir -p "$RAW"

# Check what the driver sends: watch a short occbench run with MONITOR.
redis-cli -u "$DSN" MONITOR >"$RAW/monitor.txt" 2>&1 &
monitor_pid=$!
sleep 0.5
"$OCCBENCH" run --driver redis --dsn "$DSN" --params "conns=$CONNS" --writers 1 --keys 1 --strategies optimistic --backoffs none --hold 0 \
	--duration 200ms --warmup 0s --quiet --format json --out "$RAW/probe.file.json" >"$RAW/probe.json" 2>"$RAW/probe.err" ||
	die "occbench probe run failed: $(tail -3 "$RAW/probe.err")"
sleep 0.5
kill "$monitor_pid" 2>/dev/null || true
wait "$monitor_pid" 2>/dev/null || true
monitor_pid=""
# Monitor lines: TIME [DB ADDR] "cmd" "arg" …; the arguments checked here
# hold no quotes.
hmget_line=$(grep -m1 '\] "hmget" "occbench:doc:{0}"' "$RAW/monitor.txt") ||
	die "MONITOR saw no HMGET of occbench:doc:{0} from occbench (see $RAW/monitor.txt)"
evalsha_line=$(grep -m1 '\] "evalsha" ".*" "1" "occbench:doc:{0}"' "$RAW/monitor.txt") ||
	die "MONITOR saw no EVALSHA on occbench:doc:{0} from occbench (see $RAW/monitor.txt)"
read -r -a fields <<<"$(sed -e 's/^.*\] "hmget" "occbench:doc:{0}" //' -e 's/"//g' <<<"$hmget_line")"
[ "${#fields[@]}" -ge 2 ] && [ "${fields[0]}" = version ] || die "unexpected HMGET from occbench: $hmget_line"
mapfile -t ev < <(sed -e 's/^.*\] "evalsha" //' <<<"$evalsha_line" | grep -o '"[^"]*"' | tr -d '"')
[ "${ev[0]}" = "$cas_sha" ] ||
	die "occbench's EVALSHA runs script ${ev[0]}, not casScriptSrc of $scripts_go ($cas_sha): is OCCBENCH built from this checkout?"
[ "${#ev[@]}" = 11 ] && [ "${ev[3]}" = version ] && [ "${ev[5]}" = gv0 ] && [ "${ev[6]}" = p0 ] ||
	die "unexpected EVALSHA arguments from occbench: $evalsha_line"
payload_bytes=$(rcli HSTRLEN 'occbench:doc:{0}' p0)
[ "$payload_bytes" = 64 ] || die "occbench's payload is $payload_bytes bytes, the script sends 64"

# redis-benchmark's document and script.
payload=$(printf '\x01%.0s' $(seq 64))
updated_at=$(date +%s%N)
[ "${#updated_at}" = 19 ] || updated_at=1796234147558413482
seed_args=()
for f in "${fields[@]}"; do
	case $f in p*) seed_args+=("$f" "$payload") ;; *) seed_args+=("$f" 0) ;; esac
done
rcli DEL "$rb_key" >/dev/null
rcli HSET "$rb_key" "${seed_args[@]}" >/dev/null || die "cannot seed $rb_key"
loaded=$(rcli SCRIPT LOAD "$cas_src") || die "SCRIPT LOAD failed"
[ "$loaded" = "$cas_sha" ] || die "SCRIPT LOAD returned $loaded, want $cas_sha"
case $CAS in
write) cmp=(fence 0) ;;
mismatch) cmp=(version -1) ;;
esac
read_cmd=(HMGET "$rb_key" "${fields[@]}")
cas_cmd=(EVALSHA "$cas_sha" 1 "$rb_key" "${cmp[@]}" gv0 p0 "$payload" 1 1 "$updated_at")

threads() { echo $(($1 < 2 ? $1 : 2)); }
cpu_of() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }

# bench name clients requests: runs redis-benchmark on command $name
# (read, cas) and prints "req_s cpu_seconds".
bench() {
	local name=$1 c=$2 n=$3 base=$4 cmd
	if [ "$name" = read ]; then cmd=("${read_cmd[@]}"); else cmd=("${cas_cmd[@]}"); fi
	local th=()
	[ "$THREADS" = default ] || [ "$(threads "$c")" = 1 ] || th=(--threads "$(threads "$c")")
	local TIMEFORMAT='%U %S'
	{ time "${pin_cmd[@]}" "${nice_cmd[@]}" redis-benchmark -u "$DSN" -c "$c" -n "$n" "${th[@]}" --csv "${cmd[@]}" \
		>"$base.csv" 2>"$base.err"; } 2>"$base.time" ||
		die "redis-benchmark $name failed ($c clients): $(tail -2 "$base.err")"
	local rps
	rps=$(tail -1 "$base.csv" | awk -F'","' '{ print $2 }')
	[[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "redis-benchmark $name printed no rate ($c clients), see $base.csv"
	echo "$rps $(cpu_of "$base.time")"
}

# Per-cell request counts, so that each command runs for about T/2: from
# a calibration run, then from the previous run's rate (run_rb runs in a
# subshell, so it leaves them in $work/reqs).
declare -A reqs
size() { awk -v r="$1" -v t="$T" -v c="$2" 'BEGIN { n = int(r * t / 2); if (n < 100 * c) n = 100 * c; print n }'; }
calibrate() {
	local c=$1 name rps
	for name in read cas; do
		read -r rps _ <<<"$(bench "$name" "$c" $((2000 > 50 * c ? 2000 : 50 * c)) "$RAW/c$c-calibrate-$name")"
		reqs[$name]=$(size "$rps" "$c")
	done
}

# run_rb clients run: prints "read_s cas_s rt_s cpu_us_per_req".
run_rb() {
	local c=$1 r=$2 base="$RAW/c$c-r$r-rb" before after nr nc rr rcpu cr ccpu
	nr=${reqs[read]} nc=${reqs[cas]}
	read -r rr rcpu <<<"$(bench read "$c" "$nr" "$base-read")"
	before=$(rcli HGET "$rb_key" counter)
	read -r cr ccpu <<<"$(bench cas "$c" "$nc" "$base-cas")"
	after=$(rcli HGET "$rb_key" counter)
	local want=$nc
	[ "$CAS" = write ] || want=0
	[ $((after - before)) = "$want" ] ||
		die "redis-benchmark CAS ($c clients): counter moved by $((after - before)), want $want (every call $CAS)"
	echo "$(size "$rr" "$c") $(size "$cr" "$c")" >"$work/reqs"
	awk -v rr="$rr" -v cr="$cr" -v cpu="$(awk -v a="$rcpu" -v b="$ccpu" 'BEGIN { print a + b }')" -v n=$((nr + nc)) 'BEGIN {
		printf "%.1f %.1f %.1f %.2f\n", rr, cr, 2 / (1 / rr + 1 / cr), cpu * 1e6 / n }'
}

# run_occbench clients run: prints "attempts_s conflict_ratio rt_s cpu_us_per_rt".
run_occbench() {
	local c=$1 r=$2 base="$RAW/c$c-r$r-occbench"
	local TIMEFORMAT='%U %S' env=()
	[ "$THREADS" = default ] || env=(env GOMAXPROCS="$(threads "$c")")
	{ time "${env[@]}" "${pin_cmd[@]}" "${nice_cmd[@]}" "$OCCBENCH" run --driver redis --dsn "$DSN" \
		--params "conns=$CONNS" --writers "$c" --keys 1 --strategies optimistic --backoffs none --hold 0 --duration "${T}s" --warmup 1s \
		--quiet --format json --out "$base.file.json" >"$base.json" 2>"$base.err"; } 2>"$base.time" ||
		die "occbench failed ($c writers): $(tail -3 "$base.err")"
	jq -r '.cells[0] | "\(.attempts_s) \(.conflict_ratio) \(.errors | add // 0) \(.audit.ok) \(.attempts) \(.ops) \(.audit.expected)"' \
		"$base.json" >"$base.nums"
	local att cr errs ok n nops expected
	read -r att cr errs ok n nops expected <"$base.nums"
	[ "$ok" = true ] || die "occbench audit failed ($c writers), see $base.json"
	[ "$errs" = 0 ] || die "occbench: $errs errors ($c writers), see $base.json"
	[[ $n =~ ^[1-9][0-9]*$ && $nops =~ ^[1-9][0-9]*$ && $expected =~ ^[0-9]+$ ]] ||
		die "occbench: no attempts, ops or audit.expected in $base.json ($c writers)"
	awk -v att="$att" -v cr="$cr" -v cpu="$(cpu_of "$base.time")" -v n="$n" -v o="$nops" -v e="$expected" 'BEGIN {
		made = n * (e > o ? e : o) / o
		printf "%.1f %.4f %.1f %.2f\n", att, cr, 2 * att, cpu * 1e6 / (2 * made) }'
}

load1() { cut -d' ' -f1 /proc/loadavg; }

settings="CAS=$CAS, CONNS=$CONNS, THREADS=$THREADS${PIN:+, PIN=$PIN}${NICE:+, NICE=$NICE}"
echo "redis-compare: $(date -u +%FT%TZ), T=${T}s, clients: $CLIENTS, runs per cell: $REPEAT, $settings" >&2
echo "redis-benchmark: $(redis-benchmark --version); server: $(rcli INFO server | tr -d '\r' | awk -F: '/^redis_version:/ { print $2 }')" >&2
echo "occbench: $OCCBENCH; nproc $(nproc); raw output: $RAW" >&2
echo "checked: occbench sends HMGET ${fields[*]} and EVALSHA $cas_sha (casScriptSrc of drivers/redis/scripts.go) with 8 arguments" >&2

rows="$work/rows"
: >"$rows"
for c in $CLIENTS; do
	calibrate "$c"
	for r in $(seq "$REPEAT"); do
		l0=$(load1)
		# Command substitutions, not process substitutions: a failed run
		# must stop the script (set -e).
		if ((r % 2 == 1)); then
			b=$(run_rb "$c" "$r")
			o=$(run_occbench "$c" "$r")
		else
			o=$(run_occbench "$c" "$r")
			b=$(run_rb "$c" "$r")
		fi
		l1=$(load1)
		read -r 'reqs[read]' 'reqs[cas]' <"$work/reqs"
		read -r rr cr brt bus <<<"$b"
		read -r att conf ort ous <<<"$o"
		awk -v c="$c" -v r="$r" -v rr="$rr" -v cr="$cr" -v brt="$brt" -v bus="$bus" -v att="$att" -v conf="$conf" \
			-v ort="$ort" -v ous="$ous" -v l0="$l0" -v l1="$l1" 'BEGIN {
			printf "%s %s %s %s %s %s %s %s %.3f %s %s %.3f %s-%s\n", c, r, rr, cr, brt, att, conf, ort, ort / brt,
				bus, ous, (bus > 0 ? ous / bus : 0), l0, l1
		}' | tee -a "$rows" | awk '{ printf "  %3s clients run %s: redis-benchmark %9s rt/s, occbench %9s rt/s, ratio %s; CPU µs/req %s, µs/rt %s, CPU ratio %s (load %s)\n", $1, $2, $5, $8, $9, $10, $11, $12, $13 }' >&2
	done
done

echo
echo "redis-benchmark vs occbench (optimistic, 1 key), ${T}s per run, $REPEAT runs per tool and cell, interleaved ($settings)"
echo
printf '| %7s | %11s | %9s | %13s | %19s | %11s | %13s | %5s | %-11s | %10s | %14s | %9s |\n' clients "HMGET req/s" "CAS req/s" "redis-bm rt/s" "occbench attempts/s" "conflicts %" "occbench rt/s" ratio "ratio range" "rb µs/req" "occbench µs/rt" "CPU ratio"
printf '| %7s | %11s | %9s | %13s | %19s | %11s | %13s | %5s | %-11s | %10s | %14s | %9s |\n' ------: ----------: --------: ------------: ------------------: ----------: ------------: ----: ----------- ---------: -------------: --------:
# Means over the runs of each cell; ratio range is the lowest and highest
# per-run ratio; CPU ratio is the ratio of the mean µs.
awk '{
	k = $1
	if (!(k in n)) order[m++] = k
	n[k]++; rr[k] += $3; cr[k] += $4; brt[k] += $5; att[k] += $6; conf[k] += $7; ort[k] += $8; bus[k] += $10; ous[k] += $11
	if (!(k in lo) || $9 < lo[k]) lo[k] = $9
	if (!(k in hi) || $9 > hi[k]) hi[k] = $9
}
END {
	for (i = 0; i < m; i++) {
		k = order[i]
		printf "| %7s | %11.0f | %9.0f | %13.0f | %19.0f | %11.1f | %13.0f | %5.2f | %4.2f … %4.2f | %10.1f | %14.1f | %9.2f |\n",
			k, rr[k] / n[k], cr[k] / n[k], brt[k] / n[k], att[k] / n[k], 100 * conf[k] / n[k], ort[k] / n[k],
			ort[k] / brt[k], lo[k], hi[k], bus[k] / n[k], ous[k] / n[k], (bus[k] > 0 ? ous[k] / bus[k] : 0)
	}
}' "$rows"
echo
echo "redis-bm rt/s = 2 ÷ (1/HMGET req/s + 1/CAS req/s): a client alternating the two commands;"
echo "occbench rt/s = 2 × attempts/s (HMGET + EVALSHA per attempt, conflicting or not)."
echo "ratio = mean occbench rt/s ÷ mean redis-bm rt/s; ratio range: lowest … highest per-run ratio."
echo "redis-benchmark's CAS (CAS=$CAS) $([ "$CAS" = write ] && echo "passes its comparison and writes on every call" || echo "fails its comparison on every call");"
echo "occbench's conflicting attempts (conflicts %) take the cheap path."
echo "µs/req, µs/rt: client process CPU (user+sys) per request or round trip; occbench's includes"
echo "its setup, 1 s warmup and audit, over 2 × its attempts scaled by audit.expected ÷ ops."
echo "CPU ratio = occbench µs/rt ÷ redis-benchmark µs/req (above 1: occbench's client spends more)."
echo
echo "per run (load average at start-end):"
awk '{ printf "  %3s clients run %s: HMGET %9.0f req/s, CAS %9.0f req/s, redis-bm %9.0f rt/s; occbench %9.0f attempts/s (conflicts %.1f %%), %9.0f rt/s; ratio %.3f; CPU µs/req %.1f, µs/rt %.1f, CPU ratio %.2f; load %s\n", $1, $2, $3, $4, $5, $6, 100 * $7, $8, $9, $10, $11, $12, $13 }' "$rows"
