#!/usr/bin/env bash
# Regenerates the fixture results folder of //tests/figures from real
# --budget=smoke runs (each evaluated by the run itself, so every eval.json is
# what //eval:evaluate wrote). Takes about 4 minutes on the 2-core machine
# (most of it the 5000-sample evaluation of the sinkhorn_gan_mnist run).
#
# Usage: scripts/make_figures_fixture.sh [--keep_runs]
#   Builds the targets it needs, runs them under a temporary folder and replaces
#   tests/figures/testdata/results/{wgan_gp_toy,otgan_mog,sinkhorn_gan_mnist,
#   sinkhorn_gan_sweep,otgan_batch_sweep} in one step per folder. The bench
#   jsonl files in the fixture are left alone (`bench/sinkhorn --quick` output).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[[ "${1:-}" == "--keep_runs" ]] && keep=1
die() { echo "make_figures_fixture.sh: $*" >&2; exit 1; }

bazel build //replications:wgan_gp_toy //replications:otgan_mog //replications:sinkhorn_gan_mnist \
  //replications:otgan_mnist >/dev/null 2>&1 || die "bazel build of the replication targets failed"
bin=$(bazel info bazel-bin 2>/dev/null)/replications
fixture=tests/figures/testdata/results
work=$(mktemp -d /tmp/figures_fixture.XXXXXX)
[[ $keep -eq 1 ]] || trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=passive

# run NAME RESULT_SUBDIR TARGET FLAGS...
run() {
  local name=$1 dest=$2 target=$3; shift 3
  echo "make_figures_fixture.sh: $target --budget=smoke $* -> $fixture/$dest"
  "$bin/$target" --budget=smoke --threads=1 --seed=0 --data_dir="$PWD/data" --out="$work/$name" "$@" \
    >"$work/$name.log" 2>&1 || { tail -5 "$work/$name.log" >&2; die "$target failed (log: $work/$name.log)"; }
  scripts/collect_results.sh "$work/$name" "$work/collected/$dest" \
    "bazel run //replications:$target -- --budget=smoke --threads=1 --seed=0 $*" >/dev/null
}

run toy wgan_gp_toy wgan_gp_toy --dataset=8gaussians
run mog otgan_mog otgan_mog
# Scored on 5000 samples so its W1 follows the Laschos protocol (the floor macro).
run sg sinkhorn_gan_mnist sinkhorn_gan_mnist --eval_samples=5000
run sg_e10 sinkhorn_gan_sweep/eps10_L10 sinkhorn_gan_mnist --sinkhorn_eps=10 --sinkhorn_iters=10
run sg_e1 sinkhorn_gan_sweep/eps1_L50 sinkhorn_gan_mnist --sinkhorn_eps=1 --sinkhorn_iters=50
run ob16 otgan_batch_sweep/batch16 otgan_mnist --batch_size=16
run ob32 otgan_batch_sweep/batch32 otgan_mnist --batch_size=32

for d in wgan_gp_toy otgan_mog sinkhorn_gan_mnist sinkhorn_gan_sweep otgan_batch_sweep; do
  rm -rf "$fixture/$d.old"
  [[ -e "$fixture/$d" ]] && mv "$fixture/$d" "$fixture/$d.old"
  cp -r "$work/collected/$d" "$fixture/$d"
  rm -rf "$fixture/$d.old"
done
echo "make_figures_fixture.sh: fixture regenerated ($(du -sh "$fixture" | cut -f1)); run bazel test //tests/figures:all"
