#!/usr/bin/env bash
# Benchmark of the host side, libwasm-observe (bench/shim/README.md).
#
#   bench/shim/run.sh
#
# Environment:
#   BENCH_SHIM_RUNS     timed runs of each case, best of them (default 3)
#   BENCH_SHIM_N        calls in the micro-benchmark (default 10000000)
#   BENCH_SHIM_N_OTLP   calls when spans are written as OTLP JSON (default 1000000)
#   BENCH_SHIM_N_AGG    calls for the aggregate-mode memory run (default 100000000)
#   BENCH_SHIM_ROUNDS   textkit ROUNDS for the real workload (default 100)
#   BENCH_SHIM_ROUNDS_OTLP  textkit ROUNDS with OTLP output (default 10)
#   BENCH_SHIM_NODE     0 to leave out the Node part (default 1)
#   BENCH_SHIM_NODE_N, BENCH_SHIM_NODE_ROUNDS  tests/node-host/bench.sh N ROUNDS
#                       (default 2000000 3)
#   BENCH_WORK          keep the builds and outputs in this directory
#   WASM_INSTRUMENT     the tool (default build/wasm-instrument)
#   WASM_OBSERVE_LIB    the library (default build/libwasm-observe.a)
#
# Everything is compared with baselines measured in the same run. Prints one
# markdown table on stdout, then one line per goal (met / not met). Progress
# goes to stderr. It reports, it does not assert: the exit status is 0 unless
# the benchmark itself could not run (a missing tool or a failed build).
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
lib=${WASM_OBSERVE_LIB:-$root/build/libwasm-observe.a}
runs=${BENCH_SHIM_RUNS:-3}
n_micro=${BENCH_SHIM_N:-10000000}
n_otlp=${BENCH_SHIM_N_OTLP:-1000000}
n_agg=${BENCH_SHIM_N_AGG:-100000000}
rounds=${BENCH_SHIM_ROUNDS:-100}
rounds_otlp=${BENCH_SHIM_ROUNDS_OTLP:-10}
node_n=${BENCH_SHIM_NODE_N:-2000000}
node_rounds=${BENCH_SHIM_NODE_ROUNDS:-3}
example=$root/runtime-shim/wasm2c/example
wasm2c_rt=${WASM2C_RT:-/usr/share/wabt/wasm2c}
timer=/usr/bin/time
CC=${CC:-cc}
WASM_CC=${WASM_CC:-clang}

# The issue's goals (issue 3, "Performance").
goal_span_ns=30        # wasm2c host: ns per recorded span
goal_node_ns=100       # Node host: ns per recorded span
goal_rss_mib=64        # aggregate mode, 10^8 calls
goal_all=3             # every function, aggregate mode, x uninstrumented
goal_bound=1.05        # only the boundaries, x uninstrumented

say() { echo "bench/shim: $*" >&2; }
die() { say "$*"; exit 2; }

for v in runs n_micro n_otlp n_agg rounds rounds_otlp node_n node_rounds; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ -x $tool ]] || die "no tool at $tool (build it: ./run build)"
[[ -f $lib ]] || die "no library at $lib (build it: ./run build)"
[[ -x $timer ]] || die "$timer is missing (Debian package 'time')"
for t in wasm2c "$WASM_CC" "$CC"; do command -v "$t" >/dev/null || die "$t is missing"; done

if [[ -n ${BENCH_WORK:-} ]]; then
  work=$BENCH_WORK
  mkdir -p "$work" || die "cannot create $work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
# Copies: a rebuild during the run must not mix two versions in one table.
{ cp "$tool" "$work/wasm-instrument" && cp "$lib" "$work/libwasm-observe.a"; } || die "cannot copy the tool or the library"
tool=$work/wasm-instrument lib=$work/libwasm-observe.a
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
notes=()

# ------------------------------------------------------------------ build

wasm_build() { # SRC OUT: as bench/run.sh builds its fixture (-O2, link without -O)
  "$WASM_CC" --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" -O2 -std=c17 -c "$1" -o "$2.o" &&
    "$WASM_CC" --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" "$2.o" -lm -Wl,--strip-debug -o "$2"
}

