// The checks of tests/otel-api/run.sh: app.cjs (an HTTP server traced by the
// OpenTelemetry SDK with the HTTP instrumentation, its handler running SQL
// through an instrumented sql.js) run in several ways; one PASS/FAIL line per
// check.
//
//   node check.mjs --wasm INSTRUMENTED.wasm --work DIR
//
// Runs (each request one trace: the server span, the module's export spans
// under it, the function spans under those):
//   recorder        createRecorder({ openTelemetry: true }), in-memory exporter
//   preload         WASM_OBSERVE_OTEL=1, in-memory exporter; with
//                   WASM_OBSERVE_OTLP_FILE too: the same spans as the
//                   recorder's own OTLP output (names, kinds, times,
//                   attributes, the tree, the trace ids)
//   tracestate      requests continuing a remote trace with a tracestate:
//                   the module's spans in that trace, with its trace state
//   otlp            WASM_OBSERVE_OTEL=1, the SDK's BatchSpanProcessor and
//                   OTLP/HTTP protobuf exporter into @elastic/mockotlpserver
//   small-batches   batchSize 16: parents still open in the recorder when
//                   their children are handed over (its open spans are read)
//   unsampled       the server span is not sampled: no span of the module
//   budget          spanRate 1, spanBurst 40: fewer spans, none without its
//                   parent (the recorder's kept-parent rule)
//   no-option       the preload without WASM_OBSERVE_OTEL: the application's
//                   exporter gets its own spans only, and the recorder's
//                   OTLP file the same call tree as with the option, in
//                   traces of its own
//   no-provider     WASM_OBSERVE_OTEL=1 and no tracer provider: the program
//                   runs as without, its module spans in traces of their own
//   no-api          WASM_OBSERVE_OTEL=1 where @opentelemetry/api is not
//                   installed: one line on stderr, the program runs;
//                   createRecorder's option: an INVALID_ARGUMENT error
//   refused         the option with backend 'js' (the JS recorder was removed),
//                   without spans, or with a non-API object: refused
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const SHIM = path.join(ROOT, 'runtime-shim/node');
const require = createRequire(import.meta.url);
const { MockOtlpServer } = require('@elastic/mockotlpserver');

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['wasm', 'work']) if (!opt[k]) { console.log(`FAIL check.mjs: --${k} missing`); process.exit(1); }
fs.mkdirSync(opt.work, { recursive: true });
const w = (f) => path.join(opt.work, f);
const REQUESTS = 2;
const BODIES = ['200 rows 2 qty 3\n', '200 rows 4 qty 9\n'];

