#!/usr/bin/env bash
# Benchmark: components (bench/README.md, "Components").
#
#   bench/component.sh          (./run bench runs it too)
#
# A real component: bench/component/workload.js built by componentize-js into
# a StarlingMonkey component (the SpiderMonkey JS engine compiled to wasm,
# ~12 MB; componentize-js is pinned in tests/component/package.json).
#
# 1. The component layer: wasm-instrument on the component (--link hooks,
#    --link wasi-otel) against wasm-instrument on its main core module alone
#    (extracted from the component), best of BENCH_RUNS, wall time and max
#    RSS; the difference per 10 MB of component (goal: at most 0.1 s).
# 2. A span through jco: a component calling fib (bench/component/fib.wat),
#    uninstrumented and instrumented with --link hooks, wasi-otel and
#    wasi-observe, run through jco 1.35.0 (what the tests pin) and 1.13.0 (the
#    last jco whose lowered host imports are plain calls; 1.14 added task
#    bookkeeping to each call): ns per span over the uninstrumented run.
# 3. The workload run through jco 1.13.0 in Node (bench/component/run-workload.mjs,
#    no-op tracing hosts), timed inside the component, best of BENCH_RUNS
#    interleaved runs: uninstrumented; every function with --link hooks
#    (hooks that count), --link wasi-otel (the guest shim; a host whose
#    on-end only counts), --link wasi-observe; only the boundaries
#    (--no-functions) with --link wasi-otel. Prints the ratio to the
#    uninstrumented run and the cost per span. (Through jco 1.35 every
#    function of this workload takes tens of minutes: see part 2.)
#
# Environment: BENCH_RUNS (default 5), BENCH_WORK (keep the work directory),
# WASM_INSTRUMENT (default build/wasm-instrument). It reports, it does not
# assert: the exit status is 0 unless the benchmark could not run.
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
runs=${BENCH_RUNS:-5}
timer=/usr/bin/time
components=$root/tests/component

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 2; }
[[ -x $tool ]] || die "no tool at $tool (build it: ./run build)"
[[ -x $timer ]] || die "$timer is missing (Debian package 'time')"
if [[ -n ${BENCH_WORK:-} ]]; then
  work=$BENCH_WORK
  mkdir -p "$work" || die "cannot create $work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

"$root/scripts/npm-fetch-pinned.sh" "$components" node_modules/.bin/jco \
  node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm ||
  die "cannot install tests/component's npm packages"

say "building the StarlingMonkey component"
mkdir -p "$work/app/wit/deps"
cp "$components/js-app/world.wit" "$work/app/wit/"
cp "$here/component/workload.js" "$work/app/app.js"
cp -r "$components"/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12/* "$work/app/wit/deps/"
(cd "$work/app" && node "$components/node_modules/@bytecodealliance/componentize-js/src/cli.js" \
  --wit wit -o app.wasm app.js) >"$work/build.log" 2>&1 || die "componentize-js failed: $(tail -3 "$work/build.log")"
app=$work/app/app.wasm

# The component's largest core module (its own code: StarlingMonkey).
python3 - "$app" "$work/main.wasm" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
def u32(p):
    r = s = 0
    while True:
        b = data[p]; p += 1; r |= (b & 0x7f) << s; s += 7
        if not b & 0x80: return r, p
pos, best = 8, (0, 0)
while pos < len(data):
    sid = data[pos]; size, pos = u32(pos + 1)
    if sid == 1 and size > best[1] - best[0]: best = (pos, pos + size)
    pos += size
open(sys.argv[2], "wb").write(data[best[0]:best[1]])
EOF

# best_of CMD...: best wall time (s) and its max RSS (KiB) over $runs runs.
best_of() {
  local best_t="" best_m="" t m i
  for ((i = 0; i < runs; i++)); do
    read -r t m < <($timer -f "%e %M" "$@" 2>&1 >/dev/null | tail -1)
    if [[ -z $best_t ]] || awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then
      best_t=$t best_m=$m
    fi
  done
  echo "$best_t $best_m"
}

size_app=$(stat -c %s "$app")
size_main=$(stat -c %s "$work/main.wasm")
say "timing the rewrite ($runs runs each)"
read -r t_main m_main < <(best_of "$tool" "$work/main.wasm" -o "$work/main.out.wasm")
read -r t_hooks m_hooks < <(best_of "$tool" "$app" -o "$work/hooks.wasm" --link hooks)
read -r t_otel m_otel < <(best_of "$tool" "$app" -o "$work/otel.wasm" --link wasi-otel)
"$tool" "$app" -o "$work/observe.wasm" --link wasi-observe 2>/dev/null
# the tool's own split: the time outside the module pipeline (--stats)
layer_ms() { "$tool" "$app" -o "$work/stats.wasm" --stats "$@" 2>&1 | sed -n 's/.*component layer \([0-9.]*\) ms.*/\1/p'; }
layer_hooks=$(layer_ms --link hooks)
layer_otel=$(layer_ms --link wasi-otel)
"$tool" "$app" -o "$work/edges.wasm" --link wasi-otel --no-functions 2>/dev/null

