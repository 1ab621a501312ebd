#!/usr/bin/env bash
# decode-anchor.sh pack | run : homi's GPU decoder next to libcudf's Parquet reader (cuDF Java from the
# RAPIDS Accelerator jar) on the same files, same GPU, same JVM: `homi gpucheck-decode --anchor`
# (docs/gpu-decode.md, "Against libcudf").
#
# HERE (after `mvn -o package -DskipTests -pl homi-tools -am`, or let pack build it):
#   scripts/rapids/decode-anchor.sh pack   -> .anchor/ (git-ignored, ~22 MB): homi-tools' CLI classpath
#                                             (runtime, kernels' fatbin, arrow, parquet-format, codecs, JNA),
#                                             homi-tools' classes, gen_lineitem.py, jvm-options, this script
# THERE, in the same warm session as the RAPIDS kit (scripts/rapids/README.md: calls 1..N stage and `gen`,
# which unpacks the plugin jar under /var/tmp/rapidskit and stages the Spark kit's JRE under /var/tmp/sparkkit):
#   carry [".anchor"]  command: bash .anchor/decode-anchor.sh run 2>&1 | tail -80
#   env: ROWS (lineitem rows, default 20000000), TYPE_ROWS (default 8000000), REPS (5), COLD_REPS (3),
#        KVIKIO_NTHREADS (cuDF's I/O threads, default 16 = homi's read threads), ANCHOR_ARGS (more options),
#        HEAP (default 48g), BUDGET_S (seconds for the whole call, default 570: generation first, java the rest). Data in /var/tmp/homi-anchor-data ($ANCHOR_DATA; kept across calls of a warm machine).
#   The lineitem that `gen` wrote with Spark (/var/tmp/homi-rapids-data/lineitem) gets an end-to-end row too.
# $OUT gets anchor.txt (the full log; the table at its end) and gen.txt.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pack() {
  local root; root=$(git -C "$here" rev-parse --show-toplevel) || exit 1
  cd "$root" || exit 1
  if [[ ! -f homi-tools/target/cli.classpath || ! -d homi-tools/target/classes/io/homi/runtime/cli ]]; then
    mvn -B -o -q package -DskipTests -pl homi-tools -am || exit 1
  fi
  local ex; ex=$(git rev-parse --git-path info/exclude)
  grep -qx '/.anchor/' "$ex" 2>/dev/null || echo '/.anchor/' >> "$ex"
  rm -rf .anchor && mkdir -p .anchor/lib
  tr ':' '\n' < homi-tools/target/cli.classpath | while read -r j; do
    # the reactor's own modules come from their target/ folders (never ~/.m2: not installed there)
    case $(basename "$j") in homi-runtime-*|homi-native-*) ;; *) cp "$j" .anchor/lib/ ;; esac
  done
  (cd homi-runtime/target/classes && jar cf "$root/.anchor/lib/homi-runtime.jar" .)
  (cd native/target/classes && jar cf "$root/.anchor/lib/homi-native.jar" .)
  (cd homi-tools/target/classes && jar cf "$root/.anchor/lib/homi-tools.jar" .)
  cp native/scripts/gen_lineitem.py bin/jvm-options "$here/decode-anchor.sh" .anchor/
  echo "packed .anchor: $(du -sh .anchor | cut -f1), $(ls .anchor/lib | wc -l) jars, from $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (+ uncommitted changes)')"
  echo "device call (after the RAPIDS kit's stage/gen calls, same warm machine):"
  echo "  carry [\".anchor\"]  command: bash .anchor/decode-anchor.sh run 2>&1 | tail -80"
}

run() {
  local OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
  local start; start=$(date +%s)
  local java jar D=${ANCHOR_DATA:-/var/tmp/homi-anchor-data}
  # ANCHOR_JAVA / ANCHOR_CUDF_JAR: a rehearsal without the kits (here: no GPU, it stops at cuDF's first CUDA call)
  java=${ANCHOR_JAVA:-$(ls -t /var/tmp/sparkkit/*/spark/jre/bin/java 2>/dev/null | head -1)}
  jar=${ANCHOR_CUDF_JAR:-$(ls -t /var/tmp/rapidskit/*/rapids/*.jar 2>/dev/null | head -1)}
  [[ -n $java ]] || { echo "no Spark kit JRE under /var/tmp/sparkkit: run the RAPIDS kit's calls first (scripts/rapids/README.md)"; exit 1; }
  [[ -n $jar ]] || { echo "no unpacked RAPIDS jar under /var/tmp/rapidskit: run the RAPIDS kit's calls through 'gen' first"; exit 1; }
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2; nproc; date -u
  echo "java $java; cuDF from $jar"
  if [[ ! -f $D/done-${ROWS:-20000000}-${TYPE_ROWS:-8000000} ]]; then
    local t0; t0=$(date +%s)
    rm -rf "$D" && mkdir -p "$D"
    python3 "$here/gen_lineitem.py" "$D" --no-check --rows "${ROWS:-20000000}" --type-rows "${TYPE_ROWS:-8000000}" \
      > "$OUT/gen.txt" 2>&1 || { echo "gen_lineitem.py failed:"; tail -20 "$OUT/gen.txt"; exit 1; }
    touch "$D/done-${ROWS:-20000000}-${TYPE_ROWS:-8000000}"
    echo "generated in $(( $(date +%s) - t0 )) s"
  fi
  local flags=() line
  while IFS= read -r line; do
    line=${line%%#*}; line=$(echo "$line" | xargs)
    [[ -n $line && $line != *jdk.incubator.vector* ]] && flags+=("$line")
  done < "$here/jvm-options"
  local args=(--per-file "$D/types" --e2e "$D/lineitem_snappy.parquet" --e2e "$D/lineitem_none.parquet")
  [[ -d /var/tmp/homi-rapids-data/lineitem ]] && args+=(--e2e /var/tmp/homi-rapids-data/lineitem)
  export KVIKIO_NTHREADS=${KVIKIO_NTHREADS:-16}
  # shellcheck disable=SC2086
  # the whole call within BUDGET_S (the device call's 600 s less a margin): java gets what generation left
  local left=$(( ${BUDGET_S:-570} - ($(date +%s) - start) ))
  echo "java gets ${left} s (BUDGET_S=${BUDGET_S:-570}); rows print as they finish, the table at the end"
  timeout "$left" "$java" "${flags[@]}" "-Xmx${HEAP:-48g}" -cp "$here/lib/*:$jar" io.homi.runtime.cli.HomiCli \
    gpucheck-decode --anchor "${args[@]}" --reps "${REPS:-5}" --cold-reps "${COLD_REPS:-3}" ${ANCHOR_ARGS:-} \
    2>&1 | tee "$OUT/anchor.txt" | grep -v -e ' INFO ' -e '^\[main\] INFO'
  echo "== rc=${PIPESTATUS[0]}"
}

case ${1:-} in
  pack) pack ;;
  run) run ;;
  *) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
