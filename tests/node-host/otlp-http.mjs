#!/usr/bin/env node
// The Node host's OTLP/HTTP exporter (runtime-shim/node/otlp-http.mjs) and the
// CLI's --otlp, against @elastic/mockotlpserver and fake collectors on
// 127.0.0.1. Prints "PASS otlp-http NAME [BACKEND]" / "FAIL ...: why" lines.
//
//   node otlp-http.mjs units
//     url              otlpTracesUrl: /v1/traces added to a bare URL, a path kept;
//                      OTEL_EXPORTER_OTLP_ENDPOINT and _TRACES_ENDPOINT rules; bad URLs
//     retry-after      Retry-After in seconds and as an HTTP-date (the three forms),
//                      capped at 60 s; what is not one of them is refused
//     backoff          exponential backoff with equal jitter: 100 ms doubling, at
//                      most 5 s, the wait in [delay/2, delay]
//     options          bad protocol, header and queue options throw at creation
//     settings         otlpHttpSettings: the OTEL_EXPORTER_OTLP_* variables, which win
//                      over which, header decoding, bad values refused
//     never-throws     exportSpans with a batch it cannot encode, or after shutdown:
//                      no exception, the batch counted as dropped
//   node otlp-http.mjs BACKEND DIR EXPECTED.folded BIGDIR [long-run|rest]
//     DIR is run.sh's work dir of the exit fixture (instr/exit.wasm, and the
//     untraced run's orig.out, orig.err, orig.rc), BIGDIR the tailcall
//     fixture's (300014 spans); every check below runs the recorder BACKEND
//     (wasm32, or auto: the same); `long-run` runs that check only, `rest` all the others:
//     encode           a batch with awkward names: the JSON body is byte for byte
//                      otlpJsonLinesExporter's line; the protobuf body decodes
//                      strictly with protobufjs and the official .proto files to
//                      the same request
//     receiver-protobuf, receiver-json  the CLI with --otlp to @elastic/mockotlpserver:
//                      output and exit code unchanged, every span received, the call
//                      tree rebuilt from the parent links equals the golden one,
//                      kinds, attributes, error status on what exit() left open,
//                      the same spans as --otlp-file of the same run
//     protobuf-body    the raw requests: POST /v1/traces, application/x-protobuf,
//                      --otlp-header, strict protobufjs decoding, equal to --otlp-file
//     json-body        --otlp-protocol http/json to a URL with its own path: the
//                      path kept, application/json, the body is the --otlp-file line
//     env              OTEL_EXPORTER_OTLP_ENDPOINT (base: v1/traces added to its
//                      path), _TRACES_ENDPOINT (as is, wins), _PROTOCOL, _HEADERS
//                      (URL-decoded), OTEL_SERVICE_NAME
//     setup-errors     a bad --otlp URL, protocol or header, OTEL_EXPORTER_OTLP_PROTOCOL=grpc:
//                      exit 2 with one line on stderr, the program not run
//     retry-503        503, 503, then 200: the same body three times, backoff gaps,
//                      delivered once, nothing on stderr
//     retry-after-seconds, retry-after-date  429 with Retry-After: 1 / an HTTP-date
//     no-retry-400     400: one request, dropped as rejected, one line on stderr
//     no-server        connection refused: output and exit code unchanged, one line
//                      on stderr, the run bounded by the timeout
//     never-answers    a collector that never answers: the run still ends within the
//                      timeout, the batch dropped and reported
//     request-timeout  (API) a collector that never answers: each attempt ends after
//                      timeoutMs and is retried, then the batch is dropped
//     max-queue        --otlp-max-queue 3 on 586 batches to a collector that answers
//                      nothing before the program has returned: the first request's
//                      batches (in flight) and 3 queued are sent, the rest dropped as
//                      the queue was full, reported on stderr; the output unchanged
//     long-run         the tailcall fixture (586 batches) to a fast collector, with a
//                      queue that holds them all: sent while the program runs (the
//                      first request arrives before it ends), every span delivered
//                      once with its parent, nothing dropped, nothing on stderr
//                      (see longRunCheck)
//     queue-full       (API) 200 batches of 512 spans against a stuck collector with
//                      maxQueueBatches 2: 196-198 dropped and counted, memory bounded;
//                      shutdown abandons the request in flight at exportTimeoutMs
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createRecorder, otlpJsonLinesExporter, RECORD_SPANS } from '../../runtime-shim/node/wasm-observe.mjs';
import { otlpHttpExporter, otlpTracesUrl } from '../../runtime-shim/node/otlp-http.mjs';
import { retryAfterMs, backoffMs } from '../../runtime-shim/node/http-retry.mjs';
import { otlpHttpSettings } from '../../runtime-shim/node/otlp-env.mjs';
import { encodeOtlpProtobuf } from '../../runtime-shim/node/otlp-protobuf.mjs';
import { encodeOtlpJson } from '../../runtime-shim/node/otlp-json.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const RUN = path.join(ROOT, 'runtime-shim/node/wasm-observe-run.mjs');
const require = createRequire(path.join(ROOT, 'tests/shim/package.json'));
const protobuf = require('protobufjs');
const { MockOtlpServer, normalizeTrace } = require('@elastic/mockotlpserver');

const [mode, dir, expectedPath, bigDir, only] = process.argv.slice(2);
const units = mode === 'units';
const tag = units ? '' : ` [${mode}]`;
const results = [];
const watchdog = setTimeout(() => {
  for (const r of results) console.log(r);
  console.log(`FAIL otlp-http watchdog${tag}: not finished within 120 s`);
  process.exit(1);
}, 120_000);

