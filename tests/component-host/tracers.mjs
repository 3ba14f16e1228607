// The Node host's wasi:otel/tracing and wasi:observe/tracer
// (runtime-shim/node/component-host.mjs otelTracer, observeTracer) driven as
// jco calls them (its JS shapes), on a recorder with a capturing exporter:
// what the fixtures never make the guest shim send (error status, an
// out-of-order or unknown end, a missing or bad wasm.site.id), and naming the
// spans that never end from the guest shim's stack in its memory.
//   node tracers.mjs [wasm32|auto]   Prints PASS/FAIL lines.
import { createRecorder, RECORD_SPANS, RECORD_PROFILE } from '../../runtime-shim/node/wasm-observe.mjs';
import fs from 'node:fs';
import { otelTracer, observeTracer, GUEST_FRAMES } from '../../runtime-shim/node/component-host.mjs';

const backend = process.argv[2] ?? 'wasm32';
const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS tracers ${name} [${backend}]` : `FAIL tracers ${name} [${backend}]: ${why}`);
const site = (name, kind = 0) => ({ kind, functionIndex: 0, name, raw: name, symbol: '', module: '', field: name });
// 0 run (export), 1 a, 2 b, 3 imp (import); 4 the placeholder
const SITES = [site('run', 2), site('a'), site('b'), site('imp', 1), site('(span never ended)')];
const UNNAMED = 4;

function make() {
  const spans = [];
  const exporter = {
    exportSpans(resource, b, n) {
      for (let i = 0; i < n; i++) spans.push({ name: b.sites[b.site[i]].name, error: b.error[i], id: `${b.spanId[2 * i]}:${b.spanId[2 * i + 1]}`, parent: `${b.parentSpanId[2 * i]}:${b.parentSpanId[2 * i + 1]}` });
    },
  };
  const rec = createRecorder({ backend, record: RECORD_SPANS | RECORD_PROFILE, sites: SITES, exporters: [exporter], seed: 3 });
  return { rec, spans, names: () => spans.map((s) => s.name + (s.error ? '!' : '')).join(' ') };
}

// jco's shapes of wasi:otel values
let next = 1;
const ctx = () => ({ traceId: 'ab'.repeat(16), spanId: (next++).toString(16).padStart(16, '0'), traceFlags: { sampled: true }, isRemote: false, traceState: [] });
const otelAttrs = (id) => [{ key: 'code.function.name', value: '"x"' }, { key: 'wasm.site.kind', value: '"function"' },
  ...(id === undefined ? [] : [{ key: 'wasm.site.id', value: String(id) }]), { key: 'wasm.function.index', value: '7' }];
const spanData = (c, id, error = false) => ({
  spanContext: c, parentSpanId: '', spanKind: 'internal', name: 'x', startTime: { seconds: 0n, nanoseconds: 0 }, endTime: { seconds: 0n, nanoseconds: 0 },
  attributes: otelAttrs(id), events: [], links: [], status: error ? { tag: 'error', val: 'unwound' } : { tag: 'unset' },
  instrumentationScope: { name: 'wasm-instrument', attributes: [] }, droppedAttributes: 0, droppedEvents: 0, droppedLinks: 0,
});

{ // the host's copy of the guest shim's stack layout is guest_abi.h's
  const defs = {};
  const text = fs.readFileSync(new URL('../../runtime-shim/guest/guest_abi.h', import.meta.url), 'utf8').replace(/\\\n/g, ' ');
  for (const m of text.matchAll(/^#define (WI_GUEST_\w+) (.+)$/gm)) defs[m[1]] = m[2].replace(/\/\*.*?\*\//g, '').trim();
  const value = (name, depth = 0) => {
    if (depth > 20 || !(name in defs)) return NaN;
    const expr = defs[name].replace(/\b(\d+)u\b/g, '$1').replace(/\bWI_GUEST_\w+/g, (n) => `(${value(n, depth + 1)})`);
    return /^[\d\s()+\-*\/<>]+$/.test(expr) ? Function(`return ${expr}`)() : NaN;
  };
  const want = { base: value('WI_GUEST_FRAMES_BASE'), maxDepth: value('WI_GUEST_MAX_DEPTH'), size: value('WI_GUEST_FRAME_SIZE'), site: value('WI_GUEST_FRAME_SITE'), spanId: value('WI_GUEST_FRAME_SPAN_ID') };
  ok('the guest shim\'s stack layout is guest_abi.h\'s', JSON.stringify(want) === JSON.stringify(GUEST_FRAMES), `guest_abi.h ${JSON.stringify(want)}, the host ${JSON.stringify(GUEST_FRAMES)}`);
}
{ // named at on-end, nested by the order of on-start; error status
  const { rec, spans, names } = make();
  const t = otelTracer(rec, UNNAMED, UNNAMED).imports;
  const [r, a, b] = [ctx(), ctx(), ctx()];
  t.onStart(r); t.onStart(a); t.onStart(b);
  t.onEnd(spanData(b, 2, true)); t.onEnd(spanData(a, 1)); t.onEnd(spanData(r, 0));
  rec.finish();
  ok('otel: named at on-end, error status', names() === 'b! a run' && spans[0].parent === spans[1].id && spans[1].parent === spans[2].id, `${names()} ${JSON.stringify(spans)}`);
  ok('otel: profile', rec.foldedCalls() === 'export:run 1\nexport:run;a 1\nexport:run;a;b 1\n', JSON.stringify(rec.foldedCalls()));
  const o = t.outerSpanContext();
  ok('otel: outer-span-context is invalid', o.traceId === '0'.repeat(32) && o.spanId === '0'.repeat(16) && !o.traceFlags.sampled, JSON.stringify(o));
}
{ // no or a bad wasm.site.id: the placeholder; an unknown span id: ignored;
  // an outer span ended first: the ones above it end as unwound
  const { rec, names } = make();
  const t = otelTracer(rec, UNNAMED, UNNAMED).imports;
  const [r, a, b, c] = [ctx(), ctx(), ctx(), ctx()];
  t.onStart(r); t.onStart(a);
  t.onEnd(spanData(a, undefined));
  t.onStart(b);
  t.onEnd(spanData(b, 99));
  t.onEnd(spanData(c, 1)); // never started
  t.onStart(a); t.onStart(b);
  t.onEnd(spanData(a, 1)); // b never ended
  t.onEnd(spanData(r, 0));
  rec.finish();
  ok('otel: missing or bad site id, unknown span, out-of-order end', names() === '(span never ended) (span never ended) (span never ended)! a run' && rec.depth() === 0, names());
}
{ // spans that never end: named from the guest shim's stack (frames of 32
  // bytes at GUEST_FRAMES_BASE: site id at 0, span id at 16), checked by span id
  const { rec, names } = make();
  const tracer = otelTracer(rec, UNNAMED, UNNAMED);
  const memory = new WebAssembly.Memory({ initial: 2 });
  tracer.instantiating({ env: { memory: new WebAssembly.Memory({ initial: 1 }) } }); // not the guest shim's
  tracer.instantiating({ env: { memory }, 'wasi:otel/tracing@0.2.0-rc.2': {} });
  const t = tracer.imports;
  const frames = [[ctx(), 0], [ctx(), 1], [ctx(), 3], [ctx(), 2]];
  const view = Buffer.from(memory.buffer);
  frames.forEach(([c, id], i) => {
    view.writeUInt32LE(id, GUEST_FRAMES.base + 32 * i);
    view.write(i === 3 ? 'f'.repeat(16) : c.spanId, GUEST_FRAMES.base + 32 * i + 16, 'latin1'); // the 4th: not its span id
    t.onStart(c);
  });
  tracer.endStarted();
  tracer.endStarted(); // nothing more
  rec.finish();
  ok('otel: never ended: named from the guest shim\'s stack', names() === '(span never ended)! imp! a! run!' && rec.counters().spansUnwound === 4, names());
  // a muted frame (no span, its id zeroed) below a span: the span lies one slot up
  const m = make();
  const mt = otelTracer(m.rec, UNNAMED, UNNAMED);
  const mmem = new WebAssembly.Memory({ initial: 2 });
  mt.instantiating({ env: { memory: mmem }, 'wasi:otel/tracing@0.2.0-rc.2': {} });
  const mview = Buffer.from(mmem.buffer);
  [[ctx(), 0], [null, 1], [ctx(), 2], [ctx(), 3]].forEach(([c, id], i) => {
    mview.writeUInt32LE(id, GUEST_FRAMES.base + 32 * i);
    mview.write(c ? c.spanId : '0'.repeat(16), GUEST_FRAMES.base + 32 * i + 16, 'latin1');
    if (c) mt.imports.onStart(c);
  });
  mt.endStarted();
  m.rec.finish();
  ok('otel: never ended, above a muted frame: named from the slot that holds the span id', m.names() === 'imp! b! run!' && m.rec.counters().spansUnwound === 3, m.names());
  const { rec: rec2, names: names2 } = make();
  const t2 = otelTracer(rec2, UNNAMED, UNNAMED);
  t2.imports.onStart(ctx()); t2.imports.onStart(ctx());
  t2.endStarted(); // no memory found
  rec2.finish();
  ok('otel: never ended, no guest memory: the placeholder, error status', names2() === '(span never ended)! (span never ended)!', names2());
}
{ // observe: start enters the site of wasm.site.id; set-status(error); end
  // twice; out of order; no site id
  const { rec, names } = make();
  const { Span, start } = observeTracer(rec);
  const opts = (id) => ({ newRoot: false, spanKind: 'internal', attributes: [{ key: 'code.function.name', value: { tag: 'string', val: 'x' } },
    { key: 'wasm.site.kind', value: { tag: 'string', val: 'function' } }, ...(id === undefined ? [] : [{ key: 'wasm.site.id', value: { tag: 's64', val: BigInt(id) } }])] });
  const r = start('run', opts(0));
  const a = start('a', opts(1));
  const b = start('b', opts(2));
  ok('observe: spans are its Span', r instanceof Span && b instanceof Span);
  b.setStatus({ tag: 'error', val: 'unwound' });
  b.end(); b.end(); b[Symbol.dispose]();
  const x = start('x', opts(undefined)); // an id past the table: counted, ignored
  x.end();
  const c = start('imp', opts(3));
  const d = start('b', opts(2));
  c.end(); // out of order: d unwound
  d.end();
  a.end(); r.end();
  rec.finish();
  const n = rec.counters();
  ok('observe: sites, error status, out of order, double end, no site id', names() === 'b! b! imp a run' && n.unknownIds === 2 && rec.depth() === 0, `${names()} ${JSON.stringify(n)}`);
}
console.log(out.join('\n'));
