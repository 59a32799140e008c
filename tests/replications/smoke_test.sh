#!/usr/bin/env bash
# Smoke test for a replication binary: runs it at --budget=smoke into a fresh
# run folder and checks what it leaves there. Reusable by every target.
#
# Usage (from an sh_test; paths are relative to the runfiles root):
#   smoke_test.sh BINARY [RUN_FLAGS...] [-- EXPECTED_FILE[:SHAPE]...]
#   smoke_test.sh --expect_failure BINARY [RUN_FLAGS...]
#
# Success mode: runs
#   BINARY --out=$TEST_TMPDIR/run --budget=smoke --threads=2 RUN_FLAGS...
# (RUN_FLAGS come last, so they may override those three), then requires:
#   - exit status 0;
#   - metrics.csv with a "step,seconds,..." header, at least one row, the same
#     number of fields in every row, and every value a finite number (no nan/inf);
#   - every EXPECTED_FILE present and non-empty; for a .npy file an optional
#     SHAPE (comma-separated, '*' matches any dimension, e.g.
#     samples_eval.npy:40,1,28,28 or samples_final.npy:*,2) must match the
#     shape in its header;
#   - manifest.json, when expected, parses as JSON (if python3 is present).
# It prints the wall time of the run.
#
# Failure mode (--expect_failure [--expect_message=TEXT]): the run must exit
# with a status in 1..127 (an error, not a crash by signal), print exactly one
# non-empty line on stderr (containing TEXT when given), and leave no run
# folder behind.
#
# Example BUILD rule:
#   sh_test(
#       name = "wgan_gp_mnist_smoke",
#       srcs = ["smoke_test.sh"],
#       args = ["$(rootpath //replications:wgan_gp_mnist)", "--data_dir=../otgan_data",
#               "--steps=5", "--", "manifest.json", "metrics.csv", "samples_eval.npy:40,1,28,28"],
#       data = ["//replications:wgan_gp_mnist", "@otgan_data//:mnist"],
#   )
set -uo pipefail

# Tests run side by side on 2 cores: OpenMP threads that spin while they wait
# for work slow a loaded machine down several times over, so let them sleep.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

expect_failure=0
expect_message=""
if [[ "${1:-}" == "--expect_failure" ]]; then
  expect_failure=1
  shift
  if [[ "${1:-}" == --expect_message=* ]]; then
    expect_message="${1#--expect_message=}"
    shift
  fi
fi
[[ $# -ge 1 ]] || fail "usage: smoke_test.sh [--expect_failure] BINARY [RUN_FLAGS...] [-- EXPECTED_FILE[:SHAPE]...]"
binary="$1"
shift
[[ -x "$binary" ]] || fail "binary '$binary' not found or not executable (cwd $(pwd))"

flags=()
expected=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--" ]]; then
    shift
    expected=("$@")
    break
  fi
  flags+=("$1")
  shift
done

tmp="${TEST_TMPDIR:-$(mktemp -d)}"
run="$tmp/run"
rm -rf "$run"
stdout="$tmp/stdout.txt"
stderr="$tmp/stderr.txt"
name="$(basename "$binary")"

start=$(date +%s.%N)
"$binary" --out="$run" --budget=smoke --threads=2 "${flags[@]}" >"$stdout" 2>"$stderr"
status=$?
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

if [[ $expect_failure -eq 1 ]]; then
  [[ $status -ne 0 ]] || fail "$name ${flags[*]}: expected a non-zero exit status, got 0"
  [[ $status -lt 128 ]] || fail "$name ${flags[*]}: died with status $status (a signal), expected an error exit"
  lines=$(wc -l <"$stderr")
  message="$(cat "$stderr")"
  [[ -n "$message" ]] || fail "$name ${flags[*]}: exited $status without an error message on stderr"
  [[ "$lines" -eq 1 ]] || fail "$name ${flags[*]}: expected a one-line error, got $lines lines:
$message"
  [[ ! -e "$run" ]] || fail "$name ${flags[*]}: failed but left a run folder behind: $(ls -A "$run")"
  if [[ -n "$expect_message" && "$message" != *"$expect_message"* ]]; then
    fail "$name ${flags[*]}: the message does not say \"$expect_message\": $message"
  fi
  echo "ok: $name ${flags[*]} exited $status: $message"
  exit 0
fi

if [[ $status -ne 0 ]]; then
  echo "---- stderr (last 30 lines) ----" >&2
  tail -n 30 "$stderr" >&2
  fail "$name exited with status $status after ${seconds}s"
fi
echo "smoke: $name ${flags[*]} took ${seconds}s"

# metrics.csv: header, rows, finite numbers.
metrics="$run/metrics.csv"
[[ -s "$metrics" ]] || fail "$metrics is missing or empty"
header="$(head -n 1 "$metrics")"
[[ "$header" == step,seconds,* ]] || fail "$metrics: header '$header' does not start with step,seconds,"
awk -F, -v file="$metrics" '
  NR == 1 { n = NF; next }
  {
    rows++
    if (NF != n) { printf "%s: line %d has %d fields, the header has %d\n", file, NR, NF, n; bad = 1; exit }
    for (i = 1; i <= NF; i++) {
      if ($i !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/) {
        printf "%s: line %d field %d is \"%s\", not a finite number\n", file, NR, i, $i; bad = 1; exit
      }
    }
  }
  END {
    if (bad) exit 1
    if (rows < 1) { printf "%s: no data rows\n", file; exit 1 }
  }' "$metrics" >&2 || fail "metrics.csv check"
echo "metrics.csv: $(($(wc -l <"$metrics") - 1)) rows, columns $header"

# Expected files (and .npy shapes).
for spec in "${expected[@]}"; do
  file="${spec%%:*}"
  shape=""
  [[ "$spec" == *:* ]] && shape="${spec#*:}"
  path="$run/$file"
  [[ -s "$path" ]] || fail "expected $file in the run folder; found: $(cd "$run" && ls -A | tr '\n' ' ')"
  if [[ -n "$shape" ]]; then
    magic="$(head -c 6 "$path" | tail -c 5)"
    [[ "$magic" == "NUMPY" ]] || fail "$file: not a .npy file"
    # The header is ASCII: {'descr': '<f4', 'fortran_order': False, 'shape': (40, 2), }
    actual="$(head -c 4096 "$path" | tr -d '\0' | grep -a -o "'shape': ([^)]*)" | head -n 1 |
      sed -e "s/'shape': (//" -e 's/)//' -e 's/ //g' -e 's/,$//')"
    # Compare dimension by dimension; '*' matches anything.
    IFS=, read -r -a want <<<"$shape"
    IFS=, read -r -a got <<<"$actual"
    [[ ${#want[@]} -eq ${#got[@]} ]] || fail "$file: shape ($actual), expected ($shape)"
    for i in "${!want[@]}"; do
      [[ "${want[$i]}" == "*" || "${want[$i]}" == "${got[$i]}" ]] ||
        fail "$file: shape ($actual), expected ($shape)"
    done
    echo "$file: shape ($actual)"
  else
    echo "$file: $(wc -c <"$path") bytes"
  fi
  if [[ "$file" == *.json ]] && command -v python3 >/dev/null; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$path" ||
      fail "$file does not parse as JSON"
  fi
done

echo "PASS: $name (${seconds}s)"
