#!/usr/bin/env node
// Runs one instrumented component under host.mjs with its OTLP/HTTP exporter
// pointed at an @elastic/mockotlpserver started here (in this process, on a free
// port of 127.0.0.1, with an onTrace callback), then checks what the collector
// received and the host's report. One PASS/FAIL line per check.
//
//   node check.mjs --name NAME --link wasi-otel|wasi-observe --component C.wasm
//                  --golden NAME.folded --version V --work DIR
//                  [--outer host|tracestate|invalid|zero] [--processor batch|simple]
//                  [--calls "NAME ARG...;NAME ARG..."] [--roots N] [--unwound N]
//                  [--fault F --expect CHECK] [-- ARGS...]
//
// DIR receives out, err, rc (the program's stdout, stderr, exit status),
// report.json (the host's), received.json (the spans as received) and js/.
// With --fault, host.mjs misreports one thing (host.mjs FAULTS) and this prints
// one line: PASS when the check CHECK failed, FAIL when it passed.
//
// --calls: host.mjs calls these exports (--call) instead of wasi:cli/run;
// --roots N: the calls make N root spans (default 1); --unwound N: N spans end
// with status error "unwound" (default 0). A golden file's line
// "# open-chain: PATH" names the spans left open (a trap: the poisoned instance
// is never entered again). Without it, the golden's "open N" (the spans that
// exit() cut, in a host of the hooks) is not expected here: the guest shim ends
// those spans itself when the proc_exit import is entered.
// --outer and --processor are passed to host.mjs. With --outer invalid or zero
// the component must start a trace of its own: "one trace" then wants every
// wasm span in one trace that is not the host span's, and "root" a root span
// without a parent.
//
// Checks (every span is checked; "wasm spans" are all but the host's own):
//   start before end  the host saw on-start (start) before on-end (end) for
//                     every span id, once each, in the same trace with the same
//                     flags; no end refused (Spin refuses an end it did not see
//                     start); every received wasm span was started
//   stack order       spans end innermost first: each end is the innermost open
//                     span's, and (wasi-otel) its parent is the span below it
//                     (the host span for the root); wasi-observe: each span is
//                     dropped once, after its end
//   received all      the collector got every span the host exported, once
//   one trace         every span's trace id is the host span's
//   root              the component asked for the outer context once per root
//                     (--roots, default 1); the received roots (parent: the host
//                     span) are export entries (SERVER), the first of them the
//                     first span started; a root left open (the golden file's
//                     open chain: a trap) is not received, and the first span
//                     started is the first one left open
//   complete trace    every span's parent reached the collector (or is the root's
//                     parent): no span hangs off one that was never sent
//   parents           every other span's parent is a span of the trace (or one
//                     of the spans still open)
//   tree              the call paths with counts rebuilt from the parent links
//                     (SERVER spans named export:NAME, CLIENT import:NAME) equal
//                     the golden file's, lines with __stdio_write or
//                     __stdio_exit left out on both sides (stdout is a terminal
//                     for the adapter: tests/component/run.sh)
//   kinds             SERVER/CLIENT/INTERNAL agree with wasm.site.kind
//                     (export/import/function); no other kind
//   attributes        code.function.name is the span's name; wasm.function.index
//                     an integer (OTLP intValue) >= 0; imports: wasm.import.module
//                     and wasm.import.name make the name; exports:
//                     wasm.export.name is the name; wasm.module a string; no
//                     attribute the host could not decode
//   shim counters     wasm.shim.* attributes only on root spans; the root that
//                     ended last carries exactly --shim-counters "K=V,..."
//                     (default: none), e.g. unwound_spans=6
//   scope             (wasi-otel) instrumentation scope "wasm-instrument" with the
//                     tool's version
//   trace state       every wasm span carries the trace-state of the host span
//                     (the outer context's: children inherit it)
//   ids               trace ids 32 and span ids 16 lowercase hex digits, not all
//                     zero, as the component passed them (the host checks the raw
//                     strings) and as received; span ids unique
//   times             start <= end for every span; a child inside its parent
//                     (wasi-otel: exactly; wasi-observe, whose times are the
//                     SDK's, Date.now()-based per span: 1 ms of slack); the root
//                     inside the host span (2 ms of slack: the wall clocks are
//                     Date.now(), whole milliseconds)
//   status            every wasm span's status is unset, but --unwound N of them:
//                     error "unwound" (wasi-observe: set-status(error("unwound")))
//   open at exit      the spans of the golden file's open chain (a trap) are
//                     open at the end, none of them received; otherwise none is
//                     open (after exit() neither: the shim ends them at proc_exit)
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { MockOtlpServer } = require('@elastic/mockotlpserver');

