// The OpenTelemetry bridge's bookkeeping (runtime-shim/node/otel-api-bridge.mjs)
// against a fake API that records what is asked of it: spans handed over in
// the order they end, parents started before their children (from later in
// the batch, or from the recorder's open spans), the outer context's ids,
// the bound on spans kept open, close(). One PASS/FAIL line per check.
import { createOpenTelemetryBridge } from '../../runtime-shim/node/otel-api-bridge.mjs';

let failed = 0;
function check(name, fn) {
  let problems;
  try { problems = fn(); } catch (e) { problems = [`threw ${e.stack}`]; }
  if (problems.length === 0) console.log(`PASS bridge: ${name}`);
  else { failed++; console.log(`FAIL bridge: ${name}: ${problems.join('; ')}`); }
}

// A fake @opentelemetry/api: contexts are plain objects naming their span.
function fakeApi() {
  const log = [];
  const spans = []; // every span started
  let next = 1;
  const ROOT_CONTEXT = { root: true };
  const api = {
    ROOT_CONTEXT,
    SpanKind: { INTERNAL: 0, SERVER: 1, CLIENT: 2 },
    SpanStatusCode: { UNSET: 0, OK: 1, ERROR: 2 },
    active: null, // the span context getSpanContext gives
    context: { active: () => ({ active: true }) },
    trace: {
      getSpanContext: () => api.active,
      isSpanContextValid: (sc) => /^[0-9a-f]{32}$/.test(sc.traceId) && sc.traceId !== '0'.repeat(32),
      setSpan: (ctx, span) => ({ span }),
      setSpanContext: (ctx, sc) => ({ remote: sc }),
      getTracer: () => ({
        startSpan(name, options, ctx) {
          const span = {
            id: next++, name, options, ctx, status: null, end: null,
            setStatus(s) { this.status = s; },
            end(t) { this.end = t ?? 'now'; log.push(['end', this.id]); },
          };
          log.push(['start', span.id, name]);
          spans.push(span);
          return span;
        },
      }),
    },
  };
  return { api, log, spans };
}

const SITES = [
  { kind: 2, name: 'run', functionIndex: 5, symbol: '', module: '', field: 'run' },
  { kind: 0, name: 'work', functionIndex: 3, symbol: '_Z4workv', module: '', field: '' },
  { kind: 1, name: 'env.log', functionIndex: 0, symbol: '', module: 'env', field: 'log' },
];

// A batch or open-span list from records { id, parent, site, start, duration?, error? }
// (ids as [hi, lo] words), all in the trace `traceWords`.
function columns(records, traceWords = [1, 2, 3, 4]) {
  const n = records.length;
  const b = {
    sites: SITES, traceId: new Uint32Array(4 * n), spanId: new Uint32Array(2 * n), parentSpanId: new Uint32Array(2 * n),
    site: new Int32Array(n), start: new Float64Array(n), duration: new Float64Array(n), error: new Uint8Array(n), depth: new Uint32Array(n), count: n,
  };
  records.forEach((r, i) => {
    b.traceId.set(traceWords, 4 * i);
    b.spanId.set(r.id, 2 * i);
    b.parentSpanId.set(r.parent ?? [0, 0], 2 * i);
    b.site[i] = r.site;
    b.start[i] = r.start;
    b.duration[i] = r.duration ?? 0;
    b.error[i] = r.error ? 1 : 0;
  });
  return b;
}
const RESOURCE = { startUnixNs: 1700000000000000000n };

check('a child before its parent in one batch: the parent is started first, ended after', () => {
  const { api, log } = fakeApi();
  const e = createOpenTelemetryBridge(api).exporter(() => columns([]));
  // work (child of run) ends first; run is a root with an outer parent [9, 10]
  e.exportSpans(RESOURCE, columns([
    { id: [0, 2], parent: [0, 1], site: 1, start: 1000, duration: 500 },
    { id: [0, 1], parent: [9, 10], site: 0, start: 900, duration: 1000, error: true },
  ]), 2);
  const p = [];
  const starts = log.filter((l) => l[0] === 'start').map((l) => l[2]);
  const ends = log.filter((l) => l[0] === 'end').map((l) => l[1]);
  if (starts.join() !== 'run,work') p.push(`started ${starts}`);
  // run has id 1 (started first, as work's parent), work id 2
  if (ends.join() !== '2,1') p.push(`ended ${ends} (work, then run)`);
  return p;
});

