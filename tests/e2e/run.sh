#!/usr/bin/env bash
# End-to-end tests of wasm-instrument.
#
# For every fixture (fixtures/c/*.c, fixtures/wat/*.wat): build it, instrument it,
# validate the output with WABT and Binaryen, run the original and the
# instrumented module under Node (V8) and under wasm2c (native, ASan+UBSan), and
# check that
#   - the original exits as the fixture says (e2e-exit, default 0),
#   - the instrumented module prints the same stdout/stderr and exits the same,
#   - the original prints the same stdout and exits the same on both hosts,
#   - the trace is balanced (no unbalanced exit, no invalid id, no truncation),
#   - the trace equals fixtures/expected/NAME.folded,
#   - the Node trace and the wasm2c trace are byte-identical.
# Plus the hosts' self-test (a hand-instrumented module, no rewriter involved) and
# the --include/--exclude filters on two fixtures.
#
# Fixture directives (comment lines in the source, `//` or `;;`):
#   e2e-exit: N            expected exit code of the program (default 0)
#   e2e-args: A B ...      program arguments (split on blanks; no quoting)
#   e2e-features: F ...    WABT feature names (tail-call, exceptions, ...)
#   e2e-skip-wasm2c: WHY   do not run under wasm2c (reported as SKIP)
#   e2e-no-names           (WAT) assemble without a name section
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), E2E_WORK (work
# dir, default a new mktemp dir, kept), E2E_JOBS (parallel fixtures, default
# nproc), E2E_FILTER (regex on fixture names), NODE (default node), CC (default
# clang), UPDATE_GOLDEN=1 (write the goldens from the Node traces: review the diff!).
#
# Output: one line per check, `PASS name`, `FAIL name: reason` or
# `SKIP name: reason`, then `N passed, N failed, N skipped`. Exit status 1 if
# anything failed (a missing golden file is a FAIL).

# shellcheck disable=SC2086 # CC and the *FLAGS strings are split into words on purpose

set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
WORK=${E2E_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wasm-instrument-e2e.XXXXXX")}
JOBS=${E2E_JOBS:-$(nproc 2>/dev/null || echo 2)}
FILTER=${E2E_FILTER:-}
NODE=${NODE:-node}
CC=${CC:-clang}
FIXTURES=$ROOT/fixtures
EXPECTED=$FIXTURES/expected
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
WASM2C_RT=${WASM2C_RT:-/usr/share/wabt/wasm2c}

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# Native flags. The wasm2c runtime uses explicit bounds checks and a call-depth
# counter instead of guard pages and a SIGSEGV handler, which do not mix with ASan.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
RTDEFS="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DWASM_RT_MAX_CALL_STACK_DEPTH=20000"
HOST_CFLAGS="-std=c17 -Wall -Wextra -Werror -O1 -g $SAN $RTDEFS -I$WASM2C_RT -I$HERE"
GEN_CFLAGS="-std=c17 -w -O0 $SAN $RTDEFS -I$WASM2C_RT -I$HERE"
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=98:print_stacktrace=1}

# ---- result bookkeeping -------------------------------------------------------
# Each fixture appends its lines to its own results file (fixtures run in
# parallel); they are printed in a fixed order at the end.

RESULTS=$WORK/results.d
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
RES=$RESULTS/00-setup

pass() { echo "PASS $1" >>"$RES"; }
fail() { echo "FAIL $1: $2" >>"$RES"; }
skip() { echo "SKIP $1: $2" >>"$RES"; }

# first_diff A B: the first line only in A and the first line only in B
# (control bytes made visible, cut to 150 characters).
first_diff() {
  local out a b
  out=$(diff "$1" "$2" 2>&1)
  a=$(grep -a -m1 '^<' <<<"$out" | cut -c3- | cat -v | cut -c1-150)
  b=$(grep -a -m1 '^>' <<<"$out" | cut -c3- | cat -v | cut -c1-150)
  if [[ -z $a && -z $b ]]; then echo "files differ"; return; fi
  echo "expected '${a:-(nothing)}', got '${b:-(nothing)}'"
}

# check_same NAME A B WHAT: PASS if the files are identical.
check_same() {
  if cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "$4 differ: $(first_diff "$2" "$3")"; fi
}

directive() { # directive FILE KEY -> value (empty if absent)
  sed -n -E "s@^[[:space:]]*(//|;;)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n1
}
has_directive() { grep -Eq "^[[:space:]]*(//|;;)[[:space:]]*$2([[:space:]]|\$)" "$1"; }

# trace_status TRACE: "ok" when the final line reports a balanced, complete trace.
trace_status() {
  local last
  last=$(tail -n1 "$1" 2>/dev/null)
  if [[ $last =~ ^#\ unbalanced\ ([0-9]+)\ open\ ([0-9]+)\ invalid\ ([0-9]+)\ truncated\ ([0-9]+)$ ]]; then
    if [[ ${BASH_REMATCH[1]} == 0 && ${BASH_REMATCH[3]} == 0 && ${BASH_REMATCH[4]} == 0 ]]; then
      echo ok
    else
      echo "$last"
    fi
  else
    echo "no summary line in $1"
  fi
}

# run_node WASM PREFIX ARGS...: PREFIX.out/.err/.trace/.rc
run_node() {
  local wasm=$1 pre=$2
  shift 2
  "$NODE" "$HERE/run-node.mjs" "$wasm" "$pre.trace" "$@" >"$pre.out" 2>"$pre.err" </dev/null
  echo $? >"$pre.rc"
}

# build_wasm2c WASM DIR FEATURES: DIR/prog from the module; log in DIR/build.log
build_wasm2c() {
  local wasm=$1 dir=$2 feats=$3
  mkdir -p "$dir"
  {
    # shellcheck disable=SC2086
    wasm2c $feats -n m "$wasm" -o "$dir/m.c" &&
      "$NODE" "$HERE/wasm2c-glue.mjs" "$dir/m.h" >"$dir/glue.c" &&
      $CC $GEN_CFLAGS -c "$dir/m.c" -o "$dir/m.o" &&
      $CC $GEN_CFLAGS -c "$dir/glue.c" -o "$dir/glue.o" &&
      $CC $SAN "$dir/m.o" "$dir/glue.o" "$WORK/host/host.o" "$WORK/host/wasi.o" \
        "$WORK/host/rt.o" -lm -o "$dir/prog"
  } >"$dir/build.log" 2>&1
}

# run_wasm2c DIR WASM PREFIX ARGS...
run_wasm2c() {
  local dir=$1 wasm=$2 pre=$3
  shift 3
  "$dir/prog" "$wasm" "$pre.trace" "$@" >"$pre.out" 2>"$pre.err" </dev/null
  echo $? >"$pre.rc"
}

# ---- setup: tools and the wasm2c host objects ---------------------------------

HAVE_TOOL=1
if [[ ! -x $TOOL ]]; then
  fail "tool" "$TOOL not found or not executable (build it, or set WASM_INSTRUMENT)"
  HAVE_TOOL=0
fi
for t in "$NODE" "$CC" wat2wasm wasm-validate wasm2c wasm-opt; do
  command -v "$t" >/dev/null 2>&1 || fail "prerequisite $t" "not found in PATH"
done

HAVE_HOST=1
mkdir -p "$WORK/host"
if $CC $HOST_CFLAGS -c "$HERE/wasm2c-host.c" -o "$WORK/host/host.o" >"$WORK/host/build.log" 2>&1 &&
  $CC $HOST_CFLAGS -c "$HERE/wasm2c-wasi.c" -o "$WORK/host/wasi.o" >>"$WORK/host/build.log" 2>&1 &&
  $CC ${HOST_CFLAGS/-Werror/} -w -D_DEFAULT_SOURCE -c "$WASM2C_RT/wasm-rt-impl.c" -o "$WORK/host/rt.o" \
    >>"$WORK/host/build.log" 2>&1; then
  pass "wasm2c-host build"
else
  fail "wasm2c-host build" "see $WORK/host/build.log: $(grep -m1 -i error "$WORK/host/build.log")"
  HAVE_HOST=0
fi

# ---- host self-test: a hand-instrumented module --------------------------------

selftest() {
  RES=$RESULTS/01-selftest
  local d=$WORK/selftest
  mkdir -p "$d"
  if ! wat2wasm "$HERE/selftest/selftest.wat" -o "$d/plain.wasm" >"$d/build.log" 2>&1 ||
    ! "$NODE" "$HERE/mksites.mjs" "$d/plain.wasm" "$d/selftest.wasm" "$HERE/selftest/selftest.sites.json" >>"$d/build.log" 2>&1; then
    fail "host-selftest build" "see $d/build.log"
    return
  fi
  E2E_TRACE_MAX_DEPTH=8 run_node "$d/selftest.wasm" "$d/node"
  if [[ $(cat "$d/node.rc") == 0 ]] && cmp -s "$d/node.trace" "$HERE/selftest/selftest.folded"; then
    pass "host-selftest node"
  else
    fail "host-selftest node" "exit $(cat "$d/node.rc"), trace: $(first_diff "$HERE/selftest/selftest.folded" "$d/node.trace")"
  fi
  if [[ $HAVE_HOST == 0 ]]; then
    skip "host-selftest wasm2c" "wasm2c host did not build"
    return
  fi
  if ! build_wasm2c "$d/selftest.wasm" "$d/w2c" ""; then
    fail "host-selftest wasm2c" "build failed, see $d/w2c/build.log"
    return
  fi
  E2E_TRACE_MAX_DEPTH=8 run_wasm2c "$d/w2c" "$d/selftest.wasm" "$d/w2c"
  if [[ $(cat "$d/w2c.rc") == 0 ]] && cmp -s "$d/w2c.trace" "$HERE/selftest/selftest.folded" &&
    cmp -s "$d/w2c.out" "$d/node.out"; then
    pass "host-selftest wasm2c"
  else
    fail "host-selftest wasm2c" "exit $(cat "$d/w2c.rc"), trace: $(first_diff "$HERE/selftest/selftest.folded" "$d/w2c.trace")"
  fi
}

# ---- one fixture -------------------------------------------------------------------

# golden_check NAME TRACE GOLDEN CHECKNAME
golden_check() {
  local trace=$2 golden=$3 check=$4
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
    cp "$trace" "$golden"
    skip "$check" "golden updated from $trace"
  elif [[ ! -f $golden ]]; then
    fail "$check" "no golden file $golden"
  else
    check_same "$check" "$golden" "$trace" "golden and trace"
  fi
}

run_fixture() {
  local src=$1 name kind
  name=$(basename "$src")
  kind=${name##*.}
  name=${name%.*}
  RES=$RESULTS/10-$name
  local d=$WORK/$name
  rm -rf "$d"
  mkdir -p "$d/orig" "$d/instr"

  local exit_expected feats args wabt_feats="" skip_w2c
  exit_expected=$(directive "$src" e2e-exit)
  exit_expected=${exit_expected:-0}
  feats=$(directive "$src" e2e-features)
  args=$(directive "$src" e2e-args)
  skip_w2c=$(directive "$src" e2e-skip-wasm2c)
  local f
  for f in $feats; do wabt_feats+=" --enable-$f"; done
  # shellcheck disable=SC2206
  local argv=($args)

  # build
  local orig=$d/orig/$name.wasm instr=$d/instr/$name.wasm
  if [[ $kind == c ]]; then
    if ! { $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -Wall -Wextra -Werror \
      -c "$src" -o "$d/orig/$name.o" &&
      # Link without -O: clang would run wasm-opt, which drops the name section.
      $CC --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$d/orig/$name.o" -o "$orig" -Wl,--strip-debug; } \
      >"$d/build.log" 2>&1; then
      fail "build $name" "$(grep -m1 -i error "$d/build.log")"
      return
    fi
  else
    local names=--debug-names
    has_directive "$src" e2e-no-names && names=
    # shellcheck disable=SC2086
    if ! wat2wasm $wabt_feats $names "$src" -o "$orig" >"$d/build.log" 2>&1; then
      fail "build $name" "$(head -n1 "$d/build.log")"
      return
    fi
    if [[ -n $names && " $feats " == *" exceptions "* ]]; then
      # wat2wasm 1.0.32 writes tag names as name subsection 10; Binaryen 108 cannot read that.
      "$NODE" "$HERE/drop-name-subsections.mjs" "$orig" "$orig.tmp" 10 && mv "$orig.tmp" "$orig"
    fi
  fi
  pass "build $name"

  # the original under Node
  run_node "$orig" "$d/orig/node" "${argv[@]}"
  local rc
  rc=$(cat "$d/orig/node.rc")
  if [[ $rc == "$exit_expected" ]]; then
    pass "original-exit node $name"
  else
    fail "original-exit node $name" "exit code $rc, expected $exit_expected ($(head -c 200 "$d/orig/node.err" | tr '\n' ' '))"
  fi

  # wasm2c builds of the original (and later of the output)
  local do_w2c=1
  if [[ -n $skip_w2c ]]; then
    skip "wasm2c $name" "$skip_w2c"
    do_w2c=0
  elif [[ $HAVE_HOST == 0 ]]; then
    skip "wasm2c $name" "wasm2c host did not build"
    do_w2c=0
  fi
  if [[ $do_w2c == 1 ]]; then
    if build_wasm2c "$orig" "$d/orig/w2c" "$wabt_feats"; then
      run_wasm2c "$d/orig/w2c" "$orig" "$d/orig/w2c" "${argv[@]}"
      if [[ $(cat "$d/orig/w2c.rc") == "$(cat "$d/orig/node.rc")" ]] && cmp -s "$d/orig/w2c.out" "$d/orig/node.out"; then
        pass "original node-vs-wasm2c $name"
      else
        fail "original node-vs-wasm2c $name" "exit $(cat "$d/orig/node.rc") vs $(cat "$d/orig/w2c.rc"); stdout: $(first_diff "$d/orig/node.out" "$d/orig/w2c.out") $(head -c 200 "$d/orig/w2c.err" | tr '\n' ' ')"
      fi
    else
      fail "wasm2c-build original $name" "see $d/orig/w2c/build.log: $(grep -m1 -i error "$d/orig/w2c/build.log")"
      do_w2c=0
    fi
  fi

  # instrument
  if [[ $HAVE_TOOL == 0 ]]; then
    skip "instrument $name" "no tool"
    return
  fi
  if "$TOOL" "$orig" -o "$instr" >"$d/instrument.log" 2>&1; then
    pass "instrument $name"
  else
    fail "instrument $name" "exit $?: $(head -n1 "$d/instrument.log")"
    return
  fi

  # validate
  # shellcheck disable=SC2086
  if wasm-validate $wabt_feats "$instr" >"$d/validate.log" 2>&1; then
    pass "wasm-validate $name"
  else
    fail "wasm-validate $name" "$(head -n1 "$d/validate.log")"
  fi
  if wasm-opt --all-features -q "$instr" -o /dev/null >"$d/binaryen.log" 2>&1; then
    pass "binaryen-validate $name"
  else
    fail "binaryen-validate $name" "$(grep -m1 -v '^warning' "$d/binaryen.log")"
  fi

  # the output under Node
  run_node "$instr" "$d/instr/node" "${argv[@]}"
  local o=$d/orig/node i=$d/instr/node
  if [[ $(cat "$i.rc") == "$(cat "$o.rc")" ]] && cmp -s "$i.out" "$o.out" && cmp -s "$i.err" "$o.err"; then
    pass "same-behaviour node $name"
  else
    fail "same-behaviour node $name" "exit $(cat "$o.rc") -> $(cat "$i.rc"); stdout: $(first_diff "$o.out" "$i.out"); stderr: $(first_diff "$o.err" "$i.err")"
  fi
  local st
  st=$(trace_status "$i.trace")
  if [[ $st == ok ]]; then pass "balanced node $name"; else fail "balanced node $name" "$st"; fi
  golden_check "$name" "$i.trace" "$EXPECTED/$name.folded" "golden node $name"

  # the output under wasm2c
  if [[ $do_w2c == 1 ]]; then
    if build_wasm2c "$instr" "$d/instr/w2c" "$wabt_feats"; then
      run_wasm2c "$d/instr/w2c" "$instr" "$d/instr/w2c" "${argv[@]}"
      o=$d/orig/w2c i=$d/instr/w2c
      if [[ $(cat "$i.rc") == "$(cat "$o.rc")" ]] && cmp -s "$i.out" "$o.out" && cmp -s "$i.err" "$o.err"; then
        pass "same-behaviour wasm2c $name"
      else
        fail "same-behaviour wasm2c $name" "exit $(cat "$o.rc") -> $(cat "$i.rc"); stdout: $(first_diff "$o.out" "$i.out"); stderr: $(first_diff "$o.err" "$i.err")"
      fi
      check_same "trace node-vs-wasm2c $name" "$d/instr/node.trace" "$i.trace" "Node and wasm2c traces"
    else
      fail "wasm2c-build instrumented $name" "see $d/instr/w2c/build.log: $(grep -m1 -i error "$d/instr/w2c/build.log")"
    fi
  fi
}

# ---- filters: --include / --exclude ----------------------------------------------

# run_filter NAME FIXTURE-SOURCE GOLDEN TOOL-ARGS...
run_filter() {
  local check=$1 src=$2 golden=$3
  shift 3
  local base
  base=$(basename "$src")
  base=${base%.*}
  RES=$RESULTS/20-$check
  local orig=$WORK/$base/orig/$base.wasm d=$WORK/$check
  mkdir -p "$d"
  if [[ $HAVE_TOOL == 0 ]]; then
    skip "$check" "no tool"
    return
  fi
  if [[ ! -f $orig ]]; then
    fail "$check" "fixture $base did not build"
    return
  fi
  if ! "$TOOL" "$orig" -o "$d/$base.wasm" "$@" >"$d/instrument.log" 2>&1; then
    fail "$check" "wasm-instrument $* failed: $(head -n1 "$d/instrument.log")"
    return
  fi
  if ! wasm-validate "$d/$base.wasm" >"$d/validate.log" 2>&1; then
    fail "$check" "invalid output: $(head -n1 "$d/validate.log")"
    return
  fi
  run_node "$d/$base.wasm" "$d/node"
  local st
  st=$(trace_status "$d/node.trace")
  if [[ $st != ok ]]; then
    fail "$check" "$st"
  elif ! cmp -s "$d/node.out" "$WORK/$base/orig/node.out" || [[ $(cat "$d/node.rc") != "$(cat "$WORK/$base/orig/node.rc")" ]]; then
    fail "$check" "behaviour changed: $(first_diff "$WORK/$base/orig/node.out" "$d/node.out")"
  else
    golden_check "$check" "$d/node.trace" "$golden" "$check"
  fi
}

# ---- main ---------------------------------------------------------------------------

selftest

sources=()
for s in "$FIXTURES"/c/*.c "$FIXTURES"/wat/*.wat; do
  [[ -f $s ]] || continue
  n=$(basename "$s")
  n=${n%.*}
  if [[ -n $FILTER && ! $n =~ $FILTER ]]; then continue; fi
  sources+=("$s")
done

running=0
for s in "${sources[@]}"; do
  run_fixture "$s" &
  running=$((running + 1))
  if ((running >= JOBS)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

if [[ -z $FILTER || fib =~ $FILTER ]]; then
  run_filter "filter-include fib" "$FIXTURES/c/fib.c" "$EXPECTED/fib.include.folded" \
    --include '^fib$' --no-imports --no-exports
fi
if [[ -z $FILTER || calltree =~ $FILTER ]]; then
  run_filter "filter-exclude calltree" "$FIXTURES/c/calltree.c" "$EXPECTED/calltree.exclude.folded" \
    --exclude '^(leaf|is_odd|out_buf|__wasi_fd_write)$' --no-imports --no-exports
  # XRay's rule: the functions of fewer than 15 instructions with no loop go,
  # the import and export boundaries stay
  run_filter "filter-min-instructions calltree" "$FIXTURES/c/calltree.c" \
    "$EXPECTED/calltree.min-instructions.folded" --min-instructions 15
fi

# ---- report -------------------------------------------------------------------------

cat "$RESULTS"/* 2>/dev/null | sed '/^$/d' >"$WORK/results.txt"
cat "$WORK/results.txt"
npass=$(grep -c '^PASS ' "$WORK/results.txt")
nfail=$(grep -c '^FAIL ' "$WORK/results.txt")
nskip=$(grep -c '^SKIP ' "$WORK/results.txt")
echo "work dir: $WORK" >&2
echo "$npass passed, $nfail failed, $nskip skipped"
((nfail == 0))
