// Self time by function in a V8 CPU profile (node --cpu-prof), for finding
// where an instrumented run's time goes (bench/shim/README.md, "Where the
// time goes"). V8 names wasm functions by their name-section name, else
// `$funcN` / `wasm-function[N]`; JS functions by name and file.
//
//   node bench/shim/cpuprof-top.mjs PROFILE.cpuprofile [TOP]
import fs from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: cpuprof-top.mjs PROFILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
// Time per sample: the deltas between samples (µs).
const self = new Map();
let total = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  const n = byId.get(prof.samples[i]);
  const cf = n.callFrame;
  const where = cf.url ? cf.url.replace(/^.*\//, '') : '';
  const key = `${cf.functionName || '(anonymous)'}${where ? `  ${where}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
console.log(`total ${(total / 1000).toFixed(0)} ms in ${prof.samples.length} samples`);
for (const [k, v] of rows.slice(0, top)) {
  console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
