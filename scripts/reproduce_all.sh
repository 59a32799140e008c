#!/usr/bin/env bash
# Runs every replication target at one budget, evaluates each run (the targets
# evaluate themselves at the end; eval.json lands in the run folder), copies
# the small committable files into results/<target>/ with the command that
# produced them, and rebuilds the figures and the report.
#
# Usage: scripts/reproduce_all.sh [--budget=smoke|cpu|paper] [--dry-run] [--only=REGEX]
#                                 [--skip-sweeps] [-- EXTRA_FLAGS...]
#   scripts/reproduce_all.sh --budget=cpu                # ~15 h on 2 cores (sweeps ~3 h more)
#   scripts/reproduce_all.sh --budget=smoke              # minutes: checks the pipeline
#   scripts/reproduce_all.sh --budget=cpu --only='wgan_gp_toy'
#
# Runs go one at a time (each uses all cores) into runs/<target>/<budget>[...];
# results/ is only written for a run that finished and was evaluated. A failed
# run stops the script with its exit code. Smoke results are not copied into
# results/ (they are not comparable numbers).
set -euo pipefail

budget=cpu
dry_run=0
only=""
sweeps=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --budget=*) budget="${1#*=}" ;;
    --dry-run) dry_run=1 ;;
    --only=*) only="${1#*=}" ;;
    --skip-sweeps) sweeps=0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "reproduce_all.sh: unknown argument '$1' (see the header for usage)" >&2; exit 2 ;;
  esac
  shift
done
case "$budget" in smoke|cpu|paper) ;; *)
  echo "reproduce_all.sh: --budget=$budget: expected smoke, cpu or paper" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=passive  # OpenMP spin-waiting slows runs 2-15x when anything else runs

# name | target | flags (one line per run)
RUNS=(
  "sinkhorn_gan_mnist|sinkhorn_gan_mnist|"
  "otgan_mnist|otgan_mnist|"
  "otgan_mog|otgan_mog|"
  "wgan_mnist|wgan_mnist|--eval_samples=50000"
  "wgan_gp_mnist|wgan_gp_mnist|--eval_samples=50000"
  "wgan_gp_toy_8gaussians|wgan_gp_toy|--dataset=8gaussians"
  "wgan_gp_toy_25gaussians|wgan_gp_toy|--dataset=25gaussians"
  "wgan_gp_toy_swissroll|wgan_gp_toy|--dataset=swissroll"
  "assigner_mnist_square|assigner_mnist|--cost=square --eval_samples=50000"
  "assigner_mnist_ssim|assigner_mnist|--cost=ssim --eval_samples=50000"
  "assigner_fashion_square|assigner_fashion|--cost=square --eval_samples=50000"
  "assigner_fashion_ssim|assigner_fashion|--cost=ssim --eval_samples=50000"
)

run() {
  echo "+ $*"
  if [[ $dry_run -eq 0 ]]; then "$@"; fi
}

if [[ $dry_run -eq 0 ]]; then
  run bazel build //replications:all //eval:evaluate
fi

for entry in "${RUNS[@]}"; do
  IFS='|' read -r name target flags <<<"$entry"
  if [[ -n "$only" && ! "$name" =~ $only ]]; then continue; fi
  out="runs/$name/$budget"
  # shellcheck disable=SC2206
  args=(--budget="$budget" --out="$out" $flags)
  args+=("${extra[@]}")
  start=$(date +%s)
  run bazel run //replications:"$target" -- "${args[@]}"
  if [[ $dry_run -eq 0 && "$budget" != smoke ]]; then
    secs=$(( $(date +%s) - start ))
    scripts/collect_results.sh "$out" "results/$name" \
      "OMP_WAIT_POLICY=passive bazel run //replications:$target -- ${args[*]}   (wall ${secs} s incl. evaluation, via scripts/reproduce_all.sh)"
  fi
done

if [[ $sweeps -eq 1 && -z "$only" ]]; then
  steps_flag=()
  [[ "$budget" == smoke ]] && steps_flag=(--steps=5)
  for script in scripts/sinkhorn_sweep.sh scripts/otgan_batch_sweep.sh; do
    if [[ $dry_run -eq 1 ]]; then
      "$script" --dry-run "${steps_flag[@]}"  # prints its commands
    else
      run "$script" "${steps_flag[@]}"
    fi
  done
  if [[ $dry_run -eq 0 && "$budget" != smoke ]]; then
    for sweep in sinkhorn_gan_sweep otgan_batch_sweep; do
      for d in runs/$sweep/*/; do
        d=${d%/}
        [[ -f "$d/eval.json" ]] || run bazel run //eval:evaluate -- --run="$d" --max_samples=1000
        scripts/collect_results.sh "$d" "results/$sweep/$(basename "$d")" \
          "scripts/$([[ $sweep == sinkhorn_gan_sweep ]] && echo sinkhorn_sweep.sh || echo otgan_batch_sweep.sh)   (setting $(basename "$d"), via scripts/reproduce_all.sh)"
      done
    done
  fi
fi

if [[ $dry_run -eq 0 ]]; then
  run bazel build //figures:all //report
  echo "reproduce_all.sh: done. Figures in bazel-bin/figures/all/, report in bazel-bin/report/report.pdf,"
  echo "results in results/ (commit them: they are small csv/json/png files)."
fi
