#!/usr/bin/env bash
# Installs the tools the control-plane tests compare against: filefrag (e2fsprogs) and fio.
# Idempotent: does nothing when both are present; uses apt-get only for what is missing.
set -euo pipefail
missing=()
command -v filefrag >/dev/null 2>&1 || [[ -x /usr/sbin/filefrag ]] || missing+=(e2fsprogs)
command -v fio >/dev/null 2>&1 || missing+=(fio)
if (( ${#missing[@]} == 0 )); then
  echo "[install-test-tools] filefrag and fio already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[install-test-tools] missing ${missing[*]} and no apt-get here: install them by hand" >&2
  exit 1
fi
sudo=()
(( EUID == 0 )) || sudo=(sudo)
echo "[install-test-tools] installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
