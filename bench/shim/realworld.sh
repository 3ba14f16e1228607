#!/usr/bin/env bash
# Recording on real workloads in Node: sql.js (SQLite, emscripten C) and
# brotli-wasm (Rust), instrumented with wasm-instrument and run under
# runtime-shim/node/register.mjs (bench/shim/README.md, "Real workloads").
#
#   bench/shim/realworld.sh [sqljs] [brotli]     (default: both)
#
# Environment:
#   BENCH_RW_RUNS          processes per configuration, best of them (default 5)
#   BENCH_RW_PASSES        timed passes of the workload in each process (default
#                          3); the table gives the first (cold) and the best of
#                          the others (warm)
#   BENCH_RW_REGISTER      the preload (default runtime-shim/node/register.mjs;
#                          e.g. a modified copy, to measure it)
#   BENCH_RW_SQLJS_SCALE, BENCH_RW_SQLJS_TRACE_SCALE     workload size (default 1;
#                          0.02 with full tracing, whose OTLP file grows by ~420
#                          bytes a span)
#   BENCH_RW_BROTLI_SCALE, BENCH_RW_BROTLI_TRACE_SCALE   (default 3; 0.02)
#   BENCH_WORK             keep the modules and outputs in this directory
#   WASM_INSTRUMENT        the tool (default build/wasm-instrument)
#   NODE                   (default node)
#
# Everything is compared with baselines measured in the same run, the
# configurations interleaved (round-robin, the order rotated every round).
# Prints one markdown table on stdout, then one line per goal (met / not met).
# Progress goes to stderr. It reports, it does not assert: the exit status is 0
# unless the benchmark itself could not run (a missing tool); a package that
# cannot be fetched (no network) is a SKIP line.
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
node=${NODE:-node}
runs=${BENCH_RW_RUNS:-5}
passes=${BENCH_RW_PASSES:-3}
backends=(wasm32) # the recorder: the C one compiled to wasm32 (the JS recorder was removed)
register=${BENCH_RW_REGISTER:-$root/runtime-shim/node/register.mjs}
# The rows measure the cost of every span: muting and the span budget, on by
# default, are lifted for every case.
export WASM_OBSERVE_MUTE_AFTER=never WASM_OBSERVE_SPAN_RATE=unlimited WASM_OBSERVE_MAX_FILE_SIZE=unlimited

# The issue's goals (issue 3, "Performance").
goal_all=3      # every function, aggregate mode, x uninstrumented
goal_bound=1.05 # only the boundaries, x uninstrumented

say() { echo "bench/shim/realworld: $*" >&2; }
die() { say "$*"; exit 2; }

for v in runs passes; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ -z ${BENCH_RW_BACKENDS:-} || $BENCH_RW_BACKENDS == wasm32 ]] ||
  die "BENCH_RW_BACKENDS is gone: the C recorder (wasm32) is the only one (the JS recorder was removed)"
[[ -x $tool ]] || die "no tool at $tool (build it: ./run build)"
[[ -f $register ]] || die "no preload at $register"
command -v "$node" >/dev/null || die "no $node"
command -v wasm-opt >/dev/null || die "wasm-opt is missing (Debian package binaryen)"

# workload: name, driver, package .wasm, import regex, scale, trace scale
declare -A w_driver w_wasm w_scale w_tscale w_what w_sites_all w_sites_bound
w_driver[sqljs]=$here/sqljs-workload.mjs
w_wasm[sqljs]=$root/tests/realworld/node_modules/sql.js/dist/sql-wasm.wasm
w_scale[sqljs]=${BENCH_RW_SQLJS_SCALE:-1}
w_tscale[sqljs]=${BENCH_RW_SQLJS_TRACE_SCALE:-0.02}
w_what[sqljs]="sql.js 1.16.0 (SQLite, emscripten)"
w_driver[brotli]=$here/brotli-workload.mjs
w_wasm[brotli]=$here/node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm
w_scale[brotli]=${BENCH_RW_BROTLI_SCALE:-3}
w_tscale[brotli]=${BENCH_RW_BROTLI_TRACE_SCALE:-0.02}
w_what[brotli]="brotli-wasm 3.0.1 (Rust, wasm-bindgen)"

