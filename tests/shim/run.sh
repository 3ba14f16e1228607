#!/usr/bin/env bash
# Tests of the runtime shim (libwasm-observe) through its wasm2c host
# (runtime-shim/wasm2c) and the example runner traced-run, with real consumers.
#
# For each C fixture (fixtures/c/*.c): build it for wasm32-wasi as tests/e2e does,
# run the original under Node (tests/e2e/run-node.mjs), instrument it, build
# traced-run for it with runtime-shim/wasm2c/example/build.sh (cc, -std=c17 -Wall
# -Wextra, ASan+UBSan), run it with every output on, and check
#   same-behaviour   stdout and exit code identical to the original under Node,
#                    the original's stderr a prefix of traced-run's (traced-run
#                    appends its --summary and --counters);
#   sanitizers       no ASan/UBSan report;
#   calls            traced-run --calls (the profile tree with call counts, in the
#                    tests/e2e trace format) equals fixtures/expected/NAME.folded;
#   folded           the stacks of --folded (self time in ns) are the golden's stacks;
#   counters         --counters: spans = calls, no hook misuse, open spans unwound;
#   flamegraph       flamegraph.pl renders --folded into an SVG that names main;
# then check-traces.mjs, in one Node process for every case:
#   otlp-proto, otlp-spans, otlp-strictness (fib), otlp-receiver, chrome, summary
#   (see there: protobufjs against the official .proto files, @elastic/mockotlpserver,
#   @paulirish/trace_engine).
# Plus: trap (a C program that traps: exit 134, spans closed by wo_unwind) and
# misbehave (fixtures/misbehave.wat: hooks called in every wrong way: no crash,
# exact counters, still valid OTLP and Chrome output).
#
# Environment: WASM_INSTRUMENT (default build/wasm-instrument), WASM_OBSERVE_LIB
# (default build/libwasm-observe.a), SHIM_WORK (work dir, default a new mktemp
# dir, kept), SHIM_JOBS (parallel cases, default nproc), NODE (default node),
# CC (host compiler, default cc), WASM_CC (default clang).
#
# Output: `PASS name` / `FAIL name: reason` lines, then `N passed, N failed,
# N skipped` (nothing is skipped: a missing tool or golden file is a FAIL).
# Exit status 1 if anything failed.

# shellcheck disable=SC2086 # the *FLAGS strings are split into words on purpose

set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${WASM_INSTRUMENT:-$ROOT/build/wasm-instrument}
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
LIB=${WASM_OBSERVE_LIB:-$ROOT/build/libwasm-observe.a}
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac
WORK=${SHIM_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wasm-observe-shim.XXXXXX")}
JOBS=${SHIM_JOBS:-$(nproc 2>/dev/null || echo 2)}
NODE=${NODE:-node}
CC=${CC:-cc}
WASM_CC=${WASM_CC:-clang}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
FIXTURES=$ROOT/fixtures
EXPECTED=$FIXTURES/expected
E2E=$ROOT/tests/e2e
BUILD_SH=$ROOT/runtime-shim/wasm2c/example/build.sh
FLAMEGRAPH=${FLAMEGRAPH:-/usr/share/perl5/Devel/NYTProf/flamegraph.pl}

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# The wasm2c runtime: explicit bounds checks and a call-depth counter instead of
# guard pages and a SIGSEGV handler, which do not mix with ASan (as tests/e2e).
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export RT_DEFS="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DWASM_RT_MAX_CALL_STACK_DEPTH=20000"
export CFLAGS="-std=c17 -Wall -Wextra -Werror -O1 -g $SAN"
export GEN_CFLAGS="-std=c17 -O0 $SAN"
export LDFLAGS="$SAN"
export CC WASM_OBSERVE_LIB=$LIB
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

RESULTS=$WORK/results.d
CASES=$WORK/cases.d
rm -rf "$RESULTS" "$CASES"
mkdir -p "$RESULTS" "$CASES"
RES=$RESULTS/00-setup

pass() { echo "PASS $1" >>"$RES"; }
fail() { echo "FAIL $1: $2" >>"$RES"; }

first_diff() { # first_diff A B: the first line only in A and the first only in B
  local out a b
  out=$(diff "$1" "$2" 2>&1)
  a=$(grep -a -m1 '^<' <<<"$out" | cut -c3- | cat -v | cut -c1-150)
  b=$(grep -a -m1 '^>' <<<"$out" | cut -c3- | cat -v | cut -c1-150)
  if [[ -z $a && -z $b ]]; then echo "files differ"; return; fi
  echo "expected '${a:-(nothing)}', got '${b:-(nothing)}'"
}

directive() { # directive FILE KEY -> value (empty if absent)
  sed -n -E "s@^[[:space:]]*(//|;;)[[:space:]]*$2:[[:space:]]*(.*)\$@\2@p" "$1" | head -n1
}

# counter ERRFILE NAME: a value from traced-run's "counters: name value ..." line.
counter() {
  awk -v k="$2" '/^counters: / { for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' "$1"
}

golden_sum() { awk '!/^#/ { s += $NF } END { print s + 0 }' "$1"; }
golden_open() { sed -n 's/^# unbalanced [0-9]* open \([0-9]*\) .*/\1/p' "$1"; }

sanitizer_check() { # sanitizer_check CHECK ERRFILE
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
    fail "$1" "$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2" | cut -c1-200)"
  else
    pass "$1"
  fi
}