echo "### The component layer (StarlingMonkey component, $((size_app / 1000)) KB; its main core module $((size_main / 1000)) KB)"
echo
echo "| input | wall time | max RSS | over the core module alone | per 10 MB of component | the component layer's own time (--stats) |"
echo "|---|--:|--:|--:|--:|--:|"
row() {
  awk -v name="$1" -v t="$2" -v m="$3" -v layer="$4" -v t0="$t_main" -v m0="$m_main" -v size="$size_app" 'BEGIN {
    d = t - t0
    printf "| %s | %.2f s | %.0f MiB | %+.2f s, %+.0f MiB | %+.3f s | %.1f ms |\n", name, t, m / 1024, d, (m - m0) / 1024, d * 1e7 / size, layer
  }'
}
awk -v t="$t_main" -v m="$m_main" 'BEGIN { printf "| the main core module alone | %.2f s | %.0f MiB | | | |\n", t, m / 1024 }'
row "the component, --link hooks" "$t_hooks" "$m_hooks" "$layer_hooks"
row "the component, --link wasi-otel (guest shim)" "$t_otel" "$m_otel" "$layer_otel"
echo
awk -v t0="$t_main" -v a="$t_hooks" -v b="$t_otel" -v la="$layer_hooks" -v lb="$layer_otel" -v size="$size_app" 'BEGIN {
  worst = (a > b ? a : b) - t0
  layer = (la > lb ? la : lb) / 1000
  printf "goal: component layer at most +0.1 s per 10 MB: wall time %+.3f s per 10 MB (best of the runs, noisy at this size), the layer alone %.3f s per 10 MB: %s\n\n", worst * 1e7 / size, layer * 1e7 / size, layer * 1e7 / size <= 0.1 ? "met" : "NOT MET"
}'

# run_once KEY NODE_MODULES WASM [NAME ARG]: one run; keeps the best elapsed_ms of KEY
# (the callers interleave the variants).
declare -A best spans label
run_once() {
  local key=$1 modules=$2 wasm=$3 out ms
  shift 3
  out=$(node "$here/component/run-workload.mjs" "$modules" "$wasm" "$work/js-$key" "$@" 2>"$work/$key.err")
  ms=$(sed -n 's/.*elapsed_ms \([0-9.]*\).*/\1/p' <<<"$out")
  [[ -n $ms ]] || die "$key: no elapsed_ms in '$out' $(head -3 "$work/$key.err")"
  spans[$key]=$(sed -n 's/^spans \([0-9]*\)$/\1/p' "$work/$key.err")
  if [[ -z ${best[$key]:-} ]] || awk -v a="$ms" -v b="${best[$key]}" 'BEGIN { exit !(a < b) }'; then
    best[$key]=$ms
  fi
}

