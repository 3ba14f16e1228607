#!/usr/bin/env node
// Drives the `emit` test program (emit.c, the OTLP/HTTP exporter of
// libwasm-observe) against servers on 127.0.0.1 and prints `PASS name` or
// `FAIL name: reason` per check:
//
//   selftest             emit --selftest: argument errors, wo_otlp_http_read_stats
//   receiver-protobuf    @elastic/mockotlpserver (in process) receives every span
//   receiver-json          (protobuf, then JSON): count, names, parent links, kinds, errors
//   protobuf-decode      the raw protobuf bodies decode with protobufjs against the
//                        official trace_service.proto (verify), POST /v1/traces,
//                        Content-Type application/x-protobuf, the extra header
//   json-matches-protobuf  the JSON bodies of the same run (fixed seed and clock),
//                        read through the same .proto, equal the protobuf ones;
//                        an endpoint with its own path is used as is
//   retry-503            503, 503, then 200: retried with jittered backoff (waits in
//                        [50, 100] and [100, 200] ms), everything arrives
//   retry-after-429      429 with Retry-After: 1: the retry waits about a second
//   retry-after-date-429   429 with Retry-After as an HTTP-date (IMF-fixdate) 1-2 s
//                        ahead: the retry waits until that moment, the batch
//                        arrives once
//   no-retry-400         400: never retried, every batch counted as rejected
//   no-server            nothing listens: finishes within the timeout, all dropped
//   never-answers        the server never answers: finishes within the timeout, all dropped
//   queue-full           a stuck collector and a queue of 2: whole batches dropped
//                        and counted, the program never blocks
//
//   node check.mjs path/to/emit
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const { MockOtlpServer, normalizeTrace } = require('@elastic/mockotlpserver');

const EMIT = process.argv[2];
if (!EMIT) {
  process.stderr.write('usage: check.mjs EMIT\n');
  process.exit(2);
}
const results = [];
const pass = (name) => results.push(`PASS ${name}`);
const fail = (name, why) => results.push(`FAIL ${name}: ${String(why).replace(/\s+/g, ' ').slice(0, 400)}`);
// A bound on the whole run.
const watchdog = setTimeout(() => {
  for (const r of results) console.log(r);
  console.log('FAIL watchdog: check.mjs did not finish within 180 s');
  process.exit(1);
}, 180_000);

// ---- the official .proto files, inside @elastic/mockotlpserver ----
const protoDir = path.join(path.dirname(path.dirname(require.resolve('@elastic/mockotlpserver'))));
if (!fs.existsSync(path.join(protoDir, 'opentelemetry/proto/collector/trace/v1/trace_service.proto'))) {
  console.log(`FAIL protos: no opentelemetry/proto in ${protoDir}`);
  process.exit(1);
}
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
root.resolveAll();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: true, arrays: true };

// ---- running emit ----
const ROOTS = 5;
const SPANS = 6 * ROOTS + 2;

function emit(args, limitMs = 30_000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const env = { ...process.env };
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy']) delete env[k];
    execFile(EMIT, args.map(String), { timeout: limitMs, killSignal: 'SIGKILL', env }, (err, stdout, stderr) => {
      const wallMs = Date.now() - started;
      let out = null;
      try {
        out = JSON.parse(stdout.trim().split('\n').pop());
      } catch {}
      resolve({ err, stdout, stderr, wallMs, out });
    });
  });
}

function expectRun(run, what) {
  if (run.err) throw new Error(`${what}: emit failed (${run.err.signal || run.err.code}): ${run.stderr.slice(0, 300)}`);
  if (/ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:/.test(run.stderr)) throw new Error(`${what}: sanitizer: ${run.stderr.slice(0, 300)}`);
  if (!run.out) throw new Error(`${what}: no JSON from emit: ${run.stdout.slice(0, 200)}`);
  if (run.out.spans_recorded !== SPANS && !what.includes('queue')) throw new Error(`${what}: spans_recorded ${run.out.spans_recorded}`);
  if (run.out.live_ok !== 1) throw new Error(`${what}: wo_otlp_http_read_stats failed`);
  return run.out;
}

function eq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

