#!/usr/bin/env bash
# Install the pinned npm packages whose .wasm files the real-world tests use
# (package.json + package-lock.json beside this script) into ./node_modules.
# Idempotent: does nothing when node_modules already matches the lock file.
# Prints nothing on success; on failure prints npm's log and exits non-zero.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# The .wasm files the drivers need; all must exist after an install.
wasm_files=(
  node_modules/sql.js/dist/sql-wasm.wasm
  node_modules/esbuild-wasm/esbuild.wasm
  node_modules/@rollup/wasm-node/dist/wasm-node/bindings_wasm_bg.wasm
  node_modules/@oxc-parser/binding-wasm32-wasi/parser.wasm32-wasi.wasm
  node_modules/wasm-vips/lib/vips.wasm
  node_modules/@micropython/micropython-webassembly-pyscript/micropython.wasm
  node_modules/occt-import-js/dist/occt-import-js.wasm
)

# --force: the *-wasm32-wasi packages declare cpu: wasm32.
exec "$here/../../scripts/npm-fetch-pinned.sh" "$here" --force "${wasm_files[@]}"
