#!/bin/bash
# A replication binary's run-folder guarantees, end to end:
#  - a fresh run into a folder that holds a run is refused and leaves
#    manifest.json, metrics.csv and the checkpoints byte-identical;
#  - a second writer is refused at once naming the holder's pid (the holder
#    here is a process that keeps the folder's .lock flocked);
#  - a resume in another --precision than the run started in is refused;
#  - a float flag of inf or nan is refused before anything is written.
# Usage: run_folder_cli_test.sh <path to replications/wgan_gp_toy>
set -u
BIN="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
RUN="$T/run"
fail=0
export OMP_WAIT_POLICY=passive

"$BIN" --out="$RUN" --steps=3 --eval_samples=50 --threads=1 >/dev/null 2>"$T/first.err" \
  || { echo "FAIL: first run: $(tail -3 "$T/first.err")"; exit 1; }
snapshot() { (cd "$RUN" && find . -type f ! -name .lock -print0 | sort -z | xargs -0 sha256sum); }
before=$(snapshot)

# 1. Fresh run into the used folder, with different flags.
if "$BIN" --out="$RUN" --steps=5 --seed=9 --threads=1 >/dev/null 2>"$T/fresh.err"; then
  echo "FAIL: a fresh run into a used folder exited 0"; fail=1
fi
grep -q -- "--resume" "$T/fresh.err" || { echo "FAIL: refusal does not mention --resume: $(cat "$T/fresh.err")"; fail=1; }
[[ "$(snapshot)" == "$before" ]] || { echo "FAIL: the refused run changed the folder"; diff <(echo "$before") <(snapshot); fail=1; }

# 2. A live holder of the lock.
python3 - "$RUN/.lock" "$T/holder.ready" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
f.seek(0); f.truncate(); f.write(f"{os.getpid()}\n"); f.flush()
open(sys.argv[2], "w").close()
time.sleep(60)
PY
holder=$!
for _ in $(seq 1 500); do [[ -f "$T/holder.ready" ]] && break; sleep 0.01; done
start=$(date +%s%N)
if "$BIN" --out="$RUN" --steps=6 --resume --threads=1 >/dev/null 2>"$T/locked.err"; then
  echo "FAIL: a second writer exited 0"; fail=1
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "in use by another run (pid $holder" "$T/locked.err" \
  || { echo "FAIL: refusal does not name pid $holder: $(cat "$T/locked.err")"; fail=1; }
echo "second writer refused in $ms ms: $(cat "$T/locked.err")"
kill "$holder"; wait "$holder" 2>/dev/null
[[ "$(snapshot)" == "$before" ]] || { echo "FAIL: the refused second writer changed the folder"; fail=1; }

# 3. A resume in another precision than the run started in is refused, naming
#    the run's precision, and changes nothing.
if "$BIN" --out="$RUN" --steps=6 --resume --precision=bf16 --threads=1 >/dev/null 2>"$T/prec.err"; then
  echo "FAIL: a resume with --precision=bf16 of an fp32 run exited 0"; fail=1
fi
grep -q -- "was started with --precision=fp32" "$T/prec.err" ||
  { echo "FAIL: precision refusal: $(cat "$T/prec.err")"; fail=1; }
[[ "$(snapshot)" == "$before" ]] || { echo "FAIL: the refused resume changed the folder"; fail=1; }

# 4. The holder is gone (its pid stays in .lock): the resume is not blocked.
"$BIN" --out="$RUN" --steps=6 --resume --eval_samples=50 --threads=1 >/dev/null 2>"$T/resume.err" \
  || { echo "FAIL: resume after the holder died: $(tail -3 "$T/resume.err")"; fail=1; }

# 5. inf / nan float flags.
for v in inf nan -inf; do
  if "$BIN" --out="$T/flag_$v" --lr=$v --threads=1 >/dev/null 2>"$T/flag.err"; then
    echo "FAIL: --lr=$v accepted"; fail=1
  fi
  grep -q "finite" "$T/flag.err" || { echo "FAIL: --lr=$v: $(cat "$T/flag.err")"; fail=1; }
  [[ ! -e "$T/flag_$v" ]] || { echo "FAIL: --lr=$v created its run folder"; fail=1; }
done
[[ $fail -eq 0 ]] && echo PASS
exit $fail
