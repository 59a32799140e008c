#!/usr/bin/env bash
# Copies the small, committable files of a finished run folder into results/:
#   manifest.json (+ manifest_resume.json), metrics.csv, samples_final.png,
#   eval.json, eval_curve.csv (the evaluation curve written during training,
#   when the run has one), critic_surface.{npy,json} (toys), samples_eval.npy when it is
#   small (toys: N x 2 points, drawn by the figures over the true density), and
#   COMMAND (how it was made).
# Checkpoints, sample series and image .npy sample sets stay in the run folder.
#
# Usage: scripts/collect_results.sh RUN_DIR RESULTS_DIR "COMMAND THAT PRODUCED THE RUN"
#   scripts/collect_results.sh runs/sinkhorn_gan_mnist/cpu results/sinkhorn_gan_mnist \
#       "bazel run //replications:sinkhorn_gan_mnist -- --budget=cpu --threads=1"
set -euo pipefail

die() { echo "collect_results.sh: $*" >&2; exit 1; }
[[ $# -eq 3 ]] || die "usage: collect_results.sh RUN_DIR RESULTS_DIR COMMAND"
run=$1; dest=$2; cmd=$3
for f in manifest.json metrics.csv samples_final.png eval.json; do
  [[ -s "$run/$f" ]] || die "$run/$f is missing or empty: is the run finished and evaluated (bazel run //eval:evaluate -- --run=$run)?"
done

# What the figures read from the manifest (tools/figures/context.h): the
# facts that place the run in the report.
for fact in eval_dataset paper method; do
  python3 - "$run/manifest.json" "$fact" <<'PY' || die "$run/manifest.json: facts.$fact is missing: record it in the main's StartRun facts (see tools/figures/registry.h)"
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m.get("facts", {}).get(sys.argv[2]) else 1)
PY
done
# Committed results name no directory of this machine (paths are relative to
# the workspace root; lib/io/manifest.h, lib/eval/eval_report.h).
root=$(cd "$(dirname "$0")/.." && pwd)
for f in manifest.json manifest_resume.json eval.json; do
  if [[ -f "$run/$f" ]] && grep -q "$root/" "$run/$f"; then
    die "$run/$f holds the absolute path $root/: was it written before issue 13? (scripts/migrate_results_issue13.py)"
  fi
done

mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "${dest%/}.tmp.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
for f in manifest.json manifest_resume.json metrics.csv samples_final.png eval.json \
         eval_curve.csv critic_surface.npy critic_surface.json; do
  [[ -f "$run/$f" ]] && cp "$run/$f" "$tmp/$f"
done
# Toy sample sets are a few tens of kB; image sample sets (15 MB) stay behind.
if [[ -f "$run/samples_eval.npy" ]] && (( $(stat -c %s "$run/samples_eval.npy") <= 262144 )); then
  cp "$run/samples_eval.npy" "$tmp/samples_eval.npy"
fi
printf '%s\n' "$cmd" > "$tmp/COMMAND"
rm -rf "$dest"
mv "$tmp" "$dest"   # the results folder appears whole or not at all
trap - EXIT
echo "collect_results.sh: $run -> $dest ($(du -sh "$dest" | cut -f1))"
