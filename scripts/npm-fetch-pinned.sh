#!/usr/bin/env bash
# Installs the npm packages pinned by DIR/package-lock.json into DIR/node_modules
# with `npm ci`, for the scripts that use real .wasm files from npm
# (tests/realworld/fetch.sh, bench/shim/fetch.sh).
#
#   npm-fetch-pinned.sh DIR [--force] FILE...
#
# FILE...: the files (relative to DIR) that must exist after an install.
# --force is passed to npm ci (packages that declare another cpu, e.g. wasm32).
# Idempotent: does nothing when node_modules matches the lock file (a stamp
# holds the lock file's hash) and every FILE is there. Prints nothing on
# success; on failure prints npm's log on stderr, prefixed by a line
# "fetch.sh: npm ci failed:", and exits 1.
set -euo pipefail
cd "$1"
shift
force=()
if [[ ${1:-} == --force ]]; then
  force=(--force)
  shift
fi
files=("$@")

stamp=node_modules/.wasm-instrument-fetch-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
installed() {
  [[ -f $stamp && "$(cat "$stamp")" == "$want" ]] || return 1
  local f
  for f in "${files[@]}"; do [[ -s $f ]] || return 1; done
}
installed && exit 0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! npm ci "${force[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error >"$log" 2>&1; then
  echo "fetch.sh: npm ci failed:" >&2
  cat "$log" >&2
  exit 1
fi
for f in "${files[@]}"; do
  if [[ ! -s $f ]]; then
    echo "fetch.sh: npm ci succeeded but $f is missing" >&2
    exit 1
  fi
done
echo "$want" >"$stamp"
