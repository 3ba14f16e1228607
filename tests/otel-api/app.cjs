// An application traced by OpenTelemetry as such applications are: a
// NodeTracerProvider (registered: the global provider and the
// AsyncLocalStorage context manager) with the HTTP instrumentation, and an
// HTTP server whose handler runs SQL through sql.js, instrumented by
// wasm-instrument (the module given). check.mjs runs it in several ways.
//
//   node [--import register.mjs] app.cjs OPTIONS
//   --wasm FILE           the instrumented sql-wasm.wasm
//   --recorder MODULE     trace it with createRecorder (MODULE: wasm-observe.mjs),
//                         with instantiateWasm; without it, the preload (if
//                         any) does
//   --otel                createRecorder's openTelemetry: true
//   --recorder-options J  more createRecorder options (JSON)
//   --no-provider         no tracer provider at all
//   --unsampled           the provider's sampler: ParentBased(AlwaysOff)
//   --otlp URL            a BatchSpanProcessor and the OTLP/HTTP protobuf
//                         exporter to URL, instead of a SimpleSpanProcessor
//                         and the in-memory exporter
//   --requests N          requests made one after the other (default 2)
//   --traceparent TP      each request continues this remote trace (W3C
//                         traceparent), with tracestate vendor=1
//   --out FILE            JSON: { bodies, spans (in-memory exporter), counters,
//                         otelStats }
// Each request's handler opens the database on the first request (sql.js's
// instantiation runs inside the request) and runs a few statements.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = { requests: 2 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--otel' || a === '--no-provider' || a === '--unsampled') opt[a.slice(2)] = true;
  else if (a.startsWith('--')) opt[a.slice(2)] = args[++i];
}

const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const {
  SimpleSpanProcessor, BatchSpanProcessor, InMemorySpanExporter, ParentBasedSampler, AlwaysOffSampler, AlwaysOnSampler,
} = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

let provider = null;
const memory = new InMemorySpanExporter();
if (!opt['no-provider']) {
  let processor;
  if (opt.otlp) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: opt.otlp }), {
      // the module's spans are many (every function of sql.js): the
      // default queue (2048) would drop most
      scheduledDelayMillis: 50, maxQueueSize: 100000, maxExportBatchSize: 1024,
    });
  } else {
    processor = new SimpleSpanProcessor(memory);
  }
  provider = new NodeTracerProvider({
    sampler: new ParentBasedSampler({ root: opt.unsampled ? new AlwaysOffSampler() : new AlwaysOnSampler() }),
    spanProcessors: [processor],
  });
  provider.register();
  // the client side is not traced: the server span is the trace's root
  registerInstrumentations({ instrumentations: [new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true })] });
}

const http = require('node:http');
const initSqlJs = require('sql.js');

async function main() {
  let recorder = null;
  if (opt.recorder) {
    const { createRecorder } = await import(opt.recorder);
    const extra = opt['recorder-options'] ? JSON.parse(opt['recorder-options']) : {};
    recorder = createRecorder({ record: 'spans', openTelemetry: opt.otel ? true : undefined, unwindOnReentry: true, ...extra });
  }
  const wasmBytes = fs.readFileSync(opt.wasm);
  let db = null;
  async function database() {
    if (db) return db;
    const config = { locateFile: () => path.resolve(opt.wasm) };
    if (recorder) {
      config.instantiateWasm = (imports, done) => {
        const module = new WebAssembly.Module(wasmBytes);
        recorder.loadSites(module);
        const instance = new WebAssembly.Instance(module, { ...imports, ...recorder.hooks() });
        done(instance, module);
        return instance.exports;
      };
    }
    const SQL = await initSqlJs(config);
    db = new SQL.Database();
    db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)');
    return db;
  }
  let n = 0;
  const server = http.createServer((req, res) => {
    database().then((d) => {
      n++;
      d.run('INSERT INTO t (name, qty) VALUES (?, ?), (?, ?)', [`a${n}`, n, `b${n}`, 2 * n]);
      const rows = d.exec('SELECT COUNT(*), SUM(qty) FROM t')[0].values[0];
      res.end(`rows ${rows[0]} qty ${rows[1]}\n`);
    }).catch((e) => { res.statusCode = 500; res.end(String(e)); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const bodies = [];
  for (let i = 0; i < Number(opt.requests); i++) {
    bodies.push(await new Promise((resolve, reject) => {
      const headers = opt.traceparent ? { traceparent: opt.traceparent, tracestate: 'vendor=1' } : {};
      http.get({ host: '127.0.0.1', port, path: `/q/${i}`, headers }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      }).on('error', reject);
    }));
  }
  await new Promise((r) => server.close(r));
  let counters = null, otelStats = null;
  if (recorder) {
    recorder.finish();
    counters = recorder.counters();
    otelStats = recorder.openTelemetryStats ? recorder.openTelemetryStats() : null;
    recorder.close();
  }
  if (provider) await provider.forceFlush();
  const spans = memory.getFinishedSpans().map((s) => ({
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    sampled: (s.spanContext().traceFlags & 1) === 1,
    traceState: s.spanContext().traceState?.serialize() ?? '',
    name: s.name,
    kind: ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][s.kind],
    start: String(BigInt(s.startTime[0]) * 1000000000n + BigInt(s.startTime[1])),
    end: String(BigInt(s.endTime[0]) * 1000000000n + BigInt(s.endTime[1])),
    attrs: s.attributes,
    status: s.status.code === api.SpanStatusCode.ERROR ? 'ERROR' : 'UNSET',
    scope: s.instrumentationScope?.name ?? s.instrumentationLibrary?.name,
  }));
  if (provider) await provider.shutdown();
  if (opt.out) fs.writeFileSync(opt.out, JSON.stringify({ bodies, spans, counters, otelStats }));
  else console.log(bodies.join(''));
}
main().catch((e) => { console.error(e); process.exit(1); });
