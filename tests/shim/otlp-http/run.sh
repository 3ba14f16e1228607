#!/usr/bin/env bash
# Tests of the OTLP/HTTP exporter of libwasm-observe (runtime-shim/src/export_otlp_http.c):
# builds emit.c against the ASan+UBSan library (cc -std=c17 -Wall -Wextra -Werror)
# and runs check.mjs, which drives it against @elastic/mockotlpserver and fake
# collectors on 127.0.0.1 (see check.mjs for the checks). Prints PASS/FAIL lines
# and ends with "N passed, N failed, N skipped" (nothing is skipped); exits 1 if
# anything failed.
#
# Environment: WASM_OBSERVE_LIB (default build-asan/libwasm-observe.a), CC (default cc),
# NODE (default node), OTLP_HTTP_WORK (work dir, default a new mktemp dir).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
lib=${WASM_OBSERVE_LIB:-$top/build-asan/libwasm-observe.a}
cc=${CC:-cc}
node=${NODE:-node}
work=${OTLP_HTTP_WORK:-$(mktemp -d)}
passed=0 failed=0
report() {
  case $1 in
    PASS*) passed=$((passed + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
  echo "$1"
}

# The npm packages (mockotlpserver, protobufjs) are tests/shim's.
if [[ ! -d $top/tests/shim/node_modules ]] &&
    ! (cd "$top/tests/shim" && npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
  report "FAIL npm ci: see $work/npm.log"
fi

if [[ ! -f $lib ]]; then
  report "FAIL build: $lib not found (ninja -C build-asan)"
elif ! "$cc" -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -I "$top/runtime-shim/include" -I "$top/passes" -I "$top/src" -I "$top/tests/unit" \
    "$here/emit.c" "$top/tests/unit/sites_fixture.c" "$top/passes/site_table.c" "$top/passes/name_map.c" \
    "$top/src/byte_writer.c" "$lib" \
    -lcurl -liberty -lpthread -o "$work/emit" 2>"$work/build.err"; then
  report "FAIL build: $(head -c 400 "$work/build.err" | tr '\n' ' ')"
else
  report "PASS build"
  # Loopback only: no proxy may take the requests elsewhere.
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
  timeout 240 "$node" "$here/check.mjs" "$work/emit" >"$work/check.out" 2>"$work/check.err"
  rc=$?
  lines=0
  while IFS= read -r line; do
    case $line in
      PASS*|FAIL*) report "$line"; lines=$((lines + 1)) ;;
    esac
  done <"$work/check.out"
  if ((rc != 0 && failed == 0)) || ((lines == 0)); then
    report "FAIL check.mjs: exit $rc: $(head -c 400 "$work/check.err" | tr '\n' ' ')"
  fi
fi
echo "$passed passed, $failed failed, 0 skipped"
((failed == 0))