// ---- command line --------------------------------------------------------------
const opt = {};
const argv = process.argv.slice(2);
let progArgs = [];
while (argv.length) {
  const a = argv.shift();
  if (a === '--') { progArgs = argv.splice(0); break; }
  if (!a.startsWith('--') || !argv.length) { console.log(`FAIL check.mjs: bad arguments near ${a}`); process.exit(1); }
  opt[a.slice(2)] = argv.shift();
}
for (const k of ['name', 'link', 'component', 'golden', 'version', 'work']) {
  if (!opt[k]) { console.log(`FAIL check.mjs: --${k} missing`); process.exit(1); }
}
const observe = opt.link === 'wasi-observe';
const label = `${opt.name} [${opt.link}]`;
fs.mkdirSync(opt.work, { recursive: true });

// ---- run the host against the collector --------------------------------------------------
const received = [];
const mock = new MockOtlpServer({
  services: ['http'], httpHostname: '127.0.0.1', httpPort: 0, logLevel: 'warn',
  onTrace: (t) => received.push(t),
});
await mock.start();
const url = new URL('v1/traces', String(mock.httpUrl)).href;
const w = (f) => path.join(opt.work, f);
const hostArgs = [path.join(HERE, 'host.mjs'), '--otlp', url, '--report', w('report.json'), '--js-dir', w('js')];
if (opt.fault) hostArgs.push('--fault', opt.fault);
if (opt.outer) hostArgs.push('--outer', opt.outer);
if (opt.processor) hostArgs.push('--processor', opt.processor);
for (const c of (opt.calls ?? '').split(';').filter(Boolean)) hostArgs.push('--call', c);
const wantRoots = Number(opt.roots ?? 1);
const wantUnwound = Number(opt.unwound ?? 0);
hostArgs.push(opt.component, ...progArgs);
const rc = await new Promise((resolve) => {
  const out = fs.openSync(w('out'), 'w');
  const err = fs.openSync(w('err'), 'w');
  // the host's deadline is coreutils' timeout, not a timer of this process: it
  // still kills the host when this process is killed first (an orphaned host
  // running wasm kept a core busy for 22 minutes once); 137 when it did
  const child = spawn('timeout', ['-s', 'KILL', '120', process.execPath, ...hostArgs], { stdio: ['ignore', out, err] });
  child.on('exit', (code, signal) => resolve(code ?? `signal ${signal}`));
});
fs.writeFileSync(w('rc'), `${rc}\n`);
let report = null;
try {
  report = JSON.parse(fs.readFileSync(w('report.json'), 'utf8'));
} catch (e) {
  console.log(`FAIL ${label}: the host wrote no report (exit ${rc}): ${fs.readFileSync(w('err'), 'utf8').split('\n').slice(-3).join(' ')}`);
  await mock.close();
  process.exit(1);
}

// The exporter's requests were answered before the host exited; give the
// callback a moment all the same.
const receivedCount = () => received.reduce((n, t) => n + (t.resourceSpans ?? []).reduce(
  (m, rs) => m + (rs.scopeSpans ?? []).reduce((k, ss) => k + (ss.spans?.length ?? 0), 0), 0), 0);
for (let i = 0; i < 100 && receivedCount() < report.exported + 1; i++) await new Promise((r) => setTimeout(r, 20));
await mock.close();

