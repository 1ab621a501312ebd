#!/usr/bin/env bash
# An ext4 whose sectors can be made to fail (issue 22, device faults). The stack, bottom up:
#   sparse image -> loop (backing) -> device-mapper "homi-NAME" (linear, or error/flakey over a
#   range) -> loop (--direct-io=on) -> ext4
# The upper loop device is what the file system sits on, so homi's Device path (which refuses a
# device-mapper device: its addresses are not one controller's) reads it by LBA like any loop
# disk, and every path's reads reach the dm table (direct I/O: no page cache of the dm device).
#
#   dm-fault.sh up NAME [SIZE_MIB]             build and mount; prints the mount point
#   dm-fault.sh fail NAME START COUNT [error|flakey]
#                                             512-byte sectors [START, START+COUNT) of the file
#                                             system's device fail every I/O (flakey: down all the time)
#   dm-fault.sh heal NAME                      all sectors readable again
#   dm-fault.sh dev NAME                       the device the file system sits on
#   dm-fault.sh down NAME                      unmount and remove everything (idempotent)
#
# Exit status 3, with the reason on stderr, where it cannot be done here (not root, no dmsetup
# and apt-get cannot install it, a kernel without device-mapper, no loop devices): callers skip.
set -euo pipefail
BASE=${HOMI_DM_BASE:-/var/tmp/homi-dm}
cmd=${1:-}; name=${2:-}
[[ -n "$cmd" && -n "$name" && "$name" =~ ^[A-Za-z0-9._-]+$ ]] || {
  echo "usage: $0 up|fail|heal|dev|down NAME ..." >&2; exit 2; }
img=$BASE/$name.img
mnt=$BASE/$name
dm=homi-$name
state=$BASE/$name.state # "BACKING_LOOP UPPER_LOOP SECTORS"
unavailable() { echo "dm-fault: $*" >&2; exit 3; }
# udev may not run here (containers): never wait for its cookies, make the /dev/mapper node ourselves.
dmq() { dmsetup --noudevsync "$@"; }

load_table() { # $1: the table text
  dmq suspend "$dm"
  printf '%s\n' "$1" | dmq reload "$dm"
  dmq resume "$dm"
}

case "$cmd" in
  up)
    size=${3:-256}
    (( EUID == 0 )) || unavailable "not root (uid $EUID): losetup, dmsetup and mount need root"
    for t in losetup mkfs.ext4 mount mountpoint blockdev; do
      command -v "$t" >/dev/null 2>&1 || unavailable "$t is not installed (util-linux / e2fsprogs)"
    done
    if ! command -v dmsetup >/dev/null 2>&1; then
      { apt-get install -y -q dmsetup >&2 || { apt-get update -q >&2 && apt-get install -y -q dmsetup >&2; }; } \
        || unavailable "dmsetup is not installed and apt-get could not install it"
    fi
    [[ -e /dev/mapper/control ]] || modprobe dm-mod >/dev/null 2>&1 || true
    out=$(dmsetup targets 2>&1) || unavailable "device-mapper is not available in kernel $(uname -r): $(head -1 <<<"$out")"
    grep -q '^error' <<<"$out" || unavailable "the kernel's device-mapper has no error target"
    mkdir -p "$BASE" "$mnt"
    if mountpoint -q "$mnt"; then echo "$mnt"; exit 0; fi
    bash "$0" down "$name" >/dev/null 2>&1 || true # leftovers of an interrupted run
    mkdir -p "$BASE" "$mnt"
    truncate -s "${size}M" "$img"
    lower=$(losetup -f --show "$img" 2>&1) || { rm -f "$img"; unavailable "losetup refused: $lower"; }
    sectors=$(blockdev --getsz "$lower")
    if ! out=$(dmq create "$dm" --table "0 $sectors linear $lower 0" 2>&1); then
      losetup -d "$lower"; rm -f "$img"; unavailable "dmsetup create refused: $out"
    fi
    dmq mknodes "$dm" >/dev/null 2>&1 || true
    if ! upper=$(losetup -f --show --direct-io=on "/dev/mapper/$dm" 2>&1); then
      dmq remove "$dm" || true; losetup -d "$lower"; rm -f "$img"; unavailable "losetup over /dev/mapper/$dm refused: $upper"
    fi
    echo "$lower $upper $sectors" >"$state"
    mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$upper" >&2
    mount -t ext4 "$upper" "$mnt"
    echo "$mnt"
    ;;
  fail)
    start=${3:?START sector}; count=${4:?COUNT sectors}; target=${5:-error}
    read -r lower upper sectors <"$state"
    (( start >= 0 && count > 0 && start + count <= sectors )) || { echo "dm-fault: range outside 0..$sectors" >&2; exit 2; }
    case "$target" in
      error) bad="$start $count error" ;;
      flakey) bad="$start $count flakey $lower $start 0 1" ;; # up 0 s, down 1 s: every I/O fails
      *) echo "dm-fault: target error or flakey" >&2; exit 2 ;;
    esac
    table=""
    (( start > 0 )) && table="0 $start linear $lower 0"$'\n'
    table+="$bad"
    rest=$((start + count))
    (( rest < sectors )) && table+=$'\n'"$rest $((sectors - rest)) linear $lower $rest"
    load_table "$table"
    ;;
  heal)
    read -r lower upper sectors <"$state"
    load_table "0 $sectors linear $lower 0"
    ;;
  dev)
    read -r lower upper sectors <"$state"
    echo "$upper"
    ;;
  down)
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt"; fi
    if [[ -f "$state" ]]; then
      read -r lower upper sectors <"$state" || true
      [[ -n "${upper:-}" ]] && losetup -d "$upper" 2>/dev/null || true
    fi
    if command -v dmsetup >/dev/null 2>&1 && dmsetup info "$dm" >/dev/null 2>&1; then
      dmq resume "$dm" 2>/dev/null || true
      dmq remove "$dm" || true
    fi
    for dev in $(losetup -j "$img" 2>/dev/null | cut -d: -f1); do losetup -d "$dev" || true; done
    rm -f "$img" "$state"; rmdir "$mnt" 2>/dev/null || true
    ;;
  *) echo "usage: $0 up|fail|heal|dev|down NAME ..." >&2; exit 2 ;;
esac
