#!/bin/sh
# Cross-checks the `ot` tool (//tools:ot) against POT, an independent
# implementation (Debian's python3-pot for /usr/bin/python3):
#   exact       vs ot.emd2                                  (1e-6 relative)
#   sinkhorn    vs ot.sinkhorn2(method='sinkhorn_log')      (1e-4 relative, both converged)
#   divergence  vs ot.bregman.empirical_sinkhorn_divergence (ours = 2 x POT's; 1e-4)
#   energy      vs its six-term definition with ot.sinkhorn2 (1e-4)
# Inputs are small float64 .npy files from a fixed seed. Each tool run costs
# ~1.5 s of LibTorch start-up, so the runs overlap and stay few.
set -eu
TOOL="$1"
PY=/usr/bin/python3
if ! "$PY" -c "import ot, numpy" >/dev/null 2>&1; then
  echo "FAIL: /usr/bin/python3 cannot import ot (POT) and numpy; run scripts/setup.sh (installs python3-pot)" >&2
  exit 1
fi
WORK="${TEST_TMPDIR:-$(mktemp -d)}"
exec "$PY" - "$TOOL" "$WORK" <<'PY'
import json, subprocess, sys
import numpy as np
import ot

tool, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(20240611)
failures = []
checks = 0


def save(name, array):
    path = f"{work}/{name}.npy"
    np.save(path, np.ascontiguousarray(array, dtype=np.float64))
    return path


def run(*args):
    """Starts the tool (all runs overlap: start-up dominates); check() collects it."""
    return args, subprocess.Popen([tool, *args, "--threads=1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)


def collect(job):
    args, proc = job
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        failures.append(f"ot {' '.join(args)} exited {proc.returncode}: {stderr.strip()}")
        return None
    lines = stdout.strip().splitlines()
    if len(lines) != 1:
        failures.append(f"ot {' '.join(args)} printed {len(lines)} lines, expected one JSON object")
        return None
    return json.loads(lines[0])


pending = []


def check(*args):
    """Queues a comparison; the runs it waits for go on in the background."""
    pending.append(args)


def compare(label, job, reference, rtol, need_converged=True):
    global checks
    checks += 1
    out = collect(job)
    if out is None:
        return
    ours = out["value"]
    rel = abs(ours - reference) / max(abs(reference), 1e-300)
    status = "ok" if rel <= rtol else "MISMATCH"
    print(f"{status:8s} {label:44s} ours={ours:.12g} pot={reference:.12g} rel={rel:.2e} "
          f"iters={out['iterations']} err={out['marginal_error']:.1e}")
    if rel > rtol:
        failures.append(f"{label}: ours {ours!r} vs POT {reference!r} (relative {rel:.3g} > {rtol})")
    if need_converged and not out["converged"]:
        failures.append(f"{label}: did not converge (marginal error {out['marginal_error']})")


def cloud(n, d, shift=0.0):
    return rng.standard_normal((n, d)) + shift


SINK = ["--max_iter=200000", "--tol=1e-11", "--check_every=10"]

# Exact OT: equal sizes (assignment path) and unequal sizes (general solver).
for n, m, d, cost in [(8, 8, 2, "sqeuclidean"), (7, 5, 4, "euclidean")]:
    x, y = cloud(n, d), cloud(m, d, 0.5)
    out = run("exact", f"--x={save(f'ex_x{n}', x)}", f"--y={save(f'ex_y{n}', y)}", f"--cost={cost}")
    ref = ot.emd2(ot.unif(n), ot.unif(m), ot.dist(x, y, metric=cost))
    check(f"exact {cost} {n}x{m}", out, float(ref), 1e-6)

# Sinkhorn transport cost <P, C> (POT's sinkhorn2 returns the same quantity).
for n, m, d, cost, eps in [(12, 9, 2, "sqeuclidean", 0.5), (8, 11, 5, "cosine", 0.05)]:
    x, y = cloud(n, d), cloud(m, d, 0.3)
    out = run("sinkhorn", f"--x={save(f'sk_x{n}', x)}", f"--y={save(f'sk_y{n}', y)}", f"--cost={cost}",
              f"--eps={eps}", *SINK)
    M = ot.dist(x, y, metric=cost)
    ref = ot.sinkhorn2(ot.unif(n), ot.unif(m), M, eps, method="sinkhorn_log",
                       numItermax=200000, stopThr=1e-12)
    check(f"sinkhorn {cost} {n}x{m} eps={eps}", out, float(ref), 1e-4)

# Debiased divergence: ours is 2 W(x,y) - W(x,x) - W(y,y); POT returns half of that.
for n, m, d, cost, eps in [(10, 8, 2, "euclidean", 0.5)]:
    x, y = cloud(n, d), cloud(m, d, 1.0)
    out = run("divergence", f"--x={save(f'dv_x{n}', x)}", f"--y={save(f'dv_y{n}', y)}", f"--cost={cost}",
              f"--eps={eps}", *SINK)
    ref = ot.bregman.empirical_sinkhorn_divergence(x, y, eps, metric=cost, numIterMax=200000,
                                                   method="sinkhorn_log")
    check(f"divergence {cost} {n}x{m} eps={eps} (2 x POT)", out, 2 * float(ref), 1e-4)

# Minibatch energy distance, term by term with POT.
x, x2, y, y2 = cloud(8, 3), cloud(8, 3), cloud(6, 3, 0.7), cloud(6, 3, 0.7)
out = run("energy", f"--x={save('en_x', x)}", f"--x2={save('en_x2', x2)}",
          f"--y={save('en_y', y)}", f"--y2={save('en_y2', y2)}", "--cost=cosine", "--eps=0.1",
          *SINK)


def w(p, q):
    M = ot.dist(p, q, metric="cosine")
    return float(ot.sinkhorn2(ot.unif(len(p)), ot.unif(len(q)), M, 0.1, method="sinkhorn_log",
                              numItermax=200000, stopThr=1e-12))


ref = w(x, y) + w(x, y2) + w(x2, y) + w(x2, y2) - 2 * w(x, x2) - 2 * w(y, y2)
check("energy cosine 8/8 vs 6/6 eps=0.1", out, ref, 1e-4)

for queued in pending:
    compare(*queued)

# Bad input: one line on stderr, non-zero exit.
bad = subprocess.run([tool, "sinkhorn", f"--x={work}/missing.npy", f"--y={save('sk_y', y)}"],
                     capture_output=True, text=True)
checks += 1
if bad.returncode == 0 or len(bad.stderr.strip().splitlines()) != 1 or "missing.npy" not in bad.stderr:
    failures.append(f"missing file: exit {bad.returncode}, stderr {bad.stderr!r}")

if failures:
    print("\n".join(["FAILURES:"] + failures), file=sys.stderr)
    sys.exit(1)
print(f"all {checks} POT cross-checks passed (POT {ot.__version__})")
PY
