// The cost of a patched-out site's check (patch-check.wat): ns a call of a
// tiny function, bare and with each check, best of 5 rounds of 50 million
// calls, and the difference to the bare call measured in the same run. The
// `live` row calls no-op JS hooks on every call, for scale.
//   node bench/shim/patch-check.mjs          (needs wat2wasm from WABT)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'patch-check-')), 'patch-check.wasm');
execFileSync('wat2wasm', ['--enable-all', path.join(here, 'patch-check.wat'), '-o', out]);
const { instance } = await WebAssembly.instantiate(fs.readFileSync(out), { h: { enter() {}, exit() {} } });
fs.rmSync(path.dirname(out), { recursive: true });
const e = instance.exports;
e.patch_out({});

const calls = 50_000_000;
const kinds = ['bare', 'table_check', 'global_check', 'live'];
const best = Object.fromEntries(kinds.map((k) => [k, Infinity]));
for (let round = 0; round < 5; round++) {
  for (const k of kinds) {
    const t = process.hrtime.bigint();
    e[k](calls);
    best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t) / calls);
  }
}
const what = {
  bare: 'the bare call',
  table_check: 'patched out: the muted-sites slot read on every call (before)',
  global_check: 'patched out: the site\'s global (what the tool emits)',
  live: 'not patched: no-op JS hooks on every call',
};
console.log(`node ${process.version}, ns a call (best of 5 rounds of ${calls} calls)`);
for (const k of kinds) {
  const over = k === 'bare' ? '' : `, +${(best[k] - best.bare).toFixed(2)} over the bare call`;
  console.log(`${best[k].toFixed(2).padStart(6)}  ${what[k]}${over}`);
}
