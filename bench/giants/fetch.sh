#!/usr/bin/env bash
# Install the pinned npm packages whose .wasm files are the benchmark's giants
# (package.json + package-lock.json beside this script) into ./node_modules:
# duckdb-wasm's builds (34 MB with exception handling, 39 MB without), and two
# C++ builds of OpenCascade with exception handling (occt-import-js, 7.6 MB;
# replicad-opencascadejs, 23 MB).
# Bench only: the tests never download these.
# Idempotent; prints nothing on success; on failure prints npm's log, exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

wasm_files=(
  node_modules/@duckdb/duckdb-wasm/dist/duckdb-eh.wasm
  node_modules/@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm
  node_modules/occt-import-js/dist/occt-import-js.wasm
  node_modules/replicad-opencascadejs/dist/replicad_single.wasm
)

exec "$here/../../scripts/npm-fetch-pinned.sh" "$here" "${wasm_files[@]}"
