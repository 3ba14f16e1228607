#!/usr/bin/env bash
# Benchmark: the cost of a span through jco, for a component run by the Node
# host (runtime-shim/node/wasm-observe-run.mjs, component-host.mjs), against
# the same program run as a core module under the same host, in the same run,
# and for each --link: hooks, wasi-observe and wasi-otel.
#
#   bench/component-host.sh [N] [ROUNDS] [M]
#     N calls (default 1000000), best of ROUNDS (3); M calls (default N/10,
#     at least 1000) for the runs whose spans go through jco's lowering of a
#     host import (~10 us a call: fewer calls, but enough for jco's JS to be
#     warm; with 10^4 they cost ~1.5x more a call than with 10^5)
#
# The program (written below) calls a tiny noinline function N times and
# prints the loop's time, read with clock_gettime inside the program (WASI
# clock_time_get for the module, wasi:clocks/monotonic-clock for the
# component): start-up, transpiling and compiling are not in it. Built once
# with clang for wasm32-wasi, it is run as a core module (node:wasi) and as a
# WASI command component (`jco new --wasi-command`: the same core code plus the
# preview1 adapter, through jco and preview2-shim), each uninstrumented and
# instrumented (wasm-instrument, --link hooks for the component), the latter
# with the command's recorder in three settings:
#   profile   --folded-calls /dev/null          (clock, call tree only)
#   spans     --otlp-file /dev/null             (clock, every span encoded)
#   sampled   --profile-timing sampled --folded-calls /dev/null  (no clock)
# and, for the component only, with M calls: `profile` with
# WASM_OBSERVE_COMPONENT_HOOKS=jco (the hooks through jco's lowering of the
# component import instead of the recorder's functions given straight to the
# core modules, the default), and the component instrumented with --link
# wasi-observe and --link wasi-otel (the guest shim's spans through the host's
# wasi:observe/tracer and wasi:otel/tracing, lowered by jco) in `profile` and
# `spans`. All runs are interleaved, round-robin, best of ROUNDS each. Prints,
# per setting, ns per enter/exit pair ((instrumented - uninstrumented) / calls;
# for the M runs, the uninstrumented loop's time per iteration from the N
# runs) for the module and the component, and their ratio; the loop's own ns
# per iteration; the host calls jco lowers per span in each mode.
# Reports, never fails on a number. Environment: WASM_INSTRUMENT, NODE, CC,
# BENCH_WORK (keep the files), WASM_OBSERVE_NODE_MODULES (default
# tests/component/node_modules, installed by scripts/npm-fetch-pinned.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
TOOL=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
NODE=${NODE:-node}
CC=${CC:-clang}
N=${1:-1000000}
ROUNDS=${2:-3}
M=${3:-$((N / 10 > 1000 ? N / 10 : 1000))}
W=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/component-host-bench.XXXXXX")}
mkdir -p "$W"
RUN=$root/runtime-shim/node/wasm-observe-run.mjs
if [[ -z ${WASM_OBSERVE_NODE_MODULES:-} ]]; then
  "$root/scripts/npm-fetch-pinned.sh" "$root/tests/component" node_modules/.bin/jco \
    node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm
  export WASM_OBSERVE_NODE_MODULES=$root/tests/component/node_modules
fi
export WASM_OBSERVE_CACHE=$W/cache

cat >"$W/loop.c" <<'EOF'
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) static int work(int x) { return (x * 31) ^ 7; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec a, b;
  int acc = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) acc += work((int)i);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%d %lld\n", acc, (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
EOF
$CC --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" -O1 -std=c17 -c "$W/loop.c" -o "$W/loop.o"
$CC --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" "$W/loop.o" -o "$W/loop.wasm" -Wl,--strip-debug
"$root/tests/component/node_modules/.bin/jco" new "$W/loop.wasm" --wasi-command -o "$W/loop.component.wasm" >/dev/null
"$TOOL" "$W/loop.wasm" -o "$W/loop.instr.wasm"
"$TOOL" "$W/loop.component.wasm" -o "$W/loop.component.instr.wasm" --link hooks
"$TOOL" "$W/loop.component.wasm" -o "$W/loop.component.otel.wasm" --link wasi-otel
"$TOOL" "$W/loop.component.wasm" -o "$W/loop.component.observe.wasm" --link wasi-observe