// ---- span checks ----
const KIND = { SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3 };
const STATUS = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
function hex(id, bytes) {
  if (!id) return '';
  if (typeof id === 'string' && id.length === 2 * bytes && /^[0-9a-f]+$/.test(id)) return id;
  return Buffer.from(id, typeof id === 'string' ? 'base64' : undefined).toString('hex');
}
function attrValue(v) {
  if (v == null || typeof v !== 'object') return v;
  if ('stringValue' in v && v.stringValue !== '') return v.stringValue;
  if ('intValue' in v && v.intValue != null && v.intValue !== '0') return Number(v.intValue);
  return v.stringValue ?? Number(v.intValue ?? 0);
}
// Plain spans out of any request shape (raw JSON, protobufjs object, normalizeTrace).
function spansOf(req) {
  const out = [];
  for (const rs of req.resourceSpans || []) {
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        const attrs = Array.isArray(s.attributes)
          ? Object.fromEntries(s.attributes.map((a) => [a.key, attrValue(a.value)]))
          : s.attributes || {};
        out.push({
          traceId: hex(s.traceId, 16),
          spanId: hex(s.spanId, 8),
          parentSpanId: hex(s.parentSpanId, 8),
          name: s.name,
          kind: typeof s.kind === 'string' ? KIND[s.kind] : s.kind,
          code: s.status ? (typeof s.status.code === 'string' ? STATUS[s.status.code] : s.status.code ?? 0) : -1,
          attrs,
          resource: rs.resource,
        });
      }
    }
  }
  return out;
}

// The tree emit records: ROOTS x main(server) > main > 2 x (work > env.log(client)),
// then main(server) > work, both unwound.
function checkTree(spans) {
  eq(spans.length, SPANS, 'span count');
  const byId = new Map();
  for (const s of spans) {
    if (!/^[0-9a-f]{32}$/.test(s.traceId) || /^0+$/.test(s.traceId)) throw new Error(`bad traceId ${s.traceId}`);
    if (!/^[0-9a-f]{16}$/.test(s.spanId) || /^0+$/.test(s.spanId)) throw new Error(`bad spanId ${s.spanId}`);
    if (byId.has(s.spanId)) throw new Error(`duplicate spanId ${s.spanId}`);
    byId.set(s.spanId, s);
  }
  const count = (f) => spans.filter(f).length;
  eq(count((s) => s.code === -1), 0, 'spans without status');
  eq(count((s) => s.name === 'main' && s.kind === 2), ROOTS + 1, 'export main spans (server)');
  eq(count((s) => s.name === 'main' && s.kind === 1), ROOTS, 'internal main spans');
  eq(count((s) => s.name === 'work' && s.kind === 1), 2 * ROOTS + 1, 'work spans (internal)');
  eq(count((s) => s.name === 'env.log' && s.kind === 3), 2 * ROOTS, 'env.log spans (client)');
  eq(count((s) => s.code === 2), 2, 'error spans');
  const roots = spans.filter((s) => !s.parentSpanId);
  eq(roots.length, ROOTS + 1, 'roots');
  eq(new Set(roots.map((s) => s.traceId)).size, ROOTS + 1, 'one trace per root');
  const parentName = { 'env.log': 'work', work: 'main' };
  for (const s of spans) {
    if (!s.parentSpanId) {
      if (s.kind !== 2) throw new Error(`root ${s.name} is not the export entry`);
      continue;
    }
    const p = byId.get(s.parentSpanId);
    if (!p) throw new Error(`${s.name}: parent ${s.parentSpanId} not received`);
    if (p.traceId !== s.traceId) throw new Error(`${s.name}: parent in another trace`);
    if (parentName[s.name] && p.name !== parentName[s.name]) throw new Error(`${s.name}: parent is ${p.name}`);
    if (s.name === 'main' && p.kind !== 2) throw new Error('internal main: parent is not the export entry');
  }
  const log = spans.find((s) => s.name === 'env.log');
  eq(log.attrs['wasm.import.module'], 'env', 'log: wasm.import.module');
  eq(log.attrs['wasm.function.index'], 0, 'log: wasm.function.index');
  const work = spans.find((s) => s.name === 'work');
  eq(work.attrs['wasm.function.symbol'], '_Z4workv', 'work: wasm.function.symbol');
  eq(work.attrs['wasm.function.index'], 4, 'work: wasm.function.index');
}

function resourceAttrs(req) {
  const attrs = req.resourceSpans[0].resource.attributes || [];
  if (!Array.isArray(attrs)) return attrs; // normalizeTrace: already an object
  return Object.fromEntries(attrs.map((a) => [a.key, attrValue(a.value)]));
}

// ---- servers ----
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}
function close(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

// A fake collector: answers from `script` in order (a status, {status, headers},
// or a function returning either, called when the request arrives), then 200,
// or never answers (`never`). Records every request.
async function fakeCollector({ script = [], always = null, never = false } = {}) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ t: Date.now(), method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      if (never) return;
      let step = always ?? (requests.length <= script.length ? script[requests.length - 1] : 200);
      if (typeof step === 'function') step = step();
      const { status, headers } = typeof step === 'number' ? { status: step, headers: {} } : step;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(status === 200 ? '{}' : '{"code":3,"message":"test"}');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await close(server);
    },
  };
}