// ---- the received spans, from the protobuf messages ------------------------------------------
function hexOfBase64(b) { return Buffer.from(b ?? '', 'base64').toString('hex'); }
function spansOf() {
  const out = [];
  for (const t of received) {
    if (typeof t?.constructor?.toObject !== 'function') continue;
    const o = t.constructor.toObject(t, { longs: String, bytes: String, enums: String });
    for (const rs of o.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attrs = {};
          for (const kv of s.attributes ?? []) attrs[kv.key] = kv.value ?? {};
          out.push({
            traceId: hexOfBase64(s.traceId),
            spanId: hexOfBase64(s.spanId),
            parentSpanId: hexOfBase64(s.parentSpanId),
            traceState: s.traceState ?? '',
            name: s.name,
            kind: (s.kind ?? 'SPAN_KIND_UNSPECIFIED').replace('SPAN_KIND_', ''),
            start: BigInt(s.startTimeUnixNano ?? 0),
            end: BigInt(s.endTimeUnixNano ?? 0),
            attrs,
            status: { code: (s.status?.code ?? 'STATUS_CODE_UNSET').replace('STATUS_CODE_', ''), message: s.status?.message ?? '' },
            scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
          });
        }
      }
    }
  }
  return out;
}
const all = spansOf();
fs.writeFileSync(w('received.json'), JSON.stringify(all, (k, v) => (typeof v === 'bigint' ? v.toString() : v), 1));
const host = report.hostSpan;
const joined = !opt.outer || opt.outer === 'host' || opt.outer === 'tracestate';
// The parent of the root span: the host span, or none (a trace of its own).
const rootParent = joined ? host.spanId : '';
const hostSpan = all.find((s) => s.spanId === host.spanId);
const spans = all.filter((s) => s.spanId !== host.spanId);
const byId = new Map();
for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
// Open spans (never ended): wasi-otel "ID", wasi-observe "HANDLE ID"; in start order.
const openIds = report.open.map((o) => o.split(' ').pop());
const openIndex = new Map(openIds.map((id, i) => [id, i]));

// ---- the golden file ------------------------------------------------------------------------
const flush = /__stdio_write|__stdio_exit/;
const goldenText = fs.readFileSync(opt.golden, 'latin1');
const golden = new Map();
let goldenOpen = 0;
let goldenChain = null;
for (const line of goldenText.split('\n')) {
  const m = /^# unbalanced \d+ open (\d+)/.exec(line);
  if (m) goldenOpen = Number(m[1]);
  const c = /^# open-chain: (.*)$/.exec(line);
  if (c) goldenChain = c[1];
  if (!line || line.startsWith('#')) continue;
  const i = line.lastIndexOf(' ');
  golden.set(line.slice(0, i), Number(line.slice(i + 1)));
}
// The open chain (a trap): its spans are named <open#K> (K: start order) on
// both sides, and are not expected. A golden file without one counts as open
// the spans that exit() cut in a host of the hooks (the path to the proc_exit
// import): the guest shim ends them when proc_exit is entered, so here none is
// open and all are expected.
if (!goldenChain) goldenOpen = 0;
const chain = goldenChain ? goldenChain.split(';') : [];
const expected = new Map();
for (const [p, n] of golden) {
  if (flush.test(p)) continue;
  const parts = p.split(';');
  let k = 0;
  while (k < parts.length && k < chain.length && parts[k] === chain[k]) k++;
  if (k === parts.length && chain.length) continue; // an open span
  for (let j = 0; j < k; j++) parts[j] = `<open#${j}>`;
  const key = parts.join(';');
  expected.set(key, (expected.get(key) ?? 0) + n);
}

