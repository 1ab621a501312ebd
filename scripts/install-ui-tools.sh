#!/usr/bin/env bash
# Installs what SparkUiIT drives the Spark UI with: headless Chromium (Debian's `chromium`) and a
# font for its screenshots. Idempotent: does nothing when chromium is on the PATH.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  echo "[install-ui-tools] chromium already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[install-ui-tools] chromium missing and no apt-get here: install Chromium by hand" >&2
  exit 1
fi
sudo=()
(( EUID == 0 )) || sudo=(sudo)
echo "[install-ui-tools] installing chromium"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
