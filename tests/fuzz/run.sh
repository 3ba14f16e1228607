#!/usr/bin/env bash
# Fuzzing suite of wasm-instrument. Four parts, all deterministic (fixed seeds):
#
#  gen/MIX/K[/VARIANT]   Generated modules: seedbytes.py turns seed S into random
#       bytes, `wasm-opt -ttf` (Binaryen 108) turns those into a valid module with
#       the features of MIX. The tool must exit 0; the output must validate with
#       Binaryen (`wasm-opt -all`), with the features the output declares (when the
#       input had a target_features section), and with `wasm-validate` and the
#       MIX's WABT flags whenever wasm-validate accepts the input; its custom
#       sections must be well-formed (check-output.py).
#       VARIANT: (none) default options; obs `--abi observe-sdk`; filter
#       `--include/--exclude`; noboundary `--no-imports --no-exports --exceptions on`;
#       patch `--patchable` (harness.mjs --patch patches each site out after its first call).
#  run/MIX/K[/VARIANT]   Differential execution under Node (V8) of the original
#       and the output (harness.mjs, like Binaryen's fuzz_shell.js): the logs of
#       the fuzzing-support imports, results and traps must be identical, and the
#       hook calls must nest (exit matches the innermost enter; balanced after a
#       normal return; a trap may leave spans open). SKIP when V8 cannot compile
#       the original (Binaryen 108 and V8 11.3 disagree on some reference types).
#  mutate/BASE/KIND      Bad input: a few hundred deterministic mutations
#       (mutate.py) of valid modules. Per case: exit 0 or 1 (not 3, no signal, no
#       timeout), exactly one error line on stderr when it fails (warnings aside),
#       none when it succeeds, no output file (and no temporary) left after a
#       failure, and a valid, well-formed output after a success.
#  libfuzzer/...         fuzz_scan.c (the tool's own binary parsing) built with
#       clang -fsanitize=fuzzer,address,undefined, replayed on corpus/ and run for
#       FUZZ_LIBFUZZER_TIME seconds with -seed=1, in the background.
#  libfuzzer-component/... fuzz_component.c (the component layer: framing,
#       sections, component-name; a component it accepts must be written again
#       into one it accepts, and again unchanged), replayed on
#       regressions-component/ and run from the component WAT fixtures of
#       tests/component (assembled by jco at test time), the same way.
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), FUZZ_WORK (work
# directory; default a new temporary one, removed when everything passed),
# FUZZ_FILTER (regex on test names: only matching gen/run/mutate tests run;
# libfuzzer runs if it matches "libfuzzer"), FUZZ_LIBFUZZER_TIME (default 20),
# FUZZ_MODULES (modules per feature mix, default 8), NODE (default node),
# FUZZ_CC (default clang).
#
# Output: `PASS name`, `FAIL name: reason` (with the seed and a repro script in
# the work directory), `SKIP name: reason`, then one line `N passed, N failed,
# N skipped`. Exit status 1 if anything failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
NODE=${NODE:-node}
FUZZ_CC=${FUZZ_CC:-clang}
FILTER=${FUZZ_FILTER:-}
LIBFUZZER_TIME=${FUZZ_LIBFUZZER_TIME:-20}
MODULES=${FUZZ_MODULES:-8}
if [[ -n ${FUZZ_WORK:-} ]]; then
  WORK=$FUZZ_WORK
  mkdir -p "$WORK"
  keep_work=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasm-instrument-fuzz.XXXXXX")
  keep_work=0
fi
WORK=$(cd "$WORK" && pwd)
NODE_FLAGS=(--experimental-wasm-type-reflection --experimental-wasm-memory64
            --experimental-wasm-relaxed-simd --experimental-wasm-extended-const)
started=$SECONDS

passed=0 failed=0 skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }
selected() { [[ -z $FILTER ]] || [[ $1 =~ $FILTER ]]; }
first_line() { head -n 1 "$1" 2>/dev/null | cut -c1-240; }

missing=()
for t in "$NODE" wasm-opt wasm-validate wasm-objdump wat2wasm python3 timeout "$FUZZ_CC"; do
  command -v "$t" >/dev/null || missing+=("$t")
