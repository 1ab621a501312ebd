#!/usr/bin/env bash
# Device check of GPU decoding (runs on the device machine): generate, correctness, per-file decode GB/s, optional memcheck.
# usage: run.sh [check] [perf] [rowgroups] [memcheck]   (in the repository root, .device/gpudelta carried)
# The payload dir holds jre.tar.xz (pack.sh), lib/ (homi-runtime + homi-native jars and homi-runtime/target/cli.classpath),
# gen_lineitem.py and pt/ (flat parquet-testing files); DIR/check also gets pt/*.parquet.
D=${HOMI_DEVICE_DIR:-.device/gpudelta}
export CLASSPATH="$D/lib/*"
J="/tmp/jre/bin/java --add-opens=java.base/java.nio=ALL-UNNAMED"
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
tar -xJf $D/jre.tar.xz -C /tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc; date -u
t0=$(date +%s)
python3 $D/gen_lineitem.py /tmp/gd --no-lineitem --type-rows ${TYPE_ROWS:-8000000} > $OUT/gen.txt 2>&1; echo "gen rc=$? $(( $(date +%s) - t0 ))s"; tail -c 600 $OUT/gen.txt
cp $D/pt/*.parquet /tmp/gd/check/
[ -d $D/jfiles ] && cp $D/jfiles/*.parquet /tmp/gd/check/   # parquet-java-written (DecodeTestFiles)
for step in "$@"; do
  t0=$(date +%s)
  case $step in
    check) timeout 300 $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/gd --skip-perf > $OUT/check.txt 2>&1; rc=$?
           grep -v "^skipped column" $OUT/check.txt | tail -25; grep -c "^skipped column" $OUT/check.txt;;
    perf) timeout 300 $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/gd --skip-check --skip-e2e --reps 3 > $OUT/perf.txt 2>&1; rc=$?
          tail -50 $OUT/perf.txt;;
    rowgroups) timeout 300 $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/gd/check --row-groups > $OUT/rowgroups.txt 2>&1; rc=$?
          grep -v "INFO" $OUT/rowgroups.txt | tail -8;;
    memcheck) mkdir -p /tmp/mc/check; ln -sf /tmp/gd/check/m* /tmp/gd/check/j* /tmp/gd/check/delta_* /tmp/gd/check/*lz4* /tmp/gd/check/*decimal* /tmp/gd/check/byte_stream* /tmp/gd/check/delta_length* /tmp/mc/check/
          timeout 400 compute-sanitizer --tool memcheck $J io.homi.runtime.cli.HomiCli gpucheck-decode /tmp/mc --skip-perf > $OUT/memcheck.txt 2>&1; rc=$?
          grep -v "^skipped column" $OUT/memcheck.txt | tail -15;;
  esac
  echo "== $step rc=$rc $(( $(date +%s) - t0 ))s"
done
