#!/bin/bash
# Bazel entry of the bounded fuzz run: builds and runs every fuzz target
# (fuzz/build_and_run.sh) from the runfiles root, which mirrors the workspace.
set -u
cd "${TEST_SRCDIR:?}/otgan" || exit 1
exec fuzz/build_and_run.sh --runs="${OTGAN_FUZZ_RUNS:-2000}" --workdir="${TEST_TMPDIR:?}/fuzz"
