#!/usr/bin/env bash
# Builds the C recorder (runtime-shim/src, unchanged) for wasm32-wasi as a
# reactor module exporting enter/exit (glue.c), with a single-threaded
# <pthread.h> stand-in (include/): wasi-libc has no pthreads without the
# wasm32-wasi-threads target.   build.sh OUT.wasm
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
S=$ROOT/runtime-shim/src
${CC:-clang} --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" -O3 -flto -mexec-model=reactor \
  -I"$HERE/include" -I"$ROOT/runtime-shim/include" -I"$ROOT/runtime-shim/src" -I"$ROOT/src" -Wl,--allow-undefined \
  -Wno-implicit-function-declaration \
  "$S/recorder.c" "$S/profile.c" "$S/sites.c" "$S/span_batch.c" "$S/status.c" "$S/demangle_name.c" "$S/tsc_clock.c" \
  "$S/exporter_file.c" "$S/export_otlp_json.c" "$S/export_chrome_trace.c" "$S/json_text.c" "$S/text_buffer.c" \
  "$S/otlp_protobuf.c" "$S/otlp_request.c" \
  "$ROOT/src/byte_reader.c" "$HERE/glue.c" -o "$1"