# add_case JSON: one entry of check-traces.mjs's manifest.
add_case() { echo "$2" >"$CASES/$1.json"; }

# build_c NAME SRC DIR: DIR/NAME.wasm as tests/e2e builds C fixtures.
build_c() {
  "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O1 -std=c17 -Wall -Wextra -Werror \
    -c "$2" -o "$3/$1.o" &&
    # Link without -O: clang would run wasm-opt, which drops the name section.
    "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$3/$1.o" -o "$3/$1.wasm" -Wl,--strip-debug
}

# traced DIR WASM ARGS...: runs DIR/w2c/traced-run with every output into DIR/run.*
traced() {
  local d=$1 wasm=$2
  shift 2
  FLAMEGRAPH_PL=$FLAMEGRAPH "$d/w2c/traced-run" --chrome "$d/chrome.json" --otlp-file "$d/otlp.jsonl" \
    --folded "$d/folded.txt" --flamegraph "$d/flame.svg" --folded-calls "$d/calls.txt" --summary --top 1000 \
    --counters "$wasm" "$@" >"$d/run.out" 2>"$d/run.err" </dev/null
  echo $? >"$d/run.rc"
}

# check_flamegraph NAME SVG: traced-run --flamegraph's output
check_flamegraph() {
  local svg=$2
  if [[ ! -s $svg ]] || ! grep -q '</svg>' "$svg"; then
    fail "flamegraph $1" "no complete SVG in $svg"
  elif ! grep -qE '<title>[^<]*main[ (]' "$svg"; then
    fail "flamegraph $1" "the SVG names no main frame"
  else
    pass "flamegraph $1"
  fi
}

# ---- setup ------------------------------------------------------------------------

HAVE_ALL=1
for t in "$NODE" npm "$CC" "$WASM_CC" wasm2c wat2wasm perl; do
  if ! command -v "$t" >/dev/null 2>&1; then
    fail "prerequisite $t" "not found in PATH"
    HAVE_ALL=0
  fi
