#!/usr/bin/env bash
# `scripts/launch_distributed.sh 2 <target> --budget=smoke` for the two mains
# with a distributed mode (otgan_mnist, wgan_gp_mnist): one run trained on the
# global batch of both ranks, rank 0 owns and evaluates the run folder, rank 1
# keeps its own checkpoints in rank_1/, both ranks report the same (global)
# losses, and a distributed run resumed from its checkpoints continues exactly
# as an uninterrupted one (issue 15). A target without a distributed mode
# refuses WORLD_SIZE > 1.
set -uo pipefail
launch="$1"; otgan="$2"; wgan_gp="$3"; toy="$4"
export OTGAN_DIST_TIMEOUT_S=60 OMP_NUM_THREADS=1 OTGAN_LAUNCH_NO_BUILD=1
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
common=(--budget=smoke --threads=1 --eval_samples=100 --data_dir="$PWD/../otgan_data")

# check NAME BINARY GLOBAL_BATCH FLAGS...
check() {
  local name="$1" bin="$2" global="$3"; shift 3
  local flags=("${common[@]}" "$@") whole="$tmp/${name}_whole" part="$tmp/${name}_part" out f
  out=$("$launch" 2 "$bin" "${flags[@]}" --steps=3 --out="$whole" 2>&1) || fail "$name, 2 ranks, 3 steps: $out"
  for f in manifest.json metrics.csv eval.json samples_final.png samples_eval.npy rank_1/checkpoints/ckpt_3.pt; do
    [[ -s "$whole/$f" ]] || fail "$name: $whole/$f missing after a distributed run: $out"
  done
  for f in eval.json samples_final.png samples_eval.npy eval_curve.csv; do
    [[ ! -e "$whole/rank_1/$f" ]] || fail "$name: rank 1 wrote $f: only rank 0 evaluates"
  done
  grep -q '"distributed": "rank 0 of 2' "$whole/manifest.json" || fail "$name: manifest lacks the distributed fact"
  grep -q "\"global_batch_size\": \"$global\"" "$whole/manifest.json" || fail "$name: global batch is not $global"
  grep -q '"distributed": "rank 1 of 2' "$whole/rank_1/manifest.json" || fail "$name: rank 1's manifest"
  cmp -s <(cut -d, -f1,3- "$whole/metrics.csv") <(cut -d, -f1,3- "$whole/rank_1/metrics.csv") ||
    fail "$name: the ranks report different losses"

  # 2 steps, then --resume to 3: the same losses as the uninterrupted run.
  "$launch" 2 "$bin" "${flags[@]}" --steps=2 --out="$part" > "$tmp/$name.p1.log" 2>&1 ||
    fail "$name, first part: $(cat "$tmp/$name.p1.log")"
  out=$("$launch" 2 "$bin" "${flags[@]}" --steps=3 --out="$part" --resume 2>&1) || fail "$name, resume: $out"
  grep -q "resumed from .*ckpt_2.pt at step 2 of 3" <<<"$out" || fail "$name: no resume line: $out"
  cmp -s <(cut -d, -f1,3- "$whole/metrics.csv") <(cut -d, -f1,3- "$part/metrics.csv") ||
    fail "$name: resumed distributed run differs: $(diff <(cut -d, -f1,3- "$whole/metrics.csv") <(cut -d, -f1,3- "$part/metrics.csv"))"
  cmp -s <(cut -d, -f1,3- "$whole/rank_1/metrics.csv") <(cut -d, -f1,3- "$part/rank_1/metrics.csv") ||
    fail "$name: rank 1's resumed metrics differ"
  echo "$name: ok"
}
check otgan "$otgan" 32 --batch_size=16
check wgan_gp "$wgan_gp" 32 --batch_size=16 --log_every=1

# A single-process target refuses a world of 2 at once (exit 2, clear message).
out=$(RANK=0 WORLD_SIZE=2 "$toy" --budget=smoke --out="$tmp/toy" 2>&1); rc=$?
[[ $rc == 2 ]] || fail "wgan_gp_toy under WORLD_SIZE=2: exit $rc: $out"
grep -q "no distributed mode" <<<"$out" || fail "wgan_gp_toy's message: $out"
echo PASS
