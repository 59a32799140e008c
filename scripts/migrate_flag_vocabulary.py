#!/usr/bin/env python3
"""One-off migration of committed run manifests to the shared flag vocabulary.

The replications' flags were renamed so that every target spells a setting
the same way (replications/README.md, "Flags"):

  wgan_mnist, wgan_gp_mnist, wgan_gp_toy   --batch      -> --batch_size
  assigner_mnist, assigner_fashion         --gen_batch  -> --batch_size
                                           --g_lr       -> --lr
  sinkhorn_gan_mnist                       --eps        -> --sinkhorn_eps

This rewrites, in every manifest.json / manifest_resume.json under the given
folders, the keys of the "flags" object (kept sorted by name, as the writer
sorts them) and the same flags in "command_line", so that a manifest reads
like one written by today's binaries. Values, facts and everything else stay
as they are. The COMMAND files beside the manifests are left alone: they are
the record of what was typed at the time. Idempotent.

  scripts/migrate_flag_vocabulary.py results tests/figures/testdata/results
"""
import json
import pathlib
import re
import sys

RENAMES = {
    "wgan_mnist": {"batch": "batch_size"},
    "wgan_gp_mnist": {"batch": "batch_size"},
    "wgan_gp_toy": {"batch": "batch_size"},
    "assigner_mnist": {"gen_batch": "batch_size", "g_lr": "lr"},
    "assigner_fashion": {"gen_batch": "batch_size", "g_lr": "lr"},
    "sinkhorn_gan_mnist": {"eps": "sinkhorn_eps"},
}


def migrate(path: pathlib.Path) -> bool:
    text = path.read_text()
    manifest = json.loads(text)
    renames = RENAMES.get(manifest.get("program", ""), {})
    flags = manifest.get("flags")
    if not renames or not isinstance(flags, dict):
        return False
    changed = False
    if any(old in flags for old in renames):
        for old, new in renames.items():
            if old in flags:
                if new in flags:
                    sys.exit(f"{path}: has both --{old} and --{new}")
                flags[new] = flags.pop(old)
        manifest["flags"] = dict(sorted(flags.items()))
        changed = True
    line = manifest.get("command_line", "")
    for old, new in renames.items():
        line2 = re.sub(rf"(?<!\S)--{old}(?==|\s|$)", f"--{new}", line)
        changed |= line2 != line
        line = line2
    if "command_line" in manifest:
        manifest["command_line"] = line
    if changed:
        out = json.dumps(manifest, indent=2, ensure_ascii=False)
        path.write_text(out + ("\n" if text.endswith("\n") else ""))
    return changed


def main() -> None:
    roots = [pathlib.Path(a) for a in sys.argv[1:]] or [pathlib.Path("results")]
    n = 0
    for root in roots:
        for path in sorted(root.rglob("manifest*.json")):
            if migrate(path):
                print(f"migrated {path}")
                n += 1
    print(f"{n} manifest(s) migrated")


if __name__ == "__main__":
    main()