done
[[ -x $TOOL ]] || { fail "prerequisite wasm-instrument" "$TOOL not found (build it, or set WASM_INSTRUMENT)"; HAVE_ALL=0; }
[[ -f $LIB ]] || { fail "prerequisite libwasm-observe" "$LIB not found (ninja -C build)"; HAVE_ALL=0; }
[[ -f $FLAMEGRAPH ]] || { fail "prerequisite flamegraph.pl" "$FLAMEGRAPH not found (apt-get install libdevel-nytprof-perl)"; HAVE_ALL=0; }
if [[ ! -d $HERE/node_modules ]]; then
  if (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
    pass "npm ci"
  else
    fail "npm ci" "see $WORK/npm.log: $(grep -m1 -i err "$WORK/npm.log")"
    HAVE_ALL=0
  fi
fi

# ---- one C fixture ------------------------------------------------------------------

run_fixture() {
  local src=$1 name
  name=$(basename "$src" .c)
  RES=$RESULTS/10-$name
  local d=$WORK/$name golden=$EXPECTED/$name.folded
  rm -rf "$d"
  mkdir -p "$d"
  local args exit_expected
  args=$(directive "$src" e2e-args)
  exit_expected=$(directive "$src" e2e-exit)
  # shellcheck disable=SC2206
  local argv=($args)

  # The original and the instrumented module have the same file name (it is
  # the program's argv[0]): orig/NAME.wasm and instr/NAME.wasm.
  mkdir -p "$d/orig" "$d/instr"
  if ! build_c "$name" "$src" "$d/orig" >"$d/build.log" 2>&1; then
    fail "build $name" "$(grep -m1 -i error "$d/build.log")"
    return
  fi
  "$NODE" "$E2E/run-node.mjs" "$d/orig/$name.wasm" "$d/orig.trace" "${argv[@]}" >"$d/orig.out" 2>"$d/orig.err" </dev/null
  echo $? >"$d/orig.rc"
  if [[ $(cat "$d/orig.rc") != "${exit_expected:-0}" ]]; then
    fail "build $name" "the original exits $(cat "$d/orig.rc") under Node, expected ${exit_expected:-0}"
    return
  fi
  if ! "$TOOL" "$d/orig/$name.wasm" -o "$d/instr/$name.wasm" >"$d/instrument.log" 2>&1; then
    fail "build $name" "wasm-instrument: $(head -n1 "$d/instrument.log")"
    return
  fi
  if ! "$BUILD_SH" "$d/instr/$name.wasm" "$d/w2c" >"$d/w2c.log" 2>&1; then
    fail "build $name" "traced-run build failed, see $d/w2c.log: $(grep -m1 -iE 'error|warning' "$d/w2c.log")"
    return
  fi
  pass "build $name"

  traced "$d" "$d/instr/$name.wasm" "${argv[@]}"
  local orc rc
  orc=$(cat "$d/orig.rc")
  rc=$(cat "$d/run.rc")
  local osize
  osize=$(stat -c %s "$d/orig.err")
  if [[ $rc == "$orc" ]] && cmp -s "$d/orig.out" "$d/run.out" &&
    head -c "$osize" "$d/run.err" | cmp -s - "$d/orig.err"; then
    pass "same-behaviour $name"
  else
    fail "same-behaviour $name" "exit $orc -> $rc; stdout: $(first_diff "$d/orig.out" "$d/run.out"); stderr: $(head -c 200 "$d/run.err" | tr '\n' ' ')"
  fi
  sanitizer_check "sanitizers $name" "$d/run.err"
  check_flamegraph "$name" "$d/flame.svg"
  [[ $name == fib ]] && check_otlp_http "$d" "$d/instr/$name.wasm" "${argv[@]}"

  # The checks against the golden: without it, each fails (and check-traces.mjs
  # fails the case's "golden NAME").
  if [[ ! -f $golden ]]; then
    local check
    for check in calls folded counters; do fail "$check $name" "no golden file $golden"; done
    add_case "10-$name" "{\"name\":\"$name\",\"otlp\":\"$d/otlp.jsonl\",\"chrome\":\"$d/chrome.json\",\"golden\":\"$golden\"}"
    return
  fi
  if cmp -s "$golden" "$d/calls.txt"; then
    pass "calls $name"
  else
    fail "calls $name" "--calls differs from the golden: $(first_diff "$golden" "$d/calls.txt")"
  fi

  # sampled profile timing (a sampling thread, no clock in the hooks): the same
  # behaviour and the golden's call counts
  "$d/w2c/traced-run" --profile-timing sampled --profile-interval-us 50 --folded-calls "$d/sampled-calls.txt" \
    --folded "$d/sampled-folded.txt" --counters "$d/instr/$name.wasm" "${argv[@]}" \
    >"$d/sampled.out" 2>"$d/sampled.err" </dev/null
  local src=$?
  if [[ $src == "$orc" ]] && cmp -s "$d/orig.out" "$d/sampled.out" && cmp -s "$golden" "$d/sampled-calls.txt" &&
    grep -qE '^sampler: samples [0-9]+ ' "$d/sampled.err"; then
    pass "sampled $name"
  else
    fail "sampled $name" "exit $orc -> $src; calls: $(first_diff "$golden" "$d/sampled-calls.txt"); $(grep -m1 -v '^counters' "$d/sampled.err" | cut -c1-200)"
  fi

  # folded: the same stacks (names without the import:/export: marks), integer counts.
  sed -e '/^#/d' -e 's/ [0-9]*$//' -e 's/\(^\|;\)\(export\|import\):/\1/g' "$golden" | LC_ALL=C sort -u >"$d/golden.stacks"
  sed -e 's/ [0-9]*$//' "$d/folded.txt" | LC_ALL=C sort -u >"$d/folded.stacks"
  if grep -qvE '^.+ [1-9][0-9]*$' "$d/folded.txt"; then
    fail "folded $name" "a line without a positive integer count: $(grep -m1 -vE '^.+ [1-9][0-9]*$' "$d/folded.txt" | cut -c1-150)"
  elif cmp -s "$d/golden.stacks" "$d/folded.stacks"; then
    pass "folded $name"
  else
    fail "folded $name" "stacks differ: $(first_diff "$d/golden.stacks" "$d/folded.stacks")"
  fi

  local calls open
  calls=$(golden_sum "$golden")
  open=$(golden_open "$golden")
  local got="" k
  for k in enters exits spans_recorded unknown_ids exits_without_enter exits_unmatched spans_unwound depth_overflows export_errors open_at_end; do
    got+="$k $(counter "$d/run.err" $k) "
  done
  local want="enters $calls exits $((calls - open)) spans_recorded $calls unknown_ids 0 exits_without_enter 0 exits_unmatched 0 spans_unwound $open depth_overflows 0 export_errors 0 open_at_end $open "
  if [[ $got == "$want" ]]; then pass "counters $name"; else fail "counters $name" "got '$got', expected '$want'"; fi

  local strict=false
  [[ $name == fib ]] && strict=true
  add_case "10-$name" "{\"name\":\"$name\",\"otlp\":\"$d/otlp.jsonl\",\"chrome\":\"$d/chrome.json\",\"golden\":\"$golden\",\"stderr\":\"$d/run.err\",\"top\":1000,\"errors\":$open,\"strictness\":$strict}"
}

# start_collector DIR: fake-collector.mjs logging to DIR/collector.log (a new
# log); sets `collector` (its pid) and `port`.
start_collector() {
  rm -f "$1/collector.port" "$1/collector.log"
  "$NODE" "$HERE/fake-collector.mjs" "$1/collector.port" "$1/collector.log" &
  collector=$!
  for _ in $(seq 50); do [[ -s $1/collector.port ]] && break; sleep 0.1; done
  port=$(cat "$1/collector.port" 2>/dev/null)
}

# refused DIR TAG CHECK MESSAGE VAR=VALUE... -- WASM ARGS...: traced-run with
# these variables exits 2 with MESSAGE, a whole line, on stderr.
refused() {
  local d=$1 tag=$2 check=$3 message=$4 vars=() rc
  shift 4
  while [[ $1 != -- ]]; do vars+=("$1"); shift; done
  shift
  env "${vars[@]}" "$d/w2c/traced-run" "$@" >"$d/$tag.out" 2>"$d/$tag.err" </dev/null
  rc=$?
  if [[ $rc == 2 ]] && grep -qxF "$message" "$d/$tag.err"; then
    pass "$check"
  else
    fail "$check" "exit $rc: $(head -c 200 "$d/$tag.err")"
  fi
}

# check_otlp_http DIR WASM ARGS...: traced-run --otlp URL, to a collector
# (fake-collector.mjs: counts the protobuf requests and the spans in them)
# and to a port where nothing listens: the program's output and exit code
# stay its own, and the second says on stderr what was not delivered.
check_otlp_http() {
  local d=$1 wasm=$2 port collector
  shift 2
  start_collector "$d"
  "$d/w2c/traced-run" --otlp "http://127.0.0.1:$port" --counters "$wasm" "$@" \
    >"$d/http.out" 2>"$d/http.err" </dev/null
  local rc=$?
  kill "$collector" 2>/dev/null
  wait "$collector" 2>/dev/null
  local spans
  spans=$(counter "$d/http.err" spans_recorded)
  if [[ $rc == "$(cat "$d/orig.rc")" ]] && cmp -s "$d/orig.out" "$d/http.out" && [[ -n $spans ]] &&
    grep -qx "spans $spans content-type application/x-protobuf path /v1/traces service $(basename "$wasm") x-test -" "$d/collector.log"; then
    pass "otlp-http cli"
  else
    fail "otlp-http cli" "exit $rc, collector saw: $(head -c 200 "$d/collector.log" 2>/dev/null), counters: $(grep '^counters' "$d/http.err" | cut -c1-120)"
  fi
  # The same from the OpenTelemetry variables alone: a base endpoint gains
  # /v1/traces, headers are %-decoded, the service is named; --otlp-header
  # wins over a variable's header of the same name.
  start_collector "$d"
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port/" OTEL_EXPORTER_OTLP_HEADERS="x-test=from%20env, x-other=1" \
    OTEL_EXPORTER_OTLP_PROTOCOL=http/json OTEL_SERVICE_NAME=env-service \
    "$d/w2c/traced-run" --otlp-protocol http/protobuf --otlp-header "X-Test=option wins" --counters "$wasm" "$@" \
    >"$d/env.out" 2>"$d/env.err" </dev/null
  rc=$?
  kill "$collector" 2>/dev/null
  wait "$collector" 2>/dev/null
  spans=$(counter "$d/env.err" spans_recorded)
  if [[ $rc == "$(cat "$d/orig.rc")" ]] && cmp -s "$d/orig.out" "$d/env.out" && [[ -n $spans ]] &&
    grep -qx "spans $spans content-type application/x-protobuf path /v1/traces service env-service x-test option wins" "$d/collector.log"; then
    pass "otlp-http from OTEL_EXPORTER_OTLP_* variables"
  else
    fail "otlp-http from OTEL_EXPORTER_OTLP_* variables" "exit $rc, collector saw: $(head -c 200 "$d/collector.log" 2>/dev/null); $(grep -v '^counters' "$d/env.err" | head -c 200)"
  fi
  refused "$d" grpc "otlp-http refuses OTEL_EXPORTER_OTLP_PROTOCOL=grpc" \
    'traced-run: OTLP protocol grpc is not supported (http/protobuf or http/json)' \
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9 OTEL_EXPORTER_OTLP_PROTOCOL=grpc -- "$wasm" "$@"
  # a %-encoded CR LF would start a header line of its own: refused
  refused "$d" crlf "otlp-http refuses a header value with CR LF" \
    'traced-run: OTEL_EXPORTER_OTLP_HEADERS: the value of "a" has a control character' \
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:9 'OTEL_EXPORTER_OTLP_HEADERS=a=x%0D%0AHost:evil' -- "$wasm" "$@"
  local t0=$SECONDS
  "$d/w2c/traced-run" --otlp "http://127.0.0.1:9" "$wasm" "$@" >"$d/down.out" 2>"$d/down.err" </dev/null
  rc=$?
  if [[ $rc == "$(cat "$d/orig.rc")" ]] && cmp -s "$d/orig.out" "$d/down.out" && ((SECONDS - t0 < 30)) &&
    grep -q '^traced-run: OTLP/HTTP to http://127.0.0.1:9: 1 of 1 batches ([0-9]* spans) not delivered' "$d/down.err"; then
    pass "otlp-http cli, collector down"
  else
    fail "otlp-http cli, collector down" "exit $rc after $((SECONDS - t0)) s: $(head -c 300 "$d/down.err" | tr '\n' ' ')"
  fi
}

# ---- a trap: wo_unwind ------------------------------------------------------------------

run_trap() {
  RES=$RESULTS/20-trap
  local name=trap d=$WORK/trap
  rm -rf "$d"
  mkdir -p "$d"
  mkdir -p "$d/orig" "$d/instr"
  if ! build_c trap "$HERE/fixtures/trap.c" "$d/orig" >"$d/build.log" 2>&1 ||
    ! "$TOOL" "$d/orig/trap.wasm" -o "$d/instr/trap.wasm" >"$d/instrument.log" 2>&1 ||
    ! "$BUILD_SH" "$d/instr/trap.wasm" "$d/w2c" >"$d/w2c.log" 2>&1; then
    fail "build trap" "see $d/*.log"
    return
  fi
  pass "build trap"
  "$NODE" "$E2E/run-node.mjs" "$d/orig/trap.wasm" "$d/orig.trace" >"$d/orig.out" 2>"$d/orig.err" </dev/null
  echo $? >"$d/orig.rc"
  traced "$d" "$d/instr/trap.wasm"
  if [[ $(cat "$d/run.rc") == 134 && $(cat "$d/orig.rc") == 134 ]] && cmp -s "$d/orig.out" "$d/run.out" &&
    grep -q '^trap: ' "$d/run.err"; then
    pass "same-behaviour trap"
  else
    fail "same-behaviour trap" "exit $(cat "$d/orig.rc") -> $(cat "$d/run.rc"), stdout: $(first_diff "$d/orig.out" "$d/run.out")"
  fi
  sanitizer_check "sanitizers trap" "$d/run.err"
  # The trap cut through export:_start > ... > main > a > b > c: those spans were
  # open at the trap (open > 0), wo_unwind closed them all (unwound = open).
  local open unwound
  open=$(sed -n 's/^# unbalanced 0 open \([0-9]*\) invalid 0 truncated 0$/\1/p' "$d/calls.txt")
  unwound=$(counter "$d/run.err" spans_unwound)
  if [[ -n $open && $open -ge 6 && $unwound == "$open" ]] && grep -q ';__original_main;a;b;c 1$' "$d/calls.txt" &&
    [[ $(counter "$d/run.err" enters) == $(counter "$d/run.err" spans_recorded) ]]; then
    pass "unwind trap"
  else
    fail "unwind trap" "open '${open}', spans_unwound '$unwound', calls: $(grep -c . "$d/calls.txt") lines"
  fi
  # No independent golden here: the spans and the Chrome events must rebuild the
  # profile's own call tree.
  add_case "20-trap" "{\"name\":\"trap\",\"otlp\":\"$d/otlp.jsonl\",\"chrome\":\"$d/chrome.json\",\"golden\":\"$d/calls.txt\",\"errors\":${open:-0}}"
}

# ---- hooks that misbehave -------------------------------------------------------------

run_misbehave() {
  RES=$RESULTS/30-misbehave
  local d=$WORK/misbehave
  rm -rf "$d"
  mkdir -p "$d" "$d/shallow"
  if ! wat2wasm --debug-names "$HERE/fixtures/misbehave.wat" -o "$d/plain.wasm" >"$d/build.log" 2>&1 ||
    ! "$NODE" "$E2E/mksites.mjs" "$d/plain.wasm" "$d/misbehave.wasm" "$HERE/fixtures/misbehave.sites.json" >>"$d/build.log" 2>&1 ||
    ! "$BUILD_SH" "$d/misbehave.wasm" "$d/w2c" >"$d/w2c.log" 2>&1; then
    fail "build misbehave" "see $d/build.log, $d/w2c.log"
    return
  fi
  pass "build misbehave"
  # Spans with the default max_depth (4096): no profile (its folded output grows
  # with the square of the depth).
  "$d/w2c/traced-run" --counters --otlp-file "$d/otlp.jsonl" --chrome "$d/chrome.json" "$d/misbehave.wasm" \
    >"$d/run.out" 2>"$d/run.err" </dev/null
  echo $? >"$d/run.rc"
  sanitizer_check "sanitizers misbehave" "$d/run.err"
  # See fixtures/misbehave.wat: 100067 enters, 100007 exits; ids 999 and -1
  # unknown; one exit on an empty stack, one of an id not open; b unwound by a's
  # exit, 60 x unwound by main's, the last main left open and closed at the end;
  # 100000 - (4096 - 2) enters beyond max_depth; spans: a, b, 4094 x deep, env.x,
  # 60 x unwound, main, _start, the last main.
  local want="enters 100067 exits 100007 spans_recorded 4160 spans_filtered 0 unknown_ids 2 exits_without_enter 1 exits_unmatched 1 spans_unwound 62 depth_overflows 95906 export_errors 0 spans_over_rate 0 spans_over_size 0 spans_muted 0 sites_muted 0 open_at_end 1"
  local got
  got=$(sed -n 's/^counters: //p' "$d/run.err")
  if [[ $(cat "$d/run.rc") == 0 && $got == "$want" ]]; then
    pass "counters misbehave"
  else
    fail "counters misbehave" "exit $(cat "$d/run.rc"), counters '$got', expected '$want'"
  fi
  # The profile with a shallow max_depth: the call tree with call counts.
  # --calls: the older name of --folded-calls, still accepted
  "$d/w2c/traced-run" --counters --max-depth 64 --calls "$d/shallow/calls.txt" --folded "$d/shallow/folded.txt" \
    --summary "$d/misbehave.wasm" >"$d/shallow/run.out" 2>"$d/shallow/run.err" </dev/null
  echo $? >"$d/shallow/run.rc"
  sanitizer_check "sanitizers misbehave-shallow" "$d/shallow/run.err"
  if [[ ! -f $HERE/expected/misbehave.calls ]]; then
    fail "calls misbehave-shallow" "no golden file $HERE/expected/misbehave.calls"
  elif [[ $(cat "$d/shallow/run.rc") == 0 ]] && cmp -s "$HERE/expected/misbehave.calls" "$d/shallow/calls.txt"; then
    pass "calls misbehave-shallow"
  else
    fail "calls misbehave-shallow" "exit $(cat "$d/shallow/run.rc"): $(first_diff "$HERE/expected/misbehave.calls" "$d/shallow/calls.txt")"
  fi
  if [[ $(counter "$d/shallow/run.err" depth_overflows) == 99938 ]]; then
    pass "counters misbehave-shallow"
  else
    fail "counters misbehave-shallow" "$(grep '^counters:' "$d/shallow/run.err")"
  fi
  # Sampled profile timing on the same hostile hooks: the clock's call counts
  # and counters; refused with a span output.
  mkdir -p "$d/sampled"
  "$d/w2c/traced-run" --counters --max-depth 64 --profile-timing sampled --folded-calls "$d/sampled/calls.txt" \
    "$d/misbehave.wasm" >"$d/sampled/run.out" 2>"$d/sampled/run.err" </dev/null
  local src=$?
  sanitizer_check "sanitizers misbehave-sampled" "$d/sampled/run.err"
  if [[ $src == 0 ]] && cmp -s "$d/shallow/calls.txt" "$d/sampled/calls.txt" &&
    [[ $(grep '^counters:' "$d/sampled/run.err") == $(grep '^counters:' "$d/shallow/run.err") ]]; then
    pass "sampled misbehave-shallow"
  else
    fail "sampled misbehave-shallow" "exit $src: $(first_diff "$d/shallow/calls.txt" "$d/sampled/calls.txt"); $(grep '^counters:' "$d/sampled/run.err")"
  fi
  "$d/w2c/traced-run" --profile-timing sampled --otlp-file "$d/sampled/otlp.jsonl" "$d/misbehave.wasm" \
    >"$d/sampled/refused.out" 2>"$d/sampled/refused.err" </dev/null
  src=$?
  if [[ $src == 2 && ! -e $d/sampled/otlp.jsonl ]] && grep -q 'spans need the clock' "$d/sampled/refused.err"; then
    pass "sampled refuses spans"
  else
    fail "sampled refuses spans" "exit $src: $(head -c 200 "$d/sampled/refused.err")"
  fi
  add_case "30-misbehave" "{\"name\":\"misbehave\",\"otlp\":\"$d/otlp.jsonl\",\"chrome\":\"$d/chrome.json\",\"spans\":4160,\"errors\":62}"
  check_same_options "$d/w2c/traced-run" "$d"
}

# check_same_options TRACED_RUN DIR: the wasm2c runner and the Node host's
# `wasm-observe run` take one set of options (issue 10): the names in
# traced-run's usage and at the start of wasm-observe's --help lines agree,
# but for --backend (the Node host's recorder choice) and --off (the runner's
# untraced baseline). --min-duration-us is in the middle of a Node help line.
check_same_options() {
  local node_run=$ROOT/runtime-shim/node/wasm-observe-run.mjs
  "$1" --help 2>&1 | grep -o -- '--[a-z0-9-]\+' | grep -vx -- '--off\|--min-duration-us' | sort -u >"$2/options.runner"
  "$NODE" "$node_run" --help 2>&1 | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p' | grep -vx -- '--backend' |
    sort -u >"$2/options.node"
  if [[ $(wc -l <"$2/options.runner") -gt 20 ]] && cmp -s "$2/options.runner" "$2/options.node"; then
    pass "same options traced-run wasm-observe"
  else
    fail "same options traced-run wasm-observe" "only traced-run: $(comm -23 "$2/options.runner" "$2/options.node" | tr '\n' ' ')only wasm-observe: $(comm -13 "$2/options.runner" "$2/options.node" | tr '\n' ' ')"
  fi
}

# ---- main ---------------------------------------------------------------------------------

if [[ $HAVE_ALL == 1 ]]; then
  running=0
  for job in "$FIXTURES"/c/*.c trap misbehave; do
    case $job in
      trap) run_trap & ;;
      misbehave) run_misbehave & ;;
      *) run_fixture "$job" & ;;
    esac
    running=$((running + 1))
    if ((running >= JOBS)); then
      wait -n
      running=$((running - 1))
    fi
  done
  wait

  RES=$RESULTS/90-consumers
  {
    echo '['
    first=1
    for f in "$CASES"/*.json; do
      [[ -f $f ]] || continue
      ((first)) || echo ','
      first=0
      cat "$f"
    done
    echo ']'
  } >"$WORK/cases.json"
  if ! "$NODE" "$HERE/check-traces.mjs" "$WORK/cases.json" >"$WORK/consumers.out" 2>"$WORK/consumers.err"; then
    grep -qE '^(PASS|FAIL) ' "$WORK/consumers.out" ||
      fail "check-traces" "exited without results: $(head -c 300 "$WORK/consumers.err" | tr '\n' ' ')"
  fi
  grep -E '^(PASS|FAIL) ' "$WORK/consumers.out" >>"$RES"
fi

# ---- report ----------------------------------------------------------------------------

cat "$RESULTS"/* 2>/dev/null | sed '/^$/d' >"$WORK/results.txt"
cat "$WORK/results.txt"
npass=$(grep -c '^PASS ' "$WORK/results.txt")
nfail=$(grep -c '^FAIL ' "$WORK/results.txt")
echo "work dir: $WORK" >&2
echo "$npass passed, $nfail failed, 0 skipped"
((nfail == 0))