declare -A best
settings=(plain profile spans sampled profile-jco observe-profile observe-spans otel-profile otel-spans)
# Every call a span: muting and the span budget are lifted (the cost of a span
# is what is measured).
flags() {
  case $1 in
    plain) ;;
    profile | profile-jco | *-profile) echo --folded-calls /dev/null --mute-after never ;;
    spans | *-spans) echo --otlp-file /dev/null --mute-after never --span-rate unlimited --max-file-size unlimited ;;
    sampled) echo --profile-timing sampled --folded-calls /dev/null ;;
  esac
}
file() {
  local kind=$1 setting=$2 f=$W/loop
  [[ $kind == component ]] && f=$f.component
  case $setting in
    plain) ;;
    otel-*) f=$f.otel ;;
    observe-*) f=$f.observe ;;
    *) f=$f.instr ;;
  esac
  echo "$f.wasm"
}
# the calls a setting's run makes: M where jco lowers a host call per hook
calls() {
  case $1 in profile-jco | otel-* | observe-*) echo "$M" ;; *) echo "$N" ;; esac
}
# one run: the loop's ns, checked against the expected output
declare -A expect
one() {
  local kind=$1 setting=$2 out hooks=direct n
  n=$(calls "$setting")
  [[ $setting == profile-jco ]] && hooks=jco
  # shellcheck disable=SC2046
  out=$(WASM_OBSERVE_COMPONENT_HOOKS=$hooks "$NODE" "$RUN" run "$(file "$kind" "$setting")" $(flags "$setting") -- "$n" </dev/null)
  local acc=${out% *} ns=${out#* }
  if [[ -z ${expect[$n]:-} ]]; then expect[$n]=$acc; fi
  if [[ $acc != "${expect[$n]}" ]]; then echo "bench: $kind $setting printed '$out', expected ${expect[$n]} ..." >&2; exit 1; fi
  echo "$ns"
}
echo "warming the transpile cache..." >&2
for s in plain profile otel-profile observe-profile; do "$NODE" "$RUN" run "$(file component "$s")" -- 1 >/dev/null </dev/null; done
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS..." >&2
  for kind in module component; do
    for s in "${settings[@]}"; do
      [[ $kind == module && ($s == profile-jco || $s == otel-* || $s == observe-*) ]] && continue
      ns=$(one "$kind" "$s")
      key=$kind-$s
      if [[ -z ${best[$key]:-} ]] || ((ns < best[$key])); then best[$key]=$ns; fi
    done
  done
done

echo "node $("$NODE" --version), N = $N calls (M = $M where jco lowers the hook calls), best of $ROUNDS; ns per enter/exit pair = (instrumented - uninstrumented) / calls"
echo
echo "| setting | module (node:wasi) | component (jco) | component / module |"
echo "|---|---:|---:|---:|"
printf '| uninstrumented loop, ns per iteration | %.1f | %.1f | %.2f |\n' \
  "$(bc -l <<<"${best[module-plain]} / $N")" "$(bc -l <<<"${best[component-plain]} / $N")" \
  "$(bc -l <<<"${best[component-plain]} / ${best[module-plain]}")"
for s in profile spans sampled; do
  m=$(bc -l <<<"(${best[module-$s]} - ${best[module-plain]}) / $N")
  c=$(bc -l <<<"(${best[component-$s]} - ${best[component-plain]}) / $N")
  printf '| %s | %.1f | %.1f | %.2f |\n' "$s" "$m" "$c" "$(bc -l <<<"$c / $m")"
done
# a setting with M calls, in ns per span: (its loop - M uninstrumented iterations) / M
per_span() { bc -l <<<"(${best[component-$1]} - $M * ${best[component-plain]} / $N) / $M"; }
c=$(per_span profile-jco)
printf '| profile, through jco'"'"'s lowering of the import | | %.1f | %.2f (over profile) |\n' "$c" "$(bc -l <<<"$c / ((${best[component-profile]} - ${best[component-plain]}) / $N)")"
echo
echo "Each --link, the component only, ns per span (profile / spans), and the host calls jco lowers per span:"
echo
echo "| --link | profile | spans | host calls through jco per span |"
echo "|---|---:|---:|---|"
printf '| hooks (the recorder'"'"'s functions in the core modules) | %.1f | %.1f | none |\n' \
  "$(bc -l <<<"(${best[component-profile]} - ${best[component-plain]}) / $N")" "$(bc -l <<<"(${best[component-spans]} - ${best[component-plain]}) / $N")"
printf '| hooks, through jco'"'"'s lowering of the import | %.0f | | 2 (enter, exit) |\n' "$(per_span profile-jco)"
printf '| wasi-observe | %.0f | %.0f | 2 (start, [method]span.end; the drop is not lowered) |\n' "$(per_span observe-profile)" "$(per_span observe-spans)"
printf '| wasi-otel | %.0f | %.0f | 4 (on-start, on-end, monotonic-clock.now twice) |\n' "$(per_span otel-profile)" "$(per_span otel-spans)"
echo
echo "Whole loop, instrumented / uninstrumented:"
for s in profile spans sampled profile-jco observe-profile observe-spans otel-profile otel-spans; do
  if [[ $(calls "$s") == "$M" ]]; then
    printf '  %-15s component %.0fx (M calls)\n' "$s" "$(bc -l <<<"${best[component-$s]} / ($M * ${best[component-plain]} / $N)")"
    continue
  fi
  printf '  %-15s module %.1fx, component %.1fx\n' "$s" \
    "$(bc -l <<<"${best[module-$s]} / ${best[module-plain]}")" "$(bc -l <<<"${best[component-$s]} / ${best[component-plain]}")"
done
[[ -n ${BENCH_WORK:-} ]] || rm -rf "$W"
