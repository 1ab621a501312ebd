#!/bin/sh
# PID 1 in the lab guest, on the host's / (read-only 9p). Loads the NVMe and ext4 drivers from the
# extracted Debian kernel package, runs guest-tests.sh, and powers off (the host reads the console).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp/home
mkdir -p /tmp/home
. /tmp/lab/env
echo "NVMe lab: guest up at $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r)"
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
mount -t tmpfs mnt /mnt
for m in nvme ext4; do modprobe -d "$kdir" "$m" || echo "NVMe lab: modprobe $m failed"; done
# vfio-pci for the SR-IOV VF (the runtime's control plane binds the VF to it)
[ "$sriov" = 1 ] && { modprobe -d "$kdir" vfio-pci || echo "NVMe lab: modprobe vfio-pci failed"; }
sh "$root/lab/nvme/guest-tests.sh" > /dev/console 2>&1
echo "NVMe lab: guest done at $(cut -d' ' -f1 /proc/uptime)s"
sync; /bin/busybox poweroff -f
