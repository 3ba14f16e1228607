#!/usr/bin/env bash
# Two versions of the Node preload (runtime-shim/node/register.mjs) on the
# real workloads (sql.js, brotli-wasm), interleaved with the uninstrumented
# module: for a change to a recorder, measured against the version before it
# in the same run (e.g. a `git worktree add /tmp/before <commit>` checkout).
#
#   bench/shim/compare-preloads.sh OLD_REGISTER NEW_REGISTER [VAR=VALUE...]
#
# VAR=VALUE: the preload's environment for both (default: the profile with
# sampled time, WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_PROFILE_TIMING=sampled).
# BENCH_CMP_ROUNDS rounds (default 5); each run times 3 passes of the workload
# and keeps the best (warm). Prints, per workload and version, the best and the
# median of the rounds in ms and the ratio to the uninstrumented module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=${WASM_INSTRUMENT:-$root/build/wasm-instrument}
node=${NODE:-node}
(($# >= 2)) || { echo "usage: $0 OLD_REGISTER NEW_REGISTER [VAR=VALUE...]" >&2; exit 2; }
old=$1 new=$2
shift 2
envs=("$@")
((${#envs[@]})) || envs=(WASM_OBSERVE_FOLDED=/dev/null WASM_OBSERVE_PROFILE_TIMING=sampled)
rounds=${BENCH_CMP_ROUNDS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/compare-preloads.XXXXXX")
trap 'rm -rf "$work"' EXIT
declare -A wasm=([sqljs]=$root/tests/realworld/node_modules/sql.js/dist/sql-wasm.wasm
  [brotli]=$here/node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm)
declare -A driver=([sqljs]=$here/sqljs-workload.mjs [brotli]=$here/brotli-workload.mjs)
declare -A scale=([sqljs]=1 [brotli]=3)
for w in sqljs brotli; do
  [[ -f ${wasm[$w]} ]] || { echo "$w: ${wasm[$w]} missing (bench/shim/fetch.sh, tests/realworld)" >&2; exit 2; }
  "$tool" "${wasm[$w]}" -o "$work/$w.wasm"
done
# best pass of one run, in ms
one() { # WORKLOAD WASM [REGISTER]
  local w=$1 m=$2 reg=${3:-}
  env "${envs[@]}" WASM_PATH="$m" "$node" ${reg:+--import "$reg"} "${driver[$w]}" "${scale[$w]}" 3 2>&1 >/dev/null |
    sed -n 's/.*ns=\([0-9]*\).*/\1/p' | sort -n | head -1 | awk '{ printf "%d", $1 / 1e6 }'
}
for w in sqljs brotli; do
  for ((i = 0; i < rounds; i++)); do
    echo "$w base $(one "$w" "${wasm[$w]}")"
    echo "$w old $(one "$w" "$work/$w.wasm" "$old")"
    echo "$w new $(one "$w" "$work/$w.wasm" "$new")"
  done
done | awk '
  { v[$1" "$2] = v[$1" "$2] " " $3 }
  END {
    for (k in v) {
      n = split(substr(v[k], 2), a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      best[k] = a[1]; med[k] = a[int((n + 1) / 2)]
    }
    for (k in best) {
      split(k, p, " ")
      printf "%-7s %-4s best %6d ms (%.2fx)  median %6d ms (%.2fx)\n", p[1], p[2], best[k], best[k] / best[p[1]" base"], med[k], med[k] / med[p[1]" base"]
    }
  }' | sort
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); node $("$node" --version)"
