// Cross-check with an independent implementation of the Canonical ABI: jco's.
// Module A, module B and a tiny driver (exporting `step(v)`: enter(v) for
// v >= 0, exit(-v-1) otherwise) are merged into one core module by binaryen's
// wasm-merge (B's `env` imports resolved to A, the driver's hook imports to B),
// made a component by wasm-tools (jco-transpile's `component embed` + `new`:
// wit-component lowers the WASI imports against A's memory and cabi_realloc),
// transpiled by jco and run in Node with JS implementations of the WASI
// interfaces, whose arguments jco lifts. The same step sequences run through
// harness.mjs (cabi.mjs's lifting) must give the same calls with the same
// values. Prints PASS/FAIL lines; exit 1 if any failed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { memoryModule, MONO_BASE, MONO_STEP, OUTER, paths, start, WALL } from './harness.mjs';

const HERE = new URL('.', import.meta.url).pathname;
const WASM_MERGE = join(HERE, 'node_modules/binaryen/bin/wasm-merge');
const work = mkdtempSync(join(tmpdir(), 'guest-shim-jco.'));
let failed = 0;
async function test(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${(e.stack ?? String(e)).split('\n').slice(0, 6).join(' | ')}`);
  }
}

const SITES = [
  { kind: 'export', name: 'main', index: 3, exportName: 'main', module: 'app', entry: true },
  { kind: 'function', name: 'main', index: 3, module: 'app' },
  { kind: 'function', name: 'work "q" \\ é', index: 4, module: 'app' },
  { kind: 'import', name: 'env.log', index: 0, importModule: 'env', importField: 'log', module: 'app' },
  { kind: 'export', name: 'callback', index: 5, exportName: 'callback', entry: true },
  { kind: 'export', name: 'inner', index: 0, exportName: 'inner', module: 'nested', component: 1, entry: true },
  { kind: 'import', name: 'wasi_snapshot_preview1.proc_exit', index: 1, importModule: 'wasi_snapshot_preview1',
    importField: 'proc_exit', module: 'app', noReturn: true },
];

const wit = (f) => readFileSync(join(HERE, 'wit', f), 'utf8');
const WIT = `package test:guest-check;
world otel {
  import wasi:otel/tracing@0.2.0-rc.2;
  import wasi:clocks/wall-clock@0.2.0;
  import wasi:clocks/monotonic-clock@0.2.0;
  import wasi:random/random@0.2.0;
  export step: func(v: s32);
}
world observe {
  import wasi:observe/tracer;
  export step: func(v: s32);
}
package wasi:otel@0.2.0-rc.2 {
${wit('otel-types.wit')}
${wit('otel-tracing.wit')}
}
package wasi:clocks@0.2.0 {
  interface wall-clock { record datetime { seconds: u64, nanoseconds: u32 } now: func() -> datetime; }
  interface monotonic-clock { type instant = u64; now: func() -> instant; }
}
package wasi:clocks@0.2.1 {
  interface wall-clock { record datetime { seconds: u64, nanoseconds: u32 } now: func() -> datetime; }
}
package wasi:random@0.2.0 {
  interface random { get-random-u64: func() -> u64; }
}
package wasi:observe {
${wit('observe-tracer.wit').replace(/([(<])float64([)>])/g, '$1f64$2')}
}
`;

const DRIVER = `(module
  (import "wasm-instrument:hooks/trace@0.1.0" "enter" (func $enter (param i32)))
  (import "wasm-instrument:hooks/trace@0.1.0" "exit" (func $exit (param i32)))
  (func (export "step") (param $v i32)
    (if (i32.ge_s (local.get $v) (i32.const 0))
      (then (call $enter (local.get $v)))
      (else (call $exit (i32.sub (i32.const -1) (local.get $v)))))))`;

// The component for `link`, transpiled; returns jco's instantiate().
async function component(link) {
  const d = join(work, link);
  execFileSync('mkdir', ['-p', d]);
  writeFileSync(join(d, 'a.wasm'), memoryModule(link, SITES).a);
  writeFileSync(join(d, 'driver.wat'), DRIVER);
  execFileSync('wat2wasm', [join(d, 'driver.wat'), '-o', join(d, 'driver.wasm')]);
  execFileSync(process.execPath, [WASM_MERGE, join(d, 'a.wasm'), 'env', paths[link], 'wasm-instrument:hooks/trace@0.1.0',
    join(d, 'driver.wasm'), 'driver', '-o', join(d, 'core.wasm')]);
  const embedded = await componentEmbed({ binary: readFileSync(join(d, 'core.wasm')), witSource: WIT, world: link });
  const bytes = await componentNew(embedded, []);
  const { files } = await transpileBytes(bytes, { name: 'check', instantiation: 'sync' });
  for (const [name, data] of Object.entries(files)) {
    execFileSync('mkdir', ['-p', join(d, 'out', name, '..')]);
    writeFileSync(join(d, 'out', name), data);
  }
  const { instantiate } = await import(pathToFileURL(join(d, 'out', 'check.js')));
  return (imports, instantiateCore) =>
    instantiate((name) => new WebAssembly.Module(readFileSync(join(d, 'out', name))), imports, instantiateCore);
}

// Steps as in harness.mjs's drive(), for the driver's step(v).
const stepsOf = (s) => s.trim().split(/\s+/).map((w) => (w[0] === 'e' ? Number(w.slice(1)) : -Number(w.slice(1)) - 1));

// cabi.mjs's values in jco's JS shapes: camelCase fields, option none as
// absent and some(v) as v, tuples as arrays; then both as JSON (bigints as "Nn").
const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
function jcoShape(v) {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(jcoShape);
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'some') return jcoShape(v.some);
    if (keys.length === 2 && keys[0] === '0' && keys[1] === '1') return [jcoShape(v[0]), jcoShape(v[1])];
    return Object.fromEntries(keys.map((k) => [k === 'tag' || k === 'val' ? k : camel(k), jcoShape(v[k])]));
  }
  return v;
}
const json = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x), 1);

const OUTERS = [OUTER, { ...OUTER, 'trace-id': '', 'span-id': '', 'trace-state': [] },
  { ...OUTER, 'trace-flags': { sampled: false }, 'trace-state': [['a', 'x'.repeat(40)], ['b', '']] }];
const jcoOuter = (o) => jcoShape(o);
// nesting; a callback into the same component (cut frames); a trap, then an
// entry; a nested component under an import; proc_exit; unknown ids
const SCRIPT = ['e0 e1 e2 e3 x3 x2 x1 x0', 'e0 e1 e3 e4 x4 x3 x1 x0', 'e0 e1 e2', 'e0 e2 e3 x2 x0',
  'e0 e3 e5 x5 x3 x0', 'e0 e1 e6 x6', 'e9 x9 x1', 'e1 x1'];

await test('wasi-otel: jco lifts what B passes exactly as cabi.mjs does (same calls, same values)', async () => {
  const instantiate = await component('otel');
  // jco
  const log = [];
  let mono = MONO_BASE, k = 0;
  const root = instantiate({
    'wasi:otel/tracing': {
      onStart: (ctx) => log.push({ op: 'on-start', ctx }),
      onEnd: (span) => log.push({ op: 'on-end', span }),
      outerSpanContext: () => { log.push({ op: 'outer-span-context' }); return jcoOuter(OUTERS[k++ % OUTERS.length]); },
    },
    'wasi:otel/types': {},
    'wasi:clocks/wall-clock': { now: () => { log.push({ op: 'wall-clock' }); return WALL; } },
    'wasi:clocks/monotonic-clock': { now: () => (mono += MONO_STEP) - MONO_STEP },
    'wasi:random/random': { getRandomU64: () => { log.push({ op: 'random' }); return 0x243f6a8885a308d3n; } },
  });
  for (const s of SCRIPT) for (const v of stepsOf(s)) root.step(v);
  // harness.mjs (the same host behaviour)
  let j = 0;
  const t = start('otel', SITES, { outer: () => OUTERS[j++ % OUTERS.length] });
  for (const s of SCRIPT) t.drive(s);
  assert.ok(log.filter((e) => e.op === 'on-end').length >= 12);
  assert.equal(json(log), json(jcoShape(t.log)));
});

await test('wasi-otel: under jco, 2000 roots leave the memory as 10 did (scratch reset)', async () => {
  const instantiate = await component('otel');
  let mono = MONO_BASE;
  const outer = jcoOuter(OUTERS[2]);
  let memory; // A's, as the merged core module exports it
  const root = instantiate({
    'wasi:otel/tracing': { onStart: () => {}, onEnd: () => {}, outerSpanContext: () => outer },
    'wasi:otel/types': {},
    'wasi:clocks/wall-clock': { now: () => WALL },
    'wasi:clocks/monotonic-clock': { now: () => (mono += MONO_STEP) },
    'wasi:random/random': { getRandomU64: () => 1n },
  }, (module, imports) => {
    const instance = new WebAssembly.Instance(module, imports);
    if (instance.exports.memory instanceof WebAssembly.Memory) memory = instance.exports.memory;
    return instance;
  });
  const roots = (n) => { for (let i = 0; i < n; i++) { root.step(0); root.step(-1); } };
  roots(10);
  const after10 = memory.buffer.byteLength;
  roots(2000);
  assert.equal(memory.buffer.byteLength, after10);
});

await test('wasi-observe: jco lifts what B passes exactly as cabi.mjs does (same calls, same values)', async () => {
  const instantiate = await component('observe');
  const log = [];
  let next = 1;
  class Span {
    constructor() { this.handle = next++; }
    end(timestamp) { log.push({ op: 'end', handle: this.handle, timestamp }); }
    setStatus(status) { log.push({ op: 'set-status', handle: this.handle, status }); }
    [Symbol.dispose]() { log.push({ op: 'drop', handle: this.handle }); }
  }
  const root = instantiate({
    'wasi:observe/tracer': {
      Span,
      start: (name, options) => { const s = new Span(); log.push({ op: 'start', name, options, handle: s.handle }); return s; },
    },
  });
  for (const s of SCRIPT) for (const v of stepsOf(s)) root.step(v);
  const t = start('observe', SITES);
  for (const s of SCRIPT) t.drive(s);
  assert.ok(log.filter((e) => e.op === 'start').length >= 12);
  assert.equal(json(log), json(jcoShape(t.log)));
});

rmSync(work, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
