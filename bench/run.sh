#!/usr/bin/env bash
# Benchmark: wasm-instrument against a plain Binaryen round trip (bench/README.md).
#
#   bench/run.sh [NAME...]     all modules, or those whose name contains a NAME
#   ./run bench [NAME...]      the same after building
#
# Environment:
#   BENCH_RUNS      timed runs of each command per module, best of them (default 5)
#   BENCH_WORK      keep the outputs in this directory (default: a temporary one)
#   WASM_INSTRUMENT the tool (default: build/wasm-instrument in the repo root)
#
# Modules: the clang-compiled C fixture bench/fixture/textkit.c and the .wasm
# files that tests/realworld/fetch.sh and bench/giants/fetch.sh install (their
# `wasm_files` lists are read, not copied). For each module, interleaved, best
# of BENCH_RUNS:
#   (a) wasm-opt IN -o OUT --all-features         (read, validate, write)
#   (b) wasm-instrument IN -o OUT                  (defaults: validates input and output)
#   (c) wasm-instrument IN -o OUT --no-validate
#   (d) (a) with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES where the tool
#       adds it (inputs of 256 KiB or more, src/huge_pages.h: transparent huge
#       pages), so that b/d is the rewrite's cost over a round trip on equal terms
# and once, untimed: code section sizes (wasm-objdump -h) of the input, of (a)'s
# output, and of wasm-instrument's output with --exceptions off and on; the
# whole-file sizes of the input, of (a)'s output and of (b)'s; whether
# the module uses exception handling (wasm-opt --metrics: try/throw/rethrow);
# the tool's own phase times (--stats).
#
# Prints one markdown table on stdout, then one line per goal (met / not met,
# worst case). Progress goes to stderr. It reports, it does not assert: the exit
# status is 0 unless the benchmark itself could not run (a missing tool).
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
runs=${BENCH_RUNS:-5}
fetch=$root/tests/realworld/fetch.sh
timer=/usr/bin/time

# The issue's goals.
goal_time=1.25        # (b)/(a)
goal_code_off=8       # % code section growth, --exceptions off
goal_code_on=8        # % code section growth, --exceptions on, modules that use EH
goal_file=15          # % whole-file growth over the input (defaults)

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 2; }

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ -x $tool ]] || die "no tool at $tool (build it: ./run build)"
[[ -x $timer ]] || die "$timer is missing (Debian package 'time'; scripts/install-deps.sh installs it)"
for t in wasm-opt wasm-objdump; do
  command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps.sh installs it)"
done

if [[ -n ${BENCH_WORK:-} ]]; then
  work=$BENCH_WORK
  mkdir -p "$work" || die "cannot create $work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

# ------------------------------------------------------------------ modules

names=() paths=() notes=()

build_fixture() {
  local src=$here/fixture/textkit.c out=$work/textkit.wasm cc=${CC:-clang}
  if ! command -v "$cc" >/dev/null; then
    notes+=("the C fixture was not built: no $cc")
    return
  fi
  # Compile and link separately: clang -O at link time would run wasm-opt on it.
  if "$cc" --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" -O2 -std=c17 -c "$src" \
      -o "$work/textkit.o" >"$work/textkit.log" 2>&1 &&
    "$cc" --target=wasm32-wasi --sysroot="${WASI_SYSROOT:-/usr}" "$work/textkit.o" -lm \
      -Wl,--strip-debug -o "$out" >>"$work/textkit.log" 2>&1; then
    names+=("textkit (C fixture)")
    paths+=("$out")
  else
    notes+=("the C fixture was not built: $(grep -m1 -i error "$work/textkit.log")")
  fi
}

