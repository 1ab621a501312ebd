#!/usr/bin/env bash
# A/B of homi.prefetchRowGroups on one build: bin/homi-bench runs alternating with prefetch off
# (-Dhomi.prefetchRowGroups=0) and on (default 1), ROUNDS times each, same data; prints each run's
# homi / spark-v1 ratios and the load average. Extra arguments go to `bin/homi-bench spark`.
#   scripts/bench-ab-prefetch.sh 3 --sf 1 --tables lineitem --codecs snappy --queries count,q6,filter \
#       --readers homi,v1 --reps 5 --warmup 1 --cold-reps 3 --cold-queries q6
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:?rounds}; shift
out=${AB_OUT:-$root/integration-tests/target/bench-results/ab-prefetch-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for depth in 0 1; do
    name=prefetch$depth-round$r
    echo "== $name load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%T)"
    HOMI_JAVA_OPTS="${HOMI_JAVA_OPTS:-} -Dhomi.prefetchRowGroups=$depth" "$root/bin/homi-bench" spark "$@" \
      --out "$out/$name" > "$out/$name.log" 2>&1 || echo "   (exit $?; see $out/$name.log)"
    grep -h '^| ' "$out/$name/results.md" 2>/dev/null | grep -E '\*\*homi\*\*' \
      | awk -F'|' '{printf "   %-16s %-8s %-5s homi %ss  x spark-v1 %s\n", $2, $3, $4, $6, $10}'
  done
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg); results under $out"