say "building the workloads"
wasm_build "$here/loop.c" "$work/loop.wasm" 2>"$work/build.log" || die "loop.c: $(head -3 "$work/build.log")"
wasm_build "$root/bench/fixture/textkit.c" "$work/textkit.wasm" 2>"$work/build.log" ||
  die "textkit.c: $(head -3 "$work/build.log")"
# Every function, import and export boundaries (the defaults).
"$tool" "$work/loop.wasm" -o "$work/loop.all.wasm" || die "wasm-instrument failed on loop.wasm"
"$tool" "$work/textkit.wasm" -o "$work/textkit.all.wasm" || die "wasm-instrument failed on textkit.wasm"
# Only the boundaries: imports are named module.field and an export-entry site
# matches its export name, so these select the WASI import calls and the entry
# through the `_start` export. The defined function `_start` has the same name
# and is selected with it: one span more, once per run.
bound_args=(--include '^wasi_snapshot_preview1\.' --include '^_start$')
"$tool" "$work/textkit.wasm" -o "$work/textkit.bound.wasm" "${bound_args[@]}" ||
  die "wasm-instrument failed on textkit.wasm (boundaries)"
bound_sites=$("$tool" "$work/textkit.wasm" --list "${bound_args[@]}" | awk '!/^#/ { k[$2]++ } END { printf "%d import, %d export, %d function sites", k["import"], k["export"], k["function"] }')
all_sites=$("$tool" "$work/textkit.wasm" --list | awk '!/^#/ { k[$2]++ } END { printf "%d import, %d export, %d function sites", k["import"], k["export"], k["function"] }')

# The host (host.c), linked against build.sh's objects in place of traced-run.o.
inc=(-I"$example" -I"$example/.." -I"$root/runtime-shim/include" -I"$wasm2c_rt")
"$CC" -O2 -g "${inc[@]}" -c "$here/host.c" -o "$work/host.o" 2>"$work/build.log" ||
  die "host.c: $(head -3 "$work/build.log")"
"$CC" -O2 "$here/clock-floor.c" -o "$work/clock-floor" 2>"$work/build.log" ||
  die "clock-floor.c: $(head -3 "$work/build.log")"
