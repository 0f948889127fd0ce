#!/usr/bin/env bash
# bench/gate-calibration.sh measures how much a red nightly build can be
# trusted: how often the nightly regression gate fails on two identical
# runs (false alarms), and how often it catches a real regression
# (detection). No load tool publishes these two numbers; a team needs
# them before it believes a red build.
#
# usage: bench/gate-calibration.sh
#
# For each of PAIRS rounds, interleaved so that drift on a shared machine
# hits every arm alike (the memory arms share one baseline run per round),
# it runs the nightly scenario (occbench run
# regression --trials $TRIALS) and compares with the nightly gates
# (occbench compare BASE NEW --fail-on "$GATES" --alpha $ALPHA):
#
#   sqlite     the nightly job itself: two identical runs on the embedded
#              SQLite store (false alarms only: nothing here can make
#              SQLite slower on purpose)
#   same       two identical runs on the memory store with a network-like
#              latency (normal:$LAT_US µs, sd 20 %): false alarms
#   p99x2      the new run's latency doubled: every op's service time
#              twice as long, so committed p99 about 2x (and throughput
#              about halved): detection
#   tput-20    the new run's latency × 1.25: throughput about −20 % at
#              1 writer: detection
#
# A round's arm counts as "gate failed" when compare exits 1. Exit codes
# other than 0 and 1 stop the script.
#
# Environment (defaults are the documented nightly recipe):
#   PAIRS   rounds (default 20)
#   TRIALS  trials per cell (default 5)
#   GATES   (default "throughput<-10%,p99>+50%,conflict_ratio>+0.05,lost_updates>0")
#   ALPHA   (default 0.05)
#   LAT_US  memory-store latency in µs (default 200)
#   ARMS    subset of "sqlite same p99x2 tput-20" (default all)
#   OUT     directory for the results files (default a temp dir, removed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PAIRS=${PAIRS:-20}
TRIALS=${TRIALS:-5}
GATES=${GATES:-"throughput<-10%,p99>+50%,conflict_ratio>+0.05,lost_updates>0"}
ALPHA=${ALPHA:-0.05}
LAT_US=${LAT_US:-200}
ARMS=${ARMS:-"sqlite same p99x2 tput-20"}

work=${OUT:-}
if [ -z "$work" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
bin="$work/occbench"
go build -o "$bin" ./cmd/occbench

lat() { # lat FACTOR: the memory latency scaled by FACTOR, sd 20 %
	awk -v l="$LAT_US" -v f="$1" 'BEGIN { m = l * f; printf "normal:%dus,%dus", m, m / 5 }'
}
run() { # run OUT [flags]: the nightly run
	local out=$1
	shift
	"$bin" run regression --trials "$TRIALS" --quiet --format json --out "$out" "$@" >/dev/null
}
base() { # base ROUND: the round's memory baseline, run once and shared by the memory arms
	[ -f "$work/m$1-base.json" ] || run "$work/m$1-base.json" --driver memory --latency "$(lat 1)"
}
gate() { # gate BASE NEW: 1 when a gate failed, 0 when not
	local code=0
	"$bin" compare "$1" "$2" --fail-on "$GATES" --alpha "$ALPHA" >"$2.cmp" 2>&1 || code=$?
	case $code in
	0 | 1) echo "$code" ;;
	*)
		echo "compare $1 $2: exit $code" >&2
		cat "$2.cmp" >&2
		exit 1
		;;
	esac
}

declare -A failed
for a in $ARMS; do failed[$a]=0; done
start=$(date +%s)
echo "gate-calibration: PAIRS=$PAIRS TRIALS=$TRIALS ALPHA=$ALPHA GATES=$GATES LAT_US=$LAT_US on $(nproc) CPUs, $(date -u +%FT%TZ)"
for i in $(seq "$PAIRS"); do
	line="round $i:"
	for a in $ARMS; do
		case $a in
		sqlite)
			run "$work/s$i-a.json"
			run "$work/s$i-b.json"
			g=$(gate "$work/s$i-a.json" "$work/s$i-b.json")
			;;
		same)
			base "$i"
			run "$work/m$i-same.json" --driver memory --latency "$(lat 1)"
			g=$(gate "$work/m$i-base.json" "$work/m$i-same.json")
			;;
		p99x2)
			base "$i"
			run "$work/m$i-p99x2.json" --driver memory --latency "$(lat 2)"
			g=$(gate "$work/m$i-base.json" "$work/m$i-p99x2.json")
			;;
		tput-20)
			base "$i"
			run "$work/m$i-tput.json" --driver memory --latency "$(lat 1.25)"
			g=$(gate "$work/m$i-base.json" "$work/m$i-tput.json")
			;;
		*)
			echo "unknown arm $a (allowed: sqlite same p99x2 tput-20)" >&2
			exit 2
			;;
		esac
		failed[$a]=$((failed[$a] + g))
		line="$line $a=$g"
	done
	echo "$line"
done
echo
echo "| arm | what it measures | gate failed | rate |"
echo "|---|---|---:|---:|"
for a in $ARMS; do
	case $a in
	sqlite) what="false alarms (SQLite, identical runs)" ;;
	same) what="false alarms (memory, identical runs)" ;;
	p99x2) what="detection of a 2x latency regression" ;;
	tput-20) what="detection of a −20 % throughput regression" ;;
	esac
	awk -v a="$a" -v w="$what" -v f="${failed[$a]}" -v n="$PAIRS" 'BEGIN { printf "| %s | %s | %d of %d | %.0f %% |\n", a, w, f, n, 100 * f / n }'
done
echo
echo "wall time: $(($(date +%s) - start)) s"
