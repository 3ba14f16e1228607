#!/usr/bin/env bash
# Tests of the Node host's spans inside an application's own OpenTelemetry
# traces (createRecorder's openTelemetry option, the preload's
# WASM_OBSERVE_OTEL=1): sql.js (the version tests/realworld pins), every
# function instrumented by $WASM_INSTRUMENT, run by app.cjs, an HTTP server
# traced by the OpenTelemetry JS SDK (NodeTracerProvider, the HTTP
# instrumentation, an in-memory exporter or the OTLP/HTTP protobuf exporter
# into @elastic/mockotlpserver); check.mjs runs it in several ways and checks
# the traces (see its header for the list of checks). bridge-unit.mjs checks
# the bridge's bookkeeping against a fake API.
#
# The npm packages (the SDK, the instrumentation, the exporter,
# mockotlpserver, sql.js) are pinned in package-lock.json and installed by
# scripts/npm-fetch-pinned.sh (npm ci).
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), NODE,
# OTEL_API_WORK (work dir, default a new mktemp dir, kept), WASM_OBSERVE_CACHE
# (where the wasm32 recorder is built; default WORK/wasm32-cache).
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped"; exit 1 on failure.
set -u
set -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
NODE=${NODE:-node}
WORK=${OTEL_API_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/otel-api.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export WASM_OBSERVE_CACHE=${WASM_OBSERVE_CACHE:-$WORK/wasm32-cache}

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
summary() {
  echo "work dir: $WORK"
  echo "$passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
  exit
}

if ! "$ROOT/scripts/npm-fetch-pinned.sh" "$HERE" node_modules/sql.js/dist/sql-wasm.wasm \
  node_modules/@opentelemetry/sdk-trace-node/package.json \
  node_modules/@opentelemetry/instrumentation-http/package.json \
  node_modules/@opentelemetry/exporter-trace-otlp-proto/package.json \
  node_modules/@elastic/mockotlpserver/package.json; then
  fail setup "cannot install the pinned npm packages (OpenTelemetry SDK, HTTP instrumentation, mockotlpserver, sql.js)"
  summary
fi
if [[ ! -x $TOOL ]]; then
  fail setup "$TOOL is missing (./run build)"
  summary
fi
if ! "$TOOL" "$HERE/node_modules/sql.js/dist/sql-wasm.wasm" -o "$WORK/sql-wasm.wasm" 2>"$WORK/tool.err"; then
  fail "instrument sql.js" "$(head -2 "$WORK/tool.err" | tr '\n' ' ')"
  summary
fi
pass "instrument sql.js"

# count_lines LOG WHAT STATUS: its PASS/FAIL lines; a script that died
# without one is a failure.
count_lines() {
  local log=$1 what=$2 status=$3
  cat "$log"
  passed=$((passed + $(grep -c '^PASS ' "$log")))
  failed=$((failed + $(grep -c '^FAIL ' "$log")))
  if ((status != 0)) && ! grep -q '^FAIL ' "$log"; then
    fail "$what" "exited $status: $(tail -3 "$log" | tr '\n' ' ')"
  fi
}

"$NODE" "$HERE/bridge-unit.mjs" >"$WORK/bridge-unit.log" 2>&1
count_lines "$WORK/bridge-unit.log" bridge-unit.mjs $?
"$NODE" "$HERE/check.mjs" --wasm "$WORK/sql-wasm.wasm" --work "$WORK/check" >"$WORK/check.log" 2>&1
count_lines "$WORK/check.log" check.mjs $?
summary