let failed = 0;
function check(name, fn) {
  let problems;
  try { problems = fn(); } catch (e) { problems = [`threw ${e.stack}`]; }
  if (problems.length === 0) console.log(`PASS ${name}`);
  else { failed++; console.log(`FAIL ${name}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5})` : ''}`); }
}

const env = (extra) => {
  const e = { ...process.env, ...extra };
  for (const k of Object.keys(e)) if (k.startsWith('WASM_OBSERVE_') && !(k in extra) && k !== 'WASM_OBSERVE_RECORDER' && k !== 'WASM_OBSERVE_CACHE') delete e[k];
  return e;
};
const PRELOAD = ['--import', path.join(SHIM, 'register.mjs')];

// Runs app.cjs; returns { status, stderr, out (its JSON) }.
function runApp(name, { preload = false, extraEnv = {}, args = [], cwd = HERE, script = path.join(HERE, 'app.cjs') } = {}) {
  const out = w(`${name}.json`);
  const r = spawnSync(process.execPath, [...(preload ? PRELOAD : []), script, '--wasm', opt.wasm, '--out', out, ...args],
    { cwd, env: env(extraEnv), encoding: 'utf8', timeout: 120000 });
  fs.writeFileSync(w(`${name}.stderr`), r.stderr ?? '');
  let json = null;
  try { json = JSON.parse(fs.readFileSync(out, 'utf8')); } catch {}
  return { status: r.status, stderr: r.stderr ?? '', out: json, error: r.error };
}
function ran(r) {
  if (r.status !== 0 || !r.out) return [`exit ${r.status} ${r.error ?? ''}: ${r.stderr.slice(0, 400)}`];
  const p = [];
  if (JSON.stringify(r.out.bodies) !== JSON.stringify(BODIES)) p.push(`responses ${JSON.stringify(r.out.bodies)}`);
  return p;
}

const isWasm = (s) => s.scope === 'wasm-observe';
const big = (x) => BigInt(x);

// The trees: `requests` traces, each the server span (a root) and module
// spans whose parents are in it, the module's roots being export spans under
// the server span, function spans under those, each inside its parent's
// interval. `exportRoots`: the roots must be export spans (not with muting).
function treeProblems(spans, { requests = REQUESTS, exportRoots = true, wantWasm = true } = {}) {
  const p = [];
  const byTrace = new Map();
  for (const s of spans) {
    if (!byTrace.has(s.traceId)) byTrace.set(s.traceId, []);
    byTrace.get(s.traceId).push(s);
  }
  if (byTrace.size !== requests) p.push(`${byTrace.size} traces for ${requests} requests`);
  for (const [traceId, list] of byTrace) {
    const servers = list.filter((s) => !isWasm(s) && s.kind === 'SERVER');
    if (servers.length !== 1 || servers[0].parentSpanId) {
      p.push(`trace ${traceId}: ${servers.length} HTTP server spans${servers[0]?.parentSpanId ? ' (with a parent)' : ''}`);
      continue;
    }
    const server = servers[0];
    const ids = new Map(list.map((s) => [s.spanId, s]));
    const wasm = list.filter(isWasm);
    if (wantWasm && wasm.length === 0) p.push(`trace ${traceId}: no module span`);
    let roots = 0, functionsUnderExports = 0;
    for (const s of wasm) {
      const parent = ids.get(s.parentSpanId);
      if (!parent) { p.push(`${s.name} ${s.spanId}: parent ${s.parentSpanId} not in trace ${traceId}`); continue; }
      if (parent === server) {
        roots++;
        if (exportRoots && (s.kind !== 'SERVER' || !('wasm.export.name' in s.attrs))) p.push(`${s.name}: under the server span but not an export span (${s.kind})`);
      }
      if (isWasm(parent) && parent.kind === 'SERVER' && s.kind === 'INTERNAL') functionsUnderExports++;
      // Within the parent's interval: exactly under a module span (one
      // clock); under the application's span, within 1 ms: the SDK starts its
      // own spans at Date.now() (whole ms, then its monotonic clock), so its
      // times are up to 1 ms early, as it gives them to its own children too.
      const slack = isWasm(parent) ? 0n : 1000000n;
      if (big(s.start) < big(parent.start) - slack || big(s.end) > big(parent.end) + slack || big(s.end) < big(s.start)) {
        p.push(`${s.name} [${s.start}, ${s.end}] outside its parent ${parent.name} [${parent.start}, ${parent.end}]`);
      }
      if (!s.sampled) p.push(`${s.name}: not sampled`);
    }
    if (wantWasm && roots === 0) p.push(`trace ${traceId}: no module span under the server span`);
    if (wantWasm && exportRoots && functionsUnderExports === 0) p.push(`trace ${traceId}: no function span under an export span`);
  }
  return p;
}

// The names, kinds and attributes the recorder's OTLP exporters give.
function attributeProblems(spans) {
  const p = [];
  for (const s of spans.filter(isWasm)) {
    const a = s.attrs;
    if (a['code.function.name'] !== s.name) p.push(`${s.name}: code.function.name ${a['code.function.name']}`);
    if (!Number.isInteger(a['wasm.function.index'])) p.push(`${s.name}: wasm.function.index ${a['wasm.function.index']}`);
    const kind = 'wasm.export.name' in a ? 'SERVER' : 'wasm.import.module' in a ? 'CLIENT' : 'INTERNAL';
    if (s.kind !== kind) p.push(`${s.name}: kind ${s.kind}, attributes say ${kind}`);
  }
  return p;
}

// ---- createRecorder, in-memory exporter ----
const recorderArgs = (extra = {}) => ['--recorder', path.join(SHIM, 'wasm-observe.mjs'), '--otel',
  ...(Object.keys(extra).length ? ['--recorder-options', JSON.stringify(extra)] : [])];
{
  const r = runApp('recorder', { args: recorderArgs() });
  check('recorder: runs', () => ran(r));
  if (r.out) {
    check('recorder: one trace per request, module spans under the server span', () => treeProblems(r.out.spans));
    check('recorder: names, kinds, attributes', () => attributeProblems(r.out.spans));
    check('recorder: every recorded span handed to the tracer', () => {
      const n = r.out.spans.filter(isWasm).length;
      const { spansRecorded } = r.out.counters;
      const s = r.out.otelStats;
      return n === spansRecorded && s.spans === n && s.open === 0 && s.endedAtClose === 0 && n > 1000 ? []
        : [`${n} module spans, ${spansRecorded} recorded, stats ${JSON.stringify(s)}`];
    });
  }
}

// ---- the preload, with the recorder's own OTLP file beside ----
function readOtlpFile(file) {
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const attrs = {};
          for (const kv of s.attributes) attrs[kv.key] = kv.value.stringValue ?? Number(kv.value.intValue);
          out.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name,
            kind: ['', 'INTERNAL', 'SERVER', 'CLIENT'][s.kind], start: s.startTimeUnixNano, end: s.endTimeUnixNano, attrs,
            status: s.status.code === 2 ? 'ERROR' : 'UNSET' });
        }
      }
    }
  }
  return out;
}
// The call tree as "parent name > name" counts (ids and times left out),
// of the module's spans (`spans` may hold the application's too).
function edges(spans) {
  const ids = new Map(spans.map((s) => [s.spanId, s]));
  const count = new Map();
  for (const s of spans) {
    if (s.scope !== undefined && !isWasm(s)) continue;
    const k = `${ids.get(s.parentSpanId)?.name ?? '(root)'} > ${s.name}`;
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  return count;
}
let preloadFileEdges = null;
{
  const file = w('preload.otlp.jsonl');
  const r = runApp('preload', { preload: true, extraEnv: { WASM_OBSERVE_OTEL: '1', WASM_OBSERVE_OTLP_FILE: file } });
  check('preload: runs, nothing on stderr', () => [...ran(r), ...(r.stderr ? [`stderr: ${r.stderr.slice(0, 300)}`] : [])]);
  if (r.out) {
    check('preload: one trace per request, module spans under the server span', () => treeProblems(r.out.spans));
    check('preload: names, kinds, attributes', () => attributeProblems(r.out.spans));
    check('preload: the same spans as the recorder\'s OTLP output', () => {
      const p = [];
      const own = readOtlpFile(file);
      preloadFileEdges = edges(own);
      const app = r.out.spans.filter(isWasm);
      if (own.length !== app.length) p.push(`${app.length} spans in the application's trace, ${own.length} in the OTLP file`);
      // the same times but for an offset: the tracer's are on the SDK's clock
      const first = (list) => list.reduce((m, s) => (big(s.start) < m ? big(s.start) : m), big(list[0]?.start ?? 0));
      const offset = first(app) - first(own);
      const key = (s, shift = 0n) => `${s.name}|${big(s.start) - shift}|${big(s.end) - shift}`;
      const appBy = new Map(app.map((s) => [key(s, offset), s]));
      const ownIds = new Map(own.map((s) => [s.spanId, s]));
      const appIds = new Map(r.out.spans.map((s) => [s.spanId, s]));
      for (const s of own) {
        const a = appBy.get(key(s));
        if (!a) { p.push(`${key(s)} not in the application's trace`); continue; }
        if (a.traceId !== s.traceId) p.push(`${s.name}: trace ${a.traceId}, the recorder's ${s.traceId}`);
        if (a.kind !== s.kind || a.status !== s.status) p.push(`${s.name}: ${a.kind} ${a.status}, the recorder's ${s.kind} ${s.status}`);
        for (const [k, v] of Object.entries(s.attrs)) if (k !== 'thread.id' && a.attrs[k] !== v) p.push(`${s.name}: ${k} ${a.attrs[k]}, the recorder's ${v}`);
        const ownParent = ownIds.get(s.parentSpanId);
        const appParent = appIds.get(a.parentSpanId);
        if (ownParent ? !appParent || key(ownParent) !== key(appParent, offset) : !appParent || isWasm(appParent) || appParent.spanId !== s.parentSpanId) {
          p.push(`${s.name}: parent ${appParent?.name} in the application's trace, ${ownParent?.name ?? s.parentSpanId} in the recorder's`);
        }
      }
      return p;
    });
  }
}

