#!/usr/bin/env bash
# Builds the C recorder (runtime-shim/src, unchanged) for wasm32-wasi as a
# reactor module exporting enter/exit (glue.c), with a single-threaded
# <pthread.h> stand-in (include/): wasi-libc has no pthreads without the
# wasm32-wasi-threads target.   build.sh OUT.wasm
#
# The memory is shared (a SharedArrayBuffer in JS), so that the sampling
# thread of the sampled profile timing (a Node worker) can read the current
# profile node and add to its samples while the program runs. The code is
# still single-threaded: the objects are compiled without atomics (wasi-libc's
# are), so wasm-ld is told not to check the features and which ones the output
# uses (its memory initializer needs atomics and bulk memory).
#
# Compiled (-O3, LTO) and linked in two steps: clang runs wasm-opt after a
# link that has an -O flag whenever wasm-opt is on the PATH, and Binaryen's
# inliner would put the hooks' slow paths (called from one place each) back
# into the hooks, which then spill registers on every call. Linked without
# it, the output is the same wherever it is built.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
S=$ROOT/runtime-shim/src
CC=${CC:-clang}
TARGET=(--target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}")
OBJ=$(mktemp -d "${TMPDIR:-/tmp}/wasm-observe-recorder.XXXXXX")
trap 'rm -rf "$OBJ"' EXIT
objs=()
for c in "$S/recorder.c" "$S/profile.c" "$S/child_index.c" "$S/sampling.c" "$S/sites.c" "$S/span_batch.c" \
    "$S/status.c" "$S/demangle_name.c" "$S/tsc_clock.c" "$S/exporter_file.c" "$S/export_otlp_json.c" \
    "$S/export_chrome_trace.c" "$S/json_text.c" "$S/text_buffer.c" "$S/otlp_protobuf.c" "$S/otlp_request.c" \
    "$ROOT/src/byte_reader.c" "$HERE/glue.c"; do
  o=$OBJ/${#objs[@]}-$(basename "$c" .c).o
  "$CC" "${TARGET[@]}" -O3 -flto -c -I"$HERE/include" -I"$ROOT/runtime-shim/include" -I"$ROOT/runtime-shim/src" \
    -I"$ROOT/src" -Wno-implicit-function-declaration "$c" -o "$o"
  objs+=("$o")
done
"$CC" "${TARGET[@]}" -mexec-model=reactor -flto -Wl,--lto-O3 -Wl,--allow-undefined \
  -Wl,--shared-memory -Wl,--max-memory=4294967296 -Wl,--no-check-features \
  -Xlinker --features=atomics,bulk-memory,mutable-globals,sign-ext \
  "${objs[@]}" -o "$1"
