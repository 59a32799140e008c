#!/usr/bin/env bash
# Starts N ranks of a program for distributed training on c10d/Gloo (lib/dist),
# the way torchrun does: each rank gets RANK, WORLD_SIZE, LOCAL_RANK,
# MASTER_ADDR and MASTER_PORT in its environment. Waits for all ranks; if one
# fails, stops the others and exits with the failed rank's code.
#
# Usage:
#   scripts/launch_distributed.sh N <target> [flags...]
#     N        ranks to start on this machine (>= 1)
#     target   a replications/ target name (built with `bazel build
#              //replications:<target>` first, then run from bazel-bin/), or a
#              path to an executable
#     flags    passed unchanged to every rank
#
# One machine (loopback; MASTER_PORT defaults to a free port):
#   scripts/launch_distributed.sh 2 otgan_mnist --budget=smoke --threads=1
#
# Several machines: run the launcher once per machine with the same N, the
# same MASTER_ADDR (the first machine's address, reachable from the others)
# and MASTER_PORT (open on the first machine), NNODES machines in all and this
# machine's NODE_RANK (0 on the machine at MASTER_ADDR). Ranks are
# NODE_RANK * N + local rank; WORLD_SIZE = NNODES * N. GLOO_SOCKET_IFNAME names
# the network interface Gloo should use when the host name resolves to a
# loopback address (e.g. 127.0.1.1 in /etc/hosts):
#   machine A (10.0.0.1):  NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 MASTER_PORT=29500 \
#                            GLOO_SOCKET_IFNAME=eth0 scripts/launch_distributed.sh 2 otgan_mnist ...
#   machine B:             NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 MASTER_PORT=29500 \
#                            GLOO_SOCKET_IFNAME=eth0 scripts/launch_distributed.sh 2 otgan_mnist ...
# Every machine needs the same checkout, build and data. OTGAN_DIST_TIMEOUT_S
# (default 300) bounds how long a rank waits for the others, at start and in
# every collective.
#
# Environment: OTGAN_LAUNCH_NO_BUILD=1 skips the bazel build of a target name.
set -euo pipefail

die() { echo "launch_distributed.sh: $*" >&2; exit 2; }

[[ $# -ge 2 ]] || die "usage: scripts/launch_distributed.sh N <target> [flags...]"
n="$1"; target="$2"; shift 2
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N=\"$n\": expected a number of ranks >= 1"
nnodes="${NNODES:-1}"; node_rank="${NODE_RANK:-0}"
[[ "$nnodes" =~ ^[1-9][0-9]*$ ]] || die "NNODES=\"$nnodes\": expected >= 1"
[[ "$node_rank" =~ ^[0-9]+$ && "$node_rank" -lt "$nnodes" ]] ||
  die "NODE_RANK=\"$node_rank\": expected 0 <= NODE_RANK < NNODES=$nnodes"

if [[ "$target" == */* ]]; then
  bin="$target"
else
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  [[ "$target" =~ ^[A-Za-z0-9_]+$ ]] || die "target \"$target\": expected a replications/ target name or a path"
  if [[ "${OTGAN_LAUNCH_NO_BUILD:-0}" != 1 ]]; then
    (cd "$root" && bazel build "//replications:$target") >&2 ||
      die "bazel build //replications:$target failed"
  fi
  bin="$root/bazel-bin/replications/$target"
fi
[[ -x "$bin" ]] || die "\"$bin\" is not an executable"

export MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}"
if [[ -z "${MASTER_PORT:-}" ]]; then
  [[ "$nnodes" == 1 ]] || die "set MASTER_PORT (the same on every machine) when NNODES > 1"
  MASTER_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000)))"
fi
export MASTER_PORT
export WORLD_SIZE=$((nnodes * n))

declare -A rank_of=()
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT TERM

echo "launch_distributed.sh: ranks $((node_rank * n))..$((node_rank * n + n - 1)) of $WORLD_SIZE," \
  "MASTER_ADDR=$MASTER_ADDR MASTER_PORT=$MASTER_PORT: $bin $*" >&2
for ((local = 0; local < n; ++local)); do
  rank=$((node_rank * n + local))
  # Each line of a rank's output is prefixed with its rank.
  RANK=$rank LOCAL_RANK=$local "$bin" "$@" > >(sed -u "s/^/[rank $rank] /") 2>&1 &
  pids+=("$!")
  rank_of[$!]=$rank
done

status=0
while ((${#rank_of[@]} > 0)); do
  set +e
  wait -n -p done_pid "${!rank_of[@]}"
  rc=$?
  set -e
  [[ -n "${done_pid:-}" ]] || break
  finished_rank=${rank_of[$done_pid]}
  unset "rank_of[$done_pid]"
  if ((rc != 0)); then
    echo "launch_distributed.sh: rank $finished_rank exited with code $rc; stopping the others" >&2
    status=$rc
    stop_all
    wait 2>/dev/null || true
    break
  fi
done
wait 2>/dev/null || true  # the output filters
if ((status == 0)); then
  echo "launch_distributed.sh: all $n ranks finished" >&2
fi
exit "$status"