async function freePort() {
  const s = net.createServer();
  const port = await new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s.address().port)));
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function check(name, fn) {
  try {
    await fn();
    pass(name);
  } catch (e) {
    fail(name, e.message);
  }
}

// emit URL ENCODING TIMEOUT_MS MAX_RETRIES MAX_QUEUE ROOTS BATCH_SIZE [HEADER]

await check('selftest', async () => {
  const run = await emit(['--selftest']);
  if (run.err || !/selftest ok/.test(run.stdout)) throw new Error(`${run.stdout} ${run.stderr}`.slice(0, 300));
});

// (1) a real receiver
const received = [];
const mock = new MockOtlpServer({
  services: ['http'],
  httpHostname: '127.0.0.1',
  httpPort: 0,
  logLevel: 'warn',
  onTrace: (t) => received.push(t),
});
await mock.start();
try {
  for (const encoding of ['protobuf', 'json']) {
    await check(`receiver-${encoding}`, async () => {
      received.length = 0;
      const run = await emit([mock.httpUrl, encoding, 5000, 0, 0, ROOTS, 8]);
      const out = expectRun(run, encoding);
      eq(out.finish_status, 0, 'finish status');
      eq(out.stats.batches_dropped, 0, 'batches dropped');
      eq(out.stats.batches_sent, out.stats.batches_queued, 'batches sent');
      eq(out.stats.spans_sent, SPANS, 'spans sent');
      eq(out.stats.last_http_status, 200, 'last HTTP status');
      for (let i = 0; i < 200 && received.length < out.stats.batches_sent; i++) await new Promise((r) => setTimeout(r, 10));
      eq(received.length, out.stats.batches_sent, 'requests that reached onTrace');
      const spans = received.flatMap((t) => spansOf(normalizeTrace(t)));
      checkTree(spans);
      const res = resourceAttrs(normalizeTrace(received[0]));
      eq(res['service.name'], 'otlp-http-test', 'service.name');
      eq(res['wasm.module.name'], 'app.wasm', 'wasm.module.name');
    });
  }
} finally {
  await mock.close();
}

// (2) raw bodies: protobufjs against the official .proto; JSON equal to protobuf
function normalizeTimes(obj) {
  let base = null;
  for (const rs of obj.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    const t = BigInt(s.startTimeUnixNano);
    if (base === null || t < base) base = t;
  }
  for (const rs of obj.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    s.startTimeUnixNano = String(BigInt(s.startTimeUnixNano) - base);
    s.endTimeUnixNano = String(BigInt(s.endTimeUnixNano) - base);
  }
  return obj;
}
let protobufObjects = null;
await check('protobuf-decode', async () => {
  const c = await fakeCollector();
  try {
    const run = await emit([c.url + '/', 'protobuf', 5000, 0, 0, ROOTS, 8, 'x-otlp-test: yes']);
    const out = expectRun(run, 'protobuf');
    eq(out.stats.batches_sent, out.stats.batches_queued, 'batches sent');
    eq(c.requests.length, out.stats.batches_queued, 'requests');
    protobufObjects = c.requests.map((r, i) => {
      eq(r.method, 'POST', 'method');
      eq(r.url, '/v1/traces', 'path');
      eq(r.headers['content-type'], 'application/x-protobuf', 'content-type');
      eq(r.headers['x-otlp-test'], 'yes', 'extra header');
      const msg = Request.decode(r.body);
      const err = Request.verify(msg);
      if (err) throw new Error(`request ${i}: ${err}`);
      // Re-encoding what protobufjs read gives the same bytes: no unknown or misnumbered fields.
      const again = Buffer.from(Request.encode(msg).finish());
      if (!again.equals(r.body)) throw new Error(`request ${i}: protobufjs re-encodes it differently (${again.length} vs ${r.body.length} bytes)`);
      return Request.toObject(msg, TO_OBJECT);
    });
    checkTree(protobufObjects.flatMap(spansOf));
    const res = resourceAttrs(protobufObjects[0]);
    eq(res['service.name'], 'otlp-http-test', 'service.name');
    eq(res['wasm.module.name'], 'app.wasm', 'wasm.module.name');
    eq(protobufObjects[0].resourceSpans[0].scopeSpans[0].scope.name, 'wasm-instrument', 'scope name');
    const err = protobufObjects.flatMap(spansOf).find((s) => s.code === 2);
    const rawErr = protobufObjects.flatMap((o) => o.resourceSpans[0].scopeSpans[0].spans).find((s) => s.status.code === 2);
    if (!err || !/unwound/.test(rawErr.status.message)) throw new Error('error status without its message');
  } finally {
    await c.close();
  }
});

