#!/usr/bin/env bash
# The install: `meson install` of the build (into a staging directory with
# --destdir) puts in place the tool, libwasm-observe, its header, the
# pkg-config file wasm-observe.pc, the manual page and the recorder compiled
# to wasm32 (share/wasm-observe), and each works from there:
#   files       every one of them is installed
#   tool        the installed wasm-instrument instruments a fixture
#   man         the page renders without a warning (groff -man -ww) and names
#               exactly the options of `wasm-instrument --help`
#   pkg-config  tests/install/host.c, compiled with nothing but what
#               `pkg-config --cflags --libs wasm-observe` gives (staged:
#               PKG_CONFIG_SYSROOT_DIR), runs on the instrumented fixture and
#               writes a trace and a profile with a span per site
#
# Environment: INSTALL_BUILD (the meson build directory, default build),
# INSTALL_WORK (work dir, default a new mktemp dir), CC (default cc), NODE.
# Output: PASS/FAIL lines, then "N passed, N failed, N skipped".
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${INSTALL_BUILD:-$ROOT/build}
WORK=${INSTALL_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/wasm-instrument-install.XXXXXX")}
CC=${CC:-cc}
NODE=${NODE:-node}
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed, 0 skipped"; ((failed == 0)); exit $?; }

STAGE=$WORK/stage
rm -rf "$STAGE"
if ! meson install -C "$BUILD" --destdir "$STAGE" --quiet >"$WORK/install.log" 2>&1; then
  fail install "meson install failed: $(tail -n1 "$WORK/install.log")"
  finish
fi
prefix=$(meson introspect "$BUILD" --buildoptions | "$NODE" -e '
  const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const get = (n) => o.find((x) => x.name === n).value;
  console.log([get("prefix"), get("bindir"), get("libdir"), get("includedir"), get("mandir"), get("datadir")].join(" "))')
read -r pre bindir libdir includedir mandir datadir <<<"$prefix"
under() { case $1 in /*) echo "$STAGE$1" ;; *) echo "$STAGE$pre/$1" ;; esac; }
BIN=$(under "$bindir") LIB=$(under "$libdir") INC=$(under "$includedir") MAN=$(under "$mandir") SHARE=$(under "$datadir")

# files
missing=()
for f in "$BIN/wasm-instrument" "$LIB/libwasm-observe.a" "$INC/wasm_observe.h" \
  "$LIB/pkgconfig/wasm-observe.pc" "$MAN/man1/wasm-instrument.1" "$SHARE/wasm-observe/wasm-observe-recorder.wasm"; do
  [[ -s $f ]] || missing+=("${f#"$STAGE"}")
done
if ((${#missing[@]} == 0)); then pass files; else fail files "not installed: ${missing[*]}"; fi

# tool
TOOL=$BIN/wasm-instrument
if wat2wasm --enable-all "$ROOT/fixtures/wat/control.wat" -o "$WORK/control.wasm" 2>"$WORK/tool.err" &&
  "$TOOL" "$WORK/control.wasm" -o "$WORK/control.instr.wasm" 2>>"$WORK/tool.err" &&
  wasm-validate --enable-all "$WORK/control.instr.wasm" 2>>"$WORK/tool.err"; then
  pass tool
else
  fail tool "$(head -n1 "$WORK/tool.err")"
fi

# man: renders cleanly, and its options are --help's
if ! command -v groff >/dev/null; then
  fail man "groff is not installed (apt-get install groff-base)"
else
  warnings=$(groff -man -Tutf8 -ww -z "$MAN/man1/wasm-instrument.1" 2>&1)
  if [[ -n $warnings ]]; then fail "man renders" "$(head -n1 <<<"$warnings")"; else pass "man renders"; fi
  options() { grep -oE -- '(^|[ ,[])--?[a-zA-Z][a-zA-Z-]*' | sed -E 's/^[ ,[]//' | sort -u; }
  "$TOOL" --help | options >"$WORK/help.options"
  groff -man -Tutf8 "$MAN/man1/wasm-instrument.1" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g' |
    sed -n '/^OPTIONS/,/^EXIT STATUS/p' | options >"$WORK/man.options"
  if [[ -s $WORK/help.options ]] && cmp -s "$WORK/help.options" "$WORK/man.options"; then
    pass "man names the options of --help"
  else
    fail "man names the options of --help" "only in --help: $(comm -23 "$WORK/help.options" "$WORK/man.options" | paste -sd' '); only in the page: $(comm -13 "$WORK/help.options" "$WORK/man.options" | paste -sd' ')"
  fi
fi

# pkg-config: a host built from the installed files alone
export PKG_CONFIG_SYSROOT_DIR=$STAGE PKG_CONFIG_PATH=$LIB/pkgconfig PKG_CONFIG_LIBDIR=$LIB/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig
if ! flags=$(pkg-config --cflags --libs wasm-observe 2>"$WORK/pc.err"); then
  fail pkg-config "$(head -n1 "$WORK/pc.err")"
  finish
fi
# shellcheck disable=SC2086 # the flags are words
if ! "$CC" -std=c17 -Wall -Wextra -Werror "$HERE/host.c" -o "$WORK/host" $flags 2>"$WORK/cc.err"; then
  fail pkg-config "cc $HERE/host.c \$(pkg-config --cflags --libs wasm-observe): $(head -n1 "$WORK/cc.err")"
  finish
fi
if [[ -f $WORK/control.instr.wasm ]] &&
  out=$("$WORK/host" "$WORK/control.instr.wasm" "$WORK/trace.jsonl" "$WORK/profile.folded" 2>&1) &&
  [[ $out =~ ^sites\ ([0-9]+)\ spans\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] == BASH_REMATCH[2])) &&
  spans=$("$NODE" -e '
    let n = 0;
    for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean))
      for (const rs of JSON.parse(l).resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
    console.log(n)' "$WORK/trace.jsonl") && ((spans == BASH_REMATCH[1])) && [[ -s $WORK/profile.folded ]]; then
  pass "pkg-config: a host built against the installed library ($out)"
else
  fail pkg-config "the host built against the installed library: ${out:-no output}"
fi
finish
