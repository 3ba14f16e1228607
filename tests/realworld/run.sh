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
#
# For each module:
#   1. wasm-instrument IN -o OUT                     (exit 0, OUT written)
#   2. wasm-validate --enable-all OUT                (WABT: full type checking)
#      wasm-opt OUT --all-features -o /dev/null      (Binaryen reader + validator;
#         it exits 1 with "error validating input" on a type error, but it accepts
#         some stack errors WABT rejects, so both run)
#   3. the site table: OUT has a `wasm-instrument.sites` custom section; the
#      exports are the input's exports; the imports are the input's plus the hooks
#   4. node --import hooks.mjs drivers/NAME.mjs, once with the package's own .wasm
#      and once with WASM_PATH=OUT: same stdout, same exit code; the original run
#      reports no hook calls; the instrumented run reports enters > 0,
#      enters == exits + open - unwound + unbalanced... precisely: unbalanced == 0,
#      unwound == 0, and enters == exits + open, where open spans are allowed only
#      where the module's entry below explains them:
#        main     the process is ended from inside wasm (Go calls process.exit
#                 from os.Exit), so the main thread's stack is not empty at exit
#        workers  worker threads are still inside wasm (parked pool threads)
#        none     no open span at all
#
# Output: one line per module, `PASS name`, `FAIL name: reason` or
# `SKIP name: reason` (details indented below it), then `N passed, N failed`.
# Exit status 1 if anything failed. When the packages cannot be fetched (no
# network), every module is a SKIP, not a failure.
set -u
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
limit=${REALWORLD_TIMEOUT:-600}
read -r -a extra_args <<<"${INSTRUMENT_ARGS:-}"

# name | .wasm under node_modules | driver | open spans allowed
modules=(
  "sqljs|sql.js/dist/sql-wasm.wasm|sqljs.mjs|none"
  "rollup|@rollup/wasm-node/dist/wasm-node/bindings_wasm_bg.wasm|rollup.mjs|none"
  "esbuild|esbuild-wasm/esbuild.wasm|esbuild.mjs|main"
  "oxc|@oxc-parser/binding-wasm32-wasi/parser.wasm32-wasi.wasm|oxc.mjs|workers"
  "vips|wasm-vips/lib/vips.wasm|vips.mjs|workers"
)

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; }
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
if ! fetch_err=$("$here/fetch.sh" 2>&1); then
  reason="fetching the npm packages failed: $(printf '%s\n' "$fetch_err" | grep -m1 -iE 'err|fail' | cut -c1-200)"
  for entry in "${selected[@]}"; do skip "${entry%%|*}" "$reason"; done
  echo "$passed passed, $failed failed"
  exit 0
fi

if [[ ! -x $tool ]]; then
  for entry in "${selected[@]}"; do fail "${entry%%|*}" "no executable tool at $tool (build first, or set WASM_INSTRUMENT)"; done
  echo "$passed passed, $failed failed"
  exit 1
fi
for cmd in node wasm-validate wasm-opt wasm-objdump; do
  if ! command -v "$cmd" >/dev/null; then
    for entry in "${selected[@]}"; do fail "${entry%%|*}" "$cmd is not installed"; done
    echo "$passed passed, $failed failed"
    exit 1
  fi
done

