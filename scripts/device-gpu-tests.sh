#!/usr/bin/env bash
# device-gpu-tests.sh: the project's GPU tests (JUnit tag "gpu") and the GPU benchmark, run on the
# device machine (no Java, no Maven, no network) with the Spark kit (scripts/spark-kit.sh).
#
# HERE, from the root of the checkout (JDK 17 with jlink, Maven with ~/.m2 filled, python3, xz):
#   scripts/device-gpu-tests.sh pack     build (mvn -o package -DskipTests), then the kit: Spark 4.1.1 + JRE as
#                                        .kit/p1, .kit/p2 (about 8 minutes of xz on 2 cores) and .kit/app: the
#                                        shaded connector jar, homi-tests.jar (runtime, connector and integration
#                                        test classes, io.homi.bench included), junit-platform-console-standalone,
#                                        assertj + byte-buddy, parquet-testing's data/ and this script.
#   scripts/device-gpu-tests.sh app      after a code change: rebuild and refresh .kit/app only (same Spark stream)
#   scripts/device-gpu-tests.sh local    stage + run the same payload HERE with the kit's own java (a copy staged
#                                        under /tmp): the gpu tests skip naming why, and the no-GPU Spark tests
#                                        (GpuOutputIT, GpuAssignmentTest, ...) run from the kit's classpath.
#   scripts/device-gpu-tests.sh plan     print the device calls.
#
# THERE (device tool `run`; each call made as soon as the one before returns: the machine keeps /var/tmp
# only 30 s after a call):
#   call 1  carry [".kit/p1"]                 command: bash .kit/p1/spark-kit.sh stage
#   call 2  carry [".kit/p2", ".kit/app"]     command: bash .kit/app/device-gpu-tests.sh tests
#   then, optionally, in the same warm session:
#   call 3  carry [".kit/p2", ".kit/app"]     command: bash .kit/app/device-gpu-tests.sh generate [SCALE]
#   call 4  carry [".kit/p2", ".kit/app"]     command: BENCH_ARGS="--reps 3" bash .kit/app/device-gpu-tests.sh bench [SCALE]
#   (calls 3-4 find the kit staged by calls 1-2 and the data of call 3 under /var/tmp; if the machine went
#   back in between, the kit says which parts are missing: start again with call 1.)
# `tests` prints nvidia-smi, the JUnit summary and the memory lines, and writes them to $OUT
# (summary.txt, junit/*.xml, tests.log). `bench` generates TPC-H lineitem at SCALE (default 10, snappy and
# zstd) on the device's 16 cores unless present in /var/tmp/homi-bench, then runs Bench's spark suite on
# local[16] (count, sum_all, q1, q6, filter): homi-gpu (homi.output=gpu) vs homi host vs Spark parquet V1,
# alternating in one JVM, medians and ratios; bench.txt and the results folder go to $OUT. BENCH_ARGS adds
# Bench options (e.g. "--reps 3 --cold none" to fit the 10-minute call).
set -euo pipefail

die() { echo "device-gpu-tests: $*" >&2; exit 1; }
here() { cd "$(dirname "${BASH_SOURCE[0]}")" && pwd; }

CONSOLE=org.junit.platform:junit-platform-console-standalone:1.11.4
M2=${M2_REPO:-$HOME/.m2/repository}

