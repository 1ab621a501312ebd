#!/usr/bin/env bash
# Device faults without device-mapper (kernels built without it, as on the project's machines):
# a loop-device ext4 (scripts/loop-ext4.sh) whose device is cut short under a mounted file
# system. The loop device's size limit is lowered (LOOP_SET_STATUS64, as losetup --sizelimit
# does at setup) so every sector from START on lies past the end of the device: the block layer
# fails those reads (EIO, "attempt to access beyond end of device"), and a read of the block
# device itself past its end returns nothing. The image is not touched: heal restores the limit
# and every byte reads again. Less precise than dm-error (a range, not the whole tail) but real.
#
#   loop-fault.sh up NAME [SIZE_MIB]   loop-ext4.sh up; prints the mount point
#   loop-fault.sh cut NAME START       sectors (512 B) from START on fail
#   loop-fault.sh heal NAME            the whole device again
#   loop-fault.sh dev NAME             the loop device
#   loop-fault.sh down NAME            loop-ext4.sh down
# Exit status 3 with the reason on stderr where it cannot be done here (callers skip).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmd=${1:-}; name=${2:-}
[[ -n "$cmd" && -n "$name" ]] || { echo "usage: $0 up|cut|heal|dev|down NAME ..." >&2; exit 2; }

sizelimit() { # $1 device, $2 limit in bytes (0: the whole backing file)
  command -v python3 >/dev/null 2>&1 || { echo "loop-fault: python3 is needed for the loop ioctl" >&2; exit 3; }
  python3 - "$1" "$2" <<'EOF'
import fcntl, os, struct, sys
LOOP_SET_STATUS64, LOOP_GET_STATUS64 = 0x4C04, 0x4C05
dev, limit = sys.argv[1], int(sys.argv[2])
fd = os.open(dev, os.O_RDONLY)
try:
    info = bytearray(232)  # struct loop_info64
    fcntl.ioctl(fd, LOOP_GET_STATUS64, info)
    struct.pack_into("<Q", info, 32, limit)  # lo_sizelimit, after lo_device, lo_inode, lo_rdevice, lo_offset
    fcntl.ioctl(fd, LOOP_SET_STATUS64, bytes(info))
finally:
    os.close(fd)
EOF
  blockdev --flushbufs "$1" 2>/dev/null || true
}

case "$cmd" in
  up)
    mnt=$(bash "$here/loop-ext4.sh" up "$name" "${3:-256}")
    # No atime updates: a read must not make the journal write to sectors that are cut off.
    mount -o remount,noatime "$mnt"
    echo "$mnt"
    ;;
  dev) bash "$here/loop-ext4.sh" dev "$name" ;;
  cut)
    start=${3:?START sector}
    dev=$(bash "$here/loop-ext4.sh" dev "$name")
    sync -f "${HOMI_LOOP_BASE:-/var/tmp/homi-loop}/$name" # nothing left to write past the cut
    sizelimit "$dev" $((start * 512))
    have=$(blockdev --getsz "$dev")
    (( have == start )) || { echo "loop-fault: $dev has $have sectors after the cut, not $start" >&2; exit 1; }
    ;;
  heal)
    dev=$(bash "$here/loop-ext4.sh" dev "$name")
    sizelimit "$dev" 0
    ;;
  down)
    if dev=$(bash "$here/loop-ext4.sh" dev "$name" 2>/dev/null); then sizelimit "$dev" 0 || true; fi
    bash "$here/loop-ext4.sh" down "$name"
    ;;
  *) echo "usage: $0 up|cut|heal|dev|down NAME ..." >&2; exit 2 ;;
esac