// ---- a remote parent with a trace state ----
{
  const traceId = '0af7651916cd43dd8448eb211c80319c', remote = 'b7ad6b7169203331';
  const r = runApp('tracestate', { preload: true, extraEnv: { WASM_OBSERVE_OTEL: '1' }, args: ['--traceparent', `00-${traceId}-${remote}-01`] });
  check('tracestate: runs', () => ran(r));
  if (r.out) {
    check('tracestate: the module\'s spans in the remote trace, with its trace state', () => {
      const p = [];
      const wasm = r.out.spans.filter(isWasm);
      const servers = r.out.spans.filter((s) => !isWasm(s));
      if (wasm.length < 1000 || servers.length !== REQUESTS) p.push(`${wasm.length} module spans, ${servers.length} others`);
      if (servers.some((s) => s.parentSpanId !== remote)) p.push('a server span not under the remote parent');
      const bad = r.out.spans.filter((s) => s.traceId !== traceId || s.traceState !== 'vendor=1');
      if (bad.length) p.push(`${bad.length} spans out of the trace or without its state, e.g. ${JSON.stringify(bad[0]).slice(0, 200)}`);
      const ids = new Set(r.out.spans.map((s) => s.spanId));
      if (wasm.some((s) => !ids.has(s.parentSpanId))) p.push('a module span without its parent');
      return p;
    });
  }
}

