#!/bin/bash
# A replication binary runs from any working directory: started in a fresh
# folder outside the workspace (no WORKSPACE above it), with --data_dir and
# --out given, an MNIST run trains, finds the evaluation classifier weights
# through its runfiles (not relative to the workspace) and writes eval.json.
# With the runfiles environment Bazel sets (the binary's own lookup through
# /proc/self/exe -> <binary>.runfiles/, used when a user starts
# bazel-bin/replications/... by hand, is not reachable inside the sandbox).
# Usage: any_cwd_test.sh <path to an MNIST replication binary> <data dir>
set -u
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
DATA="$(cd "$2" && pwd)"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail=0
export OMP_WAIT_POLICY=passive
for mode in bazel_env; do
  cwd="$T/elsewhere_$mode"
  rm -rf "$cwd"; mkdir -p "$cwd"; cd "$cwd"
  if [[ $mode == no_env ]]; then
    runner=(env -u RUNFILES_DIR -u RUNFILES_MANIFEST_FILE -u TEST_SRCDIR -u JAVA_RUNFILES)
  else
    runner=()
  fi
  if ! "${runner[@]}" "$BIN" --out="$cwd/run" --data_dir="$DATA" --steps=2 --eval_samples=40 \
      --threads=1 >"$cwd/out" 2>"$cwd/err"; then
    echo "FAIL ($mode): exit non-zero: $(tail -3 "$cwd/err")"; fail=1; continue
  fi
  [[ -s "$cwd/run/eval.json" ]] || { echo "FAIL ($mode): no eval.json"; fail=1; continue; }
  grep -q "lenet_mnist.pt" "$cwd/run/eval.json" || { echo "FAIL ($mode): eval.json names no classifier"; fail=1; }
  echo "ok ($mode): $(grep -m1 -o '"[^"]*lenet_mnist.pt"' "$cwd/run/eval.json")"
done
exit $fail
