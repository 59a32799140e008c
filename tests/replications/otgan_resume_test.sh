#!/usr/bin/env bash
# OT-GAN resume is bit-exact, generator EMA included: a run of 4 steps and a
# run of 2 steps resumed to 4 must leave byte-identical EMA sample grids
# (samples_final.npy), EMA evaluation samples (samples_eval.npy) and raw
# generator evaluation samples (raw/samples_eval.npy).
#
# Usage (from an sh_test): otgan_resume_test.sh BINARY [RUN_FLAGS...]
set -uo pipefail
bin="$1"; shift
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
common=(--budget=smoke --threads=1 --eval_samples=40 "$@")
fail() { echo "FAIL: $*" >&2; exit 1; }
"$bin" --out="$tmp/a" --steps=4 "${common[@]}" 2>"$tmp/a.log" || { cat "$tmp/a.log"; fail "uninterrupted run"; }
"$bin" --out="$tmp/b" --steps=2 "${common[@]}" 2>"$tmp/b1.log" || { cat "$tmp/b1.log"; fail "first half"; }
"$bin" --out="$tmp/b" --steps=4 --resume "${common[@]}" 2>"$tmp/b2.log" || { cat "$tmp/b2.log"; fail "resumed half"; }
grep -q "resumed from" "$tmp/b2.log" || fail "the second half did not resume"
for f in samples_final.npy samples_eval.npy raw/samples_eval.npy; do
  [[ -s "$tmp/a/$f" ]] || fail "missing $f"
  cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between the uninterrupted and the resumed run"
done
echo "PASS: resumed run is byte-identical (EMA and raw generator)"
