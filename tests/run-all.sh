#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
# Suites: C unit tests, lit pass tests, end-to-end fixtures and the runtime
# shim's host tests against the ASan+UBSan build; real-world modules and fuzzing (large inputs, many runs)
# against the plain build.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sanitized=${SANITIZED_BUILD:-build-asan}
plain=${PLAIN_BUILD:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log_dir=$(mktemp -d)
total_passed=0 total_failed=0

# Runs one suite; its last "N passed, N failed" line is added to the totals.
suite() {
  local name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee "$log_dir/$name.log"
  local status=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log_dir/$name.log" | tail -1)
  if [[ -z $line ]]; then
    echo "FAIL $name: the suite printed no summary (exit $status)"
    total_failed=$((total_failed + 1))
    return
  fi
  local p f
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
  if ((f == 0 && status != 0)); then
    echo "FAIL $name: exit status $status with no failed test"
    f=1
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
}

unit_tests() {
  local passed=0 failed=0 t out
  for t in "$sanitized"/test_*; do
    [[ -f $t && -x $t ]] || continue
    out=$(timeout 300 "$t" 2>&1)
    local status=$?
    printf '%s\n' "$out" | grep -E '^\[ +(OK|FAILED|LINE) +\]'
    passed=$((passed + $(grep -cE '^\[ +OK +\]' <<<"$out")))
    failed=$((failed + $(grep -cE '^\[ +FAILED +\] [a-z0-9_]+$' <<<"$out")))
    if ((status != 0)) && ! grep -qE '^\[ +FAILED +\]' <<<"$out"; then
      echo "FAIL $(basename "$t"): crashed (exit $status)"; printf '%s\n' "$out" | tail -20
      failed=$((failed + 1))
    fi
  done
  echo "$passed passed, $failed failed"
}

suite unit unit_tests
suite lit env WASM_INSTRUMENT="$root/$sanitized/wasm-instrument" tests/lit/run-lit.sh
[[ -x tests/e2e/run.sh ]] && suite e2e env WASM_INSTRUMENT="$root/$sanitized/wasm-instrument" tests/e2e/run.sh
[[ -x tests/shim/run.sh ]] && suite shim env WASM_INSTRUMENT="$root/$sanitized/wasm-instrument" WASM_OBSERVE_LIB="$root/$sanitized/libwasm-observe.a" tests/shim/run.sh
[[ -x tests/shim/otlp-http/run.sh ]] && suite otlp-http env WASM_OBSERVE_LIB="$root/$sanitized/libwasm-observe.a" tests/shim/otlp-http/run.sh
[[ -x tests/node-host/run.sh ]] && suite node-host env WASM_INSTRUMENT="$root/$sanitized/wasm-instrument" tests/node-host/run.sh
[[ -x tests/realworld/run.sh ]] && suite realworld env WASM_INSTRUMENT="$root/$plain/wasm-instrument" tests/realworld/run.sh
[[ -x tests/fuzz/run.sh ]] && suite fuzz env WASM_INSTRUMENT="$root/$plain/wasm-instrument" tests/fuzz/run.sh
rm -rf "$log_dir"
echo
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
