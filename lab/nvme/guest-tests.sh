#!/bin/sh
# In the lab guest: ext4 on the emulated NVMe namespace, doctor on a file there, then the runtime's
# NVMe tests with their files on that namespace (HOMI_DEVICE_TEST_DIR); HOMI_NVME_LAB=1 makes tests
# that need the NVMe controller fail rather than skip.
. /tmp/lab/env
i=0; while [ ! -b /dev/nvme0n1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
ls -l /dev/nvme0 /dev/nvme0n1 /dev/ng0n1 2>&1 | sed 's/^/NVMe lab: /'
if [ "$sriov" = 1 ]; then
  # Platform set-up, once per boot and before the file system is mounted (an administrator's job
  # on a real drive): QEMU's primary controller starts with every flexible resource; release them
  # (Virtualization Management, Primary Flexible Allocation, 0 resources), which takes effect at
  # the controller's next reset. The runtime's control plane then assigns them to the VF itself.
  pf=$(basename "$(readlink -f /sys/class/nvme/nvme0/device)")
  nvme virt-mgmt /dev/nvme0 -c 0 -r 1 -a 1 -n 0 >/dev/null && nvme virt-mgmt /dev/nvme0 -c 0 -r 0 -a 1 -n 0 >/dev/null \
    && echo 1 > "/sys/bus/pci/devices/$pf/reset" || echo "NVMe lab: releasing the primary's flexible resources failed"
  i=0; while [ ! -b /dev/nvme0n1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
  echo "NVMe lab: PF $pf, sriov_totalvfs $(cat /sys/bus/pci/devices/$pf/sriov_totalvfs), IOMMU group $(basename "$(readlink /sys/bus/pci/devices/$pf/iommu_group)")"
  nvme primary-ctrl-caps /dev/nvme0 2>&1 | grep -E 'vqfrt|vqrfa|vifrt|virfa' | tr -s ' ' | tr '\n' ' ' | sed 's/^/NVMe lab: primary: /'; echo
fi
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
if [ "$sriov" = 1 ]; then
  case "$doctor" in
    "HOMI can read via: "*passthrough,\ vf*) echo "LAB TEST PASSED doctor.listsVfAsUsable" ;;
    *) echo "LAB TEST FAILED doctor.listsVfAsUsable: $(echo "$doctor" | cut -c1-300)" ;;
  esac
  export HOMI_NVME_LAB_SRIOV=1
fi
java $flags $JOPTS -cp "$rt/test-classes:$rt/classes:$root/native/target/classes:$(cat "$rt/test.classpath")" \
  io.homi.runtime.lab.LabTestRunner $(cat /tmp/lab/tests)
cd /; umount /mnt/nvme
