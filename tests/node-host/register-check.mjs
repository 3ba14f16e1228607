// The Node host's preload (runtime-shim/node/register.mjs) under a JS program
// (register-app.mjs) with an instrumented module (register.wat). Prints
// PASS/FAIL lines.
//   node register-check.mjs INSTRUMENTED.wasm WORKDIR BACKEND
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [wasm, work, backend] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const preload = path.join(here, '../../runtime-shim/node/register.mjs');
const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS register ${name} [${backend}]` : `FAIL register ${name} [${backend}]: ${why}`);

// (not the OTLP/HTTP settings of the environment: register-otlp.mjs tests those)
const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_EXPORTER_OTLP_')));
const run = (env, args = [wasm]) => spawnSync(process.execPath, ['--import', preload, path.join(here, 'register-app.mjs'), ...args], {
  env: { ...inherited, WASM_OBSERVE_BACKEND: backend, ...env }, encoding: 'utf8', timeout: 60000,
});
const expected = 'run(5) = 16\nrun(0): trap\nrun(3) = 10\nreenter(2) = 107\nsecond run(1) = 4\nworker run(4) = 13\n';

fs.mkdirSync(work, { recursive: true });
const t = path.join(work, `trace-${backend}`);
for (const f of fs.readdirSync(work)) if (f.startsWith(`trace-${backend}.`)) fs.rmSync(path.join(work, f));
const r = run({ WASM_OBSERVE_OTLP_FILE: `${t}.jsonl`, WASM_OBSERVE_CHROME: `${t}.json`, WASM_OBSERVE_FOLDED_CALLS: `${t}.calls`,
  WASM_OBSERVE_COUNTERS: '1', OTEL_SERVICE_NAME: 'register-test', WASM_OBSERVE_FLAMEGRAPH: `${t}.svg` });
ok('program output and exit code', r.status === 0 && r.stdout === expected, `exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${r.stderr.slice(0, 300)}`);

const spansOf = (file) => {
  if (!fs.existsSync(file)) return null;
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => JSON.parse(l).resourceSpans[0].scopeSpans[0].spans);
};
const main = spansOf(`${t}.jsonl`) ?? [];
const byId = new Map(main.map((s) => [s.spanId, s]));
const pathOf = (s) => {
  const names = [];
  for (let x = s; x; x = byId.get(x.parentSpanId)) names.unshift(x.name + (x.status.code === 2 ? '!' : ''));
  return names.join('>');
};
const paths = main.map(pathOf);
// In the order spans end: run(5); run(0) cut short by the trap, closed as
// unwound when run(3) enters; run(3); reenter(2) with run(2) inside the import call.
const want = [
  'run>run>work>crash', 'run>run>work', 'run>run', 'run',
  'run!>run!>work!>crash!', 'run!>run!>work!', 'run!>run!', 'run!',
  'run>run>work>crash', 'run>run>work', 'run>run', 'run',
  'reenter>reenter>env.call_back>run>run>work>crash', 'reenter>reenter>env.call_back>run>run>work',
  'reenter>reenter>env.call_back>run>run', 'reenter>reenter>env.call_back>run', 'reenter>reenter>env.call_back',
  'reenter>reenter', 'reenter',
];
ok('spans of the main thread, a trap caught by the program closed as unwound', JSON.stringify(paths) === JSON.stringify(want), JSON.stringify(paths));
ok('a trace per call from JS', new Set(main.filter((s) => !s.parentSpanId).map((s) => s.traceId)).size === 4, JSON.stringify(main.map((s) => s.traceId)));
ok('service.name from OTEL_SERVICE_NAME', fs.existsSync(`${t}.jsonl`) && fs.readFileSync(`${t}.jsonl`, 'utf8').includes('{"key":"service.name","value":{"stringValue":"register-test"}}'));
const counters = r.stderr.split('\n').find((l) => l.startsWith('wasm-observe: {'));
ok('counters on stderr', counters && JSON.parse(counters.slice(14)).spansUnwound === 4, counters);
const second = spansOf(`${t}.2.jsonl`);
ok('second instance in its own file', second && second.length === 4 && second.every((s) => s.status.code === 0), JSON.stringify(second));
const workerFiles = fs.readdirSync(work).filter((f) => /^trace-.*\.thread-\d+\.json$/.test(f) && f.startsWith(`trace-${backend}.`));
let events = null;
try { events = JSON.parse(fs.readFileSync(path.join(work, workerFiles[0]), 'utf8')).traceEvents; } catch (e) { events = String(e); }
ok('a killed worker leaves a complete Chrome trace', workerFiles.length === 1 && Array.isArray(events) && events.length === 4, `${workerFiles} ${JSON.stringify(events).slice(0, 300)}`);
ok('folded call counts', fs.existsSync(`${t}.calls`) && fs.readFileSync(`${t}.calls`, 'utf8').includes('export:run;run;work;crash 3\n'), fs.existsSync(`${t}.calls`) ? fs.readFileSync(`${t}.calls`, 'utf8') : 'missing');

const svg = fs.existsSync(`${t}.svg`) ? fs.readFileSync(`${t}.svg`, 'utf8') : '';
ok('flame graph', svg.includes('</svg>') && svg.includes('crash'), `${svg.length} bytes`);

// Sampled profile timing: the same call counts, with no clock in the hooks
// (its own recorder, under WASM_OBSERVE_BACKEND auto).
{
  const sampled = run({ WASM_OBSERVE_BACKEND: 'auto', WASM_OBSERVE_PROFILE_TIMING: 'sampled', WASM_OBSERVE_FOLDED_CALLS: `${t}.sampled.calls` });
  const calls = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : 'missing');
  ok('sampled profile timing: the same call counts', sampled.status === 0 && sampled.stdout === expected &&
    calls(`${t}.sampled.calls`) === calls(`${t}.calls`), `exit ${sampled.status} ${sampled.stderr.slice(0, 200)}`);
  const mixed = run({ WASM_OBSERVE_PROFILE_TIMING: 'sampled', WASM_OBSERVE_CHROME: `${t}.never.json` });
  ok('sampled profile timing with spans: one line, exit 2', mixed.status === 2 && /^wasm-observe: WASM_OBSERVE_PROFILE_TIMING=sampled is for the profile outputs only/.test(mixed.stderr) &&
    !fs.existsSync(`${t}.never.json`), `exit ${mixed.status} ${JSON.stringify(mixed.stderr)}`);
}

// One recorder: WASM_OBSERVE_BACKEND=js (the JS recorder, removed) is one
// line and exit 2, the program not run; where the C recorder cannot be had,
// the program runs untraced, with one line on stderr per instance (the
// preload never stops a program for its own sake), and no file is written.
{
  const js = run({ WASM_OBSERVE_BACKEND: 'js', WASM_OBSERVE_CHROME: `${t}.js.json` });
  ok('WASM_OBSERVE_BACKEND=js refused: one line, exit 2', js.status === 2 && js.stdout === '' &&
    /^wasm-observe: WASM_OBSERVE_BACKEND=js: the JS recorder was removed; the C recorder \(auto or wasm32\) is the only one\n$/.test(js.stderr) &&
    !fs.existsSync(`${t}.js.json`), `exit ${js.status} ${JSON.stringify(js.stderr)}`);
  const none = run({ WASM_OBSERVE_RECORDER: path.join(work, 'missing-recorder.wasm'), WASM_OBSERVE_CHROME: `${t}.none.json` });
  const lines = none.stderr.split('\n').filter(Boolean);
  ok('no recorder: runs untraced, one line per instance', none.status === 0 && none.stdout === expected && lines.length >= 1 &&
    lines.every((l) => /^wasm-observe: cannot trace a module, running it untraced: the C recorder \(wasm32\) is unavailable: ENOENT/.test(l)) &&
    !fs.readdirSync(work).some((f) => f.startsWith(`trace-${backend}.none`)), `exit ${none.status} ${JSON.stringify(none.stderr.slice(0, 400))}`);
}

// Nothing to write: the module still runs, no files.
const quiet = run({});
ok('no outputs set: runs untraced', quiet.status === 0 && quiet.stdout === expected && quiet.stderr === '', `exit ${quiet.status} ${quiet.stderr.slice(0, 200)}`);
// A bad setting: one line, exit 2.
const bad = run({ WASM_OBSERVE_MIN_DURATION_NS: 'soon' });
ok('bad setting: one line, exit 2', bad.status === 2 && /^wasm-observe: WASM_OBSERVE_MIN_DURATION_NS: not a number: soon\n$/.test(bad.stderr), `exit ${bad.status} ${JSON.stringify(bad.stderr)}`);
console.log(out.join('\n'));
