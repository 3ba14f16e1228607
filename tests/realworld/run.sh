#!/usr/bin/env bash
# Real-world tests: instrument .wasm modules shipped in pinned npm packages,
# validate the output, run each package's driver on the original and on the
# instrumented module, and compare.
#
#   tests/realworld/run.sh [NAME...]        # all modules, or only those named
#
# Environment:
#   WASM_INSTRUMENT   the tool (default: build/wasm-instrument in the repo root)
#   INSTRUMENT_ARGS   extra arguments for the tool (word-split)
#   REALWORLD_WORK    keep the outputs in this directory (default: a temporary one)
#   REALWORLD_TIMEOUT seconds for one instrumentation or one driver run (default 600)
#   REALWORLD_MAX_RSS_RATIO  the instrumented run may need this many times the
#                     original's peak memory (default 3; differences under 512 MB pass)
#
# For each module:
#   1. wasm-instrument IN -o OUT                     (exit 0, OUT written)
#   2. wasm-validate --enable-all OUT                (WABT: full type checking)
#      wasm-opt OUT --all-features -o /dev/null      (Binaryen reader + validator;
#         it exits 1 with "error validating input" on a type error, but it accepts
#         some stack errors WABT rejects, so both run)
#   3. structure: OUT has a `wasm-instrument.sites` custom section; its exports
#      are the input's (same names and kinds, and the same index for non-function
#      exports); its imports are the input's plus enter/exit of the hook module
#      (and the unwind hook where the input has emscripten's invoke_* trampolines);
#      its memories and tables are declared as in the input (limits, shared), but
#      for the table of the shared export entries (`wi$exports`) it may add
#   4. node --import hooks.mjs drivers/NAME.mjs, once with the package's own .wasm
#      and once with WASM_PATH=OUT: same stdout and exit code. The original run
#      makes no hook call. The instrumented run: enters > 0, unbalanced == 0,
#      unwound == 0, enters == exits + repaired + open (repaired: closed by
#      the unwind hook, > 0 where the driver longjmps, else 0), and open spans only where the
#      module's entry below explains them:
#        main     the process is ended from inside wasm (Go calls process.exit
#                 from os.Exit), so the main thread's stack is not empty at exit
#        workers  worker threads are still inside wasm (parked pool threads)
#        none     no open span at all
#      and the instrumented run's peak memory (V8 compiles the module) stays
#      within REALWORLD_MAX_RSS_RATIO of the original's
#   5. the instrumented run again, traced by the runtime shim's Node host
#      (node --import hooks.mjs --import runtime-shim/node/register.mjs, OTLP/JSON
#      lines, Chrome trace, folded call counts): same stdout and exit code, and
#      check-trace.mjs finds the trace well formed (parents, nesting, status),
#      every span closed, and the main thread's call tree equal to the one
#      hooks.mjs kept from the same hook calls
#   6. once more with the sampled profile timing (WASM_OBSERVE_PROFILE_TIMING=
#      sampled: the hooks in wasm, slow paths in JS): same stdout and exit
#      code, and the main thread's folded call counts equal hooks.mjs's
#   7. from a profile (the modules of from_profile_modules): the Node host
#      writes both profile files (WASM_OBSERVE_FOLDED_CALLS, WASM_OBSERVE_FOLDED,
#      muting off) in one run of OUT; wasm-instrument IN --from-profile CALLS
#      --profile-times SELF validates, its driver prints the same and exits the
#      same, and check-profile-selection.mjs finds its function sites exactly
#      OUT's minus those the rule picks (computed from the two files on its
#      own, the floor of --profile-keep-percent included), each listed by --list
#      with its calls and mean, or its share when the floor keeps it. (An --include in
#      INSTRUMENT_ARGS keeps every function it names: this step then fails.)
#   8. the production preset (the modules of production_modules): IN built
#      with --production (--patchable too) validates, and traced by the Node
#      host with its defaults (muting on: what it mutes is patched out of the
#      module) prints the same, exits the same, makes balanced hook calls as
#      hooks.mjs sees them, patches at least one function out, and leaves a
#      well-formed trace whose call tree is hooks.mjs's
#
# Output: one line per module, `PASS name` or `FAIL name: reason` (details
# indented below it), then `N passed, N failed, N skipped` (nothing is skipped).
# Exit status 1 if anything failed. When the packages cannot be fetched (no
# network, the registry unreachable), every module is a FAIL: the tests need them.
set -u
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
limit=${REALWORLD_TIMEOUT:-600}
max_rss_ratio=${REALWORLD_MAX_RSS_RATIO:-3}
read -r -a extra_args <<<"${INSTRUMENT_ARGS:-}"

