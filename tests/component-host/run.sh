#!/usr/bin/env bash
# Tests of the Node host's component path (runtime-shim/node/component-host.mjs:
# `wasm-observe-run.mjs run COMPONENT.wasm`, through jco).
#
# The C fixtures (fixtures/c/*.c) and tests/component-host/fixtures/*.c are
# built into WASI command components as tests/component/run.sh does (`jco new
# --wasi-command`, the preview1 adapter), instrumented with each --link, and
# run through the command with every file output (the recorder: the C one
# compiled to wasm32, the only one; check names end in [wasm32]):
# --link hooks (the recorder's hooks given to the core modules directly, and
# once more through jco's lowering of the component import), --link wasi-otel
# and --link wasi-observe (the guest shim's spans through the host's
# wasi:otel/tracing and wasi:observe/tracer):
# - stdout, stderr and exit status are those of the untraced component run by
#   tests/component/run-component.mjs (jco and preview2-shim too);
# - the outputs pass tests/node-host/check.mjs against the module's golden
#   trace (fixtures/expected/NAME.folded; for the fixtures here, the trace of
#   the same program as a core module, by tests/e2e/run-node.mjs), with the
#   stdio flushes left out of both sides (--exclude: the adapter reports stdout
#   as a terminal, so libc flushes it line by line): call counts, folded
#   stacks, OTLP/JSON lines well formed with every parent present, one Chrome
#   X event per span, error status on the spans exit() or a trap left open
#   (with wasi-otel and wasi-observe: on those the guest shim left open, as
#   tests/component/run-component.mjs counts them; with wasi-otel the host
#   names them from the guest shim's stack and ends them, as the module path
#   ends its open frames);
# - OTLP/HTTP (http/json to a collector in otlp-http-check.mjs) delivers the
#   spans of the OTLP/JSON file, and --summary follows the program's stderr
#   (each --link);
# - the uninstrumented component runs untraced (the same output; with output
#   options, one line on stderr and no file);
# - the recorder's hooks are given to the core modules, not called through
#   jco's lowering of the import (JCO_DEBUG's log of lowered calls); with
#   wasi-otel and wasi-observe every span comes through the interface (one
#   on-end, or one start, lowered per span);
# - the host's wasi:otel/tracing and wasi:observe/tracer on their own, as jco
#   calls them (tracers.mjs): what the fixtures never make the guest send
#   (error status, an out-of-order or unknown end, a missing wasm.site.id),
#   and the spans that never end named from the guest shim's stack;
# - nothing is written to the current directory; the transpiled JS is in the
#   cache ($WASM_OBSERVE_CACHE), one directory per component;
# - refused with one line and exit 2: a component importing an interface the
#   host does not provide (and it names only that one), one whose guest shim
#   makes no wasm.site.id (an older wasm-instrument), --profile-timing
#   sampled with wasi-otel (and with wasi-observe it gives the hooks' counts),
#   --backend js (the JS recorder, removed), a recorder that cannot be had;
# - jco found from the current directory; jco missing (the resolution pointed
#   at empty directories): exit 2 and one line saying what to npm install.
#
# npm packages: tests/component's (jco, preview2-shim), installed by
# scripts/npm-fetch-pinned.sh from its package-lock.json.
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), NODE, CC,
# COMPONENT_HOST_WORK (work dir, default a new mktemp dir), COMPONENT_HOST_JOBS.
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped"; exit 1 on failure.
set -u
set -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
NODE=${NODE:-node}
CC=${CC:-clang}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
JOBS=${COMPONENT_HOST_JOBS:-$(nproc 2>/dev/null || echo 2)}
WORK=${COMPONENT_HOST_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/component-host.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
B=wasm32 # the recorder: --backend, and the label of the checks
RUN=$ROOT/runtime-shim/node/wasm-observe-run.mjs
CHECK=$ROOT/tests/node-host/check.mjs
REF_RUNNER=$ROOT/tests/component/run-component.mjs
NPM_DIR=$ROOT/tests/component
MODULES=$NPM_DIR/node_modules
JCO=$MODULES/.bin/jco
EXCLUDE='__stdio_write|__stdio_exit'
RESULTS=$WORK/results.d
rm -rf "$RESULTS" "$WORK/cache"
mkdir -p "$RESULTS"
export WASM_OBSERVE_CACHE=$WORK/cache
unset NODE_PATH WASM_OBSERVE_NODE_MODULES WASM_OBSERVE_COMPONENT_HOOKS JCO_DEBUG OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT

finish() {
  cat "$RESULTS"/* 2>/dev/null | sed '/^$/d' >"$WORK/results.txt"
  cat "$WORK/results.txt"
  local npass nfail
  npass=$(grep -c '^PASS ' "$WORK/results.txt")
  nfail=$(grep -c '^FAIL ' "$WORK/results.txt")
  echo "work dir: $WORK" >&2
  echo "$npass passed, $nfail failed, 0 skipped"
  ((nfail == 0))
  exit
}

directive() { sed -n -E "s@^[[:space:]]*(//|;;)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n1; }

if ! "$ROOT/scripts/npm-fetch-pinned.sh" "$NPM_DIR" node_modules/.bin/jco \
    node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm \
    node_modules/@bytecodealliance/preview2-shim/package.json >"$WORK/npm.log" 2>&1; then
  echo "FAIL setup: cannot install tests/component's pinned npm packages: $(head -n3 "$WORK/npm.log" | tr '\n' ' ')" >"$RESULTS/00-setup"
  finish
fi
if [[ ! -x $TOOL ]]; then
  echo "FAIL setup: $TOOL not found (build it, or set WASM_INSTRUMENT)" >"$RESULTS/00-setup"
  finish
fi

# same RESULT NAME REF_PREFIX GOT_PREFIX: stdout, stderr and exit status equal
same() {
  local res=$1 what=$2 ref=$3 got=$4
  if cmp -s "$ref.rc" "$got.rc" && cmp -s "$ref.out" "$got.out" && cmp -s "$ref.err" "$got.err"; then
    echo "PASS $what ($(cat "$ref.rc"))" >>"$res"
  else
    echo "FAIL $what: exit $(cat "$ref.rc") -> $(cat "$got.rc"); $(diff "$ref.out" "$got.out" | head -3 | tr '\n' ' ') $(diff "$ref.err" "$got.err" | head -3 | tr '\n' ' ')" >>"$res"
  fi
}

# observe PREFIX ARGS...: the command from an empty current directory, with
# the npm packages through WASM_OBSERVE_NODE_MODULES; PREFIX.out/.err/.rc
observe() {
  local pre=$1
  shift
  (cd "$CWD" && WASM_OBSERVE_NODE_MODULES=$MODULES "$NODE" "$RUN" run "$@") >"$pre.out" 2>"$pre.err" </dev/null
  echo $? >"$pre.rc"
}

# The directory of a fixture's component instrumented with --link LINK.
link_dir() {
  case $1 in hooks) echo i ;; wasi-otel) echo otel ;; wasi-observe) echo observe ;; esac
}

# The directory of a fixture's traced run (run_fixture's RUN: wasm32,
# jco-lowering, LINK:wasm32).
run_dir() { echo "${1/:/-}"; }

run_fixture() {
  local src=$1 name
  name=$(basename "$src" .c)
  local d=$WORK/$name res=$RESULTS/$name
  local CWD=$d/cwd
  rm -rf "$CWD"
  mkdir -p "$d/i" "$CWD"
  : >"$res"
  local args
  args=$(directive "$src" e2e-args)
  # shellcheck disable=SC2206
  local argv=($args)
  if ! { $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -c "$src" -o "$d/prog.o" &&
      $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$d/prog.o" -o "$d/prog.wasm" -Wl,--strip-debug &&
      "$JCO" new "$d/prog.wasm" --wasi-command -o "$d/orig.wasm"; } >"$d/build.log" 2>&1; then
    echo "FAIL $name build: $(tail -n3 "$d/build.log" | tr '\n' ' ')" >>"$res"
    return
  fi
  # the instrumented components have the original's file name: argv[0] is the
  # same (i/: --link hooks, otel/: wasi-otel, observe/: wasi-observe)
  local link
  for link in hooks wasi-otel wasi-observe; do
    mkdir -p "$d/$(link_dir "$link")"
    if ! "$TOOL" "$d/orig.wasm" -o "$d/$(link_dir "$link")/orig.wasm" --link "$link" >"$d/instrument.log" 2>&1; then
      echo "FAIL $name instrument --link $link: $(head -n2 "$d/instrument.log" | tr '\n' ' ')" >>"$res"
      return
    fi
  done

  # the golden trace: the module's, or this program's as a core module
  local golden=$ROOT/fixtures/expected/$name.folded
  if [[ $src != "$ROOT"/fixtures/* ]]; then
    golden=$d/module.folded
    if ! "$TOOL" "$d/prog.wasm" -o "$d/prog.instr.wasm" >>"$d/instrument.log" 2>&1; then
      echo "FAIL $name instrument the core module: $(tail -n2 "$d/instrument.log" | tr '\n' ' ')" >>"$res"
    else
      "$NODE" "$ROOT/tests/e2e/run-node.mjs" "$d/prog.instr.wasm" "$golden" "${argv[@]}" >/dev/null 2>&1 </dev/null
    fi
  fi

  # the untraced run through jco (tests/component's host)
  COMPONENT_JS_DIR=$d/ref.js "$NODE" "$REF_RUNNER" "$d/orig.wasm" "$d/ref.trace" "${argv[@]}" \
    >"$d/ref.out" 2>"$d/ref.err" </dev/null
  echo $? >"$d/ref.rc"
  local want
  want=$(directive "$src" component-exit)
  if [[ -z $want ]]; then
    want=$(directive "$src" e2e-exit)
    want=$(( ${want:-0} == 0 ? 0 : 1 ))
  fi
  if [[ $(cat "$d/ref.rc") != "$want" ]]; then
    echo "FAIL $name untraced run: exit $(cat "$d/ref.rc"), expected $want: $(head -c 200 "$d/ref.err")" >>"$res"
    return
  fi

  # With wasi-otel and wasi-observe, the spans the host ends with error status
  # are those the guest shim left open: the reference host's count of spans
  # started and never ended (the module's, the frames exit() or the trap left
  # open, when the guest leaves them all open) goes into the golden given to
  # check.mjs for those runs.
  for link in wasi-otel wasi-observe; do
    COMPONENT_JS_DIR=$d/ref-$link.js "$NODE" "$REF_RUNNER" "$d/$(link_dir "$link")/orig.wasm" "$d/ref-$link.trace" "${argv[@]}" \
      >/dev/null 2>&1 </dev/null
    local open
    open=$(sed -n -E 's/^# unbalanced [0-9]+ open ([0-9]+) .*/\1/p' "$d/ref-$link.trace" 2>/dev/null)
    if [[ -z $open ]]; then
      echo "FAIL $name [$link] the reference host's trace: $(tail -n1 "$d/ref-$link.trace" 2>&1 | head -c 200)" >>"$res"
      open=-1
    fi
    sed -E "s/^(# unbalanced [0-9]+ open )[0-9]+ /\1$open /" "$golden" >"$d/golden-$link.folded"
  done

  local run t hooks label
  for run in $B jco-lowering "wasi-otel:$B" "wasi-observe:$B"; do
    # wasm32: --link hooks; jco-lowering: the hooks through jco's lowering
    # of the component import (WASM_OBSERVE_COMPONENT_HOOKS=jco);
    # LINK:wasm32: --link wasi-otel or wasi-observe
    link=hooks hooks=direct label=$run
    [[ $run == jco-lowering ]] && hooks=jco label="$B, jco lowering"
    [[ $run == *:* ]] && link=${run%%:*} label="${run%%:*}, ${run#*:}"
    t=$d/$(run_dir "$run")
    mkdir -p "$t/trace"
    WASM_OBSERVE_COMPONENT_HOOKS=$hooks observe "$t/instr" "$d/$(link_dir "$link")/orig.wasm" --backend "$B" --otlp-file "$t/trace/otlp.jsonl" --chrome "$t/trace/chrome.json" \
      --folded "$t/trace/self.folded" --folded-calls "$t/trace/calls.folded" --flamegraph "$t/trace/flame.svg" -- "${argv[@]}"
    same "$res" "$name same output and exit code [$label]" "$d/ref" "$t/instr"
    local want_trace=$golden
    [[ $link != hooks ]] && want_trace=$d/golden-$link.folded
    "$NODE" "$CHECK" --exclude "$EXCLUDE" "$t/trace" "$want_trace" "$label" 2>&1 | sed -E "s/^(PASS|FAIL) /\1 $name /" >>"$res" ||
      echo "FAIL $name check.mjs [$label]: exit $? (its checks did not all run)" >>"$res"
  done

  # OTLP/HTTP and --summary (the default --backend), each --link
  for link in hooks wasi-otel wasi-observe; do
    (cd "$CWD" && WASM_OBSERVE_NODE_MODULES=$MODULES "$NODE" "$HERE/otlp-http-check.mjs" "$name [$link]" "$RUN" "$d/$(link_dir "$link")/orig.wasm" "$d/ref" "$d/otlp-http-$link" "${argv[@]}") \
      >>"$res" 2>&1 || echo "FAIL $name otlp-http-check.mjs [$link]: exit $?" >>"$res"
  done

  # the uninstrumented component: untraced, the same output; with outputs
  # asked for, one line more on stderr and no file
  observe "$d/plain" "$d/orig.wasm" -- "${argv[@]}"
  same "$res" "$name uninstrumented runs untraced, same output and exit code" "$d/ref" "$d/plain"
  observe "$d/plain-outputs" "$d/orig.wasm" --chrome "$d/plain.json" --folded-calls "$d/plain.folded" -- "${argv[@]}"
  if cmp -s "$d/ref.out" "$d/plain-outputs.out" && cmp -s "$d/ref.rc" "$d/plain-outputs.rc" &&
      [[ $(head -c "$(stat -c %s "$d/ref.err")" "$d/plain-outputs.err") == "$(cat "$d/ref.err")" ]] &&
      [[ $(tail -c +"$(($(stat -c %s "$d/ref.err") + 1))" "$d/plain-outputs.err") == "wasm-observe: orig.wasm is not instrumented (no wasm-instrument.sites section): it ran untraced, no trace written" ]] &&
      [[ ! -e $d/plain.json && ! -e $d/plain.folded ]]; then
    echo "PASS $name uninstrumented with outputs: one line on stderr, no file" >>"$res"
  else
    echo "FAIL $name uninstrumented with outputs: exit $(cat "$d/plain-outputs.rc"); stderr $(tail -c 300 "$d/plain-outputs.err" | tr '\n' ' '); files: $(ls "$d"/plain.json "$d"/plain.folded 2>/dev/null)" >>"$res"
  fi

  if [[ -z $(ls -A "$CWD") ]]; then
    echo "PASS $name nothing written to the current directory" >>"$res"
  else
    echo "FAIL $name nothing written to the current directory: $(ls -A "$CWD" | head -3 | tr '\n' ' ')" >>"$res"
  fi
}

# the wasm32 recorder, built once here (its first use would build it too)
if "$NODE" --input-type=module -e "import { wasm32RecorderPath } from '$ROOT/runtime-shim/node/wasm32-recorder.mjs'; wasm32RecorderPath();" \
    >"$WORK/wasm32-build.log" 2>&1; then
  echo "PASS wasm32 recorder build" >"$RESULTS/00-build"
else
  echo "FAIL wasm32 recorder build: $(head -n1 "$WORK/wasm32-build.log")" >"$RESULTS/00-build"
fi

# the host's wasi:otel/tracing and wasi:observe/tracer on their own (tracers.mjs)
"$NODE" "$HERE/tracers.mjs" "$B" >"$RESULTS/00-tracers-$B" 2>&1 || echo "FAIL tracers.mjs [$B]: exit $?" >>"$RESULTS/00-tracers-$B"

fixtures=("$ROOT"/fixtures/c/*.c "$HERE"/fixtures/*.c)
running=0
for s in "${fixtures[@]}"; do
  [[ -f $s ]] || continue
  run_fixture "$s" &
  running=$((running + 1))
  if ((running >= JOBS)); then wait -n; running=$((running - 1)); fi
done
wait

res=$RESULTS/zz-resolution
fib=$WORK/fib
if [[ ! -s $fib/i/orig.wasm ]]; then
  echo "FAIL resolution: the fib component was not built" >"$res"
else
  # jco and preview2-shim from the current directory (no variable)
  (cd "$NPM_DIR" && "$NODE" "$RUN" run "$fib/i/orig.wasm" --folded-calls "$WORK/cwd-resolution.folded") \
    >"$WORK/cwd-resolution.out" 2>"$WORK/cwd-resolution.err" </dev/null
  echo $? >"$WORK/cwd-resolution.rc"
  if cmp -s "$fib/ref.out" "$WORK/cwd-resolution.out" && cmp -s "$fib/ref.err" "$WORK/cwd-resolution.err" &&
      cmp -s "$fib/ref.rc" "$WORK/cwd-resolution.rc" && [[ -s $WORK/cwd-resolution.folded ]]; then
    echo "PASS jco and preview2-shim found from the current directory" >"$res"
  else
    echo "FAIL jco and preview2-shim found from the current directory: exit $(cat "$WORK/cwd-resolution.rc"); $(head -c 300 "$WORK/cwd-resolution.err")" >"$res"
  fi
  # missing: the variable and the current directory are empty directories
  mkdir -p "$WORK/empty-modules" "$WORK/empty-cwd"
  (cd "$WORK/empty-cwd" && WASM_OBSERVE_NODE_MODULES=$WORK/empty-modules "$NODE" "$RUN" run "$fib/i/orig.wasm" --chrome "$WORK/missing.json") \
    >"$WORK/missing.out" 2>"$WORK/missing.err" </dev/null
  rc=$?
  if ((rc == 2)) && [[ ! -s $WORK/missing.out && ! -e $WORK/missing.json && $(wc -l <"$WORK/missing.err") == 1 ]] &&
      grep -q '^wasm-observe: running a component needs @bytecodealliance/jco and @bytecodealliance/preview2-shim .*: npm install @bytecodealliance/jco@[0-9.]* @bytecodealliance/preview2-shim@[0-9.]*$' "$WORK/missing.err"; then
    echo "PASS missing jco: exit 2, one line: what to npm install" >>"$res"
  else
    echo "FAIL missing jco: exit $rc; stdout $(head -c 100 "$WORK/missing.out"); stderr ($(wc -l <"$WORK/missing.err") lines) $(head -c 400 "$WORK/missing.err" | tr '\n' '|')" >>"$res"
  fi
fi

# the cache: one directory of transpiled JS per component run (original and
# instrumented with each --link), nothing left half-written
res=$RESULTS/zz-cache
built=$(find "$WORK" -mindepth 2 -maxdepth 3 -path '*/i/orig.wasm' | wc -l)
dirs=$(find "$WORK/cache/components" -mindepth 1 -maxdepth 1 -type d ! -name '*.tmp' 2>/dev/null | wc -l)
partial=$(find "$WORK/cache/components" -mindepth 1 -maxdepth 1 -name '*.tmp' 2>/dev/null | wc -l)
complete=$(find "$WORK/cache/components" -mindepth 2 -maxdepth 2 -name meta.json 2>/dev/null | wc -l)
if ((built > 0 && dirs == 4 * built && complete == dirs && partial == 0)); then
  echo "PASS cache: one transpiled directory per component ($dirs for $built fixtures, 4 each), none partial" >"$res"
else
  echo "FAIL cache: $dirs directories ($complete complete, $partial partial) for $built original components and 3 instrumented ones each" >"$res"
fi

# refused: exit 2, no output, no file, one line on stderr matching RE
# refused RESULT WHAT RE COMPONENT [OPTIONS...]
refusals=0
refused() {
  refusals=$((refusals + 1))
  local res=$1 what=$2 re=$3 pre=$WORK/refused-$refusals
  shift 3
  mkdir -p "$WORK/empty-cwd"
  (cd "$WORK/empty-cwd" && WASM_OBSERVE_NODE_MODULES=$MODULES "$NODE" "$RUN" run "$@" --chrome "$pre.json") >"$pre.out" 2>"$pre.err" </dev/null
  local rc=$?
  if ((rc == 2)) && [[ ! -s $pre.out && ! -e $pre.json && $(wc -l <"$pre.err") == 1 ]] && grep -qE -- "$re" "$pre.err"; then
    echo "PASS $what: exit 2, one line" >>"$res"
  else
    echo "FAIL $what: exit $rc; stderr ($(wc -l <"$pre.err") lines) $(head -c 300 "$pre.err" | tr '\n' '|')" >>"$res"
  fi
}

# a component importing an interface the host does not provide (it also
# imports wasi:otel/tracing, which the host provides): refused, naming only
# the missing one; one whose guest shim makes no wasm.site.id (the
# attribute's name changed in its blob: as an older wasm-instrument made it);
# --profile-timing sampled with wasi-otel
res=$RESULTS/zz-refused
: >"$res"
unknown=$WORK/unknown-import
mkdir -p "$unknown"
if ! { "$JCO" parse "$HERE/fixtures/unknown-import.wat" -o "$unknown/orig.wasm" &&
    "$TOOL" "$unknown/orig.wasm" -o "$unknown/otel.wasm" --link wasi-otel; } >"$unknown/build.log" 2>&1; then
  echo "FAIL unknown import: cannot build and instrument fixtures/unknown-import.wat: $(head -n2 "$unknown/build.log" | tr '\n' ' ')" >>"$res"
else
  refused "$res" "a component importing an interface the host does not provide" \
    'otel\.wasm: imports example:host/thing, which this host does not provide \(' "$unknown/otel.wasm"
fi
if [[ -s $fib/otel/orig.wasm ]]; then
  perl -0777 -pe 's/wasm\.site\.id/wasm.site.ix/g' "$fib/otel/orig.wasm" >"$WORK/fib-old-otel.wasm"
  perl -0777 -pe 's/wasm\.site\.id/wasm.site.ix/g' "$fib/observe/orig.wasm" >"$WORK/fib-old-observe.wasm"
  refused "$res" "a wasi-otel component whose spans carry no wasm.site.id" \
    'imports wasi:otel/tracing, but its guest shim names no wasm\.site\.id .*: instrument it again$' "$WORK/fib-old-otel.wasm"
  refused "$res" "a wasi-observe component whose spans carry no wasm.site.id" \
    'imports wasi:observe/tracer, but its guest shim names no wasm\.site\.id .*: instrument it again$' "$WORK/fib-old-observe.wasm"
  refused "$res" "--profile-timing sampled with wasi-otel" \
    '--profile-timing sampled: not for wasi:otel/tracing' "$fib/otel/orig.wasm" --profile-timing sampled
  # one recorder: --backend js (the JS recorder, removed); no recorder to be had
  refused "$res" "--backend js (the JS recorder was removed)" \
    '^wasm-observe: --backend js: the JS recorder was removed; the C recorder \(--backend auto or wasm32\) is the only one$' \
    "$fib/i/orig.wasm" --backend js
  WASM_OBSERVE_RECORDER=$WORK/no-recorder.wasm refused "$res" "no recorder (WASM_OBSERVE_RECORDER missing)" \
    '^wasm-observe: .*orig\.wasm: the C recorder \(wasm32\) is unavailable: ENOENT.*no-recorder\.wasm' "$fib/otel/orig.wasm"
  # with wasi-observe it runs: the hooks' call counts
  (cd "$WORK/empty-cwd" && WASM_OBSERVE_NODE_MODULES=$MODULES "$NODE" "$RUN" run "$fib/observe/orig.wasm" --profile-timing sampled \
    --folded-calls "$WORK/fib-observe-sampled.folded") >"$WORK/fib-observe-sampled.out" 2>"$WORK/fib-observe-sampled.err" </dev/null
  if cmp -s "$fib/ref.out" "$WORK/fib-observe-sampled.out" && cmp -s "$fib/ref.err" "$WORK/fib-observe-sampled.err" &&
      [[ -s $WORK/fib-observe-sampled.folded ]] && cmp -s "$WORK/fib-observe-sampled.folded" "$fib/$B/trace/calls.folded"; then
    echo "PASS --profile-timing sampled with wasi-observe: the hooks' call counts" >>"$res"
  else
    echo "FAIL --profile-timing sampled with wasi-observe: $(head -c 200 "$WORK/fib-observe-sampled.err"); $(diff "$WORK/fib-observe-sampled.folded" "$fib/$B/trace/calls.folded" | head -3 | tr '\n' ' ')" >>"$res"
  fi
else
  echo "FAIL refusals: the fib components were not built" >>"$res"
fi

# with wasi-otel and wasi-observe, every span comes through the interface as
# jco lowers it (JCO_DEBUG: a line per lowered call): one on-start and one
# on-end, or one start and one [method]span.end, per call in the trace
res=$RESULTS/zz-interfaces
: >"$res"
if [[ -s $fib/otel/orig.wasm ]]; then
  mkdir -p "$WORK/empty-cwd"
  calls=$(awk '{n += $NF} END {print n + 0}' "$fib/$B/trace/calls.folded" 2>/dev/null)
  for link in wasi-otel wasi-observe; do
    (cd "$WORK/empty-cwd" && JCO_DEBUG=1 WASM_OBSERVE_NODE_MODULES=$MODULES \
      "$NODE" "$RUN" run "$fib/$(link_dir "$link")/orig.wasm" --folded-calls "$WORK/fib-$link-debug.folded" </dev/null 2>&1) >"$WORK/fib-$link-debug.log"
    count() { grep -c "iface=\"$1\", function=\"$2\"\] \[Instruction::CallInterface\]" "$WORK/fib-$link-debug.log"; }
    if [[ $link == wasi-otel ]]; then
      a=$(count 'wasi:otel/tracing@0.2.0-rc.2' on-start) b=$(count 'wasi:otel/tracing@0.2.0-rc.2' on-end) names="on-start, on-end"
    else
      a=$(count 'wasi:observe/tracer' start) b=$(count 'wasi:observe/tracer' '\[method\]span.end') names="start, [method]span.end"
    fi
    if ((calls > 0 && a == calls && b == calls)) && cmp -s "$WORK/fib-$link-debug.folded" "$fib/$B/trace/calls.folded"; then
      echo "PASS $link: every span through the interface ($names: $a, $b for $calls calls)" >>"$res"
    else
      echo "FAIL $link: every span through the interface: $names lowered $a, $b times, $calls calls in the trace" >>"$res"
    fi
  done
fi

# the hooks go to the core modules directly: with JCO_DEBUG, jco logs every
# call through its lowering of an import (two lines), and none is a hook
# call; with WASM_OBSERVE_COMPONENT_HOOKS=jco, every enter is
res=$RESULTS/zz-direct-hooks
if [[ -s $fib/i/orig.wasm ]]; then
  mkdir -p "$WORK/empty-cwd"
  enters=$(awk '{n += $NF} END {print n + 0}' "$fib/$B/trace/calls.folded" 2>/dev/null)
  lowered() {
    (cd "$WORK/empty-cwd" && JCO_DEBUG=1 WASM_OBSERVE_COMPONENT_HOOKS=$1 WASM_OBSERVE_NODE_MODULES=$MODULES \
      "$NODE" "$RUN" run "$fib/i/orig.wasm" --folded-calls /dev/null 2>&1 </dev/null) |
      grep -c 'iface="wasm-instrument:hooks/trace@0.1.0", function="enter"\] \[Instruction::CallInterface\]'
  }
  direct=$(lowered direct) through_jco=$(lowered jco)
  if ((enters > 0 && direct == 0 && through_jco == enters)); then
    echo "PASS hooks given to the core modules directly (jco's lowering: $through_jco enters with WASM_OBSERVE_COMPONENT_HOOKS=jco, none by default)" >"$res"
  else
    echo "FAIL hooks given to the core modules directly: $direct enters through jco's lowering by default, $through_jco with WASM_OBSERVE_COMPONENT_HOOKS=jco, $enters expected" >"$res"
  fi
fi

finish