# Export names and kinds, import module/field/kind, in a comparable form.
exports_of() { wasm-objdump -x -j Export "$1" 2>/dev/null | sed -n 's/^ - \([a-z]*\)\[[0-9]*\].* -> "\(.*\)"$/\1 \2/p' | sort; }
imports_of() { wasm-objdump -x -j Import "$1" 2>/dev/null | sed -n 's/^ - \([a-z]*\)\[[0-9]*\].* <- \(.*\)$/\1 \2/p' | sort; }
# hooks report fields: field NAME FILE
field() { sed -n "s/.*[ :]$1=\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1; }

run_driver() { # driver stdout-file report-file [WASM_PATH]
  local driver=$1 out=$2 report=$3 wasm=${4:-}
  rm -f "$report"
  (
    cd "$here" || exit 99
    if [[ -n $wasm ]]; then export WASM_PATH=$wasm; else unset WASM_PATH; fi
    HOOKS_REPORT=$report timeout "$limit" node --disable-warning=ExperimentalWarning \
      --import ./hooks.mjs "drivers/$driver" </dev/null >"$out" 2>"$out.stderr"
  )
}

hook_module='wasm-instrument:hooks/trace@0.1.0'

for entry in "${selected[@]}"; do
  IFS='|' read -r name rel driver allow_open <<<"$entry"
  in=$here/node_modules/$rel
  out=$work/$name.instr.wasm
  if [[ ! -s $in ]]; then
    fail "$name" "$rel is missing after fetch"
    continue
  fi

  # 1. instrument
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

  # 2. validate with both validators
  if ! wasm-validate --enable-all "$out" >"$work/$name.validate.err" 2>&1; then
    fail "$name" "wasm-validate rejects the output: $(first_line "$work/$name.validate.err")"
    continue
  fi
  if ! wasm-opt "$out" --all-features -o /dev/null >"$work/$name.wasm-opt.err" 2>&1; then
    fail "$name" "Binaryen (wasm-opt) rejects the output: $(first_line "$work/$name.wasm-opt.err")"
    continue
  fi

  # 3. structure: site table, exports, imports
  if ! wasm-objdump -h "$out" 2>/dev/null | grep -q '"wasm-instrument.sites"'; then
    fail "$name" "the output has no wasm-instrument.sites custom section"
    continue
  fi
  if ! diff <(exports_of "$in") <(exports_of "$out") >"$work/$name.exports.diff"; then
    fail "$name" "the exports changed: $(grep -m1 '^[<>]' "$work/$name.exports.diff")"
    continue
  fi
  if ! diff <({ imports_of "$in"; printf 'func %s.enter\nfunc %s.exit\n' "$hook_module" "$hook_module"; } | sort) \
    <(imports_of "$out" | sed 's/^\(func [^ ]*\) .*/\1/; s/^\(func\) \(.*\)$/\1 \2/') >"$work/$name.imports.diff" 2>&1; then
    # imports_of prints "func MODULE.FIELD"; show the first difference
    fail "$name" "the imports are not the input's plus the two hooks: $(grep -m1 '^[<>]' "$work/$name.imports.diff")"
    continue
  fi

  # 4. run original and instrumented
  run_driver "$driver" "$work/$name.orig.stdout" "$work/$name.orig.hooks"
  orig_rc=$?
  run_driver "$driver" "$work/$name.instr.stdout" "$work/$name.instr.hooks" "$out"
  instr_rc=$?
  if ((orig_rc != 0)); then
    fail "$name" "the driver fails on the original module (exit $orig_rc): $(first_line "$work/$name.orig.stdout.stderr")"
    continue
  fi
  if ((instr_rc != orig_rc)); then
    fail "$name" "exit code $instr_rc with the instrumented module, $orig_rc with the original: $(grep -v -e '^hooks' -e '^$' "$work/$name.instr.stdout.stderr" | head -n 3 | tr '\n' ' ' | cut -c1-400)"
    continue
  fi
  if ! cmp -s "$work/$name.orig.stdout" "$work/$name.instr.stdout"; then
    fail "$name" "stdout differs: $(diff "$work/$name.orig.stdout" "$work/$name.instr.stdout" | grep -m1 '^[<>]' | cut -c1-200)"
    continue
  fi
  if [[ ! -s $work/$name.orig.hooks || ! -s $work/$name.instr.hooks ]]; then
    fail "$name" "no hooks report (hooks.mjs did not run to process exit)"
    continue
  fi
  if [[ $(field enters "$work/$name.orig.hooks") != 0 ]]; then
    fail "$name" "the original module called hooks: $(head -n 1 "$work/$name.orig.hooks")"
    continue
  fi
  report=$(head -n 1 "$work/$name.instr.hooks")
  enters=$(field enters "$work/$name.instr.hooks")
  exits=$(field exits "$work/$name.instr.hooks")
  unbalanced=$(field unbalanced "$work/$name.instr.hooks")
  open=$(field open "$work/$name.instr.hooks")
  unwound=$(field unwound "$work/$name.instr.hooks")
  modules_hooked=$(field modules "$work/$name.instr.hooks")
  open_main=$(field open_main "$work/$name.instr.hooks")
  open_workers=$(field open_workers "$work/$name.instr.hooks")
  note "$name: $report; $(sed -n 's/^hooks-detail: //p' "$work/$name.instr.hooks")"
  if [[ -z $enters || -z $open_main ]]; then
    fail "$name" "unreadable hooks report: $report"
    continue
  fi
  if ((modules_hooked == 0 || enters == 0)); then
    fail "$name" "the instrumented module made no hook calls ($report)"
    continue
  fi
  if ((unbalanced != 0 || unwound != 0)); then
    fail "$name" "unbalanced hook calls: $report, unwound=$unwound"
    continue
  fi
  if ((enters != exits + open)); then
    fail "$name" "enters != exits + open: $report"
    continue
  fi
  case $allow_open in
    none) bad_open=$open ;;
    main) bad_open=$open_workers ;;
    workers) bad_open=$open_main ;;
  esac
  if ((bad_open != 0)); then
    fail "$name" "open spans at exit that nothing explains (allowed: $allow_open): $report, open_main=$open_main open_workers=$open_workers"
    continue
  fi
  ((open != 0)) && note "$name: open spans explained: $allow_open (main=$open_main, workers=$open_workers)"
  pass "$name"
done

echo "$passed passed, $failed failed"
((failed == 0))