workloads=("$@")
((${#workloads[@]})) || workloads=(sqljs brotli)
for w in "${workloads[@]}"; do [[ -n ${w_driver[$w]:-} ]] || die "unknown workload '$w' (sqljs, brotli)"; done

if [[ -n ${BENCH_WORK:-} ]]; then
  work=$BENCH_WORK
  mkdir -p "$work" || die "cannot create $work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
cp "$tool" "$work/wasm-instrument" || die "cannot copy the tool"
tool=$work/wasm-instrument
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
notes=()
skips=()

# ------------------------------------------------------------------ fetch

# fetch SCRIPT: 0 when the packages are there; else a reason in $fetch_reason.
fetch() {
  local err code
  if err=$("$1" 2>&1); then return 0; fi
  code=$(sed -n 's/^npm error code //p' <<<"$err" | head -n 1)
  fetch_reason="fetching the npm packages failed: ${code:-$(grep -v 'npm ci failed:' <<<"$err" | head -n 1 | cut -c1-200)}"
  case $code in
    ECONNREFUSED | ENOTFOUND | EAI_AGAIN | ETIMEDOUT | ECONNRESET | ENETUNREACH | EHOSTUNREACH | ERR_SOCKET_TIMEOUT)
      fetch_reason+=" (no network?)" ;;
  esac
  return 1
}
active=()
for w in "${workloads[@]}"; do
  case $w in
    sqljs) script=$root/tests/realworld/fetch.sh ;;
    brotli) script=$here/fetch.sh ;;
  esac
  if fetch "$script"; then active+=("$w"); else skips+=("SKIP $w: $fetch_reason"); fi
done

