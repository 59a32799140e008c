#!/usr/bin/env bash
# scripts/launch_distributed.sh starts N ranks with the torchrun environment,
# succeeds when all succeed, and stops the others with the failed rank's code
# when one fails (tests/dist/dist_worker is the rank program).
set -uo pipefail
launch="$1"; worker="$2"
export OTGAN_DIST_TIMEOUT_S=60 OMP_NUM_THREADS=1
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$launch" 2 "$worker" allreduce 2>&1); rc=$?
[[ $rc == 0 ]] || fail "2 ranks allreduce: exit $rc: $out"
grep -q "^\[rank 0\] rank 0/2: all_reduce ok (3)" <<<"$out" || fail "rank 0's line missing: $out"
grep -q "^\[rank 1\] rank 1/2: all_reduce ok (3)" <<<"$out" || fail "rank 1's line missing: $out"

# Rank 1 exits (code 4) before joining: the launcher stops rank 0, which would
# otherwise wait the 60 s timeout, and returns 4.
start=$SECONDS
out=$("$launch" 2 "$worker" fail 2>&1); rc=$?
[[ $rc == 4 ]] || fail "fail mode: exit $rc, expected 4: $out"
grep -q "rank 1 exited with code 4; stopping the others" <<<"$out" || fail "no failure line: $out"
((SECONDS - start < 45)) || fail "the launcher waited $((SECONDS - start)) s for the stopped ranks"

out=$("$launch" 0 "$worker" allreduce 2>&1); rc=$?
[[ $rc == 2 ]] && grep -q 'N="0"' <<<"$out" || fail "N=0 accepted: exit $rc: $out"
out=$(NNODES=2 NODE_RANK=0 "$launch" 1 "$worker" allreduce 2>&1); rc=$?
[[ $rc == 2 ]] && grep -q "set MASTER_PORT" <<<"$out" || fail "multi-node without MASTER_PORT: $out"
echo PASS
