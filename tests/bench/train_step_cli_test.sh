#!/bin/bash
# //bench:train_step with --rounds: a bad count is refused before any work
# (and no output file is left); two rounds on the smallest method (otgan_mog)
# alternate C++ and the Python reference (under the C++ side's runtime
# settings, and with --reference_defaults also at Python's own) and report
# each round's values, with the medians in cpp_ms, python_ms and
# ratio_cpp_over_python (python_defaults_ms, ratio_cpp_over_python_defaults).
# Usage: train_step_cli_test.sh <path to the train_step binary>
set -u
BIN="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}"
fail=0

if "$BIN" --rounds=0 --out="$T/bad.jsonl" >"$T/bad.out" 2>"$T/bad.err"; then
  echo "FAIL: --rounds=0 accepted"; fail=1
fi
grep -q -- "--rounds" "$T/bad.err" || { echo "FAIL: no --rounds message: $(cat "$T/bad.err")"; fail=1; }
[[ -e "$T/bad.jsonl" ]] && { echo "FAIL: --rounds=0 left $T/bad.jsonl"; fail=1; }

if ! "$BIN" --methods=otgan_mog --rounds=2 --iters=1 --warmup=0 --layers=false --threads=1 \
    --reference_defaults \
    --out="$T/ts.jsonl" >"$T/ts.out" 2>"$T/ts.err"; then
  echo "FAIL: exit non-zero: $(tail -5 "$T/ts.err")"; exit 1
fi
grep -c "^reference: OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=18 MALLOC_" "$T/ts.err" | grep -qx 2 ||
  { echo "FAIL: expected 2 reference runs under the C++ runtime settings"; fail=1; }
grep -c "^reference: env -u OMP_WAIT_POLICY -u OPENBLAS_THREAD_TIMEOUT" "$T/ts.err" | grep -qx 2 ||
  { echo "FAIL: expected 2 reference runs at Python's defaults"; fail=1; }
/usr/bin/python3 - "$T/ts.jsonl" <<'PY' || fail=1
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
env = [j for j in lines if j["kind"] == "env"][0]
assert env["rounds"] == 2, env
m = {j["method"]: j for j in lines if j["kind"] == "method"}
for key in ("otgan_mog", "otgan_mog.critic_update", "otgan_mog.gen_update"):
    j = m[key]
    assert abs(j["cpp_ms"] - statistics.median(j["cpp_ms_rounds"])) < 1e-9, j
    for py in ("python", "python_defaults"):
        ratio = "ratio" + py[len("python"):]
        for f in ("cpp_ms_rounds", py + "_ms_rounds", ratio + "_rounds"):
            assert len(j[f]) == 2 and all(v > 0 for v in j[f]), (key, f, j)
        assert abs(j[py + "_ms"] - statistics.median(j[py + "_ms_rounds"])) < 1e-9, j
        ratios = [c / p for c, p in zip(j["cpp_ms_rounds"], j[py + "_ms_rounds"])]
        assert max(abs(a - b) for a, b in zip(ratios, j[ratio + "_rounds"])) < 1e-9, j
        assert abs(j["ratio_cpp_over_" + py] - statistics.median(ratios)) < 1e-9, j
it = m["otgan_mog"]
for r in range(2):  # the 1:1 schedule's iteration is the sum of its two updates, round by round
    s = m["otgan_mog.critic_update"]["cpp_ms_rounds"][r] + m["otgan_mog.gen_update"]["cpp_ms_rounds"][r]
    assert abs(it["cpp_ms_rounds"][r] - s) < 1e-6, (it, s)
print("ok: two rounds,", [round(v, 2) for v in it["ratio_rounds"]])
PY
exit $fail