real_modules() {
  [[ -f $fetch ]] || { notes+=("no $fetch: real-world modules skipped"); return; }
  say "fetching the real-world modules (tests/realworld/fetch.sh)"
  if ! "$fetch" >"$work/fetch.log" 2>&1; then
    notes+=("tests/realworld/fetch.sh failed (no network?): real-world modules skipped")
    say "fetch.sh failed; continuing with the fixture only:"
    sed 's/^/  /' "$work/fetch.log" | head -20 >&2
    return
  fi
  # fetch.sh's own list of the .wasm files it guarantees (lines inside wasm_files=( ... )).
  local f pkg
  while read -r f; do
    [[ -s $root/tests/realworld/$f ]] || continue
    pkg=${f#node_modules/}
    if [[ $pkg == @* ]]; then pkg=$(cut -d/ -f1-2 <<<"$pkg"); else pkg=${pkg%%/*}; fi
    names+=("$pkg")
    paths+=("$root/tests/realworld/$f")
  done < <(sed -n '/^wasm_files=(/,/^)/p' "$fetch" | grep -oE 'node_modules/[^[:space:]]+\.wasm')
}

# Run a copy of the tool: a rebuild during the run (ninja replaces the file)
# must not mix two versions in one table.
cp "$tool" "$work/wasm-instrument" || die "cannot copy $tool"
tool=$work/wasm-instrument
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)

# The giants: the .wasm files bench/giants/fetch.sh installs (its wasm_files list).
giant_modules() {
  local giants=$here/giants f pkg
  [[ -f $giants/fetch.sh ]] || return
  say "fetching the giant modules (bench/giants/fetch.sh)"
  if ! "$giants/fetch.sh" >"$work/fetch-giants.log" 2>&1; then
    notes+=("bench/giants/fetch.sh failed (no network?): the giant modules skipped")
    return
  fi
  while read -r f; do
    [[ -s $giants/$f ]] || continue
    pkg=${f#node_modules/}
    names+=("$(cut -d/ -f1-2 <<<"$pkg") $(basename "$f" .wasm)")
    paths+=("$giants/$f")
  done < <(sed -n '/^wasm_files=(/,/^)/p' "$giants/fetch.sh" | grep -oE 'node_modules/[^[:space:]]+\.wasm')
}

build_fixture
real_modules
giant_modules

# Keep the modules a NAME argument selects; order by size.
order=()
for i in "${!names[@]}"; do
  keep=$(($# == 0))
  for want in "$@"; do [[ ${names[$i]} == *"$want"* ]] && keep=1; done
  ((keep)) && order+=("$(stat -c %s "${paths[$i]}") $i")
done
((${#order[@]})) || die "no module to measure"
mapfile -t order < <(printf '%s\n' "${order[@]}" | sort -n | cut -d' ' -f2)

# ---------------------------------------------------------------- helpers

# Code section size in bytes, from wasm-objdump -h; empty if none.
code_size() {
  local hex
  hex=$(wasm-objdump -h "$1" 2>/dev/null | sed -nE 's/^ *Code .*\(size=0x([0-9a-fA-F]+)\).*/\1/p' | head -1)
  [[ -n $hex ]] && echo $((16#$hex))
}

# Raw values (compared against the goals unrounded) and their display forms.
growth() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) * 100 / a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b / a }'; }
pct() { awk -v v="$1" 'BEGIN { printf "%+.1f%%", v }'; }
times() { awk -v v="$1" -v d="${2:-2}" 'BEGIN { printf "%.*fx", d, v }'; }
human_size() {
  awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.1f MB", n / 1e6; else printf "%.0f KB", n / 1e3 }'
}
secs() { awk -v us="$1" 'BEGIN { printf (us < 1e6 ? "%.3f s" : "%.2f s"), us / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
first_error() { grep -v -e '^warning: ' -e '^Command exited' -e '^[[:space:]]*$' "$1" | head -1 | cut -c1-200; }

declare -A best_us max_rss failed labels

# measure KEY CMD...: one timed run; keeps the best wall time and the highest max RSS.
# Wall time is taken around /usr/bin/time with microsecond resolution (%e is in
# hundredths of a second, too coarse for the small modules); max RSS is its %M.
measure() {
  local key=$1 t0 t1 rc us rss
  shift
  t0=$EPOCHREALTIME
  "$timer" -f '%e %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt"
  rc=$?
  t1=$EPOCHREALTIME
  if ((rc != 0)); then
    failed[$key]="exit $rc: $(first_error "$work/stderr.txt")"
    return
  fi
  us=$((${t1/./} - ${t0/./}))
  rss=$(tail -1 "$work/time.txt" | awk '{ print $2 }')
  [[ -z ${best_us[$key]:-} || $us -lt ${best_us[$key]} ]] && best_us[$key]=$us
  [[ -z ${max_rss[$key]:-} || $rss -gt ${max_rss[$key]} ]] && max_rss[$key]=$rss
}

set_cmd() { # KIND INDEX: sets cmd to the command line of (a), (b) or (c) for a module
  local in=${paths[$2]} out=$work/$2
  case $1 in
    a) cmd=(wasm-opt "$in" -o "$out.opt.wasm" --all-features) ;;
    b) cmd=("$tool" "$in" -o "$out.instr.wasm") ;;
    c) cmd=("$tool" "$in" -o "$out.instr-nv.wasm" --no-validate) ;;
    d) # the tool's rule (src/huge_pages.h): huge pages from 256 KiB of input on
      local tunables=${GLIBC_TUNABLES:-}
      if (($(stat -c %s "$in") >= 262144)); then tunables+=${tunables:+:}glibc.malloc.hugetlb=1; fi
      cmd=(env GLIBC_TUNABLES="$tunables" wasm-opt "$in" -o "$out.opt-huge.wasm" --all-features) ;;
  esac
}

