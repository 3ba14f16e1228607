#!/usr/bin/env bash
# Tests of the guest shim's output as a real OpenTelemetry pipeline sees it:
# WASI command components instrumented with --link wasi-otel (and
# --link wasi-observe) run under host.mjs, a host of wasi:otel/tracing@0.2.0-rc.2
# (and of wasi:observe/tracer) that feeds the spans into the OpenTelemetry JS
# SDK, whose OTLP/HTTP exporter sends them to @elastic/mockotlpserver; check.mjs
# checks what the collector received (see its header for the list of checks).
#
# - C fixtures (fixtures/c/*.c) built as tests/component/run.sh does (clang -O1,
#   `jco new --wasi-command` with the preview1 adapter jco ships); jco wit shows
#   the new import; the program's stdout, stderr and exit status under the host
#   equal those of the uninstrumented component under the same host; the spans
#   against fixtures/expected/NAME.folded (the lines through __stdio_write or
#   __stdio_exit left out on both sides, as tests/component/run.sh does).
# - fixtures/calls.wat, a component whose export the host calls (host.mjs
#   --call) and whose import `log` the host implements: an exception thrown by
#   the import followed by a second call (import-throws: the cut spans must end
#   as "unwound" and the second call be a new root), a call back into the
#   component during the import (reentry: the component model forbids it, jco
#   allows it; the shim takes it for the same cut), a trap followed by a call
#   the poisoned instance refuses (trap); expected/*.folded, expected/README.md.
#   And tests/component/fixtures/nested.wat: spans of a nested component under
#   the import span of the core module that calls it.
# - fixtures/hot.wat, muting in the guest shim: a hot pair of functions muted
#   at their 256th span by a rule they cannot miss, every span kept with
#   --guest-mute-after never and with wasi-observe (expected/hot-*.folded).
# - A JavaScript component (componentize-js, StarlingMonkey, ~220,000 spans):
#   its tree against the one the same component records with --link hooks.
# - The outer context: the host span continuing a remote trace with a
#   tracestate (the component's spans must carry it); one that is not valid (ids
#   not hex; all zero): the component starts a trace of its own, its root
#   without a parent.
# - The SDK's SimpleSpanProcessor instead of the BatchSpanProcessor (one run).
# - Faults: host.mjs --fault makes the host misreport one thing (a span's trace
#   id, parent, kind, name, times, status, ...) and the check that must catch it
#   has to fail: every check can fail.
#
# The npm packages (jco, preview2-shim, the OpenTelemetry SDK and exporter,
# mockotlpserver) are pinned in package-lock.json and installed by
# scripts/npm-fetch-pinned.sh.
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), NODE, CC,
# WASI_SYSROOT, COMPONENT_OTEL_WORK (work dir, default a new mktemp dir, kept).
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
WORK=${COMPONENT_OTEL_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/component-otel.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
JCO=$HERE/node_modules/.bin/jco
HOST=$HERE/host.mjs
CHECK=$HERE/check.mjs

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
summary() {
  echo "work dir: $WORK"
  echo "$passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
  exit
}

directive() { sed -n -E "s@^[[:space:]]*(//|;;)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n1; }

if ! "$ROOT/scripts/npm-fetch-pinned.sh" "$HERE" node_modules/.bin/jco \
  node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm \
  node_modules/@bytecodealliance/preview2-shim/package.json \
  node_modules/@opentelemetry/sdk-trace-base/package.json \
  node_modules/@opentelemetry/exporter-trace-otlp-proto/package.json \
  node_modules/@elastic/mockotlpserver/package.json; then
  fail setup "cannot install the pinned npm packages (jco, preview2-shim, OpenTelemetry SDK, mockotlpserver)"
  summary
fi
if [[ ! -x $TOOL ]]; then
  fail setup "$TOOL is missing (./run build)"
  summary
fi
VERSION=$("$TOOL" --version | awk 'NR == 1 {print $2}')

# check_output (PASS/FAIL lines of check.mjs) are counted here; a check.mjs
# that dies without a line is a failure.
count_lines() {
  local log=$1 what=$2 status=$3 p f
  cat "$log"
  p=$(grep -c '^PASS ' "$log")
  f=$(grep -c '^FAIL ' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
  if ((status != 0 && f == 0)); then
    fail "$what" "check.mjs exited $status: $(tail -3 "$log" | tr '\n' ' ')"
  fi
}

# same_run NAME ORIG_DIR RUN_DIR: stdout, stderr and exit status equal.
same_run() {
  local what
  for what in out err rc; do
    if ! cmp -s "$2/$what" "$3/$what"; then
      fail "$1" "the instrumented component's $what differs: $(diff "$2/$what" "$3/$what" | head -3 | tr '\n' ' ')"
      return
    fi
  done
  pass "$1"
}

# ---- C fixtures --------------------------------------------------------------------

adapter=$HERE/node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm
declare -A wit_line=([wasi-otel]='import wasi:otel/tracing@0.2.0-rc.2;' [wasi-observe]='import wasi:observe/tracer;')
for src in "$ROOT"/fixtures/c/*.c; do
  name=$(basename "$src" .c)
  d=$WORK/$name
  mkdir -p "$d/orig"
  args=$(directive "$src" e2e-args)
  golden=$ROOT/fixtures/expected/$name.folded
  if [[ ! -s $golden ]]; then
    fail "golden $name" "$golden is missing"
    continue
  fi
  if ! { $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -c "$src" -o "$d/prog.o" &&
    $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$d/prog.o" -o "$d/prog.core.wasm" -Wl,--strip-debug &&
    "$JCO" new "$d/prog.core.wasm" --wasi-command -o "$d/orig/prog.wasm"; } >"$d/build.log" 2>&1; then
    fail "build $name" "$(tail -3 "$d/build.log" | tr '\n' ' ')"
    continue
  fi
  # The uninstrumented component under the same host (nothing to export).
  # shellcheck disable=SC2086
  "$NODE" "$HOST" --report "$d/orig/report.json" --js-dir "$d/orig/js" "$d/orig/prog.wasm" $args \
    >"$d/orig/out" 2>"$d/orig/err" </dev/null
  echo $? >"$d/orig/rc"
  if [[ $(cat "$d/orig/rc") == 2 ]]; then
    fail "run $name" "the host failed on the uninstrumented component: $(tail -2 "$d/orig/err" | tr '\n' ' ')"
    continue
  fi
  for link in wasi-otel wasi-observe; do
    mkdir -p "$d/$link"
    # the run names argv[0] after the file: every variant is prog.wasm
    if ! "$TOOL" "$d/orig/prog.wasm" -o "$d/$link/prog.wasm" --link "$link" 2>"$d/$link/tool.err"; then
      fail "instrument $name [$link]" "$(head -2 "$d/$link/tool.err" | tr '\n' ' ')"
      continue
    fi
    if "$JCO" wit "$d/$link/prog.wasm" 2>&1 | grep -qxF "  ${wit_line[$link]}"; then
      pass "wit $name [$link]"
    else
      fail "wit $name [$link]" "jco wit does not show '${wit_line[$link]}'"
    fi
    # shellcheck disable=SC2086
    "$NODE" "$CHECK" --name "$name" --link "$link" --component "$d/$link/prog.wasm" \
      --golden "$golden" --version "$VERSION" --work "$d/$link/run" -- $args >"$d/$link/check.log" 2>&1
    count_lines "$d/$link/check.log" "checks $name [$link]" $?
    if [[ -f $d/$link/run/rc ]]; then
      same_run "same-output $name [$link]" "$d/orig" "$d/$link/run"
    else
      fail "same-output $name [$link]" "no run"
    fi
  done
done

# ---- calls into component exports: a callback, a host exception, a trap; nesting ------

# SCENARIO|WAT|GOLDEN|CALLS|ROOTS|UNWOUND
#   calls.wat (ours): expected/SCENARIO.folded, expected/README.md;
#   nested.wat (tests/component): a core module calling into a nested component,
#   whose spans must nest under the import's span (one guest shim for both).
declare -A scenario_calls=() scenario_roots=() scenario_unwound=()
scenarios="
reentry|$HERE/fixtures/calls.wat|$HERE/expected/reentry.folded|run 9|2|6
import-throws|$HERE/fixtures/calls.wat|$HERE/expected/import-throws.folded|run 7;run 3|2|6
trap|$HERE/fixtures/calls.wat|$HERE/expected/trap.folded|run 0;run 3|1|0
nested|$ROOT/tests/component/fixtures/nested.wat|$ROOT/tests/component/expected/nested.folded|twice 12|1|0
"
while IFS='|' read -r scenario wat golden calls roots unwound; do
  [[ -n $scenario ]] || continue
  scenario_calls[$scenario]=$calls scenario_roots[$scenario]=$roots scenario_unwound[$scenario]=$unwound
  d=$WORK/calls-$scenario
  mkdir -p "$d/orig"
  # every variant is called c.wasm (the host passes the file name as argv[0])
  if ! "$JCO" parse "$wat" -o "$d/orig/c.wasm" >"$d/build.log" 2>&1; then
    fail "build $scenario" "$(tail -2 "$d/build.log" | tr '\n' ' ')"
    continue
  fi
  call_args=()
  IFS=';' read -ra list <<<"$calls"
  for c in "${list[@]}"; do call_args+=(--call "$c"); done
  "$NODE" "$HOST" --report "$d/orig/report.json" --js-dir "$d/orig/js" "${call_args[@]}" "$d/orig/c.wasm" \
    >"$d/orig/out" 2>"$d/orig/err" </dev/null
  echo $? >"$d/orig/rc"
  for link in wasi-otel wasi-observe; do
    mkdir -p "$d/$link"
    if ! "$TOOL" "$d/orig/c.wasm" -o "$d/$link/c.wasm" --link "$link" 2>"$d/$link/tool.err"; then
      fail "instrument $scenario [$link]" "$(head -2 "$d/$link/tool.err" | tr '\n' ' ')"
      continue
    fi
    # the spans cut are counted, and the next root (the last) says so
    counters=""
    ((unwound > 0)) && counters=unwound_spans=$unwound
    "$NODE" "$CHECK" --name "$scenario" --link "$link" --component "$d/$link/c.wasm" \
      --golden "$golden" --version "$VERSION" --work "$d/$link/run" \
      --calls "$calls" --roots "$roots" --unwound "$unwound" --shim-counters "$counters" >"$d/$link/check.log" 2>&1
    count_lines "$d/$link/check.log" "checks $scenario [$link]" $?
    if [[ -f $d/$link/run/rc ]]; then
      same_run "same-output $scenario [$link]" "$d/orig" "$d/$link/run"
    else
      fail "same-output $scenario [$link]" "no run"
    fi
  done
done <<<"$scenarios"

# ---- a large component: JavaScript on StarlingMonkey (componentize-js) ----------------

# ~12 MB, 12,672 sites, ~220,000 spans a run. Built as tests/component/run.sh
# does, with its pinned componentize-js. No golden file: the reference is the
# call tree that the same component instrumented with --link hooks records
# under tests/component/run-component.mjs.
d=$WORK/starlingmonkey
mkdir -p "$d/orig" "$d/hooks" "$d/wit/deps"
CJS=$ROOT/tests/component/node_modules/@bytecodealliance/componentize-js
if ! "$ROOT/scripts/npm-fetch-pinned.sh" "$ROOT/tests/component" node_modules/.bin/jco \
  node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm >"$d/npm.log" 2>&1; then
  fail "build starlingmonkey" "cannot install tests/component's npm packages: $(tail -2 "$d/npm.log" | tr '\n' ' ')"
elif ! {
  cp "$ROOT/tests/component/js-app/world.wit" "$d/wit/" &&
    cp "$ROOT/tests/component/js-app/app.js" "$d/" &&
    cp -r "$ROOT"/tests/component/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12/* "$d/wit/deps/" &&
    # componentize-js reads its inputs through WASI, relative to the current directory
    (cd "$d" && "$NODE" "$CJS/src/cli.js" --wit wit -o orig/c.wasm app.js)
} >"$d/build.log" 2>&1; then
  fail "build starlingmonkey" "componentize-js failed: $(tail -3 "$d/build.log" | tr '\n' ' ')"
elif ! "$TOOL" "$d/orig/c.wasm" -o "$d/hooks/c.wasm" --link hooks 2>"$d/hooks/tool.err"; then
  fail "instrument starlingmonkey [hooks]" "$(head -2 "$d/hooks/tool.err" | tr '\n' ' ')"
else
  "$NODE" "$HOST" --report "$d/orig/report.json" --js-dir "$d/orig/js" "$d/orig/c.wasm" \
    >"$d/orig/out" 2>"$d/orig/err" </dev/null
  echo $? >"$d/orig/rc"
  COMPONENT_JS_DIR=$d/hooks/js "$NODE" "$ROOT/tests/component/run-component.mjs" "$d/hooks/c.wasm" \
    "$d/reference.folded" >"$d/hooks/out" 2>"$d/hooks/err" </dev/null
  if ! grep -qx 'fib 6765 words 9 the 3' "$d/orig/out"; then
    fail "run starlingmonkey" "the original printed '$(head -c 200 "$d/orig/out")' $(head -c 300 "$d/orig/err")"
  elif [[ $(tail -n1 "$d/reference.folded" 2>/dev/null) != "# unbalanced 0 open 0 invalid 0 truncated 0" ]]; then
    fail "reference starlingmonkey" "the --link hooks run recorded no balanced trace: $(tail -n1 "$d/reference.folded" 2>/dev/null) $(head -c 300 "$d/hooks/err")"
  else
    pass "reference starlingmonkey ($(awk '$1 !~ /^#/ {n += $NF} END {print n + 0}' "$d/reference.folded") spans with --link hooks)"
    for link in wasi-otel wasi-observe; do
      mkdir -p "$d/$link"
      if ! "$TOOL" "$d/orig/c.wasm" -o "$d/$link/c.wasm" --link "$link" 2>"$d/$link/tool.err"; then
        fail "instrument starlingmonkey [$link]" "$(head -2 "$d/$link/tool.err" | tr '\n' ' ')"
        continue
      fi
      "$NODE" "$CHECK" --name starlingmonkey --link "$link" --component "$d/$link/c.wasm" \
        --golden "$d/reference.folded" --version "$VERSION" --work "$d/$link/run" >"$d/$link/check.log" 2>&1
      count_lines "$d/$link/check.log" "checks starlingmonkey [$link]" $?
      if [[ -f $d/$link/run/rc ]]; then
        same_run "same-output starlingmonkey [$link]" "$d/orig" "$d/$link/run"
      else
        fail "same-output starlingmonkey [$link]" "no run"
      fi
    done
  fi
fi

# ---- muting in the guest shim ---------------------------------------------------------

# fixtures/hot.wat: run(1000) calls pair, which calls leaf, 1000 times. With
# --guest-mute-after 100 and a threshold every mean is under, both sites are
# judged at their 256th span and muted: 256 spans each, the stack right (the
# tree, the parents), the same result, and the root says so (wasm.shim.muted_sites
# 2, muted_calls 2 x 744). --guest-mute-after never keeps all 1000,
# and so does wasi-observe, whose shim does not time spans.
d=$WORK/hot
mkdir -p "$d/orig"
if ! "$JCO" parse "$HERE/fixtures/hot.wat" -o "$d/orig/c.wasm" >"$d/build.log" 2>&1; then
  fail "build hot" "$(tail -2 "$d/build.log" | tr '\n' ' ')"
else
  "$NODE" "$HOST" --report "$d/orig/report.json" --js-dir "$d/orig/js" --call "run 1000" "$d/orig/c.wasm" \
    >"$d/orig/out" 2>"$d/orig/err" </dev/null
  echo $? >"$d/orig/rc"
  while IFS='|' read -r variant link golden counters options; do
    [[ -n $variant ]] || continue
    mkdir -p "$d/$variant"
    # shellcheck disable=SC2086
    if ! "$TOOL" "$d/orig/c.wasm" -o "$d/$variant/c.wasm" --link "$link" $options 2>"$d/$variant/tool.err"; then
      fail "instrument hot $variant [$link]" "$(head -2 "$d/$variant/tool.err" | tr '\n' ' ')"
      continue
    fi
    "$NODE" "$CHECK" --name "hot $variant" --link "$link" --component "$d/$variant/c.wasm" \
      --golden "$HERE/expected/$golden.folded" --version "$VERSION" --work "$d/$variant/run" \
      --calls "run 1000" --shim-counters "$counters" >"$d/$variant/check.log" 2>&1
    count_lines "$d/$variant/check.log" "checks hot $variant [$link]" $?
    if [[ -f $d/$variant/run/rc ]]; then
      same_run "same-output hot $variant [$link]" "$d/orig" "$d/$variant/run"
    else
      fail "same-output hot $variant [$link]" "no run"
    fi
  done <<<"
muted|wasi-otel|hot-muted|muted_sites=2,muted_calls=1488|--guest-mute-after 100 --guest-mute-below-ns 4294967295
all|wasi-otel|hot-all||--guest-mute-after never
observe|wasi-observe|hot-all||
"
fi

# ---- the outer context, the span processor --------------------------------------------

g=$ROOT/fixtures/expected/calltree.folded
for run in "wasi-otel tracestate" "wasi-observe tracestate" "wasi-otel invalid" "wasi-otel zero"; do
  read -r link outer <<<"$run"
  c=$WORK/calltree/$link/prog.wasm
  if [[ ! -s $c ]]; then
    fail "outer=$outer [$link]" "no calltree component"
    continue
  fi
  "$NODE" "$CHECK" --name "calltree outer=$outer" --link "$link" --component "$c" --golden "$g" \
    --version "$VERSION" --work "$WORK/outer-$outer-$link" --outer "$outer" >"$WORK/outer-$outer-$link.log" 2>&1
  count_lines "$WORK/outer-$outer-$link.log" "checks calltree outer=$outer [$link]" $?
done
c=$WORK/printf/wasi-otel/prog.wasm
if [[ -s $c ]]; then
  # shellcheck disable=SC2046
  "$NODE" "$CHECK" --name "printf simple-processor" --link wasi-otel --component "$c" \
    --golden "$ROOT/fixtures/expected/printf.folded" --version "$VERSION" --work "$WORK/simple" \
    --processor simple -- $(directive "$ROOT/fixtures/c/printf.c" e2e-args) >"$WORK/simple.log" 2>&1
  count_lines "$WORK/simple.log" "checks printf simple-processor" $?
else
  fail "simple processor" "no printf component"
fi

# ---- faults: every check can fail ------------------------------------------------------

# FIXTURE LINK FAULT CHECK: a C fixture, or calls-SCENARIO (above). close-open
# needs spans open at the end: the trap's (exit() leaves none, the shim ends them).
faults="
calltree wasi-otel trace-id one trace
calltree wasi-otel parent parents
calltree wasi-otel root-parent root
calltree wasi-otel kind kinds
calltree wasi-otel attr-site-kind kinds
calltree wasi-otel name attributes
calltree wasi-otel attr-index attributes
calltree wasi-otel scope scope
calltree wasi-otel time times
calltree wasi-otel nest-time times
calltree wasi-otel status status
calltree wasi-otel drop tree
calltree wasi-otel drop complete trace
calltree wasi-otel trace-state trace state
calltree wasi-otel shim-counter shim counters
calltree wasi-otel extra received all
calltree wasi-otel raw-id ids
calltree wasi-otel no-start start before end
calltree wasi-otel late-end stack order
calls-trap wasi-otel close-open open at exit
calltree wasi-observe observe-no-drop stack order
calltree wasi-observe kind tree
calls-trap wasi-observe close-open open at exit
"
while read -r fixture link fault check; do
  [[ -n $fixture ]] || continue
  c=$WORK/$fixture/$link/prog.wasm golden=$ROOT/fixtures/expected/$fixture.folded extra=()
  if [[ $fixture == calls-* ]]; then
    scenario=${fixture#calls-}
    c=$WORK/$fixture/$link/c.wasm golden=$HERE/expected/$scenario.folded
    extra=(--calls "${scenario_calls[$scenario]}" --roots "${scenario_roots[$scenario]}"
      --unwound "${scenario_unwound[$scenario]}")
  fi
  if [[ ! -s $c ]]; then
    fail "fault $fault $fixture [$link]" "no component"
    continue
  fi
  log=$WORK/fault-$fixture-$link-$fault.log
  "$NODE" "$CHECK" --name "$fixture" --link "$link" --component "$c" \
    --golden "$golden" --version "$VERSION" "${extra[@]}" \
    --work "$WORK/fault-$fixture-$link-$fault" --fault "$fault" --expect "$check" >"$log" 2>&1
  count_lines "$log" "fault $fault $fixture [$link]" $?
done <<<"$faults"

summary
