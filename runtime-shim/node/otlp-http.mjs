// OTLP/HTTP for the Node host: each batch POSTed to a collector's /v1/traces,
// the rules of the C library's export_otlp_http.c in an event loop instead of
// a thread.
//
//   import { otlpHttpExporter } from './otlp-http.mjs';
//   const otlp = otlpHttpExporter('http://localhost:4318', { protocol: 'http/protobuf' });
//   const rec = createRecorder({ exporters: [otlp], ... });
//   ... run; rec.finish(); rec.close();
//   const stats = await otlp.shutdown();   // what was sent and what was dropped
//
// exportSpans only encodes the batch (the recorder's arrays are valid only
// during the call) and queues the bytes; it never throws and never waits.
// Requests go out one at a time, in order, on a keep-alive connection, once
// the event loop runs: a program that runs synchronously (a WASI command)
// sends nothing until it returns, so the queue must hold what it records.
// 429, 502, 503, 504, connection errors and timeouts are retried with
// exponential backoff and jitter (100 ms doubling, at most 5 s, the upper
// half random), or after the collector's Retry-After (seconds or an
// HTTP-date, at most 60 s; http-retry.mjs); any other status drops the batch
// (rejected). A full queue drops the new batch (the queued ones are older and
// kept, as in the C library). shutdown() (also close()) sends what is queued
// for at most exportTimeoutMs, then abandons the request in flight and counts
// the rest as dropped.
//
// Options: protocol 'http/protobuf' (default) | 'http/json'; headers {name:
// value}; timeoutMs per request (10000); maxQueueBatches (64); maxRetries (5;
// 0 = none); exportTimeoutMs, the longest shutdown waits (= timeoutMs);
// endpointKind: how `endpoint` becomes the URL (otlpTracesUrl).
// stats(): batchesQueued, batchesSent, spansSent, batchesDropped, spansDropped
// (every batch not sent), of which droppedQueueFull, droppedRejected (a status
// not retried), droppedFailed (retries exhausted, or given up at shutdown);
// retries, lastHttpStatus, lastError, maxQueued, dropReasons {reason: batches}.
import http from 'node:http';
import https from 'node:https';
import { encodeOtlpProtobuf } from './otlp-protobuf.mjs';
import { encodeOtlpJson } from './otlp-json.mjs';
import { retryAfterMs, backoffMs } from './http-retry.mjs';

const DEFAULT_TIMEOUT_MS = 10000;
const DEFAULT_MAX_QUEUE = 64;
const DEFAULT_MAX_RETRIES = 5;
const RETRY_STATUS = new Set([429, 502, 503, 504]);

// The URL to POST to. endpointKind:
//   'auto' (default, the C library's rule): "/v1/traces" is added to a URL
//          without a path (or "/"); a URL with a path of its own is used as is;
//   'base' (OTEL_EXPORTER_OTLP_ENDPOINT): "v1/traces" is always added to the path;
//   'traces' (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): used as is.
export function otlpTracesUrl(endpoint, endpointKind = 'auto') {
  let url;
  try { url = new URL(String(endpoint)); } catch { url = null; }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new Error(`OTLP endpoint: not an http:// or https:// URL: ${endpoint}`);
  }
  if (endpointKind === 'base' || (endpointKind === 'auto' && url.pathname === '/')) {
    url.pathname = url.pathname.replace(/\/?$/, '/v1/traces');
  } else if (endpointKind !== 'auto' && endpointKind !== 'traces') {
    throw new Error(`OTLP endpointKind: auto, base or traces, not ${endpointKind}`);
  }
  return url.href;
}

function networkReason(e) {
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    default: return e.message || String(e);
  }
}

function count(value, fallback, name, min) {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`OTLP ${name}: an integer >= ${min}, not ${value}`);
  return n;
}