await check('json-matches-protobuf', async () => {
  if (!protobufObjects) throw new Error('no protobuf run to compare with');
  const c = await fakeCollector();
  try {
    const run = await emit([c.url + '/custom/traces', 'json', 5000, 0, 0, ROOTS, 8]);
    const out = expectRun(run, 'json');
    eq(c.requests.length, out.stats.batches_queued, 'requests');
    const jsonObjects = c.requests.map((r) => {
      eq(r.url, '/custom/traces', 'path of an endpoint with its own path');
      eq(r.headers['content-type'], 'application/json', 'content-type');
      const obj = JSON.parse(r.body.toString('utf8'));
      // OTLP/JSON ids are hex; protobufjs's fromObject reads bytes as base64.
      for (const rs of obj.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        for (const k of ['traceId', 'spanId', 'parentSpanId']) if (s[k]) s[k] = Buffer.from(s[k], 'hex').toString('base64');
      }
      const msg = Request.fromObject(obj);
      const err = Request.verify(msg);
      if (err) throw new Error(err);
      return Request.toObject(msg, TO_OBJECT);
    });
    const a = JSON.stringify(jsonObjects.map(normalizeTimes));
    const b = JSON.stringify(structuredClone(protobufObjects).map(normalizeTimes));
    if (a !== b) {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      throw new Error(`differ at ${i}: json …${a.slice(Math.max(0, i - 60), i + 60)}… protobuf …${b.slice(Math.max(0, i - 60), i + 60)}…`);
    }
  } finally {
    await c.close();
  }
});

// (3) retries and failures
function bodiesSpans(requests, okFilter) {
  return requests.filter(okFilter).flatMap((r) => spansOf(Request.toObject(Request.decode(r.body), TO_OBJECT)));
}

await check('retry-503', async () => {
  const c = await fakeCollector({ script: [503, 503] });
  try {
    const run = await emit([c.url, 'protobuf', 5000, 0, 0, ROOTS, 8]);
    const out = expectRun(run, '503');
    eq(out.stats.retries, 2, 'retries');
    eq(out.stats.batches_dropped, 0, 'batches dropped');
    eq(out.stats.batches_sent, out.stats.batches_queued, 'batches sent');
    eq(c.requests.length, out.stats.batches_queued + 2, 'requests');
    if (!c.requests[0].body.equals(c.requests[1].body) || !c.requests[1].body.equals(c.requests[2].body)) {
      throw new Error('the retried requests do not carry the same batch');
    }
    const gap1 = c.requests[1].t - c.requests[0].t;
    const gap2 = c.requests[2].t - c.requests[1].t;
    // Equal jitter: 50-100 ms, then 100-200 ms (Date.now() is whole milliseconds).
    if (gap1 < 49 || gap2 < 99 || gap2 > 2000) throw new Error(`backoff gaps ${gap1} ms, ${gap2} ms (expected 50-100, 100-200)`);
    checkTree(bodiesSpans(c.requests, (_r, i) => i >= 2));
  } finally {
    await c.close();
  }
});

await check('retry-after-429', async () => {
  const c = await fakeCollector({ script: [{ status: 429, headers: { 'retry-after': '1' } }] });
  try {
    const run = await emit([c.url, 'protobuf', 5000, 0, 0, ROOTS, 8]);
    const out = expectRun(run, '429');
    eq(out.stats.retries, 1, 'retries');
    eq(out.stats.batches_sent, out.stats.batches_queued, 'batches sent');
    const gap = c.requests[1].t - c.requests[0].t;
    if (gap < 950 || gap > 2500) throw new Error(`waited ${gap} ms after Retry-After: 1`);
    checkTree(bodiesSpans(c.requests, (_r, i) => i >= 1));
  } finally {
    await c.close();
  }
});

