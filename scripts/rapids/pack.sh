#!/usr/bin/env bash
# pack.sh: everything the RAPIDS device check needs, made here (no GPU) for the device tool's calls.
#   1. fetch  com.nvidia:rapids-4-spark_2.13:26.08.1:cuda13 (575 MB) from Maven Central with Maven,
#             into $HOMI_RAPIDS_CACHE (default /var/tmp/homi-rapids; never inside the repository)
#   2. trim   libcudf.so and libcufilejni.so: every fatbin payload but sm_90 zeroed and verified
#             (shared/device/strip-fatbin.py), strip --strip-unneeded; the jar cut to root +
#             spark-shared + spark411 with the stripped natives, entries STORED (trim-jar.py)
#   3. stream tar | xz -9 of the trimmed jar (cached: redone only when missing)
#   4. kit    the Spark kit (shared/device/spark-kit.sh): Spark 4.1.1 + a JRE + homi's connector jar +
#             RapidsCheck.java (this folder), log4j2 config; .kit/p1.. and .kit/app
#   5. split  the stream into .rapids/r1..rN riding with the kit's parts (shared/device/rapids/split.py),
#             device.sh beside each part; prints the device calls
#   resplit [KIB]  re-cut the RAPIDS stream into .rapids/r1..rN for the checkout as it is now, each part
#             alone in a call (the kit's parts go alone too), KIB of margin under the 64 MiB (default
#             4400: the device tool counts more than git's file sizes); then refreshes .rapids/app's manifests
#   app       after a code change, with the parts (.kit/p*, .rapids/r*) already made: rebuild only
#             .rapids/app (homi's connector jar, RapidsCheck compiled, log4j2.properties, device.sh);
#             the Spark kit and the RAPIDS stream stay as they are (their ids are in .rapids/app/*MANIFEST)
# Usage (from anywhere in the checkout): scripts/rapids/pack.sh [fetch|trim|stream|kit|split|app|all]  (default all)
# Needs: mvn, python3, xz, strip, a JDK 17 with jlink; ~4 GB free under the cache; ~15 min on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
tools=${HOMI_DEVICE_TOOLS:-$root/../shared/device}
cache=${HOMI_RAPIDS_CACHE:-/var/tmp/homi-rapids}
coord=com.nvidia:rapids-4-spark_2.13:26.08.1:jar:cuda13
orig=$cache/rapids-4-spark_2.13-26.08.1-cuda13.jar
trimmed=$cache/rapids/rapids-4-spark_2.13-26.08.1-cuda13-sm90.jar
stream=$cache/rapids.tar.xz
mkdir -p "$cache"
say() { echo "[rapids-pack $(date -u +%T)] $*"; }

fetch() {
  [[ -s $orig ]] && { say "have $orig"; return; }
  say "fetching $coord (575 MB) into $cache"
  # A Maven repository of its own under the cache: the shared ~/.m2 stays untouched.
  (cd "$cache" && mvn -B -q dependency:copy -Dartifact="$coord" -DoutputDirectory="$cache" -Dmaven.repo.local="$cache/m2")
  rm -rf "$cache/m2/com/nvidia"   # the copy above is the one kept
}

trim() {
  [[ -s $trimmed ]] && { say "have $trimmed"; return; }
  fetch
  local nat=$cache/natives
  rm -rf "$nat" && mkdir -p "$nat/s"
  python3 - "$orig" "$nat" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in ('amd64/Linux/libcudf.so', 'amd64/Linux/libcufilejni.so'):
    open(sys.argv[2] + '/' + n.rsplit('/', 1)[1], 'wb').write(z.read(n))
PY
  for so in libcudf.so libcufilejni.so; do
    say "strip-fatbin $so"
    python3 "$tools/strip-fatbin.py" "$nat/$so" "$nat/s/$so" | tail -3
    strip --strip-unneeded "$nat/s/$so"
  done
  mkdir -p "$(dirname "$trimmed")"
  python3 "$tools/rapids/trim-jar.py" "$orig" "$trimmed.tmp" "$nat/s" && mv "$trimmed.tmp" "$trimmed"
  rm -rf "$nat"
}

