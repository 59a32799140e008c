#!/usr/bin/env python3
"""One-off migration of committed run folders to the issue-13 formats.

Run once from the workspace root (it is idempotent: a migrated file is left
as it is):

    python3 scripts/migrate_results_issue13.py results tests/figures/testdata/results

What it changes, and why:

1. manifest.json: until issue 13, replications/common.cc's StartRun appended
   the run's facts (eval_dataset, sample_range, total_steps, architecture,
   ...) to the "flags" object, after the program's own flags. AllFlagValues
   lists the flags sorted by name, so the flags are the longest sorted prefix
   of that object and the facts are the rest, which always starts with
   "eval_dataset" (checked). They move to a "facts" object after "flags"
   (lib/io/manifest.h). Two facts are added that the figures read instead of
   guessing from the program name: "paper" (genevay | otgan | wgan | wgangp |
   laschos: the report section) and "method" (the key of
   figures/published.json's W1 table), taken from the table below.
   "command_line" stays "" where the code of that time did not record it:
   the COMMAND file beside each manifest says how the run was started.
2. Every text file (manifest.json, eval.json, COMMAND): the absolute path of
   the producing checkout, /work/main, becomes workspace-relative
   ("/work/main/runs/x" -> "runs/x", "/work/main/data" -> "data").

eval.json keeps its keys (lib/eval/eval_report.h reads them as they are);
only its paths change (2).
"""
import json
import os
import sys

PRODUCING_ROOT = "/work/main"

# program -> (paper, method); the assigner's method depends on its --cost.
PAPER_METHOD = {
    "sinkhorn_gan_mnist": ("genevay", "sinkhorn_gan"),
    "otgan_mnist": ("otgan", "otgan"),
    "otgan_mog": ("otgan", "otgan"),
    "wgan_mnist": ("wgan", "wgan"),
    "wgan_gp_mnist": ("wgangp", "wgan_gp"),
    "wgan_gp_toy": ("wgangp", "wgan_gp"),
    "assigner_mnist": ("laschos", None),
    "assigner_fashion": ("laschos", None),
}


def relativize(text):
    return text.replace(PRODUCING_ROOT + "/", "").replace(PRODUCING_ROOT, ".")


def migrate_manifest(path):
    with open(path) as f:
        m = json.load(f)
    if "facts" in m:
        return False
    names = list(m["flags"].keys())
    n = 1
    while n < len(names) and names[n - 1] < names[n]:
        n += 1
    flag_names, fact_names = names[:n], names[n:]
    if not fact_names or fact_names[0] != "eval_dataset":
        sys.exit(f"{path}: expected the facts to start with eval_dataset after the sorted flags, "
                 f"found {fact_names[:1]}")
    flags = {k: m["flags"][k] for k in flag_names}
    facts = {k: m["flags"][k] for k in fact_names}
    program = m["program"]
    if program not in PAPER_METHOD:
        sys.exit(f"{path}: program {program!r} is not in the migration table")
    paper, method = PAPER_METHOD[program]
    if method is None:
        method = "assigner_" + flags["cost"]
    facts["paper"] = paper
    facts["method"] = method
    out = {}
    for k, v in m.items():
        if k == "flags":
            out["flags"] = flags
            out["facts"] = facts
        else:
            out[k] = v
    with open(path, "w") as f:
        f.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    return True


def main(roots):
    changed = []
    for root in roots:
        for dirpath, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if name == "manifest.json" and migrate_manifest(path):
                    changed.append(path)
                if name in ("manifest.json", "eval.json", "COMMAND") or name.endswith(".COMMAND"):
                    with open(path) as f:
                        text = f.read()
                    new = relativize(text)
                    if new != text:
                        with open(path, "w") as f:
                            f.write(new)
                        changed.append(path)
    for p in sorted(set(changed)):
        print("migrated", p)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
