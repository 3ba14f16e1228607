// The coverage of a cheaper instrumentation (bench/shim/budget.sh): of the
// functions that take at least PERCENT of a run's time inclusive (from
// REFERENCE, folded self times of a run with every function instrumented),
// how many are still in the profile CANDIDATE (folded stacks of a run of the
// cheaper build: a function there was instrumented and called).
//
//   node coverage.mjs REFERENCE.folded CANDIDATE.folded [PERCENT=1] [CANDIDATE_CALLS.folded]
//
// CANDIDATE_CALLS, the same run's call counts, tells which functions were
// called: a sampled profile leaves out the stacks no sample found.
// Prints `covered K of N, timed T`, and on stderr the missing ones with their
// share. Inclusive time: the self times of every stack that holds the
// function, each stack once however often the function recurses in it.
// Timed: of the K, those whose share of CANDIDATE's run inclusive is at least
// half their share of REFERENCE's: a function muted and patched out early is
// in the profile with its first calls only, its time its caller's.
import fs from 'node:fs';

const [refPath, candPath, pctArg, callsPath] = process.argv.slice(2);
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

// Each function's inclusive time and the run's total (the sum of self times).
function inclusiveTimes(file) {
  const inclusive = new Map();
  let total = 0;
  for (const [frames, ns] of stacks(file)) {
    total += ns;
    for (const f of new Set(frames)) inclusive.set(f, (inclusive.get(f) ?? 0) + ns);
  }
  return { inclusive, total };
}

const ref = inclusiveTimes(refPath);
const cand = inclusiveTimes(candPath);
const share = (run, f) => (run.total > 0 ? (run.inclusive.get(f) ?? 0) / run.total : 0);
const hot = [...ref.inclusive.keys()].filter((f) => ref.total > 0 && share(ref, f) * 100 >= percent);
const called = callsPath ? inclusiveTimes(callsPath).inclusive : cand.inclusive;
const missing = hot.filter((f) => !called.has(f) && !cand.inclusive.has(f));
const timed = hot.filter((f) => share(cand, f) >= share(ref, f) / 2);
for (const f of missing) process.stderr.write(`coverage: missing ${f} (${(100 * share(ref, f)).toFixed(1)}%)\n`);
console.log(`covered ${hot.length - missing.length} of ${hot.length}, timed ${timed.length}`);
