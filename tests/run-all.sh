#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed, N skipped"
# (the totals). Each suite's runner ends with its own such line.
# Suites: C unit tests, lit pass tests, end-to-end fixtures and the runtime
# shim's host tests against the ASan+UBSan build; real-world modules and fuzzing (large inputs, many runs)
# against the plain build.
# A suite fails the run (one more failure, a "FAIL SUITE: ..." line) when its
# runner is missing or not executable, when it prints no summary line, when it
# exits non-zero with no failed test, and when it ran no test (0 passed and 0
# failed, whatever it skipped).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sanitized=${SANITIZED_BUILD:-build-asan}
plain=${PLAIN_BUILD:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
total_passed=0 total_failed=0 total_skipped=0

# suite NAME RUNNER [VAR=VALUE...]: runs RUNNER (a script, or a function of
# this file) with these variables; its last "N passed, N failed, N skipped"
# line (", N skipped" may be absent: 0) is added to the totals.
suite() {
  local name=$1 runner=$2
  shift 2
  echo "== $name"
  if ! declare -F "$runner" >/dev/null && [[ ! -f $runner || ! -x $runner ]]; then
    echo "FAIL $name: the runner $runner is missing or not executable"
    total_failed=$((total_failed + 1))
    return
  fi
  (
    # shellcheck disable=SC2163 # the arguments are VAR=VALUE words
    (($#)) && export "$@"
    "$runner"
  ) 2>&1 | tee "$log_dir/$name.log"
  local status=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log_dir/$name.log" | tail -1)
  if [[ -z $line ]]; then
    echo "FAIL $name: the suite printed no summary (exit $status)"
    total_failed=$((total_failed + 1))
    return
  fi
  local p f s
  [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]
  p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
  if ((p == 0 && f == 0)); then
    echo "FAIL $name: ran no test"
    f=1
  elif ((f == 0 && status != 0)); then
    echo "FAIL $name: exit status $status with no failed test"
    f=1
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  total_skipped=$((total_skipped + s))
}

# The cmocka binaries, one per tests/unit/test_*.c: a missing one (cmocka was
# not found when meson set up the build) is a failure. Counts each test's
# result line after its "[ RUN ]" line (cmocka lists the failed and skipped
# ones again at the end).
unit_tests() {
  local passed=0 failed=0 skipped=0 src t out counts p f s
  for src in tests/unit/test_*.c; do
    [[ -f $src ]] || continue
    t=$sanitized/$(basename "$src" .c)
    if [[ ! -f $t || ! -x $t ]]; then
      echo "FAIL $(basename "$t"): $t was not built (cmocka missing? apt-get install libcmocka-dev, then meson setup --reconfigure $sanitized)"
      failed=$((failed + 1))
      continue
    fi
    out=$(timeout 300 "$t" 2>&1)
    local status=$?
    printf '%s\n' "$out" | grep -E '^\[ +(OK|FAILED|SKIPPED|ERROR|LINE) +\]'
    counts=$(awk '
      /^\[ RUN +\] / { name = $NF; next }
      name != "" && $NF == name && /^\[ +(OK|FAILED|SKIPPED|ERROR) +\] [^ ]+$/ {
        if ($0 ~ /^\[ +OK/) p++; else if ($0 ~ /^\[ +SKIPPED/) s++; else f++
        name = ""
      }
      END { print p + 0, f + 0, s + 0 }' <<<"$out")
    read -r p f s <<<"$counts"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if ((status != 0 && f == 0)); then
      echo "FAIL $(basename "$t"): crashed (exit $status)"; printf '%s\n' "$out" | tail -20
      failed=$((failed + 1))
    elif ((p + f + s == 0)); then
      echo "FAIL $(basename "$t"): ran no test"
      failed=$((failed + 1))
    fi
  done
  echo "$passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
}

sanitized_tool=WASM_INSTRUMENT=$root/$sanitized/wasm-instrument
plain_tool=WASM_INSTRUMENT=$root/$plain/wasm-instrument
sanitized_lib=WASM_OBSERVE_LIB=$root/$sanitized/libwasm-observe.a
suite unit unit_tests
suite lit tests/lit/run-lit.sh "$sanitized_tool"
suite e2e tests/e2e/run.sh "$sanitized_tool"
suite shim tests/shim/run.sh "$sanitized_tool" "$sanitized_lib"
suite otlp-http tests/shim/otlp-http/run.sh "$sanitized_lib"
suite span-budget tests/span-budget/run.sh "$sanitized_tool" "$sanitized_lib"
suite node-host tests/node-host/run.sh "$sanitized_tool"
suite component tests/component/run.sh "$sanitized_tool"
suite component-host tests/component-host/run.sh "$sanitized_tool"
suite component-otel tests/component-otel/run.sh "$sanitized_tool"
suite otel-api tests/otel-api/run.sh "$sanitized_tool"
suite guest-shim tests/guest-shim/run.sh "GUEST_SHIM_BUILD=$root/$sanitized"
suite realworld tests/realworld/run.sh "$plain_tool"
suite fuzz tests/fuzz/run.sh "$plain_tool"
suite install tests/install/run.sh "INSTALL_BUILD=$root/$plain"
suite npm-package tests/npm-package/run.sh "$plain_tool" "PACKAGE_RECORDER=$root/$plain/wasm-observe-recorder.wasm"
echo
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
((total_failed == 0))