// ---- helpers -------------------------------------------------------------------------------------
const hexOk = (id, n) => typeof id === 'string' && id.length === n && /^[0-9a-f]+$/.test(id) && /[1-9a-f]/.test(id);
const labelOf = (s) => (s.kind === 'SERVER' ? `export:${s.name}` : s.kind === 'CLIENT' ? `import:${s.name}` : s.kind === 'INTERNAL' ? s.name : `?${s.kind}:${s.name}`);
const attrVal = (a) => (a === undefined ? undefined : a.stringValue ?? a.intValue ?? a.doubleValue ?? a.boolValue);
const pathMemo = new Map();
function pathOf(s, seen = new Set()) {
  if (pathMemo.has(s.spanId)) return pathMemo.get(s.spanId);
  let prefix;
  if (s.parentSpanId === rootParent) prefix = '';
  else if (seen.has(s.spanId)) prefix = '<cycle>';
  else if (byId.has(s.parentSpanId)) { seen.add(s.spanId); prefix = pathOf(byId.get(s.parentSpanId), seen); }
  else if (openIndex.has(s.parentSpanId)) prefix = Array.from({ length: openIndex.get(s.parentSpanId) + 1 }, (_, j) => `<open#${j}>`).join(';');
  else prefix = '<missing>';
  const p = prefix ? `${prefix};${labelOf(s)}` : labelOf(s);
  pathMemo.set(s.spanId, p);
  return p;
}
const ms = 1000000n;

// ---- checks --------------------------------------------------------------------------------------
const results = [];
function check(name, fn) {
  let problem;
  try {
    problem = fn();
  } catch (e) {
    problem = `threw ${e?.stack ?? e}`;
  }
  results.push({ name, problem });
}
const first = (list, n = 3) => list.slice(0, n).join('; ') + (list.length > n ? `; ... (${list.length} in all)` : '');
const seq = report.seq.map((e) => e.split(' '));

check('start before end', () => {
  const c = report.counts;
  const bad = ['endWithoutStart', 'duplicateStart', 'contextChanged'].filter((k) => c[k] > 0).map((k) => `${k} ${c[k]}`);
  if (bad.length) return `${bad.join(', ')}: ${first(report.samples)}`;
  const startedAt = new Map();
  const problems = [];
  seq.forEach(([op, a, b], i) => {
    const id = observe ? a : a;
    if (op === 's') {
      if (startedAt.has(id)) problems.push(`started twice: ${id}`);
      startedAt.set(id, i);
    } else if (op === 'e' && !(startedAt.get(id) < i)) problems.push(`ended before start: ${id}`);
  });
  const startedIds = new Set(seq.filter((e) => e[0] === 's').map((e) => (observe ? e[2] : e[1])));
  for (const s of spans) if (!startedIds.has(s.spanId)) problems.push(`received ${s.spanId} (${s.name}) without a start`);
  if (report.starts !== report.ends + report.open.length) problems.push(`${report.starts} starts, ${report.ends} ends, ${report.open.length} open`);
  return problems.length ? first(problems) : null;
});

check('stack order', () => {
  const problems = [];
  const stack = [];
  const state = new Map(); // observe handle -> 'open' | 'ended' | 'dropped'
  for (const [op, a, b] of seq) {
    if (op === 's') {
      stack.push(a);
      state.set(a, 'open');
    } else if (op === 'e') {
      const top = stack[stack.length - 1];
      if (top !== a) problems.push(`end of ${a} while ${top} is the innermost open span`);
      const i = stack.lastIndexOf(a);
      if (!observe) {
        const below = i > 0 ? stack[i - 1] : rootParent || '-';
        if (b !== below) problems.push(`${a} ends with parent ${b}, the span below it is ${below}`);
      }
      if (i >= 0) stack.splice(i, 1);
      state.set(a, 'ended');
    } else if (op === 'd') {
      if (state.get(a) !== 'ended') problems.push(`span ${a} dropped while ${state.get(a) ?? 'unknown'}`);
      state.set(a, 'dropped');
    }
  }
  if (observe) {
    const notDropped = [...state].filter(([, st]) => st === 'ended').map(([h]) => h);
    if (notDropped.length) problems.push(`ended, never dropped: ${first(notDropped)}`);
  }
  if (report.counts.notInnermost || report.counts.useAfterEnd || report.counts.droppedOpen) problems.push(first(report.samples));
  return problems.length ? first(problems) : null;
});

