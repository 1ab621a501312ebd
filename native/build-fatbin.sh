#!/usr/bin/env bash
# Builds every CUDA source under $1 into one fatbin at $2/homi.fatbin:
# real code for sm_80 (A100) and sm_90 (H100/H200), plus compute_90 PTX for newer chips.
# Without nvcc the build goes on without kernels and says so; the runtime reports it.
set -euo pipefail
src=$1; out=$2
NVCC=${NVCC:-$(command -v nvcc || true)}
[[ -z $NVCC && -x /usr/local/cuda/bin/nvcc ]] && NVCC=/usr/local/cuda/bin/nvcc
if [[ -z $NVCC ]]; then
  echo "[homi-native] nvcc not found: building without GPU kernels (the runtime will report 'no kernels')"
  exit 0
fi
mkdir -p "$out"
shopt -s nullglob
sources=("$src"/*.cu)
if (( ${#sources[@]} == 0 )); then echo "[homi-native] no CUDA sources"; exit 0; fi
# One translation unit keeps a single fatbin module to load; the sources include each other.
newest=$(ls -t "${sources[@]}" "$src"/*.cuh 2>/dev/null | head -1)
if [[ -f $out/homi.fatbin && $out/homi.fatbin -nt $newest ]]; then
  echo "[homi-native] homi.fatbin up to date"; exit 0
fi
"$NVCC" --fatbin -O3 -std=c++17 \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$out/homi.fatbin" "$src/homi_kernels.cu"
echo "[homi-native] built $(stat -c %s "$out/homi.fatbin") bytes: $out/homi.fatbin ($("$NVCC" --version | tail -1))"