// One line about what was dropped ('' if nothing): "3 batches (1536 spans)
// dropped: connection refused", several reasons with their batch counts.
export function describeDrops(stats) {
  if (!stats.batchesDropped) return '';
  const reasons = Object.entries(stats.dropReasons);
  const why = reasons.length === 1 ? reasons[0][0] : reasons.map(([r, n]) => `${r} (${n})`).join(', ');
  const b = stats.batchesDropped;
  return `${b} batch${b === 1 ? '' : 'es'} (${stats.spansDropped} span${stats.spansDropped === 1 ? '' : 's'}) dropped: ${why}`;
}

export function otlpHttpExporter(endpoint, options = {}) {
  const url = new URL(otlpTracesUrl(endpoint, options.endpointKind ?? 'auto'));
  const protocol = options.protocol ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`OTLP protocol: http/protobuf or http/json, not ${protocol}`);
  }
  const json = protocol === 'http/json';
  const timeoutMs = count(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs', 1);
  const maxQueue = count(options.maxQueueBatches, DEFAULT_MAX_QUEUE, 'maxQueueBatches', 1);
  const maxRetries = count(options.maxRetries, DEFAULT_MAX_RETRIES, 'maxRetries', 0);
  const exportTimeoutMs = count(options.exportTimeoutMs, timeoutMs, 'exportTimeoutMs', 0);
  const headers = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    http.validateHeaderName(name); // throws on a bad name or value, here rather than per request
    http.validateHeaderValue(name, String(value));
    headers[name.toLowerCase()] = String(value);
  }
  headers['content-type'] = json ? 'application/json' : 'application/x-protobuf';
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });

  const s = {
    batchesQueued: 0, // accepted by exportSpans
    batchesSent: 0, // answered with a 2xx
    spansSent: 0,
    batchesDropped: 0, // every batch not sent, for any reason below
    spansDropped: 0,
    droppedQueueFull: 0, // refused by exportSpans
    droppedRejected: 0, // answered with a status that is not retried
    droppedFailed: 0, // retries exhausted, or not sent when shutdown gave up
    retries: 0,
    lastHttpStatus: 0,
    lastError: null, // of the last failed attempt
    maxQueued: 0, // the most batches ever waiting at once
    dropReasons: {}, // reason -> batches
  };

  const queue = []; // { body, spans }
  let pumping = false;
  let scheduled = false; // a pump() is queued as a microtask
  let closed = false; // shutdown started: new batches are dropped
  let stopping = false; // shutdown gave up: abandon the request or wait in flight
  let deadline = Infinity; // shutdown's: no retry waits past it
  let cancel = null; // ends the request or backoff wait in flight
  let idleWaiters = [];

  function drop(spans, reason, kind) {
    s.batchesDropped++;
    s.spansDropped += spans;
    s[kind]++;
    s.dropReasons[reason] = (s.dropReasons[reason] ?? 0) + 1;
  }

  function post(body) {
    return new Promise((resolve) => {
      let settled = false;
      const done = (r) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cancel = null;
        resolve(r);
      };
      const req = transport.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } });
      const timer = setTimeout(() => { req.destroy(); done({ error: `no answer within ${timeoutMs} ms` }); }, timeoutMs);
      timer.unref(); // the socket keeps the process alive while it is open
      cancel = () => { req.destroy(); done({ error: null }); };
      req.on('response', (res) => {
        s.lastHttpStatus = res.statusCode;
        const after = retryAfterMs(res.headers['retry-after']);
        res.on('end', () => done({ status: res.statusCode, retryAfterMs: after }));
        res.on('error', (e) => done({ error: networkReason(e) }));
        res.resume(); // the body is not needed; reading it frees the connection
      });
      req.on('error', (e) => done({ error: networkReason(e) }));
      req.end(body);
    });
  }

  function wait(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { cancel = null; resolve(true); }, ms);
      if (!closed) timer.unref(); // a collector that is down never holds the process; shutdown does
      cancel = () => { clearTimeout(timer); cancel = null; resolve(false); };
    });
  }

  // { ok } or { reason, kind } for one batch, retries included.
  async function send(body) {
    for (let attempt = 0; ; attempt++) {
      const r = await post(body);
      if (r.status >= 200 && r.status < 300) return { ok: true };
      if (stopping) return { reason: gaveUp(), kind: 'droppedFailed' };
      const reason = r.error ?? `HTTP ${r.status}`;
      s.lastError = reason;
      if (r.error === undefined && !RETRY_STATUS.has(r.status)) return { reason, kind: 'droppedRejected' };
      if (attempt >= maxRetries) return { reason, kind: 'droppedFailed' };
      const delay = r.retryAfterMs ?? backoffMs(attempt); // the collector's time as it is: it asked for it
      if (Date.now() + delay >= deadline) return { reason, kind: 'droppedFailed' }; // no time left to retry
      if (!(await wait(delay))) return { reason, kind: 'droppedFailed' };
      s.retries++;
    }
  }

  const gaveUp = () => s.lastError ?? `not sent within the export timeout (${exportTimeoutMs} ms)`;

  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length && !stopping) {
        const b = queue.shift();
        let r;
        try {
          r = await send(b.body);
        } catch (e) { // never an unhandled rejection, and the batch still counted
          r = { reason: `internal error: ${e.message}`, kind: 'droppedFailed' };
        }
        if (r.ok) { s.batchesSent++; s.spansSent += b.spans; } else drop(b.spans, r.reason, r.kind);
      }
    } finally {
      pumping = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w(true);
    }
  }

  // Resolves true once the queue is empty and nothing is in flight.
  function idle() {
    if (!pumping && queue.length === 0) return Promise.resolve(true);
    const p = new Promise((resolve) => idleWaiters.push(resolve));
    if (!pumping) pump();
    return p;
  }

  // idle(), or false after `ms` (a timer that holds the process if `hold`).
  function idleWithin(ms, hold) {
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
    if (!hold) timer.unref();
    return Promise.race([idle(), late]).finally(() => clearTimeout(timer));
  }

  let shutdownPromise = null;
  function shutdown() {
    if (shutdownPromise) return shutdownPromise;
    closed = true;
    deadline = Date.now() + exportTimeoutMs;
    shutdownPromise = (async () => {
      try {
        if (!(await idleWithin(exportTimeoutMs, true))) {
          stopping = true;
          if (cancel) cancel();
          await idle(); // the pump stops at once now
        }
      } catch (e) {
        s.lastError = `internal error: ${e.message}`;
      }
      for (const b of queue.splice(0)) drop(b.spans, gaveUp(), 'droppedFailed');
      agent.destroy();
      return stats();
    })();
    return shutdownPromise;
  }

  function stats() { return { ...s, dropReasons: { ...s.dropReasons } }; }

  return {
    url: url.href,
    protocol,
    exportSpans(resource, batch, n) {
      if (n <= 0) return;
      if (closed) { drop(n, 'exported after shutdown', 'droppedFailed'); return; }
      if (queue.length >= maxQueue) { drop(n, 'queue full', 'droppedQueueFull'); return; } // before encoding: no work for nothing
      let body;
      try {
        body = json ? Buffer.from(encodeOtlpJson(resource, batch, n), 'utf8') : encodeOtlpProtobuf(resource, batch, n);
      } catch (e) {
        drop(n, `cannot encode: ${e.message}`, 'droppedFailed');
        return;
      }
      queue.push({ body, spans: n });
      s.batchesQueued++;
      if (queue.length > s.maxQueued) s.maxQueued = queue.length;
      // Not from here: the caller is the recorder, inside the program's hook call.
      if (!pumping && !scheduled) {
        scheduled = true;
        queueMicrotask(() => { scheduled = false; pump(); });
      }
    },
    // Resolves true when everything queued so far was handled, false after
    // timeoutMs; the recorder calls it without waiting.
    flush() { return idleWithin(timeoutMs, false); },
    close: shutdown,
    shutdown,
    stats,
  };
}
