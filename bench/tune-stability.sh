#!/usr/bin/env bash
# bench/tune-stability.sh runs the same occbench tune-backoff N times in a
# row and prints one table: each run's wall time, and per strategy its
# recommendation and the size of its set "within noise of the best"; then
# per strategy how often runs 2..N recommend a member of run 1's set, and
# how often, over every ordered pair of runs (i, j), run j's
# recommendation is a member of run i's set.
#
# usage: bench/tune-stability.sh [tune-backoff flags …]
#
# Without flags it runs the command of the backoff-stability report:
#
#   occbench tune-backoff --driver memory --latency 500us --writers 16
#     --keys 1 --duration 1s --policies full-jitter,equal-jitter,decorrelated-jitter
#     --base 1ms,5ms --cap 50ms,1s --objective p99
#
# Environment:
#
#   N      runs (default 10)
#   BIN    occbench binary (default: built from this tree into $OUT/occbench)
#   OUT    directory for each run's stdout (runN.txt) and results file
#          (runN.json) (default: a new temporary directory, kept)
#
# Exit status: 0 when every run finished (whatever the table says), 1 when
# a run failed (its stderr is in $OUT/runN.err).
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-10}
OUT=${OUT:-$(mktemp -d /tmp/tune-stability.XXXXXX)}
mkdir -p "$OUT"
if [[ -z ${BIN:-} ]]; then
	BIN=$OUT/occbench
	go build -o "$BIN" ./cmd/occbench
fi
if [[ $# -eq 0 ]]; then
	set -- --driver memory --latency 500us --writers 16 --keys 1 --duration 1s \
		--policies full-jitter,equal-jitter,decorrelated-jitter --base 1ms,5ms --cap 50ms,1s --objective p99
fi

echo "occbench tune-backoff $*"
echo "runs: $N; output in $OUT"
failed=0
: >"$OUT/times"
for i in $(seq 1 "$N"); do
	start=$(date +%s.%N)
	rc=0
	"$BIN" tune-backoff "$@" --quiet --out "$OUT/run$i.json" >"$OUT/run$i.txt" 2>"$OUT/run$i.err" || rc=$?
	end=$(date +%s.%N)
	echo "$i $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }') $rc" >>"$OUT/times"
	if [[ $rc -ne 0 ]]; then
		echo "run $i: exit $rc (see $OUT/run$i.err)" >&2
		failed=1
	fi
done

files=()
for i in $(seq 1 "$N"); do files+=("$OUT/run$i.txt"); done

# The text report: "STRATEGY (DRIVER, N writers):", then
# "  recommendation: SETTINGS: p99 …" and
# "  within noise of the best: SETTINGS, SETTINGS, …".
awk -v n="$N" -v times="$OUT/times" '
BEGIN {
	while ((getline line < times) > 0) {
		split(line, f, " ")
		wall[f[1]] = f[2]; code[f[1]] = f[3]
	}
}
FNR == 1 { run++ }
/^[a-z][a-z-]*( \(.*\))?:$/ { s = $1; sub(/:$/, "", s); if (!(s in seen)) { seen[s] = 1; order[++ns] = s } }
/^  recommendation: / {
	p = $0; sub(/^  recommendation: /, "", p); sub(/: p99 .*/, "", p)
	pick[run, s] = p
}
/^  within noise of the best: / {
	l = $0; sub(/^  within noise of the best: /, "", l)
	k = split(l, m, ", ")
	size[run, s] = k
	for (x = 1; x <= k; x++) inset[run, s, m[x]] = 1
}
END {
	printf "\n%-4s %-7s %-12s %-45s %s\n", "run", "wall s", "strategy", "recommendation", "set size"
	for (r = 1; r <= n; r++) {
		for (j = 1; j <= ns; j++) {
			s = order[j]
			w = (j == 1) ? wall[r] (code[r] != 0 ? " (exit " code[r] ")" : "") : ""
			printf "%-4s %-7s %-12s %-45s %s\n", (j == 1 ? r : ""), w, s, ((r, s) in pick ? pick[r, s] : "-"), ((r, s) in size ? size[r, s] : "-")
		}
	}
	printf "\n%-12s %-28s %-32s %s\n", "strategy", "runs 2..N in run 1'\''s set", "pairs (i≠j): pick j in set i", "distinct picks"
	for (j = 1; j <= ns; j++) {
		s = order[j]
		a = 0
		for (r = 2; r <= n; r++) if ((r, s) in pick && (1, s, pick[r, s]) in inset) a++
		b = 0; t = 0
		for (r = 1; r <= n; r++) for (q = 1; q <= n; q++) if (r != q) { t++; if ((q, s) in pick && (r, s, pick[q, s]) in inset) b++ }
		delete d; nd = 0
		for (r = 1; r <= n; r++) if ((r, s) in pick && !(pick[r, s] in d)) { d[pick[r, s]] = 1; nd++ }
		printf "%-12s %-28s %-32s %d\n", s, sprintf("%d/%d", a, n - 1), sprintf("%d/%d", b, t), nd
	}
	tw = 0
	for (r = 1; r <= n; r++) tw += wall[r]
	printf "\nwall time: %.0f s per run on average\n", tw / n
}' "${files[@]}"
exit $failed
