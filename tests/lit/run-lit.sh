#!/usr/bin/env bash
# Runs the lit-style pass tests: every `RUN:` line of every test file, as a
# shell pipeline, with %s = the test file, %S = its folder, %t = a temporary path, and
# wasm-instrument, FileCheck and not on the PATH. Prints PASS/FAIL lines and a
# final "N passed, N failed, N skipped" (nothing is skipped: a test named on the
# command line that does not exist fails). Usage: run-lit.sh [TEST...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$(realpath "$tool")" "$bin/wasm-instrument"
export PATH="$bin:/usr/lib/llvm-14/bin:$PATH"

tests=("$@")
if ((${#tests[@]} == 0)); then
  shopt -s nullglob
  tests=("$here"/*.wat "$here"/*.test)
  shopt -u nullglob
fi
passed=0 failed=0
for test in "${tests[@]}"; do
  name=${test#"$root"/}
  if [[ ! -f $test ]]; then
    echo "FAIL $name: no such test file"; failed=$((failed + 1)); continue
  fi
  tmp="$bin/$(basename "$test").tmp"
  mapfile -t runs < <(sed -n 's/^[;#]* *RUN: *//p' "$test")
  if ((${#runs[@]} == 0)); then
    echo "FAIL $name: no RUN line"; failed=$((failed + 1)); continue
  fi
  ok=1
  for run in "${runs[@]}"; do
    cmd=${run//%s/$test}
    cmd=${cmd//%t/$tmp}
    cmd=${cmd//%S/$(dirname "$test")}
    if ! out=$(bash -o pipefail -c "$cmd" 2>&1); then
      ok=0
      echo "FAIL $name"
      echo "  command: $cmd"
      printf '%s\n' "$out" | head -30 | sed 's/^/  | /'
      break
    fi
  done
  if ((ok)); then echo "PASS $name"; passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed, 0 skipped"
((failed == 0))
