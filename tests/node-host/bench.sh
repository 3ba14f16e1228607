#!/usr/bin/env bash
# Measures the Node host's recorder, the C library compiled to wasm32
# (runtime-shim/node/wasm32; directly, and through createRecorder in
# runtime-shim/node/wasm-observe.mjs), against the no-op floors.
# Usage: tests/node-host/bench.sh [N] [ROUNDS]   (default 1e7, 5)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
W=$(mktemp -d "${TMPDIR:-/tmp}/node-host-bench.XXXXXX")
wat2wasm "$HERE/bench.wat" -o "$W/bench.wasm"
wat2wasm "$HERE/noop.wat" -o "$W/noop.wasm"
"$TOOL" "$W/bench.wasm" -o "$W/bench.instr.wasm"
"$ROOT/runtime-shim/node/wasm32/build.sh" "$W/wo.wasm"
${NODE:-node} "$HERE/bench.mjs" "$W/bench.wasm" "$W/bench.instr.wasm" "$W/noop.wasm" "$W/wo.wasm" "${1:-10000000}" "${2:-5}"
rm -rf "$W"
