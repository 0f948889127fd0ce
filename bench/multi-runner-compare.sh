#!/usr/bin/env bash
# bench/multi-runner-compare.sh: 1 runner vs 3 runners (3 processes on this
# machine) against one PostgreSQL, interleaved, twice; the parts merged with
# occbench merge --dsn. Needs OCCBENCH_POSTGRES_DSN, jq, and occbench built at $B
# (go build -o /tmp/occbench ./cmd/occbench). Writes into /tmp/mb.
set -u
B="${B:-/tmp/occbench}"
DSN="$OCCBENCH_POSTGRES_DSN"
common=(--driver postgres --dsn "$DSN" --writers 6,12 --strategies optimistic,lww --backoffs full-jitter --duration 3s --warmup 300ms --hold 200us --quiet)
mkdir -p /tmp/mb && cd /tmp/mb
for rep in 1 2; do
  $B run "${common[@]}" --namespace mb_one --out one-$rep.json >/dev/null 2>one-$rep.err; echo "one rep $rep exit $?"
  for i in 0 1 2; do $B run "${common[@]}" --runners 3 --runner-index $i --namespace mb_three --out three-$rep-$i.json >/dev/null 2>three-$rep-$i.err & done; wait
  $B merge three-$rep-0.json three-$rep-1.json three-$rep-2.json -o three-$rep.json --dsn "$DSN" --driver postgres --namespace mb_three 2>&1 | tail -2
done
for f in one-1 three-1 one-2 three-2; do
  echo "== $f"; jq -r '.cells[] | [.strategy, .writers, .throughput_ops_s, .conflict_ratio, .latency_ms.p50, .latency_ms.p99, .audit.verdict] | @tsv' $f.json
  jq -r '.runners // [] | .[] | "runner \(.index) skew_ms \(.skew_ms) rtt_ms \(.rtt_ms)"' $f.json
done
