#!/bin/sh
# In the lab guest: ext4 on the emulated NVMe namespace, doctor on a file there, then the runtime's
# NVMe tests with their files on that namespace (HOMI_DEVICE_TEST_DIR); HOMI_NVME_LAB=1 makes tests
# that need the NVMe controller fail rather than skip.
. /tmp/lab/env
i=0; while [ ! -b /dev/nvme0n1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
ls -l /dev/nvme0 /dev/nvme0n1 /dev/ng0n1 2>&1 | sed 's/^/NVMe lab: /'
mkdir -p /mnt/nvme && mount -t ext4 /dev/nvme0n1 /mnt/nvme || { echo "LAB SUMMARY: 0 passed, 1 failed, 0 skipped (no ext4 on /dev/nvme0n1)"; exit 1; }
mkdir -p /mnt/nvme/work && cd /mnt/nvme/work
export HOMI_DEVICE_TEST_DIR=/mnt/nvme/work HOMI_NVME_LAB=1
rt=$root/homi-runtime/target
flags=$(grep -v -e '^#' -e 'jdk.incubator.vector' "$root/bin/jvm-options" | tr '\n' ' ')
# TCG runs the JIT's output slowly: C1 only, small heap, serial GC start fastest here.
JOPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx1g"
dd if=/dev/urandom of=/mnt/nvme/work/doctor.bin bs=1M count=4 status=none && sync
doctor=$(COLUMNS=200 HOMI_JAVA_OPTS="$JOPTS" bash "$root/bin/homi" doctor /mnt/nvme/work/doctor.bin 2>&1 | tr '\n' '|')
echo "DOCTOR: $doctor"
# doctor must list the device-addressed paths as usable on the NVMe namespace (a lab check of its own)
case "$doctor" in
  "HOMI can read via: "*device,\ passthrough*) echo "LAB TEST PASSED doctor.listsDeviceAndPassthroughAsUsable" ;;
  *) echo "LAB TEST FAILED doctor.listsDeviceAndPassthroughAsUsable: $(echo "$doctor" | cut -c1-300)" ;;
esac
java $flags $JOPTS -cp "$rt/test-classes:$rt/classes:$root/native/target/classes:$(cat "$rt/test.classpath")" \
  io.homi.runtime.lab.LabTestRunner $(cat /tmp/lab/tests)
cd /; umount /mnt/nvme
