#!/usr/bin/env bash
# The Node host as an npm package: runtime-shim/node/pack.sh makes the
# tarball (with the recorder the build compiled to wasm32), `npm install`
# puts it into an empty scratch project, and then, with nothing on the PATH
# but node, npm and a shell (no clang, no wasi-libc: the recorder cannot be
# built) and an empty cache:
#   npx      `npx wasm-observe run` on an instrumented C fixture (fib): the
#            program's output unchanged, no note of a fallback recorder, and
#            check.mjs on its trace (the shipped C recorder wrote it, a span per
#            call, the golden call counts)
#   preload  `node --import wasm-observe/register app.mjs` (a program that
#            loads its module itself): the same checks
#   api      `import { createRecorder } from 'wasm-observe'` resolves to the
#            package and its recorder is the wasm32 one; 'wasm-observe/site-table'
#            reads the fixture's sites
#   one recorder  the package holds no JS recorder; without its wasm32/recorder.wasm
#            `npx wasm-observe run` is one line on stderr and exit 2 (no fallback)
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), PACKAGE_RECORDER
# (default build/wasm-observe-recorder.wasm), PACKAGE_WORK (work dir, default a
# new mktemp dir), WASM_CC (default clang).
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped".
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
RECORDER=${PACKAGE_RECORDER:-$ROOT/build/wasm-observe-recorder.wasm}
WORK=${PACKAGE_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wasm-observe-package.XXXXXX")}
WASM_CC=${WASM_CC:-clang}
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed, 0 skipped"; ((failed == 0)); exit $?; }

# The fixture, original and instrumented, with the full PATH.
"$WASM_CC" --target=wasm32-wasi --sysroot=/usr -O1 -I"$ROOT/fixtures/c" -c "$ROOT/fixtures/c/fib.c" -o "$WORK/fib.o" &&
  "$WASM_CC" --target=wasm32-wasi --sysroot=/usr "$WORK/fib.o" -o "$WORK/fib.wasm" &&
  "$TOOL" "$WORK/fib.wasm" -o "$WORK/fib.instr.wasm" 2>"$WORK/tool.err" ||
  { fail setup "cannot build the fib fixture: $(head -n1 "$WORK/tool.err")"; finish; }
node "$ROOT/tests/e2e/run-node.mjs" "$WORK/fib.wasm" "$WORK/orig.trace" >"$WORK/orig.out" 2>/dev/null
GOLDEN=$ROOT/fixtures/expected/fib.folded

# The package, and a project that installs it.
if ! tarball=$("$ROOT/runtime-shim/node/pack.sh" "$RECORDER" "$WORK/dist" 2>"$WORK/pack.err"); then
  fail pack "$(head -n1 "$WORK/pack.err")"
  finish
fi
pass "pack ($(basename "$tarball"), $(tar tzf "$tarball" | wc -l) files)"
if tar tzf "$tarball" | grep -q 'js-recorder'; then
  fail "no JS recorder in the package" "$(tar tzf "$tarball" | grep js-recorder)"
else
  pass "no JS recorder in the package"
fi
PROJECT=$WORK/project
mkdir -p "$PROJECT"
cp "$HERE/app.mjs" "$PROJECT/"
echo '{ "name": "scratch", "version": "1.0.0", "private": true, "type": "module" }' >"$PROJECT/package.json"
if ! (cd "$PROJECT" && npm install --no-audit --no-fund --loglevel=error "$tarball") >"$WORK/install.log" 2>&1; then
  fail install "npm install: $(tail -n1 "$WORK/install.log")"
  finish
fi
pass install

# A PATH with node, npm and a shell only; an empty cache and home.
BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/home" "$WORK/cache"
for t in node npm npx sh bash env; do ln -sf "$(command -v "$t")" "$BIN/$t"; done
restricted() { env -i PATH="$BIN" HOME="$WORK/home" WASM_OBSERVE_CACHE="$WORK/cache" NPM_CONFIG_UPDATE_NOTIFIER=false "$@"; }
if restricted sh -c 'command -v clang' >/dev/null 2>&1; then
  fail "no clang" "clang is reachable on the restricted PATH"
else
  pass "no clang on the PATH"
fi

# check_run NAME PREFIX RC: the run's output is the original's, nothing on
# stderr, and check.mjs passes on PREFIX.jsonl / .json / .calls.
check_run() {
  local name=$1 p=$2 rc=$3 r
  if ((rc != 0)) || ! cmp -s "$WORK/orig.out" "$p.out" || [[ -s $p.err ]]; then
    fail "$name" "exit $rc, stdout $(cmp -s "$WORK/orig.out" "$p.out" && echo same || echo differs), stderr: $(head -c 200 "$p.err")"
    return
  fi
  r=$(node "$HERE/check.mjs" "$p.jsonl" "$p.json" "$p.calls" "$GOLDEN" 2>&1)
  if [[ $r == PASS* ]]; then pass "$name: ${r#PASS }"; else fail "$name" "${r#FAIL }"; fi
}

(cd "$PROJECT" && restricted npx --no-install wasm-observe run "$WORK/fib.instr.wasm" --otlp-file "$WORK/npx.jsonl" \
  --chrome "$WORK/npx.json" --folded-calls "$WORK/npx.calls" >"$WORK/npx.out" 2>"$WORK/npx.err")
check_run "npx wasm-observe run" "$WORK/npx" $?

(cd "$PROJECT" && restricted WASM_OBSERVE_OTLP_FILE="$WORK/pre.jsonl" WASM_OBSERVE_CHROME="$WORK/pre.json" \
  WASM_OBSERVE_FOLDED_CALLS="$WORK/pre.calls" node --import wasm-observe/register app.mjs "$WORK/fib.instr.wasm" \
  >"$WORK/pre.out" 2>"$WORK/pre.err")
check_run "node --import wasm-observe/register" "$WORK/pre" $?

# the API
api=$(cd "$PROJECT" && restricted node --input-type=module -e "
  import { createRecorder } from 'wasm-observe';
  import { readModuleSites } from 'wasm-observe/site-table';
  import { createRequire } from 'node:module';
  const where = createRequire(import.meta.url).resolve('wasm-observe');
  const sites = readModuleSites(createRequire(import.meta.url)('fs').readFileSync('$WORK/fib.instr.wasm')).sites.length;
  console.log(createRecorder({ backend: 'wasm32' }).backend, where.startsWith(process.cwd() + '/node_modules/'), sites > 0);" 2>&1)
if [[ $api == "wasm32 true true" ]]; then pass "import from 'wasm-observe' (the wasm32 recorder) and 'wasm-observe/site-table'"; else fail api "$api"; fi
[[ -z $(ls -A "$WORK/cache") ]] && pass "nothing built into the cache" || fail "cache" "something was built: $(ls "$WORK/cache")"

# a package without its recorder: one line, exit 2, the program not run
shipped=$PROJECT/node_modules/wasm-observe/wasm32/recorder.wasm
if mv "$shipped" "$WORK/recorder.wasm.aside"; then
  (cd "$PROJECT" && restricted npx --no-install wasm-observe run "$WORK/fib.instr.wasm" --folded-calls "$WORK/none.calls" \
    >"$WORK/none.out" 2>"$WORK/none.err")
  rc=$?
  if ((rc == 2)) && [[ ! -s $WORK/none.out && $(wc -l <"$WORK/none.err") == 1 ]] &&
      grep -q '^wasm-observe: .*fib\.instr\.wasm: the C recorder (wasm32) is unavailable: .*recorder\.wasm is missing' "$WORK/none.err"; then
    pass "no recorder in the package: one line, exit 2"
  else
    fail "no recorder in the package" "exit $rc, stdout $(wc -c <"$WORK/none.out") bytes, stderr $(head -c 300 "$WORK/none.err" | tr '\n' '|')"
  fi
  mv "$WORK/recorder.wasm.aside" "$shipped"
fi
finish
