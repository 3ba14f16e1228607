#!/usr/bin/env bash
# The span budget and muting (wasm_observe.h; README "The span budget"):
# a workload of 10^7 spans (bench/shim/loop.c: tiny() called N times, every
# function instrumented) run with every trace output on, through each
# runner: the wasm2c runner traced-run (the C library), wasm-observe run in
# Node (the C recorder compiled to wasm32, its files written by the C
# exporters), and the same recorder through the API with the package's JS file
# exporters (js-exporters.mjs: their size limit goes back to the recorder as
# OUTPUT_FULL / OUTPUT_DROPPED). check-budget.mjs checks each run: every span recorded or counted as
# dropped, the one line on stderr, files within their size limit, whole
# (every OTLP line parses, the Chrome trace is a document), no span without its
# parent, the command's root span kept, and the profile's call count exact.
#   defaults  N = 10^7 with the default budget (10000 spans/s, burst 200000,
#             256 MiB a file): the rate limit holds it
#   size      --span-rate unlimited --max-file-size 2M: the size limit holds it,
#             and the reserve keeps room for the spans open when it fills
#   lifted    --span-rate unlimited, N = 300000 (over the burst): nothing dropped
#   muting    N = 10^6 with the default muting: tiny() muted, its calls counted
#             with no span, said on stderr; the profile still exact
#   patched   the same, built with --patchable: tiny() patched out once muted
#             (the hooks and the profile see its first thousand calls or so)
#   sampled   the patched build with sampled profile timing: tiny() judged on
#             its first calls only, muted, patched out, and the stderr line
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), WASM_OBSERVE_LIB
# (default build/libwasm-observe.a), BUDGET_WORK (work dir, default a new
# mktemp dir), NODE, CC (the wasm2c runner's compiler, default cc), WASM_CC
# (default clang: the fixtures, and the Node host's recorder when it builds it).
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped".
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
LIB=${WASM_OBSERVE_LIB:-$ROOT/build/libwasm-observe.a}
WORK=${BUDGET_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wasm-observe-budget.XXXXXX")}
NODE=${NODE:-node}
export CC=${CC:-cc}
WASM_CC=${WASM_CC:-clang}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
RUN=$ROOT/runtime-shim/node/wasm-observe-run.mjs
mkdir -p "$WORK"
passed=0 failed=0

report() { # report LINES: counts PASS/FAIL lines, prefixed with the case
  local line
  while IFS= read -r line; do
    [[ -z $line ]] && continue
    echo "${line/#PASS /PASS $1: }" | sed "s/^FAIL /FAIL $1: /"
    if [[ $line == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done <<<"$2"
}
fail() { report "$1" "FAIL $2"; }
finish() { echo "$passed passed, $failed failed, 0 skipped"; ((failed == 0)); exit $?; }

# The workloads (loop.c: flat; nest.c: three levels; loop.c built --patchable),
# instrumented (every function), and traced-run for each. Sanitizers as tests/shim (the library
# given may be the ASan+UBSan build); the generated code optimised: 10^7 calls.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
for w in "$ROOT/bench/shim/loop.c" "$HERE/nest.c" patched; do
  name=$(basename "$w" .c)
  if [[ $w == patched ]]; then # loop.c again, built with --patchable
    "$TOOL" "$WORK/loop.wasm" --patchable -o "$WORK/$name.instr.wasm" >"$WORK/instrument.log" 2>&1 ||
      { fail setup "wasm-instrument --patchable: $(head -n1 "$WORK/instrument.log")"; finish; }
  else
    "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -c "$w" -o "$WORK/$name.o" &&
      "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$WORK/$name.o" -o "$WORK/$name.wasm" ||
      { fail setup "cannot build $w for wasm32-wasi"; finish; }
    "$TOOL" "$WORK/$name.wasm" -o "$WORK/$name.instr.wasm" >"$WORK/instrument.log" 2>&1 ||
      { fail setup "wasm-instrument: $(head -n1 "$WORK/instrument.log")"; finish; }
  fi
  RT_DEFS="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0" CFLAGS="-std=c17 -O1 -g $SAN" GEN_CFLAGS="-O2" \
    LDFLAGS="$SAN" WASM_OBSERVE_LIB=$LIB \
    "$ROOT/runtime-shim/wasm2c/example/build.sh" "$WORK/$name.instr.wasm" "$WORK/w2c-$name" >"$WORK/w2c.log" 2>&1 ||
    { fail setup "traced-run build for $name failed, see $WORK/w2c.log"; finish; }
done
report setup "PASS build"

# The workload of the next cases: NAME, and the function whose calls the
# profile must count, with its calls a unit of N.
use_workload() { workload=$1 profiled=$2 per_unit=$3; }
use_workload loop tiny 1

# run_case NAME MAX_BYTES N RUNNER [--lifted|--muting] [OPTIONS...]: one run
# with every output into WORK/NAME.*, then its checks. RUNNER: traced-run,
# wasm32 or js-exporters; --lifted: nothing may be dropped; --muting: tiny() is muted;
# --patched: muted and patched out (check-budget.mjs). Muting is off but in the --muting cases, so that the
# budget meets every span.
run_case() {
  local name=$1 max=$2 n=$3 runner=$4 d=$WORK/$1 mode=
  shift 4
  local mute=(--mute-after never)
  if [[ ${1:-} == --lifted || ${1:-} == --muting || ${1:-} == --patched ]]; then
    mode=${1#--}
    shift
  fi
  [[ $mode == muting || $mode == patched ]] && mute=()
  mkdir -p "$d"
  local rc
  if [[ $runner == traced-run ]]; then
    "$WORK/w2c-$workload/traced-run" --otlp-file "$d/otlp.jsonl" --chrome "$d/chrome.json" --folded-calls "$d/calls.txt" \
      --counters "${mute[@]}" "$@" "$WORK/$workload.instr.wasm" "$n" >"$d/out" 2>"$d/err" </dev/null
    rc=$?
  elif [[ $runner == js-exporters ]]; then
    CC=$WASM_CC "$NODE" "$HERE/js-exporters.mjs" "$WORK/$workload.instr.wasm" "$d" "${mute[@]}" "$@" -- "$n" >"$d/out" 2>"$d/err" </dev/null
    rc=$?
  else
    CC=$WASM_CC "$NODE" "$RUN" run "$WORK/$workload.instr.wasm" --backend "$runner" --otlp-file "$d/otlp.jsonl" \
      --chrome "$d/chrome.json" --folded-calls "$d/calls.txt" --counters "${mute[@]}" "$@" -- "$n" >"$d/out" 2>"$d/err" </dev/null
    rc=$?
  fi
  if ((rc != 0)) || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$d/err"; then
    fail "$name" "exit $rc: $(grep -v '^counters' "$d/err" | head -n3 | tr '\n' ' ' | cut -c1-300)"
    return
  fi
  report "$name" "$("$NODE" "$HERE/check-budget.mjs" "$d/err" "$d/otlp.jsonl" "$d/chrome.json" "$d/calls.txt" "$max" \
    "$profiled=$((n * per_unit))" $mode 2>&1)"
}

MiB=$((1 << 20))
run_case c-defaults $((256 * MiB)) 10000000 traced-run
run_case c-size $((2 * MiB)) 100000 traced-run --span-rate unlimited --max-file-size 2M
run_case c-lifted $((256 * MiB)) 300000 traced-run --lifted --span-rate unlimited
run_case wasm32-defaults $((256 * MiB)) 10000000 wasm32
run_case wasm32-size $((1 * MiB)) 100000 wasm32 --span-rate unlimited --max-file-size 1M
run_case wasm32-lifted $((256 * MiB)) 300000 wasm32 --lifted --span-rate unlimited
run_case js-exporters-size $((1 * MiB)) 100000 js-exporters --span-rate unlimited --max-file-size 1M
run_case js-exporters-lifted $((256 * MiB)) 300000 js-exporters --lifted --span-rate unlimited
# muting, with the defaults: tiny() goes quiet after its first 1000 calls or so
run_case c-muting $((256 * MiB)) 1000000 traced-run --muting
run_case wasm32-muting $((256 * MiB)) 1000000 wasm32 --muting
use_workload patched tiny 1
run_case c-patched $((256 * MiB)) 1000000 traced-run --patched
run_case wasm32-patched $((256 * MiB)) 1000000 wasm32 --patched
# sampled profile timing: tiny() is timed on its first calls only, muted and
# patched out, and each runner says what was judged (the recorder's numbers)
sampled_muting() {
  local name=$1 runner=$2 d=$WORK/$1 rc
  mkdir -p "$d"
  if [[ $runner == traced-run ]]; then
    "$WORK/w2c-$workload/traced-run" --profile-timing sampled --folded-calls "$d/calls.txt" \
      "$WORK/$workload.instr.wasm" 1000000 >"$d/out" 2>"$d/err" </dev/null
  else
    CC=$WASM_CC "$NODE" "$RUN" run "$WORK/$workload.instr.wasm" --backend wasm32 --profile-timing sampled \
      --folded-calls "$d/calls.txt" -- 1000000 >"$d/out" 2>"$d/err" </dev/null
  fi
  rc=$?
  local said='muted 1 sites \(256 calls in a row averaging under 1000 ns, judged from the 1000th call to the 2048th\): 1 of them patched out of the module \(--patchable: their later calls uncounted\); --mute-after never keeps every call$'
  local tiny
  tiny=$(awk '$1 ~ /;tiny$/ { n += $2 } END { print n + 0 }' "$d/calls.txt" 2>/dev/null)
  if ((rc != 0)); then
    fail "$name" "exit $rc: $(head -n2 "$d/err" | tr '\n' ' ' | cut -c1-300)"
  elif ! grep -qE "$said" "$d/err"; then
    fail "$name" "stderr does not say what sampled timing judged: $(grep muted "$d/err" | head -n1)"
  elif ((tiny < 1024 || tiny > 2048)); then
    fail "$name" "tiny() counted $tiny times: patched out after its 1024th to 2048th call expected"
  else
    report "$name" "PASS tiny() judged on its first calls, muted after $tiny, patched out; said so"
  fi
}
sampled_muting c-sampled-patched traced-run
sampled_muting wasm32-sampled-patched wasm32
# the size limit on a nested workload: what is written keeps its parents
use_workload nest leaf 6
run_case c-size-nested $((600 * 1024)) 20000 traced-run --span-rate unlimited --max-file-size 600K
run_case wasm32-size-nested $((600 * 1024)) 20000 wasm32 --span-rate unlimited --max-file-size 600K
run_case js-exporters-size-nested $((600 * 1024)) 20000 js-exporters --span-rate unlimited --max-file-size 600K
finish
