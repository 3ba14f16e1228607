#!/bin/sh
# Builds traced-run for one instrumented WASI command module:
#
#   build.sh APP.wasm OUTDIR [wasm2c options, e.g. --enable-threads]
#
# gives OUTDIR/traced-run (run it as `OUTDIR/traced-run [options] APP.wasm ARGS...`).
# Steps: wasm2c -n app APP.wasm -> app.c/app.h; make-glue.sh app.h -> glue.c;
# compile them with traced-run.c, otel_env.c, run_start.c, ../wasm_observe_wasm2c.c, the
# small WASI of tests/e2e/wasm2c-wasi.c and the wasm2c runtime, and link
# libwasm-observe.
#
# Environment:
#   CC                C compiler (default cc)
#   CFLAGS            flags for the host C files (default -O2 -g)
#   GEN_CFLAGS        flags for the generated module (default -O2)
#   LDFLAGS           extra link flags (e.g. -fsanitize=address,undefined)
#   RT_DEFS           wasm2c runtime configuration, the same for every file
#                     (default: none, i.e. guard pages and a SIGSEGV handler;
#                     with ASan use -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0)
#   WASM_OBSERVE_LIB  the library (default ROOT/build/libwasm-observe.a)
#   WASM2C_RT         wasm2c runtime sources (default /usr/share/wabt/wasm2c)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
app=${1:?usage: build.sh APP.wasm OUTDIR [wasm2c options]}
out=${2:?usage: build.sh APP.wasm OUTDIR [wasm2c options]}
shift 2
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2 -g}
GEN_CFLAGS=${GEN_CFLAGS:--O2}
LDFLAGS=${LDFLAGS:-}
RT_DEFS=${RT_DEFS:-}
lib=${WASM_OBSERVE_LIB:-$root/build/libwasm-observe.a}
rt=${WASM2C_RT:-/usr/share/wabt/wasm2c}
e2e=$root/tests/e2e

mkdir -p "$out"
[ -f "$lib" ] || { echo "build.sh: $lib not found (ninja -C build)" >&2; exit 1; }
inc="-I$out -I$here -I$here/.. -I$root/runtime-shim/include -I$rt"

wasm2c "$@" -n app "$app" -o "$out/app.c"
"$here/make-glue.sh" "$out/app.h" >"$out/glue.c"
# shellcheck disable=SC2086 # the flag strings are split into words on purpose
{
  $CC $GEN_CFLAGS -w $RT_DEFS $inc -c "$out/app.c" -o "$out/app.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$out/glue.c" -o "$out/glue.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$here/traced-run.c" -o "$out/traced-run.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$here/flame_graph.c" -o "$out/flame_graph.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$here/otel_env.c" -o "$out/otel_env.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$here/run_start.c" -o "$out/run_start.o"
  $CC $CFLAGS $RT_DEFS $inc -c "$here/../wasm_observe_wasm2c.c" -o "$out/wasm_observe_wasm2c.o"
  $CC $CFLAGS $RT_DEFS -I"$e2e" -I"$rt" -c "$e2e/wasm2c-wasi.c" -o "$out/wasi.o"
  $CC $CFLAGS -w $RT_DEFS -D_DEFAULT_SOURCE -I"$rt" -c "$rt/wasm-rt-impl.c" -o "$out/wasm-rt-impl.o"
  $CC $LDFLAGS "$out/traced-run.o" "$out/flame_graph.o" "$out/otel_env.o" "$out/run_start.o" "$out/glue.o" "$out/app.o" "$out/wasm_observe_wasm2c.o" \
    "$out/wasi.o" "$out/wasm-rt-impl.o" "$lib" -lcurl -liberty -lpthread -lm -o "$out/traced-run"
}
