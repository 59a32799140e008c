#!/usr/bin/env bash
# Salimans et al. 2018 found OT-GAN's quality rising with the batch size. This
# script runs //replications:otgan_mnist over a grid of batch sizes at a short
# budget, one run folder per setting:
#   runs/otgan_batch_sweep/batch<B>/
# Each run then gets evaluated like any other (eval.json from the shared step),
# which gives the metric-vs-batch-size curve.
#
# Usage: scripts/otgan_batch_sweep.sh [--dry-run] [--steps=N] [--batches="32 64 128 256"]
#                                     [--out=runs/otgan_batch_sweep] [-- EXTRA_FLAGS...]
# Defaults: 4 batch sizes x 240 generator steps, each scored on 5000 samples.
# The committed sweep (results/otgan_batch_sweep) was run with the earlier nets
# (transposed-conv generator, 256-d signed embedding, no EMA) at 240 steps; the
# nets now follow openai/ot-gan's dcgan.py (lib/nn/otgan_nets.h) and
# otgan_mnist's cpu budget is 1000 steps at batch 64, so rerun the sweep before
# comparing it with a new otgan_mnist run. The time per step grows with the
# batch (the nets dominate). --dry-run prints the commands only.
set -euo pipefail

dry_run=0
steps=240
batches="32 64 128 256"
out=runs/otgan_batch_sweep
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --steps=*) steps="${1#*=}" ;;
    --batches=*) batches="${1#*=}" ;;
    --out=*) out="${1#*=}" ;;
    --) shift; extra=("$@"); break ;;
    *) echo "otgan_batch_sweep.sh: unknown argument '$1' (see the header for usage)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "otgan_batch_sweep.sh: --steps=$steps: expected a positive integer" >&2; exit 2; }

cd "$(dirname "$0")/.."
run() {
  echo "$*"
  if [[ $dry_run -eq 0 ]]; then "$@"; fi
}
if [[ $dry_run -eq 0 ]]; then
  run bazel build -c opt //replications:otgan_mnist
fi
for b in $batches; do
  run bazel run -c opt //replications:otgan_mnist -- --budget=cpu --steps="$steps" \
    --batch_size="$b" --out="$out/batch${b}" "${extra[@]}"
done
