#!/bin/bash
# A run killed with SIGKILL at a random point after its first checkpoint, then
# resumed (same command plus --resume), ends byte-identical to an
# uninterrupted run: final parameters (params.npy), final samples
# (samples_final.npy) and metrics.csv's loss columns. Three kills at random
# delays ($RANDOM; the delay and the checkpoints present at the kill are
# printed, so a failure can be replayed). The killed process's lock file stays
# behind and must not block the resume.
# Usage: crash_resume_test.sh <path to crash_resume_main>
set -u
BIN="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
STEPS=40
fail=0

strip_seconds() { cut -d, -f1,3- "$1"; }

"$BIN" --out="$T/straight" --steps=$STEPS || { echo "FAIL: uninterrupted run"; exit 1; }

for trial in 1 2 3; do
  dir="$T/killed_$trial"
  rm -rf "$dir"
  "$BIN" --out="$dir" --steps=$STEPS --step_ms=25 &
  pid=$!
  # Wait for the first checkpoint (at most 10 s).
  for _ in $(seq 1 1000); do
    compgen -G "$dir/checkpoints/ckpt_*.pt" >/dev/null && break
    sleep 0.01
  done
  delay_ms=$((RANDOM % 600))
  sleep "$(printf '0.%03d' "$delay_ms")"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  present=$(ls "$dir/checkpoints" 2>/dev/null | tr '\n' ' ')
  echo "trial $trial: SIGKILL ${delay_ms} ms after the first checkpoint (exit $rc); checkpoints: $present"
  if [[ $rc -eq 0 ]]; then
    echo "  the run finished before the kill; still checking that --resume is a no-op"
  fi
  [[ -f "$dir/.lock" ]] || { echo "FAIL: no lock file left by the killed run"; fail=1; }
  if ! "$BIN" --out="$dir" --steps=$STEPS --resume 2>"$T/resume_err"; then
    echo "FAIL: trial $trial: resume failed: $(cat "$T/resume_err")"; fail=1; continue
  fi
  for f in params.npy samples_final.npy; do
    cmp -s "$T/straight/$f" "$dir/$f" || { echo "FAIL: trial $trial: $f differs"; fail=1; }
  done
  if ! diff <(strip_seconds "$T/straight/metrics.csv") <(strip_seconds "$dir/metrics.csv") >/dev/null; then
    echo "FAIL: trial $trial: metrics.csv loss columns differ"; fail=1
  fi
done
[[ $fail -eq 0 ]] && echo "PASS: three SIGKILLed runs resumed byte-identical"
exit $fail