// ---- OTLP/HTTP into mockotlpserver ----
const hexOfBase64 = (b) => Buffer.from(b ?? '', 'base64').toString('hex');
{
  const received = [];
  const mock = new MockOtlpServer({ services: ['http'], httpHostname: '127.0.0.1', httpPort: 0, logLevel: 'warn', onTrace: (t) => received.push(t) });
  await mock.start();
  const url = new URL('v1/traces', String(mock.httpUrl)).href;
  const out = w('otlp.json');
  const status = await new Promise((resolve) => {
    const child = spawn(process.execPath, [...PRELOAD, path.join(HERE, 'app.cjs'), '--wasm', opt.wasm, '--out', out, '--otlp', url],
      { cwd: HERE, env: env({ WASM_OBSERVE_OTEL: '1' }), stdio: ['ignore', 'ignore', fs.openSync(w('otlp.stderr'), 'w')] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
  await mock.close();
  const spans = [];
  for (const t of received) {
    if (typeof t?.constructor?.toObject !== 'function') continue;
    const o = t.constructor.toObject(t, { longs: String, bytes: String, enums: String });
    for (const rs of o.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attrs = {};
          for (const kv of s.attributes ?? []) attrs[kv.key] = kv.value.stringValue ?? (kv.value.intValue !== undefined ? Number(kv.value.intValue) : kv.value);
          spans.push({ traceId: hexOfBase64(s.traceId), spanId: hexOfBase64(s.spanId), parentSpanId: hexOfBase64(s.parentSpanId),
            sampled: true, name: s.name, kind: (s.kind ?? '').replace('SPAN_KIND_', ''), start: s.startTimeUnixNano, end: s.endTimeUnixNano,
            attrs, scope: ss.scope?.name });
        }
      }
    }
  }
  fs.writeFileSync(w('otlp.received.json'), JSON.stringify(spans));
  let bodies = null;
  try { bodies = JSON.parse(fs.readFileSync(out, 'utf8')).bodies; } catch {}
  check('otlp: runs', () => (status === 0 && JSON.stringify(bodies) === JSON.stringify(BODIES) ? [] : [`exit ${status}, ${JSON.stringify(bodies)}: ${fs.readFileSync(w('otlp.stderr'), 'utf8').slice(0, 300)}`]));
  check('otlp: the collector gets one trace per request, module spans under the server span', () => treeProblems(spans));
  check('otlp: names, kinds, attributes', () => attributeProblems(spans));
  check('otlp: the same call tree as the recorder\'s own output', () => {
    if (!preloadFileEdges) return ['no preload run to compare with'];
    const got = edges(spans);
    const p = [];
    for (const [k, n] of preloadFileEdges) {
      const k2 = k.startsWith('(root) > ') ? `GET > ${k.slice(9)}` : k; // the roots' parent: the server span
      if (got.get(k2) !== n) p.push(`${k2}: ${got.get(k2) ?? 0}, the recorder's ${n}`);
    }
    return p;
  });
}

// ---- small batches: parents still open when their children go out ----
{
  const r = runApp('small-batches', { args: recorderArgs({ batchSize: 16 }) });
  check('small-batches: runs', () => ran(r));
  if (r.out) {
    check('small-batches: one trace per request, module spans under the server span', () => treeProblems(r.out.spans));
    check('small-batches: parents read from the recorder\'s open spans', () => {
      const s = r.out.otelStats;
      return s.openSpansReads > 0 && s.spans === r.out.counters.spansRecorded && s.open === 0 ? [] : [`stats ${JSON.stringify(s)}`];
    });
  }
}

// ---- an unsampled server span: no module span ----
{
  const r = runApp('unsampled', { args: [...recorderArgs(), '--unsampled'] });
  check('unsampled: runs', () => ran(r));
  if (r.out) {
    check('unsampled: no span exported, the module\'s spans dropped', () => {
      const c = r.out.counters;
      const p = [];
      if (r.out.spans.length) p.push(`${r.out.spans.length} spans exported`);
      if (c.spansRecorded !== 0 || c.spansFiltered !== c.enters || c.enters < 1000) p.push(`counters ${JSON.stringify(c)}`);
      return p;
    });
  }
}

// ---- the span budget ----
{
  const r = runApp('budget', { args: recorderArgs({ spanRate: 1, spanBurst: 40 }) });
  check('budget: runs', () => ran(r));
  if (r.out) {
    check('budget: spans over the rate dropped, none without its parent', () => {
      const c = r.out.counters;
      const n = r.out.spans.filter(isWasm).length;
      // the burst goes in the first request: the second may have none
      const p = treeProblems(r.out.spans, { exportRoots: false, wantWasm: false });
      if (!(c.spansOverRate > 0) || n === 0 || n !== c.spansRecorded || n > 2 * 40 + 10) p.push(`${n} module spans, counters ${JSON.stringify(c)}`);
      return p;
    });
  }
}

// ---- without the option: the recorder's own output as before ----
{
  const file = w('no-option.otlp.jsonl');
  const r = runApp('no-option', { preload: true, extraEnv: { WASM_OBSERVE_OTLP_FILE: file } });
  check('no-option: runs', () => [...ran(r), ...(r.stderr ? [`stderr: ${r.stderr.slice(0, 300)}`] : [])]);
  if (r.out) {
    check('no-option: the application\'s exporter gets its own spans only', () => {
      const p = [];
      if (r.out.spans.some(isWasm)) p.push(`${r.out.spans.filter(isWasm).length} module spans`);
      if (r.out.spans.length !== REQUESTS) p.push(`${r.out.spans.length} spans`);
      return p;
    });
    check('no-option: the recorder\'s output has the same call tree, in traces of its own', () => {
      const own = readOtlpFile(file);
      const p = [];
      const serverTraces = new Set(r.out.spans.map((s) => s.traceId));
      const roots = own.filter((s) => !s.parentSpanId);
      if (!roots.length || roots.some((s) => serverTraces.has(s.traceId))) p.push('roots in the application\'s traces');
      const ids = new Set(own.map((s) => s.spanId));
      if (own.some((s) => s.parentSpanId && !ids.has(s.parentSpanId))) p.push('a parent missing');
      if (!preloadFileEdges) return [...p, 'no preload run to compare with'];
      const got = edges(own);
      for (const [k, n] of preloadFileEdges) if (got.get(k) !== n) p.push(`${k}: ${got.get(k) ?? 0}, with the option ${n}`);
      if (got.size !== preloadFileEdges.size) p.push(`${got.size} call paths, with the option ${preloadFileEdges.size}`);
      return p;
    });
  }
}

// ---- the option without a tracer provider ----
{
  const file = w('no-provider.otlp.jsonl');
  const r = runApp('no-provider', { preload: true, extraEnv: { WASM_OBSERVE_OTEL: '1', WASM_OBSERVE_OTLP_FILE: file }, args: ['--no-provider'] });
  check('no-provider: runs as without the option', () => [...ran(r), ...(r.stderr ? [`stderr: ${r.stderr.slice(0, 300)}`] : [])]);
  check('no-provider: the module\'s spans in traces of their own', () => {
    const own = readOtlpFile(file);
    const roots = own.filter((s) => !s.parentSpanId);
    const ids = new Set(own.map((s) => s.spanId));
    return own.length > 1000 && roots.length > 0 && own.every((s) => !s.parentSpanId || ids.has(s.parentSpanId)) ? []
      : [`${own.length} spans, ${roots.length} roots`];
  });
}

// ---- @opentelemetry/api not installed ----
{
  const dir = w('no-api');
  fs.mkdirSync(dir, { recursive: true });
  // app.cjs's packages, by absolute path; @opentelemetry/api is not found from `dir`
  const sqljs = require.resolve('sql.js');
  fs.writeFileSync(path.join(dir, 'plain.cjs'), `
const initSqlJs = require(${JSON.stringify(sqljs)});
initSqlJs({ locateFile: () => ${JSON.stringify(path.resolve(opt.wasm))} }).then((SQL) => {
  const db = new SQL.Database();
  console.log(JSON.stringify(db.exec('SELECT 6 * 7')[0].values));
});
`);
  const r = spawnSync(process.execPath, [...PRELOAD, 'plain.cjs'], { cwd: dir, env: env({ WASM_OBSERVE_OTEL: '1' }), encoding: 'utf8', timeout: 60000 });
  check('no-api: the preload says so in one line and the program runs', () => {
    const lines = (r.stderr ?? '').split('\n').filter(Boolean);
    return r.status === 0 && r.stdout === '[[42]]\n' && lines.length === 1 && /WASM_OBSERVE_OTEL=1 ignored: .*@opentelemetry\/api/.test(lines[0]) ? []
      : [`exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`];
  });
  fs.writeFileSync(path.join(dir, 'recorder.mjs'), `
import { createRecorder } from ${JSON.stringify(path.join(SHIM, 'wasm-observe.mjs'))};
try { createRecorder({ openTelemetry: true }); console.log('made'); } catch (e) { console.log(e.code, e.message); }
`);
  const q = spawnSync(process.execPath, ['recorder.mjs'], { cwd: dir, env: env({}), encoding: 'utf8', timeout: 60000 });
  check('no-api: createRecorder refuses the option', () => (/^INVALID_ARGUMENT openTelemetry: @opentelemetry\/api is not installed/.test(q.stdout) ? [] : [`${q.stdout} ${q.stderr}`]));
}

// ---- refused: backend 'js' (the JS recorder was removed), no spans, not the API ----
{
  const q = spawnSync(process.execPath, ['--input-type=module', '-e', `
import { createRecorder } from ${JSON.stringify(path.join(SHIM, 'wasm-observe.mjs'))};
import * as api from '@opentelemetry/api';
for (const o of [{ backend: 'js' }, { record: 'profile' }, { backend: 'wasm32', openTelemetry: {} }]) {
  try { createRecorder({ openTelemetry: api, ...o }); console.log('made'); } catch (e) { console.log(e.code); }
}
`], { cwd: HERE, env: env({}), encoding: 'utf8', timeout: 60000 });
  check('refused: backend js, no spans, not the API', () => (q.stdout === 'INVALID_ARGUMENT\nINVALID_ARGUMENT\nINVALID_ARGUMENT\n' ? [] : [`${q.stdout} ${q.stderr}`]));
  const r = spawnSync(process.execPath, [...PRELOAD, '-e', '0'], { cwd: HERE, env: env({ WASM_OBSERVE_OTEL: '1', WASM_OBSERVE_BACKEND: 'js' }), encoding: 'utf8', timeout: 60000 });
  check('refused: WASM_OBSERVE_OTEL=1 with WASM_OBSERVE_BACKEND=js', () => (r.status === 2 && /^wasm-observe: WASM_OBSERVE_BACKEND=js: the JS recorder was removed; the C recorder \(auto or wasm32\) is the only one\n$/.test(r.stderr) ? [] : [`exit ${r.status}: ${r.stderr}`]));
}

process.exitCode = failed ? 1 : 0;
