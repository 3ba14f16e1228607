#!/usr/bin/env bash
# Makes the npm package of the Node host: wasm-observe-VERSION.tgz in OUTDIR.
#
#   pack.sh RECORDER.wasm OUTDIR
#
# RECORDER.wasm is the C recorder compiled to wasm32 by the project's build
# (meson: build/wasm-observe-recorder.wasm); it goes into the package as
# wasm32/recorder.wasm, so an installed package needs no compiler. The files
# are those package.json lists, packed by `npm pack` from a staging copy (the
# checkout is left as it is). Prints the tarball's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
recorder=${1:?usage: pack.sh RECORDER.wasm OUTDIR}
out=${2:?usage: pack.sh RECORDER.wasm OUTDIR}
[[ -s $recorder ]] || { echo "pack.sh: $recorder not found (ninja -C build)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The files package.json lists, the recorder among them.
node -e '
  const pkg = require(process.argv[1]);
  for (const f of pkg.files) console.log(f);' "$here/package.json" |
  while IFS= read -r f; do
    mkdir -p "$stage/$(dirname "$f")"
    if [[ $f == wasm32/recorder.wasm ]]; then cp "$recorder" "$stage/$f"; else cp "$here/$f" "$stage/$f"; fi
  done
cp "$here/package.json" "$stage/"
(cd "$stage" && npm pack --pack-destination "$out" --loglevel=error >/dev/null)
name=$(node -p 'const p = require(process.argv[1]); `${p.name}-${p.version}.tgz`' "$here/package.json")
echo "$out/$name"