host_build() { # NAME: wasm2c NAME.wasm, link NAME/host
  local o=$work/$1
  WASM_OBSERVE_LIB=$lib "$example/build.sh" "$work/$1.wasm" "$o" >"$o.log" 2>&1 &&
    "$CC" "$work/host.o" "$o/run_start.o" "$o/glue.o" "$o/app.o" "$o/wasm_observe_wasm2c.o" "$o/wasi.o" \
      "$o/wasm-rt-impl.o" "$lib" -liberty -lpthread -lm -o "$o/host" >>"$o.log" 2>&1
}
say "compiling with wasm2c (5 modules)"
pids=()
for m in loop loop.all textkit textkit.all textkit.bound; do
  host_build "$m" &
  pids+=($!)
  # Two at a time.
  if ((${#pids[@]} == 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait
for m in loop loop.all textkit textkit.all textkit.bound; do
  [[ -x $work/$m/host ]] || die "building the wasm2c host for $m failed: $(grep -m1 -i error "$work/$m.log")"
done

# ------------------------------------------------------------------ measure

declare -A best enters
# run KEY MODULE MODE ARGS...: one run; keeps the best time (ns, the host's own
# measure from instantiation through wo_recorder_finish) and the span counts.
run() {
  local key=$1 m=$2 mode=$3 line ns
  shift 3
  "$work/$m/host" "$mode" "$work/$m.wasm" "$@" >/dev/null 2>"$work/err.txt"
  line=$(grep '^shim-bench:' "$work/err.txt")
  if [[ -z $line || $line != *" exit=0" ]]; then
    notes+=("$key failed: $(grep -v '^shim-bench:' "$work/err.txt" | head -1) $line")
    return
  fi
  ns=$(sed -E 's/.* ns=([0-9]+).*/\1/' <<<"$line")
  enters[$key]=$(sed -E 's/.* enters=([0-9]+).*/\1/' <<<"$line")
  [[ -z ${best[$key]:-} || $ns -lt ${best[$key]} ]] && best[$key]=$ns
}

# Every case, interleaved: round-robin over the cases, the order rotated.
cases=(
  "m.plain loop plain $n_micro"
  "m.off loop.all off $n_micro"
  "m.profile loop.all profile $n_micro"
  "m.spans loop.all spans-null $n_micro"
  "m.both loop.all both-null $n_micro"
  "o.plain loop plain $n_otlp"
  "o.spans loop.all spans-otlp $n_otlp"
  "o.both loop.all both-otlp $n_otlp"
  "t.plain textkit plain $rounds"
  "t.bound textkit.bound profile $rounds"
  "t.off textkit.all off $rounds"
  "t.profile textkit.all profile $rounds"
  "t.spans textkit.all spans-null $rounds"
  "t.both textkit.all both-null $rounds"
  "to.plain textkit plain $rounds_otlp"
  "to.spans textkit.all spans-otlp $rounds_otlp"
)
# The recorder with its calibrated TSC clock (WO_CLOCK_TSC; x86-64).
[[ $(uname -m) == x86_64 ]] && cases+=("m.ptsc loop.all profile-tsc $n_micro" "m.stsc loop.all spans-tsc $n_micro")
# Warm-up (page cache, binaries), untimed.
run warm loop.all profile 1000
run warm textkit.all profile 1
for ((r = 0; r < runs; r++)); do
  say "timed round $((r + 1))/$runs"
  count=${#cases[@]}
  for ((k = 0; k < count; k++)); do
    # shellcheck disable=SC2086 # a case is split into words on purpose
    run ${cases[$(((k + r * 5) % count))]}
  done
done

say "clock floor"
read -r clock_line < <("$work/clock-floor" "$n_micro" "$runs")
clock_pair=$(sed -nE 's/.*clock_pair=([0-9.]+).*/\1/p' <<<"$clock_line")
rdtsc_pair=$(sed -nE 's/.*rdtsc_pair=([0-9.]+).*/\1/p' <<<"$clock_line")

say "aggregate mode on $n_agg calls (max RSS)"
agg_rss="" agg_ns="" agg_enters=""
if "$timer" -f '%M' -o "$work/agg.time" "$work/loop.all/host" profile "$work/loop.all.wasm" "$n_agg" \
    >/dev/null 2>"$work/agg.err"; then
  agg_rss=$(tail -1 "$work/agg.time")
  agg_ns=$(sed -nE 's/.* ns=([0-9]+).*/\1/p' "$work/agg.err")
  agg_enters=$(sed -nE 's/.* enters=([0-9]+).*/\1/p' "$work/agg.err")
else
  notes+=("the aggregate-mode run failed: $(head -1 "$work/agg.err")")
fi
# The same host on an uninstrumented run of 1000 calls: what the process needs anyway.
base_rss=
if "$timer" -f '%M' -o "$work/base.time" "$work/loop/host" plain "$work/loop.wasm" 1000 >/dev/null 2>&1; then
  base_rss=$(tail -1 "$work/base.time")
fi

node_out=
if [[ ${BENCH_SHIM_NODE:-1} != 0 ]]; then
  if command -v "${NODE:-node}" >/dev/null && command -v wat2wasm >/dev/null; then
    say "Node: tests/node-host/bench.sh $node_n $node_rounds"
    node_out=$(WASM_INSTRUMENT=$tool "$root/tests/node-host/bench.sh" "$node_n" "$node_rounds" 2>"$work/node.err") ||
      { notes+=("tests/node-host/bench.sh failed: $(head -1 "$work/node.err")"); node_out=; }
  else
    notes+=("Node part left out: no node or no wat2wasm")
  fi
fi

# ------------------------------------------------------------------ report

f1() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ms() { awk -v ns="$1" 'BEGIN { printf (ns < 1e9 ? "%.1f ms" : "%.2f s"), (ns < 1e9 ? ns / 1e6 : ns / 1e9) }'; }
# calls KEY: the spans (enter/exit pairs) of a case; with no-op hooks the
# recorder sees nothing, so the count of the same workload in profile mode.
calls() {
  case $1 in
    m.off) echo "${enters[m.profile]:-0}" ;;
    t.off) echo "${enters[t.profile]:-0}" ;;
    *) echo "${enters[$1]:-0}" ;;
  esac
}
# per KEY BASE: ns per span of KEY above BASE (both measured on the same N).
per() { awk -v a="${best[$1]}" -v b="${best[$2]}" -v n="$(calls "$1")" 'BEGIN { printf "%.4f", n ? (a - b) / n : 0 }'; }
ratio() { awk -v a="${best[$1]}" -v b="${best[$2]}" 'BEGIN { printf "%.4f", a / b }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 <= g + 0 ? "met" : "not met") }'; }
have() { local k; for k; do [[ -n ${best[$k]:-} ]] || return 1; done; }
count() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.2fM", n / 1e6; else if (n >= 1e3) printf "%.1fk", n / 1e3; else print n }'; }

declare -A goal_line
echo "| part | case | calls / spans | time | ns per span | compared with | goal | result |"
echo "|---|---|--:|--:|--:|---|---|---|"
row() { printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }

P1="1. wasm2c, loop"
row "$P1" "floor: \`clock_gettime(CLOCK_MONOTONIC)\` pair" "$(count "$n_micro")" "" "$(f1 "${clock_pair:-0}")" "two reads, native; the recorder reads this clock once in enter and once in exit" "" ""
[[ -n $rdtsc_pair ]] && row "$P1" "floor: \`rdtsc\` pair (for comparison)" "$(count "$n_micro")" "" "$(f1 "$rdtsc_pair")" "a TSC clock; not used by the recorder" "" ""
if have m.plain; then
  row "$P1" "floor: uninstrumented loop" "$(count "$n_micro")" "$(ms "${best[m.plain]}")" \
    "$(awk -v a="${best[m.plain]}" -v n="$n_micro" 'BEGIN { printf "%.1f", a / n }') per call" "" "" ""
fi
if have m.plain m.off; then
  row "$P1" "floor: no-op hooks (\`--off\`, NULL recorder)" "$(count "$(calls m.off)") spans" "$(ms "${best[m.off]}")" \
    "$(f1 "$(per m.off m.plain)")" "above uninstrumented" "" ""
fi
worst_span="" worst_span_at=""
for c in profile:"profile (aggregate call tree)" spans:"spans, discarding exporter" both:"spans + profile, discarding exporter"; do
  k=m.${c%%:*} label=${c#*:}
  have "$k" m.plain m.off || continue
  v=$(per "$k" m.plain)
  rec=$(per "$k" m.off)
  clockless=$(awk -v r="$rec" -v c="${clock_pair:-0}" 'BEGIN { printf "%.1f", r - c }')
  row "$P1" "$label" "$(count "$(calls "$k")") spans" "$(ms "${best[$k]}")" "$(f1 "$v")" \
    "above uninstrumented; $(f1 "$rec") above no-op hooks, of which the clock pair $(f1 "${clock_pair:-0}") and the recorder's own work $clockless" \
    "≤ $goal_span_ns ns" "$(verdict "$v" "$goal_span_ns")"
  if [[ -z $worst_span ]] || (($(awk -v a="$worst_span" -v b="$v" 'BEGIN { print (b > a) }'))); then
    worst_span=$v worst_span_at=$label
  fi
done
worst_tsc="" worst_tsc_at=""
for c in ptsc:"profile, clock WO_CLOCK_TSC" stsc:"spans, discarding exporter, clock WO_CLOCK_TSC"; do
  k=m.${c%%:*} label=${c#*:}
  have "$k" m.plain m.off || continue
  v=$(per "$k" m.plain)
  row "$P1" "$label" "$(count "$(calls "$k")") spans" "$(ms "${best[$k]}")" "$(f1 "$v")" \
    "above uninstrumented; $(f1 "$(per "$k" m.off)") above no-op hooks; the recorder's calibrated TSC clock (wo_options.clock)" "≤ $goal_span_ns ns" "$(verdict "$v" "$goal_span_ns")"
  if [[ -z $worst_tsc ]] || (($(awk -v a="$worst_tsc" -v b="$v" 'BEGIN { print (b > a) }'))); then
    worst_tsc=$v worst_tsc_at=$label
  fi
done
for c in spans:"spans → OTLP/JSON lines to /dev/null" both:"spans + profile → OTLP/JSON to /dev/null"; do
  k=o.${c%%:*} label=${c#*:}
  have "$k" o.plain || continue
  row "$P1" "$label" "$(count "$(calls "$k")") spans" "$(ms "${best[$k]}")" "$(f1 "$(per "$k" o.plain)")" \
    "above uninstrumented ($(count "$n_otlp") calls); includes JSON encoding and write()" "(reported)" ""
done

P2="2. aggregate memory"
if [[ -n $agg_rss ]]; then
  rss_mib=$(awk -v k="$agg_rss" 'BEGIN { printf "%.1f", k / 1024 }')
  row "$P2" "profile, loop of $(count "$n_agg") calls: max RSS $rss_mib MiB" "$(count "$agg_enters") enters" "$(ms "$agg_ns")" \
    "$(awk -v a="$agg_ns" -v n="$agg_enters" 'BEGIN { printf "%.1f", a / n }') (total)" \
    "the same host, uninstrumented, 1000 calls: ${base_rss:+$(awk -v k="$base_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB}" \
    "< $goal_rss_mib MiB" "$(awk -v v="$rss_mib" -v g="$goal_rss_mib" 'BEGIN { print (v < g ? "met" : "not met") }')"
fi

P3="3. wasm2c, textkit"
if have t.plain; then
  row "$P3" "uninstrumented, ROUNDS=$rounds" "" "$(ms "${best[t.plain]}")" "" "" "" ""
  if have t.bound; then
    v=$(ratio t.bound t.plain)
    row "$P3" "only the boundaries, profile ($bound_sites)" "$(count "$(calls t.bound)") spans" "$(ms "${best[t.bound]}")" \
      "" "$(awk -v v="$v" 'BEGIN { printf "%.3fx", v }') uninstrumented" "≤ ${goal_bound}x" "$(verdict "$v" "$goal_bound")"
    goal_line[bound]="$(verdict "$v" "$goal_bound"): $(awk -v v="$v" 'BEGIN { printf "%.3fx", v }')"
  fi
  if have t.off; then
    row "$P3" "every function, no-op hooks ($all_sites)" "$(count "$(calls t.off)") spans" "$(ms "${best[t.off]}")" \
      "$(f1 "$(per t.off t.plain)")" "$(awk -v v="$(ratio t.off t.plain)" 'BEGIN { printf "%.2fx", v }') uninstrumented: the instrumentation alone" "" ""
  fi
  if have t.profile; then
    v=$(ratio t.profile t.plain)
    row "$P3" "every function, profile" "$(count "$(calls t.profile)") spans" "$(ms "${best[t.profile]}")" \
      "$(f1 "$(per t.profile t.plain)")" "$(awk -v v="$v" 'BEGIN { printf "%.2fx", v }') uninstrumented${best[t.off]:+; $(f1 "$(per t.profile t.off)") ns per span above no-op hooks}" "≤ ${goal_all}x" "$(verdict "$v" "$goal_all")"
    goal_line[all]="$(verdict "$v" "$goal_all"): $(awk -v v="$v" 'BEGIN { printf "%.2fx", v }') ($(count "${enters[t.profile]}") spans in $(ms "${best[t.plain]}") of uninstrumented run: one call every $(awk -v a="${best[t.plain]}" -v n="${enters[t.profile]}" 'BEGIN { printf "%.1f", a / n }') ns)"
  fi
  for c in spans:"every function, full tracing (spans, discarding exporter)" both:"every function, spans + profile, discarding exporter"; do
    k=t.${c%%:*}
    have "$k" || continue
    row "$P3" "${c#*:}" "$(count "$(calls "$k")") spans" "$(ms "${best[$k]}")" "$(f1 "$(per "$k" t.plain)")" \
      "$(awk -v v="$(ratio "$k" t.plain)" 'BEGIN { printf "%.2fx", v }') uninstrumented" "(reported)" ""
  done
fi
if have to.plain to.spans; then
  row "$P3" "every function, full tracing → OTLP/JSON to /dev/null, ROUNDS=$rounds_otlp" "$(count "$(calls to.spans)") spans" \
    "$(ms "${best[to.spans]}")" "$(f1 "$(per to.spans to.plain)")" \
    "$(awk -v v="$(ratio to.spans to.plain)" 'BEGIN { printf "%.1fx", v }') uninstrumented ($(ms "${best[to.plain]}") at ROUNDS=$rounds_otlp)" "(reported)" ""
fi

P4="4. Node"
node_best="" node_best_at="" node_ver=""
if [[ -n $node_out ]]; then
  node_ver=$(head -1 <<<"$node_out" | cut -d, -f1)
  while read -r ns unit label; do
    [[ $unit == ns ]] || continue
    label=${label%%  (enters*}
    goal="" result="" cmp="above the uninstrumented loop"
    case $label in
      "uninstrumented loop"*) cmp="per iteration (floor)" ;;
      no-op*|*"nothing else") cmp="above the uninstrumented loop (floor)" ;;
      *recorder*)
        goal="≤ $goal_node_ns ns" result=$(verdict "$ns" "$goal_node_ns")
        if [[ -z $node_best ]] || (($(awk -v a="$node_best" -v b="$ns" 'BEGIN { print (b < a) }'))); then
          node_best=$ns node_best_at=$label
        fi
        ;;
    esac
    row "$P4" "$label" "$(count "$node_n") × $node_rounds" "" "$ns" "$cmp" "$goal" "$result"
  done < <(tail -n +2 <<<"$node_out")
fi

echo
echo "Times: best of $runs interleaved runs, measured by the host from instantiation through wo_recorder_finish. ns per span: the time above the baseline named, divided by the recorder's enter count (one span is an enter and an exit). wasm2c 1.0.32 output compiled with \`$CC -O2\`; the workloads with \`$WASM_CC --target=wasm32-wasi -O2\`.${node_ver:+ Node: $node_ver, tests/node-host/bench.sh $node_n $node_rounds.}"
echo
if [[ -n $worst_span ]]; then
  echo "Goal recorded span ≤ $goal_span_ns ns (wasm2c host): with CLOCK_MONOTONIC $(verdict "$worst_span" "$goal_span_ns"), worst $(f1 "$worst_span") ns ($worst_span_at), the clock pair alone costs $(f1 "${clock_pair:-0}") ns here${rdtsc_pair:+ (rdtsc pair $(f1 "$rdtsc_pair") ns)}${worst_tsc:+; with WO_CLOCK_TSC $(verdict "$worst_tsc" "$goal_span_ns"), worst $(f1 "$worst_tsc") ns ($worst_tsc_at)}"
else
  echo "Goal recorded span ≤ $goal_span_ns ns (wasm2c host): not measured"
fi
if [[ -n $node_best ]]; then
  echo "Goal recorded span ≤ $goal_node_ns ns (Node host): $(verdict "$node_best" "$goal_node_ns"); best $node_best ns ($node_best_at)"
fi
if [[ -n $agg_rss ]]; then
  echo "Goal aggregate mode, $(count "$n_agg") calls, < $goal_rss_mib MiB resident: $(awk -v v="$rss_mib" -v g="$goal_rss_mib" 'BEGIN { print (v < g ? "met" : "not met") }'): $rss_mib MiB max RSS"
fi
echo "Goal every function in aggregate mode ≤ ${goal_all}x (textkit): ${goal_line[all]:-not measured}"
echo "Goal only the boundaries ≤ ${goal_bound}x (textkit, profile): ${goal_line[bound]:-not measured}"
echo "Machine: $(nproc) cores, $(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?'); load average (1 min) $load_start at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) at the end (this benchmark alone adds about 1)"
for note in "${notes[@]+"${notes[@]}"}"; do echo "Note: $note"; done
exit 0
