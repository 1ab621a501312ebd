#!/usr/bin/env bash
# A loop-mounted ext4 file system: a real block device (/dev/loopN) under a real ext4, so the
# Device path (O_DIRECT reads by LBA through FIEMAP extents) runs on any machine where we are root.
# Reusable by anything that needs a block device of its own (device-fault tests with dm-setup can
# stack on `dev NAME`).
#
#   loop-ext4.sh up NAME [SIZE_MIB]   attach + mount (idempotent); prints the mount point on stdout
#   loop-ext4.sh dev NAME             prints the loop device backing NAME
#   loop-ext4.sh down NAME            unmount, detach, delete the image (idempotent)
#
# The image is sparse: /var/tmp/homi-loop/NAME.img, mounted on /var/tmp/homi-loop/NAME.
# Exit status 3 (with the reason on stderr) where it cannot be done here: not root, no losetup or
# mkfs.ext4, no loop device; callers skip the device tests and print that reason.
set -euo pipefail
BASE=${HOMI_LOOP_BASE:-/var/tmp/homi-loop}
cmd=${1:-}; name=${2:-}
[[ -n "$cmd" && -n "$name" && "$name" =~ ^[A-Za-z0-9._-]+$ ]] || {
  echo "usage: $0 up|dev|down NAME [SIZE_MIB]   (NAME: letters, digits, . _ -)" >&2; exit 2; }
img=$BASE/$name.img
mnt=$BASE/$name
unavailable() { echo "loop-ext4: $*" >&2; exit 3; }

attached() { losetup -j "$img" 2>/dev/null | head -1 | cut -d: -f1; }

case "$cmd" in
  up)
    size=${3:-1024}
    (( EUID == 0 )) || unavailable "not root (uid $EUID): losetup and mount need root"
    for t in losetup mkfs.ext4 mount mountpoint blkid; do
      command -v "$t" >/dev/null 2>&1 || unavailable "$t is not installed (util-linux / e2fsprogs)"
    done
    mkdir -p "$BASE" "$mnt"
    if mountpoint -q "$mnt"; then echo "$mnt"; exit 0; fi
    fresh=0
    if [[ ! -f "$img" ]]; then truncate -s "${size}M" "$img"; fresh=1; fi
    dev=$(attached)
    if [[ -z "$dev" ]]; then
      dev=$(losetup -f --show "$img" 2>&1) || { rm -f "$img"; unavailable "losetup refused: $dev"; }
    fi
    # A fresh image, or one left half-made by an interrupted run, gets a file system.
    if (( fresh )) || ! blkid -p "$dev" >/dev/null 2>&1; then
      mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$dev" >&2 \
        || { losetup -d "$dev"; unavailable "mkfs.ext4 on $dev failed"; }
    fi
    out=$(mount -t ext4 "$dev" "$mnt" 2>&1) || { losetup -d "$dev"; unavailable "mount $dev on $mnt failed: $out"; }
    echo "$mnt"
    ;;
  dev)
    dev=$(attached); [[ -n "$dev" ]] || unavailable "$img is not attached"
    echo "$dev"
    ;;
  down)
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt"; fi
    for dev in $(losetup -j "$img" 2>/dev/null | cut -d: -f1); do losetup -d "$dev" || true; done
    rm -f "$img"; rmdir "$mnt" 2>/dev/null || true
    ;;
  *) echo "usage: $0 up|dev|down NAME [SIZE_MIB]" >&2; exit 2 ;;
esac
