#!/bin/bash
# Builds the libFuzzer targets of fuzz/ with clang (-fsanitize=fuzzer,address,
# outside Bazel's gcc toolchain) and runs each for a fixed number of
# executions from its committed seed corpus (fuzz/corpus/<target>/), with a
# fixed seed, so that the run is deterministic and seconds long. Exit 0 when
# every target ran its executions without a crash, leak, timeout or
# sanitizer report; else 1 with the reproducer's path.
#
#   fuzz/build_and_run.sh [--runs=N] [--workdir=DIR] [--keep]   # from the workspace root
#
# Used by //fuzz:fuzz_test (bazel test //...), where the sources come from the
# test's runfiles. A target may also be run longer by hand:
#   DIR/npy_fuzzer -max_total_time=60 DIR/corpus_npy fuzz/corpus/npy
set -u
RUNS=2000
WORK=""
for a in "$@"; do
  case "$a" in
    --runs=*) RUNS="${a#--runs=}" ;;
    --workdir=*) WORK="${a#--workdir=}" ;;
    *) echo "build_and_run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
ROOT="$(pwd)"
[[ -f "$ROOT/fuzz/build_and_run.sh" ]] || { echo "run from the workspace root" >&2; exit 2; }
WORK="${WORK:-${TEST_TMPDIR:-$(mktemp -d)}}"
mkdir -p "$WORK"
CXX="${CXX_FUZZ:-clang++}"
command -v "$CXX" >/dev/null || { echo "FAIL: $CXX not found (scripts/setup.sh installs clang)" >&2; exit 1; }

# Debian's LibTorch, Abseil (pkg-config) and zlib, as third_party/ uses them.
ABSL_LIBS=$(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_flags absl_flags_parse 2>/dev/null) \
  || { echo "FAIL: pkg-config cannot find Abseil" >&2; exit 1; }
CXXFLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address
          -I"$ROOT" -I/usr/include/torch/csrc/api/include -w)
LDFLAGS=(-fsanitize=fuzzer,address -ltorch -ltorch_cpu -lc10 $ABSL_LIBS -lcrypto -lz -lpthread)  # -lcrypto: lib/util/sha256 (OpenSSL EVP)

# Library sources each target needs (the readers and what they link).
declare -A SRCS=(
  [npy]="lib/io/npy.cc lib/io/atomic_file.cc"
  [idx]="lib/data/idx.cc"
  [csv]="lib/io/csv.cc lib/io/atomic_file.cc"
  [json]="lib/io/json.cc lib/io/atomic_file.cc"
  [checkpoint]="lib/train/checkpoint.cc lib/io/atomic_file.cc lib/util/sha256.cc"
)
TARGETS=(npy idx csv json checkpoint)

compile() {  # compile <src> -> object path
  local src="$1" obj="$WORK/obj/${1//\//_}.o"
  mkdir -p "$WORK/obj"
  if [[ ! -f "$obj" ]]; then
    "$CXX" "${CXXFLAGS[@]}" -c "$ROOT/$src" -o "$obj" 2>"$obj.log" || { cat "$obj.log" >&2; return 1; }
  fi
  echo "$obj"
}

fail=0
start=$(date +%s)
for t in "${TARGETS[@]}"; do
  objs=()
  for s in ${SRCS[$t]} "fuzz/${t}_fuzzer.cc"; do
    o=$(compile "$s") || { echo "FAIL: compiling $s for $t" >&2; fail=1; continue 2; }
    objs+=("$o")
  done
  "$CXX" "${objs[@]}" "${LDFLAGS[@]}" -o "$WORK/${t}_fuzzer" 2>"$WORK/${t}_link.log" \
    || { cat "$WORK/${t}_link.log" >&2; echo "FAIL: linking $t" >&2; fail=1; continue; }
done
built=$(date +%s)
echo "built ${#TARGETS[@]} fuzz targets in $((built - start)) s"
[[ $fail -eq 0 ]] || exit 1

for t in "${TARGETS[@]}"; do
  corpus="$WORK/corpus_$t"
  rm -rf "$corpus" "$WORK/artifacts_$t"
  mkdir -p "$corpus" "$WORK/artifacts_$t"
  t0=$(date +%s)
  # New inputs go to the scratch corpus (first folder); the seeds are read only.
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 "$WORK/${t}_fuzzer" \
      -runs="$RUNS" -seed=1 -max_len=4096 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$WORK/artifacts_$t/" "$corpus" "$ROOT/fuzz/corpus/$t" \
      >"$WORK/${t}_run.log" 2>&1; then
    echo "FAIL: $t fuzzer found a problem; reproducer: $(ls "$WORK/artifacts_$t"/* 2>/dev/null)"
    grep -m 20 -E "ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x" "$WORK/${t}_run.log"
    fail=1
    continue
  fi
  execs=$(grep -m1 "stat::number_of_executed_units" "$WORK/${t}_run.log" | awk '{print $2}')
  echo "ok: $t: ${execs:-?} executions in $(( $(date +%s) - t0 )) s, no crash"
done
exit $fail
