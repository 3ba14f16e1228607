// The coverage of a cheaper instrumentation (bench/shim/budget.sh): of the
// functions that take at least PERCENT of a run's time inclusive (from
// REFERENCE, folded self times of a run with every function instrumented),
// how many are still in the profile CANDIDATE (folded stacks of a run of the
// cheaper build: a function there was instrumented and called).
//
//   node coverage.mjs REFERENCE.folded CANDIDATE.folded [PERCENT=1]
//
// Prints `covered K of N` and, on stderr, the missing ones with their share.
// Inclusive time: the self times of every stack that holds the function,
// each stack once however often the function recurses in it.
import fs from 'node:fs';

const [refPath, candPath, pctArg] = process.argv.slice(2);
if (!refPath || !candPath) {
  process.stderr.write('usage: coverage.mjs REFERENCE.folded CANDIDATE.folded [PERCENT]\n');
  process.exit(2);
}
const percent = Number(pctArg ?? 1);

function stacks(file) {
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space <= 0 || line.startsWith('#')) continue;
    out.push([line.slice(0, space).split(';'), Number(line.slice(space + 1))]);
  }
  return out;
}

const inclusive = new Map();
let total = 0;
for (const [frames, ns] of stacks(refPath)) {
  total += ns;
  for (const f of new Set(frames)) inclusive.set(f, (inclusive.get(f) ?? 0) + ns);
}
const present = new Set();
for (const [frames] of stacks(candPath)) for (const f of frames) present.add(f);

const hot = [...inclusive].filter(([, ns]) => total > 0 && ns >= (total * percent) / 100);
const missing = hot.filter(([f]) => !present.has(f));
for (const [f, ns] of missing) process.stderr.write(`coverage: missing ${f} (${((100 * ns) / total).toFixed(1)}%)\n`);
console.log(`covered ${hot.length - missing.length} of ${hot.length}`);
