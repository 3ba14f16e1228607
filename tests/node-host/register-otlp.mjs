// The preload (runtime-shim/node/register.mjs) with OTLP/HTTP: the program of
// register-check.mjs (register-app.mjs and register.wat) run with
// OTEL_EXPORTER_OTLP_ENDPOINT. Prints "PASS register-otlp NAME [BACKEND]" /
// "FAIL ...: why" lines.
//
//   node register-otlp.mjs INSTRUMENTED.wasm WORKDIR BACKEND
//
//   receiver       to @elastic/mockotlpserver (tests/shim's npm packages): the
//                  program's output and exit code unchanged, nothing reported on
//                  stderr, the spans of the main thread's two instances received
//                  (the same as WASM_OBSERVE_OTLP_FILE's files of the same run),
//                  sent before the exit handler returned; the worker thread's,
//                  if they made it before it was killed, and nothing else
//   collector-down connection refused: output and exit code unchanged, one line
//                  on stderr with what was dropped and why, the exit handler's
//                  wait bounded by OTEL_EXPORTER_OTLP_TIMEOUT (the retries would
//                  take longer)
//   collector-stuck  a collector that never answers: the same, the request
//                  abandoned at the export timeout
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [wasm, work, backend] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const preload = path.join(root, 'runtime-shim/node/register.mjs');
const require = createRequire(path.join(root, 'tests/shim/package.json'));
const { MockOtlpServer, normalizeTrace } = require('@elastic/mockotlpserver');
const expected = 'run(5) = 16\nrun(0): trap\nrun(3) = 10\nreenter(2) = 107\nsecond run(1) = 4\nworker run(4) = 13\n';

async function check(name, fn) {
  try {
    await fn();
    return `PASS register-otlp ${name} [${backend}]`;
  } catch (e) {
    return `FAIL register-otlp ${name} [${backend}]: ${String(e.message).replace(/\s+/g, ' ').slice(0, 400)}`;
  }
}
function ok(cond, what) { if (!cond) throw new Error(what); }