# name | .wasm under node_modules | driver | open spans allowed (none, main,
# workers; longjmp: none open, but the driver longjmps through emscripten's
# invoke_* trampolines, so the unwind hook must repair the stack) | step 5: shortest
# span kept (ns; vips makes 18 million) and expected call counts (NAME=N ...)
modules=(
  "sqljs|sql.js/dist/sql-wasm.wasm|sqljs.mjs|none|0|"
  "rollup|@rollup/wasm-node/dist/wasm-node/bindings_wasm_bg.wasm|rollup.mjs|none|0|"
  "esbuild|esbuild-wasm/esbuild.wasm|esbuild.mjs|main|0|"
  "oxc|@oxc-parser/binding-wasm32-wasi/parser.wasm32-wasi.wasm|oxc.mjs|workers|0|"
  "vips|wasm-vips/lib/vips.wasm|vips.mjs|workers|50000|__cxa_throw=3"
  "micropython|@micropython/micropython-webassembly-pyscript/micropython.wasm|micropython.mjs|longjmp|0|"
  "occt|occt-import-js/dist/occt-import-js.wasm|occt.mjs|none|50000|"
)

# Step 7 (--from-profile): single-threaded modules whose run ends with every
# span closed, so that one profile file of the main thread is the whole run.
from_profile_modules=(sqljs)
profile_keep_percent=1 # step 7's floor (--profile-keep-percent)
# Step 8 (--production, muted functions patched out by the Node host): a
# library, an interpreter whose setjmp goes through emscripten's trampolines,
# and C++ with wasm exception handling (patchable frames with exception exits).
production_modules=(sqljs micropython occt)

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
note() { echo "  $*"; }
first_line() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | grep -v '^warning: ' | head -n 1 | cut -c1-300; }

