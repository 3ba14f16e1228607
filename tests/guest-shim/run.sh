#!/usr/bin/env bash
# Tests of the guest shim (runtime-shim/guest/, src/guest_shims.c): the
# modules as built, checked with WABT and run in Node with JS stubs of the WASI
# functions that decode the canonical ABI from memory (check.mjs); the same
# step sequences inside a real component, lifted by jco's Canonical ABI,
# against cabi.mjs's lifting (jco-check.mjs; jco-transpile pinned in
# package-lock.json, installed by npm ci); then every mutant in mutants.txt
# (one rule of the shim broken on purpose, B rebuilt with clang) must make at
# least one check of check.mjs fail.
#
# Environment: GUEST_SHIM_BUILD (the meson build directory holding
# guest-shim-otel.wasm, guest-shim-observe.wasm and guest_make_memory_module;
# default build), NODE, CLANG, GUEST_SHIM_MUTANTS=0 to skip the mutants,
# GUEST_SHIM_JCO=0 to skip jco-check.mjs.
# Output: PASS/FAIL/SKIP lines, then "N passed, N failed, N skipped"; exit 1 on failure.
set -u
set -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${GUEST_SHIM_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
NODE=${NODE:-node}
CLANG=${CLANG:-clang}
passed=0 failed=0 skipped=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/guest-shim.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

export GUEST_SHIM_OTEL=$BUILD/guest-shim-otel.wasm
export GUEST_SHIM_OBSERVE=$BUILD/guest-shim-observe.wasm
export GUEST_MAKE_MEMORY_MODULE=$BUILD/guest_make_memory_module
export GUEST_ABI_H=$ROOT/runtime-shim/guest/guest_abi.h

summary() { echo "$passed passed, $failed failed, $skipped skipped"; ((failed == 0)); exit; }

missing=
for f in "$GUEST_SHIM_OTEL" "$GUEST_SHIM_OBSERVE" "$GUEST_MAKE_MEMORY_MODULE"; do
  [[ -e $f ]] || missing+=" $f"
done
if [[ -n $missing ]]; then
  echo "FAIL guest shim build: missing$missing (build with ninja -C $BUILD)"
  failed=1
  summary
fi
for t in "$NODE" wasm-validate wasm-objdump wasm2wat; do
  if ! command -v "$t" >/dev/null; then
    echo "SKIP guest shim checks: $t not found"
    skipped=1
    summary
  fi
done

# check.mjs's own PASS/FAIL lines.
"$NODE" "$HERE/check.mjs" >"$WORK/check.log" 2>&1
status=$?
cat "$WORK/check.log"
p=$(grep -c '^PASS ' "$WORK/check.log")
f=$(grep -c '^FAIL ' "$WORK/check.log")
passed=$((passed + p))
failed=$((failed + f))
if ((status != 0 && f == 0)); then
  echo "FAIL check.mjs: exit $status"; tail -5 "$WORK/check.log"
  failed=$((failed + 1))
fi

# jco-check.mjs's PASS/FAIL lines.
if [[ ${GUEST_SHIM_JCO:-1} == 0 ]] || ! command -v npm >/dev/null || ! command -v wat2wasm >/dev/null; then
  echo "SKIP jco cross-check: disabled, or npm or wat2wasm not found"
  skipped=$((skipped + 1))
elif ! (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1; then
  echo "FAIL npm ci (tests/guest-shim): $(grep -m1 -i err "$WORK/npm.log")"
  failed=$((failed + 1))
else
  "$NODE" "$HERE/jco-check.mjs" >"$WORK/jco.log" 2>&1
  status=$?
  cat "$WORK/jco.log"
  p=$(grep -c '^PASS ' "$WORK/jco.log")
  f=$(grep -c '^FAIL ' "$WORK/jco.log")
  passed=$((passed + p))
  failed=$((failed + f))
  if ((status != 0 && f == 0)); then
    echo "FAIL jco-check.mjs: exit $status"; tail -5 "$WORK/jco.log"
    failed=$((failed + 1))
  fi
fi

if ((failed > 0)); then
  echo "SKIP mutants: the checks fail on the real shim"
  skipped=$((skipped + 1))
  summary
fi

# Mutants: B's sources copied, one perl substitution applied, B rebuilt with
# the flags of meson.build's guest_args, and check.mjs run on it.
if [[ ${GUEST_SHIM_MUTANTS:-1} == 0 ]] || ! command -v "$CLANG" >/dev/null || ! command -v perl >/dev/null; then
  echo "SKIP mutants: disabled, or clang or perl not found"
  skipped=$((skipped + 1))
  summary
fi
pages=$(sed -nE 's/^#define WI_GUEST_MEMORY_PAGES ([0-9]+)u.*/\1/p' "$GUEST_ABI_H")
build_shim() { # SRC_DIR LINK OUT
  local src=$1 files
  files="$src/blob.c $src/span_stack.c $src/counters.c $src/guest_libc.c $src/link_$2.c"
  [[ $2 == otel ]] && files+=" $src/trace_ids.c"
  # shellcheck disable=SC2086
  "$CLANG" --target=wasm32 -nostdlib -ffreestanding -O2 -std=c17 \
    -I"$src" $files -o "$3" -Wl,--no-entry -Wl,--import-memory -Wl,--stack-first \
    -Wl,-z,stack-size=8192 -Wl,--initial-memory=$((pages * 65536)) -Wl,--strip-all
}
run_mutant() { # N FILE LINK PERL DESCRIPTION
  local n=$1 file=$2 link=$3 expr=$4 what=$5 d=$WORK/mutant-$1
  mkdir -p "$d/src"
  cp "$ROOT"/runtime-shim/guest/*.[ch] "$d/src/"
  local before
  before=$(md5sum <"$d/src/$file")
  perl -0pi -e "$expr" "$d/src/$file"
  if [[ $(md5sum <"$d/src/$file") == "$before" ]]; then
    echo "FAIL mutant $n ($what): the substitution changed nothing in $file"
    return
  fi
  if ! build_shim "$d/src" "$link" "$d/b.wasm" >"$d/build.log" 2>&1; then
    echo "FAIL mutant $n ($what): does not build: $(head -3 "$d/build.log" | tr '\n' ' ')"
    return
  fi
  local var=GUEST_SHIM_OTEL
  [[ $link == observe ]] && var=GUEST_SHIM_OBSERVE
  env "$var=$d/b.wasm" "$NODE" "$HERE/check.mjs" >"$d/check.log" 2>&1
  local caught
  caught=$(grep -c '^FAIL ' "$d/check.log")
  if ((caught > 0)); then
    echo "PASS mutant $n ($what): caught by $caught checks, e.g. $(grep -m1 '^FAIL ' "$d/check.log" | cut -c6- | cut -d: -f1)"
  else
    echo "FAIL mutant $n ($what): no check failed"
  fi
}
n=0
while IFS='|' read -r file link expr what; do
  [[ -z $file || $file == \#* ]] && continue
  n=$((n + 1))
  run_mutant "$n" "$file" "$link" "$expr" "$what" >"$WORK/mutant-$n.result" &
  (($(jobs -r | wc -l) >= $(nproc 2>/dev/null || echo 2))) && wait -n
done <"$HERE/mutants.txt"
wait
for i in $(seq 1 "$n"); do
  line=$(cat "$WORK/mutant-$i.result")
  echo "$line"
  case $line in PASS*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
done
summary
