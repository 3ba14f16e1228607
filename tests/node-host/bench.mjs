// ns per enter/exit pair in V8 for: no-op hooks (JS and wasm, the floors), the
// C recorder compiled to wasm32 (runtime-shim/node/wasm32, glue.c used
// directly) and as createRecorder gives it (runtime-shim/node/wasm-observe.mjs;
// the JS recorder was removed), the sampled profile timing, on a loop calling
// an instrumented function N times; and the
// spans handed to an application's OpenTelemetry tracer provider
// (createRecorder's openTelemetry), with the packages tests/otel-api installs
// (skipped, with a line saying so, where they are not installed).
//   node bench.mjs PLAIN.wasm INSTR.wasm NOOP.wasm WO.wasm [N] [ROUNDS]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createRecorder, RECORD_SPANS, RECORD_PROFILE, HOOK_MODULE } from '../../runtime-shim/node/wasm-observe.mjs';

// The cost of every span is measured: no muting, no span budget.
const EVERY_SPAN = { muteAfter: Infinity, spanRate: Infinity, maxFileBytes: Infinity };

const emitWarning = process.emitWarning;
process.emitWarning = (w, ...r) => (String(w).includes('WASI') ? undefined : emitWarning.call(process, w, ...r));
const { WASI } = await import('node:wasi');

const [plainPath, instrPath, noopPath, woPath, nArg, roundsArg] = process.argv.slice(2);
const N = Number(nArg ?? 1e7);
const ROUNDS = Number(roundsArg ?? 5);
const instrBytes = fs.readFileSync(instrPath);
const plainMod = new WebAssembly.Module(fs.readFileSync(plainPath));
const instrMod = new WebAssembly.Module(instrBytes);
const noopMod = new WebAssembly.Module(fs.readFileSync(noopPath));
const woMod = new WebAssembly.Module(fs.readFileSync(woPath));
const nullExporter = { exportSpans() {}, flush() {}, close() {} };

function time(run, n = N) {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    run(n);
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / n;
}

function instrumented(hooks) {
  return new WebAssembly.Instance(instrMod, { [HOOK_MODULE]: hooks }).exports.run;
}

function cRecorder(record, jsClock) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true });
  const hr = process.hrtime.bigint;
  const inst = new WebAssembly.Instance(woMod, {
    wasi_snapshot_preview1: wasi.wasiImport,
    host: { now_ns: () => Number(hr()), export_batch: () => 0, export_encoded: () => 0, outer_context: () => 0 },
  });
  wasi.initialize(inst);
  const ex = inst.exports;
  const p = ex.alloc(instrBytes.length);
  new Uint8Array(ex.memory.buffer, p, instrBytes.length).set(instrBytes);
  // null exporter (bridge 0), default limits, seed 42; every span (as
  // EVERY_SPAN: no rate limit, no muting)
  const rc = ex.setup(p, instrBytes.length, record, jsClock ? 1 : 0, 0, 0, 0, 0, 0, 42n, 0, 0, 0, Infinity, 0, Infinity, 0);
  if (rc !== 0) throw new Error(`setup: status ${rc}`);
  return ex;
}

const rows = [];
const base = time(new WebAssembly.Instance(plainMod, {}).exports.run);
rows.push(['uninstrumented loop (per iteration)', base, null]);
const add = (name, perCall, check) => rows.push([name, perCall - base, check]);

const noopJs = { enter: () => {}, exit: () => {} };
add('no-op hooks in JS', time(instrumented(noopJs)));
const noopWasm = new WebAssembly.Instance(noopMod, {}).exports;
add('no-op hooks in wasm', time(instrumented({ enter: noopWasm.enter, exit: noopWasm.exit })));
const hr = process.hrtime.bigint;
let sink = 0;
add('JS: process.hrtime.bigint() in each hook, nothing else', time(instrumented({ enter: () => { sink += Number(hr()) & 1; }, exit: () => { sink += Number(hr()) & 1; } })));

{
  // sampled profile timing: exact counts, no clock in the hooks, a worker
  // thread samples the C recorder's current node through its shared memory
  const rec = createRecorder({ record: RECORD_PROFILE, profileTiming: 'sampled' });
  rec.loadSites(instrMod);
  const t = time(instrumented(rec.hooks()[HOOK_MODULE]));
  rec.finish();
  add('C recorder in wasm32, profile, sampled time (profileTiming: sampled)', t, rec.counters().enters);
}
for (const jsClock of [false, true]) {
  for (const [label, record] of [['profile', RECORD_PROFILE], ['spans', RECORD_SPANS], ['spans+profile', RECORD_SPANS | RECORD_PROFILE]]) {
    const ex = cRecorder(record, jsClock);
    const t = time(instrumented({ enter: ex.enter, exit: ex.exit }));
    ex.finish();
    add(`C recorder in wasm32, ${label}, clock ${jsClock ? 'JS import (hrtime as f64)' : 'WASI clock_time_get'}`, t, ex.enters());
  }
}