check('received all', () => {
  if (report.exportFailures) return `the exporter failed to send ${report.exportFailures} spans: ${first(report.samples.filter((x) => x.startsWith('export')))}`;
  if (report.exported !== report.ends) return `the host exported ${report.exported} spans for ${report.ends} ends`;
  if (spans.length !== report.exported) return `received ${spans.length} wasm spans, the host exported ${report.exported}`;
  if (byId.size !== spans.length) return `${spans.length - byId.size} span ids received twice`;
  if (!hostSpan) return 'the host span was not received';
  return null;
});

check('one trace', () => {
  if (!hexOk(host.traceId, 32)) return `host trace id ${host.traceId}`;
  if (!joined) {
    const ids = new Set(spans.map((s) => s.traceId));
    if (ids.size !== 1) return `the wasm spans are in ${ids.size} traces`;
    return ids.has(host.traceId) ? 'the wasm spans joined the host trace although the outer context was invalid' : null;
  }
  const other = all.filter((s) => s.traceId !== host.traceId);
  return other.length ? `${other.length} spans in another trace: ${first(other.map((s) => `${s.name} ${s.traceId}`))}` : null;
});

check('root', () => {
  const roots = spans.filter((s) => s.parentSpanId === rootParent);
  const orphans = joined ? spans.filter((s) => !s.parentSpanId) : spans.filter((s) => s.parentSpanId === host.spanId);
  if (orphans.length) return `${orphans.length} spans ${joined ? 'without a parent' : 'under the host span'}: ${first(orphans.map((s) => s.name))}`;
  if (!observe && report.outerCalls !== wantRoots) return `outer-span-context called ${report.outerCalls} times, expected ${wantRoots} (one per root)`;
  // The golden file's open chain starts with a root that was never ended.
  const receivedRoots = wantRoots - (chain.length ? 1 : 0);
  if (roots.length !== receivedRoots) return `${roots.length} received spans have ${joined ? 'the host span as parent' : 'no parent'}, expected ${receivedRoots}: ${first(roots.map(labelOf))}`;
  const notServer = roots.filter((x) => x.kind !== 'SERVER');
  if (notServer.length) return `a root is ${labelOf(notServer[0])}, not an export entry`;
  const firstStarted = seq.find((e) => e[0] === 's');
  const firstId = observe ? firstStarted?.[2] : firstStarted?.[1];
  if (chain.length) return firstId === openIds[0] ? null : `the first span started (${firstId}) is not the first one left open (${openIds[0]})`;
  if (!roots.length) return null;
  const r = roots.reduce((x, y) => (y.start < x.start ? y : x));
  if (firstId !== r.spanId) return `the first root ${r.spanId} is not the first span started (${firstId})`;
  return null;
});

check('complete trace', () => {
  const bad = spans.filter((s) => s.parentSpanId !== rootParent && !byId.has(s.parentSpanId));
  if (!bad.length) return null;
  const missing = new Set(bad.map((s) => s.parentSpanId));
  return `${bad.length} received spans hang off ${missing.size} spans that never reached the collector` +
    ` (${[...missing].filter((id) => openIndex.has(id)).length} of them started and never ended): ${first(bad.map((s) => `${labelOf(s)} -> ${s.parentSpanId || '(none)'}`))}`;
});

check('parents', () => {
  const bad = spans.filter((s) => s.parentSpanId !== rootParent && !byId.has(s.parentSpanId) && !openIndex.has(s.parentSpanId));
  return bad.length ? `${bad.length} spans whose parent is not in the trace: ${first(bad.map((s) => `${labelOf(s)} -> ${s.parentSpanId || '(none)'}`))}` : null;
});

check('tree', () => {
  const got = new Map();
  for (const s of spans) {
    const p = pathOf(s);
    if (flush.test(p)) continue;
    got.set(p, (got.get(p) ?? 0) + 1);
  }
  const problems = [];
  for (const [p, n] of expected) if (got.get(p) !== n) problems.push(`${p}: ${got.get(p) ?? 0}, expected ${n}`);
  for (const [p, n] of got) if (!expected.has(p)) problems.push(`${p}: ${n}, not expected`);
  fs.writeFileSync(w('tree.folded'), [...got].map(([p, n]) => `${p} ${n}`).sort().join('\n') + '\n');
  return problems.length ? first(problems.sort(), 4) : null;
});

