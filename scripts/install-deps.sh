#!/usr/bin/env bash
# Installs the Debian packages wasm-instrument needs to build and test, if missing.
set -euo pipefail
packages=(
  meson ninja-build pkg-config gcc clang lld          # build
  binaryen libpcre2-dev libiberty-dev                  # the rewriter's libraries
  wabt                                                 # wasm-validate, wasm2c and its runtime
  wasi-libc libclang-rt-14-dev-wasm32                  # C fixtures for wasm32-wasi
  rustc libstd-rust-dev-wasm32                         # a Rust fixture (tests/component)
  llvm-14-tools libcmocka-dev                          # FileCheck, C unit tests
  nodejs npm                                           # V8 host for end-to-end tests
  time                                                 # /usr/bin/time: max RSS in bench/run.sh
  libdevel-nytprof-perl                                # flamegraph.pl: folded stacks to SVG (tests/shim)
  libcurl4-openssl-dev                                 # libcurl: the runtime shim's OTLP/HTTP exporter
  groff-base                                           # groff: the manual page's test (tests/install)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (as on the CI image): do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