// The recorder as createRecorder gives it (the CLI's, the preload's): spans
// go through its batch hand-over (glue.c copies each batch out and
// wasm32-recorder.mjs views it) to a JS null exporter; the JSON writing is
// left out.
for (const [label, record] of [['profile', RECORD_PROFILE], ['spans', RECORD_SPANS], ['spans+profile', RECORD_SPANS | RECORD_PROFILE]]) {
  const rec = createRecorder({ backend: 'wasm32', record, exporters: [nullExporter], seed: 42, ...EVERY_SPAN });
  rec.loadSites(instrBytes);
  const t = time(instrumented(rec.hooks()[HOOK_MODULE]));
  rec.finish();
  add(`createRecorder({backend: 'wasm32'}), ${label}, null JS exporter`, t, rec.counters().enters);
}

// Full tracing as the host writes it: spans encoded as OTLP/JSON lines to
// /dev/null by the C encoder, inside the instance: the encoding counted, the
// disk not.
{
  const rec = createRecorder({ backend: 'wasm32', record: RECORD_SPANS, otlpFile: '/dev/null', seed: 42, ...EVERY_SPAN });
  rec.loadSites(instrBytes);
  const t = time(instrumented(rec.hooks()[HOOK_MODULE]));
  rec.close();
  add(`createRecorder({backend: 'wasm32', otlpFile: '/dev/null'}), spans encoded as OTLP/JSON lines`, t, rec.counters().enters);
}

// Into the application's OpenTelemetry traces: every span becomes an SDK
// span of a registered NodeTracerProvider (tracer.startSpan, span.end; the
// loop's root span under an active span, the parents started early from the
// recorder's open spans), with a span processor that does nothing, so that
// what is measured is this path and the SDK's span objects, not an export.
// Fewer calls (an SDK span is microseconds); the plain wasm32 row again with
// the same count, for the ratio.
let otelNote = null;
{
  const fromOtelApi = createRequire(new URL('../otel-api/package.json', import.meta.url));
  let api = null, sdk = null;
  try {
    api = fromOtelApi('@opentelemetry/api');
    sdk = fromOtelApi('@opentelemetry/sdk-trace-node');
  } catch {
    otelNote = 'the OpenTelemetry rows need tests/otel-api\'s packages (tests/otel-api/run.sh installs them)';
  }
  if (sdk) {
    const n = Math.min(N, 200000);
    // The bridge's own share: no tracer provider registered yet, so the API's
    // no-op tracer takes the spans (and there is no active span)
    {
      const rec = createRecorder({ record: RECORD_SPANS, openTelemetry: api, seed: 42, ...EVERY_SPAN });
      rec.loadSites(instrBytes);
      const t = time(instrumented(rec.hooks()[HOOK_MODULE]), n);
      rec.close();
      add(`createRecorder({openTelemetry}), no tracer provider: the API's no-op tracer (N = ${n})`, t, rec.counters().enters);
    }
    let ended = 0;
    const nullProcessor = { onStart() {}, onEnd() { ended++; }, forceFlush: async () => {}, shutdown: async () => {} };
    const provider = new sdk.NodeTracerProvider({ spanProcessors: [nullProcessor] });
    provider.register();
    const plain = createRecorder({ backend: 'wasm32', record: RECORD_SPANS, exporters: [nullExporter], seed: 42, ...EVERY_SPAN });
    plain.loadSites(instrBytes);
    const tPlain = time(instrumented(plain.hooks()[HOOK_MODULE]), n);
    plain.finish();
    add(`createRecorder({backend: 'wasm32'}), spans, null JS exporter (N = ${n})`, tPlain, plain.counters().enters);
    const rec = createRecorder({ record: RECORD_SPANS, openTelemetry: api, seed: 42, ...EVERY_SPAN });
    rec.loadSites(instrBytes);
    const run = instrumented(rec.hooks()[HOOK_MODULE]);
    const t = api.trace.getTracer('bench').startActiveSpan('request', (span) => {
      try { return time(run, n); } finally { span.end(); }
    });
    rec.close();
    const stats = rec.openTelemetryStats();
    if (stats.spans !== rec.counters().enters || ended !== stats.spans + 1) throw new Error(`OpenTelemetry: ${ended} SDK spans ended, ${JSON.stringify(stats)}`);
    add(`createRecorder({openTelemetry}), spans into a NodeTracerProvider (null span processor) (N = ${n}; ${(t - base) / (tPlain - base) > 0 ? ((t - base) / (tPlain - base)).toFixed(1) : '?'}x the row above)`, t, rec.counters().enters);
    await provider.shutdown();
  }
}

console.log(`node ${process.version}, N = ${N}, best of ${ROUNDS}; ns per enter/exit pair above the uninstrumented loop (enters: over all rounds)`);
if (otelNote) console.log(otelNote);
for (const [name, ns, enters] of rows) {
  console.log(`${ns.toFixed(1).padStart(8)} ns  ${name}${enters != null ? `  (enters ${enters})` : ''}`);
}
