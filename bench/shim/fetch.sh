#!/usr/bin/env bash
# Installs the pinned npm package that realworld.sh uses besides
# tests/realworld's (package.json + package-lock.json beside this script: a
# compression module, brotli-wasm) into ./node_modules. Idempotent: does nothing
# when node_modules already matches the lock file. Prints nothing on success;
# on failure prints npm's log on stderr and exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

wasm_files=(node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm)
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
if ! npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$log" 2>&1; then
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
