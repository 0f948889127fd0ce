#!/usr/bin/env bash
# bench/soak.sh runs occbench for a long cell with a fault every minute
# and samples its resident memory, to show that faults neither leak nor
# pile up: RSS stays flat, every fault recovers, the audit holds.
#
# usage: bench/soak.sh [DRIVER]      (default postgres; redis works too)
#
# One cell of $MINUTES minutes (default 10), 4 optimistic writers on 8
# keys, against a container occbench starts (the local images when
# OCCBENCH_IMAGE_* are set), with one fault at every whole minute but the
# first and last, cycling pause 5s, restart (5s down), partition 5s,
# latency 5s (+50ms), kill (5s down). RSS of the occbench process is read
# from /proc every $SAMPLE seconds (default 5) into $OUT/rss.tsv; the
# summary compares the median RSS of the second minute with that of the
# last one. The results file, the report and the RSS table stay in $OUT.
#
# Environment: MINUTES, SAMPLE, OUT (default a new temp dir), OCCBENCH
# (a built binary; default: built from this tree).
set -euo pipefail
cd "$(dirname "$0")/.."

driver="${1:-postgres}"
minutes="${MINUTES:-10}"
sample="${SAMPLE:-5}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
bin="${OCCBENCH:-}"
if [ -z "$bin" ]; then
	bin="$out/occbench"
	go build -o "$bin" ./cmd/occbench
fi

kinds=("pause@%dm:5s" "restart@%dm:5s" "partition@%dm:5s" "latency@%dm:5s=50ms" "kill@%dm:5s")
faults=()
for ((m = 1; m < minutes; m++)); do
	# shellcheck disable=SC2059
	faults+=(--fault "$(printf "${kinds[$(((m - 1) % ${#kinds[@]}))]}" "$m")")
done

echo "soak: $driver, ${minutes}m, $((${#faults[@]} / 2)) faults, sampling RSS every ${sample}s into $out" >&2
"$bin" run --driver "$driver" --strategies optimistic --backoffs expo --writers 4 --keys 8 \
	--duration "${minutes}m" --warmup 0s "${faults[@]}" --op-timeout 2s \
	--out "$out/soak.json" --quiet >"$out/report.txt" 2>"$out/stderr.txt" &
pid=$!
start=$(date +%s)
printf 't_s\trss_kib\n' >"$out/rss.tsv"
while kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$rss" ] && printf '%d\t%s\n' "$(($(date +%s) - start))" "$rss" >>"$out/rss.tsv"
	sleep "$sample"
done
code=0
wait "$pid" || code=$?

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }
early=$(awk -F'\t' 'NR>1 && $1>=60 && $1<120 {print $2}' "$out/rss.tsv" | median)
last=$(awk -F'\t' -v t=$((minutes * 60 - 60)) 'NR>1 && $1>=t {print $2}' "$out/rss.tsv" | median)
size=$(stat -c %s "$out/soak.json" 2>/dev/null || echo 0)
echo "exit $code; RSS median minute 2: ${early} KiB, last minute: ${last} KiB ($(awk -v a="$early" -v b="$last" 'BEGIN {if (a>0) printf "%+.1f%%", (b-a)/a*100}')); results file ${size} bytes"
sed -n "/^faults:/,\$p" "$out/report.txt"
echo "files in $out"