# The wasm32 recorder is built into a cache on first use: build it now, untimed.
if ! why=$("$node" --input-type=module -e "
    const m = await import('$root/runtime-shim/node/wasm32-recorder.mjs');
    m.wasm32RecorderPath();" 2>&1); then
  notes+=("the wasm32 recorder cannot be built, its rows are left out: $(tail -1 <<<"$why")")
  backends=()
fi

# The hooks of a sampling profiler, for comparison (count-hooks.wat).
calls_hooks=
if command -v wat2wasm >/dev/null && wat2wasm "$here/count-hooks.wat" -o "$work/count-hooks.wasm" 2>/dev/null; then
  calls_hooks=$work/count-hooks.wasm
else
  notes+=("no wat2wasm (Debian package wabt): the row 'call counts and a shadow stack, no clock' is left out")
fi

# Aggregate mode with sampled profile timing (profileTiming 'sampled': exact
# call counts, times from a sampling thread, no clock read in the hooks, which
# are wasm), where the preload has WASM_OBSERVE_PROFILE_TIMING.
sampled=1
if ! grep -q WASM_OBSERVE_PROFILE_TIMING "$register"; then
  sampled=
  notes+=("$register has no WASM_OBSERVE_PROFILE_TIMING: the rows 'every function, aggregate, sampled time' are left out")
fi

# ------------------------------------------------------------------ modules

# kinds FILE [ARGS...]: "I E F", the import, export and function sites selected.
kinds() {
  "$tool" "$@" --list | awk '!/^#/ { k[$2]++ } END { printf "%d %d %d", k["import"], k["export"], k["function"] }'
}
ready=()
for w in "${active[@]+"${active[@]}"}"; do
  d=$work/$w
  mkdir -p "$d"
  src=${w_wasm[$w]}
  say "$w: building the modules"
  cp "$src" "$d/base.wasm"
  if ! wasm-opt "$src" -o "$d/wasmopt.wasm" --all-features 2>"$d/err" ||
    ! "$tool" "$src" -o "$d/all.wasm" 2>>"$d/err"; then
    skips+=("SKIP $w: building the modules failed: $(head -1 "$d/err")")
    continue
  fi
  # Only the boundaries: every import call and every export entry, no function
  # spans (--no-functions). Checked below with --list.
  bound_args=(--no-functions)
  "$tool" "$src" -o "$d/bound.wasm" "${bound_args[@]}" 2>>"$d/err" || {
    skips+=("SKIP $w: instrumenting the boundaries failed: $(head -1 "$d/err")")
    continue
  }
  read -r ai ae af < <(kinds "$src")
  read -r bi be bf < <(kinds "$src" "${bound_args[@]}")
  w_sites_all[$w]="$ai import, $ae export, $af function sites"
  w_sites_bound[$w]="$bi import, $be export sites"
  if ((bi != ai || be != ae || bf != 0)); then
    notes+=("$w: the boundaries-only selection is not exact: $bi/$ai import, $be/$ae export, $bf function sites")
    w_sites_bound[$w]="$bi import, $be export, $bf function sites"
  fi
  ready+=("$w")
done

# ------------------------------------------------------------------ measure

declare -A best1 bestl ref spans counters fsize
# one KEY WORKLOAD MODULE SCALE ENV...: runs the driver once; keeps the best
# first-pass and last-pass times (ns), the recorder's counters line and the
# size of the OTLP file.
one() {
  local key=$1 w=$2 m=$3 scale=$4 p ns r
  shift 4
  local d=$work/$w
  rm -f "$d/trace.jsonl"
  env "$@" WASM_PATH="$d/$m.wasm" "$node" ${reg:+--import "$register"} "${w_driver[$w]}" "$scale" "$passes" \
    >"$d/out" 2>"$d/err"
  r=$?
  if ((r != 0)) || [[ $(grep -c '^workload: pass=' "$d/err") != "$passes" ]]; then
    notes+=("$w $key failed (exit $r): $(grep -v '^workload:' "$d/err" | head -1)")
    return
  fi
  # Every pass must print the same checksum as the baseline's.
  local sum
  sum=$(sort -u "$d/out")
  if [[ $(wc -l <<<"$sum") != 1 || $sum != result:* ]]; then
    notes+=("$w $key: passes printed different results: $(tr '\n' ' ' <"$d/out")")
    return
  fi
  local rk=$w.$scale
  if [[ -z ${ref[$rk]:-} ]]; then
    ref[$rk]=$sum
  elif [[ ${ref[$rk]} != "$sum" ]]; then
    notes+=("$w $key: result $sum differs from ${ref[$rk]}: not timed")
    return
  fi
  while read -r p ns; do
    if ((p == 1)); then
      [[ -z ${best1[$w.$key]:-} || $ns -lt ${best1[$w.$key]} ]] && best1[$w.$key]=$ns
    fi
    if ((p > 1 || passes == 1)); then
      [[ -z ${bestl[$w.$key]:-} || $ns -lt ${bestl[$w.$key]} ]] && bestl[$w.$key]=$ns
    fi
  done < <(sed -nE 's/^workload: pass=([0-9]+) ns=([0-9]+).*/\1 \2/p' "$d/err")
  local c
  c=$(sed -n 's/^wasm-observe: //p' "$d/err" | tail -1)
  [[ -n $c ]] && counters[$w.$key]=$c
  [[ -f $d/trace.jsonl ]] && fsize[$w.$key]=$(stat -c %s "$d/trace.jsonl")
  rm -f "$d/trace.jsonl"
}

# The spans (enter/exit pairs) of each pass: JS hooks that count, untimed.
for w in "${ready[@]+"${ready[@]}"}"; do
  say "$w: counting the spans"
  for c in all:"${w_scale[$w]}" bound:"${w_scale[$w]}" all:"${w_tscale[$w]}"; do
    m=${c%%:*} s=${c#*:}
    reg='' one "count.$m.$s" "$w" "$m" "$s" BENCH_HOOKS=count
    spans[$w.$m.$s]=$(sed -nE "s/^workload: pass=$((passes > 1 ? 2 : 1)) ns=[0-9]+ enters=([0-9]+).*/\1/p" "$work/$w/err")
  done
done

# Cases: "KEY MODULE SCALE-KIND REG ENV...". REG=1 preloads register.mjs.
cases=()
for w in "${ready[@]+"${ready[@]}"}"; do
  cases+=("$w base base s 0" "$w wasmopt wasmopt s 0"
    "$w noop-wasm all s 0 BENCH_HOOKS=noop-wasm" "$w noop-js all s 1" "$w bound.noop bound s 0 BENCH_HOOKS=noop-wasm")
  [[ -n $calls_hooks ]] && cases+=("$w calls all s 0 BENCH_HOOKS=wasm:$calls_hooks")
  for b in "${backends[@]}"; do
    cases+=("$w bound.$b bound s 1 WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_BACKEND=$b"
      "$w profile.$b all s 1 WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_BACKEND=$b")
  done
  [[ -n $sampled ]] && cases+=("$w sampled.c all s 1 WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_PROFILE_TIMING=sampled"
    "$w bound.sampled bound s 1 WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_PROFILE_TIMING=sampled")
  cases+=("$w tbase base t 0")
  for b in "${backends[@]}"; do
    cases+=("$w trace.$b all t 1 WASM_OBSERVE_OTLP_FILE=$work/$w/trace.jsonl WASM_OBSERVE_COUNTERS=1 WASM_OBSERVE_BACKEND=$b")
  done
  # The same without the file: JSON encoding kept, the disk left out.
  for b in "${backends[@]}"; do
    cases+=("$w tracenull.$b all t 1 WASM_OBSERVE_OTLP_FILE=/dev/null WASM_OBSERVE_BACKEND=$b")
  done
done

run_case() {
  local w=$1 key=$2 m=$3 sk=$4 r=$5 scale
  shift 5
  [[ $sk == s ]] && scale=${w_scale[$w]} || scale=${w_tscale[$w]}
  if [[ $r == 1 ]]; then reg=1 one "$key" "$w" "$m" "$scale" "$@"; else reg='' one "$key" "$w" "$m" "$scale" "$@"; fi
}
count=${#cases[@]}
for ((r = 0; r < runs; r++)); do
  say "round $((r + 1))/$runs ($count configurations)"
  for ((k = 0; k < count; k++)); do
    # shellcheck disable=SC2086 # a case is split into words on purpose
    run_case ${cases[$(((k + r * 3) % count))]}
  done
done

# ------------------------------------------------------------------ report

ms() { awk -v ns="$1" 'BEGIN { printf (ns < 1e10 ? "%.0f ms" : "%.1f s"), (ns < 1e10 ? ns / 1e6 : ns / 1e9) }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { printf (a / b < 1.2 ? "%.3fx" : "%.2fx"), a / b }'; }
# per T BASE N: ns per span above BASE; less than 2% of BASE above it is noise.
per() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
    d = a - b
    if (d < 0.02 * b) print "~0 (within noise)"; else printf "%.1f", n ? d / n : 0 }'
}
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 <= g + 0 ? "MET" : "NOT MET") }'; }
count() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.2fM", n / 1e6; else if (n >= 1e3) printf "%.1fk", n / 1e3; else print n }'; }
label() {
  case $1 in
    base) echo "uninstrumented" ;;
    wasmopt) echo "\`wasm-opt --all-features\` round trip (Binaryen's rewrite alone)" ;;
    noop-wasm) echo "every function, no-op hooks in wasm (floor: the calls alone)" ;;
    noop-js) echo "every function, register.mjs with no output set (its no-op hooks, in wasm)" ;;
    calls) echo "every function, call counts + shadow stack in wasm, no clock (the hooks a sampling profiler needs; not a recorder)" ;;
    bound.sampled) echo "only the boundaries, aggregate (profile), sampled time (the C recorder, no clock)" ;;
    bound.noop) echo "only the boundaries, no-op hooks in wasm (floor)" ;;
    bound.*) echo "only the boundaries, aggregate (profile), ${1#bound.} recorder" ;;
    profile.*) echo "every function, aggregate (profile), ${1#profile.} recorder" ;;
    sampled.*) echo "every function, aggregate (profile), sampled time (the C recorder: exact call counts, no clock; a thread samples the current node every 100 us)" ;;
    tbase) echo "uninstrumented" ;;
    trace.*) echo "every function, full tracing → OTLP/JSON lines file, ${1#trace.} recorder" ;;
    tracenull.*) echo "every function, full tracing → OTLP/JSON to /dev/null, ${1#tracenull.} recorder" ;;
  esac
}

