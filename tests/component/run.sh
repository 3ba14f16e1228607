#!/usr/bin/env bash
# Tests of components: wasm-instrument on WebAssembly components, checked with
# jco (@bytecodealliance/jco, pinned in package-lock.json) and run in Node
# through jco with @bytecodealliance/preview2-shim (run-component.mjs).
#
# - C fixtures (fixtures/c/*.c) built like tests/e2e does, made WASI command
#   components by `jco new` with the preview1 adapter jco ships; instrumented
#   with --link hooks: jco transpiles the output, `jco wit` shows the new
#   import, the program's stdout, stderr and exit status are those of the
#   original component, and the recorded call tree is the module's golden
#   (fixtures/expected/NAME.folded) but for the stdio flushes (the adapter
#   reports stdout as a terminal, so libc flushes it line by line; node:wasi
#   says it is a file): lines through __stdio_write or __stdio_exit are left
#   out of both sides. With --link wasi-otel and wasi-observe (the guest
#   shim), `jco wit` shows the tracing interface and the program behaves as
#   before (tests/component-otel checks the spans).
# - Component WAT fixtures (tests/component/fixtures/*.wat, assembled by
#   `jco parse`): nested components, outer aliases, indices that move past a
#   one-byte s33; called with COMPONENT_CALL (directive component-call), the
#   result is component-result and the trace is expected/NAME.folded.
# - A Rust WASI command (Debian's rustc, wasm32-wasi) as a component: the three
#   --link modes give the same call tree, with the demangled Rust names.
# - A JavaScript component built with componentize-js (StarlingMonkey, ~10 MB).
# - Valid components that only need reading (accepted/*.wat: core types jco
#   cannot transpile), and components whose linking is refused (refused/*.wat:
#   one line, exit 1, no output).
# - --list, refusing a component already instrumented, and bad components:
#   mutations of real components never crash the tool, and an error leaves no
#   output.
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), NODE, CC,
# COMPONENT_WORK (work dir, default a new mktemp dir), COMPONENT_MUTATIONS
# (mutated inputs per component, default 150).
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
WORK=${COMPONENT_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/component.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
MUTATIONS=${COMPONENT_MUTATIONS:-150}
JCO=$HERE/node_modules/.bin/jco
RUNNER=$HERE/run-component.mjs

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
  node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm; then
  fail setup "cannot install the pinned npm packages (jco, preview2-shim, componentize-js)"
  summary
fi

# stdio flushes differ between the adapter and node:wasi (see the header).
without_flushes() { grep -v -E '__stdio_write|__stdio_exit' "$1"; }

# run_component WASM PREFIX ARGS...: PREFIX.out/.err/.trace/.rc
run_component() {
  local wasm=$1 pre=$2
  shift 2
  COMPONENT_JS_DIR=$pre.js "$NODE" "$RUNNER" "$wasm" "$pre.trace" "$@" >"$pre.out" 2>"$pre.err" </dev/null
  echo $? >"$pre.rc"
}

# same_run NAME ORIG_PREFIX INSTR_PREFIX: output, errors and status equal.
same_run() {
  local what
  for what in out err rc; do
    if ! cmp -s "$2.$what" "$3.$what"; then
      fail "$1" "the instrumented component's $what differs: $(diff "$2.$what" "$3.$what" | head -3 | tr '\n' ' ')"
      return
    fi
  done
  pass "$1"
}

# ---- C fixtures as WASI command components --------------------------------------

adapter=$HERE/node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm
for src in "$ROOT"/fixtures/c/*.c; do
  name=$(basename "$src" .c)
  d=$WORK/c-$name
  mkdir -p "$d"
  args=$(directive "$src" e2e-args)
  if ! { $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -c "$src" -o "$d/prog.o" &&
    $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$d/prog.o" -o "$d/prog.wasm" -Wl,--strip-debug &&
    "$JCO" new "$d/prog.wasm" --wasi-command -o "$d/orig.wasm"; } >"$d/build.log" 2>&1; then
    fail "build $name" "$(tail -3 "$d/build.log" | tr '\n' ' ')"
    continue
  fi
  # shellcheck disable=SC2086
  run_component "$d/orig.wasm" "$d/orig" $args
  if ! "$TOOL" "$d/orig.wasm" -o "$d/instr.wasm" --link hooks 2>"$d/tool.err"; then
    fail "instrument $name" "$(head -2 "$d/tool.err")"
    continue
  fi
  pass "instrument $name"
  if "$JCO" wit "$d/instr.wasm" 2>&1 | grep -q '^  import wasm-instrument:hooks/trace@0.1.0;$'; then
    pass "wit $name"
  else
    fail "wit $name" "jco wit does not show the hooks import"
  fi
  # the run names argv[0] after the file: give both the same name
  mkdir -p "$d/i" && cp "$d/instr.wasm" "$d/i/orig.wasm"
  # shellcheck disable=SC2086
  run_component "$d/i/orig.wasm" "$d/instr" $args
  same_run "same-output $name" "$d/orig" "$d/instr"
  # the guest shim: the component imports the tracing interface and behaves as before
  for link in wasi-otel wasi-observe; do
    mkdir -p "$d/$link"
    if ! "$TOOL" "$d/orig.wasm" -o "$d/$link/orig.wasm" --link $link 2>"$d/tool-$link.err"; then
      fail "instrument --link $link $name" "$(head -2 "$d/tool-$link.err")"
      continue
    fi
    want='^  import wasi:otel/tracing@0.2.0-rc.2;$'
    [[ $link == wasi-observe ]] && want='^  import wasi:observe/tracer;$'
    if "$JCO" wit "$d/$link/orig.wasm" 2>&1 | grep -q "$want"; then
      pass "wit --link $link $name"
    else
      fail "wit --link $link $name" "jco wit does not show the tracing import"
    fi
    # shellcheck disable=SC2086
    run_component "$d/$link/orig.wasm" "$d/$link/run" $args
    same_run "same-output --link $link $name" "$d/orig" "$d/$link/run"
    # exit(): the golden (the hooks' recorder) counts the spans it cut as open; the
    # guest shim ends them when the proc_exit import is entered: none stays open
    golden=$ROOT/fixtures/expected/$name.folded
    want=$golden
    if [[ -n $(directive "$src" e2e-exit) ]]; then
      want=$d/$link/golden.folded
      sed -E 's/^# unbalanced ([0-9]+) open [0-9]+ /# unbalanced \1 open 0 /' "$golden" >"$want"
    fi
    if diff <(without_flushes "$want") <(without_flushes "$d/$link/run.trace") >"$d/$link/trace.diff" 2>&1; then
      pass "trace --link $link $name"
    else
      fail "trace --link $link $name" "span tree differs from $golden: $(head -4 "$d/$link/trace.diff" | tr '\n' ' ')"
    fi
  done
  golden=$ROOT/fixtures/expected/$name.folded
  if [[ ! -s $golden ]]; then
    fail "trace $name" "golden file $golden is missing"
  elif [[ ! -s $d/instr.trace ]]; then
    fail "trace $name" "no trace written"
  elif diff <(without_flushes "$golden") <(without_flushes "$d/instr.trace") >"$d/trace.diff"; then
    pass "trace $name"
  else
    fail "trace $name" "call tree differs from $golden: $(head -4 "$d/trace.diff" | tr '\n' ' ')"
  fi
done

# --list: every core module, with its sites or why it is left alone
d=$WORK/c-printf
if [[ -s $d/orig.wasm ]]; then
  "$TOOL" "$d/orig.wasm" --list --link hooks >"$d/list.txt" 2>"$d/list.err"
  if grep -q '^# core module 0 "main"$' "$d/list.txt" &&
    grep -q '^# core module 1 "wit-component:adapter:wasi_snapshot_preview1": not instrumented: the WASI adapter' "$d/list.txt" &&
    grep -q $'^[0-9]*\tfunction\t[0-9]*\tprintf\t' "$d/list.txt"; then
    pass "list printf"
  else
    fail "list printf" "unexpected listing: $(head -3 "$d/list.txt" | tr '\n' ' ')"
  fi
  "$TOOL" "$d/orig.wasm" --list --link hooks --all-modules >"$d/list-all.txt" 2>&1
  if grep -q '^# core module 1 "wit-component:adapter:wasi_snapshot_preview1"$' "$d/list-all.txt"; then
    pass "list --all-modules printf"
  else
    fail "list --all-modules printf" "the adapter is not listed with its sites"
  fi
  if "$TOOL" "$d/instr.wasm" -o "$d/twice.wasm" --link hooks 2>"$d/twice.err"; then
    fail "refuse instrumented" "a component already instrumented was accepted"
  elif grep -q "already instrumented" "$d/twice.err" && [[ ! -e $d/twice.wasm ]]; then
    pass "refuse instrumented"
  else
    fail "refuse instrumented" "$(head -1 "$d/twice.err")"
  fi
fi

# ---- component WAT fixtures ------------------------------------------------------

for src in "$HERE"/fixtures/*.wat; do
  name=$(basename "$src" .wat)
  d=$WORK/wat-$name
  mkdir -p "$d/i"
  if ! "$JCO" parse "$src" -o "$d/orig.wasm" >"$d/build.log" 2>&1; then
    fail "build $name" "$(tail -2 "$d/build.log" | tr '\n' ' ')"
    continue
  fi
  if ! "$TOOL" "$d/orig.wasm" -o "$d/i/orig.wasm" --link hooks 2>"$d/tool.err"; then
    fail "instrument $name" "$(head -2 "$d/tool.err")"
    continue
  fi
  pass "instrument $name"
  call=$(directive "$src" component-call)
  COMPONENT_CALL=$call run_component "$d/orig.wasm" "$d/orig"
  COMPONENT_CALL=$call run_component "$d/i/orig.wasm" "$d/instr"
  want=$(directive "$src" component-result)
  if [[ $(cat "$d/orig.out") == "$want" ]]; then
    same_run "same-output $name" "$d/orig" "$d/instr"
  else
    fail "same-output $name" "the original component printed '$(head -c 100 "$d/orig.out")' $(head -c 200 "$d/orig.err"), expected '$want'"
  fi
  golden=$HERE/expected/$name.folded
  if [[ ! -s $golden ]]; then
    fail "trace $name" "golden file $golden is missing"
  elif cmp -s "$golden" "$d/instr.trace"; then
    pass "trace $name"
  else
    fail "trace $name" "differs from $golden: $(diff "$golden" "$d/instr.trace" | head -4 | tr '\n' ' ')"
  fi
  # the guest shim, one for the whole component (nested ones included)
  for link in wasi-otel wasi-observe; do
    mkdir -p "$d/$link"
    if ! "$TOOL" "$d/orig.wasm" -o "$d/$link/orig.wasm" --link $link 2>"$d/tool-$link.err"; then
      fail "instrument --link $link $name" "$(head -2 "$d/tool-$link.err")"
      continue
    fi
    COMPONENT_CALL=$call run_component "$d/$link/orig.wasm" "$d/$link/run"
    same_run "same-output --link $link $name" "$d/orig" "$d/$link/run"
    if [[ -s $golden ]] && cmp -s "$golden" "$d/$link/run.trace"; then
      pass "trace --link $link $name"
    else
      fail "trace --link $link $name" "span tree differs from $golden: $(diff "$golden" "$d/$link/run.trace" | head -4 | tr '\n' ' ')"
    fi
  done
done

# ---- valid components that only need reading (accepted/*.wat) ----------------------------
for src in "$HERE"/accepted/*.wat; do
  name=$(basename "$src" .wat)
  d=$WORK/accepted-$name
  mkdir -p "$d"
  if ! "$JCO" parse "$src" -o "$d/in.wasm" >"$d/build.log" 2>&1; then
    fail "accepted $name" "jco parse failed: $(tail -2 "$d/build.log" | tr '\n' ' ')"
  elif "$TOOL" "$d/in.wasm" -o "$d/out.wasm" --link hooks 2>"$d/err" &&
    "$JCO" print "$d/out.wasm" >/dev/null 2>>"$d/err"; then
    pass "accepted $name"
  else
    fail "accepted $name" "$(head -c 300 "$d/err")"
  fi
done

# ---- components the tool refuses to link (refused/*.wat) ---------------------------------
for src in "$HERE"/refused/*.wat; do
  name=$(basename "$src" .wat)
  d=$WORK/refused-$name
  mkdir -p "$d"
  if ! "$JCO" parse "$src" -o "$d/in.wasm" >"$d/build.log" 2>&1; then
    fail "refused $name" "jco parse failed: $(tail -2 "$d/build.log" | tr '\n' ' ')"
    continue
  fi
  "$TOOL" "$d/in.wasm" -o "$d/out.wasm" --link "$(directive "$src" refused-link)" 2>"$d/err"
  rc=$?
  want=$(directive "$src" refused)
  if ((rc == 1)) && [[ ! -e $d/out.wasm ]] && (($(wc -l <"$d/err") == 1)) && grep -qF "$want" "$d/err"; then
    pass "refused $name"
  else
    fail "refused $name" "exit $rc, $(head -c 300 "$d/err")"
  fi
  if "$TOOL" "$d/in.wasm" -o "$d/hooks.wasm" --link hooks 2>"$d/hooks.err"; then
    pass "refused $name: --link hooks works"
  else
    fail "refused $name: --link hooks works" "$(head -1 "$d/hooks.err")"
  fi
done

# ---- a Rust component ---------------------------------------------------------------
# Debian's rustc (rustup's, first on some PATHs, has no wasm32 std here).
# The three --link modes are recorded by three independent paths (the hooks'
# recorder, wasi:otel parent links, wasi:observe start/end order): their call
# trees must be equal, contain the demangled Rust names, and be balanced.
d=$WORK/rust
mkdir -p "$d/i"
RUSTC=${RUSTC:-/usr/bin/rustc}
if "$RUSTC" --target wasm32-wasi -O "$HERE/rust/wordcount.rs" -o "$d/prog.wasm" >"$d/build.log" 2>&1 &&
  "$JCO" new "$d/prog.wasm" --wasi-command -o "$d/orig.wasm" >>"$d/build.log" 2>&1; then
  run_component "$d/orig.wasm" "$d/orig" alpha beta
  if grep -q '^fib(12) = 144 args \["alpha", "beta"\]$' "$d/orig.out"; then pass "build rust"; else
    fail "build rust" "the original printed '$(head -c 200 "$d/orig.out")'"; fi
  for link in hooks wasi-otel wasi-observe; do
    mkdir -p "$d/$link"
    if ! "$TOOL" "$d/orig.wasm" -o "$d/$link/orig.wasm" --link $link 2>"$d/$link.err"; then
      fail "instrument --link $link rust" "$(grep -v warning "$d/$link.err" | head -2)"
      continue
    fi
    run_component "$d/$link/orig.wasm" "$d/$link/run" alpha beta
    same_run "same-output --link $link rust" "$d/orig" "$d/$link/run"
  done
  if [[ $(tail -n1 "$d/hooks/run.trace" 2>/dev/null) == "# unbalanced 0 open 0 invalid 0 truncated 0" ]] &&
    grep -q ';wordcount::count_words ' "$d/hooks/run.trace" && grep -q ';wordcount::fib;wordcount::fib ' "$d/hooks/run.trace"; then
    pass "trace rust (balanced, demangled names)"
  else
    fail "trace rust" "$(tail -n1 "$d/hooks/run.trace" 2>/dev/null); wordcount::count_words or wordcount::fib missing"
  fi
  for link in wasi-otel wasi-observe; do
    if cmp -s "$d/hooks/run.trace" "$d/$link/run.trace"; then
      pass "trace --link $link rust (equal to the hooks' call tree)"
    else
      fail "trace --link $link rust" "differs from the hooks' call tree: $(diff "$d/hooks/run.trace" "$d/$link/run.trace" | head -4 | tr '\n' ' ')"
    fi
  done
else
  fail "build rust" "rustc or jco new failed: $(tail -3 "$d/build.log" | tr '\n' ' ')"
fi

# ---- a JavaScript component (componentize-js, StarlingMonkey) ---------------------

d=$WORK/js
mkdir -p "$d/i" "$d/wit/deps"
cp "$HERE/js-app/world.wit" "$d/wit/"
cp "$HERE/js-app/app.js" "$d/"
cp -r "$HERE"/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12/* "$d/wit/deps/"
# componentize-js reads its inputs through WASI with the current directory
# preopened: relative paths, from inside $d.
if (cd "$d" && "$NODE" "$HERE/node_modules/@bytecodealliance/componentize-js/src/cli.js" \
  --wit wit -o orig.wasm app.js) >"$d/build.log" 2>&1; then
  start=$(date +%s%N)
  if "$TOOL" "$d/orig.wasm" -o "$d/i/orig.wasm" --link hooks --stats 2>"$d/tool.err"; then
    pass "instrument starlingmonkey ($(( ($(date +%s%N) - start) / 1000000 )) ms, $(stat -c %s "$d/orig.wasm") bytes)"
    run_component "$d/orig.wasm" "$d/orig"
    run_component "$d/i/orig.wasm" "$d/instr"
    if grep -q '^fib 6765 words 9 the 3$' "$d/orig.out"; then
      same_run "same-output starlingmonkey" "$d/orig" "$d/instr"
    else
      fail "same-output starlingmonkey" "the original printed '$(head -c 200 "$d/orig.out")' $(head -c 300 "$d/orig.err")"
    fi
    last=$(tail -n1 "$d/instr.trace" 2>/dev/null)
    spans=$(awk '$1 !~ /^#/ {n += $NF} END {print n + 0}' "$d/instr.trace" 2>/dev/null)
    if [[ $last == "# unbalanced 0 open 0 invalid 0 truncated 0" ]] && ((spans > 1000)); then
      pass "trace starlingmonkey ($spans spans, balanced)"
    else
      fail "trace starlingmonkey" "$last; $spans spans"
    fi
  else
    fail "instrument starlingmonkey" "$(grep -v stats "$d/tool.err" | head -2)"
  fi
else
  fail "build starlingmonkey" "componentize-js failed: $(tail -3 "$d/build.log" | tr '\n' ' ')"
fi

# ---- bad components ----------------------------------------------------------------

# mutate.py SEED COUNT IN OUTDIR: truncations, flipped bytes, lying sizes.
for base in "$WORK/c-printf/orig.wasm" "$WORK/wat-nested/orig.wasm"; do
  [[ -s $base ]] || { fail "mutations $(basename "$(dirname "$base")")" "no input"; continue; }
  label=$(basename "$(dirname "$base")")
  m=$WORK/mutations-$label
  mkdir -p "$m"
  python3 "$HERE/mutate-component.py" 7 "$MUTATIONS" "$base" "$m" || {
    fail "mutations $label" "mutate-component.py failed"; continue; }
  bad=0 accepted=0 rejected=0
  for f in "$m"/case-*.wasm; do
    rm -f "$m/out.wasm"
    "$TOOL" "$f" -o "$m/out.wasm" --link hooks >/dev/null 2>"$m/err"
    rc=$?
    lines=$(wc -l <"$m/err")
    if ((rc == 0)); then
      accepted=$((accepted + 1))
    elif ((rc == 1)) && [[ ! -e $m/out.wasm ]] && ((lines == 1)); then
      rejected=$((rejected + 1))
    else
      bad=$((bad + 1))
      ((bad <= 3)) && echo "  $(basename "$f"): exit $rc, $lines lines: $(head -c 200 "$m/err")"
    fi
  done
  if ((bad == 0 && rejected > 0)); then
    pass "mutations $label ($rejected rejected with one line, $accepted accepted)"
  else
    fail "mutations $label" "$bad inputs crashed the tool, gave another exit code or left an output"
  fi
done

summary
