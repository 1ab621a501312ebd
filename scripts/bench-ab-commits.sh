#!/usr/bin/env bash
# Two commits of this repository side by side: each built in its own clone (bin/homi-bench uses the
# checkout's own jars), then Bench's spark suite run alternating A, B, A, B on the same data, so a
# refactoring's effect is read against Spark's reader in the same JVM and against the other commit
# in neighbouring runs. Usage:
#   scripts/bench-ab-commits.sh COMMIT_A COMMIT_B [ROUNDS] -- BENCH_ARGS...
#   e.g. scripts/bench-ab-commits.sh 8db0318 HEAD 2 -- --sf 1 --tables lineitem --codecs snappy \
#        --queries sum_all,q1,q6,filter --readers homi,v1 --reps 3 --warmup 1 --cold none
# Work under ${AB_DIR:-/tmp/homi-ab}: clones a/ and b/, data/ (shared), results/<side><round>/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 3 ]] || { sed -n 2,9p "$0"; exit 2; }
a=$1 b=$2; shift 2
rounds=2
if [[ $1 != -- ]]; then rounds=$1; shift; fi
[[ ${1:-} == -- ]] && shift
dir=${AB_DIR:-/tmp/homi-ab}
mkdir -p "$dir/data" "$dir/results"
for side in a b; do
  commit=$([[ $side == a ]] && echo "$a" || echo "$b")
  rm -rf "${dir:?}/$side"
  git clone -q "$root" "$dir/$side"
  git -C "$dir/$side" checkout -q "$(git -C "$root" rev-parse "$commit")"
  echo "[ab] building $side = $(git -C "$dir/$side" log --oneline -1)"
  (cd "$dir/$side" && mvn -B -q ${MAVEN_ARGS:-} -DskipTests -Pbench -Dspotless.check.skip=true package)
done
for ((r = 1; r <= rounds; r++)); do
  for side in a b; do
    echo "[ab] round $r side $side $(date -u +%T)"
    (cd "$dir/$side" && bin/homi-bench spark "$@" --data "$dir/data" --out "$dir/results/$side$r")
  done
done
echo "[ab] results under $dir/results (results.md per run)"