warm="passes 2-$passes (warm)"
((passes == 2)) && warm="pass 2 (warm)"
((passes == 1)) && warm="pass 1"
echo "| workload | configuration | spans per pass | pass 1 (cold) | x uninstr. | $warm | x uninstr. | x wasm-opt | ns per span | goal | result |"
echo "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|"
declare -A goal_lines
for w in "${ready[@]+"${ready[@]}"}"; do
  s=${w_scale[$w]} t=${w_tscale[$w]}
  for key in base wasmopt noop-wasm noop-js calls bound.noop $(for b in "${backends[@]}"; do echo "bound.$b"; done) bound.sampled \
    $(for b in "${backends[@]}"; do echo "profile.$b"; done) sampled.c tbase \
    $(for b in "${backends[@]}"; do echo "trace.$b tracenull.$b"; done); do
    k=$w.$key
    [[ -n ${bestl[$k]:-} ]] || continue
    case $key in
      base | wasmopt) b=base n=0 sc=$s ;;
      bound.*) b=base n=${spans[$w.bound.$s]:-0} sc=$s ;;
      tbase) b=tbase n=0 sc=$t ;;
      trace.* | tracenull.*) b=tbase n=${spans[$w.all.$t]:-0} sc=$t ;;
      *) b=base n=${spans[$w.all.$s]:-0} sc=$s ;;
    esac
    [[ -n ${bestl[$w.$b]:-} && -n ${best1[$w.$b]:-} ]] || continue
    wname="${w_what[$w]}, scale $sc"
    x1=$(x "${best1[$k]}" "${best1[$w.$b]}")
    xl=$(x "${bestl[$k]}" "${bestl[$w.$b]}")
    xo=""
    [[ $b == base && -n ${bestl[$w.wasmopt]:-} && $key != base ]] && xo=$(x "${bestl[$k]}" "${bestl[$w.wasmopt]}")
    nsps=""
    ((n > 0)) && nsps=$(per "${bestl[$k]}" "${bestl[$w.$b]}" "$n")
    goal="" res=""
    case $key in
      profile.* | sampled.*)
        goal="≤ ${goal_all}x" res=$(verdict "${xl%x}" "$goal_all")
        how="${key#*.} recorder"
        [[ $key == sampled.* ]] && how+=", sampled time"
        goal_lines[$k]="Goal every function in aggregate mode ≤ ${goal_all}x ($w, $how; ${w_sites_all[$w]}): $res: ${xl} warm, ${x1} cold (${nsps} ns per span above uninstrumented; $(count "$n") spans in a pass of $(ms "${bestl[$w.base]}") uninstrumented: one every $(awk -v a="${bestl[$w.base]}" -v n="$n" 'BEGIN { printf "%.1f", a / n }') ns)"
        ;;
      bound.noop) ;; # the floor: no goal
      bound.*)
        goal="≤ ${goal_bound}x" res=$(verdict "${xl%x}" "$goal_bound")
        how="${key#bound.} recorder"
        [[ $key == bound.sampled ]] && how="sampled time"
        goal_lines[$k]="Goal only the boundaries ≤ ${goal_bound}x ($w, $how; ${w_sites_bound[$w]}): $res: ${xl} warm, ${x1} cold ($(count "$n") spans a pass, one every $(awk -v a="${bestl[$w.base]}" -v n="$n" 'BEGIN { printf "%.0f", a / n }') ns of the uninstrumented pass; ns each above uninstrumented: ${nsps})"
        ;;
      trace.*)
        goal="(reported)"
        c=${counters[$k]:-}
        rec=$(sed -nE 's/.*"spansRecorded":([0-9]+).*/\1/p' <<<"$c")
        extra=""
        [[ -n ${fsize[$k]:-} && -n $rec && $rec != 0 ]] &&
          extra="; file $(awk -v b="${fsize[$k]}" 'BEGIN { printf "%.0f MB", b / 1e6 }'), $(awk -v b="${fsize[$k]}" -v n="$rec" 'BEGIN { printf "%.0f", b / n }') bytes a span, $rec spans recorded in the process"
        goal_lines[$k]="Full tracing ($w, ${key#trace.} recorder, scale $t): $(ms "${bestl[$k]}") for a pass of $(count "$n") spans ($(ms "${bestl[$w.tbase]}") uninstrumented, ${xl}), ${nsps} ns per span above uninstrumented; cold pass $(ms "${best1[$k]}")$extra"
        ;;
      tracenull.*) goal="(reported)" ;;
    esac
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$wname" "$(label "$key")" \
      "$( ((n > 0)) && count "$n")" "$(ms "${best1[$k]}")" "$([[ $key == base || $key == tbase ]] || echo "$x1")" \
      "$(ms "${bestl[$k]}")" "$([[ $key == base || $key == tbase ]] || echo "$xl")" "$xo" "$nsps" "$goal" "$res"
  done
