#!/usr/bin/env bash
# Salimans et al. 2018 found OT-GAN's quality rising with the batch size. This
# script runs //replications:otgan_mnist over a grid of batch sizes and seeds
# at equal generator steps, one run folder per setting:
#   runs/otgan_batch_sweep/seed<S>/batch<B>/
# Each run is evaluated at its end (eval.json) and has its evaluation curve
# (eval_curve.csv: W1/FID of 1000 samples against training seconds), which
# gives both comparisons: at equal steps (eval.json) and at equal wall-clock
# (the curves, figure sweep_otgan_batch_time). Collect a finished run with
#   scripts/collect_results.sh runs/otgan_batch_sweep/seed<S>/batch<B> \
#       results/otgan_batch_sweep/batch<B>_seed<S> "COMMAND # wall ..."
#
# Usage: scripts/otgan_batch_sweep.sh [--dry-run] [--steps=N] [--batches="32 64 128 256"]
#            [--seeds="0 1"] [--out=runs/otgan_batch_sweep] [-- EXTRA_FLAGS...]
# Defaults: 4 batch sizes x 2 seeds x 1000 generator steps (otgan_mnist's cpu
# budget), one thread each (two sweeps side by side on 2 cores: run one per
# seed with --seeds=0 and --seeds=1). The time per step grows with the batch
# (one thread here: ~0.5 s at 32, 0.8 s at 64, 1.5 s at 128). --dry-run
# prints the commands only.
set -euo pipefail

dry_run=0
steps=1000
seeds="0 1"
batches="32 64 128 256"
out=runs/otgan_batch_sweep
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --steps=*) steps="${1#*=}" ;;
    --batches=*) batches="${1#*=}" ;;
    --seeds=*) seeds="${1#*=}" ;;
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
for seed in $seeds; do
  for b in $batches; do
    run bazel run -c opt //replications:otgan_mnist -- --budget=cpu --threads=1 --steps="$steps" \
      --batch_size="$b" --seed="$seed" --out="$out/seed${seed}/batch${b}" "${extra[@]}"
  done
done
