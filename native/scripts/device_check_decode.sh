#!/usr/bin/env bash
# Device check of GPU decoding (runs on the device machine): generate, correctness, per-file decode GB/s, optional memcheck.
# usage: run.sh [check] [perf] [rowgroups] [memcheck]   (in the repository root, the payload dir carried)
# HOMI_DEVICE_DIR = the payload dir (default .device/gpudelta); MEMCHECK = the check files memcheck and rowgroups run over
# (globs under /tmp/gd/check, default the DELTA / LZ4 / decimal / BYTE_STREAM_SPLIT / parquet-java set); BUDGET_S = seconds
# for the whole script: each step's timeout is what is left (a step that would start with less than 20 s is skipped).
# The payload dir holds jre.tar.xz (pack.sh), lib/ (homi-runtime + homi-tools + homi-native jars and homi-tools/target/cli.classpath),
# gen_lineitem.py and pt/ (flat parquet-testing files); DIR/check also gets pt/*.parquet.
D=${HOMI_DEVICE_DIR:-.device/gpudelta}
export CLASSPATH="$D/lib/*"
J="/tmp/jre/bin/java --add-opens=java.base/java.nio=ALL-UNNAMED"
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
START=$(date +%s); BUDGET_S=${BUDGET_S:-1500}
left() { echo $(( BUDGET_S - ($(date +%s) - START) )); }
MEMCHECK=${MEMCHECK:-"m* j* delta_* *lz4* *decimal* byte_stream* delta_length*"}
tar -xJf $D/jre.tar.xz -C /tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc; date -u
t0=$(date +%s)
python3 $D/gen_lineitem.py /tmp/gd --no-lineitem --type-rows ${TYPE_ROWS:-8000000} > $OUT/gen.txt 2>&1; echo "gen rc=$? $(( $(date +%s) - t0 ))s"; tail -c 600 $OUT/gen.txt
cp $D/pt/*.parquet /tmp/gd/check/
[ -d $D/jfiles ] && cp $D/jfiles/*.parquet /tmp/gd/check/   # parquet-java-written (DecodeTestFiles)
mkdir -p /tmp/mc/check; (cd /tmp/gd/check && ln -sf $(for g in $MEMCHECK; do echo /tmp/gd/check/$g; done) /tmp/mc/check/ 2>/dev/null)
echo "memcheck/rowgroups set: $(ls /tmp/mc/check | wc -l) files"
for step in "$@"; do
  t0=$(date +%s); T=$(( $(left) < 300 ? $(left) : 300 ))
  if (( T < 20 )); then echo "== $step skipped: $(left) s of BUDGET_S left"; continue; fi
  case $step in
    check) timeout $T $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/gd --skip-perf > $OUT/check.txt 2>&1; rc=$?
           grep -v "^skipped column" $OUT/check.txt | grep -v INFO | tail -25; grep -c "^skipped column" $OUT/check.txt;;
    perf) timeout $T $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/gd --skip-check --skip-e2e --reps 3 > $OUT/perf.txt 2>&1; rc=$?
          tail -50 $OUT/perf.txt;;
    rowgroups) timeout $T $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/mc/check --row-groups > $OUT/rowgroups.txt 2>&1; rc=$?
          grep -v "INFO" $OUT/rowgroups.txt | tail -8;;
    memcheck) timeout $T compute-sanitizer --tool memcheck $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/mc --skip-perf > $OUT/memcheck.txt 2>&1; rc=$?
          grep -v "^skipped column" $OUT/memcheck.txt | grep -v INFO | tail -15;;
  esac
  echo "== $step rc=$rc $(( $(date +%s) - t0 ))s"
done
