#!/bin/bash
# tools/ot refuses what it cannot answer: a non-finite result (float32 inputs
# near 1e30, --eps=1e-300) exits non-zero with a one-line reason suggesting a
# larger eps or float64, and float flags reject inf and nan. A sane input
# still prints a finite value (the checks do not refuse everything).
# Usage: ot_checks_test.sh <path to tools/ot>
set -u
OT="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail=0
python3 - "$T" <<'PY'
# Plain-Python .npy writer (format 1.0), so the test needs no numpy.
import random, struct, sys
t = sys.argv[1]
def npy(path, rows, scale):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }" % len(rows)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    vals = [v * scale for r in rows for v in r]
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(vals), *vals))
rng = random.Random(0)
def cloud(): return [(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(20)]
npy(f"{t}/a.npy", cloud(), 1)
npy(f"{t}/b.npy", cloud(), 1)
npy(f"{t}/huge_a.npy", cloud(), 1e30)
npy(f"{t}/huge_b.npy", cloud(), 1e30)
PY

# expect_refusal <description> <words that must appear in stderr> -- <ot args...>
expect_refusal() {
  local what="$1" want="$2"; shift 3
  local out err rc
  out=$("$OT" "$@" 2>"$T/err"); rc=$?
  err=$(cat "$T/err")
  if [[ $rc -eq 0 ]]; then
    echo "FAIL: $what: exit 0 (stdout: $out)"; fail=1; return
  fi
  if [[ $(wc -l <"$T/err") -ne 1 ]]; then echo "FAIL: $what: stderr is not one line: $err"; fail=1; fi
  local w
  IFS='|' read -ra words <<<"$want"
  for w in "${words[@]}"; do
    if [[ "$err" != *"$w"* ]]; then echo "FAIL: $what: '$w' not in: $err"; fail=1; fi
  done
  [[ -z "$out" ]] || { echo "FAIL: $what: printed a result: $out"; fail=1; }
  echo "ok: $what: $err"
}

expect_refusal "float32 near 1e30" "not finite|float32|--dtype=float64|larger --eps" -- \
  sinkhorn --x="$T/huge_a.npy" --y="$T/huge_b.npy" --eps=1 --threads=1
expect_refusal "eps 1e-300" "not finite|larger --eps" -- \
  sinkhorn --x="$T/a.npy" --y="$T/b.npy" --eps=1e-300 --threads=1
expect_refusal "divergence eps 1e-300" "not finite" -- \
  divergence --x="$T/a.npy" --y="$T/b.npy" --eps=1e-300 --threads=1
for v in inf -inf nan; do
  expect_refusal "--eps=$v" "--eps=|finite" -- sinkhorn --x="$T/a.npy" --y="$T/b.npy" --eps=$v
  expect_refusal "--tol=$v" "--tol=|finite" -- sinkhorn --x="$T/a.npy" --y="$T/b.npy" --tol=$v
done

out=$("$OT" sinkhorn --x="$T/a.npy" --y="$T/b.npy" --eps=0.5 --threads=1) || { echo "FAIL: sane input refused"; fail=1; }
[[ "$out" == *'"value": '[0-9]* ]] || { echo "FAIL: sane input: no finite value: $out"; fail=1; }
exit $fail