# ----------------------------------------------------- untimed: sizes, EH, phases

declare -A code_in code_rt code_off code_on eh phases guards size_of file_rt file_out
for i in "${order[@]}"; do
  in=${paths[$i]} out=$work/$i
  size_of[$i]=$(stat -c %s "$in")
  say "sizes: ${names[$i]} ($(human_size "${size_of[$i]}"))"
  code_in[$i]=$(code_size "$in")
  # These runs also warm the page cache and the binaries for the timed runs.
  if wasm-opt "$in" -o "$out.opt.wasm" --all-features 2>"$work/stderr.txt"; then
    code_rt[$i]=$(code_size "$out.opt.wasm")
    file_rt[$i]=$(stat -c %s "$out.opt.wasm")
  else
    failed[$i,rt]=$(first_error "$work/stderr.txt")
  fi
  if "$tool" "$in" -o "$out.stats.wasm" --stats 2>"$work/stats.txt"; then
    phases[$i]=$(sed -nE 's/.*: time: (.*)/\1/p' "$work/stats.txt" | tail -1)
    guards[$i]=$(sed -nE 's/.*: exception guards: (.*)/\1/p' "$work/stats.txt" | tail -1)
    file_out[$i]=$(stat -c %s "$out.stats.wasm")
  fi
  for mode in off on; do
    if "$tool" "$in" -o "$out.$mode.wasm" --exceptions "$mode" 2>"$work/stderr.txt"; then
      if [[ $mode == off ]]; then code_off[$i]=$(code_size "$out.off.wasm"); else code_on[$i]=$(code_size "$out.on.wasm"); fi
    else
      failed[$i,$mode]=$(first_error "$work/stderr.txt")
    fi
  done
  # Exception handling actually used: try / throw / rethrow instructions in the code.
  eh[$i]=$(wasm-opt "$in" --all-features --metrics 2>/dev/null | awk '
    $1 == "Try" { t = $3 } $1 == "Throw" { th = $3 } $1 == "Rethrow" { r = $3 }
    END { if (t + th + r > 0) printf "yes: %d try, %d throw, %d rethrow", t, th, r; else print "no" }')
  rm -f "$out.stats.wasm" "$out.off.wasm" "$out.on.wasm"
done

# ------------------------------------------------------------ timed, interleaved

rotations=("a b c d" "b c d a" "c d a b" "d a b c")
for ((r = 0; r < runs; r++)); do
  say "timed round $((r + 1))/$runs"
  for i in "${order[@]}"; do
    for kind in ${rotations[$((r % 4))]}; do
      set_cmd "$kind" "$i"
      measure "$i,$kind" "${cmd[@]}"
    done
  done
done

# ------------------------------------------------------------------ report

# Worst cases: value and module, per measure.
declare -A worst worst_at
note_worst() { # MEASURE VALUE MODULE
  if [[ -z ${worst[$1]:-} ]] || (($(awk -v a="${worst[$1]}" -v b="$2" 'BEGIN { print (b > a) }'))); then
    worst[$1]=$2 worst_at[$1]=$3
  fi
}
unmeasured_time=() unmeasured_off=() unmeasured_on=() eh_users=() unmeasured_file=()

echo "| module | size | uses EH | (a) wasm-opt | (b) instrument | b/a | c/a | b/d | max RSS (a) | max RSS (b) | code in | code round trip | off vs in | off vs round trip | on vs in | on vs round trip | file vs in | file vs round trip |"
echo "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for i in "${order[@]}"; do
  n=${names[$i]}
  ta=${best_us[$i,a]:-} tb=${best_us[$i,b]:-} tc=${best_us[$i,c]:-} td=${best_us[$i,d]:-}
  ok_a=; [[ -n $ta && -z ${failed[$i,a]:-} ]] && ok_a=1
  ok_b=; [[ -n $tb && -z ${failed[$i,b]:-} ]] && ok_b=1
  ok_c=; [[ -n $tc && -z ${failed[$i,c]:-} ]] && ok_c=1
  cell_a=error cell_b=error cell_ba=- cell_ca=- cell_bd=- rss_a=error rss_b=error
  [[ -n $ok_a ]] && cell_a=$(secs "$ta") rss_a=$(mib "${max_rss[$i,a]}")
  [[ -n $ok_b ]] && cell_b=$(secs "$tb") rss_b=$(mib "${max_rss[$i,b]}")
  if [[ -n $ok_a && -n $ok_b ]]; then
    v=$(ratio "$ta" "$tb")
    cell_ba=$(times "$v")
    note_worst time "$v" "$n"
    note_worst mem "$(ratio "${max_rss[$i,a]}" "${max_rss[$i,b]}")" "$n ($rss_a vs $rss_b)"
  else
    unmeasured_time+=("$n")
  fi
  if [[ -n $ok_a && -n $ok_c ]]; then
    v=$(ratio "$ta" "$tc")
    cell_ca=$(times "$v")
    note_worst time_nv "$v" "$n"
  fi
  if [[ -n $ok_b && -n $td && -z ${failed[$i,d]:-} ]]; then
    v=$(ratio "$td" "$tb")
    cell_bd=$(times "$v")
    note_worst time_huge "$v" "$n"
  fi
  ci=${code_in[$i]:-} crt=${code_rt[$i]:-}
  cells=()
  for mode in off on; do
    if [[ $mode == off ]]; then co=${code_off[$i]:-}; else co=${code_on[$i]:-}; fi
    for base in in rt; do
      if [[ $base == in ]]; then b=$ci; else b=$crt; fi
      if [[ -n $b && -n $co ]]; then
        v=$(growth "$b" "$co")
        cells+=("$(pct "$v")")
        # --exceptions on is the goal only for modules that use exception handling
        [[ $mode == off || ${eh[$i]} == yes* ]] && note_worst "$mode,$base" "$v" "$n"
      else
        cells+=(error)
        if [[ $base == in && $mode == off ]]; then unmeasured_off+=("$n"); fi
        if [[ $base == in && $mode == on ]]; then unmeasured_on+=("$n"); fi
      fi
    done
  done
  # Whole-file growth of the default output, vs the input and vs the round trip.
  fo=${file_out[$i]:-} frt=${file_rt[$i]:-}
  for b in "${size_of[$i]}" "$frt"; do
    if [[ -n $b && -n $fo ]]; then cells+=("$(pct "$(growth "$b" "$fo")")"); else cells+=(error); fi
  done
  if [[ -n $fo ]]; then note_worst file "$(growth "${size_of[$i]}" "$fo")" "$n"; else unmeasured_file+=("$n"); fi
  [[ -n $fo && -n $frt ]] && note_worst file_rt "$(growth "$frt" "$fo")" "$n"
  [[ ${eh[$i]} == yes* ]] && eh_users+=("$n")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$n" "$(human_size "${size_of[$i]}")" "${eh[$i]}" "$cell_a" "$cell_b" "$cell_ba" "$cell_ca" "$cell_bd" \
    "$rss_a" "$rss_b" "${ci:+$(human_size "$ci")}" "${crt:+$(human_size "$crt")}" "${cells[@]}"
done

echo
echo "Times: best of $runs interleaved runs. off/on: wasm-instrument --exceptions off/on, all functions, import and export boundaries; growth of the code section vs the input and vs wasm-opt's round trip of it. file: growth of the whole output file (default options: site table, name section and all) vs the input file and vs the round trip's file."

verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 <= g + 0 ? "met" : "NOT met") }'; }
smallest=${size_of[${order[0]}]} largest=${size_of[${order[-1]}]}
big=$(awk -v n="$largest" 'BEGIN { print (n >= 1e7 ? "yes" : "no") }')
coverage="modules $(human_size "$smallest") to $(human_size "$largest"), a 10+ MB one: $big"
incomplete() { (($# == 0)) || printf '; not measured: %s' "$(IFS=,; echo "$*")"; }
list() { if (($#)); then (IFS=,; echo "$*"); else echo none; fi; }

if [[ -n ${worst[time]:-} ]]; then
  echo "Goal rewrite time <= ${goal_time}x wasm-opt round trip: $(verdict "${worst[time]}" "$goal_time"); worst $(times "${worst[time]}" 3) on ${worst_at[time]} (without validation, c/a: worst $(times "${worst[time_nv]:-0}" 3) on ${worst_at[time_nv]:-nothing}); $coverage$(incomplete "${unmeasured_time[@]+"${unmeasured_time[@]}"}")"
  [[ -n ${worst[time_huge]:-} ]] &&
    echo "Against a round trip with the same transparent huge pages (d; no goal, reported): worst b/d $(times "${worst[time_huge]}" 3) on ${worst_at[time_huge]}"
  echo "Peak memory (no goal, reported): worst max RSS ratio b/a $(times "${worst[mem]}") on ${worst_at[mem]}"
else
  echo "Goal rewrite time <= ${goal_time}x wasm-opt round trip: not measured$(incomplete "${unmeasured_time[@]+"${unmeasured_time[@]}"}")"
fi
for mode in off on; do
  if [[ $mode == off ]]; then
    goal=$goal_code_off what=without missing=("${unmeasured_off[@]+"${unmeasured_off[@]}"}")
  else
    goal=$goal_code_on what=with missing=("${unmeasured_on[@]+"${unmeasured_on[@]}"}")
  fi
  if [[ -z ${worst[$mode,in]:-} ]]; then
    echo "Goal code growth $what exception exits <= +$goal%: not measured$([[ $mode == on ]] && echo " (no module that uses exception handling)")"
    continue
  fi
  line="Goal code growth $what exception exits (--exceptions $mode) <= +$goal% vs input: $(verdict "${worst[$mode,in]}" "$goal"); worst $(pct "${worst[$mode,in]}") on ${worst_at[$mode,in]}"
  [[ -n ${worst[$mode,rt]:-} ]] && line+=" (vs the round trip: worst $(pct "${worst[$mode,rt]}") on ${worst_at[$mode,rt]})"
  [[ $mode == on ]] && line+="; over the modules that use exception handling: $(list "${eh_users[@]+"${eh_users[@]}"}")"
  echo "$line$(incomplete "${missing[@]+"${missing[@]}"}")"
done
if [[ -n ${worst[file]:-} ]]; then
  line="Goal whole file <= +$goal_file% over input: $(verdict "${worst[file]}" "$goal_file"); worst $(pct "${worst[file]}") on ${worst_at[file]}"
  [[ -n ${worst[file_rt]:-} ]] && line+=" (vs the round trip: worst $(pct "${worst[file_rt]}") on ${worst_at[file_rt]})"
  echo "$line$(incomplete "${unmeasured_file[@]+"${unmeasured_file[@]}"}")"
else
  echo "Goal whole file <= +$goal_file% over input: not measured"
fi
for i in "${order[@]}"; do
  [[ -n ${guards[$i]:-} ]] && echo "Exception guards on ${names[$i]} (--stats): ${guards[$i]}"
done
i=${order[-1]}
[[ -n ${phases[$i]:-} ]] && echo "Phases of wasm-instrument on the largest module, ${names[$i]} (--stats, one run): ${phases[$i]}"
labels=([a]="(a) wasm-opt" [b]="(b) wasm-instrument" [c]="(c) wasm-instrument --no-validate"
  [d]="(d) wasm-opt with huge pages"
  [rt]="the untimed wasm-opt round trip" [off]="wasm-instrument --exceptions off" [on]="wasm-instrument --exceptions on")
for i in "${order[@]}"; do
  for kind in a b c d rt off on; do
    [[ -n ${failed[$i,$kind]:-} ]] && notes+=("${labels[$kind]} failed on ${names[$i]} (at least once): ${failed[$i,$kind]}")
  done
done
echo "Machine: $(nproc) cores; load average (1 min) $load_start at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) at the end (this benchmark alone adds about 1)"
for note in "${notes[@]+"${notes[@]}"}"; do echo "Note: $note"; done
exit 0