async function check(name, fn) {
  try {
    await fn();
    return `PASS otlp-http ${name}${tag}`;
  } catch (e) {
    return `FAIL otlp-http ${name}${tag}: ${String(e.message).replace(/\s+/g, ' ').slice(0, 400)}`;
  }
}
function eq(got, want, what) {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)?.slice(0, 200)}, expected ${JSON.stringify(want)?.slice(0, 200)}`);
}
function ok(cond, what) { if (!cond) throw new Error(what); }
function throwsLike(fn, re, what) {
  try { fn(); } catch (e) { if (re.test(e.message)) return; throw new Error(`${what}: threw ${e.message}`); }
  throw new Error(`${what}: did not throw`);
}

// ---- the official .proto files (inside @elastic/mockotlpserver) ----
const protoDir = path.dirname(path.dirname(require.resolve('@elastic/mockotlpserver')));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
root.resolveAll();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: true, arrays: true };

// A protobuf body, strictly: it decodes, verifies, and protobufjs writes the
// same bytes again (no unknown, misnumbered or mistyped field).
function decodeProtobuf(body) {
  const msg = Request.decode(body);
  const err = Request.verify(msg);
  if (err) throw new Error(`protobuf: ${err}`);
  const again = Buffer.from(Request.encode(msg).finish());
  if (!again.equals(Buffer.from(body))) throw new Error(`protobufjs re-encodes the body differently (${again.length} vs ${body.length} bytes)`);
  return Request.toObject(msg, TO_OBJECT);
}
// An OTLP/JSON body read through the same .proto (ids are hex in OTLP/JSON,
// base64 for protobufjs).
function decodeJson(text) {
  const obj = JSON.parse(text);
  for (const rs of obj.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    for (const k of ['traceId', 'spanId', 'parentSpanId']) if (s[k]) s[k] = Buffer.from(s[k], 'hex').toString('base64');
  }
  const msg = Request.fromObject(obj);
  const err = Request.verify(msg);
  if (err) throw new Error(`json: ${err}`);
  return Request.toObject(msg, TO_OBJECT);
}
function firstDifference(a, b) {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x === y) return null;
  let i = 0;
  while (x[i] === y[i]) i++;
  return `at ${i}: …${x.slice(Math.max(0, i - 60), i + 60)}… vs …${y.slice(Math.max(0, i - 60), i + 60)}…`;
}

// ---- spans out of any request shape (raw JSON, protobufjs object, normalizeTrace) ----
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
  if ('intValue' in v && v.intValue != null) return Number(v.intValue);
  return v.stringValue;
}
const attrsOf = (a) => (Array.isArray(a) ? Object.fromEntries(a.map((kv) => [kv.key, attrValue(kv.value)])) : a ?? {});
function spansOf(req) {
  const out = [];
  for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
    out.push({
      traceId: hex(s.traceId, 16),
      spanId: hex(s.spanId, 8),
      parentSpanId: hex(s.parentSpanId, 8),
      name: s.name,
      kind: typeof s.kind === 'string' ? KIND[s.kind] : s.kind,
      start: String(s.startTimeUnixNano),
      end: String(s.endTimeUnixNano),
      code: s.status ? (typeof s.status.code === 'string' ? STATUS[s.status.code] : s.status.code ?? 0) : -1,
      message: s.status?.message ?? '',
      attrs: attrsOf(s.attributes),
      resource: attrsOf(rs.resource?.attributes),
      scope: ss.scope?.name,
    });
  }
  return out;
}

// ---- units ----
async function unitChecks() {
  return [
    await check('url', () => {
      eq(otlpTracesUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/traces', 'bare URL');
      eq(otlpTracesUrl('http://collector:4318/'), 'http://collector:4318/v1/traces', 'URL with "/"');
      eq(otlpTracesUrl('https://collector/custom/traces'), 'https://collector/custom/traces', 'URL with a path');
      eq(otlpTracesUrl('http://collector:4318/otlp', 'base'), 'http://collector:4318/otlp/v1/traces', 'base with a path');
      eq(otlpTracesUrl('http://collector:4318/otlp/', 'base'), 'http://collector:4318/otlp/v1/traces', 'base with a path and "/"');
      eq(otlpTracesUrl('http://collector:4318', 'base'), 'http://collector:4318/v1/traces', 'bare base');
      eq(otlpTracesUrl('http://collector:4318', 'traces'), 'http://collector:4318/', 'signal URL used as is');
      eq(otlpTracesUrl('http://collector:4318/x/v1/traces', 'traces'), 'http://collector:4318/x/v1/traces', 'signal URL with a path');
      throwsLike(() => otlpTracesUrl('localhost:4318'), /not an http/, 'no scheme');
      throwsLike(() => otlpTracesUrl('ftp://collector/'), /not an http/, 'ftp');
      throwsLike(() => otlpTracesUrl('http://'), /not an http/, 'no host');
      throwsLike(() => otlpTracesUrl('http://c/', 'grpc'), /endpointKind/, 'bad kind');
    }),
    await check('retry-after', () => {
      const now = Date.UTC(2015, 9, 21, 7, 28, 0);
      const cases = [
        ['1', 1000], [' 7\t', 7000], ['3600', 60000], ['99999999999999999999999', 60000], ['0', 0],
        ['Wed, 21 Oct 2015 07:28:02 GMT', 2000], ['wed, 21 oct 2015 07:28:30 gmt', 30000],
        ['Wed, 21 Oct 2015 07:27:00 GMT', 0], ['Thu, 22 Oct 2015 07:28:00 GMT', 60000],
        ['Wednesday, 21-Oct-15 07:28:05 GMT', 5000], ['Wednesday, 21-Oct-65 07:28:05 GMT', 60000],
        ['Wednesday, 21-Oct-66 07:28:05 GMT', 0], // 1966: a year more than 50 years ahead is in the past century
        ['Wed Oct 21 07:28:09 2015', 9000], ['Wed Oct  1 07:28:09 2015', 0],
        ['-5', undefined], ['1.5', undefined], ['5 s', undefined], ['soon', undefined], ['', undefined],
        ['2015-10-21', undefined], ['Wed, 21 Oct 2015 07:28:02 UTC', undefined], ['Wed, 30 Feb 2015 07:28:02 GMT', undefined],
        ['Wed, 21 Oct 2015 24:00:00 GMT', undefined], ['Wed, 21 Oct 15 07:28:02 GMT', undefined], [undefined, undefined],
      ];
      for (const [v, want] of cases) eq(retryAfterMs(v, now), want, `Retry-After ${JSON.stringify(v)}`);
    }),
    await check('backoff', () => {
      const ranges = [[50, 100], [100, 200], [200, 400], [400, 800], [800, 1600], [1600, 3200], [2500, 5000], [2500, 5000], [2500, 5000]];
      ranges.forEach(([lo, hi], attempt) => {
        eq([backoffMs(attempt, 0), backoffMs(attempt, 0.999999)], [lo, hi], `attempt ${attempt}: the bounds`);
        for (let i = 0; i < 100; i++) { const d = backoffMs(attempt); ok(d >= lo && d <= hi && Number.isInteger(d), `attempt ${attempt}: ${d} ms`); }
      });
      eq(backoffMs(2000, 0.5), 3750, 'a huge attempt');
    }),
    await check('options', () => {
      throwsLike(() => otlpHttpExporter('http://127.0.0.1:1', { protocol: 'grpc' }), /protocol/, 'grpc');
      throwsLike(() => otlpHttpExporter('http://127.0.0.1:1', { headers: { 'bad name': 'x' } }), /header|token/i, 'header name');
      throwsLike(() => otlpHttpExporter('http://127.0.0.1:1', { headers: { a: 'x\r\ny: z' } }), /header|char/i, 'header value');
      throwsLike(() => otlpHttpExporter('http://127.0.0.1:1', { maxQueueBatches: 0 }), /maxQueueBatches/, 'queue 0');
      throwsLike(() => otlpHttpExporter('http://127.0.0.1:1', { timeoutMs: -5 }), /timeoutMs/, 'negative timeout');
      const e = otlpHttpExporter('http://127.0.0.1:1/', { protocol: 'http/json' });
      eq([e.url, e.protocol], ['http://127.0.0.1:1/v1/traces', 'http/json'], 'url and protocol');
    }),
    await check('settings', () => {
      const E = 'OTEL_EXPORTER_OTLP_';
      eq(otlpHttpSettings({}, {}), null, 'nothing set');
      eq(otlpHttpSettings({}, { [`${E}ENDPOINT`]: '', [`${E}PROTOCOL`]: 'http/json' }), null, 'an empty endpoint is unset');
      eq(otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c:4318/b', [`${E}HEADERS`]: 'k=v%20w, a = b ,,x=' }),
        { endpoint: 'http://c:4318/b', endpointKind: 'base', protocol: 'http/protobuf', headers: { k: 'v w', a: 'b', x: '' }, timeoutMs: undefined }, 'generic endpoint');
      eq(otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c:4318', [`${E}TRACES_ENDPOINT`]: 'http://t/x', [`${E}PROTOCOL`]: 'http/protobuf', [`${E}TRACES_PROTOCOL`]: 'http/json', [`${E}TIMEOUT`]: '100', [`${E}TRACES_TIMEOUT`]: '250' }),
        { endpoint: 'http://t/x', endpointKind: 'traces', protocol: 'http/json', headers: {}, timeoutMs: 250 }, 'traces variables win');
      eq(otlpHttpSettings({ endpoint: 'http://o', protocol: 'http/protobuf', headers: { a: 'option' } }, { [`${E}TRACES_ENDPOINT`]: 'http://t/x', [`${E}PROTOCOL`]: 'http/json', [`${E}HEADERS`]: 'a=env,b=env', [`${E}TRACES_HEADERS`]: 'b=traces' }),
        { endpoint: 'http://o', endpointKind: 'auto', protocol: 'http/protobuf', headers: { a: 'option', b: 'traces' }, timeoutMs: undefined }, 'options win');
      throwsLike(() => otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c', [`${E}PROTOCOL`]: 'grpc' }), /grpc is not supported/, 'grpc');
      throwsLike(() => otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c', [`${E}HEADERS`]: 'novalue' }), /name=value/, 'header without =');
      throwsLike(() => otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c', [`${E}HEADERS`]: 'a=%zz' }), /%-encoding/, 'bad %-encoding');
      throwsLike(() => otlpHttpSettings({}, { [`${E}ENDPOINT`]: 'http://c', [`${E}TIMEOUT`]: '1.5' }), /milliseconds/, 'bad timeout');
    }),
    await check('never-throws', async () => {
      const e = otlpHttpExporter('http://127.0.0.1:1');
      const resource = { serviceName: 's', moduleName: '', startUnixNs: 0n };
      const bad = { sites: [], site: new Int32Array([5]), traceId: new Uint32Array(4), spanId: new Uint32Array(2), parentSpanId: new Uint32Array(2), start: new Float64Array(1), duration: new Float64Array(1), error: new Uint8Array(1) };
      e.exportSpans(resource, bad, 1); // site 5 does not exist
      await e.shutdown();
      e.exportSpans(resource, bad, 1);
      const s = e.stats();
      eq([s.batchesQueued, s.batchesDropped, s.spansDropped, s.droppedFailed], [0, 2, 2, 2], 'stats [queued, dropped, spans dropped, failed]');
      eq(Object.keys(s.dropReasons).map((r) => r.replace(/:.*/, '')), ['cannot encode', 'exported after shutdown'], 'reasons');
    }),
  ];
}

// ---- servers ----
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}
// Answers from `script` in order (a status, or {status, headers}), then 200;
// `always` for every request; `never` to never answer; after the promise
// `gate` has resolved. Records every request; with `store` (bytes), the
// bodies go into one buffer of that size, allocated beforehand (no
// allocation, no garbage collection while a program sends 50 MB).
async function fakeCollector({ script = [], always = null, never = false, gate = null, store = 0 } = {}) {
  const requests = [];
  const sockets = new Set();
  const buffer = Buffer.alloc(store);
  let used = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    const from = used;
    req.on('data', (c) => {
      if (store && !chunks.length && used + c.length <= store) used += c.copy(buffer, used);
      else chunks.push(c); // (past `store`: as without)
    });
    req.on('end', async () => {
      if (req.headers['x-warm-up']) { res.end(); return; }
      const body = !store ? Buffer.concat(chunks) : chunks.length ? Buffer.concat([buffer.subarray(from, used), ...chunks]) : buffer.subarray(from, used);
      requests.push({ t: Date.now(), method: req.method, url: req.url, headers: req.headers, body });
      if (never) return;
      if (gate) await gate;
      const step = always ?? (requests.length <= script.length ? script[requests.length - 1] : 200);
      const { status, headers } = typeof step === 'number' ? { status: step, headers: {} } : step;
      const h = typeof headers === 'function' ? headers() : headers;
      res.writeHead(status, { 'content-type': 'application/json', ...h });
      res.end(status === 200 ? '{}' : '{"code":3,"message":"test"}');
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  // one request of its own first: the server's code is warm for the first real one
  await new Promise((resolve) => http.request(url, { method: 'POST', agent: false, headers: { 'x-warm-up': '1' } }, (res) => { res.resume(); res.on('end', resolve); }).on('error', resolve).end());
  return {
    url,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
// Resolves once `file` exists (polled), or after limitMs.
function whenExists(file, limitMs = 60_000) {
  return new Promise((resolve) => {
    const until = Date.now() + limitMs;
    const poll = () => (fs.existsSync(file) || Date.now() > until ? resolve() : setTimeout(poll, 20));
    poll();
  });
}

// [spanId, parentSpanId] (hex, '' for none) of each span of a protobuf
// ExportTraceServiceRequest, read from the wire format without a schema:
// 300,000 spans through protobufjs would keep this process busy for seconds.
function protobufSpanIds(buf) {
  const out = [];
  // calls fn(field, start, end) for each length-delimited field in buf[from, to)
  const fields = (from, to, fn) => {
    let p = from;
    const varint = () => {
      let v = 0;
      for (let shift = 1; ; shift *= 128) {
        const b = buf[p++];
        v += (b & 0x7f) * shift;
        if (b < 0x80) return v;
      }
    };
    while (p < to) {
      const key = varint();
      const wire = key % 8;
      if (wire === 2) { const n = varint(); fn(Math.floor(key / 8), p, p + n); p += n; }
      else if (wire === 0) varint();
      else if (wire === 1) p += 8;
      else if (wire === 5) p += 4;
      else throw new Error(`wire type ${wire} at ${p}`);
    }
    if (p !== to) throw new Error(`a field runs past its message (${p} > ${to})`);
  };
  fields(0, buf.length, (f1, s1, e1) => f1 === 1 && fields(s1, e1, (f2, s2, e2) => f2 === 2 && fields(s2, e2, (f3, s3, e3) => {
    if (f3 !== 2) return;
    let id = '';
    let parent = '';
    fields(s3, e3, (f4, s4, e4) => {
      if (f4 === 2) id = buf.toString('hex', s4, e4);
      else if (f4 === 4) parent = buf.toString('hex', s4, e4);
    });
    out.push([id, parent]);
  })));
  return out;
}

async function freePort() {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

// ---- the CLI ----
const backend = mode;
const work = units ? null : path.join(dir, `otlp-${backend}`);
// A fixture: its instrumented module and its untraced run.
const fixture = (d, name) => ({
  wasm: path.join(d, `instr/${name}.wasm`),
  out: fs.readFileSync(path.join(d, 'orig.out'), 'utf8'),
  err: fs.readFileSync(path.join(d, 'orig.err'), 'utf8'),
  rc: Number(fs.readFileSync(path.join(d, 'orig.rc'), 'utf8')),
});
const exitFixture = units ? null : fixture(dir, 'exit');
let runs = 0;

// Runs the CLI on the fixture with --counters and --otlp-file; returns its
// outputs, the OTLP/HTTP stats, the spans of --otlp-file, the lines on stderr
// that are neither the program's nor the counters, and the wall time.
// `niced`: at a lower CPU priority than this process (see longRunCheck).
function cli(args, env = {}, fx = exitFixture, withFile = true, limitMs = 30_000, niced = false) {
  const n = ++runs;
  const file = withFile ? path.join(work, `run${n}.jsonl`) : null;
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^OTEL_|_proxy$|_PROXY$/.test(k)));
  // every span counted: no span budget, no muting (tests/span-budget tests them)
  const argv = [RUN, 'run', fx.wasm, '--backend', backend, '--counters', '--span-rate', 'unlimited', '--mute-after', 'never', ...(file ? ['--otlp-file', file] : []), ...args];
  return new Promise((resolve) => {
    const started = Date.now();
    const [command, commandArgs] = niced ? ['nice', ['-n', '10', process.execPath, ...argv]] : [process.execPath, argv];
    execFile(command, commandArgs, { env: { ...cleanEnv, ...env }, timeout: limitMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const endedAt = Date.now();
      const wallMs = endedAt - started;
      const lines = stderr.split('\n');
      let stats = null;
      const extra = [];
      const programErr = [];
      for (const l of lines) {
        if (l.startsWith('{"otlp":')) stats = JSON.parse(l).otlp;
        else if (l.startsWith('{"enters":')) continue;
        else if (l.startsWith('wasm-observe:')) extra.push(l);
        else programErr.push(l);
      }
      let fileLines = [];
      if (file) try { fileLines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== ''); } catch {}
      resolve({ fx, endedAt, rc: err ? (err.code ?? err.signal) : 0, signal: err?.signal, stdout, stderr, programErr: programErr.join('\n'), extra, stats, fileLines, wallMs });
    });
  });
}

// The program's outputs and exit code are the untraced run's.
function sameProgram(run) {
  if (run.signal) throw new Error(`killed by ${run.signal} after ${run.wallMs} ms`);
  eq(run.rc, run.fx.rc, 'exit code');
  eq(run.stdout, run.fx.out, 'stdout');
  eq(run.programErr, run.fx.err, "the program's stderr");
  if (!run.stats) throw new Error(`no OTLP stats on stderr: ${run.stderr.slice(-300)}`);
}

// The golden call tree: path (export:/import: prefixes) -> calls; open frames.
const expected = new Map();
let open = 0;
if (!units) {
  for (const l of fs.readFileSync(expectedPath, 'latin1').split('\n')) {
    if (l === '') continue;
    if (l.startsWith('#')) { open = Number((/open (\d+)/.exec(l) ?? [0, 0])[1]); continue; }
    const sp = l.lastIndexOf(' ');
    expected.set(l.slice(0, sp), Number(l.slice(sp + 1)));
  }
}
const totalCalls = [...expected.values()].reduce((a, b) => a + b, 0);

// Every span of the fixture's run, as the exit fixture records it.
function checkSpans(spans, serviceName = 'wasm-module') {
  eq(spans.length, totalCalls, 'spans (one per call)');
  const byId = new Map();
  for (const s of spans) {
    ok(/^[0-9a-f]{32}$/.test(s.traceId) && !/^0+$/.test(s.traceId), `bad traceId ${s.traceId}`);
    ok(/^[0-9a-f]{16}$/.test(s.spanId) && !/^0+$/.test(s.spanId), `bad spanId ${s.spanId}`);
    ok(!byId.has(s.spanId), `span id ${s.spanId} twice`);
    byId.set(s.spanId, s);
  }
  // the tree from the parent links, named as the golden file
  const prefix = { 1: '', 2: 'export:', 3: 'import:' };
  const got = new Map();
  const pathOf = (s) => {
    const p = s.parentSpanId ? byId.get(s.parentSpanId) : null;
    if (p === s) throw new Error(`${s.name} is its own parent`);
    if (s.parentSpanId && !p) throw new Error(`${s.name}: parent ${s.parentSpanId} not received`);
    if (p && p.traceId !== s.traceId) throw new Error(`${s.name}: parent in another trace`);
    return (p ? pathOf(p) + ';' : '') + prefix[s.kind] + s.name;
  };
  for (const s of spans) { const k = pathOf(s); got.set(k, (got.get(k) ?? 0) + 1); }
  for (const [k, v] of expected) if (got.get(k) !== v) throw new Error(`call tree: ${k.slice(-120)}: expected ${v}, got ${got.get(k)}`);
  for (const k of got.keys()) if (!expected.has(k)) throw new Error(`call tree: unexpected ${k.slice(-120)}`);
  eq(spans.filter((s) => s.code === 2).length, open, 'spans with error status (left open by exit())');
  eq(spans.filter((s) => s.code === -1).length, 0, 'spans without a status');
  ok(spans.filter((s) => s.code === 2).every((s) => /^unwound/.test(s.message)), 'error status without its message');
  for (const s of spans) {
    eq(s.attrs['code.function.name'], s.name, `${s.name}: code.function.name`);
    ok(Number.isInteger(s.attrs['wasm.function.index']), `${s.name}: wasm.function.index`);
    eq(s.attrs['thread.id'], 0, `${s.name}: thread.id`);
    if (s.kind === 3) eq([s.attrs['wasm.import.module'], `wasi_snapshot_preview1.${s.attrs['wasm.import.name']}`], ['wasi_snapshot_preview1', s.name], `${s.name}: import attributes`);
    if (s.kind === 2) eq(s.attrs['wasm.export.name'], '_start', `${s.name}: wasm.export.name`);
    eq(s.resource, { 'service.name': serviceName, 'wasm.module.name': 'exit.wasm', 'telemetry.sdk.name': 'wasm-observe', 'telemetry.sdk.language': 'cpp' }, 'resource attributes');
    eq(s.scope, 'wasm-instrument', 'scope');
    ok(BigInt(s.end) >= BigInt(s.start), `${s.name} ends before it starts`);
  }
}
const fileSpans = (run) => run.fileLines.flatMap((l) => spansOf(JSON.parse(l)));
const sortSpans = (spans) => [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
function sent(run, batches = 1) {
  eq([run.stats.batchesSent, run.stats.batchesDropped, run.stats.spansSent], [batches, 0, totalCalls], 'stats: [batches sent, dropped, spans sent]');
  eq(run.extra, [], 'wasm-observe lines on stderr');
}

// ---- the checks with a recorder ----

// A batch with awkward names straight from the recorder (its batch arrays).
async function encodeCheck() {
  const site = (name, kind, extra = {}) => ({ kind, functionIndex: 7, name, raw: name, symbol: '', module: '', field: name, ...extra });
  const sites = [
    site('run', 2, { field: 'run' }),
    site('quote" back\\slash \u0001 del\u007f', 0, { symbol: '_Z3fooIiEvT_', functionIndex: 4294967295 }),
    site('ünïcode 😀 \ud800 lone', 0),
    site('env.log', 1, { module: 'env', field: 'log', functionIndex: 0 }),
  ];
  const file = path.join(work, 'encode.jsonl');
  const bodies = [];
  const capture = {
    exportSpans(resource, b, n) {
      bodies.push({ json: encodeOtlpJson(resource, b, n), protobuf: encodeOtlpProtobuf(resource, b, n) });
    },
  };
  let t = 1_000_000;
  const rec = createRecorder({ backend, record: RECORD_SPANS, sites, batchSize: 3, seed: 11, monotonicNs: () => (t += 1234567), serviceName: 'svc "x"', moduleName: 'm.wasm', exporters: [otlpJsonLinesExporter(file), capture], muteAfter: Infinity, spanRate: Infinity });
  eq(rec.backend, 'wasm32', 'backend');
  rec.enter(0); rec.enter(1); rec.enter(2); rec.enter(3); rec.exit(3); rec.exit(2); rec.exit(1); rec.exit(0);
  rec.enter(0); rec.enter(3); // left open: error status at finish
  rec.close();
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  eq(bodies.length, 2, 'batches');
  eq(lines.length, bodies.length, 'JSON lines');
  bodies.forEach((b, i) => {
    // as bytes: both write UTF-8 (a lone surrogate becomes U+FFFD)
    if (!Buffer.from(b.json, 'utf8').equals(Buffer.from(lines[i], 'utf8'))) throw new Error(`batch ${i}: the JSON body differs from otlpJsonLinesExporter's line ${firstDifference(b.json, lines[i])}`);
    const diff = firstDifference(decodeProtobuf(b.protobuf), decodeJson(lines[i]));
    if (diff) throw new Error(`batch ${i}: protobuf and JSON differ ${diff}`);
  });
  const spans = lines.flatMap((l) => spansOf(JSON.parse(l)));
  eq(spans.map((s) => s.code), [0, 0, 0, 0, 2, 2], 'status codes');
  eq(spans.find((s) => s.name.startsWith('quote')).attrs['wasm.function.index'], 4294967295, 'a u32 index');
  eq(spans.find((s) => s.name === 'env.log').attrs['wasm.import.module'], 'env', 'import module');
}