check('times, names, kinds, attributes, error status', () => {
  const { api, spans } = fakeApi();
  const e = createOpenTelemetryBridge(api).exporter(() => columns([]));
  e.exportSpans(RESOURCE, columns([{ id: [0, 1], site: 2, start: 1500000000, duration: 7, error: true }]), 1);
  const [s] = spans;
  const p = [];
  if (s.name !== 'env.log' || s.options.kind !== api.SpanKind.CLIENT) p.push(`${s.name} kind ${s.options.kind}`);
  if (s.options.attributes['wasm.import.module'] !== 'env' || s.options.attributes['wasm.import.name'] !== 'log' ||
    s.options.attributes['code.function.name'] !== 'env.log' || s.options.attributes['wasm.function.index'] !== 0) p.push(JSON.stringify(s.options.attributes));
  if (s.ctx !== api.ROOT_CONTEXT) p.push('a root span not in ROOT_CONTEXT');
  // the recorder's wall clock: its resource's start plus the span's start
  const [sec, ns] = s.options.startTime;
  const endSec = s.end[0], endNs = s.end[1];
  if ((endSec - sec) * 1e9 + (endNs - ns) !== 7) p.push(`duration ${JSON.stringify([s.options.startTime, s.end])}`);
  const startMs = sec * 1e3 + ns / 1e6;
  const expectMs = Number(RESOURCE.startUnixNs) / 1e6 + 1500;
  if (startMs !== expectMs) p.push(`start ${startMs} ms, expected ${expectMs}`);
  if (s.status?.code !== api.SpanStatusCode.ERROR) p.push('no error status');
  return p;
});

check('the outer context: the root\'s parent ids, hex; the context given, trace state and all', () => {
  const { api, spans } = fakeApi();
  const bridge = createOpenTelemetryBridge(api);
  const e = bridge.exporter(() => columns([]));
  e.exportSpans(RESOURCE, columns([{ id: [0, 1], parent: [0xab, 0xcdef0123], site: 0, start: 5 }]), 1);
  const p = [];
  const r = spans[0].ctx.remote;
  if (!r || r.traceId !== '00000001000000020000000300000004' || r.spanId !== '000000abcdef0123' || r.traceFlags !== 1) p.push(JSON.stringify(r));
  // writeOuterContext: the active span's ids into the recorder's struct
  const out = new Uint8Array(25);
  if (bridge.writeOuterContext(out) !== 0) p.push('no active span, yet 1');
  api.active = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  if (bridge.writeOuterContext(out) !== 1 || Buffer.from(out.subarray(0, 16)).toString('hex') !== api.active.traceId ||
    Buffer.from(out.subarray(16, 24)).toString('hex') !== api.active.spanId || out[24] !== 1) p.push(`wrote ${Buffer.from(out).toString('hex')}`);
  // a root under it gets the context given, trace state and all
  api.active.traceState = { serialize: () => 'vendor=1' };
  api.active.isRemote = true;
  bridge.writeOuterContext(out);
  e.exportSpans(RESOURCE, columns([{ id: [0, 7], parent: [0xb7ad6b71, 0x69203331], site: 0, start: 5 }],
    [0x0af76519, 0x16cd43dd, 0x8448eb21, 0x1c80319c]), 1);
  if (spans[1].ctx.remote !== api.active) p.push(`the root's parent context ${JSON.stringify(spans[1].ctx.remote)}`);
  api.active = { ...api.active, traceFlags: 0 };
  bridge.writeOuterContext(out);
  if (out[24] !== 0) p.push('unsampled written as sampled');
  api.active = { traceId: '0'.repeat(32), spanId: 'b7ad6b7169203331', traceFlags: 1 };
  if (bridge.writeOuterContext(out) !== 0) p.push('an invalid context written');
  return p;
});

