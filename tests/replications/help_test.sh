#!/usr/bin/env bash
# `--help` of a replication binary lists the flags it has, wherever they are
# defined under replications/ (common.cc, the family's .cc, the main), each
# with its help text and default; `--helpfull` lists them too, beside
# Abseil's own flags.
#
# Usage (from an sh_test; paths relative to the runfiles root):
#   help_test.sh BINARY FLAG... [-- BINARY FLAG...]...
# For every FLAG, `BINARY --help` must print a line "--FLAG (<help text>);"
# followed by "default: ...;" and `BINARY --helpfull` must print "--FLAG (".
# `--helpfull` must also list --flagfile (Abseil's), which --help leaves out.
set -uo pipefail

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

check_binary() {
  local bin="$1"; shift
  local name; name="$(basename "$bin")"
  [[ -x "$bin" ]] || { fail "$bin: not an executable"; return; }
  local help full
  # Abseil exits non-zero after printing usage; the text is what counts.
  help="$("$bin" --help 2>&1)"
  full="$("$bin" --helpfull 2>&1)"
  if grep -q "No flags matched" <<<"$help"; then fail "$name --help: \"No flags matched\""; fi
  for flag in "$@"; do
    # Abseil prints "    --name (help text); default: value;" possibly over
    # several lines; join them so text and default can be checked together.
    local entry
    entry="$(tr '\n' ' ' <<<"$help" | grep -oP -- "--$flag \\(.*?\\); *default: [^;]*;" | head -1)"
    if [[ -z "$entry" ]]; then
      fail "$name --help: no entry \"--$flag (<help>); default: <value>;\""
      continue
    fi
    if grep -q -- "--$flag (); " <<<"$entry"; then fail "$name --help: --$flag has no help text"; fi
    grep -q -- "--$flag (" <<<"$full" || fail "$name --helpfull: --$flag missing"
  done
  grep -q -- "--flagfile (" <<<"$full" || fail "$name --helpfull: Abseil's --flagfile missing"
  if grep -q -- "--flagfile (" <<<"$help"; then fail "$name --help: lists Abseil's own --flagfile"; fi
  echo "$name: --help lists $# checked flags"
}

args=("$@")
i=0
while (( i < ${#args[@]} )); do
  group=()
  while (( i < ${#args[@]} )) && [[ "${args[i]}" != "--" ]]; do group+=("${args[i]}"); i=$((i + 1)); done
  i=$((i + 1))
  (( ${#group[@]} > 0 )) && check_binary "${group[@]}"
done
if (( failures > 0 )); then echo "$failures failure(s)" >&2; exit 1; fi
echo "PASS"
