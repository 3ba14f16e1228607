// The preload (runtime-shim/node/register.mjs) with a module built with
// --patchable (patched.wat, patched-app.mjs): each instance's recorder mutes
// $tiny and patches it out of that instance, so its hooks see only the first
// thousand calls or so; the program's output is the original module's.
// Prints PASS/FAIL.
//   node patched-check.mjs ORIGINAL.wasm PATCHABLE.wasm BACKEND
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [original, wasm, backend] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const preload = path.join(here, '../../runtime-shim/node/register.mjs');
const app = path.join(here, 'patched-app.mjs');
const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS patched ${name} [${backend}]` : `FAIL patched ${name} [${backend}]: ${why}`);

const plain = spawnSync(process.execPath, [app, original], { encoding: 'utf8', timeout: 60000 });
const traced = spawnSync(process.execPath, ['--import', preload, app, wasm], {
  env: { ...process.env, WASM_OBSERVE_BACKEND: backend, WASM_OBSERVE_COUNTERS: '1' }, encoding: 'utf8', timeout: 60000,
});
ok('program output', plain.status === 0 && traced.status === 0 && traced.stdout === plain.stdout && plain.stdout.includes('hot'),
  `exit ${plain.status}/${traced.status}, stdout ${JSON.stringify(traced.stdout)} vs ${JSON.stringify(plain.stdout)}, stderr ${traced.stderr.slice(0, 300)}`);
const counters = traced.stderr.split('\n').filter((l) => /^wasm-observe( \[\d+\])?: \{"enters"/.test(l))
  .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
ok('a recorder per instance', counters.length === 2, `${counters.length} counters lines in ${JSON.stringify(traced.stderr.slice(0, 400))}`);
// Muting judges the mean of a site's calls every 256 calls from its 1,000th on:
// a slow start (a machine under load) can put it off, so the bound is loose;
// without the patching the hooks would see every call.
const calls = [200000, 100000];
for (const [i, c] of counters.entries()) {
  ok(`instance ${i + 1} patched $tiny out`, c.sitesMuted === 1 && c.sitesPatched === 1 && c.enters < calls[i] / 5 &&
    c.enters === c.exits, JSON.stringify(c));
}
ok('said on stderr', /1 of them patched out of the module/.test(traced.stderr), traced.stderr.slice(0, 400));
console.log(out.join('\n'));