done
[[ -x $TOOL ]] || missing+=("$TOOL")
if ((${#missing[@]})); then
  fail prerequisites "missing: ${missing[*]}"
  echo "$passed passed, $failed failed, $skipped skipped"
  exit 1
fi

# The checkers must be able to fail: an i64 body in a function returning i32,
# and a module without the sections the rewriter adds.
mkdir -p "$WORK/selfcheck"
printf '\0asm\1\0\0\0\1\5\1\x60\0\1\x7f\3\2\1\0\n\6\1\4\0\x42\0\x0b' >"$WORK/selfcheck/invalid.wasm"
printf '\0asm\1\0\0\0' >"$WORK/selfcheck/empty.wasm"
if wasm-opt "$WORK/selfcheck/invalid.wasm" -all -o /dev/null >/dev/null 2>&1; then
  fail selfcheck/binaryen "wasm-opt -all accepts an invalid module"
elif wasm-validate "$WORK/selfcheck/invalid.wasm" >/dev/null 2>&1; then
  fail selfcheck/wabt "wasm-validate accepts an invalid module"
elif python3 "$HERE/check-output.py" "$WORK/selfcheck/empty.wasm" "$WORK/selfcheck/empty.wasm" >/dev/null 2>&1; then
  fail selfcheck/check-output "check-output.py accepts a module without producers and site table"
else
  pass selfcheck
fi

# ---------------------------------------------------------------------------
# Part 4 starts first, in the background: it is CPU-bound and the other parts
# mostly wait on process start-up.
lf_dir=$WORK/libfuzzer
lf_pid=
if selected libfuzzer; then
  mkdir -p "$lf_dir/corpus"
  cp "$HERE"/corpus/*.wasm "$lf_dir/corpus/"
  (
    cd "$ROOT" || exit 1
    if ! "$FUZZ_CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Isrc tests/fuzz/fuzz_scan.c src/module_scan.c src/byte_reader.c src/byte_writer.c \
        src/module_copy.c src/name_section.c src/producers.c src/element_segments.c \
        -o "$lf_dir/fuzz_scan" \
        >"$lf_dir/build.log" 2>&1; then
      echo build >"$lf_dir/status"
      exit 0
    fi
    # Replay the committed corpus alone, then fuzz from a copy of it.
    "$lf_dir/fuzz_scan" -artifact_prefix="$lf_dir/replay-" "$HERE"/corpus/*.wasm \
      >"$lf_dir/replay.log" 2>&1
    echo "replay $?" >"$lf_dir/status"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$lf_dir/fuzz_scan" -seed=1 -max_total_time="$LIBFUZZER_TIME" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$lf_dir/" -print_final_stats=1 "$lf_dir/corpus" \
      >"$lf_dir/fuzz.log" 2>&1
    echo "fuzz $?" >>"$lf_dir/status"
  ) &
  lf_pid=$!
fi

# The runtime shim's entry points (fuzz_hooks.c: the site table reader and the
# hooks in any order), in the background too. The OTLP/HTTP exporter (libcurl)
# is left out: the harness does not use it.
hooks_dir=$WORK/libfuzzer-hooks
hooks_pid=
if selected libfuzzer; then
  mkdir -p "$hooks_dir/corpus"
  cp "$HERE"/corpus-hooks/* "$hooks_dir/corpus/"
  (
    cd "$ROOT" || exit 1
    if ! "$FUZZ_CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Iruntime-shim/include -Iruntime-shim/src -Isrc tests/fuzz/fuzz_hooks.c \
        $(ls runtime-shim/src/*.c | grep -v export_otlp_http) src/byte_reader.c -lpthread \
        -o "$hooks_dir/fuzz_hooks" \
        >"$hooks_dir/build.log" 2>&1; then
      echo build >"$hooks_dir/status"
      exit 0
    fi
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$hooks_dir/fuzz_hooks" -seed=1 -max_total_time="$LIBFUZZER_TIME" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$hooks_dir/" -print_final_stats=1 "$hooks_dir/corpus" \
      >"$hooks_dir/fuzz.log" 2>&1
    echo "fuzz $?" >"$hooks_dir/status"
  ) &
  hooks_pid=$!
fi

# The component layer (fuzz_component.c), in the background too.
comp_dir=$WORK/libfuzzer-component
comp_pid=
if selected libfuzzer; then
  mkdir -p "$comp_dir/corpus"
  (
    cd "$ROOT" || exit 1
    if ! "$ROOT/scripts/npm-fetch-pinned.sh" "$ROOT/tests/component" node_modules/.bin/jco \
        >"$comp_dir/build.log" 2>&1; then
      echo seeds >"$comp_dir/status"
      exit 0
    fi
    for f in tests/component/fixtures/*.wat; do
      # the harness puts the preamble in front: a seed is the sections alone
      tests/component/node_modules/.bin/jco parse "$f" -o "$comp_dir/seed.wasm" >>"$comp_dir/build.log" 2>&1 &&
        tail -c +9 "$comp_dir/seed.wasm" >"$comp_dir/corpus/$(basename "$f" .wat)" ||
        { echo seeds >"$comp_dir/status"; exit 0; }
    done
    if ! "$FUZZ_CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Isrc -Ipasses tests/fuzz/fuzz_component.c src/component_binary.c src/component_walk.c \
        src/component_names.c src/byte_reader.c src/byte_writer.c -o "$comp_dir/fuzz_component" \
        >>"$comp_dir/build.log" 2>&1; then
      echo build >"$comp_dir/status"
      exit 0
    fi
    "$comp_dir/fuzz_component" -artifact_prefix="$comp_dir/replay-" "$HERE"/regressions-component/* \
      >"$comp_dir/replay.log" 2>&1
    echo "replay $?" >"$comp_dir/status"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$comp_dir/fuzz_component" -seed=1 -max_total_time="$LIBFUZZER_TIME" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$comp_dir/" -print_final_stats=1 "$comp_dir/corpus" \
      >"$comp_dir/fuzz.log" 2>&1
    echo "fuzz $?" >>"$comp_dir/status"
  ) &
  comp_pid=$!
fi

# ---------------------------------------------------------------------------
# Parts 1 and 2: generated modules.
#
# Feature mixes: name | wasm-opt flags | wasm-validate flags | run under Node?
# WABT 1.0.32 cannot read GC, so `all` has no wasm-validate check; V8 11.3 and
# Binaryen 108 disagree on reference types (funcref is a subtype of externref in
# Binaryen 108), so modules of `ref` and `refmulti` often cannot run (SKIP).
WABT_OFF="--disable-simd --disable-multi-value --disable-reference-types --disable-saturating-float-to-int"
# Every feature WABT knows but typed function references and GC (which the
# inputs do not use, so the output must not either).
WABT_NOGC="--enable-exceptions --enable-tail-call --enable-threads --enable-memory64 --enable-extended-const --enable-relaxed-simd"
MIXES=(
  "mvp|--mvp-features|$WABT_OFF --disable-bulk-memory --disable-sign-extension --disable-mutable-globals|yes"
  "simd|--mvp-features --enable-simd --enable-bulk-memory --enable-multivalue --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals|--disable-reference-types|yes"
  "eh|--mvp-features --enable-exception-handling --enable-sign-ext --enable-mutable-globals|--enable-exceptions $WABT_OFF|yes"
  "tail|--mvp-features --enable-tail-call --enable-sign-ext --enable-mutable-globals|--enable-tail-call $WABT_OFF|yes"
  "ref|--mvp-features --enable-reference-types --enable-bulk-memory --enable-sign-ext --enable-mutable-globals|--disable-simd --disable-multi-value --disable-saturating-float-to-int|yes"
  "threads|--mvp-features --enable-threads --enable-bulk-memory --enable-sign-ext --enable-mutable-globals|--enable-threads --disable-simd --disable-multi-value --disable-reference-types --disable-saturating-float-to-int|yes"
  "nogcref|-all --disable-gc --disable-typed-function-references --disable-gc-nn-locals --disable-reference-types|$WABT_NOGC --disable-reference-types|yes"
  "refmulti|-all --disable-gc --disable-typed-function-references --disable-gc-nn-locals|$WABT_NOGC|yes"
  "all|-all|-|no"
)
FILTER_OPTS=(--include 'func_[0-9]*[02468]$|^func$|hashMemory|\[[0-9]*[13579]\]' --exclude 'invoker|hangLimit')

gen_dir=$WORK/gen
mkdir -p "$gen_dir"
wabt_checked=0 wabt_input_rejected=0 runs_done=0 enters_total=0 traps_total=0

# Writes DIR/repro.sh that rebuilds and re-instruments one case.
write_repro() {
  local dir=$1 seed=$2 size=$3 flags=$4; shift 4
  {
    echo "#!/usr/bin/env bash"
    echo "# Rebuilds this case: seed $seed, $size bytes."
    echo "set -x"
    echo "python3 '$HERE/seedbytes.py' $seed $size > input.bin"
    echo "wasm-opt input.bin -ttf $flags -o module.wasm"
    printf '%q ' "$TOOL" module.wasm -o out.wasm "$@"
    echo
  } >"$dir/repro.sh"
  chmod +x "$dir/repro.sh"
}

# gen_case NAME DIR IN WABT_FLAGS TARGET_FEATURES OPTS... -> sets case_ok
gen_case() {
  local name=$1 dir=$2 in=$3 wabt=$4 tf=$5; shift 5
  local out=$dir/out.wasm
  case_ok=0
  rm -f "$out"
  timeout -k 5 60 "$TOOL" "$in" -o "$out" "$@" 2>"$dir/tool.err"
  local rc=$?
  ((rc == 0)) && case_ok=1
  if ((rc != 0)); then
    fail "$name" "exit $rc: $(grep -v '^wasm-instrument: warning:' "$dir/tool.err" | head -1 | cut -c1-200) (repro: $dir/repro.sh)"
    return
  fi
  if ! wasm-opt "$out" -all -o /dev/null >"$dir/binaryen.log" 2>&1; then
    fail "$name" "output invalid for Binaryen: $(grep -m1 -E 'error|Fatal' "$dir/binaryen.log" | cut -c1-200) (repro: $dir/repro.sh)"
    return
  fi
  if [[ $tf == yes ]] && ! wasm-opt "$out" -o /dev/null >"$dir/binaryen-declared.log" 2>&1; then
    fail "$name" "output needs features its target_features section does not declare: $(grep -m1 -E 'error|Fatal' "$dir/binaryen-declared.log" | cut -c1-200) (repro: $dir/repro.sh)"
    return
  fi
  if [[ $wabt != - ]]; then
    # shellcheck disable=SC2086
    if wasm-validate $wabt "$in" >/dev/null 2>&1; then
      wabt_checked=$((wabt_checked + 1))
      # shellcheck disable=SC2086
      if ! wasm-validate $wabt "$out" >"$dir/wabt.log" 2>&1; then
        local shown=${wabt// /}
        [[ -n $shown ]] && shown=$wabt || shown="(default features)"
        fail "$name" "wasm-validate $shown accepts the input but not the output: $(first_line "$dir/wabt.log") (repro: $dir/repro.sh)"
        return
      fi
    else
      wabt_input_rejected=$((wabt_input_rejected + 1))
    fi
  fi
  if ! python3 "$HERE/check-output.py" "$in" "$out" >"$dir/check.log" 2>&1; then
    fail "$name" "$(first_line "$dir/check.log") (repro: $dir/repro.sh)"
    return
  fi
  pass "$name"
}

# run_case NAME DIR IN HARNESS_OPTS...
run_case() {
  local name=$1 dir=$2 in=$3; shift 3
  if ! "$NODE" "${NODE_FLAGS[@]}" -e \
      "new WebAssembly.Module(require('fs').readFileSync(process.argv[1]))" "$in" \
      >"$dir/v8-compile.log" 2>&1; then
    skip "$name" "V8 cannot compile the original: $(grep -m1 -o 'CompileError.*' "$dir/v8-compile.log" | cut -c1-120)"
    return
  fi
  timeout -k 5 60 "$NODE" "${NODE_FLAGS[@]}" "$HERE/harness.mjs" "$in" "$dir/out.wasm" "$dir/run" "$@" \
    >"$dir/run.out" 2>"$dir/run.err"
  local rc=$?
  if ((rc != 0 && rc != 1)); then
    fail "$name" "harness exit $rc: $(grep -m1 . "$dir/run.out" "$dir/run.err" | cut -c1-200) (repro: $dir/repro.sh)"
    return
  fi
  if ! cmp -s "$dir/run.orig.log" "$dir/run.instr.log"; then
    local line
    line=$(diff "$dir/run.orig.log" "$dir/run.instr.log" | grep -m2 '^[<>]' | tr '\n' ' ' | cut -c1-200)
    fail "$name" "behaviour differs: $line(logs: $dir/run.{orig,instr}.log; repro: $dir/repro.sh)"
    return
  fi
  if ((rc == 1)); then
    fail "$name" "$(grep -m1 '^HOOK-ERROR' "$dir/run.out" | cut -c1-220) (repro: $dir/repro.sh)"
    return
  fi
  local stats
  stats=$(tail -1 "$dir/run.out")
  runs_done=$((runs_done + 1))
  enters_total=$((enters_total + $(sed -E 's/.*"enters":([0-9]+).*/\1/' <<<"$stats")))
  traps_total=$((traps_total + $(sed -E 's/.*"traps":([0-9]+).*/\1/' <<<"$stats")))
  pass "$name"
}

mix_index=0
mutation_bases=()
for mix in "${MIXES[@]}"; do
  IFS='|' read -r mix_name ttf_flags wabt_flags runnable <<<"$mix"
  mix_index=$((mix_index + 1))
  for ((k = 0; k < MODULES; k++)); do
    seed=$((mix_index * 1000 + k))
    size=$((1000 + (seed * 7919) % 15000))
    base=$mix_name/$k
    variants=("")
    case $((k % 4)) in
      1) variants+=(obs) ;;
      2) variants+=(filter) ;;
      3) variants+=(noboundary) ;;
      0) variants+=(patch) ;;
    esac
    any=0
    for v in "${variants[@]}"; do
      selected "gen/$base${v:+/$v}" || selected "run/$base${v:+/$v}" && any=1
    done
    # Small modules of a few mixes are also the bases of the mutation part.
    is_base=0
    ((k == 1)) && [[ $mix_name =~ ^(mvp|eh|nogcref)$ ]] && [[ -z $FILTER || $FILTER == *mutate* ]] && is_base=1
    ((any || is_base)) || continue
    dir=$gen_dir/$mix_name.$k
    mkdir -p "$dir"
    flags=$ttf_flags
    ((k % 2 == 1)) && flags+=" -g"                      # a name section
    ((k % 3 == 0)) && flags+=" --emit-target-features"  # declared features
    python3 "$HERE/seedbytes.py" "$seed" "$size" >"$dir/input.bin"
    # shellcheck disable=SC2086
    if ! wasm-opt "$dir/input.bin" -ttf $flags -o "$dir/module.wasm" >"$dir/ttf.log" 2>&1; then
      fail "gen/$base" "wasm-opt -ttf failed (seed $seed): $(grep -m1 -v '^warning' "$dir/ttf.log" | cut -c1-160)"
      continue
    fi
    in=$dir/module.wasm
    ((is_base)) && mutation_bases+=("$in")
    # EH guards are in the output if the input uses exceptions (or --exceptions on).
    objdump=$(wasm-objdump -x "$in" 2>/dev/null)
    input_eh=0 tf=no
    grep -qE '^ *Tag\[|exception-handling' <<<"$objdump" && input_eh=1
    grep -q 'target_features' <<<"$objdump" && tf=yes
    for v in "${variants[@]}"; do
      name=$base${v:+/$v}
      vdir=$dir${v:+/$v}
      mkdir -p "$vdir"
      opts=() harness=()
      eh=$input_eh wabt=$wabt_flags
      case $v in
        obs) opts=(--abi observe-sdk); harness=(--abi observe-sdk) ;;
        patch) # the muted-sites table needs reference types (which WABT ties to bulk memory)
          opts=(--patchable); harness=(--patch)
          if [[ $wabt != - ]]; then wabt=${wabt//--disable-reference-types/}; wabt=${wabt//--disable-bulk-memory/}; fi ;;
        filter) opts=("${FILTER_OPTS[@]}") ;;
        noboundary)
          opts=(--no-imports --no-exports --exceptions on); eh=1
          [[ $wabt != - && $wabt != *exceptions* ]] && wabt+=" --enable-exceptions" ;;
        "") harness=(--export-sites) ;;
      esac
      ((eh)) && harness+=(--eh)
      write_repro "$vdir" "$seed" "$size" "$flags" "${opts[@]}"
      case_ok=0
      if selected "gen/$name"; then
        gen_case "gen/$name" "$vdir" "$in" "$wabt" "$tf" "${opts[@]}"
      elif selected "run/$name"; then
        timeout -k 5 60 "$TOOL" "$in" -o "$vdir/out.wasm" "${opts[@]}" 2>"$vdir/tool.err" && case_ok=1
      fi
      if [[ $runnable == yes ]] && selected "run/$name"; then
        if ((case_ok)); then
          run_case "run/$name" "$vdir" "$in" "${harness[@]}"
        else
          skip "run/$name" "no instrumented module (see gen/$name)"
        fi
      fi
    done
  done