m2jar() { # groupId:artifactId:version -> the jar in the local repository (fetched from Maven Central once if absent)
  local g a v f
  IFS=: read -r g a v <<< "$1"
  f=$M2/${g//.//}/$a/$v/$a-$v.jar
  if [[ ! -f $f ]]; then mvn -B -q dependency:get -Dartifact="$1" >&2 || die "cannot fetch $1"; fi
  echo "$f"
}

build() {
  local root=$1
  # one reactor run: the classpath names the modules' own artifacts from the reactor, not ~/.m2;
  # every module writes the file in turn, integration-tests (the full test classpath) last
  (cd "$root" && mvn -B -o -q package dependency:build-classpath -DskipTests \
      -pl homi-runtime,homi-tools,spark-connector,integration-tests -am \
      -Dmdep.includeScope=test -Dmdep.outputFile="$root/.kit-build/it.classpath")
  [[ -s $root/.kit-build/it.classpath ]] || die "no classpath from Maven"
  # one jar of every module's test classes: the console launcher scans it
  rm -rf "$root/.kit-build/tests" && mkdir -p "$root/.kit-build/tests"
  for m in homi-runtime homi-tools spark-connector integration-tests; do cp -r "$root/$m/target/test-classes/." "$root/.kit-build/tests/"; done
  cp -r "$root/homi-tools/target/classes/." "$root/.kit-build/tests/" # the check harnesses the GPU tests use (not in the product jar)
  (cd "$root/.kit-build/tests" && jar cf "$root/.kit-build/homi-tests.jar" .)
  tar -C "$(parquet_testing "$root")/.." -cf "$root/.kit-build/parquet-testing.tar" parquet-testing/data parquet-testing/bad_data
}

parquet_testing() {
  local root=$1 p
  for p in "$root/../shared/parquet-testing" "$root/../../shared/parquet-testing" "$root/shared/parquet-testing"; do
    [[ -d $p/data ]] && { (cd "$p" && pwd); return; }
  done
  die "no parquet-testing checkout beside $root (../shared/parquet-testing)"
}

app_args() {
  local root=$1 a
  a=(--app "$root/spark-connector/target/homi-spark_2.13-0.1.0-SNAPSHOT.jar" --app "$root/.kit-build/homi-tests.jar"
     --app "$(m2jar "$CONSOLE")" --app "$(m2jar org.assertj:assertj-core:3.27.3)"
     --app "$(m2jar net.bytebuddy:byte-buddy:1.15.11)" --app "$root/.kit-build/parquet-testing.tar"
     --app "$root/scripts/device-gpu-tests.sh" --jvm-options "$root/bin/jvm-options")
  printf '%s\n' "${a[@]}"
}

cmd_pack() {
  local root; root=$(git rev-parse --show-toplevel)
  local ex; ex=$(git -C "$root" rev-parse --git-path info/exclude); [[ $ex = /* ]] || ex=$root/$ex
  mkdir -p "$root/.kit-build" "$(dirname "$ex")"; grep -qx '/.kit-build/' "$ex" 2>/dev/null || echo '/.kit-build/' >> "$ex"
  build "$root"
  mapfile -t A < <(app_args "$root")
  bash "$root/scripts/spark-kit.sh" pack "$root/.kit-build/it.classpath" "${A[@]}" "$@"
}

cmd_app() {
  local root; root=$(git rev-parse --show-toplevel)
  build "$root"
  mapfile -t A < <(app_args "$root")
  bash "$root/scripts/spark-kit.sh" app "${A[@]}"
}

# ---------------------------------------------------------------- there (or here: local)
KITAPP=""
setup_there() {
  KITAPP=$(here)                      # .kit/app
  PT=${SPARK_KIT_HOME:-/var/tmp/sparkkit}/parquet-testing
  if [[ ! -d $PT/data ]]; then mkdir -p "$PT/.." && tar -C "$PT/.." -xf "$KITAPP/parquet-testing.tar"; fi
}

gpu_facts() {
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used --format=csv,noheader 2>&1 | sed 's/^/GPU /'
  else
    echo "GPU: no nvidia-smi on this machine"
  fi
}

cmd_tests() { # [--local] [extra console launcher args]
  setup_there
  local out=${OUT:-$PWD/.kit-build/out} require=true select=(--include-classname '.*' --include-tag gpu)
  if [[ ${1:-} == --local ]]; then shift; require=false; select=(--include-classname '.*Gpu.*'); fi
  mkdir -p "$out"
  local heap=${TEST_HEAP:-24g}
  [[ $require == false ]] && heap=${TEST_HEAP:-3g}
  {
    echo "== $(date -u +%FT%TZ) device-gpu-tests on $(hostname): $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
    gpu_facts
  } | tee "$out/summary.txt"
  set +e
  JAVA_OPTS="-Xmx$heap -Dhomi.test.requireGpu=$require -Dhomi.parquetTesting=$PT ${JAVA_OPTS:-}" \
    bash "$KITAPP/spark-kit.sh" run org.junit.platform.console.ConsoleLauncher execute \
      --scan-classpath "$KITAPP/homi-tests.jar" "${select[@]}" --details=tree --details-theme=ascii --disable-ansi-colors \
      --disable-banner --reports-dir "$out/junit" "$@" > "$out/tests.log" 2>&1
  local rc=$?
  set -e
  # the memory lines and the equality counts the tests print, then the JUnit summary
  grep -E '^(GPU memory|GPU corpus|GPU zstd|ok |FAIL )' "$out/tests.log" | tee -a "$out/summary.txt" || true
  grep -E '\[ *[0-9]+ (containers|tests) ' "$out/tests.log" | tee -a "$out/summary.txt" || true
  grep -E '\[X\]|✘|MethodSource|=> ' "$out/tests.log" | head -40 | tee -a "$out/summary.txt" || true
  echo "== console launcher exit $rc; full log: $out/tests.log" | tee -a "$out/summary.txt"
  # the device tool returns at most 8 files: the XML reports travel as one archive
  tar -C "$out" -czf "$out/junit-reports.tgz" junit && rm -rf "$out/junit"
  return $rc
}

cmd_bench() { # [SCALE]
  setup_there
  local out=${OUT:-$PWD/.kit-build/out} scale=${1:-10} data=${BENCH_DATA:-/var/tmp/homi-bench}
  mkdir -p "$out" "$data"
  gpu_facts | tee "$out/bench.txt"
  # shellcheck disable=SC2086
  JAVA_OPTS="-Xmx${BENCH_HEAP:-64g} ${JAVA_OPTS:-}" \
    bash "$KITAPP/spark-kit.sh" run io.homi.bench.Bench spark --sf "$scale" --readers homi-gpu,homi,v1 \
      --tables lineitem --master 'local[16]' --data "$data" --out "$out/bench" ${BENCH_ARGS:-} \
    2>&1 | tee -a "$out/bench.txt"
  [[ -d $out/bench ]] && tar -C "$out" -czf "$out/bench-results.tgz" bench && rm -rf "$out/bench"
}

cmd_generate() { # [SCALE]: only the data (a call of its own when generation and timing do not fit one)
  setup_there
  local scale=${1:-10} data=${BENCH_DATA:-/var/tmp/homi-bench}
  mkdir -p "$data"
  # shellcheck disable=SC2086
  JAVA_OPTS="-Xmx${BENCH_HEAP:-64g} ${JAVA_OPTS:-}" \
    bash "$KITAPP/spark-kit.sh" run io.homi.bench.Bench generate --sf "$scale" --tables lineitem --master 'local[16]' \
      --data "$data" ${BENCH_ARGS:-}
  du -sh "$data"/* 2>/dev/null || true
}

cmd_plan() { bash "$(git rev-parse --show-toplevel)/scripts/spark-kit.sh" plan; }

cmd_local() {
  local root; root=$(git rev-parse --show-toplevel)
  [[ -f $root/.kit/MANIFEST ]] || die "no kit: run pack first"
  # stage as the device calls do, into a home of its own here
  export SPARK_KIT_HOME=${SPARK_KIT_HOME:-/tmp/sparkkit-local}
  local n i; n=$(awk '$1=="parts"{print $2}' "$root/.kit/MANIFEST")
  for i in $(seq 1 $((n - 1))); do bash "$root/.kit/p$i/spark-kit.sh" stage; done
  (cd "$root" && OUT=$root/.kit-build/out bash .kit/app/device-gpu-tests.sh tests --local "$@")
}

case ${1:-} in
  pack) shift; cmd_pack "$@" ;;
  app) shift; cmd_app "$@" ;;
  plan) shift; cmd_plan ;;
  local) shift; cmd_local "$@" ;;
  tests) shift; cmd_tests "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  generate) shift; cmd_generate "$@" ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 2 ;;
esac