async function receiverCheck(protocol) {
  const received = [];
  const mock = new MockOtlpServer({ services: ['http'], httpHostname: '127.0.0.1', httpPort: 0, logLevel: 'warn', onTrace: (t) => received.push(t) });
  await mock.start();
  try {
    const args = ['--otlp', String(mock.httpUrl)];
    if (protocol) args.push('--otlp-protocol', protocol);
    const run = await cli(args);
    sameProgram(run);
    sent(run);
    for (let i = 0; i < 100 && received.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    eq(received.length, 1, 'requests that reached the receiver');
    const spans = received.flatMap((t) => spansOf(normalizeTrace(t)));
    checkSpans(spans);
    const diff = firstDifference(sortSpans(spans), sortSpans(fileSpans(run)));
    if (diff) throw new Error(`received spans differ from --otlp-file's ${diff}`);
  } finally {
    await mock.close();
  }
}

async function protobufBodyCheck() {
  const c = await fakeCollector();
  try {
    const run = await cli(['--otlp', c.url + '/', '--otlp-header', 'x-otlp-test=yes=1', '--otlp-header', 'Authorization=Bearer t']);
    sameProgram(run);
    sent(run);
    eq(c.requests.length, 1, 'requests');
    const r = c.requests[0];
    eq([r.method, r.url, r.headers['content-type'], r.headers['x-otlp-test'], r.headers.authorization], ['POST', '/v1/traces', 'application/x-protobuf', 'yes=1', 'Bearer t'], 'method, path, content-type, headers');
    const obj = decodeProtobuf(r.body);
    checkSpans(spansOf(obj));
    const diff = firstDifference(obj, decodeJson(run.fileLines[0]));
    if (diff) throw new Error(`differs from --otlp-file ${diff}`);
  } finally {
    await c.close();
  }
}

async function jsonBodyCheck() {
  const c = await fakeCollector();
  try {
    const run = await cli(['--otlp', c.url + '/custom/traces', '--otlp-protocol', 'http/json']);
    sameProgram(run);
    sent(run);
    eq(c.requests.length, 1, 'requests');
    const r = c.requests[0];
    eq([r.url, r.headers['content-type']], ['/custom/traces', 'application/json'], 'path kept, content-type');
    decodeJson(r.body.toString('utf8'));
    if (r.body.toString('utf8') !== run.fileLines[0]) throw new Error(`the body is not the --otlp-file line ${firstDifference(r.body.toString('utf8'), run.fileLines[0])}`);
    checkSpans(spansOf(JSON.parse(r.body)));
  } finally {
    await c.close();
  }
}

async function envCheck() {
  const c = await fakeCollector();
  try {
    const base = await cli([], {
      OTEL_EXPORTER_OTLP_ENDPOINT: c.url + '/otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%2Cb%3Dc , x-two = 2',
      OTEL_SERVICE_NAME: 'from-env',
    });
    sameProgram(base);
    sent(base);
    const traces = await cli(['--service-name', 'from-option'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1/never',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: c.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'from-env',
    });
    sameProgram(traces);
    sent(traces);
    eq(c.requests.length, 2, 'requests');
    const [a, b] = c.requests;
    eq([a.url, a.headers['content-type'], a.headers['api-key'], a.headers['x-two']], ['/otlp/v1/traces', 'application/json', 'a,b=c', '2'], 'OTEL_EXPORTER_OTLP_ENDPOINT request');
    checkSpans(spansOf(JSON.parse(a.body)), 'from-env');
    eq([b.url, b.headers['content-type']], ['/', 'application/x-protobuf'], 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT request');
    checkSpans(spansOf(decodeProtobuf(b.body)), 'from-option');
  } finally {
    await c.close();
  }
}

// Bad OTLP settings are setup errors: exit 2, one line, the program not run.
async function setupErrorsCheck() {
  const cases = [
    [['--otlp', 'localhost:4318'], {}, /^wasm-observe: OTLP endpoint: not an http/],
    [['--otlp', 'http://127.0.0.1:1', '--otlp-protocol', 'grpc'], {}, /^wasm-observe: --otlp-protocol: http\/protobuf or http\/json, not grpc/],
    [['--otlp', 'http://127.0.0.1:1', '--otlp-header', 'novalue'], {}, /^wasm-observe: --otlp-header: NAME=VALUE/],
    [['--otlp', 'http://127.0.0.1:1', '--otlp-header', 'bad name=1'], {}, /^wasm-observe: .*(header|token)/i],
    [[], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /^wasm-observe: OTLP protocol grpc is not supported/],
  ];
  for (const [args, env, re] of cases) {
    const run = await cli(args, env);
    const what = `${args.join(' ')} ${JSON.stringify(env)}`;
    eq([run.rc, run.stdout], [2, ''], `${what}: [exit code, stdout]`);
    ok(re.test(run.stderr) && run.stderr.trim().split('\n').length === 1, `${what}: stderr ${JSON.stringify(run.stderr.slice(0, 200))}`);
  }
}

async function retry503Check() {
  const c = await fakeCollector({ script: [503, 503] });
  try {
    const run = await cli(['--otlp', c.url]);
    sameProgram(run);
    sent(run);
    eq(run.stats.retries, 2, 'retries');
    eq(c.requests.length, 3, 'requests');
    ok(c.requests[0].body.equals(c.requests[1].body) && c.requests[1].body.equals(c.requests[2].body), 'the retries do not carry the same batch');
    const gap1 = c.requests[1].t - c.requests[0].t;
    const gap2 = c.requests[2].t - c.requests[1].t;
    ok(gap1 >= 45 && gap2 >= 95 && gap2 <= 2000, `backoff gaps ${gap1} ms, ${gap2} ms (expected 50-100 and 100-200 ms)`);
    checkSpans(spansOf(decodeProtobuf(c.requests[2].body)));
  } finally {
    await c.close();
  }
}

async function retryAfterCheck(kind) {
  let due = 0;
  const headers = kind === 'seconds'
    ? { 'retry-after': '1' }
    : () => { due = Math.floor((Date.now() + 2000) / 1000) * 1000; return { 'retry-after': new Date(due).toUTCString() }; };
  const c = await fakeCollector({ script: [{ status: 429, headers }] });
  try {
    const run = await cli(['--otlp', c.url, '--otlp-protocol', 'http/json']);
    sameProgram(run);
    sent(run);
    eq([run.stats.retries, c.requests.length], [1, 2], '[retries, requests]');
    const gap = c.requests[1].t - c.requests[0].t;
    if (kind === 'seconds') ok(gap >= 950 && gap <= 2500, `waited ${gap} ms after Retry-After: 1`);
    else ok(c.requests[1].t >= due - 50 && gap <= 3500, `the retry came ${c.requests[1].t - due} ms after the Retry-After date (gap ${gap} ms)`);
  } finally {
    await c.close();
  }
}

async function noRetry400Check() {
  const c = await fakeCollector({ always: 400 });
  try {
    const run = await cli(['--otlp', c.url]);
    sameProgram(run);
    eq(c.requests.length, 1, 'requests (none retried)');
    eq([run.stats.retries, run.stats.batchesSent, run.stats.droppedRejected, run.stats.spansDropped, run.stats.lastHttpStatus], [0, 0, 1, totalCalls, 400], 'stats [retries, sent, rejected, spans dropped, last status]');
    eq(run.extra, [`wasm-observe: OTLP export to ${c.url}/v1/traces: 1 batch (${totalCalls} spans) dropped: HTTP 400`], 'the line on stderr');
  } finally {
    await c.close();
  }
}

const TIMEOUT = 1500;

async function noServerCheck() {
  const url = `http://127.0.0.1:${await freePort()}`;
  const run = await cli(['--otlp', url], { OTEL_EXPORTER_OTLP_TIMEOUT: String(TIMEOUT) });
  sameProgram(run);
  eq([run.stats.batchesSent, run.stats.droppedFailed, run.stats.spansDropped], [0, 1, totalCalls], 'stats [sent, failed, spans dropped]');
  ok(run.stats.retries >= 1, 'connection errors were not retried');
  eq(run.extra, [`wasm-observe: OTLP export to ${url}/v1/traces: 1 batch (${totalCalls} spans) dropped: connection refused`], 'the line on stderr');
  ok(run.wallMs < TIMEOUT + 6000, `the run took ${run.wallMs} ms (export timeout ${TIMEOUT} ms)`);
}

async function neverAnswersCheck() {
  const c = await fakeCollector({ never: true });
  try {
    const run = await cli(['--otlp', c.url], { OTEL_EXPORTER_OTLP_TIMEOUT: String(TIMEOUT) });
    sameProgram(run);
    ok(c.requests.length >= 1, 'no request reached the collector');
    eq([run.stats.batchesSent, run.stats.droppedFailed, run.stats.spansDropped], [0, 1, totalCalls], 'stats [sent, failed, spans dropped]');
    ok(run.extra.length === 1 && run.extra[0].startsWith(`wasm-observe: OTLP export to ${c.url}/v1/traces: 1 batch (${totalCalls} spans) dropped: `), `the line on stderr: ${run.extra}`);
    // From the request (the program had returned) to the exit: at most the
    // export timeout and a little (the wall time also counts node's start,
    // slow when the machine is busy). No lower bound: the timeout runs from
    // when shutdown began, which can be well before the request reached us.
    const tail = run.endedAt - c.requests[0].t;
    ok(tail < TIMEOUT + 1500, `the run ended ${tail} ms after its request (export timeout ${TIMEOUT} ms)`);
  } finally {
    await c.close();
  }
}

// The CLI's queue: a program that records 586 batches while the collector
// answers nothing (until the program has returned: the --folded file is
// written then). The first request is in flight (a batch or the few posted
// before it went), 3 more wait, the rest are refused; then all are sent.
async function maxQueueCheck() {
  const folded = path.join(work, 'max-queue.folded');
  fs.rmSync(folded, { force: true });
  const c = await fakeCollector({ gate: whenExists(folded) });
  try {
    // No --otlp-file: reading 150 MB of it here would stall this process's
    // event loop and with it the timing of the other checks. A request timeout
    // the run cannot reach, even on a busy machine.
    const run = await cli(['--otlp', c.url, '--otlp-max-queue', '3', '--folded', folded], { OTEL_EXPORTER_OTLP_TIMEOUT: '30000' }, fixture(bigDir, 'tailcall'), false, 60_000);
    sameProgram(run);
    const spans = 300014;
    const kept = run.stats.batchesQueued;
    ok(kept >= 4 && kept <= 3 + 44, `${kept} batches queued (3 waiting and the first request's, at most 4 MB)`);
    const refused = 586 - kept;
    eq([run.stats.batchesSent, run.stats.droppedQueueFull, run.stats.batchesDropped, run.stats.spansDropped, run.stats.maxQueued],
      [kept, refused, refused, spans - kept * 512, 3], 'stats [sent, refused, dropped, spans dropped, most waiting]');
    const received = c.requests.flatMap((r) => protobufSpanIds(r.body));
    eq([received.length, new Set(received.map(([id]) => id)).size], [kept * 512, kept * 512], '[spans received, distinct span ids]');
    ok(c.requests.length >= 2 && c.requests.length <= kept, `${c.requests.length} requests for ${kept} batches`);
    eq(run.extra, [`wasm-observe: OTLP export to ${c.url}/v1/traces: ${refused} batches (${spans - kept * 512} spans) dropped: queue full`], 'the line on stderr');
  } finally {
    await c.close();
  }
}

// A long run to a collector that keeps up: the worker thread sends while the
// program runs, and every span arrives once with its parent. The queue is
// made large enough for the whole run (--otlp-max-queue 1000 for 586
// batches), so that whether the default queue of 64 (~20 ms of this program,
// which fills ~3 batches a ms) keeps up is not asserted here: that depends on
// the machine's load, and belongs to a benchmark, not a test. run.sh runs this
// check alone; the CLI runs niced, so that the collector (this process) is
// not starved by the program; a failure that could come from timing (the
// first request late) is tried up to 3 times.
async function longRunCheck() {
  const runs = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const why = await longRun();
    if (!why) return;
    runs.push(why);
    if (!/^(stats|the first request)/.test(why)) break; // not a matter of timing
  }
  throw new Error(runs.map((why, i) => `run ${i + 1}: ${why}`).join('; '));
}

// One run: null, or what went wrong.
async function longRun() {
  const folded = path.join(work, 'long-run.folded');
  fs.rmSync(folded, { force: true });
  const c = await fakeCollector({ store: 64 << 20 }); // the run sends 54 MB
  try {
    const run = await cli(['--otlp', c.url, '--otlp-max-queue', '1000', '--folded', folded], {}, fixture(bigDir, 'tailcall'), false, 60_000, true);
    sameProgram(run);
    const spans = 300014;
    eq([run.stats.batchesQueued, run.stats.batchesSent, run.stats.spansSent, run.stats.batchesDropped, run.stats.spansDropped],
      [586, 586, spans, 0, 0], 'stats [queued, sent, spans sent, dropped, spans dropped]');
    eq(run.extra, [], 'wasm-observe lines on stderr');
    // the first request came while the program ran (the folded file is written after it)
    const programEnd = fs.statSync(folded).mtimeMs;
    ok(c.requests[0].t < programEnd, `the first request arrived ${c.requests[0].t - programEnd} ms after the program ended`);
    const received = c.requests.flatMap((r) => protobufSpanIds(r.body));
    const ids = new Set(received.map(([id]) => id));
    eq([received.length, ids.size], [spans, spans], '[spans received, distinct span ids]');
    const orphans = received.filter(([, parent]) => parent && !ids.has(parent)).length;
    eq(orphans, 0, 'spans whose parent was not received');
    return null;
  } catch (e) {
    return e.message;
  } finally {
    await c.close();
  }
}

// (API) A request that gets no answer ends after timeoutMs and is retried.
async function requestTimeoutCheck() {
  const c = await fakeCollector({ never: true });
  try {
    // 1 s: the collector is in this process, and a busier event loop than
    // that would let the timeout fire before it even sees the request.
    const otlp = otlpHttpExporter(c.url, { timeoutMs: 1000, maxRetries: 1, exportTimeoutMs: 8000 });
    const sites = [{ kind: 0, functionIndex: 1, name: 'f', raw: 'f', symbol: '', module: '', field: '' }];
    const rec = createRecorder({ backend, record: RECORD_SPANS, sites, exporters: [otlp], muteAfter: Infinity, spanRate: Infinity });
    rec.enter(0); rec.exit(0);
    rec.close();
    const started = Date.now();
    const s = await otlp.shutdown();
    const ms = Date.now() - started;
    eq([c.requests.length, s.retries, s.droppedFailed, s.spansDropped], [2, 1, 1, 1], '[requests, retries, failed, spans dropped]');
    eq(s.dropReasons, { 'no answer within 1000 ms': 1 }, 'reason');
    ok(ms >= 2000 && ms < 4000, `shutdown took ${ms} ms (two attempts of 1000 ms)`);
  } finally {
    await c.close();
  }
}

async function queueFullCheck() {
  const c = await fakeCollector({ never: true });
  try {
    const BATCHES = 200;
    const SIZE = 512;
    // A request timeout longer than the export timeout: shutdown abandons it.
    const otlp = otlpHttpExporter(c.url, { maxQueueBatches: 2, timeoutMs: 5000, exportTimeoutMs: 1000 });
    const sites = [{ kind: 0, functionIndex: 1, name: 'a_function_with_a_longish_name', raw: 'a', symbol: 'a_function_with_a_longish_name', module: '', field: '' }];
    let t = 0;
    const rec = createRecorder({ backend, record: RECORD_SPANS, sites, batchSize: SIZE, monotonicNs: () => (t += 100), exporters: [otlp], muteAfter: Infinity, spanRate: Infinity });
    const before = process.memoryUsage().arrayBuffers;
    const started = Date.now();
    for (let i = 0; i < BATCHES * SIZE; i++) { rec.enter(0); rec.exit(0); }
    const recordMs = Date.now() - started;
    const grown = process.memoryUsage().arrayBuffers - before;
    rec.finish();
    rec.close();
    const shutStarted = Date.now();
    const s = await otlp.shutdown();
    const shutdownMs = Date.now() - shutStarted;
    // 2 queued; 2 more if the thread had started and taken the first ones
    // into its (stuck) request while the program recorded
    ok(s.batchesQueued >= 2 && s.batchesQueued <= 4 && s.batchesQueued + s.droppedQueueFull === BATCHES && s.maxQueued === 2,
      `stats [queued, refused, most queued]: ${[s.batchesQueued, s.droppedQueueFull, s.maxQueued]}, expected [2 to 4, the rest of ${BATCHES}, 2]`);
    eq([s.batchesSent, s.batchesDropped, s.spansDropped], [0, BATCHES, BATCHES * SIZE], 'stats [sent, dropped, spans dropped]');
    eq(s.dropReasons['queue full'], s.droppedQueueFull, 'dropped with the queue full');
    eq(rec.counters().exportErrors, 0, 'exceptions thrown into the recorder');
    // 2 bodies of ~45 KB are kept; all 200 would be ~9 MB.
    ok(grown < 3_000_000, `array buffers grew by ${grown} bytes while recording`);
    ok(recordMs < 5000, `recording took ${recordMs} ms`);
    ok(shutdownMs >= 950 && shutdownMs < 1000 + 1500, `shutdown took ${shutdownMs} ms (export timeout 1000 ms)`);
    ok(c.requests.length >= 1, 'no request reached the collector');
  } finally {
    await c.close();
  }
}

let lines;
if (units) {
  lines = await unitChecks();
} else {
  fs.mkdirSync(work, { recursive: true });
  // ONLY long-run: that check alone (run.sh runs it so, before anything
  // else starts); ONLY rest: all but that one. The in-process ones first,
  // alone (queue-full measures memory and blocks the event loop while it
  // records), and long-run (its collector is this process: nothing else to do
  // here while it runs); then the rest at once: most of their time is spent
  // waiting for timers and timeouts.
  if (only === 'long-run') {
    lines = [await check('long-run', longRunCheck)];
  } else {
  lines = [await check('encode', encodeCheck), await check('queue-full', queueFullCheck)];
  if (only !== 'rest') lines.push(await check('long-run', longRunCheck));
  lines.push(...await Promise.all([
    // one after the other: every MockOtlpServer in a process sees every
    // request (it publishes them on a diagnostics channel)
    check('receiver-protobuf', () => receiverCheck(null)).then(async (r) => [r, await check('receiver-json', () => receiverCheck('http/json'))]),
    check('protobuf-body', protobufBodyCheck),
    check('json-body', jsonBodyCheck),
    check('env', envCheck),
    check('setup-errors', setupErrorsCheck),
    check('retry-503', retry503Check),
    check('retry-after-seconds', () => retryAfterCheck('seconds')),
    check('retry-after-date', () => retryAfterCheck('date')),
    check('no-retry-400', noRetry400Check),
    check('no-server', noServerCheck),
    check('never-answers', neverAnswersCheck),
    check('request-timeout', requestTimeoutCheck),
    check('max-queue', maxQueueCheck),
  ]).then((r) => r.flat()));
  }
}
clearTimeout(watchdog);
results.push(...lines);
console.log(results.join('\n'));
process.exit(0);