make_stream() {
  [[ -s $stream ]] && { say "have $stream"; return; }
  trim
  say "xz -9 of $(basename "$trimmed") ($(stat -c %s "$trimmed") bytes)"
  tar -C "$cache" -cf - rapids | xz -9 -T2 > "$stream.tmp" && mv "$stream.tmp" "$stream"
  say "stream $(stat -c %s "$stream") bytes"
}

kit() {
  cd "$root"
  # In the reactor (never mvn install: ~/.m2 is shared); each module writes the file in turn, the
  # last (integration-tests: Spark's whole classpath) stays. A file of this run's own: no races.
  local cpf; cpf=$(mktemp "$cache/it.cp.XXXXXX")
  mvn -B -o -q package dependency:build-classpath -DskipTests -Dmdep.outputFile="$cpf" \
    -pl homi-runtime,spark-connector,integration-tests -am
  grep -q 'spark-core_2.13' "$cpf" || { echo "pack.sh: $cpf lacks Spark: not integration-tests' classpath" >&2; exit 1; }
  local jar; jar=$(ls spark-connector/target/homi-spark_2.13-*.jar | grep -v -e sources -e original | head -1)
  bash "$tools/spark-kit.sh" pack "$cpf" --app "$jar" --app "$here/log4j2.properties" \
    --src "$here/RapidsCheck.java" --jvm-options bin/jvm-options ${HOMI_KIT_XZ:+--xz $HOMI_KIT_XZ}
  rm -f "$cpf"
}

split() {
  cd "$root"
  [[ -s $stream ]] || make_stream
  [[ -f .kit/MANIFEST ]] || kit
  local ex; ex=$(git rev-parse --git-path info/exclude)
  grep -qx '/.rapids/' "$ex" 2>/dev/null || echo '/.rapids/' >> "$ex"
  rm -rf .rapids/app && mkdir -p .rapids/sample .rapids/app
  # .rapids/app: what the last calls need besides the parts: the kit's app (homi's jar, RapidsCheck,
  # JVM options, log4j2.properties), the kit script and manifest, device.sh, strip-fatbin.py
  cp -r .kit/app/. .rapids/app/
  cp .kit/spark-kit.sh .kit/MANIFEST "$here/device.sh" "$tools/strip-fatbin.py" .rapids/app/
  cp "$here/device.sh" .rapids/device.sh
  cp "$tools/rapids/split.py" .rapids/split.py
  python3 .rapids/split.py "$stream" | sed -e 's#device.sh run 2>&1 | tee $OUT/run.log#device.sh gen 60000000 2>\&1 | tee $OUT/gen.log#'
  cp "$(ls .rapids/r*/MANIFEST | head -1)" .rapids/app/RAPIDS_MANIFEST
  echo "  then: carry [\".rapids/app\"]  command: bash .rapids/app/device.sh run 3 2>&1 | tee \$OUT/run.log"
}