// Asynchronously: the receiver answers from this process's event loop.
// tailMs: from the program's last line on stdout (its worker's, just before
// the main thread ends) to the exit, the time the exit handler took.
const cache = process.env.WASM_OBSERVE_CACHE;
function run(env) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|WASM_OBSERVE_)|_proxy$|_PROXY$/.test(k)));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', preload, path.join(here, 'register-app.mjs'), wasm], {
      env: { ...clean, WASM_OBSERVE_BACKEND: backend, ...(cache ? { WASM_OBSERVE_CACHE: cache } : {}), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let lastOut = 0;
    child.stdout.on('data', (d) => { stdout += d; lastOut = Date.now(); });
    child.stderr.on('data', (d) => { stderr += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const endedAt = Date.now();
      resolve({ rc: code ?? signal, stdout, stderr, tailMs: endedAt - lastOut });
    });
  });
}
function sameProgram(r) {
  ok(r.rc === 0 && r.stdout === expected, `exit ${r.rc}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
}

// A span as a string of what identifies it, from OTLP/JSON (a file's line) or
// normalizeTrace's output (ids as hex or base64, enums as names).
const STATUS = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
function hex(id) {
  if (!id) return '';
  if (typeof id === 'string' && /^[0-9a-f]+$/.test(id) && (id.length === 16 || id.length === 32)) return id;
  return Buffer.from(id, typeof id === 'string' ? 'base64' : undefined).toString('hex');
}
function spanKeys(request) {
  const out = [];
  for (const rs of request.resourceSpans ?? []) {
    const service = (rs.resource?.attributes ?? []).find?.((a) => a.key === 'service.name')?.value?.stringValue ??
      rs.resource?.attributes?.['service.name'];
    for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
      const code = typeof s.status?.code === 'string' ? STATUS[s.status.code] : s.status?.code ?? 0;
      out.push([service, hex(s.traceId), hex(s.spanId), hex(s.parentSpanId), s.name, String(s.startTimeUnixNano), String(s.endTimeUnixNano), code].join(' '));
    }
  }
  return out;
}
const fileKeys = (file) => (fs.existsSync(file)
  ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => spanKeys(JSON.parse(l))) : null);
const sorted = (a) => [...a].sort();

async function receiverCheck() {
  const received = [];
  const mock = new MockOtlpServer({ services: ['http'], httpHostname: '127.0.0.1', httpPort: 0, logLevel: 'warn', onTrace: (t) => received.push(t) });
  await mock.start();
  try {
    fs.mkdirSync(work, { recursive: true });
    const t = path.join(work, `otlp-${backend}`);
    for (const f of fs.readdirSync(work)) if (f.startsWith(`otlp-${backend}.`)) fs.rmSync(path.join(work, f));
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: String(mock.httpUrl), OTEL_SERVICE_NAME: 'register-otlp',
      WASM_OBSERVE_OTLP_FILE: `${t}.jsonl`, WASM_OBSERVE_COUNTERS: '1' });
    // received at once: the exit handler waits until they are sent
    const got = received.flatMap((x) => spanKeys(normalizeTrace(x)));
    sameProgram(r);
    ok(!/OTLP export/.test(r.stderr), `stderr: ${r.stderr.slice(0, 300)}`);
    // sent and answered before the exit handler returned
    const line = r.stderr.split('\n').find((l) => l.startsWith('wasm-observe: {"otlp":'));
    const stats = line ? JSON.parse(line.slice(14)).otlp : {};
    ok(stats.batchesSent === 2 && stats.spansSent === 23 && stats.batchesDropped === 0, `the exporter's stats: ${line}`);
    const main = [...(fileKeys(`${t}.jsonl`) ?? []), ...(fileKeys(`${t}.2.jsonl`) ?? [])];
    ok(main.length === 23, `${main.length} spans in the main thread's files (19 + 4 expected)`);
    ok(main.every((k) => k.startsWith('register-otlp ')), 'service.name');
    const workerFile = fs.readdirSync(work).find((f) => new RegExp(`^otlp-${backend}\\.thread-\\d+\\.jsonl$`).test(f));
    const worker = workerFile ? fileKeys(path.join(work, workerFile)) : [];
    const gotSet = new Set(got);
    const missing = main.filter((k) => !gotSet.has(k));
    ok(missing.length === 0, `${missing.length} of the main thread's ${main.length} spans not received (${received.length} requests, ${got.length} spans): ${missing[0]}`);
    // the rest (if any): all of the worker thread's, sent before it was killed
    const rest = got.filter((k) => !main.includes(k));
    ok(rest.length === 0 || JSON.stringify(sorted(rest)) === JSON.stringify(sorted(worker)),
      `received besides the main thread's: ${rest.length} spans, the worker thread's file has ${worker.length}`);
  } finally {
    await mock.close();
  }
}

async function freePort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

// Connection refused: every attempt fails at once, and the retries' backoff
// (at least 50 + 100 + 200 + 400 + 800 ms for the 5) would outlast the export
// timeout: the exit handler stops at it.
async function collectorDownCheck() {
  const TIMEOUT = 200;
  const url = `http://127.0.0.1:${await freePort()}`;
  const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: String(TIMEOUT) });
  sameProgram(r);
  const want = `wasm-observe: OTLP export to ${url}/v1/traces: 2 batches (23 spans) dropped: connection refused\n`;
  ok(r.stderr === want, `stderr ${JSON.stringify(r.stderr.slice(0, 400))}, expected ${JSON.stringify(want)}`);
  ok(r.tailMs < 1300, `the exit took ${r.tailMs} ms after the program's last line (export timeout ${TIMEOUT} ms, all retries 1550 ms or more)`);
}

// A collector that takes the request and never answers: the exit handler
// abandons it at the export timeout (each attempt would wait as long).
async function collectorStuckCheck() {
  const TIMEOUT = 1000;
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.resume(); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const r = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: String(TIMEOUT) });
    sameProgram(r);
    ok(/^wasm-observe: OTLP export to \S+: 2 batches \(23 spans\) dropped: (no answer within 1000 ms|not sent within the export timeout \(1000 ms\))\n$/.test(r.stderr),
      `stderr ${JSON.stringify(r.stderr.slice(0, 400))}`);
    ok(sockets.size >= 1, 'no connection reached the collector');
    ok(r.tailMs < TIMEOUT + 2500, `the exit took ${r.tailMs} ms after the program's last line (export timeout ${TIMEOUT} ms)`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

const lines = [await check('receiver', receiverCheck), await check('collector-down', collectorDownCheck),
  await check('collector-stuck', collectorStuckCheck)];
console.log(lines.join('\n'));
process.exit(0);