done
echo
echo "Times: the workload alone (process.hrtime.bigint() around each pass, in the process: not node's startup, compiling the module, or what the recorder does at exit), best of $runs interleaved processes; pass 1 includes V8's lazy compilation and tier-up of the functions it runs, the later passes (best of them) run them optimised. Ratios and ns per span from the warm pass; ns per span: time above the uninstrumented baseline of the same size, divided by the spans of one pass (enter/exit pairs, counted by JS hooks). Aggregate mode: register.mjs with WASM_OBSERVE_FOLDED=/dev/null (sampled time: and WASM_OBSERVE_PROFILE_TIMING=sampled). Node $("$node" --version)."
echo
for w in "${ready[@]+"${ready[@]}"}"; do
  for key in $(for b in "${backends[@]}"; do echo "profile.$b"; done) sampled.c $(for b in "${backends[@]}"; do echo "bound.$b"; done) bound.sampled \
    $(for b in "${backends[@]}"; do echo "trace.$b"; done); do
    [[ -n ${goal_lines[$w.$key]:-} ]] && echo "${goal_lines[$w.$key]}"
  done
done
for s in "${skips[@]+"${skips[@]}"}"; do echo "$s"; done
echo "Machine: $(nproc) cores, $(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); load average (1 min) $load_start at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) at the end (this benchmark alone adds about 1)"
for note in "${notes[@]+"${notes[@]}"}"; do echo "Note: $note"; done
exit 0
