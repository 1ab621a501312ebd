#!/usr/bin/env bash
# device.sh stage | gen ROWS | run REPS : the RAPIDS check on the GPU machine (scripts/rapids/README.md).
#   stage     copy the carried parts (Spark kit .kit/pN, RAPIDS stream .rapids/rN) to /var/tmp, sha256-checked;
#             the first time also print the GPU
#   gen ROWS  stage; unpack the RAPIDS jar; strip-fatbin.py --check (cuobjdump) on its natives; write
#             lineitem (ROWS rows) and its Hive-partitioned copy under $HOMI_RAPIDS_DATA (/var/tmp/homi-rapids-data)
#   run REPS  the queries (RapidsCheck: homi / parquet-gpu / parquet-cpu, equality, plans, cold + warm medians)
# Logs and table.txt go to $OUT.  Heap: $HEAP (default 64g).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
R=$(dirname "$here")                                    # .rapids
ROOT=$(dirname "$R")
export PATH=$PATH:/usr/local/cuda/bin
M=$(ls "$R"/r*/MANIFEST "$R"/app/RAPIDS_MANIFEST 2>/dev/null | head -1)
[[ -n $M ]] || { echo "no MANIFEST under $R"; exit 1; }
RK=/var/tmp/rapidskit/$(awk '$1=="id"{print $2}' "$M")
DATA=${HOMI_RAPIDS_DATA:-/var/tmp/homi-rapids-data}
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT" "$RK/parts"
stage() {
  local f i want got kp
  kp=$(ls "$ROOT"/.kit/p*/spark-kit.sh 2>/dev/null | head -1)
  if [[ -n $kp ]]; then bash "$kp" stage || return 1; fi
  for f in "$R"/r*/rapids.tar.xz.*; do
    [[ -f $f ]] || continue
    i=${f##*.}
    want=$(awk -v i="$i" '$1=="part" && $2==i {print $4}' "$M")
    # named by content: a re-split stream (same id, other cuts) never mixes with parts staged before
    [[ -f $RK/parts/p.$i.$want ]] && { echo "rapids part $i: had"; continue; }
    got=$(sha256sum "$f" | cut -d' ' -f1)
    [[ $got == "$want" ]] || { echo "rapids part $i: BAD sha256"; return 1; }
    cp "$f" "$RK/parts/.t" && mv "$RK/parts/.t" "$RK/parts/p.$i.$want" && echo "rapids part $i: staged"
  done
  echo "$(date -u +%T) boot=$(cat /proc/sys/kernel/random/boot_id) $1" >> "$RK/stage.log"; echo "== rapids stage.log:"; cat "$RK/stage.log"
  if [[ ! -f $RK/seen ]]; then
    touch "$RK/seen"; nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader
  fi
}
unpack() {
  local n i
  n=$(awk '$1=="parts"{print $2}' "$M")
  local files=()
  for i in $(seq 1 "$n"); do
    files+=("$RK/parts/p.$i.$(awk -v i="$i" '$1=="part" && $2==i {print $4}' "$M")")
    [[ -f ${files[-1]} ]] || { echo "MISSING rapids part $i: the machine was not kept between calls; start again with call 1"; return 1; }
  done
  if [[ ! -d $RK/rapids ]]; then
    local t0; t0=$(date +%s)
    mkdir -p "$RK.tmp.$$" && cat "${files[@]}" | xz -dc -T0 | tar -x -C "$RK.tmp.$$" || return 1
    mv "$RK.tmp.$$/rapids" "$RK/rapids" && rmdir "$RK.tmp.$$"
    echo "== unpacked the RAPIDS jar in $(( $(date +%s) - t0 )) s"
  fi
  JAR=$(ls "$RK"/rapids/*.jar)
}
check_natives() {
  rm -rf /tmp/nat && mkdir -p /tmp/nat && (cd /tmp/nat && python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); [z.extract(n) for n in z.namelist() if n.startswith('amd64/Linux/lib')]" "$JAR")
  for so in libcudf.so libcufilejni.so; do python3 "$R/app/strip-fatbin.py" --check "/tmp/nat/amd64/Linux/$so" 2>&1 | tail -4; done
  rm -rf /tmp/nat
}
check() { # ROWS REPS
  SPARK_KIT_EXTRA_CP=$JAR JAVA_OPTS="-Xmx${HEAP:-64g} -Dhomi.rapids.debugLog=$OUT/rapids-debug.log" \
    bash "$R/app/spark-kit.sh" run homirapids.RapidsCheck "$DATA" "$1" "$2" "$OUT"
}
case ${1:-} in
stage) stage stage ;;
gen)
  stage gen || exit 1; unpack || exit 1
  echo "== $(basename "$JAR") ($(stat -c %s "$JAR") bytes)"; check_natives
  check "${2:-60000000}" 0 ;;
run)
  stage run || exit 1; unpack || exit 1
  check "$(cat "$DATA/rows" 2>/dev/null || echo 0)" "${2:-3}" ;;
*) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
