#!/usr/bin/env bash
# The NVMe lab: boots a QEMU guest (Debian's qemu-system-x86 and kernel packages, a busybox
# initramfs; TCG, no KVM needed) with an emulated NVMe controller whose namespace carries an ext4,
# the host's / shared read-only over 9p so the guest runs the host's Java and this checkout's
# compiled classes, runs the runtime's NVMe tests in it and prints their JUnit-style summary.
# Where QEMU's nvme device has SR-IOV (QEMU 7.1+), the controller sits in an NVMe subsystem behind
# an emulated IOMMU with one virtual function's worth of flexible resources, so the same guest also
# runs the VF path (HOMI_LAB_SRIOV=0 boots the plain controller instead):
#   NVMe lab: N passed, N failed, N skipped (wall Ns)
#
#   lab/nvme/run.sh [TestClass...]   default: the classes in DEFAULT_TESTS below
#
# Needs the runtime built (mvn package: homi-runtime/target/{classes,test-classes,test.classpath}).
# Installs what is missing with apt-get (qemu-system-x86, busybox-static, cpio, kmod, e2fsprogs);
# the kernel package is downloaded once into $HOMI_LAB_CACHE (default /var/cache/homi-nvme-lab).
# Exit status: 0 all passed; 1 a test failed or the guest did not report; 3 the lab cannot run here
# (the reason is printed; callers such as bin/test skip the lab then).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lab=$root/lab/nvme
CACHE=${HOMI_LAB_CACHE:-/var/cache/homi-nvme-lab}
WORK=${HOMI_LAB_WORK:-/var/tmp/homi-nvme-lab/$(printf '%s' "$root" | cksum | cut -d' ' -f1)}
TIMEOUT=${HOMI_LAB_TIMEOUT:-900}
DEFAULT_TESTS=(
  io.homi.runtime.mediator.VfCrashRecoveryTest
  io.homi.runtime.mediator.VfPathTest
  io.homi.runtime.mediator.VfParquetTest
  io.homi.runtime.mediator.PassthroughPathTest
  io.homi.runtime.os.IoUringPassthroughTest
  io.homi.runtime.control.DevicePathTest
  io.homi.runtime.io.DevicePolicyTest
  io.homi.runtime.control.BlockDeviceTest
)
tests=("$@"); (( ${#tests[@]} )) || tests=("${DEFAULT_TESTS[@]}")
say() { echo "[nvme-lab] $*"; }
cannot() { echo "[nvme-lab] skipped: $*" >&2; exit 3; }

# --- tools -----------------------------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[[ -x /bin/busybox ]] && /bin/busybox --list 2>/dev/null | grep -qx switch_root || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v nvme >/dev/null || need+=(nvme-cli)
if (( ${#need[@]} )); then
  (( EUID == 0 )) && command -v apt-get >/dev/null || cannot "missing ${need[*]} and cannot apt-get them (not root or no apt-get)"
  say "installing ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2 \
    || cannot "apt-get install ${need[*]} failed"
fi
rt=$root/homi-runtime/target
[[ -f $rt/test.classpath && -d $rt/test-classes/io/homi/runtime/lab ]] \
  || cannot "the runtime is not built: run mvn package (or bin/test) first ($rt/test.classpath missing)"

# --- kernel (cached) ---------------------------------------------------------------------------
mkdir -p "$CACHE" 2>/dev/null && [[ -w $CACHE ]] || cannot "cannot write $CACHE (set HOMI_LAB_CACHE to a writable folder)"
mkdir -p "$(dirname "$WORK")" 2>/dev/null && [[ -w $(dirname "$WORK") ]] || cannot "cannot write $(dirname "$WORK") (set HOMI_LAB_WORK)"
pkg=$(cat "$CACHE/kernel-package" 2>/dev/null || true)
if [[ -z "$pkg" ]] || ! ls "$CACHE"/kernel/"${pkg#linux-image-}"/boot/vmlinuz-* >/dev/null 2>&1; then
  command -v apt-get >/dev/null || cannot "no apt-get to download a Debian kernel package"
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [[ -n "$pkg" ]] || { apt-get update -qq >&2 || true; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
  [[ -n "$pkg" ]] || cannot "no Debian kernel package found (apt-cache depends linux-image-amd64)"
  say "downloading $pkg into $CACHE"
  (cd "$CACHE" && ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -qq "$pkg" >&2) || cannot "apt-get download $pkg failed"
  kv=${pkg#linux-image-}
  rm -rf "$CACHE/kernel/$kv"; mkdir -p "$CACHE/kernel/$kv"
  dpkg -x "$(ls "$CACHE"/"${pkg}"_*.deb | head -1)" "$CACHE/kernel/$kv"
  depmod -b "$CACHE/kernel/$kv" "$kv"
  echo "$pkg" > "$CACHE/kernel-package"
fi
kv=${pkg#linux-image-}
kdir=$CACHE/kernel/$kv
vmlinuz=$kdir/boot/vmlinuz-$kv

# --- initramfs: busybox + virtio/9p modules; mounts the host's / over 9p and switch_roots into it
rm -rf "$WORK"; mkdir -p "$WORK/initramfs"
ir=$WORK/initramfs
mkdir -p "$ir"/{bin,mods,proc,sys,dev,newroot}
cp /bin/busybox "$ir/bin/busybox"
for a in sh mount mkdir insmod switch_root echo cat poweroff; do ln -s busybox "$ir/bin/$a"; done
km=$kdir/lib/modules/$kv/kernel
for m in drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko drivers/virtio/virtio_pci_modern_dev.ko \
         drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko \
         fs/netfs/netfs.ko fs/fscache/fscache.ko net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko; do
  [[ -f $km/$m ]] || continue # built into this kernel, or not needed by it
  cp "$km/$m" "$ir/mods/"; basename "$m" >> "$ir/mods/order"
done
cat > "$ir/init" <<EOS
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in \$(cat /mods/order); do insmod /mods/\$m; done
O=trans=virtio,version=9p2000.L,msize=1048576
mount -t 9p -o \$O,ro,cache=loose hostroot /newroot || { echo "NVMe lab: 9p root mount failed"; poweroff -f; }
mount -t tmpfs tmp /newroot/tmp; mkdir -p /newroot/tmp/lab
mount -t 9p -o \$O,cache=none lab /newroot/tmp/lab
# The checkout again at its own path: the tmpfs on /tmp would hide a checkout under /tmp.
mkdir -p /newroot$root 2>/dev/null; mount -t 9p -o \$O,ro,cache=loose checkout /newroot$root
[ -f /newroot$lab/guest-init.sh ] || { echo "NVMe lab: $lab/guest-init.sh is not visible in the guest"; poweroff -f; }
mount -t tmpfs run /newroot/run  # /root stays the host's, read-only: its .m2 holds the test classpath's jars
mount --move /proc /newroot/proc; mount --move /sys /newroot/sys; mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh $lab/guest-init.sh
EOS
chmod +x "$ir/init"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.cpio.gz"
rm -rf "$ir"

# --- the NVMe namespace: a sparse raw image with an ext4 made on the host (faster than in TCG)
truncate -s 2G "$WORK/nvme.img"
mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$WORK/nvme.img"
printf '%s\n' "${tests[@]}" > "$WORK/tests"
# SR-IOV topology (QEMU calls its NVMe SR-IOV experimental; 7.1 and later have it): a vIOMMU so
# vfio-pci can take the VF, a root port for the controller, an NVMe subsystem whose shared namespace
# the VF sees too, and flexible resources for one VF (2 queues: admin + 1 I/O; 1 interrupt).
# nvme_core.multipath=N keeps the namespace named after its controller (nvme0n1, as without it).
sriov=${HOMI_LAB_SRIOV:-1}
if [[ $sriov == 1 ]] && ! qemu-system-x86_64 -device nvme,help 2>/dev/null | grep -q sriov_max_vfs; then
  say "this QEMU's nvme device has no SR-IOV: booting the plain controller (VF tests will fail)"; sriov=0
fi
if [[ $sriov == 1 ]]; then
  nvme_args=(-device intel-iommu,intremap=on -device pcie-root-port,id=rp0,chassis=1,slot=1
    -device nvme-subsys,id=subsys0,nqn=homi-lab-subsys
    -device nvme,id=nvme0,serial=homi-lab-0,subsys=subsys0,bus=rp0,sriov_max_vfs=1,sriov_vq_flexible=2,sriov_vi_flexible=1
    -device nvme-ns,drive=nv0,bus=nvme0,nsid=1,shared=on)
  append_extra="intel_iommu=on iommu=pt nvme_core.multipath=N"
  machine=q35
else
  nvme_args=(-device nvme,serial=homi-lab-0,drive=nv0); append_extra=""; machine=q35
fi
printf 'root=%s\nkdir=%s\nsriov=%s\n' "$root" "$kdir" "$sriov" > "$WORK/env"

# --- boot ----------------------------------------------------------------------------------------
say "booting $kv with an emulated NVMe controller$( ((sriov)) && echo " with SR-IOV") (TCG; log: $WORK/console.log)"
start=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -machine "$machine" -accel tcg,thread=multi -cpu max -smp 2 -m "${HOMI_LAB_MEM:-3G}" \
  -nographic -no-reboot -serial "file:$WORK/console.log" -monitor none \
  -kernel "$vmlinuz" -initrd "$WORK/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 loglevel=4 $append_extra" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$WORK,mount_tag=lab,security_model=none,multidevs=remap" \
  -virtfs "local,path=$root,mount_tag=checkout,security_model=none,readonly=on,multidevs=remap" \
  -drive "file=$WORK/nvme.img,if=none,id=nv0,format=raw,cache=none,aio=threads" \
  "${nvme_args[@]}" >"$WORK/qemu.log" 2>&1
qrc=$?
set -e
wall=$(( $(date +%s) - start ))
grep -E '^(LAB |NVMe lab|DOCTOR)|HOMI can read' "$WORK/console.log" | sed 's/\r$//' || true
summary=$(grep -ao 'LAB SUMMARY: .*' "$WORK/console.log" | tail -1 | tr -d '\r' || true)
if [[ -z "$summary" ]]; then
  echo "[nvme-lab] the guest reported no summary (qemu exit $qrc after ${wall}s); last console lines:" >&2
  tail -30 "$WORK/console.log" >&2 || true; cat "$WORK/qemu.log" >&2 || true
  grep -qi 'could not\|failed to\|error' "$WORK/qemu.log" 2>/dev/null && [[ ! -s $WORK/console.log ]] \
    && cannot "QEMU did not start: $(head -3 "$WORK/qemu.log")"
  exit 1
fi
[[ -n ${HOMI_LAB_KEEP:-} ]] || rm -f "$WORK/nvme.img"
# Every LAB TEST line counts: the JUnit runner's and the guest script's own checks (doctor).
count() { grep -ac "^LAB TEST $1" "$WORK/console.log" || true; }
passed=$(count PASSED); failed=$(count FAILED); skipped=$(count SKIPPED)
echo "NVMe lab: $passed passed, $failed failed, $skipped skipped (wall ${wall}s)"
(( failed == 0 && passed > 0 )) || exit 1