done

# ---------------------------------------------------------------------------
# Part 3: mutated modules.

# bad_input_case INPUT OUTDIR STEM [pipe]: runs the tool on a possibly bad input
# and sets `problem` to what is wrong with how it behaved, or to nothing. With
# `pipe`, also runs it as a filter (`- -o -`): same exit status, the same bytes
# on stdout after a success, nothing after a failure.
bad_input_case() {
  local path=$1 outdir=$2 file=$3 pipe=${4:-}
  local out=$outdir/$file.out.wasm err=$outdir/$file.err
  rm -f "$out"
  timeout -k 5 20 "$TOOL" "$path" -o "$out" 2>"$err"
  local rc=$?
  local errors
  errors=$(grep -cv '^wasm-instrument: warning:' "$err")
  problem=
  if ((rc == 124 || rc == 137)); then problem="timed out (20 s)"
  elif ((rc > 128)); then problem="killed by signal $((rc - 128))"
  elif ((rc != 0 && rc != 1)); then problem="exit $rc: $(grep -v '^wasm-instrument: warning:' "$err" | head -1 | cut -c1-160)"
  elif ((rc != 0 && errors != 1)); then problem="exit $rc with $errors error lines on stderr"
  elif ((rc == 0 && errors != 0)); then problem="exit 0 with $errors error lines on stderr"
  elif ((rc != 0)) && [[ -e $out ]]; then problem="exit $rc but the output file exists"
  elif compgen -G "$outdir/.wasm-instrument.*" >/dev/null; then
    problem="a temporary file was left: $(compgen -G "$outdir/.wasm-instrument.*" | head -1)"
    rm -f "$outdir"/.wasm-instrument.*
  elif ((rc == 0)); then
    if ! wasm-opt "$out" -all -o /dev/null >"$outdir/$file.binaryen.log" 2>&1; then
      problem="exit 0 but the output is invalid: $(grep -m1 -E 'error|Fatal' "$outdir/$file.binaryen.log" | cut -c1-160)"
    elif ! python3 "$HERE/check-output.py" "$path" "$out" >"$outdir/$file.check.log" 2>&1; then
      problem="exit 0 but $(first_line "$outdir/$file.check.log")"
    fi
  fi
  if [[ -z $problem && -n $pipe ]]; then
    timeout -k 5 20 "$TOOL" - -o - <"$path" >"$outdir/$file.stdout" 2>"$outdir/$file.pipe.err"
    local prc=$?
    if ((prc != rc)); then problem="exit $rc from a file but $prc as a filter (- -o -)"
    elif ((rc == 0)) && ! cmp -s "$out" "$outdir/$file.stdout"; then
      problem="as a filter (- -o -) the output differs from the file output"
    elif ((rc != 0)) && [[ -s $outdir/$file.stdout ]]; then
      problem="as a filter (- -o -) it failed but wrote to stdout"
    fi
  fi
}

