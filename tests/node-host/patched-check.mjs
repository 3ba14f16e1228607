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
ok('said on stderr', /1 of them patched out of the module .*; WASM_OBSERVE_MUTE_AFTER=never keeps every span$/m.test(traced.stderr), traced.stderr.slice(0, 400));

// Sampled profile timing times a site's first calls only, to decide the same
// way: $tiny is muted and patched out; the profile still has $hot's calls.
// With muting off (WASM_OBSERVE_MUTE_AFTER=never) every call is kept.
for (const muteAfter of ['', 'never']) {
  const what = muteAfter ? 'sampled timing, muting off' : 'sampled timing';
  const run = spawnSync(process.execPath, ['--import', preload, app, wasm], {
    env: { ...process.env, WASM_OBSERVE_BACKEND: backend, WASM_OBSERVE_COUNTERS: '1',
      WASM_OBSERVE_PROFILE_TIMING: 'sampled', WASM_OBSERVE_FOLDED_CALLS: '-',
      ...(muteAfter ? { WASM_OBSERVE_MUTE_AFTER: muteAfter } : {}) },
    encoding: 'utf8', timeout: 60000,
  });
  const lines = run.stderr.split('\n').filter((l) => /^wasm-observe( \[\d+\])?: \{"enters"/.test(l))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
  ok(`${what}: program output`, run.status === 0 && run.stdout.startsWith(plain.stdout),
    `exit ${run.status}, stdout ${JSON.stringify(run.stdout.slice(0, 300))}, stderr ${run.stderr.slice(0, 300)}`);
  const hotCalls = [...run.stdout.matchAll(/^(?:\S+;)*hot (\d+)$/gm)].map((m) => Number(m[1]));
  ok(`${what}: the profile counts the export's calls`, hotCalls.length >= 1 && hotCalls.every((n) => n === 1),
    JSON.stringify(run.stdout.slice(0, 400)));
  if (!muteAfter) {
    ok(`${what}: said on stderr`, /muted 1 sites \(256 calls in a row averaging under 1000 ns, judged from the 1000th call to the 2048th\): 1 of them patched out of the module \(--patchable: their later calls uncounted\); WASM_OBSERVE_MUTE_AFTER=never keeps every call$/m.test(run.stderr),
      run.stderr.slice(0, 400));
  }
  for (const [i, c] of lines.entries()) {
    const patched = c.sitesMuted === 1 && c.sitesPatched === 1 && c.enters < calls[i] / 5;
    const every = c.sitesMuted === 0 && c.sitesPatched === 0 && c.enters > calls[i];
    ok(`${what}: instance ${i + 1} ${muteAfter ? 'kept every call' : 'patched $tiny out'}`,
      lines.length === 2 && c.enters === c.exits && (muteAfter ? every : patched), JSON.stringify(lines));
  }
}
console.log(out.join('\n'));
