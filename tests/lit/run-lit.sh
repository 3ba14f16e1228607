#!/usr/bin/env bash
# Runs the lit-style pass tests: every `RUN:` line of every test file, as a
# shell pipeline, with %s = the test file, %S = its folder, %t = a temporary path, and
# wasm-instrument, FileCheck and not on the PATH. Prints PASS/FAIL lines and a
# final "N passed, N failed". Usage: run-lit.sh [TEST...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$(realpath "$tool")" "$bin/wasm-instrument"
export PATH="$bin:/usr/lib/llvm-14/bin:$PATH"

tests=("$@")
((${#tests[@]})) || tests=("$here"/*.wat "$here"/*.test)
passed=0 failed=0
for test in "${tests[@]}"; do
  [[ -f $test ]] || continue
  name=${test#"$root"/}
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
echo "$passed passed, $failed failed"
((failed == 0))
