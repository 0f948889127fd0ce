#!/usr/bin/env bash
# bench/faults-mttr.sh measures, per driver and per fault kind, how fast
# the write path notices a fault and recovers from it: detect_s, the
# fault's real duration (a restart's downtime plus the time to start and
# be ready), recover_s (MTTR: from the heal until the throughput over 1 s
# is back at 90 % of its pre-fault mean), the errored attempts during the
# outage, and the audit.
#
# usage: bench/faults-mttr.sh [DRIVER...]     (default: postgres redis mongo)
#
# Each run is one cell: 4 optimistic writers on 8 keys for $DURATION
# (default 10s), the fault injected at 3s for 2s, against a container
# occbench starts (set OCCBENCH_IMAGE_* on machines without a registry).
# Every fault kind runs $N times (default 3), kinds interleaved, so that a
# slow spell of a shared machine hits all alike. Prints one markdown row
# per run; the results files stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 2; }

drivers=("$@")
[ ${#drivers[@]} -gt 0 ] || drivers=(postgres redis mongo)
n="${N:-3}"
duration="${DURATION:-10s}"
out="${OUT:-$(mktemp -d)}"
bin="$out/occbench"
go build -o "$bin" ./cmd/occbench

kinds=(pause@3s:2s restart@3s:2s kill@3s:2s partition@3s:2s "latency@3s:2s=50ms")
echo "| driver | fault | run | detect s | lasted s | recover s (MTTR) | errored attempts | ops/s | audit |"
echo "|---|---|---|---|---|---|---|---|---|"
for ((i = 1; i <= n; i++)); do
	for d in "${drivers[@]}"; do
		extra=()
		[ "$d" = redis ] && extra=(--persistence aof)
		for k in "${kinds[@]}"; do
			f="$out/$d-${k%%@*}-$i.json"
			code=0
			"$bin" run --driver "$d" "${extra[@]}" --strategies optimistic --backoffs expo --writers 4 --keys 8 \
				--duration "$duration" --warmup 500ms --op-timeout 1s --fault "$k" --out "$f" --quiet >/dev/null 2>"$f.stderr" || code=$?
			if [ ! -s "$f" ]; then
				echo "| $d | $k | $i | run failed (exit $code): $(tail -1 "$f.stderr") | | | | | |"
				continue
			fi
			jq -r --arg d "$d" --arg k "$k" --arg i "$i" '.cells[0] as $c | $c.faults[0] as $f |
				"| \($d) | \($k) | \($i) | \($f.detect_s) | \($f.duration_s) | \($f.recover_s) | \([$c.errors[]] | add // 0) | \($c.throughput_ops_s) | \($c.audit.verdict | split(":")[0]) |"' "$f"
		done
	done
done
echo "results in $out" >&2