check('kinds', () => {
  const want = { SERVER: 'export', CLIENT: 'import', INTERNAL: 'function' };
  const bad = spans.filter((s) => !(s.kind in want) || attrVal(s.attrs['wasm.site.kind']) !== want[s.kind]);
  return bad.length ? `${bad.length} spans: ${first(bad.map((s) => `${s.name} kind ${s.kind} wasm.site.kind ${attrVal(s.attrs['wasm.site.kind'])}`))}` : null;
});

check('attributes', () => {
  const problems = [];
  for (const s of spans) {
    const a = s.attrs;
    const v = (k) => attrVal(a[k]);
    if (v('code.function.name') !== s.name) problems.push(`${s.name}: code.function.name ${v('code.function.name')}`);
    const idx = a['wasm.function.index'];
    if (!idx || idx.intValue === undefined || !/^\d+$/.test(String(idx.intValue))) problems.push(`${s.name}: wasm.function.index ${JSON.stringify(idx)}`);
    if (a['wasm.module'] && typeof a['wasm.module'].stringValue !== 'string') problems.push(`${s.name}: wasm.module ${JSON.stringify(a['wasm.module'])}`);
    if (s.kind === 'CLIENT' && `${v('wasm.import.module')}.${v('wasm.import.name')}` !== s.name) problems.push(`${s.name}: import ${v('wasm.import.module')} ${v('wasm.import.name')}`);
    if (s.kind === 'SERVER' && v('wasm.export.name') !== s.name) problems.push(`${s.name}: wasm.export.name ${v('wasm.export.name')}`);
    if (s.kind !== 'CLIENT' && ('wasm.import.module' in a || 'wasm.import.name' in a)) problems.push(`${s.name}: import attributes on a ${s.kind} span`);
    if (s.kind !== 'SERVER' && 'wasm.export.name' in a) problems.push(`${s.name}: wasm.export.name on a ${s.kind} span`);
  }
  if (report.counts.badAttribute) problems.push(`the host could not decode ${report.counts.badAttribute} attributes: ${first(report.samples)}`);
  return problems.length ? first(problems) : null;
});

// --shim-counters "unwound_spans=6,muted_sites=2": the guest shim's counters
// that the last root must carry (the others are 0, so absent).
const wantCounters = Object.fromEntries((opt['shim-counters'] ?? '').split(',').filter(Boolean)
  .map((kv) => kv.split('=')).map(([k, v]) => [`wasm.shim.${k}`, Number(v)]));

check('shim counters', () => {
  const roots = spans.filter((s) => s.parentSpanId === rootParent);
  const counters = (s) => Object.fromEntries(Object.entries(s.attrs).filter(([k]) => k.startsWith('wasm.shim.'))
    .map(([k, v]) => [k, Number(attrVal(v))]).sort());
  const stray = spans.filter((s) => !roots.includes(s) && Object.keys(counters(s)).length);
  if (stray.length) return `${labelOf(stray[0])} is not a root but carries ${JSON.stringify(counters(stray[0]))}`;
  const want = JSON.stringify(Object.fromEntries(Object.entries(wantCounters).sort()));
  if (!roots.length) return want === '{}' ? null : `no root received to carry ${want}`;
  const last = roots.reduce((x, y) => (y.end > x.end ? y : x));
  const got = JSON.stringify(counters(last));
  return got === want ? null : `the last root carries ${got}, expected ${want}`;
});

if (!observe) {
  check('scope', () => {
    const bad = spans.filter((s) => s.scope.name !== 'wasm-instrument' || s.scope.version !== opt.version);
    return bad.length ? `${bad.length} spans: ${first(bad.map((s) => `${s.name} scope ${s.scope.name} ${s.scope.version}`))} (tool version ${opt.version})` : null;
  });
}

check('trace state', () => {
  // A child inherits its parent's trace-state (W3C Trace Context; the OTel
  // SDK's samplers pass the parent's on): the root's parent is the host span.
  const want = joined ? hostSpan?.traceState ?? '' : '';
  const bad = spans.filter((s) => s.traceState !== want);
  return bad.length ? `${bad.length} spans: ${first(bad.map((s) => `${labelOf(s)} '${s.traceState}'`))}, expected '${want}' (the host span's)` : null;
});