await check('retry-after-date-429', async () => {
  // The next whole second at least 1 s ahead: an HTTP-date has no fractions.
  let until = 0;
  const c = await fakeCollector({
    script: [() => {
      until = Math.ceil((Date.now() + 1000) / 1000) * 1000;
      return { status: 429, headers: { 'retry-after': new Date(until).toUTCString() } };
    }],
  });
  try {
    const run = await emit([c.url, 'protobuf', 5000, 0, 0, ROOTS, 8]);
    const out = expectRun(run, '429 date');
    eq(out.stats.retries, 1, 'retries');
    eq(out.stats.batches_dropped, 0, 'batches dropped');
    eq(out.stats.batches_sent, out.stats.batches_queued, 'batches sent');
    eq(c.requests.length, out.stats.batches_queued + 1, 'requests (one retry)');
    if (!c.requests[0].body.equals(c.requests[1].body)) throw new Error('the retry does not carry the same batch');
    // Sent again at the date (10 ms for the clocks' whole milliseconds), not after the 50-100 ms backoff.
    const early = until - c.requests[1].t;
    const gap = c.requests[1].t - c.requests[0].t;
    if (early > 10) throw new Error(`retried ${early} ms before the Retry-After date (${gap} ms after the 429)`);
    if (-early > 1000) throw new Error(`retried ${-early} ms after the Retry-After date (${gap} ms after the 429)`);
    checkTree(bodiesSpans(c.requests, (_r, i) => i >= 1)); // every span exactly once
  } finally {
    await c.close();
  }
});

await check('no-retry-400', async () => {
  const c = await fakeCollector({ always: 400 });
  try {
    const run = await emit([c.url, 'protobuf', 5000, 0, 0, ROOTS, 8]);
    const out = expectRun(run, '400');
    eq(c.requests.length, out.stats.batches_queued, 'requests (one per batch, none retried)');
    eq(out.stats.retries, 0, 'retries');
    eq(out.stats.dropped_rejected, out.stats.batches_queued, 'batches rejected');
    eq(out.stats.batches_dropped, out.stats.batches_queued, 'batches dropped');
    eq(out.stats.spans_dropped, SPANS, 'spans dropped');
    eq(out.stats.batches_sent, 0, 'batches sent');
    eq(out.stats.last_http_status, 400, 'last HTTP status');
  } finally {
    await c.close();
  }
});

const TIMEOUT = 1500;
function checkAllDropped(out, run) {
  eq(out.stats.batches_sent, 0, 'batches sent');
  eq(out.stats.spans_dropped, SPANS, 'spans dropped');
  eq(out.stats.batches_dropped, out.stats.batches_queued + out.stats.dropped_queue_full, 'batches dropped');
  if (out.finish_status === 0) throw new Error('finish reported success with nothing delivered');
  if (out.record_ms > 500) throw new Error(`recording took ${out.record_ms} ms: the program was blocked`);
  // finish flushes at most TIMEOUT, then destroy abandons the request in flight.
  if (out.finish_ms > TIMEOUT + 1500) throw new Error(`finish took ${out.finish_ms} ms (timeout ${TIMEOUT} ms)`);
  if (run.wallMs > TIMEOUT + 5000) throw new Error(`emit took ${run.wallMs} ms`);
}

await check('no-server', async () => {
  const port = await freePort();
  const run = await emit([`http://127.0.0.1:${port}`, 'protobuf', TIMEOUT, 0, 0, ROOTS, 8]);
  const out = expectRun(run, 'no server');
  checkAllDropped(out, run);
  if (out.stats.retries < 1) throw new Error('connection errors were not retried');
});

await check('never-answers', async () => {
  const c = await fakeCollector({ never: true });
  try {
    const run = await emit([c.url, 'json', TIMEOUT, 0, 0, ROOTS, 8]);
    const out = expectRun(run, 'never answers');
    checkAllDropped(out, run);
    if (c.requests.length < 1) throw new Error('no request reached the server');
  } finally {
    await c.close();
  }
});

await check('queue-full', async () => {
  const c = await fakeCollector({ never: true });
  try {
    // 32 spans in batches of 2: 16 batches, one in flight and 2 queued at most.
    const run = await emit([c.url, 'protobuf', TIMEOUT, 0, 2, ROOTS, 2]);
    const out = expectRun(run, 'queue');
    eq(out.stats.batches_queued + out.stats.dropped_queue_full, 16, 'batches queued + refused');
    if (out.stats.dropped_queue_full < 13) throw new Error(`only ${out.stats.dropped_queue_full} batches refused with a queue of 2`);
    eq(out.export_errors, out.stats.dropped_queue_full, 'recorder export errors = batches refused');
    checkAllDropped(out, run);
  } finally {
    await c.close();
  }
});

clearTimeout(watchdog);
for (const r of results) console.log(r);
process.exit(results.some((r) => r.startsWith('FAIL')) ? 1 : 0);