check('a parent still open in the recorder: started from its open spans, ended by a later batch', () => {
  const { api, log } = fakeApi();
  let reads = 0;
  const openNow = columns([{ id: [0, 1], site: 0, start: 100 }, { id: [0, 2], parent: [0, 1], site: 1, start: 200 }]);
  const e = createOpenTelemetryBridge(api).exporter(() => { reads++; return openNow; });
  e.exportSpans(RESOURCE, columns([
    { id: [0, 3], parent: [0, 2], site: 2, start: 300, duration: 10 },
    { id: [0, 4], parent: [0, 2], site: 2, start: 400, duration: 10 },
  ]), 2);
  const p = [];
  const starts = log.filter((l) => l[0] === 'start').map((l) => l[2]);
  if (starts.join() !== 'run,work,env.log,env.log') p.push(`started ${starts}`);
  if (reads !== 1) p.push(`open spans read ${reads} times`);
  if (e.stats().open !== 2) p.push(`open ${e.stats().open}`);
  e.exportSpans(RESOURCE, columns([
    { id: [0, 2], parent: [0, 1], site: 1, start: 200, duration: 300 },
    { id: [0, 1], site: 0, start: 100, duration: 500 },
  ]), 2);
  const s = e.stats();
  if (log.filter((l) => l[0] === 'start').length !== 4) p.push('started again');
  if (s.open !== 0 || s.spans !== 4 || s.parentsStartedEarly !== 2 || s.openSpansReads !== 1) p.push(JSON.stringify(s));
  return p;
});

check('ids that share their low 53 bits are told apart', () => {
  const { api, log, spans } = fakeApi();
  const run = [0x00000001, 5], work = [0x00200001, 5]; // (hi & 0x1fffff) equal
  const openNow = columns([{ id: run, site: 0, start: 100 }, { id: work, parent: run, site: 1, start: 200 }]);
  const e = createOpenTelemetryBridge(api).exporter(() => openNow);
  e.exportSpans(RESOURCE, columns([{ id: [0, 9], parent: work, site: 2, start: 300, duration: 10 }]), 1);
  const p = [];
  if (e.stats().open !== 2) p.push(`open ${e.stats().open}`);
  e.exportSpans(RESOURCE, columns([
    { id: work, parent: run, site: 1, start: 200, duration: 300 },
    { id: run, site: 0, start: 100, duration: 500 },
  ]), 2);
  const starts = log.filter((l) => l[0] === 'start').map((l) => l[2]);
  const ends = log.filter((l) => l[0] === 'end').map((l) => spans[l[1] - 1].name);
  if (starts.join() !== 'run,work,env.log') p.push(`started ${starts}`);
  if (ends.join() !== 'env.log,work,run') p.push(`ended ${ends}`);
  if (spans[1].ctx.span !== spans[0] || spans[2].ctx.span !== spans[1]) p.push('parents mixed up');
  if (e.stats().open !== 0) p.push(`open ${e.stats().open} at the end`);
  return p;
});

check('past maxOpen a parent is not started (counted); close ends what is left', () => {
  const { api, log } = fakeApi();
  let openNow = columns([{ id: [0, 1], site: 0, start: 100 }]);
  const e = createOpenTelemetryBridge(api, { maxOpen: 1 }).exporter(() => openNow);
  e.exportSpans(RESOURCE, columns([{ id: [0, 3], parent: [0, 1], site: 2, start: 300, duration: 10 }]), 1);
  openNow = columns([{ id: [0, 1], site: 0, start: 100 }, { id: [0, 2], parent: [0, 1], site: 1, start: 400 }]);
  e.exportSpans(RESOURCE, columns([{ id: [0, 4], parent: [0, 2], site: 2, start: 500, duration: 10 }]), 1);
  const p = [];
  const s = e.stats();
  if (s.open !== 1 || s.parentsDropped !== 1 || s.spans !== 2) p.push(JSON.stringify(s));
  e.close();
  const t = e.stats();
  if (t.open !== 0 || t.endedAtClose !== 1) p.push(JSON.stringify(t));
  if (log.filter((l) => l[0] === 'end').length !== 3) p.push(`${log.filter((l) => l[0] === 'end').length} ended`);
  return p;
});

process.exitCode = failed ? 1 : 0;
