// The guest shim's checks in Node: modules A and B as built (validated, their
// imports, exports and signatures), the canonical-ABI layouts, and B's
// behaviour through JS stubs of the WASI functions (harness.mjs).
// Prints PASS/FAIL lines; exit 1 if any failed. `node check.mjs [filter]`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { alignment, fieldOffsets, flatten, size } from './cabi.mjs';
import { abi, memoryModule, MONO_BASE, MONO_STEP, OUTER, paths, start, WALL } from './harness.mjs';
import * as W from './wit-types.mjs';

const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
let failed = 0;
async function test(name, fn) {
  if (filter && !filter.test(name)) return;
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${(e.stack ?? String(e)).split('\n').slice(0, 4).join(' | ')}`);
  }
}

// One component (0); both exports are entries (the component lifts them).
const SITES = [
  { kind: 'export', name: 'main', index: 3, exportName: 'main', module: 'app', entry: true },          // 0
  { kind: 'function', name: 'main', index: 3, module: 'app' },                                        // 1
  { kind: 'function', name: 'work', index: 4, module: 'app' },                                        // 2
  { kind: 'import', name: 'env.log', index: 0, importModule: 'env', importField: 'log', module: 'app' }, // 3
  { kind: 'export', name: 'callback', index: 5, exportName: 'callback', entry: true },                // 4
];
// Two components, 0 (outer) and 1 (nested in it, called through outer's
// import inner.call), an export that is not an entry, and proc_exit.
const COMP = [
  { kind: 'export', name: 'run', index: 1, exportName: 'run', module: 'outer', entry: true },            // 0
  { kind: 'function', name: 'outer_work', index: 2, module: 'outer' },                                    // 1
  { kind: 'import', name: 'inner.call', index: 0, importModule: 'inner', importField: 'call', module: 'outer' }, // 2
  { kind: 'export', name: 'call', index: 3, exportName: 'call', module: 'inner', component: 1, entry: true }, // 3
  { kind: 'function', name: 'inner_work', index: 4, module: 'inner', component: 1 },                      // 4
  { kind: 'import', name: 'host.log', index: 0, importModule: 'host', importField: 'log', module: 'inner', component: 1 }, // 5
  { kind: 'export', name: '_start', index: 5, exportName: '_start', module: 'outer' },                    // 6: not an entry
  { kind: 'import', name: 'wasi_snapshot_preview1.proc_exit', index: 1, importModule: 'wasi_snapshot_preview1',
    importField: 'proc_exit', module: 'outer', noReturn: true },                                           // 7
  { kind: 'import', name: 'host.log', index: 2, importModule: 'host', importField: 'log', module: 'outer' }, // 8
];
const COUNTERS0 = { unknownIds: 0, unmatchedExits: 0, deepEnters: 0, unwoundSpans: 0, droppedTraceStates: 0,
  mutedSites: 0, mutedCalls: 0 };
const NS = 1_000_000_000n;
const isHex = (s, n) => typeof s === 'string' && s.length === n && /^[0-9a-f]+$/.test(s) && /[^0]/.test(s);
const ends = (log) => log.filter((e) => e.op === 'on-end').map((e) => e.span);
const startsOf = (log) => log.filter((e) => e.op === 'on-start').map((e) => e.ctx);
const nsOf = (t) => t.seconds * NS + BigInt(t.nanoseconds);
// A trace-state as cabi.mjs lifts it (tuples as { 0, 1 }).
const tuples = (ts) => ts.map(([k, v]) => ({ 0: k, 1: v }));
const attrs = (span) => Object.fromEntries(span.attributes.map(({ key, value }) => [key, JSON.parse(value)]));
const observeAttrs = (list) => Object.fromEntries(list.map(({ key, value }) => [key, value.val]));

// Every span: on-start once, before its on-end once; same context in both.
function checkStartBeforeEnd(log) {
  const started = new Map();
  log.forEach((e, i) => {
    if (e.op === 'on-start') {
      assert.ok(!started.has(e.ctx['span-id']), `span ${e.ctx['span-id']} started twice`);
      started.set(e.ctx['span-id'], { i, ctx: e.ctx, ended: false });
    } else if (e.op === 'on-end') {
      const s = started.get(e.span['span-context']['span-id']);
      assert.ok(s, `on-end of span ${e.span['span-context']['span-id']} without on-start`);
      assert.ok(!s.ended, 'ended twice');
      assert.ok(s.i < i);
      assert.deepEqual(e.span['span-context'], s.ctx, 'on-end context differs from on-start');
      s.ended = true;
    }
  });
  return started;
}

// Every timestamp in event order (start times at on-start, end times at
// on-end) is non-decreasing, and end >= start.
function checkTimes(log) {
  const startAt = new Map();
  for (const s of ends(log)) startAt.set(s['span-context']['span-id'], s['start-time']);
  let last = -1n;
  for (const e of log) {
    let t;
    if (e.op === 'on-start') t = startAt.get(e.ctx['span-id']);
    else if (e.op === 'on-end') {
      t = e.span['end-time'];
      assert.ok(nsOf(t) >= nsOf(e.span['start-time']), 'end before start');
    }
    if (!t) continue;
    assert.ok(t.nanoseconds < 1e9, 'nanoseconds >= 10^9');
    assert.ok(nsOf(t) >= last, 'time went backwards');
    last = nsOf(t);
  }
}

// ---- The modules as built ----

function objdump(bytesOrPath) {
  return execFileSync('wasm-objdump', ['-x', bytesOrPath]).toString();
}
// "module.field: (params) -> results" for every function import, and the exports.
function signatures(path) {
  const text = objdump(path);
  const types = {};
  for (const m of text.matchAll(/ - type\[(\d+)\] (.*)/g)) types[m[1]] = m[2].trim();
  const imports = [...text.matchAll(/ - func\[\d+\] sig=(\d+) <[^>]*> <- (.*)/g)].map((m) => `${m[2]}: ${types[m[1]]}`);
  const memories = [...text.matchAll(/ - memory\[\d+\] pages: (.*?) <- (.*)/g)].map((m) => `${m[2]}: ${m[1]}`);
  const exports = [...text.matchAll(/ - (\w+)\[\d+\] .*-> "(.*)"/g)].map((m) => `${m[1]} ${m[2]}`);
  return { imports: imports.sort(), memories, exports: exports.sort(), text };
}

await test('B (wasi-otel) validates', () => { execFileSync('wasm-validate', [paths.otel]); });
await test('B (wasi-observe) validates', () => { execFileSync('wasm-validate', [paths.observe]); });
await test('B (wasi-otel): imports, signatures and exports', () => {
  const s = signatures(paths.otel);
  assert.deepEqual(s.imports, [
    'env.scratch-reset: () -> nil',
    'wasi:clocks/monotonic-clock@0.2.0.now: () -> i64',
    'wasi:clocks/wall-clock@0.2.0.now: (i32) -> nil',
    'wasi:otel/tracing@0.2.0-rc.2.on-end: (i32) -> nil',
    'wasi:otel/tracing@0.2.0-rc.2.on-start: (i32, i32, i32, i32, i32, i32, i32, i32) -> nil',
    'wasi:otel/tracing@0.2.0-rc.2.outer-span-context: (i32) -> nil',
    'wasi:random/random@0.2.0.get-random-u64: () -> i64',
  ]);
  assert.deepEqual(s.memories, [`env.memory: initial=${abi.WI_GUEST_MEMORY_PAGES}`]);
  assert.deepEqual(s.exports, ['func enter', 'func exit']);
  assert.match(s.text, /func\[\d+\] sig=(\d+) <enter>/);
  const mod = new WebAssembly.Module(execFileSync('cat', [paths.otel]));
  assert.deepEqual(WebAssembly.Module.exports(mod).map((e) => e.name).sort(), ['enter', 'exit']);
});
await test('B (wasi-observe): imports, signatures and exports', () => {
  const s = signatures(paths.observe);
  assert.deepEqual(s.imports, [
    'wasi:observe/tracer.[method]span.end: (i32, i32, i64, i32) -> nil',
    'wasi:observe/tracer.[method]span.set-status: (i32, i32, i32, i32) -> nil',
    'wasi:observe/tracer.[resource-drop]span: (i32) -> nil',
    'wasi:observe/tracer.start: (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i64, i32) -> i32',
  ]);
  assert.deepEqual(s.memories, [`env.memory: initial=${abi.WI_GUEST_MEMORY_PAGES}`]);
  assert.deepEqual(s.exports, ['func enter', 'func exit']);
});
await test("B's enter/exit take one i32 and return nothing", () => {
  for (const link of ['otel', 'observe']) {
    const text = objdump(paths[link]);
    const types = Object.fromEntries([...text.matchAll(/ - type\[(\d+)\] (.*)/g)].map((m) => [m[1], m[2].trim()]));
    for (const name of ['enter', 'exit']) {
      const m = text.match(new RegExp(`func\\[\\d+\\] sig=(\\d+) <${name}>`));
      assert.equal(types[m[1]], '(i32) -> nil', `${link} ${name}`);
    }
  }
});
await test("B's data and stack lie below the blob, and B never grows memory", () => {
  for (const link of ['otel', 'observe']) {
    const text = execFileSync('wasm2wat', [paths[link]]).toString();
    assert.doesNotMatch(text, /memory\.grow/, link);
    for (const m of text.matchAll(/\(data \(;\d+;\) \(i32\.const (\d+)\) "((?:[^"\\]|\\.)*)"/g)) {
      const len = m[2].replace(/\\[0-9a-f]{2}/g, 'x').replace(/\\./g, 'x').length;
      assert.ok(Number(m[1]) + len <= abi.WI_GUEST_BLOB_BASE, `${link}: data at ${m[1]}`);
    }
    // the stack pointer (both use the stack: the counters of a root span)
    const sps = [...text.matchAll(/\(global \(;\d+;\) \(mut i32\) \(i32\.const (\d+)\)\)/g)];
    assert.equal(sps.length, 1, `${link}: one stack pointer`);
    assert.ok(Number(sps[0][1]) <= abi.WI_GUEST_BLOB_BASE, `${link}: stack pointer`);
  }
});

await test('A validates; exports memory, cabi_realloc, scratch-reset; imports nothing', () => {
  for (const link of ['otel', 'observe']) {
    const { a } = memoryModule(link, SITES);
    execFileSync('wasm-validate', ['-'], { input: a });
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('sh', ['-c', `cat > ${dir}/a.wasm`], { input: a });
    const s = signatures(`${dir}/a.wasm`);
    execFileSync('rm', ['-rf', dir]);
    assert.deepEqual(s.imports, []);
    assert.deepEqual(s.exports, ['func cabi_realloc', 'func scratch-reset', 'memory memory']);
    assert.match(s.text, /type\[0\] \(i32, i32, i32, i32\) -> i32/);
    assert.match(s.text, /func\[0\] sig=0 <cabi_realloc>/);
    assert.match(s.text, /func\[1\] sig=1 <scratch-reset>/);
    assert.match(s.text, /type\[1\] \(\) -> nil/);
    // min pages = B's pages + the blob's pages + 1, no maximum; the blob at WI_GUEST_BLOB_BASE
    const pages = abi.WI_GUEST_MEMORY_PAGES + Math.ceil(memoryModule(link, SITES).blob.length / 65536) + 1;
    assert.match(s.text, new RegExp(` - memory\\[0\\] pages: initial=${pages}\\n`));
    assert.match(s.text, new RegExp(`segment\\[0\\] memory=0 size=\\d+ - init i32=${abi.WI_GUEST_BLOB_BASE}\\n`));
  }
});

// ---- The canonical ABI: the layouts the shim and the blob use ----

await test('canonical ABI: span-data is 168 bytes, align 8, fields where guest_abi/link_otel put them', () => {
  assert.equal(size(W.spanData), 168);
  assert.equal(alignment(W.spanData), 8);
  assert.deepEqual(fieldOffsets(W.spanData), {
    'span-context': 0, 'parent-span-id': 28, 'span-kind': 36, name: 40, 'start-time': 48,
    'end-time': 64, attributes: 80, events: 88, links: 96, status: 104, 'instrumentation-scope': 116,
    'dropped-attributes': 156, 'dropped-events': 160, 'dropped-links': 164,
  });
  assert.equal(size(W.spanContext), 28);
  assert.equal(alignment(W.spanContext), 4);
  assert.deepEqual(fieldOffsets(W.spanContext), { 'trace-id': 0, 'span-id': 8, 'trace-flags': 16, 'is-remote': 17, 'trace-state': 20 });
  assert.equal(size(W.instrumentationScope), 40);
  assert.deepEqual(fieldOffsets(W.instrumentationScope), { name: 0, version: 8, 'schema-url': 20, attributes: 32 });
  assert.equal(size(W.otelStatus), 12);
  assert.equal(size(W.datetime), 16);
  assert.equal(alignment(W.datetime), 8);
  // on-end's parameter goes by pointer: it flattens to more than 16 values.
  assert.ok(flatten(W.spanData).length > 16);
  assert.equal(flatten(W.spanContext).length, 8);
});
await test('canonical ABI: key-value layouts (otel 16/4, observe 24/8), start-options 56/8', () => {
  assert.equal(size(W.otelKeyValue), abi.WI_GUEST_OTEL_KV_SIZE);
  assert.equal(alignment(W.otelKeyValue), abi.WI_GUEST_OTEL_KV_ALIGN);
  assert.equal(size(W.observeKeyValue), abi.WI_GUEST_OBSERVE_KV_SIZE);
  assert.equal(alignment(W.observeKeyValue), abi.WI_GUEST_OBSERVE_KV_ALIGN);
  assert.deepEqual(fieldOffsets(W.observeKeyValue), { key: 0, value: 8 });
  assert.equal(size(W.observeValue), 16);
  assert.equal(size(W.startOptions), 56);
  assert.equal(alignment(W.startOptions), 8);
  // start(name, option<start-options>) flattens to the 15 values B passes.
  const flat = flatten({ k: 'record', fields: [['name', { k: 'string' }], ['options', { k: 'variant', cases: [['none', null], ['some', W.startOptions]] }]] });
  assert.deepEqual(flat, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i64', 'i32']);
});

// ---- Module A: cabi_realloc and scratch-reset ----

await test('A: cabi_realloc bumps, aligns, copies on realloc, resets, grows, traps', () => {
  const { blob } = memoryModule('otel', SITES);
  const a = new WebAssembly.Instance(new WebAssembly.Module(memoryModule('otel', SITES).a), {});
  const { cabi_realloc: realloc, memory } = a.exports;
  const reset = a.exports['scratch-reset'];
  // the scratch area starts after the site statistics, which follow the blob
  const stats = Math.ceil((abi.WI_GUEST_BLOB_BASE + blob.length) / 8) * 8;
  const scratch = Math.ceil((stats + SITES.length * abi.WI_GUEST_SITE_STAT_SIZE) / 8) * 8;
  const p1 = realloc(0, 0, 1, 5);
  assert.equal(p1, scratch);
  const p2 = realloc(0, 0, 8, 16);
  assert.equal(p2, Math.ceil((p1 + 5) / 8) * 8);
  const p3 = realloc(0, 0, 4, 0);
  assert.equal(p3 % 4, 0);
  assert.ok(p3 >= p2 + 16);
  // old_ptr != 0: a new block holding min(old, new) bytes of the old one
  new Uint8Array(memory.buffer, p1, 5).set([1, 2, 3, 4, 5]);
  const p4 = realloc(p1, 5, 1, 9);
  assert.ok(p4 >= p3);
  assert.deepEqual([...new Uint8Array(memory.buffer, p4, 5)], [1, 2, 3, 4, 5]);
  const p5 = realloc(p4, 9, 1, 3);
  assert.deepEqual([...new Uint8Array(memory.buffer, p5, 3)], [1, 2, 3]);
  reset();
  assert.equal(realloc(0, 0, 1, 1), scratch);
  // grows the memory when the scratch passes its end
  const before = memory.buffer.byteLength;
  reset();
  const big = realloc(0, 0, 8, 300_000);
  assert.ok(memory.buffer.byteLength >= big + 300_000);
  assert.ok(memory.buffer.byteLength > before);
  new Uint8Array(memory.buffer)[big + 299_999] = 1;
  // traps: bad alignment (0, 3, > max), more than the cap
  for (const align of [0, 3, 6, abi.WI_GUEST_MAX_ALIGN * 2])
    assert.throws(() => realloc(0, 0, align, 1), WebAssembly.RuntimeError, `align ${align}`);
  reset();
  assert.throws(() => realloc(0, 0, 1, abi.WI_GUEST_SCRATCH_CAP + 1), WebAssembly.RuntimeError);
  reset();
  realloc(0, 0, 1, abi.WI_GUEST_SCRATCH_CAP - 8);
  assert.throws(() => realloc(0, 0, 1, 16), WebAssembly.RuntimeError, 'past the cap');
  reset();
  assert.equal(realloc(0, 0, 1, abi.WI_GUEST_SCRATCH_CAP), scratch, 'exactly the cap fits');
});

// ---- The site blob ----

await test('blob: header, site records, scope and counters', () => {
  const { blob } = memoryModule('otel', SITES);
  const d = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const u = (o) => d.getUint32(o, true);
  const base = abi.WI_GUEST_BLOB_BASE;
  assert.equal(u(0), 0x42474957);
  assert.equal(blob.subarray(0, 4).toString(), 'WIGB');
  assert.equal(u(4), abi.WI_GUEST_BLOB_VERSION);
  assert.equal(u(8), abi.WI_GUEST_BLOB_LINK_OTEL);
  assert.equal(u(12), SITES.length);
  assert.equal(u(16) % 8, 0);
  const str = (p, n) => blob.subarray(p - base, p - base + n).toString();
  assert.equal(str(u(20), u(24)), 'wasm-instrument');
  assert.match(str(u(28), u(32)), /^\d+\.\d+\.\d+/);
  assert.equal(u(36), base + blob.length);
  assert.equal(abi.WI_GUEST_BLOB_HEADER_SIZE, 84);
  for (const off of [40, 44, 48, 52, 56, 72, 76, 80]) assert.equal(u(off), 0);
  // muting: the statistics after the blob, 8-aligned; the rule
  assert.equal(u(60), Math.ceil((base + blob.length) / 8) * 8);
  assert.equal(u(64), abi.WI_GUEST_MUTE_AFTER);
  assert.equal(u(68), abi.WI_GUEST_MUTE_BELOW_NS);
  assert.equal(u(16), base + 88);
  SITES.forEach((s, i) => {
    const r = u(16) - base + 24 * i;
    assert.equal(u(r), { function: 0, import: 1, export: 2 }[s.kind]);
    assert.equal(str(u(r + 4), u(r + 8)), s.name);
    assert.equal(u(r + 12) % 8, 0);
    assert.equal(u(r + 20), s.entry ? abi.WI_GUEST_FLAG_ENTRY : 0);
  });
  assert.equal(memoryModule('observe', SITES).blob.readUInt32LE(8), abi.WI_GUEST_BLOB_LINK_OBSERVE);
});

await test('blob: site flags: entry (exports), no-return (imports), the component in bits 8..31', () => {
  const sites = [...COMP,
    { kind: 'function', name: 'f', component: abi.WI_GUEST_MAX_COMPONENT, entry: true, noReturn: true },
    { kind: 'import', name: 'i', importModule: 'm', importField: 'i', component: 7, entry: true },
    { kind: 'export', name: 'e', exportName: 'e', component: 300, noReturn: true }];
  for (const link of ['otel', 'observe']) {
    const { blob } = memoryModule(link, sites);
    const flags = sites.map((_, i) => blob.readUInt32LE(blob.readUInt32LE(16) - abi.WI_GUEST_BLOB_BASE + 24 * i + 20));
    assert.deepEqual(flags, [1, 0, 0, 1 | 1 << 8, 1 << 8, 1 << 8, 0, 2, 0,
      abi.WI_GUEST_MAX_COMPONENT * 256, 7 << 8, 300 << 8], link);
  }
  // a component past the bound: the generator refuses
  assert.throws(() => memoryModule('otel', [{ kind: 'function', name: 'f', component: abi.WI_GUEST_MAX_COMPONENT + 1 }]));
});

// ---- B for wasi-otel ----

// The attributes of site `id` (its index in the site list).
// The same as wasi-observe gives them: ints as s64.
function observeWant(id) {
  const want = expectedOtelAttrs(SITES[id], id);
  want['wasm.site.id'] = BigInt(id);
  want['wasm.function.index'] = BigInt(SITES[id].index);
  return want;
}

function expectedOtelAttrs(s, id) {
  const a = { 'code.function.name': s.name, 'wasm.site.kind': s.kind, 'wasm.site.id': id, 'wasm.function.index': s.index };
  if (s.kind === 'import') Object.assign(a, { 'wasm.import.module': s.importModule, 'wasm.import.name': s.importField });
  if (s.kind === 'export') a['wasm.export.name'] = s.exportName;
  if (s.module) a['wasm.module'] = s.module;
  return a;
}

await test('otel: nesting joins the outer trace; parents chain; kinds, names, attributes, scope', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e2 e3 x3 x2 x1 x0');
  checkStartBeforeEnd(t.log);
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => s.name), ['env.log', 'work', 'main', 'main']);
  const [imp, work, fn, exp] = spans;
  for (const s of spans) {
    assert.equal(s['span-context']['trace-id'], OUTER['trace-id']);
    assert.deepEqual(s['span-context']['trace-flags'], { sampled: true });
    assert.equal(s['span-context']['is-remote'], false);
    assert.deepEqual(s['span-context']['trace-state'], tuples(OUTER['trace-state']));
    assert.ok(isHex(s['span-context']['span-id'], 16));
    assert.deepEqual(s.status, { tag: 'unset' });
    assert.deepEqual(s.events, []);
    assert.deepEqual(s.links, []);
    assert.deepEqual(s['instrumentation-scope'], { name: 'wasm-instrument', version: { some: s['instrumentation-scope'].version.some }, 'schema-url': null, attributes: [] });
    assert.match(s['instrumentation-scope'].version.some, /^\d+\.\d+\.\d+/);
    assert.equal(s['dropped-attributes'] + s['dropped-events'] + s['dropped-links'], 0);
  }
  assert.equal(exp['parent-span-id'], OUTER['span-id']);
  assert.equal(fn['parent-span-id'], exp['span-context']['span-id']);
  assert.equal(work['parent-span-id'], fn['span-context']['span-id']);
  assert.equal(imp['parent-span-id'], work['span-context']['span-id']);
  assert.deepEqual(spans.map((s) => s['span-kind']), ['client', 'internal', 'internal', 'server']);
  assert.deepEqual(attrs(exp), expectedOtelAttrs(SITES[0], 0));
  assert.deepEqual(attrs(fn), expectedOtelAttrs(SITES[1], 1));
  assert.deepEqual(attrs(work), expectedOtelAttrs(SITES[2], 2));
  assert.deepEqual(attrs(imp), expectedOtelAttrs(SITES[3], 3));
  // attribute order and raw JSON encodings
  assert.deepEqual(imp.attributes, [
    { key: 'code.function.name', value: '"env.log"' }, { key: 'wasm.site.kind', value: '"import"' },
    { key: 'wasm.site.id', value: '3' }, { key: 'wasm.function.index', value: '0' },
    { key: 'wasm.import.module', value: '"env"' },
    { key: 'wasm.import.name', value: '"log"' }, { key: 'wasm.module', value: '"app"' },
  ]);
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 1);
});

await test('otel: on-start precedes on-end; calls in the expected order', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 x1 e2 e3 x3 x2 x0');
  assert.deepEqual(t.log.map((e) => e.op), ['random', 'wall-clock', 'outer-span-context', 'on-start',
    'on-start', 'on-end', 'on-start', 'on-start', 'on-end', 'on-end', 'on-end']);
  checkStartBeforeEnd(t.log);
});

await test('otel: times are wall base + monotonic deltas, non-decreasing, end >= start', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e2 x2 x1 x0');
  checkTimes(t.log);
  const wall = WALL.seconds * NS + BigInt(WALL.nanoseconds);
  // monotonic reads: init (base), then one per span start and end
  const [work, fn, exp] = ends(t.log);
  assert.equal(nsOf(exp['start-time']), wall + MONO_STEP * 1n);
  assert.equal(nsOf(fn['start-time']), wall + MONO_STEP * 2n);
  assert.equal(nsOf(work['start-time']), wall + MONO_STEP * 3n);
  assert.equal(nsOf(work['end-time']), wall + MONO_STEP * 4n);
  assert.equal(nsOf(exp['end-time']), wall + MONO_STEP * 6n);
  assert.deepEqual(exp['start-time'], { seconds: WALL.seconds + 1n, nanoseconds: 500 }, 'seconds carry');
});

// A monotonic clock of `step` ns a read (the default is 1500: no span is short).
const clockOf = (step) => { let m = MONO_BASE; return () => (m += step) - step; };
const spanSite = (span) => attrs(span)['wasm.site.id'];

await test('otel: muting: a site whose spans are many and short opens none from then on; the stack stays right', () => {
  const loop = (n) => Array(n).fill('e2 x2').join(' ');
  const t = start('otel', SITES, { mono: clockOf(10n), light: false });
  t.drive(`e0 e1 ${loop(2000)} x1 x0`);
  // judged every 256th span from the 1000th on: muted at its 1024th, of 10 ns each
  assert.equal(ends(t.log).filter((s) => spanSite(s) === 2).length, 1024);
  assert.deepEqual(t.counters(), { ...COUNTERS0, mutedSites: 1, mutedCalls: 976 });
  const mutingRoot = ends(t.log).at(-1);
  assert.equal(spanSite(mutingRoot), 0);
  assert.equal(attrs(mutingRoot)['wasm.shim.muted_sites'], 1, 'the root says so');
  assert.equal(attrs(mutingRoot)['wasm.shim.muted_calls'], 976);
  checkStartBeforeEnd(t.log);
  // a muted frame opens no span: its span id is zeroed in the open-span stack,
  // and the span of its child has the nearest open span as its parent
  t.log.length = 0;
  t.drive('e0 e1 e2 e3');
  const framesBase = abi.WI_GUEST_BLOB_BASE - abi.WI_GUEST_MAX_DEPTH * abi.WI_GUEST_FRAME_SIZE - abi.WI_GUEST_TRACE_STATE_SIZE;
  const frame = (i) => new Uint8Array(t.memory.buffer, framesBase + abi.WI_GUEST_FRAME_SIZE * i, abi.WI_GUEST_FRAME_SIZE);
  assert.deepEqual([...frame(2).subarray(abi.WI_GUEST_FRAME_SPAN_ID)], Array(16).fill(0));
  assert.equal(new DataView(frame(2).slice().buffer).getUint32(abi.WI_GUEST_FRAME_SITE, true), 2);
  assert.notDeepEqual([...frame(3).subarray(abi.WI_GUEST_FRAME_SPAN_ID)], Array(16).fill(0));
  // exit of the caller: the child (recorded) unwinds, the muted frame goes silently
  t.drive('x1 x0');
  const [imp, fn, root] = ends(t.log);
  assert.equal(spanSite(imp), 3);
  assert.equal(imp['parent-span-id'], fn['span-context']['span-id'], 'the import span skips the muted frame');
  assert.equal(imp.status.tag, 'error');
  assert.equal(spanSite(fn), 1);
  assert.equal(spanSite(root), 0);
  assert.deepEqual(t.counters(), { ...COUNTERS0, mutedSites: 1, mutedCalls: 977, unwoundSpans: 1 });
  // the outermost frame and the entries are never muted: roots, and the
  // entry of a nested component
  const r = start('otel', SITES, { mono: clockOf(10n), light: true });
  r.drive(Array(3000).fill('e1 x1').join(' '));
  assert.equal(r.log.filter((e) => e.op === 'on-end').length, 3000);
  const c = start('otel', COMP, { mono: clockOf(10n), light: true });
  c.drive(`e0 e1 e2 ${Array(3000).fill('e3 x3').join(' ')} x2 x1 x0`);
  assert.equal(c.log.filter((e) => e.op === 'on-end').length, 3003);
  assert.equal(r.counters().mutedCalls + c.counters().mutedCalls, 0);
  assert.deepEqual(c.counters(), COUNTERS0);
  // long spans are not muted
  const l = start('otel', SITES, { light: true });
  l.drive(`e0 e1 ${loop(2000)} x1 x0`);
  assert.equal(l.log.filter((e) => e.op === 'on-end').length, 2002);
  assert.deepEqual(l.counters(), COUNTERS0);
});

await test('otel: --guest-mute-after never keeps every span; another rule is followed; wasi-observe (the host times spans) mutes nothing', () => {
  const loop = Array(2000).fill('e2 x2').join(' ');
  const t = start('otel', SITES, { mono: clockOf(10n), light: true }, { aBytes: memoryModule('otel', SITES, { muteAfter: 0 }).a });
  t.drive(`e0 e1 ${loop} x1 x0`);
  assert.equal(t.log.filter((e) => e.op === 'on-end').length, 2002);
  assert.deepEqual(t.counters(), COUNTERS0);
  // judged from the 300th span, every 256th: muted at the 512th (10 ns < 11 ns)
  const early = start('otel', SITES, { mono: clockOf(10n), light: true },
    { aBytes: memoryModule('otel', SITES, { muteAfter: 300, muteBelowNs: 11 }).a });
  early.drive(`e0 e1 ${loop} x1 x0`);
  assert.equal(early.log.filter((e) => e.op === 'on-end').length, 512 + 2);
  assert.deepEqual(early.counters(), { ...COUNTERS0, mutedSites: 1, mutedCalls: 2000 - 512 });
  // a mean of 10 ns is not under 10
  const strict = start('otel', SITES, { mono: clockOf(10n), light: true },
    { aBytes: memoryModule('otel', SITES, { muteAfter: 300, muteBelowNs: 10 }).a });
  strict.drive(`e0 e1 ${loop} x1 x0`);
  assert.equal(strict.log.filter((e) => e.op === 'on-end').length, 2002);
  assert.deepEqual(strict.counters(), COUNTERS0);
  const o = start('observe', SITES);
  o.drive(`e0 e1 ${loop} x1 x0`);
  assert.equal(o.log.filter((e) => e.op === 'end').length, 2002);
  assert.deepEqual(o.counters(), COUNTERS0);
});

await test('otel: ids are lowercase hex (32/16), non-zero and unique', () => {
  const t = start('otel', SITES, { outer: () => ({ ...OUTER, 'trace-id': '', 'span-id': '' }), random: () => 0n });
  for (let i = 0; i < 300; i++) t.drive('e0 e1 e2 x2 x1 x0');
  const spans = ends(t.log);
  assert.equal(spans.length, 900);
  const spanIds = new Set(spans.map((s) => s['span-context']['span-id']));
  assert.equal(spanIds.size, 900);
  const traceIds = new Set(spans.map((s) => s['span-context']['trace-id']));
  assert.equal(traceIds.size, 300, 'one fresh trace per root');
  for (const half of [[0, 16], [16, 32]])
    assert.equal(new Set([...traceIds].map((id) => id.slice(...half))).size, 300, 'both halves of a trace id are random');
  for (const s of spans) {
    assert.ok(isHex(s['span-context']['span-id'], 16), s['span-context']['span-id']);
    assert.ok(isHex(s['span-context']['trace-id'], 32), s['span-context']['trace-id']);
  }
});

await test('otel: a bad outer context starts a fresh trace with no parent (and sampled)', () => {
  const bad = [
    { 'trace-id': '', 'span-id': '' },
    { 'trace-id': '00000000000000000000000000000000', 'span-id': OUTER['span-id'] },
    { 'span-id': '0000000000000000' },
    { 'trace-id': OUTER['trace-id'].toUpperCase() },
    { 'span-id': OUTER['span-id'].slice(1) },
    { 'trace-id': OUTER['trace-id'] + '0' },
    { 'trace-id': OUTER['trace-id'].replace(/.$/, 'g') },
    { 'span-id': OUTER['span-id'].replace(/^./, ' ') },
  ];
  for (const b of bad) {
    const outer = { ...OUTER, 'trace-flags': { sampled: false }, ...b };
    const t = start('otel', SITES, { outer: () => outer });
    t.drive('e0 e1 x1 x0');
    const [fn, exp] = ends(t.log);
    const label = JSON.stringify(b);
    assert.equal(exp['parent-span-id'], '', label);
    assert.notEqual(exp['span-context']['trace-id'], OUTER['trace-id'], label);
    assert.ok(isHex(exp['span-context']['trace-id'], 32), label);
    assert.equal(fn['span-context']['trace-id'], exp['span-context']['trace-id'], label);
    assert.equal(fn['parent-span-id'], exp['span-context']['span-id'], label);
    assert.deepEqual(exp['span-context']['trace-flags'], { sampled: true }, label);
  }
});

await test('otel: an outer context whose strings lie outside the memory is not read', () => {
  const t = start('otel', SITES, {
    outerRaw: (d, ret) => {
      d.setUint32(ret, 0xffffff00, true); // trace-id ptr
      d.setUint32(ret + 4, 32, true);
      d.setUint32(ret + 8, d.byteLength - 8, true); // span-id: the last 8 bytes and past
      d.setUint32(ret + 12, 16, true);
    },
  });
  t.drive('e0 x0');
  const [s] = ends(t.log);
  assert.equal(s['parent-span-id'], '');
  assert.ok(isHex(s['span-context']['trace-id'], 32));
});

await test('otel: the root inherits an unsampled outer flag; each root asks again', () => {
  const outers = [{ ...OUTER, 'trace-flags': { sampled: false } },
    { ...OUTER, 'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736', 'span-id': '00f067aa0ba902b7' }];
  let k = 0;
  const t = start('otel', SITES, { outer: () => outers[k++] });
  t.drive('e0 e1 x1 x0 e4 x4');
  const [fn, exp, cb] = ends(t.log);
  assert.deepEqual(exp['span-context']['trace-flags'], { sampled: false });
  assert.deepEqual(fn['span-context']['trace-flags'], { sampled: false });
  assert.deepEqual(startsOf(t.log)[1]['trace-flags'], { sampled: false });
  assert.equal(cb['span-context']['trace-id'], '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(cb['parent-span-id'], '00f067aa0ba902b7');
  assert.deepEqual(cb['span-context']['trace-flags'], { sampled: true });
  assert.equal(k, 2);
});

await test('otel: an out-of-order exit ends the frames above it as unwound', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e2 e3 x1');
  let spans = ends(t.log);
  assert.deepEqual(spans.map((s) => s.name), ['env.log', 'work', 'main']);
  assert.deepEqual(spans.map((s) => s.status), [{ tag: 'error', val: 'unwound' }, { tag: 'error', val: 'unwound' }, { tag: 'unset' }]);
  t.drive('x0');
  spans = ends(t.log);
  assert.equal(spans.length, 4);
  assert.deepEqual(spans[3].status, { tag: 'unset' });
  assert.equal(spans[3]['span-kind'], 'server');
  assert.equal(t.counters().unwoundSpans, 2);
  checkStartBeforeEnd(t.log);
  checkTimes(t.log);
});

await test('otel: an export entry over stale frames ends them (unwound) and starts a new root', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e2'); // a trap: no exits
  t.drive('e0 e1 x1 x0');
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag]),
    [['work', 'error'], ['main', 'error'], ['main', 'error'], ['main', 'unset'], ['main', 'unset']]);
  assert.equal(spans[3]['parent-span-id'], spans[4]['span-context']['span-id']);
  assert.equal(spans[4]['parent-span-id'], OUTER['span-id'], 'the new export is a root');
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 2);
  assert.equal(t.counters().unwoundSpans, 3);
  checkStartBeforeEnd(t.log);
});

await test('otel: after a host import threw, the next entry of the component unwinds the cut frames, a new root', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e3'); // env.log throws through the component: no exits
  t.drive('e0 e2 x2 x0');
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag]),
    [['env.log', 'error'], ['main', 'error'], ['main', 'error'], ['work', 'unset'], ['main', 'unset']]);
  assert.equal(spans[4]['parent-span-id'], OUTER['span-id'], 'the new entry is a root, not under the dead import');
  assert.equal(spans[3]['parent-span-id'], spans[4]['span-context']['span-id']);
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 2);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unwoundSpans: 3 });
  checkStartBeforeEnd(t.log);
  checkTimes(t.log);
});

await test('otel: a call back into the same component from its import is taken for cut frames (no re-entrance)', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 e3 e4 x4 x3 x1 x0');
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag]),
    [['env.log', 'error'], ['main', 'error'], ['main', 'error'], ['callback', 'unset']]);
  assert.equal(spans[3]['parent-span-id'], OUTER['span-id']);
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 2);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unwoundSpans: 3, unmatchedExits: 3 });
});

await test('otel: an entry of another component under an import span nests (one stack for the tree)', () => {
  const t = start('otel', COMP);
  t.drive('e0 e1 e2 e3 e4 e5 x5 x4 x3 x2 x1 x0');
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => s.name), ['host.log', 'inner_work', 'call', 'inner.call', 'outer_work', 'run']);
  assert.ok(spans.every((s) => s.status.tag === 'unset'));
  for (let i = 0; i < 5; i++) assert.equal(spans[i]['parent-span-id'], spans[i + 1]['span-context']['span-id']);
  assert.equal(spans[2]['span-kind'], 'server');
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 1);
  assert.deepEqual(t.counters(), COUNTERS0);
  checkStartBeforeEnd(t.log);
});

await test('otel: an entry of a component with open frames unwinds from its lowest frame up', () => {
  // the nested component's import threw (or it trapped): its frames are cut,
  // the outer component's below them are not (yet)
  const t = start('otel', COMP);
  t.drive('e0 e2 e3 e4 e5');
  t.drive('e3 x3'); // the nested component entered again (the outer re-exports it)
  let spans = ends(t.log);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag]),
    [['host.log', 'error'], ['inner_work', 'error'], ['call', 'error'], ['call', 'unset']]);
  const starts = startsOf(t.log);
  assert.equal(spans[3]['parent-span-id'], starts[1]['span-id'], 'under the outer component\'s open import');
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 1);
  // the outer component entered again: its lowest frame is the root, so all
  // go, the nested component's frames above its own included
  t.drive('e3 e0');
  spans = ends(t.log);
  assert.deepEqual(spans.slice(4).map((s) => [s.name, s.status.tag]),
    [['call', 'error'], ['inner.call', 'error'], ['run', 'error']]);
  assert.equal(startsOf(t.log).length, 8);
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 2, 'a new root');
  t.drive('x0');
  assert.equal(ends(t.log)[7]['parent-span-id'], OUTER['span-id']);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unwoundSpans: 6 });
  checkStartBeforeEnd(t.log);
  checkTimes(t.log);
});

await test('otel: an export that is not an entry nests, under an import span or a function', () => {
  const t = start('otel', COMP);
  t.drive('e0 e8 e6 x6 x8 e1 e6 e1 x1 x6 x1 x0');
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => s.name), ['_start', 'host.log', 'outer_work', '_start', 'outer_work', 'run']);
  assert.ok(spans.every((s) => s.status.tag === 'unset'));
  assert.equal(spans[0]['parent-span-id'], spans[1]['span-context']['span-id']);
  assert.equal(spans[3]['parent-span-id'], spans[4]['span-context']['span-id']);
  assert.equal(spans[0]['span-kind'], 'server');
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 1);
  assert.deepEqual(t.counters(), COUNTERS0);
});

await test('otel: a no-return import (proc_exit) opens its span, then ends every open span, status unset', () => {
  const t = start('otel', COMP);
  t.drive('e0 e1 e7');
  const spans = ends(t.log);
  assert.deepEqual(t.log.filter((e) => e.op.startsWith('on-')).map((e) => e.op),
    ['on-start', 'on-start', 'on-start', 'on-end', 'on-end', 'on-end']);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag, s['span-kind']]),
    [['wasi_snapshot_preview1.proc_exit', 'unset', 'client'], ['outer_work', 'unset', 'internal'], ['run', 'unset', 'server']]);
  assert.equal(spans[0]['parent-span-id'], spans[1]['span-context']['span-id']);
  assert.equal(spans[2]['parent-span-id'], OUTER['span-id']);
  assert.deepEqual(t.counters(), COUNTERS0);
  checkStartBeforeEnd(t.log);
  checkTimes(t.log);
  // should it return after all: its exits are unmatched; the next call is a new root
  t.drive('x7 x1 x0 e0 x0');
  assert.equal(ends(t.log).length, 4);
  assert.equal(ends(t.log)[3]['parent-span-id'], OUTER['span-id']);
  assert.equal(t.log.filter((e) => e.op === 'outer-span-context').length, 2);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unmatchedExits: 3 });
});

await test('otel: a no-return import past the depth bound ends the open spans and the deep count', () => {
  const max = abi.WI_GUEST_MAX_DEPTH;
  const t = start('otel', COMP);
  t.enter(0);
  for (let i = 1; i < max + 3; i++) t.enter(1);
  t.enter(7);
  const spans = ends(t.log);
  assert.equal(spans.length, max);
  assert.ok(spans.every((s) => s.status.tag === 'unset'));
  assert.equal(spans[max - 1].name, 'run');
  t.drive('e0 e1 x1 x0');
  assert.equal(ends(t.log).length, max + 2);
  assert.equal(ends(t.log)[max + 1].name, 'run');
  assert.deepEqual(t.counters(), { ...COUNTERS0, deepEnters: 4 });
});

await test('otel: every span of a joined trace carries the outer trace-state (on-start and on-end); a fresh trace none', () => {
  const states = [[['congo', 't61rcWkgMzE'], ['rojo', '00f067aa0ba902b7']], [['vendor', 'x']], [['a', 'b']]];
  const outers = [{ ...OUTER, 'trace-state': states[0] }, { ...OUTER, 'trace-state': states[1] },
    { ...OUTER, 'trace-id': 'bad', 'trace-state': states[2] }];
  let k = 0;
  const t = start('otel', SITES, { outer: () => outers[k++] });
  t.drive('e0 e1 e2');
  // the host's scratch is reset and reused after the root started: the
  // trace-state is B's copy
  t.a.exports['scratch-reset']();
  const p = t.cx.realloc(0, 0, 1, 4096);
  new Uint8Array(t.memory.buffer, p, 4096).fill(0x78);
  t.drive('x2 e3 x3 x1 x0');
  t.drive('e0 e1 x1 x0');
  t.drive('e0 x0');
  const spans = ends(t.log);
  const starts = startsOf(t.log);
  assert.equal(spans.length, 7);
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(spans[i]['span-context']['trace-state'], tuples(states[0]), spans[i].name);
    assert.deepEqual(starts[i]['trace-state'], tuples(states[0]), spans[i].name);
  }
  for (let i = 4; i < 6; i++) {
    assert.deepEqual(spans[i]['span-context']['trace-state'], tuples(states[1]));
    assert.deepEqual(starts[i]['trace-state'], tuples(states[1]));
  }
  assert.deepEqual(spans[6]['span-context']['trace-state'], [], 'an invalid outer context: its trace-state is not taken');
  assert.deepEqual(starts[6]['trace-state'], []);
  assert.equal(spans[6]['parent-span-id'], '');
  assert.deepEqual(t.counters(), COUNTERS0);
  checkStartBeforeEnd(t.log);
});

await test(`otel: trace-state bound (${abi.WI_GUEST_TRACE_STATE_MAX_ENTRIES} entries, ${abi.WI_GUEST_TRACE_STATE_MAX_CHARS} characters): past it, dropped whole and counted`, () => {
  const n = abi.WI_GUEST_TRACE_STATE_MAX_ENTRIES, chars = abi.WI_GUEST_TRACE_STATE_MAX_CHARS;
  const entries = (count) => Array.from({ length: count }, (_, i) => [`k${i}`, 'v']);
  const header = (ts) => ts.map(([key, value]) => `${key}=${value}`).join(',');
  const cases = [
    [entries(n), true],
    [entries(n + 1), false],
    [[['k', 'v'.repeat(chars - 2)]], true],
    [[['k', 'v'.repeat(chars - 1)]], false],
    // two entries: the comma counts
    [[['a', 'x'.repeat(254)], ['b', 'y'.repeat(253)]], true],
    [[['a', 'x'.repeat(254)], ['b', 'y'.repeat(254)]], false],
    [[['', '']], true],
  ];
  let dropped = 0;
  for (const [ts, kept] of cases) {
    if (kept && ts.length > 1) assert.ok(header(ts).length <= chars);
    const t = start('otel', SITES, { outer: () => ({ ...OUTER, 'trace-state': ts }) });
    t.drive('e0 e1 x1 x0');
    const label = `${ts.length} entries, ${header(ts).length} characters`;
    for (const s of ends(t.log)) assert.deepEqual(s['span-context']['trace-state'], kept ? tuples(ts) : [], label);
    for (const c of startsOf(t.log)) assert.deepEqual(c['trace-state'], kept ? tuples(ts) : [], label);
    assert.equal(ends(t.log)[1]['parent-span-id'], OUTER['span-id'], 'the trace is joined all the same');
    assert.deepEqual(t.counters(), { ...COUNTERS0, droppedTraceStates: kept ? 0 : 1 }, label);
    dropped += kept ? 0 : 1;
  }
  assert.equal(dropped, 3);
});

await test('otel: a trace-state that lies outside the memory is dropped and counted', () => {
  let t;
  const ids = Buffer.from(OUTER['trace-id'] + OUTER['span-id']);
  const outerRaw = (entryPtr) => (d, ret) => {
    const p = t.cx.realloc(0, 0, 4, 48 + 16);
    new Uint8Array(d.buffer, p, 48).set(ids);
    d.setUint32(ret, p, true);
    d.setUint32(ret + 4, 32, true);
    d.setUint32(ret + 8, p + 32, true);
    d.setUint32(ret + 12, 16, true);
    d.setUint8(ret + 16, 1);
    d.setUint32(ret + 20, entryPtr(d, p + 48), true);
    d.setUint32(ret + 24, 1, true);
    // the one entry: key "k" at the ids, value past the memory
    d.setUint32(p + 48, p, true);
    d.setUint32(p + 52, 1, true);
    d.setUint32(p + 56, d.byteLength - 4, true);
    d.setUint32(p + 60, 8, true);
  };
  for (const where of [(d, at) => at, (d) => d.byteLength - 8]) {
    t = start('otel', SITES, { outerRaw: outerRaw(where) });
    t.drive('e0 x0');
    const [s] = ends(t.log);
    assert.equal(s['parent-span-id'], OUTER['span-id']);
    assert.deepEqual(s['span-context']['trace-state'], []);
    assert.equal(t.counters().droppedTraceStates, 1);
  }
});

await test('otel: unknown ids and unmatched exits are counted and ignored', () => {
  const t = start('otel', SITES);
  t.drive(`e0 e99 e${SITES.length} e1 x${SITES.length} x99 x1 x2 x0 x0`);
  const spans = ends(t.log);
  assert.deepEqual(spans.map((s) => [s.name, s.status.tag]), [['main', 'unset'], ['main', 'unset']]);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unknownIds: 4, unmatchedExits: 2 });
  const u = start('otel', SITES);
  u.drive('x1 e4294967295 x4294967295');
  assert.deepEqual(u.log.filter((e) => e.op.startsWith('on-')), []);
  assert.deepEqual(u.counters(), { ...COUNTERS0, unknownIds: 2, unmatchedExits: 1 });
});

const shimKeys = (list) => list.map((a) => a.key).filter((k) => k.startsWith('wasm.shim.'));

await test('otel: a root span carries the counters that are not 0 (wasm.shim.*, JSON numbers) after its own attributes; other spans none', () => {
  const t = start('otel', SITES);
  t.drive('e0 e1 x1 x0');
  assert.deepEqual(attrs(ends(t.log)[1]), expectedOtelAttrs(SITES[0], 0), 'nothing counted yet');
  t.log.length = 0;
  // an unmatched exit, an unknown id; then x1 over e2: e2 ends unwound
  t.drive('x1 e99 e0 e1 e2 x1 x0');
  const spans = ends(t.log);
  const root = spans.at(-1);
  assert.equal(spans.length, 3);
  assert.deepEqual(root.attributes.map((a) => a.key).slice(0, Object.keys(expectedOtelAttrs(SITES[0], 0)).length),
    Object.keys(expectedOtelAttrs(SITES[0], 0)), "the site's own attributes come first");
  assert.deepEqual(attrs(root), { ...expectedOtelAttrs(SITES[0], 0), 'wasm.shim.unknown_ids': 1,
    'wasm.shim.unmatched_exits': 1, 'wasm.shim.unwound_spans': 1 });
  for (const s of spans.slice(0, -1)) assert.deepEqual(shimKeys(s.attributes), [], s.name);
  // the digits of the largest values, in the header's order
  const d = new DataView(t.memory.buffer);
  d.setUint32(abi.WI_GUEST_BLOB_BASE + abi.WI_GUEST_BLOB_UNKNOWN_IDS, 4294967295, true);
  d.setUint32(abi.WI_GUEST_BLOB_BASE + abi.WI_GUEST_BLOB_MUTED_CALLS, 10, true);
  t.log.length = 0;
  t.drive('e0 x0');
  const last = ends(t.log)[0];
  assert.deepEqual(shimKeys(last.attributes), ['wasm.shim.unknown_ids', 'wasm.shim.unmatched_exits',
    'wasm.shim.unwound_spans', 'wasm.shim.muted_calls']);
  assert.equal(last.attributes.find((a) => a.key === 'wasm.shim.unknown_ids').value, '4294967295');
  assert.equal(last.attributes.find((a) => a.key === 'wasm.shim.muted_calls').value, '10');
});

await test(`otel: at most WI_GUEST_MAX_DEPTH (${abi.WI_GUEST_MAX_DEPTH}) open spans; deeper exits matched by count`, () => {
  const max = abi.WI_GUEST_MAX_DEPTH, extra = 40;
  const t = start('otel', SITES);
  t.enter(0);
  for (let i = 1; i < max + extra; i++) t.enter(1);
  assert.equal(startsOf(t.log).length, max);
  assert.equal(t.counters().deepEnters, extra);
  for (let i = 1; i < max + extra; i++) t.exit(1);
  t.exit(0);
  const spans = ends(t.log);
  assert.equal(spans.length, max);
  assert.ok(spans.every((s) => s.status.tag === 'unset'));
  assert.equal(spans[max - 1].name, 'main');
  assert.equal(spans[max - 1]['span-kind'], 'server');
  assert.deepEqual(t.counters(), { ...COUNTERS0, deepEnters: extra });
  checkStartBeforeEnd(t.log);
});

await test('otel: past the depth bound, another component\'s entry nests; after a trap the entry unwinds all', () => {
  const max = abi.WI_GUEST_MAX_DEPTH;
  const t = start('otel', COMP);
  t.enter(0);
  for (let i = 1; i < max + 5; i++) t.enter(1);
  t.drive('e2 e3 e4 x4 x3 x2'); // a deep call into the nested component
  t.drive('e6 x6'); // a deep export that is not an entry
  assert.equal(ends(t.log).length, 0, 'deep calls into another component and non-entry exports are not stale');
  assert.equal(t.counters().deepEnters, 5 + 4);
  // then a trap: no exits; the next entry of the component ends every open
  // span (the deep enters are stale too)
  t.drive('e0 x0');
  const spans = ends(t.log);
  assert.equal(spans.length, max + 1);
  assert.equal(spans.slice(0, max).filter((s) => s.status.tag === 'error').length, max);
  assert.equal(spans[max].status.tag, 'unset');
  assert.equal(spans[max]['parent-span-id'], OUTER['span-id']);
  // and the stack works normally again
  t.drive('e0 e1 x1 x0');
  assert.equal(ends(t.log).length, max + 3);
  assert.equal(t.counters().unwoundSpans, max);
});

for (const [what, patch] of [
  ['a wrong magic', (d) => d.setUint8(0, 0x58)],
  ['a wrong version', (d) => d.setUint32(4, 99, true)],
  ['a blob made for the other link', (d) => d.setUint32(8, abi.WI_GUEST_BLOB_LINK_OBSERVE, true)],
  ['a site count past the blob', (d) => d.setUint32(12, 1 << 20, true)],
  ['an end past the memory', (d) => d.setUint32(36, 0xfffffff0, true)],
  ...[['a reserved site flag bit', 0, 4], ['an entry flag on a function site', 1, abi.WI_GUEST_FLAG_ENTRY],
    ['a no-return flag on an export site', 0, abi.WI_GUEST_FLAG_NO_RETURN]].map(([what, site, bit]) => [what, (d) => {
    const at = d.getUint32(16, true) - abi.WI_GUEST_BLOB_BASE + 24 * site + 20;
    d.setUint32(at, d.getUint32(at, true) | bit, true);
  }]),
  ['statistics inside the blob', (d) => d.setUint32(60, (d.getUint32(36, true) - 16) & ~7, true)],
  ['statistics past the memory', (d) => d.setUint32(60, abi.WI_GUEST_BLOB_BASE + d.byteLength - 8, true)],
  ['unaligned statistics', (d) => d.setUint32(60, d.getUint32(60, true) + 4, true)],
  ['a reserved header word', (d) => d.setUint32(80, 1, true)],
  ['a site table past the memory', (d) => {
    // a record at the memory's last 8 bytes whose name_len would lie past it
    const last = d.byteLength - 8;
    d.setUint32(16, abi.WI_GUEST_BLOB_BASE + last, true);
    d.setUint32(12, 1, true);
    d.setUint32(last, 0, true);
    d.setUint32(last + 4, abi.WI_GUEST_BLOB_BASE + 100, true);
  }],
]) {
  await test(`otel: ${what} makes the shim inert (no host call, no trap)`, () => {
    const t = start('otel', SITES, {}, {
      beforeFirstCall: (m) => patch(new DataView(m.buffer, abi.WI_GUEST_BLOB_BASE)),
    });
    t.drive('e0 e1 e2 x2 x1 x0 e9 x9 e0');
    assert.deepEqual(t.log, []);
  });
}

await test('otel: scratch reset: memory after 10^5 roots is what it was after 10', () => {
  // The host allocates the outer context's strings (and trace-state) through
  // cabi_realloc at each root; the shim resets the scratch after each.
  const t = start('otel', SITES, { light: true, outer: () => ({ ...OUTER, 'trace-state': [['a', 'x'.repeat(50)], ['b', 'y']] }) });
  for (let i = 0; i < 10; i++) t.drive('e0 e3 x3 x0');
  const after10 = t.memory.buffer.byteLength;
  const bump = t.cx.realloc(0, 0, 1, 0);
  t.a.exports['scratch-reset']();
  for (let i = 0; i < 100_000; i++) {
    t.enter(0);
    t.exit(0);
  }
  assert.equal(t.memory.buffer.byteLength, after10);
  assert.equal(t.cx.realloc(0, 0, 1, 0), bump, 'the bump pointer is back where it was');
  assert.equal(t.log.filter((e) => e.op === 'on-end').length, 100_000 + 20);
});

await test('otel: names and values are valid UTF-8 and JSON-escaped', () => {
  const sites = [
    { kind: 'function', raw: true, name: 'q\\x22uo\\x5c\\t\\x01ted \\xff\\xc0\\xed\\xa0\\x80 caf\\xc3\\xa9 \\xf0\\x9f\\x98\\x80', index: 7, module: 'm\\x22' },
  ];
  const t = start('otel', sites);
  t.drive('e0 x0');
  const [s] = ends(t.log);
  const expected = 'q"uo\\\t\x01ted \ufffd\ufffd\ufffd\ufffd\ufffd café 😀';
  assert.equal(s.name, expected);
  assert.deepEqual(attrs(s), { 'code.function.name': expected, 'wasm.site.kind': 'function', 'wasm.site.id': 0, 'wasm.function.index': 7, 'wasm.module': 'm"' });
  assert.equal(s.attributes[0].value, JSON.stringify(expected));
});

// wasm.site.id is the site's index in the table, for every site (ids of
// several LEB bytes; an id equal to another site's function index is one string).
await test('wasm.site.id is the index of every site in the table (otel and observe)', () => {
  const sites = Array.from({ length: 300 }, (_, i) => ({ kind: ['function', 'import', 'export'][i % 3], name: `f${i}`, index: 299 - i, module: 'm' }));
  const script = sites.map((_, i) => `e${i} x${i}`).join(' ');
  const t = start('otel', sites);
  t.drive(script);
  assert.deepEqual(ends(t.log).map((s) => attrs(s)['wasm.site.id']), sites.map((_, i) => i));
  assert.deepEqual(ends(t.log).map((s) => s.attributes[2].key), sites.map(() => 'wasm.site.id'));
  const o = start('observe', sites);
  o.drive(script);
  const starts = o.log.filter((e) => e.op === 'start').map((e) => e.options.some.attributes.some);
  assert.deepEqual(starts.map((a) => a[2]), sites.map((_, i) => ({ key: 'wasm.site.id', value: { tag: 's64', val: BigInt(i) } })));
});

// The open-span stack at WI_GUEST_FRAMES_BASE, as guest_abi.h documents it for
// hosts: frame i holds the i-th open span's site id and (otel) its span id.
await test('the open-span stack at WI_GUEST_FRAMES_BASE: site ids and span ids of the open spans', () => {
  const base = abi.WI_GUEST_BLOB_BASE - abi.WI_GUEST_MAX_DEPTH * abi.WI_GUEST_FRAME_SIZE - abi.WI_GUEST_TRACE_STATE_SIZE;
  assert.equal(base, 65536 - 512 * 32 - 1024, 'the address hosts read (runtime-shim/node) stays where it was');
  const frames = (t, n) => Array.from({ length: n }, (_, i) => {
    const at = base + i * abi.WI_GUEST_FRAME_SIZE;
    const view = Buffer.from(t.memory.buffer);
    return { site: view.readUInt32LE(at + abi.WI_GUEST_FRAME_SITE), spanId: view.toString('latin1', at + abi.WI_GUEST_FRAME_SPAN_ID, at + abi.WI_GUEST_FRAME_SPAN_ID + 16) };
  });
  const t = start('otel', SITES);
  t.drive('e0 e1 e2 x2 e3'); // open: 0 1 3
  const ids = startsOf(t.log).map((c) => c['span-id']);
  assert.deepEqual(frames(t, 3), [{ site: 0, spanId: ids[0] }, { site: 1, spanId: ids[1] }, { site: 3, spanId: ids[3] }]);
  const o = start('observe', SITES);
  o.drive('e0 e2 e3 x3 e1');
  assert.deepEqual(frames(o, 3).map((f) => f.site), [0, 2, 1]);
});

await test('otel: a module with no sites is inert for every id', () => {
  const t = start('otel', []);
  t.drive('e0 x0 e1');
  assert.deepEqual(t.log.filter((e) => e.op.startsWith('on-')), []);
  assert.equal(t.counters().unknownIds, 3);
});

await test('otel: a trap in the host propagates; nothing is left half-done for the next call', () => {
  let fail = true;
  const t = start('otel', SITES, { outer: () => { if (fail) throw new Error('host down'); return OUTER; } });
  assert.throws(() => t.enter(0), /host down/);
  fail = false;
  t.drive('e0 x0');
  const spans = ends(t.log);
  assert.equal(spans.length, 1);
  assert.equal(spans[0]['parent-span-id'], OUTER['span-id']);
});

// ---- B for wasi-observe ----

await test('observe: start/end/drop order, kinds, names and attributes', () => {
  const t = start('observe', SITES);
  t.drive('e0 e1 e2 e3 x3 x2 x1 x0');
  assert.deepEqual(t.log.map((e) => `${e.op} ${e.handle}`), [
    'start 1', 'start 2', 'start 3', 'start 4', 'end 4', 'drop 4', 'end 3', 'drop 3', 'end 2', 'drop 2', 'end 1', 'drop 1']);
  const starts = t.log.filter((e) => e.op === 'start');
  assert.deepEqual(starts.map((e) => e.name), ['main', 'main', 'work', 'env.log']);
  assert.deepEqual(starts.map((e) => e.options.some['span-kind']), [{ some: 'server' }, { some: 'internal' }, { some: 'internal' }, { some: 'client' }]);
  for (const e of starts) {
    assert.equal(e.options.some['new-root'], false);
    assert.equal(e.options.some.links, null);
    assert.equal(e.options.some.timestamp, null);
  }
  assert.deepEqual(starts[3].options.some.attributes.some, [
    { key: 'code.function.name', value: { tag: 'string', val: 'env.log' } },
    { key: 'wasm.site.kind', value: { tag: 'string', val: 'import' } },
    { key: 'wasm.site.id', value: { tag: 's64', val: 3n } },
    { key: 'wasm.function.index', value: { tag: 's64', val: 0n } },
    { key: 'wasm.import.module', value: { tag: 'string', val: 'env' } },
    { key: 'wasm.import.name', value: { tag: 'string', val: 'log' } },
    { key: 'wasm.module', value: { tag: 'string', val: 'app' } },
  ]);
  SITES.slice(0, 4).forEach((s, i) => {
    assert.deepEqual(observeAttrs(starts[i].options.some.attributes.some), observeWant(i));
  });
  for (const e of t.log.filter((e) => e.op === 'end')) assert.equal(e.timestamp, null);
  assert.equal(t.live.size, 0);
});

await test('observe: unwound spans get set-status(error("unwound")), then end, then drop', () => {
  const t = start('observe', SITES);
  t.drive('e0 e1 e2 x1 x0');
  assert.deepEqual(t.log.slice(3).map((e) => `${e.op} ${e.handle}`), ['set-status 3', 'end 3', 'drop 3', 'end 2', 'drop 2', 'end 1', 'drop 1']);
  assert.deepEqual(t.log[3].status, { tag: 'error', val: 'unwound' });
  assert.equal(t.counters().unwoundSpans, 1);
});

await test('observe: an entry of the component unwinds its cut frames; another component\'s entry and a non-entry export nest', () => {
  const t = start('observe', COMP);
  t.drive('e0 e2 e3 e6 x6 x3 x2'); // into the nested component; a non-entry export: nothing ended early
  assert.deepEqual(t.log.map((e) => `${e.op} ${e.handle}`), ['start 1', 'start 2', 'start 3', 'start 4',
    'end 4', 'drop 4', 'end 3', 'drop 3', 'end 2', 'drop 2']);
  t.drive('e1 e0'); // function 1 never returned (a trap): stale
  assert.deepEqual(t.log.slice(10).map((e) => `${e.op} ${e.handle}`), [
    'start 5', 'set-status 5', 'end 5', 'drop 5', 'set-status 1', 'end 1', 'drop 1', 'start 6']);
  assert.deepEqual(t.log[11].status, { tag: 'error', val: 'unwound' });
  t.drive('x0');
  assert.equal(t.live.size, 0);
  assert.equal(t.counters().unwoundSpans, 2);
});

await test('observe: a no-return import ends every open span, innermost first, without an error status', () => {
  const t = start('observe', COMP);
  t.drive('e0 e1 e7');
  assert.deepEqual(t.log.map((e) => `${e.op} ${e.handle}`), ['start 1', 'start 2', 'start 3',
    'end 3', 'drop 3', 'end 2', 'drop 2', 'end 1', 'drop 1']);
  assert.equal(t.live.size, 0);
  t.drive('x7 e0 x0');
  assert.equal(t.live.size, 0);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unmatchedExits: 1 });
});

await test('observe: a root span starts with the counters that are not 0 so far (wasm.shim.*, s64); other spans none', () => {
  const t = start('observe', SITES);
  t.drive('e0 e1 x1 x0');
  const first = t.log.filter((e) => e.op === 'start');
  assert.deepEqual(observeAttrs(first[0].options.some.attributes.some), observeWant(0), 'nothing counted yet');
  t.log.length = 0;
  t.drive('x1 e99 e0 e1 e2 x1 x0 e0 x0');
  const [root, child, grandchild, next] = t.log.filter((e) => e.op === 'start');
  assert.deepEqual(observeAttrs(root.options.some.attributes.some),
    { ...observeWant(0), 'wasm.shim.unknown_ids': 1n, 'wasm.shim.unmatched_exits': 1n });
  for (const s of [child, grandchild]) assert.deepEqual(shimKeys(s.options.some.attributes.some), []);
  assert.deepEqual(observeAttrs(next.options.some.attributes.some),
    { ...observeWant(0), 'wasm.shim.unknown_ids': 1n, 'wasm.shim.unmatched_exits': 1n, 'wasm.shim.unwound_spans': 1n });
});

await test('observe: unknown ids, unmatched exits, depth bound', () => {
  const max = abi.WI_GUEST_MAX_DEPTH;
  const t = start('observe', SITES);
  t.drive('e7 x7 x1');
  assert.deepEqual(t.log, []);
  assert.deepEqual(t.counters(), { ...COUNTERS0, unknownIds: 2, unmatchedExits: 1 });
  for (let i = 0; i < max + 10; i++) t.enter(1);
  assert.equal(t.log.filter((e) => e.op === 'start').length, max);
  for (let i = 0; i < 10; i++) t.exit(1);
  assert.equal(t.log.filter((e) => e.op === 'drop').length, 0, 'the deep exits come first');
  for (let i = 10; i < max + 10; i++) t.exit(1);
  assert.equal(t.log.filter((e) => e.op === 'drop').length, max);
  assert.equal(t.counters().unmatchedExits, 1, 'only the x1 above');
  assert.equal(t.live.size, 0);
  assert.equal(t.counters().deepEnters, 10);
});

await test('observe: a blob made for wasi-otel, or a wrong magic, makes the shim inert', () => {
  const otelA = memoryModule('otel', SITES).a;
  const t = start('observe', SITES, {}, { aBytes: otelA });
  t.drive('e0 e1 x1 x0');
  assert.deepEqual(t.log, []);
  const u = start('observe', SITES, {}, { beforeFirstCall: (m) => new DataView(m.buffer).setUint32(abi.WI_GUEST_BLOB_BASE, 0, true) });
  u.drive('e0 e1 x1 x0');
  assert.deepEqual(u.log, []);
});

process.exitCode = failed ? 1 : 0;