# table_rows BASE KEY...: one row per KEY against BASE's time.
table_rows() {
  local base=$1 key
  shift
  for key in "$@"; do
    awk -v name="${label[$key]}" -v ms="${best[$key]}" -v ms0="${best[$base]}" -v n="${spans[$key]:-0}" 'BEGIN {
      per = n > 0 ? sprintf("%.0f", (ms - ms0) * 1e6 / n) : ""
      printf "| %s | %d | %.1f ms | %.2fx | %s |\n", name, n, ms, ms / ms0, per
    }'
  done
}

new_jco=$components/node_modules
old_jco=$here/component/node_modules
"$root/scripts/npm-fetch-pinned.sh" "$here/component" node_modules/.bin/jco ||
  die "cannot install bench/component's npm packages (jco 1.13.0)"

say "the micro benchmark through jco 1.35 and 1.13 ($runs interleaved runs each)"
"$components/node_modules/.bin/jco" parse "$here/component/fib.wat" -o "$work/fib.wasm" ||
  die "jco parse failed"
"$tool" "$work/fib.wasm" -o "$work/fib-hooks.wasm" --link hooks 2>/dev/null
"$tool" "$work/fib.wasm" -o "$work/fib-otel.wasm" --link wasi-otel 2>/dev/null
"$tool" "$work/fib.wasm" -o "$work/fib-observe.wasm" --link wasi-observe 2>/dev/null
micro=(orig hooks otel observe)
for ((i = 0; i < runs; i++)); do
  for v in "${micro[@]}"; do
    wasm=$work/fib-$v.wasm
    [[ $v == orig ]] && wasm=$work/fib.wasm
    run_once "new-$v" "$new_jco" "$wasm" twice 40
    run_once "old-$v" "$old_jco" "$wasm" twice 40
  done
done
for jco in new old; do
  label["$jco-orig"]="uninstrumented"
  label["$jco-hooks"]="--link hooks (the hook import lowered by jco; hooks in JS that count)"
  label["$jco-otel"]="--link wasi-otel (guest shim: on-start, on-end, two clock reads a span)"
  label["$jco-observe"]="--link wasi-observe (guest shim: start, end, drop a span)"
done
for jco in new old; do
  version=$([[ $jco == new ]] && echo "1.35.0" || echo "1.13.0")
  echo "### A span through jco $version (fib, every call a span), best of $runs"
  echo
  echo "| configuration | spans | time | x uninstrumented | ns per span |"
  echo "|---|--:|--:|--:|--:|"
  table_rows "$jco-orig" "$jco-orig" "$jco-hooks" "$jco-otel" "$jco-observe"
  echo
done

say "the StarlingMonkey workload through jco 1.13 ($runs interleaved runs each)"
variants=(orig hooks otel observe edges)
label[sm-orig]="uninstrumented"
label[sm-hooks]="every function, --link hooks (hooks in JS that count)"
label[sm-otel]="every function, --link wasi-otel (guest shim; on-end only counts)"
label[sm-observe]="every function, --link wasi-observe (guest shim; no-op spans)"
label[sm-edges]="only the boundaries (--no-functions), --link wasi-otel"
declare -A file=([orig]=$app [hooks]=$work/hooks.wasm [otel]=$work/otel.wasm
  [observe]=$work/observe.wasm [edges]=$work/edges.wasm)
for ((i = 0; i < runs; i++)); do
  for v in "${variants[@]}"; do run_once "sm-$v" "$old_jco" "${file[$v]}"; done
done
echo "### The StarlingMonkey workload through jco 1.13.0 (Node $(node --version)), best of $runs"
echo
echo "| configuration | spans | time | x uninstrumented | ns per span |"
echo "|---|--:|--:|--:|--:|"
table_rows sm-orig sm-orig sm-hooks sm-otel sm-observe sm-edges
