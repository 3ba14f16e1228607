#!/usr/bin/env bash
# Installs the pinned npm packages that the benchmarks use besides
# tests/realworld's (package.json + package-lock.json beside this script: a
# compression module, brotli-wasm, and a Python interpreter, MicroPython) into
# ./node_modules. Idempotent: does nothing
# when node_modules already matches the lock file. Prints nothing on success;
# on failure prints npm's log on stderr and exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

wasm_files=(node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm
  node_modules/@micropython/micropython-webassembly-pyscript/micropython.wasm)
exec "$here/../../scripts/npm-fetch-pinned.sh" "$here" "${wasm_files[@]}"
