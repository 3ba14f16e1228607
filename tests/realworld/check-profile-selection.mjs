// Checks a module instrumented with `wasm-instrument --from-profile` against
// the rule, computed here on its own from the two files a host wrote:
//   node check-profile-selection.mjs CALLS SELF ALL.wasm FROM.wasm LIST [MIN_CALLS BELOW_NS KEEP_PERCENT]
// CALLS, SELF: the --folded-calls and --folded files of a run of ALL.wasm (every
// function instrumented); FROM.wasm: the module instrumented from them; LIST:
// the --list output of the same command. A function is left out when its calls
// (the counts of the paths ending in it) are at least MIN_CALLS (10000) and
// its inclusive time (the self times of the stacks holding it, each stack once)
// is under BELOW_NS (1000) times its calls; unless its name is shared by
// several functions, or its inclusive time is at least KEEP_PERCENT (0.25) of
// the sum of all self times (the floor). Checks that FROM.wasm's function
// sites are exactly ALL's minus those, that LIST names each with its calls and
// mean, and each function kept by the floor with its share. Prints one summary
// line; on a mismatch, "check-profile-selection: ..." lines and exit 1.
import fs from 'node:fs';
import { decodeSiteTable, moduleRefs, SITES_SECTION } from '../../runtime-shim/node/site-table.mjs';

const [callsPath, selfPath, allPath, fromPath, listPath, minArg, belowArg, keepArg] = process.argv.slice(2);
const minCalls = BigInt(minArg ?? 10000);
const belowNs = BigInt(belowArg ?? 1000);
const keepPercent = Number(keepArg ?? 0.25); // wasm-instrument's default (cli_options.h)
const problems = [];
const problem = (m) => problems.push(m);

// "frame;frame;... N" lines (bytes as latin1, as the hosts write them).
function* stacks(path) {
  for (const line of fs.readFileSync(path, 'latin1').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    yield { frames: line.slice(0, space).split(';'), n: BigInt(line.slice(space + 1)) };
  }
}

const calls = new Map(); // function frame -> calls
for (const { frames, n } of stacks(callsPath)) {
  const last = frames[frames.length - 1];
  if (last.startsWith('import:') || last.startsWith('export:')) continue;
  calls.set(last, (calls.get(last) ?? 0n) + n);
}
const inclusive = new Map();
let total = 0n;
for (const { frames, n } of stacks(selfPath)) {
  total += n;
  for (const f of new Set(frames)) inclusive.set(f, (inclusive.get(f) ?? 0n) + n);
}
// the floor, in integers: inclusive * 100 * 1000 >= total * keepPercent * 1000
const floorKeeps = (t) => keepPercent > 0 && total > 0n &&
  t * 100000n >= total * BigInt(Math.round(keepPercent * 1000));

// The function sites of a module, as frames (';' -> ':', control bytes -> '?').
function functionFrames(path) {
  const bytes = fs.readFileSync(path);
  const [sec] = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), SITES_SECTION);
  const { sites } = decodeSiteTable(new Uint8Array(sec), moduleRefs(bytes));
  return sites.filter((s) => s.kind === 0).map((s) =>
    Buffer.from(s.display).toString('latin1').replace(/;/g, ':').replace(/[\x00-\x1f\x7f]/g, '?'));
}
const all = functionFrames(allPath);
const kept = functionFrames(fromPath);
const shared = new Map();
for (const f of all) shared.set(f, (shared.get(f) ?? 0) + 1);

const expected = new Map(); // frame -> { calls, mean }
const floored = new Map(); // frame -> its share (percent), kept by the floor
for (const [f, c] of calls) {
  if (shared.get(f) !== 1) continue; // not a function of the module, or a shared name
  const t = inclusive.get(f) ?? 0n;
  if (floorKeeps(t)) floored.set(f, (100 * Number(t)) / Number(total)); // as --list computes it
  else if (c >= minCalls && t < belowNs * c) expected.set(f, { calls: c, mean: Number(t) / Number(c) });
}

// FROM's functions: ALL's minus the expected ones, no more, no less.
const keptSet = new Set(kept);
for (const f of all) {
  if (expected.has(f) && keptSet.has(f)) problem(`${f}: the rule leaves it out, the module has its span`);
  if (!expected.has(f) && !keptSet.has(f)) problem(`${f}: left out, the rule keeps it (calls ${calls.get(f)}, time ${inclusive.get(f)} ns)`);
}
if (kept.length !== all.length - expected.size) problem(`${kept.length} function sites, expected ${all.length} - ${expected.size}`);

// LIST: "# skipped NAME: CALLS calls, mean MEAN ns (--from-profile: ...)" and
// "# kept NAME: SHARE% of the run inclusive, CALLS calls (--profile-keep-percent P)".
const listed = new Map();
const listedKept = new Map();
for (const line of fs.readFileSync(listPath, 'latin1').split('\n')) {
  const m = /^# skipped (.*): (\d+) calls, mean ([0-9.]+) ns \(--from-profile/.exec(line);
  if (m) listed.set(m[1], { calls: BigInt(m[2]), mean: Number(m[3]) });
  const k = /^# kept (.*): ([0-9.]+)% of the run inclusive, (\d+) calls \(--profile-keep-percent/.exec(line);
  if (k) listedKept.set(k[1], { share: Number(k[2]), calls: BigInt(k[3]) });
}
for (const [f, share] of floored) {
  const l = listedKept.get(f);
  if (!l) problem(`${f}: holds ${share}% of the run, not listed as kept`);
  else if (Math.abs(l.share - share) > 0.0051 || l.calls !== calls.get(f)) problem(`${f}: listed as kept with ${l.share}%, ${l.calls} calls; expected ${share.toFixed(2)}%, ${calls.get(f)}`);
}
for (const f of listedKept.keys()) if (!floored.has(f)) problem(`${f}: listed as kept, under the floor`);
for (const [f, e] of expected) {
  const l = listed.get(f);
  if (!l) problem(`${f}: not listed as skipped`);
  else if (l.calls !== e.calls || Math.abs(l.mean - e.mean) > 0.051) problem(`${f}: listed with ${l.calls} calls, mean ${l.mean}; expected ${e.calls}, ${e.mean.toFixed(1)}`);
}
for (const f of listed.keys()) if (!expected.has(f)) problem(`${f}: listed as skipped, the rule keeps it`);
if (expected.size === 0) problem('the rule leaves nothing out: the workload has no hot short function?');

if (problems.length) {
  for (const p of problems.slice(0, 10)) console.log(`check-profile-selection: ${p}`);
  process.exit(1);
}
console.log(`from a profile: ${expected.size} of ${all.length} functions left out (${calls.size} called), ${floored.size} kept for their share, as the rule picks`);
