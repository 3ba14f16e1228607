#!/usr/bin/env bash
# The demo: build the bundled example for wasm32-wasi, instrument it, run the
# original and the instrumented module in Node (V8) and show the trace.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=$root/build/wasm-instrument
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Compile and link in two steps: clang 14 runs wasm-opt on a module linked
# with -O when it finds one on the PATH, and that drops the name section.
echo "\$ clang --target=wasm32-wasi -O1 -c examples/wordfreq.c && clang --target=wasm32-wasi wordfreq.o -o wordfreq.wasm"
clang --target=wasm32-wasi --sysroot=/usr -O1 -c "$root/examples/wordfreq.c" -o "$work/wordfreq.o"
clang --target=wasm32-wasi --sysroot=/usr "$work/wordfreq.o" -o "$work/wordfreq.wasm"

echo "\$ wasm-instrument wordfreq.wasm -o wordfreq.instr.wasm --stats"
"$tool" "$work/wordfreq.wasm" -o "$work/wordfreq.instr.wasm" --stats 2>&1 | sed "s|$work/||g"

echo
echo "\$ wasm-instrument wordfreq.wasm --list --include 'word|main|qsort|by_count'"
"$tool" "$work/wordfreq.wasm" --list --include 'word|main|qsort|by_count' 2>/dev/null

echo
echo "\$ node original:"
node "$root/tests/e2e/run-node.mjs" "$work/wordfreq.wasm" "$work/original.folded"

out=$root/demo-output
mkdir -p "$out"
echo
echo "\$ node runtime-shim/node/wasm-observe-run.mjs run wordfreq.instr.wasm \\"
echo "    --chrome demo-output/trace.json --otlp-file demo-output/trace.jsonl \\"
echo "    --folded demo-output/profile.folded --flamegraph demo-output/flame.svg --summary"
echo "                                                       (same output, plus a trace)"
node "$root/runtime-shim/node/wasm-observe-run.mjs" run "$work/wordfreq.instr.wasm" \
  --chrome "$out/trace.json" --otlp-file "$out/trace.jsonl" --folded "$out/profile.folded" \
  --flamegraph "$out/flame.svg" \
  --folded-calls "$work/calls.folded" --summary --service-name wordfreq

echo
echo "The call tree of this run, with call counts (export: = entry from the host"
echo "through an export, import: = a call into the host):"
node "$root/examples/show-tree.mjs" "$work/calls.folded"
echo
echo "Open demo-output/trace.json in https://ui.perfetto.dev or chrome://tracing;"
echo "demo-output/trace.jsonl holds the same spans as OTLP/JSON; demo-output/flame.svg"
echo "is a flame graph of demo-output/profile.folded (open it in a browser). With a"
echo "collector at hand, --otlp http://localhost:4318 sends the spans to it."
