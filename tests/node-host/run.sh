#!/usr/bin/env bash
# Tests of the Node.js host (runtime-shim/node): every fixture is built,
# instrumented with $WASM_INSTRUMENT, run untraced (tests/e2e/run-node.mjs) and
# traced (runtime-shim/node/wasm-observe-run.mjs), and the traced run is checked:
# same stdout, stderr and exit code; folded stacks and call counts against
# fixtures/expected/NAME.folded; OTLP/JSON lines well-formed with every parent in
# the same trace; one Chrome X event per span; error status on the spans a trap
# or proc_exit left open. Plus the recorder's semantics with a fake clock
# (unit.mjs), the sampled profile timing (profile-sampled.mjs; every fixture
# through the command with --profile-timing sampled: the clock's call counts), a JS exception
# thrown through wasm frames (js-throw.mjs), the site table reader
# (site-table.mjs), the
# preload for JS programs (register-check.mjs: a trap the program catches, a
# call back into the module, a second instance, a killed worker), the
# preload patching a muted function out of a --patchable build
# (patched-check.mjs), an --abi observe-sdk module, the OTLP/HTTP exporter and --otlp against a
# real receiver and fake collectors (otlp-http.mjs), and the preload's
# OTLP/HTTP (register-otlp.mjs). The recorder is the C one compiled to
# wasm32 (the only one: the JS recorder was removed; built by
# runtime-shim/node/wasm32/build.sh into $WASM_OBSERVE_CACHE, default
# WORK/wasm32-cache); the traced checks' names end in [wasm32]. Also checked:
# --backend js and WASM_OBSERVE_BACKEND=js are refused with one line, and a
# recorder that cannot be built is one line and exit 2, not a fallback.
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), NODE, CC,
# NODE_HOST_WORK (work dir, default a new mktemp dir), NODE_HOST_JOBS,
# WASM_OBSERVE_CACHE.
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped" (nothing is
# skipped: a missing golden file fails the checks that need it); exit 1 on failure.
set -u
set -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
NODE=${NODE:-node}
CC=${CC:-clang}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
JOBS=${NODE_HOST_JOBS:-$(nproc 2>/dev/null || echo 2)}
WORK=${NODE_HOST_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/node-host.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RUN=$ROOT/runtime-shim/node/wasm-observe-run.mjs
FIXTURES=$ROOT/fixtures
RESULTS=$WORK/results.d
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
b=wasm32 # the recorder: the label of the traced checks and --backend
export WASM_OBSERVE_CACHE=${WASM_OBSERVE_CACHE:-$WORK/wasm32-cache}

directive() { sed -n -E "s@^[[:space:]]*(//|;;)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n1; }
has_directive() { grep -Eq "^[[:space:]]*(//|;;)[[:space:]]*$2([[:space:]]|\$)" "$1"; }

# build SRC OUT.wasm DIR: like tests/e2e/run.sh
build() {
  local src=$1 out=$2 d=$3 kind=${1##*.} f feats wabt=""
  if [[ $kind == c ]]; then
    $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -c "$src" -o "$d/prog.o" &&
      $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$d/prog.o" -o "$out" -Wl,--strip-debug
  else
    feats=$(directive "$src" e2e-features)
    for f in $feats; do wabt+=" --enable-$f"; done
    local names=--debug-names
    has_directive "$src" e2e-no-names && names=
    # shellcheck disable=SC2086
    wat2wasm $wabt $names "$src" -o "$out" || return 1
    if [[ -n $names && " $feats " == *" exceptions "* ]]; then
      "$NODE" "$ROOT/tests/e2e/drop-name-subsections.mjs" "$out" "$out.tmp" 10 && mv "$out.tmp" "$out"
    fi
  fi
}

run_fixture() {
  local src=$1 name
  name=$(basename "$src")
  name=${name%.*}
  local d=$WORK/$name res=$RESULTS/$name
  mkdir -p "$d/orig" "$d/instr"
  : >"$res"
  local args
  args=$(directive "$src" e2e-args)
  # shellcheck disable=SC2206
  local argv=($args)
  if ! build "$src" "$d/orig/$name.wasm" "$d" >"$d/build.log" 2>&1; then
    echo "FAIL build $name: $(head -n1 "$d/build.log")" >>"$res"; return
  fi
  if ! "$TOOL" "$d/orig/$name.wasm" -o "$d/instr/$name.wasm" >"$d/instrument.log" 2>&1; then
    echo "FAIL instrument $name: $(head -n1 "$d/instrument.log")" >>"$res"; return
  fi
  "$NODE" "$ROOT/tests/e2e/run-node.mjs" "$d/orig/$name.wasm" "$d/orig.trace" "${argv[@]}" >"$d/orig.out" 2>"$d/orig.err" </dev/null
  echo $? >"$d/orig.rc"
  local want_rc
  want_rc=$(directive "$src" e2e-exit)
  if [[ $(cat "$d/orig.rc") != "${want_rc:-0}" ]]; then
    echo "FAIL $name original run: exit $(cat "$d/orig.rc"), expected ${want_rc:-0}" >>"$res"
    return
  fi
  local t=$d/$b
  mkdir -p "$t/trace"
  # every span is checked against the calls: no span budget, no muting (tests/span-budget tests them)
  "$NODE" "$RUN" run "$d/instr/$name.wasm" --backend "$b" --otlp-file "$t/trace/otlp.jsonl" --chrome "$t/trace/chrome.json" \
    --folded "$t/trace/self.folded" --folded-calls "$t/trace/calls.folded" --flamegraph "$t/trace/flame.svg" --span-rate unlimited --mute-after never -- "${argv[@]}" \
    >"$t/instr.out" 2>"$t/instr.err" </dev/null
  echo $? >"$t/instr.rc"
  if [[ $(cat "$t/instr.rc") == "$(cat "$d/orig.rc")" ]] && cmp -s "$d/orig.out" "$t/instr.out" && cmp -s "$d/orig.err" "$t/instr.err"; then
    echo "PASS $name same output and exit code ($(cat "$d/orig.rc")) [$b]" >>"$res"
  else
    echo "FAIL $name same output and exit code [$b]: exit $(cat "$d/orig.rc") -> $(cat "$t/instr.rc"); $(diff "$d/orig.out" "$t/instr.out" | head -3 | tr '\n' ' ') $(diff "$d/orig.err" "$t/instr.err" | head -3 | tr '\n' ' ')" >>"$res"
  fi
  "$NODE" "$HERE/check.mjs" "$t/trace" "$FIXTURES/expected/$name.folded" "$b" 2>&1 | sed -E "s/^(PASS|FAIL) /\1 $name /" >>"$res" ||
    echo "FAIL $name check.mjs [$b]: exit $? (its checks did not all run)" >>"$res"
  # the command with sampled profile timing: the same output and exit code,
  # and the same call counts as the clock's (checked above against the golden
  # trace), muting off as there (muting under sampled timing: patched-check.mjs)
  t=$d/sampled
  mkdir -p "$t"
  "$NODE" "$RUN" run "$d/instr/$name.wasm" --profile-timing sampled --mute-after never --folded-calls "$t/calls.folded" -- "${argv[@]}" \
    >"$t/instr.out" 2>"$t/instr.err" </dev/null
  local rc=$? clock=$d/$b/trace/calls.folded
  if [[ $rc != "$(cat "$d/orig.rc")" ]] || ! cmp -s "$d/orig.out" "$t/instr.out" || ! cmp -s "$d/orig.err" "$t/instr.err"; then
    echo "FAIL $name sampled profile: same output and exit code: exit $(cat "$d/orig.rc") -> $rc; $(head -c 200 "$t/instr.err")" >>"$res"
  elif [[ ! -s $t/calls.folded ]] || ! cmp -s <(sort "$t/calls.folded") <(sort "$clock"); then
    echo "FAIL $name sampled profile: call counts differ from the clock's: $(diff <(sort "$t/calls.folded") <(sort "$clock") | grep -m1 '^[<>]' | cut -c1-200)" >>"$res"
  else
    echo "PASS $name sampled profile: same output, the clock's call counts" >>"$res"
  fi
}

# the wasm32 recorder, built once here (its first use would build it too)
if "$NODE" --input-type=module -e "import { wasm32RecorderPath } from '$ROOT/runtime-shim/node/wasm32-recorder.mjs'; wasm32RecorderPath();" \
    >"$WORK/wasm32-build.log" 2>&1; then
  echo "PASS wasm32 recorder build" >"$RESULTS/00-build"
else
  echo "FAIL wasm32 recorder build: $(head -n1 "$WORK/wasm32-build.log")" >"$RESULTS/00-build"
fi

# the recorder's semantics, with a fake clock; the backends it refuses, and
# no recorder at all
"$NODE" "$HERE/unit.mjs" "$b" >"$RESULTS/00-unit-$b" 2>&1 || echo "FAIL unit.mjs [$b]: exit $?" >>"$RESULTS/00-unit-$b"
# the sampled profile timing: a mode of the C recorder
"$NODE" "$HERE/profile-sampled.mjs" "$b" >"$RESULTS/00-sampled-$b" 2>&1 || echo "FAIL profile-sampled.mjs [$b]: exit $?" >>"$RESULTS/00-sampled-$b"

if [[ ! -x $TOOL ]]; then
  echo "FAIL tool: $TOOL not found (build it, or set WASM_INSTRUMENT)" >>"$RESULTS/00-unit"
else
  # a JS exception thrown through wasm frames, then unwind()
  if wat2wasm --debug-names "$HERE/js-throw.wat" -o "$WORK/js-throw.wasm" &&
      "$TOOL" "$WORK/js-throw.wasm" -o "$WORK/js-throw.instr.wasm" 2>"$WORK/js-throw.err"; then
    "$NODE" "$HERE/js-throw.mjs" "$WORK/js-throw.instr.wasm" "$b" >>"$RESULTS/00-js-throw" 2>&1 ||
      echo "FAIL js-throw [$b]: exit $?" >>"$RESULTS/00-js-throw"
  else
    echo "FAIL js-throw: could not build or instrument js-throw.wat" >"$RESULTS/00-js-throw"
  fi
  # the JS site table reader on version 2 tables, with and without a name section
  : >"$RESULTS/00-site-table"
  tables=()
  for f in start noname; do
    if wat2wasm --debug-names "$FIXTURES/wat/$f.wat" -o "$WORK/sites-$f.wasm" &&
        "$TOOL" "$WORK/sites-$f.wasm" -o "$WORK/sites-$f.instr.wasm" 2>"$WORK/sites-$f.err"; then
      tables+=("$WORK/sites-$f.instr.wasm")
    else
      echo "FAIL site-table: could not build or instrument fixtures/wat/$f.wat" >>"$RESULTS/00-site-table"
    fi
  done
  "$NODE" "$HERE/site-table.mjs" "${tables[@]}" >>"$RESULTS/00-site-table" 2>&1 ||
    echo "FAIL site-table.mjs: exit $?" >>"$RESULTS/00-site-table"
  # the preload (runtime-shim/node/register.mjs) under a JS program
  if wat2wasm --debug-names "$HERE/register.wat" -o "$WORK/register.wasm" &&
      "$TOOL" "$WORK/register.wasm" -o "$WORK/register.instr.wasm" 2>"$WORK/register.err"; then
    "$NODE" "$HERE/register-check.mjs" "$WORK/register.instr.wasm" "$WORK/register" "$b" >>"$RESULTS/00-register" 2>&1 ||
      echo "FAIL register [$b]: exit $?" >>"$RESULTS/00-register"
  else
    echo "FAIL register: could not build or instrument register.wat" >"$RESULTS/00-register"
  fi
  # the preload patching muted sites out of a --patchable build
  if wat2wasm --debug-names "$HERE/patched.wat" -o "$WORK/patched.wasm" &&
      "$TOOL" "$WORK/patched.wasm" --patchable -o "$WORK/patched.instr.wasm" 2>"$WORK/patched.err"; then
    "$NODE" "$HERE/patched-check.mjs" "$WORK/patched.wasm" "$WORK/patched.instr.wasm" "$b" >>"$RESULTS/00-patched" 2>&1 ||
      echo "FAIL patched [$b]: exit $?" >>"$RESULTS/00-patched"
  else
    echo "FAIL patched: could not build or instrument patched.wat" >"$RESULTS/00-patched"
  fi
  running=0
  for s in "$FIXTURES"/c/*.c "$FIXTURES"/wat/*.wat; do
    [[ -f $s ]] || continue
    run_fixture "$s" &
    running=$((running + 1))
    if ((running >= JOBS)); then wait -n; running=$((running - 1)); fi
  done
  wait

  # OTLP/HTTP (otlp-http.mjs): the exporter and the CLI's --otlp on the exit
  # and tailcall fixtures built above, against @elastic/mockotlpserver
  # (tests/shim's npm packages) and fake collectors; in the background, as it
  # mostly waits
  if [[ ! -d $ROOT/tests/shim/node_modules ]] &&
      ! (cd "$ROOT/tests/shim" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
    echo "FAIL otlp-http: npm ci in tests/shim failed (see $WORK/npm.log)" >"$RESULTS/zz-otlp-http"
  elif [[ ! -f $WORK/exit/instr/exit.wasm || ! -f $WORK/tailcall/instr/tailcall.wasm ]]; then
    echo "FAIL otlp-http: the exit and tailcall fixtures were not built" >"$RESULTS/zz-otlp-http"
  else
    "$NODE" "$HERE/otlp-http.mjs" units >"$RESULTS/zz-otlp-http" 2>&1 || echo "FAIL otlp-http units: exit $?" >>"$RESULTS/zz-otlp-http"
    # long-run first, nothing else running: it checks that the sending keeps
    # up with a program filling 3 batches a ms
    timeout 150 "$NODE" "$HERE/otlp-http.mjs" "$b" "$WORK/exit" "$FIXTURES/expected/exit.folded" "$WORK/tailcall" long-run >"$RESULTS/zz-otlp-http-long-run-$b" 2>&1 ||
      echo "FAIL otlp-http long-run [$b]: exit $?" >>"$RESULTS/zz-otlp-http-long-run-$b"
    { timeout 150 "$NODE" "$HERE/otlp-http.mjs" "$b" "$WORK/exit" "$FIXTURES/expected/exit.folded" "$WORK/tailcall" rest >"$RESULTS/zz-otlp-http-$b" 2>&1 ||
        echo "FAIL otlp-http [$b]: exit $?" >>"$RESULTS/zz-otlp-http-$b"; } &
    # the preload with OTEL_EXPORTER_OTLP_ENDPOINT (register-otlp.mjs), on
    # register.wat built above
    if [[ ! -f $WORK/register.instr.wasm ]]; then
      echo "FAIL register-otlp: register.wat was not built" >"$RESULTS/zz-register-otlp"
    else
      { timeout 150 "$NODE" "$HERE/register-otlp.mjs" "$WORK/register.instr.wasm" "$WORK/register" "$b" >"$RESULTS/zz-register-otlp-$b" 2>&1 ||
          echo "FAIL register-otlp [$b]: exit $?" >>"$RESULTS/zz-register-otlp-$b"; } &
    fi
  fi

  # One recorder: --backend auto is the C recorder; --backend js (the JS
  # recorder, removed) is one line and exit 2; a recorder that cannot be built
  # (here: no wasi-libc, an empty cache) is one line naming the build's error
  # and exit 2, the program not run: no fallback.
  res=$RESULTS/zz-backend
  d=$WORK/backend
  mkdir -p "$d"
  fib=$WORK/fib/instr/fib.wasm
  "$NODE" "$RUN" run "$fib" --backend auto --folded-calls "$d/auto.calls" >"$d/auto.out" 2>"$d/auto.err" </dev/null
  rc=$?
  if ((rc == 0)) && cmp -s "$d/auto.out" "$WORK/fib/orig.out" && cmp -s "$d/auto.calls" "$WORK/fib/$b/trace/calls.folded"; then
    echo "PASS --backend auto: the C recorder's call counts [$b]" >>"$res"
  else
    echo "FAIL --backend auto: the C recorder's call counts [$b]: exit $rc $(head -c 200 "$d/auto.err") $(diff "$d/auto.calls" "$WORK/fib/$b/trace/calls.folded" 2>&1 | head -3 | tr '\n' ' ')" >>"$res"
  fi
  # one_line NAME FILE RC REGEX: exit 2, nothing on stdout, FILE.err one line matching REGEX
  one_line() {
    if [[ $3 == 2 && ! -s $2.out && $(wc -l <"$2.err") == 1 ]] && grep -Eq "$4" "$2.err"; then
      echo "PASS $1 [$b]" >>"$res"
    else
      echo "FAIL $1 [$b]: exit $3, stdout $(wc -c <"$2.out") bytes, stderr $(head -c 300 "$2.err" | tr '\n' '|')" >>"$res"
    fi
  }
  "$NODE" "$RUN" run "$fib" --backend js --folded-calls "$d/js.calls" >"$d/js.out" 2>"$d/js.err" </dev/null
  one_line "--backend js refused: one line, exit 2" "$d/js" $? \
    '^wasm-observe: --backend js: the JS recorder was removed; the C recorder \(--backend auto or wasm32\) is the only one$'
  mkdir -p "$d/empty-cache"
  env -u WASM_OBSERVE_RECORDER WASM_OBSERVE_CACHE="$d/empty-cache" WASI_SYSROOT="$d/no-sysroot" \
    "$NODE" "$RUN" run "$fib" --folded-calls "$d/none.calls" >"$d/none.out" 2>"$d/none.err" </dev/null
  one_line "no recorder (cannot be built): the build's error in one line, exit 2, not run" "$d/none" $? \
    '^wasm-observe: .*fib\.wasm: the C recorder \(wasm32\) is unavailable: cannot build .*build\.sh: .*error.*WASM_OBSERVE_RECORDER'
  env WASM_OBSERVE_RECORDER="$d/missing.wasm" "$NODE" "$RUN" run "$fib" --folded-calls "$d/missing.calls" >"$d/missing.out" 2>"$d/missing.err" </dev/null
  one_line "no recorder (WASM_OBSERVE_RECORDER missing): one line, exit 2, not run" "$d/missing" $? \
    '^wasm-observe: .*fib\.wasm: the C recorder \(wasm32\) is unavailable: ENOENT.*missing\.wasm'

  # --abi observe-sdk: ids are function indices named by the name section
  res=$RESULTS/zz-observe-sdk
  d=$WORK/observe-sdk
  mkdir -p "$d/instr"
  if ! "$TOOL" "$WORK/fib/orig/fib.wasm" --abi observe-sdk -o "$d/instr/fib.wasm" >"$d/instrument.log" 2>&1; then
    echo "FAIL observe-sdk abi fib: instrument failed ($(head -n2 "$d/instrument.log" | tr '\n' ' '))" >>"$res"
  else
    # the same call tree as the default ABI without the export and import sites
    grep -v '^#' "$FIXTURES/expected/fib.folded" | sed -E 's/^export:_start;//' | grep -v '^export:_start ' |
      grep -v 'import:' | sort >"$d/want"
    if "$NODE" "$RUN" run "$d/instr/fib.wasm" --backend "$b" --folded-calls "$d/calls-$b.folded" --counters >"$d/out-$b" 2>"$d/err-$b" </dev/null &&
      cmp -s "$d/out-$b" "$WORK/fib/orig.out"; then
      sort "$d/calls-$b.folded" | grep -v 'wasi_snapshot_preview1\.' >"$d/got-$b"
      if cmp -s "$d/want" "$d/got-$b" && grep -q '"unknownIds":0,"exitsWithoutEnter":0,"exitsUnmatched":0,"spansUnwound":0' "$d/err-$b"; then
        echo "PASS observe-sdk abi fib call tree [$b]" >>"$res"
      else
        echo "FAIL observe-sdk abi fib call tree [$b]: $(diff "$d/want" "$d/got-$b" | head -4 | tr '\n' ' ') $(tail -n1 "$d/err-$b")" >>"$res"
      fi
    else
      echo "FAIL observe-sdk abi fib [$b]: run failed ($(head -n2 "$d/err-$b" | tr '\n' ' '))" >>"$res"
    fi
  fi
  wait
fi

cat "$RESULTS"/* | sed '/^$/d' >"$WORK/results.txt"
cat "$WORK/results.txt"
npass=$(grep -c '^PASS ' "$WORK/results.txt")
nfail=$(grep -c '^FAIL ' "$WORK/results.txt")
echo "work dir: $WORK" >&2
echo "$npass passed, $nfail failed, 0 skipped"
((nfail == 0))