app() {
  cd "$root"
  [[ -f .kit/MANIFEST && -f .kit/spark-kit.sh ]] && ls .rapids/r*/MANIFEST >/dev/null 2>&1 || {
    echo "pack.sh app: no kit (.kit/) or RAPIDS parts (.rapids/r*) in $root (run scripts/rapids/pack.sh first)" >&2; exit 1; }
  mkdir -p .rapids/app
  local cpf tmp jar; cpf=$(mktemp "$cache/it.cp.XXXXXX"); tmp=$(mktemp -d)
  mvn -B -o -q package dependency:build-classpath -DskipTests -Dmdep.outputFile="$cpf" \
    -pl homi-runtime,spark-connector,integration-tests -am
  grep -q 'spark-core_2.13' "$cpf" || { echo "pack.sh: $cpf lacks Spark: not integration-tests' classpath" >&2; exit 1; }
  jar=$(ls spark-connector/target/homi-spark_2.13-*.jar | grep -v -e sources -e original | head -1)
  # As spark-kit.sh's --src: RapidsCheck compiled against Spark + homi's jar into src.jar, after homi's jar on the classpath
  javac -nowarn --release 17 -d "$tmp" -cp "$jar:$(cat "$cpf")" "$here/RapidsCheck.java"
  rm -f .rapids/app/*.jar .rapids/app/order
  cp "$jar" .rapids/app/
  (cd "$tmp" && jar cf "$root/.rapids/app/src.jar" .)
  printf '%s\nsrc.jar\n' "$(basename "$jar")" > .rapids/app/order
  cp "$here/log4j2.properties" "$here/device.sh" "$root/bin/jvm-options" .rapids/app/
  cp "$here/device.sh" .rapids/device.sh
  # the manifests of the parts as they are now (a re-split stream keeps its id, not its cuts)
  cp .kit/MANIFEST .rapids/app/MANIFEST
  cp "$(ls .rapids/r*/MANIFEST | head -1)" .rapids/app/RAPIDS_MANIFEST
  cp .kit/spark-kit.sh .rapids/app/spark-kit.sh
  [[ -f .rapids/app/strip-fatbin.py ]] || cp "$tools/strip-fatbin.py" .rapids/app/
  rm -rf "$tmp" "$cpf"
  say ".rapids/app rebuilt ($(du -sb .rapids/app | cut -f1) bytes):"; ls -l .rapids/app
  echo "  kit $(awk '$1=="id"{print $2}' .rapids/app/MANIFEST), RAPIDS stream $(awk '$1=="id"{print $2}' .rapids/app/RAPIDS_MANIFEST): stage the parts as before"
}

resplit() {
  cd "$root"
  [[ -s $stream ]] || { echo "pack.sh resplit: no stream $stream (run pack.sh stream)" >&2; exit 1; }
  [[ -f .rapids/split.py ]] || cp "$tools/rapids/split.py" .rapids/split.py
  mkdir -p .rapids/sample
  local aside; aside=$(mktemp -d)
  # split.py lets kit part i ride with RAPIDS part i; with a margin that leaves no room: parts alone
  for d in .kit/p[0-9]*; do [[ -d $d ]] && mv "$d" "$aside/"; done
  python3 .rapids/split.py "$stream" --margin-kib "${1:-4400}" || { mv "$aside"/* .kit/ 2>/dev/null; exit 1; }
  mv "$aside"/* .kit/ 2>/dev/null; rmdir "$aside"
  if [[ -d .rapids/app ]]; then
    cp "$(ls .rapids/r*/MANIFEST | head -1)" .rapids/app/RAPIDS_MANIFEST
  fi
  local n; n=$(ls -d .rapids/r[0-9]* | wc -l)
  echo "== device calls now (each as soon as the one before returns):"
  for d in .kit/p[0-9]*; do echo "  carry [\"$d\"]  command: bash $d/spark-kit.sh stage"; done
  local i; for i in $(seq 1 $((n - 1))); do echo "  carry [\".rapids/r$i\"]  command: bash .rapids/r$i/device.sh stage"; done
  echo "  carry [\".rapids/r$n\", \".rapids/app\"]  command: bash .rapids/r$n/device.sh gen ROWS 2>&1 | tee \$OUT/gen.log"
  echo "  carry [\".rapids/app\"]  command: bash .rapids/app/device.sh run 3 2>&1 | tee \$OUT/run.log"
}

case ${1:-all} in
  fetch) fetch ;;
  trim) trim ;;
  stream) make_stream ;;
  kit) kit ;;
  split) split ;;
  app) app ;;
  resplit) resplit "${2:-}" ;;
  all) make_stream; kit; split ;;
  *) sed -n '2,23p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
