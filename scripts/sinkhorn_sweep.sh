#!/usr/bin/env bash
# Genevay et al. 2018, the effect of eps and L: runs //replications:sinkhorn_gan_mnist
# over a grid of entropic regularisations eps and Sinkhorn iteration counts L at
# a short budget, one run folder per setting:
#   runs/sinkhorn_gan_sweep/eps<E>_L<L>/  (metrics.csv loss curve, samples_final.png, ...)
#
# Usage: scripts/sinkhorn_sweep.sh [--dry-run] [--steps=N] [--eps="0.1 1 10 100"] [--iters="1 10 50"]
#                                  [--out=runs/sinkhorn_gan_sweep] [-- EXTRA_FLAGS...]
# SINKHORN_GAN_BIN=/path/to/sinkhorn_gan_mnist runs a prebuilt binary instead of
# `bazel run` (so a long sweep is not affected by rebuilds of the checkout).
# Defaults: 12 settings x 1500 steps (about 2.5-3 min each at ~0.1 s/step on
# 2 cores, so roughly 35 minutes in all). --dry-run prints the commands only.
set -euo pipefail

dry_run=0
steps=1500
eps_grid="0.1 1 10 100"
iter_grid="1 10 50"
out=runs/sinkhorn_gan_sweep
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --steps=*) steps="${1#*=}" ;;
    --eps=*) eps_grid="${1#*=}" ;;
    --iters=*) iter_grid="${1#*=}" ;;
    --out=*) out="${1#*=}" ;;
    --) shift; extra=("$@"); break ;;
    *) echo "sinkhorn_sweep.sh: unknown argument '$1' (see the header for usage)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "sinkhorn_sweep.sh: --steps=$steps: expected a positive integer" >&2; exit 2; }

cd "$(dirname "$0")/.."
run() {
  echo "$*"
  if [[ $dry_run -eq 0 ]]; then "$@"; fi
}
if [[ -n "${SINKHORN_GAN_BIN:-}" ]]; then
  [[ -x "$SINKHORN_GAN_BIN" ]] || { echo "sinkhorn_sweep.sh: SINKHORN_GAN_BIN=$SINKHORN_GAN_BIN is not an executable" >&2; exit 2; }
  launcher=("$SINKHORN_GAN_BIN")
else
  if [[ $dry_run -eq 0 ]]; then
    run bazel build -c opt //replications:sinkhorn_gan_mnist
  fi
  launcher=(bazel run -c opt //replications:sinkhorn_gan_mnist --)
fi
for e in $eps_grid; do
  for l in $iter_grid; do
    run "${launcher[@]}" --budget=cpu --steps="$steps" \
      --sinkhorn_eps="$e" --sinkhorn_iters="$l" --out="$out/eps${e}_L${l}" "${extra[@]}"
  done
done