check('ids', () => {
  const problems = [];
  if (report.counts.badRawId) problems.push(`raw ids: ${first(report.samples.filter((x) => x.startsWith('badRawId')))}`);
  for (const s of all) {
    if (!hexOk(s.traceId, 32)) problems.push(`${s.name}: trace id ${s.traceId}`);
    if (!hexOk(s.spanId, 16)) problems.push(`${s.name}: span id ${s.spanId}`);
    if (s.parentSpanId && !hexOk(s.parentSpanId, 16)) problems.push(`${s.name}: parent ${s.parentSpanId}`);
  }
  if (new Set(all.map((s) => s.spanId)).size !== all.length) problems.push('span ids not unique');
  return problems.length ? first(problems) : null;
});

check('times', () => {
  const problems = [];
  const slack = observe ? ms : 0n;
  for (const s of all) if (!(s.start > 0n && s.start <= s.end)) problems.push(`${s.name}: start ${s.start} end ${s.end}`);
  for (const s of spans) {
    const p = joined && s.parentSpanId === host.spanId ? hostSpan : byId.get(s.parentSpanId);
    if (!p) continue;
    // The host span is the SDK's: its start is Date.now() (whole ms) and its end
    // that plus performance.now()'s duration, so a pause between the two clock
    // reads at its start (a GC, a loaded machine: 4 ms seen with two suites on
    // two cores) ends it early by as much.
    const sl = p === hostSpan ? 20n * ms : slack;
    if (s.start + sl < p.start || s.end > p.end + sl) problems.push(`${labelOf(s)} [${s.start}, ${s.end}] not inside its parent ${labelOf(p)} [${p.start}, ${p.end}]`);
  }
  return problems.length ? first(problems) : null;
});

check('status', () => {
  const unwound = spans.filter((s) => s.status.code === 'ERROR' && s.status.message === 'unwound');
  const bad = spans.filter((s) => s.status.code !== 'UNSET' && !unwound.includes(s));
  if (bad.length) return `${bad.length} spans: ${first(bad.map((s) => `${s.name} ${s.status.code} ${s.status.message}`))}`;
  if (unwound.length !== wantUnwound) return `${unwound.length} spans ended as unwound, expected ${wantUnwound}`;
  const x = seq.filter((e) => e[0] === 'x');
  if (observe && x.some((e) => e[2] !== 'error:unwound')) return `set-status calls: ${first(x.map((e) => e.join(' ')))}`;
  return null;
});

check('open at exit', () => {
  if (openIds.length !== goldenOpen) return `${openIds.length} spans open at the end, the golden file says ${goldenOpen}`;
  if (goldenOpen && chain.length !== goldenOpen) return `the golden file's open chain has ${chain.length} spans, not ${goldenOpen}`;
  const got = openIds.filter((id) => all.some((s) => s.spanId === id));
  return got.length ? `${got.length} open spans were received: ${first(got)}` : null;
});

// ---- report ---------------------------------------------------------------------------------------
if (opt.fault) {
  const r = results.find((x) => x.name === opt.expect);
  const failing = results.filter((x) => x.problem).map((x) => x.name);
  if (!r) console.log(`FAIL fault ${opt.fault} ${label}: no check named ${opt.expect}`);
  else if (r.problem) console.log(`PASS fault ${opt.fault} ${label}: check '${opt.expect}' fails (failing: ${failing.join(', ')})`);
  else console.log(`FAIL fault ${opt.fault} ${label}: check '${opt.expect}' passed (failing: ${failing.join(', ') || 'none'})`);
  process.exit(r?.problem ? 0 : 1);
}
for (const { name, problem } of results) {
  if (problem) console.log(`FAIL ${label} ${name}: ${problem}`);
  else console.log(`PASS ${label} ${name}`);
}
process.exit(results.some((x) => x.problem) ? 1 : 0);
