#!/usr/bin/env bash
# gpu-discovery.sh: Spark's GPU discovery script for standalone / local-cluster / YARN executors with GPUs.
# Prints the ResourceInformation JSON Spark expects, one address per GPU this process may use:
#   {"name":"gpu","addresses":["0","1"]}
# The addresses are CUDA device ordinals, which HOMI opens for the tasks Spark assigns them to
# (homi.output=gpu / gpu-or-host). With CUDA_VISIBLE_DEVICES set, CUDA numbers the visible GPUs 0..k-1,
# so those are printed (not nvidia-smi's indices of the whole machine).
# Use (per worker or executor):
#   spark.worker.resource.gpu.amount=N  spark.worker.resource.gpu.discoveryScript=/path/scripts/gpu-discovery.sh
#   spark.executor.resource.gpu.amount=1  spark.task.resource.gpu.amount=<1/tasks per GPU>
#   (executors: spark.executor.resource.gpu.discoveryScript=/path/scripts/gpu-discovery.sh)
# Exits 1 with the reason on stderr when no GPU can be listed: Spark then fails the executor, naming the script.
set -euo pipefail
SMI=${NVIDIA_SMI:-nvidia-smi}
if ! command -v "$SMI" >/dev/null 2>&1; then
  echo "gpu-discovery.sh: $SMI not found: no NVIDIA driver on $(hostname)" >&2
  exit 1
fi
if ! indices=$("$SMI" --query-gpu=index --format=csv,noheader 2>&1); then
  echo "gpu-discovery.sh: $SMI failed: $indices" >&2
  exit 1
fi
mapfile -t all < <(printf '%s\n' "$indices" | tr -d ' \r' | grep -E '^[0-9]+$' || true)
if ((${#all[@]} == 0)); then
  echo "gpu-discovery.sh: $SMI lists no GPU" >&2
  exit 1
fi
addresses=()
if [[ -n ${CUDA_VISIBLE_DEVICES:-} ]]; then
  IFS=, read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  for i in "${!visible[@]}"; do
    [[ ${visible[$i]} =~ ^-?[0-9]+$ && ${visible[$i]} -lt 0 ]] && break  # CUDA stops at the first invalid entry
    addresses+=("$i")
  done
else
  addresses=("${all[@]}")
fi
out=""
for a in "${addresses[@]}"; do out="$out${out:+,}\"$a\""; done
echo "{\"name\":\"gpu\",\"addresses\":[$out]}"
