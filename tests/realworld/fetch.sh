#!/usr/bin/env bash
# Install the pinned npm packages whose .wasm files the real-world tests use
# (package.json + package-lock.json beside this script) into ./node_modules.
# Idempotent: does nothing when node_modules already matches the lock file.
# Prints nothing on success; on failure prints npm's log and exits non-zero.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# The .wasm files the drivers need; all must exist after an install.
wasm_files=(
  node_modules/sql.js/dist/sql-wasm.wasm
  node_modules/esbuild-wasm/esbuild.wasm
  node_modules/@rollup/wasm-node/dist/wasm-node/bindings_wasm_bg.wasm
  node_modules/@oxc-parser/binding-wasm32-wasi/parser.wasm32-wasi.wasm
  node_modules/wasm-vips/lib/vips.wasm
)

stamp=node_modules/.wasm-instrument-fetch-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
installed() {
  [[ -f $stamp && "$(cat "$stamp")" == "$want" ]] || return 1
  local f
  for f in "${wasm_files[@]}"; do [[ -s $f ]] || return 1; done
}
installed && exit 0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --force: the *-wasm32-wasi packages declare cpu: wasm32.
if ! npm ci --force --no-audit --no-fund --ignore-scripts --loglevel=error >"$log" 2>&1; then
  echo "fetch.sh: npm ci failed:" >&2
  cat "$log" >&2
  exit 1
fi
for f in "${wasm_files[@]}"; do
  if [[ ! -s $f ]]; then
    echo "fetch.sh: npm ci succeeded but $f is missing" >&2
    exit 1
  fi
done
echo "$want" >"$stamp"