selected=()
for entry in "${modules[@]}"; do
  name=${entry%%|*}
  if (($# == 0)); then
    selected+=("$entry")
  else
    for want in "$@"; do [[ $want == "$name" ]] && selected+=("$entry"); done
  fi
done
if (($# > 0 && ${#selected[@]} != $#)); then
  echo "run.sh: unknown module name in: $* (known: $(for e in "${modules[@]}"; do printf '%s ' "${e%%|*}"; done))" >&2
  exit 2
fi

if [[ -n ${REALWORLD_WORK:-} ]]; then
  work=$REALWORLD_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/wasm-instrument-realworld.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

# 0. fetch the packages
# Any fetch error is a FAIL of every module: a registry that cannot be reached
# (no network: CI has the npm registry), a lock file npm refuses, a version gone
# from the registry, a bad checksum.
if ! fetch_err=$("$here/fetch.sh" 2>&1); then
  code=$(printf '%s\n' "$fetch_err" | sed -n 's/^npm error code //p' | head -n 1)
  reason="fetching the npm packages failed: ${code:-$(printf '%s\n' "$fetch_err" | grep -v '^fetch.sh: npm ci failed:' | head -n 1 | cut -c1-200)}"
  case $code in
    ECONNREFUSED | ENOTFOUND | EAI_AGAIN | ETIMEDOUT | ECONNRESET | ENETUNREACH | EHOSTUNREACH | ERR_SOCKET_TIMEOUT)
      reason+=" (the npm registry cannot be reached: no network?)" ;;
  esac
  for entry in "${selected[@]}"; do fail "${entry%%|*}" "$reason"; done
  printf '%s\n' "$fetch_err" | head -n 20 | sed 's/^/  /'
  echo "$passed passed, $failed failed, 0 skipped"
  exit 1
fi

if [[ ! -x $tool ]]; then
  for entry in "${selected[@]}"; do fail "${entry%%|*}" "no executable tool at $tool (build first, or set WASM_INSTRUMENT)"; done
  echo "$passed passed, $failed failed, 0 skipped"
  exit 1
fi
for cmd in node wasm-validate wasm-opt wasm-objdump; do
  if ! command -v "$cmd" >/dev/null; then
    for entry in "${selected[@]}"; do fail "${entry%%|*}" "$cmd is not installed"; done
    echo "$passed passed, $failed failed, 0 skipped"
    exit 1
  fi
done

# Export and import lists in a comparable form. Function indices move (the hook
# imports come first), so function exports are compared by name and kind only;
# other kinds keep their index. Imports: `func MODULE.FIELD`, or the whole
# line (limits, type, shared) for memories, tables, globals and tags.
exports_of() {
  wasm-objdump -x -j Export "$1" 2>/dev/null |
    sed -n -e 's/^ - func\[[0-9]*\].* -> "\(.*\)"$/func "\1"/p' \
      -e '/^ - func\[/d' -e 's/^ - \([a-z]*\[[0-9]*\]\).* -> "\(.*\)"$/\1 "\2"/p' | sort
}
imports_of() {
  wasm-objdump -x -j Import "$1" 2>/dev/null |
    sed -n -e 's/^ - func\[[0-9]*\].* <- \(.*\)$/func \1/p' -e '/^ - func\[/d' -e 's/^ - //p' | sort
}
# Memory and Table sections, as declared; without the table that the shared
# export entries may add (passes/export_boundary.c), named in the name section.
limits_of() { wasm-objdump -x -j Memory -j Table "$1" 2>/dev/null | grep '^ - ' | grep -v ' <wi\$exports>$'; }
# hooks report fields: field NAME FILE
field() { sed -n "s/.*[ :]$1=\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1; }

run_driver() { # driver stdout-file report-file [WASM_PATH]
  local driver=$1 out=$2 report=$3 wasm=${4:-}
  rm -f "$report"
  (
    cd "$here" || exit 99
    if [[ -n $wasm ]]; then export WASM_PATH=$wasm; else unset WASM_PATH; fi
    HOOKS_REPORT=$report /usr/bin/time -f '%M' -o "$out.rss" timeout "$limit" node --disable-warning=ExperimentalWarning \
      --import ./hooks.mjs "drivers/$driver" </dev/null >"$out" 2>"$out.stderr"
  )
}

hook_module='wasm-instrument:hooks/trace@0.1.0'
unwind_module='wasm-instrument:hooks/unwind@0.1.0'

for entry in "${selected[@]}"; do
  IFS='|' read -r name rel driver allow_open min_span expect_calls <<<"$entry"
  in=$here/node_modules/$rel
  out=$work/$name.instr.wasm
  if [[ ! -s $in ]]; then
    fail "$name" "$rel is missing after fetch"
    continue
  fi

  # 1. instrument (twice: the output must not depend on the run)
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/$name.time" timeout "$limit" \
    "$tool" "$in" -o "$out" "${extra_args[@]}" >"$work/$name.instrument.out" 2>"$work/$name.instrument.err"
  rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  if ((rc != 0)); then
    msg=$(first_line "$work/$name.instrument.err")
    ((rc == 124)) && msg="timed out after ${limit}s"
    fail "$name" "wasm-instrument exited $rc: ${msg:-no message}"
    continue
  fi
  if [[ ! -s $out ]]; then
    fail "$name" "wasm-instrument exited 0 but wrote no output"
    continue
  fi
  in_size=$(stat -c %s "$in")
  out_size=$(stat -c %s "$out")
  note "$name: $(basename "$rel") $in_size -> $out_size bytes ($(echo "scale=1; ($out_size - $in_size) * 100 / $in_size" | bc)%)," \
    "instrumented in $(printf '%.2f' "$secs") s, max RSS $(($(tail -n 1 "$work/$name.time") / 1024)) MB"

  # Problems found from here on are collected; the driver runs whenever the
  # output validates, so that one FAIL line tells all that is wrong.
  problems=()
  problem() { problems+=("$1"); }
  # run_registered PREFIX WHAT VAR=VALUE...: the instrumented module's driver
  # under hooks.mjs and register.mjs with these variables (PREFIX.stdout,
  # .stderr; hooks.mjs's call tree in PREFIX.ref). False, with a problem
  # (WHAT: ...), when its exit code or stdout are not the original run's.
  run_registered() {
    local prefix=$1 what=$2 rc
    shift 2
    (
      cd "$here" || exit 99
      export WASM_PATH="$out" HOOKS_FOLDED_CALLS="$prefix.ref" "$@"
      HOOKS_REPORT=$prefix.hooks timeout "$limit" node --disable-warning=ExperimentalWarning \
        --import ./hooks.mjs --import ../../runtime-shim/node/register.mjs "drivers/$driver" \
        </dev/null >"$prefix.stdout" 2>"$prefix.stderr"
    )
    rc=$?
    if ((rc != orig_rc)); then
      problem "$what: exit code $rc, $orig_rc without: $(grep -v -e '^hooks' -e '^wasm-observe' -e '^$' "$prefix.stderr" | head -n 2 | tr '\n' ' ' | cut -c1-300)"
      return 1
    fi
    if ! cmp -s "$work/$name.orig.stdout" "$prefix.stdout"; then
      problem "$what: stdout differs: $(diff "$work/$name.orig.stdout" "$prefix.stdout" | grep -m1 '^[<>]' | cut -c1-200)"
      return 1
    fi
  }
  # 2. validate with both validators
  if ! wasm-validate --enable-all "$out" >"$work/$name.validate.err" 2>&1; then
    problem "wasm-validate rejects the output: $(first_line "$work/$name.validate.err")"
  fi
  if ! wasm-opt "$out" --all-features -o /dev/null >"$work/$name.wasm-opt.err" 2>&1; then
    problem "Binaryen (wasm-opt) rejects the output: $(first_line "$work/$name.wasm-opt.err")"
  fi
  if ((${#problems[@]} > 0)); then
    fail "$name" "$(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')"
    continue
  fi

  # 3. structure: site table, exports, imports, memories and tables
  if ! (cd "$here" && node check-sites.mjs "$in" "$out") >"$work/$name.sites.out" 2>&1; then
    problem "bad site table: $(sed -n 's/^check-sites: //p' "$work/$name.sites.out" | head -n 1 | cut -c1-300) (and more: node tests/realworld/check-sites.mjs IN OUT)"
  else
    note "$name: $(cat "$work/$name.sites.out")"
  fi
  if ! diff <(exports_of "$in") <(exports_of "$out") >"$work/$name.exports.diff"; then
    problem "the exports changed: $(grep '^[<>]' "$work/$name.exports.diff" | head -n 2 | tr '\n' ' ')"
  fi
  if ! diff <({
    imports_of "$in"
    printf 'func %s.enter\nfunc %s.exit\n' "$hook_module" "$hook_module"
    # the unwind hook, with emscripten's trampolines (passes/emscripten_glue.c)
    imports_of "$in" | grep -q '^func env\.invoke_' && printf 'func %s.unwind\n' "$unwind_module"
  } | sort) <(imports_of "$out") >"$work/$name.imports.diff" 2>&1; then
    problem "the imports are not the input's plus the hooks: $(grep '^[<>]' "$work/$name.imports.diff" | head -n 2 | tr '\n' ' ')"
  fi
  if ! diff <(limits_of "$in") <(limits_of "$out") >"$work/$name.limits.diff" 2>&1; then
    problem "memory or table declarations changed: $(grep '^[<>]' "$work/$name.limits.diff" | head -n 2 | tr '\n' ' ')"
  fi
  if timeout "$limit" "$tool" "$in" -o "$out.again" "${extra_args[@]}" >/dev/null 2>&1; then
    if ! cmp -s "$out" "$out.again"; then
      problem "the output differs between two runs on the same input: $(cmp "$out" "$out.again" 2>&1 | head -n 1)"
    fi
  else
    problem "the second run of wasm-instrument on the same input failed"
  fi
  rm -f "$out.again"

  # 4. run original and instrumented
  t0=$(date +%s.%N)
  run_driver "$driver" "$work/$name.orig.stdout" "$work/$name.orig.hooks"
  orig_rc=$?
  t1=$(date +%s.%N)
  run_driver "$driver" "$work/$name.instr.stdout" "$work/$name.instr.hooks" "$out"
  instr_rc=$?
  t2=$(date +%s.%N)
  orig_rss=$(($(tail -n 1 "$work/$name.orig.stdout.rss" 2>/dev/null || echo 0) / 1024))
  instr_rss=$(($(tail -n 1 "$work/$name.instr.stdout.rss" 2>/dev/null || echo 0) / 1024))
  note "$name: driver $(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s, $orig_rss MB on the original;" \
    "$(printf '%.2f' "$(echo "$t2 - $t1" | bc)") s, $instr_rss MB instrumented"
  if ((instr_rss > orig_rss * max_rss_ratio && instr_rss - orig_rss > 512)); then
    problem "the instrumented run needs $instr_rss MB of memory, the original $orig_rss MB (limit: ${max_rss_ratio}x)"
  fi
  if ((orig_rc != 0)); then
    problem "the driver fails on the original module (exit $orig_rc): $(first_line "$work/$name.orig.stdout.stderr")"
  elif ((instr_rc != orig_rc)); then
    problem "exit code $instr_rc with the instrumented module, $orig_rc with the original: $(grep -v -e '^hooks' -e '^$' "$work/$name.instr.stdout.stderr" | head -n 3 | tr '\n' ' ' | cut -c1-400)"
  elif ! cmp -s "$work/$name.orig.stdout" "$work/$name.instr.stdout"; then
    problem "stdout differs: $(diff "$work/$name.orig.stdout" "$work/$name.instr.stdout" | grep -m1 '^[<>]' | cut -c1-200)"
  fi
  if [[ ! -s $work/$name.orig.hooks || ! -s $work/$name.instr.hooks ]]; then
    ((orig_rc == 0 && instr_rc == 0)) && problem "no hooks report (hooks.mjs did not run to process exit)"
  else
    if [[ $(field enters "$work/$name.orig.hooks") != 0 ]]; then
      problem "the original module called hooks: $(head -n 1 "$work/$name.orig.hooks")"
    fi
    report=$(head -n 1 "$work/$name.instr.hooks")
    enters=$(field enters "$work/$name.instr.hooks")
    exits=$(field exits "$work/$name.instr.hooks")
    unbalanced=$(field unbalanced "$work/$name.instr.hooks")
    open=$(field open "$work/$name.instr.hooks")
    unwound=$(field unwound "$work/$name.instr.hooks")
    repaired=$(field repaired "$work/$name.instr.hooks")
    modules_hooked=$(field modules "$work/$name.instr.hooks")
    open_main=$(field open_main "$work/$name.instr.hooks")
    open_workers=$(field open_workers "$work/$name.instr.hooks")
    note "$name: $report; $(sed -n 's/^hooks-detail: //p' "$work/$name.instr.hooks")"
    if [[ -z $enters || -z $open_main ]]; then
      problem "unreadable hooks report: $report"
    elif ((modules_hooked == 0 || enters == 0)); then
      problem "the instrumented module made no hook calls ($report)"
    elif ((unbalanced != 0 || unwound != 0)); then
      problem "unbalanced hook calls: $report, unwound=$unwound (to see where: REALWORLD_WORK=DIR run.sh $name, then HOOKS_DEBUG=1 WASM_PATH=DIR/$name.instr.wasm node --import ./hooks.mjs drivers/$driver)"
    elif ((enters != exits + repaired + open)); then
      problem "enters != exits + repaired + open: $report, repaired=$repaired"
    elif [[ $allow_open == longjmp ]] && ((repaired == 0)); then
      problem "the driver longjmps, but the unwind hook closed no enter: $report"
    elif [[ $allow_open != longjmp ]] && ((repaired != 0)); then
      problem "the unwind hook closed $repaired enters, which only a longjmp explains: $report"
    else
      case $allow_open in
        none | longjmp) bad_open=$open ;;
        main) bad_open=$open_workers ;;
        workers) bad_open=$open_main ;;
      esac
      if ((bad_open != 0)); then
        problem "open spans at exit that nothing explains (allowed: $allow_open): $report, open_main=$open_main open_workers=$open_workers"
      elif ((open != 0)); then
        note "$name: open spans explained: $allow_open (main=$open_main, workers=$open_workers)"
      fi
    fi
  fi

  # 5. traced by the runtime shim's Node host: same stdout; a well-formed trace
  if ((${#problems[@]} == 0)); then
    trace=$work/$name.trace
    rm -f "$trace".*
    if run_registered "$trace" "traced by the Node host" OTEL_SERVICE_NAME="realworld-$name" \
        WASM_OBSERVE_OTLP_FILE="$trace.jsonl" WASM_OBSERVE_CHROME="$trace.json" \
        WASM_OBSERVE_FOLDED_CALLS="$trace.calls" WASM_OBSERVE_COUNTERS=1 WASM_OBSERVE_MIN_DURATION_NS="$min_span"; then
      if ! (cd "$here" && OTEL_SERVICE_NAME=realworld-$name node check-trace.mjs "$trace" "$allow_open" $expect_calls) >"$trace.check" 2>&1; then
        problem "traced by the Node host: $(head -n 3 "$trace.check" | sed 's/^check-trace: //' | paste -sd ';' | cut -c1-400)"
      else
        note "$name: $(cat "$trace.check")"
      fi
    fi
    [[ -n ${REALWORLD_WORK:-} ]] || rm -f "$trace".*
  fi

  # 6. the profile with sampled timing (its hooks in wasm): same stdout and
  # exit code; the main thread's folded call counts exactly hooks.mjs's
  if ((${#problems[@]} == 0)); then
    prof=$work/$name.sampled
    rm -f "$prof".*
    if run_registered "$prof" "sampled profile" WASM_OBSERVE_PROFILE_TIMING=sampled WASM_OBSERVE_FOLDED_CALLS="$prof.calls"; then
      if [[ ! -s $prof.calls ]] || ! cmp -s <(sort "$prof.calls") <(sort "$prof.ref"); then
        problem "sampled profile: folded call counts differ from hooks.mjs's: $(diff <(sort "$prof.calls" 2>/dev/null) <(sort "$prof.ref" 2>/dev/null) | grep -m1 '^[<>]' | cut -c1-200)"
      else
        note "$name: sampled profile: $(wc -l <"$prof.calls") call paths as hooks.mjs counted"
      fi
    fi
    [[ -n ${REALWORLD_WORK:-} ]] || rm -f "$prof".*
  fi

  # 7. from a profile: instrumented again where the profile says spans matter
  if ((${#problems[@]} == 0)) && [[ " ${from_profile_modules[*]} " == *" $name "* ]]; then
    prof=$work/$name.profile
    rm -f "$prof".*
    if run_registered "$prof" "profiled for --from-profile" WASM_OBSERVE_MUTE_AFTER=never \
        WASM_OBSERVE_FOLDED="$prof.self" WASM_OBSERVE_FOLDED_CALLS="$prof.calls"; then
      # a floor of 1%, not the default 0.25: the driver's run is short, and at
      # 0.25 every hot short function of sql.js can hold a share (the rule would
      # leave nothing out to check); the lit test from-profile.wat has the default
      from=(--from-profile "$prof.calls" --profile-times "$prof.self" --profile-keep-percent "$profile_keep_percent")
      if ! timeout "$limit" "$tool" "$in" -o "$prof.wasm" "${extra_args[@]}" "${from[@]}" 2>"$prof.err" ||
        ! timeout "$limit" "$tool" "$in" --list "${extra_args[@]}" "${from[@]}" >"$prof.list" 2>>"$prof.err"; then
        problem "--from-profile: wasm-instrument failed: $(first_line "$prof.err")"
      elif ! wasm-validate --enable-all "$prof.wasm" >"$prof.validate" 2>&1; then
        problem "--from-profile: wasm-validate rejects the output: $(first_line "$prof.validate")"
      else
        run_driver "$driver" "$prof.stdout" "$prof.hooks" "$prof.wasm"
        rc=$?
        if ((rc != orig_rc)) || ! cmp -s "$work/$name.orig.stdout" "$prof.stdout"; then
          problem "--from-profile: the driver exits $rc (the original $orig_rc) or prints otherwise: $(diff "$work/$name.orig.stdout" "$prof.stdout" | grep -m1 '^[<>]' | cut -c1-200)"
        elif [[ $(field unbalanced "$prof.hooks") != 0 || $(field enters "$prof.hooks") == 0 ]]; then
          problem "--from-profile: hook calls: $(head -n 1 "$prof.hooks")"
        elif ! (cd "$here" && node check-profile-selection.mjs "$prof.calls" "$prof.self" "$out" "$prof.wasm" "$prof.list" 10000 1000 "$profile_keep_percent") >"$prof.check" 2>&1; then
          problem "--from-profile: $(head -n 3 "$prof.check" | sed 's/^check-profile-selection: //' | paste -sd ';' | cut -c1-400)"
        else
          note "$name: $(cat "$prof.check")"
        fi
      fi
    fi
    [[ -n ${REALWORLD_WORK:-} ]] || rm -f "$prof".*
  fi

  # 8. the production preset (--production: --patchable too), traced by the
  # Node host with its defaults: the functions it mutes are patched out of the
  # module; same stdout and exit code, balanced hook calls, a well-formed trace
  if ((${#problems[@]} == 0)) && [[ " ${production_modules[*]} " == *" $name "* ]]; then
    prod=$work/$name.production
    rm -f "$prod".*
    if ! timeout "$limit" "$tool" "$in" -o "$prod.wasm" --production "${extra_args[@]}" 2>"$prod.err"; then
      problem "--production: wasm-instrument failed: $(first_line "$prod.err")"
    elif ! wasm-validate --enable-all "$prod.wasm" >"$prod.validate" 2>&1 ||
      ! wasm-opt "$prod.wasm" --all-features -o /dev/null >>"$prod.validate" 2>&1; then
      problem "--production: the output does not validate: $(first_line "$prod.validate")"
    else
      full_out=$out
      out=$prod.wasm
      if run_registered "$prod" "--production, traced by the Node host" OTEL_SERVICE_NAME="realworld-$name" \
          WASM_OBSERVE_OTLP_FILE="$prod.jsonl" WASM_OBSERVE_CHROME="$prod.json" \
          WASM_OBSERVE_FOLDED_CALLS="$prod.calls" WASM_OBSERVE_COUNTERS=1; then
        patched=$(sed -n 's/.*"sitesPatched":\([0-9]*\).*/\1/p' "$prod.stderr" | head -n 1)
        if [[ $(field unbalanced "$prod.hooks") != 0 || $(field unwound "$prod.hooks") != 0 ]] ||
          (($(field enters "$prod.hooks") != $(field exits "$prod.hooks") + $(field repaired "$prod.hooks") + $(field open "$prod.hooks"))); then
          problem "--production: hook calls: $(head -n 1 "$prod.hooks")"
        elif [[ -z $patched ]] || ((patched == 0)); then
          problem "--production: the Node host patched no function out (counters: $(grep -m1 '"enters"' "$prod.stderr" | cut -c1-300))"
        elif ! (cd "$here" && OTEL_SERVICE_NAME=realworld-$name node check-trace.mjs "$prod" "$allow_open") >"$prod.check" 2>&1; then
          problem "--production: $(head -n 3 "$prod.check" | sed 's/^check-trace: //' | paste -sd ';' | cut -c1-400)"
        else
          note "$name: --production: $patched functions patched out; $(head -n 1 "$prod.hooks"); $(cat "$prod.check")"
        fi
      fi
      out=$full_out
    fi
    [[ -n ${REALWORLD_WORK:-} ]] || rm -f "$prod".*
  fi

  if ((${#problems[@]} > 0)); then
    fail "$name" "$(printf '%s\n' "${problems[@]}" | paste -sd '|' | sed 's/|/; /g')"
  else
    pass "$name"
  fi
done

echo "$passed passed, $failed failed, 0 skipped"
((failed == 0))