mut_dir=$WORK/mutate
mkdir -p "$mut_dir/bases"
# Bases: small generated modules (above), the seed corpus, and two fixtures.
cp "$HERE/corpus/names.wasm" "$HERE/corpus/producers.wasm" "$mut_dir/bases/"
for wat in imports tables; do
  [[ -f $ROOT/fixtures/wat/$wat.wat ]] &&
    wat2wasm --debug-names --enable-all "$ROOT/fixtures/wat/$wat.wat" -o "$mut_dir/bases/fixture-$wat.wasm" 2>/dev/null
done
for b in "${mutation_bases[@]}"; do
  n=${b#"$gen_dir/"}
  cp "$b" "$mut_dir/bases/gen-${n%%/*}.wasm"
done
mutations=0
: >"$mut_dir/cases.tsv"
if [[ -z $FILTER || $FILTER == *mutate* ]]; then
  # No case at all would leave this part out silently.
  if ! python3 "$HERE/mutate.py" "$mut_dir/cases" "$mut_dir"/bases/*.wasm >"$mut_dir/cases.tsv" 2>"$mut_dir/mutate.err" ||
      [[ ! -s $mut_dir/cases.tsv ]]; then
    fail mutate "mutate.py failed or made no case: $(first_line "$mut_dir/mutate.err")"
  fi
fi
declare -A group_bad group_first group_count
group_order=()
outdir=$mut_dir/out
mkdir -p "$outdir"
while IFS=$'\t' read -r path kind text; do
  [[ -n $path ]] || continue
  file=$(basename "$path" .wasm)        # stem.kind.n
  stem=${file%.*.*}
  group=mutate/$stem/$kind
  selected "$group" || continue
  if [[ -z ${group_count[$group]:-} ]]; then
    group_order+=("$group")
    group_count[$group]=0 group_bad[$group]=0 group_first[$group]=
  fi
  group_count[$group]=$((group_count[$group] + 1))
  mutations=$((mutations + 1))
  pipe=
  [[ $kind == multi || $kind == secsize ]] && pipe=pipe
  bad_input_case "$path" "$outdir" "$file" $pipe
  if [[ -n $problem ]]; then
    group_bad[$group]=$((group_bad[$group] + 1))
    [[ -n ${group_first[$group]} ]] ||
      group_first[$group]="$problem (input $path: $text; command: $TOOL $path -o OUT)"
  fi
done <"$mut_dir/cases.tsv"
for group in "${group_order[@]}"; do
  if ((group_bad[$group] == 0)); then
    pass "$group"
  else
    fail "$group" "${group_bad[$group]} of ${group_count[$group]} cases; first: ${group_first[$group]}"
  fi
done

# ---------------------------------------------------------------------------
# Regressions: inputs that showed a bug (see README.md). A .wat is
# a valid module: the gen and run checks apply (WABT flags from a `;; wabt:`
# line). A .wasm is a bad input: the bad-input checks apply (and fuzz_scan
# replays it, below).
reg_dir=$WORK/regress
mkdir -p "$reg_dir"
for f in "$HERE"/regressions/*.wat "$HERE"/regressions/*.wasm; do
  [[ -f $f ]] || continue
  n=$(basename "$f")
  name=regress/${n%.*}
  selected "$name" || continue
  d=$reg_dir/${n%.*}
  mkdir -p "$d"
  if [[ $f == *.wasm ]]; then
    bad_input_case "$f" "$d" case
    if [[ -n $problem ]]; then fail "$name" "$problem (command: $TOOL $f -o OUT)"; else pass "$name"; fi
    continue
  fi
  wabt=$(sed -n 's/^;; wabt: *//p' "$f" | head -1)
  if ! wat2wasm ${wabt:+$wabt} "$f" -o "$d/module.wasm" >"$d/wat2wasm.log" 2>&1; then
    fail "$name" "wat2wasm failed: $(first_line "$d/wat2wasm.log")"
    continue
  fi
  printf '#!/usr/bin/env bash\nset -x\nwat2wasm %s %q -o module.wasm\n%q module.wasm -o out.wasm\n' \
    "$wabt" "$f" "$TOOL" >"$d/repro.sh"
  chmod +x "$d/repro.sh"
  case_ok=0
  gen_case "$name" "$d" "$d/module.wasm" "${wabt:- }" no
  if ((case_ok)); then
    run_case "$name/run" "$d" "$d/module.wasm" --export-sites
  else
    skip "$name/run" "no instrumented module (see $name)"
  fi
done

# ---------------------------------------------------------------------------
# Part 4: collect the libFuzzer run.
if [[ -n $lf_pid ]]; then
  wait "$lf_pid"
  status=$(cat "$lf_dir/status" 2>/dev/null)
  if [[ $status == build* ]]; then
    fail libfuzzer/build "clang failed: $(grep -m1 error "$lf_dir/build.log" | cut -c1-200) (log: $lf_dir/build.log)"
  else
    pass libfuzzer/build
    replay=$(sed -n 's/^replay //p' "$lf_dir/status")
    if [[ $replay == 0 ]]; then
      pass libfuzzer/corpus
    else
      fail libfuzzer/corpus "a committed corpus file fails: $(grep -m1 -E 'ERROR|violated' "$lf_dir/replay.log" | cut -c1-200) (log: $lf_dir/replay.log)"
    fi
    regress_bad=()
    for f in "$HERE"/regressions/*.wasm; do
      [[ -f $f ]] || continue
      "$lf_dir/fuzz_scan" -rss_limit_mb=2048 "$f" >"$lf_dir/regress-$(basename "$f").log" 2>&1 ||
        regress_bad+=("$(basename "$f"): $(grep -m1 -E 'ERROR|violated' "$lf_dir/regress-$(basename "$f").log" | sed 's/^==[0-9]*== *//' | cut -c1-120)")
    done
    if ((${#regress_bad[@]} == 0)); then
      pass libfuzzer/regressions
    else
      fail libfuzzer/regressions "${#regress_bad[@]} reproducer(s) still fail: ${regress_bad[*]} (rerun: $lf_dir/fuzz_scan $HERE/regressions/NAME.wasm)"
    fi
    fuzz=$(sed -n 's/^fuzz //p' "$lf_dir/status")
    execs=$(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$lf_dir/fuzz.log" | grep -o '[0-9]*$')
    if [[ $fuzz == 0 ]]; then
      pass libfuzzer/run
    else
      artifact=$(grep -m1 -o "Test unit written to .*" "$lf_dir/fuzz.log" | sed 's/Test unit written to //')
      fail libfuzzer/run "$(grep -m1 -E 'ERROR|violated' "$lf_dir/fuzz.log" | cut -c1-200) (reproducer: ${artifact:-none}; rerun: $lf_dir/fuzz_scan ${artifact:-}; log: $lf_dir/fuzz.log)"
    fi
  fi
fi

if [[ -n $hooks_pid ]]; then
  wait "$hooks_pid"
  status=$(cat "$hooks_dir/status" 2>/dev/null)
  if [[ $status == build* ]]; then
    fail libfuzzer-hooks/build "clang failed: $(grep -m1 error "$hooks_dir/build.log" | cut -c1-200) (log: $hooks_dir/build.log)"
  elif [[ $status == "fuzz 0" ]]; then
    pass libfuzzer-hooks/run
  else
    artifact=$(grep -m1 -o "Test unit written to .*" "$hooks_dir/fuzz.log" | sed 's/Test unit written to //')
    fail libfuzzer-hooks/run "$(grep -m1 -E 'ERROR|SUMMARY' "$hooks_dir/fuzz.log" | cut -c1-200) (reproducer: ${artifact:-none}; rerun: $hooks_dir/fuzz_hooks ${artifact:-}; log: $hooks_dir/fuzz.log)"
  fi
fi

if [[ -n $comp_pid ]]; then
  wait "$comp_pid"
  status=$(cat "$comp_dir/status" 2>/dev/null)
  if [[ $status == seeds* ]]; then
    fail libfuzzer-component/seeds "cannot assemble the seed components with jco (log: $comp_dir/build.log)"
  elif [[ $status == build* ]]; then
    fail libfuzzer-component/build "clang failed: $(grep -m1 error "$comp_dir/build.log" | cut -c1-200) (log: $comp_dir/build.log)"
  else
    if [[ $(sed -n 's/^replay //p' "$comp_dir/status") == 0 ]]; then
      pass libfuzzer-component/regressions
    else
      fail libfuzzer-component/regressions "a reproducer in regressions-component/ fails again: $(grep -m1 -E 'ERROR|violated' "$comp_dir/replay.log" | cut -c1-200) (log: $comp_dir/replay.log)"
    fi
    if [[ $(sed -n 's/^fuzz //p' "$comp_dir/status") == 0 ]]; then
      pass libfuzzer-component/run
    else
      artifact=$(grep -m1 -o "Test unit written to .*" "$comp_dir/fuzz.log" | sed 's/Test unit written to //')
      fail libfuzzer-component/run "$(grep -m1 -E 'ERROR|violated' "$comp_dir/fuzz.log" | cut -c1-200) (reproducer: ${artifact:-none}; rerun: $comp_dir/fuzz_component ${artifact:-}; log: $comp_dir/fuzz.log)"
    fi
  fi
fi

echo "# $mutations mutated inputs; $runs_done differential runs ($enters_total hook enters, $traps_total traps); wasm-validate checked $wabt_checked outputs (input rejected by WABT: $wabt_input_rejected); libFuzzer: ${execs:-0} executions; $skipped skipped; $((SECONDS - started)) s; work: $WORK"
if ((failed == 0 && keep_work == 0)); then
  rm -rf "$WORK"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
