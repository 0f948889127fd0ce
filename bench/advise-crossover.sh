#!/usr/bin/env bash
# bench/advise-crossover.sh measures where the best write strategy
# changes with contention (issue 14; seed 001 says optimistic wins below
# ~5% conflicts and leases above), per store: it runs occbench advise on
# memory (with injected latency), SQLite, PostgreSQL and Redis, and prints
# the crossover table for BENCHMARKS.md, one markdown row per band.
#
# usage: bench/advise-crossover.sh [DRIVER...]   (default: memory sqlite postgres redis)
#
# Environment:
#   DURATION  length of a cell (default 2s; warmup is a tenth of it)
#   TRIALS    trials per point (default 3: trial ranges decide ties)
#   WRITERS   writers sweep (default 1,2,4,8,16,32)
#   SKEWS     key skews (default single,zipfian,uniform)
#   KEYS      keys of the zipfian and uniform skews (default 1000)
#   HOLD      the conflict window between read and write (default 200us)
#   LATENCY   memory's injected latency per store call (default 1ms)
#   OCCBENCH_POSTGRES_DSN, OCCBENCH_REDIS_DSN  servers of postgres and
#             redis (without them occbench starts a container). NB: the
#             postgres driver drops and recreates its occbench_docs and
#             occbench_leases tables, the redis driver its keys: point
#             them at a server (or database) no one else is using.
#   OUT       directory for the results files and plots (default a temp dir)
#
# Prints the markdown reports on stderr-free stdout after the table; the
# results files (every cell and the advice block) and the crossover plots
# stay in $OUT. Exit status: that of the last advise run that failed, else 0.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 2; }

drivers=("$@")
[ ${#drivers[@]} -gt 0 ] || drivers=(memory sqlite postgres redis)
duration="${DURATION:-2s}"
trials="${TRIALS:-3}"
writers="${WRITERS:-1,2,4,8,16,32}"
skews="${SKEWS:-single,zipfian,uniform}"
keys="${KEYS:-1000}"
hold="${HOLD:-200us}"
latency="${LATENCY:-1ms}"
out="${OUT:-$(mktemp -d)}"
bin="$out/occbench"
go build -o "$bin" ./cmd/occbench
warmup="$(awk -v d="$duration" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u); printf "%g%s", n / 10, u }')"

status=0
for d in "${drivers[@]}"; do
	extra=()
	case "$d" in
	memory) extra=(--latency "$latency") ;;
	postgres) [ -n "${OCCBENCH_POSTGRES_DSN:-}" ] && extra=(--dsn "$OCCBENCH_POSTGRES_DSN") ;;
	redis) [ -n "${OCCBENCH_REDIS_DSN:-}" ] && extra=(--dsn "$OCCBENCH_REDIS_DSN") ;;
	esac
	code=0
	"$bin" advise --driver "$d" "${extra[@]}" --writers "$writers" --skews "$skews" --keys "$keys" --hold "$hold" \
		--trials "$trials" --duration "$duration" --warmup "$warmup" --format markdown --quiet \
		--out "$out/advise-$d.json" --plot "$out/plots-$d" >"$out/advise-$d.md" 2>"$out/advise-$d.stderr" || code=$?
	if [ "$code" -ne 0 ]; then
		echo "advise on $d: exit $code: $(tail -1 "$out/advise-$d.stderr")" >&2
		status=$code
	fi
done

echo "| store | skew | best on | band (optimistic's conflict ratio) | writers | winner | vs runner-up |"
echo "|---|---|---|---|---|---|---|"
for d in "${drivers[@]}"; do
	f="$out/advise-$d.json"
	[ -s "$f" ] || { echo "| $d | no results (see $out/advise-$d.stderr) | | | | | |"; continue; }
	jq -r --arg d "$d" '
		def pct: if . == null then "?" else (. * 1000 | round / 10 | tostring) + "%" end;
		.advice as $a | $a.skews[] as $s | $s.bands[] as $b |
		(if $b.above_conflict_ratio == null and $b.below_conflict_ratio == null then (if ($s.bands | map(select(.objective == $b.objective)) | length) == 1 then "all measured" else "by writers (conflicts not monotone)" end)
		 elif $b.above_conflict_ratio == null then "below " + ($b.below_conflict_ratio | pct)
		 elif $b.below_conflict_ratio == null then "above " + ($b.above_conflict_ratio | pct)
		 else ($b.above_conflict_ratio | pct) + "–" + ($b.below_conflict_ratio | pct) end) as $band |
		(if $b.winner then $b.winner else "tie: " + ($b.tie | join(", ")) end) as $w |
		(if $b.runner_up then "goodput \($b.goodput_x)×, p99 \($b.p99_x)× \($b.runner_up)" else "" end) as $vs |
		"| \($d) | \($s.skew) | \($b.objective) | \($band) | \($b.from_writers)–\($b.to_writers) | \($w) | \($vs) |"' "$f"
done
echo
echo "crossovers (interpolated between the two neighbouring writer counts, or the midpoint when one side is a tie):"
for d in "${drivers[@]}"; do
	f="$out/advise-$d.json"
	[ -s "$f" ] || continue
	jq -r --arg d "$d" '.advice.skews[] as $s | ($s.crossovers // [])[] |
		"- \($d), \($s.skew), \(.objective): \(.from) → \(.to) at \(if .conflict_ratio == null then "?" else (.conflict_ratio * 1000 | round / 10 | tostring) + "%" end) conflicts (\(.writers) writers, between \(.from_writers) and \(.to_writers)\(if .interpolated then "" else ", midpoint" end))"' "$f"
done
for d in "${drivers[@]}"; do
	[ -s "$out/advise-$d.md" ] && { echo; echo "### $d"; echo; cat "$out/advise-$d.md"; }
done
echo "results, reports and plots in $out" >&2
exit "$status"
