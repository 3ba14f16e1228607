// OTLP/HTTP for the Node host: each batch POSTed to a collector's /v1/traces,
// the rules of the C library's export_otlp_http.c, with its sender thread: a
// worker thread (otlp-http-worker.mjs, one per exporter) does the sending.
//
//   import { otlpHttpExporter } from './otlp-http.mjs';
//   const otlp = otlpHttpExporter('http://localhost:4318', { protocol: 'http/protobuf' });
//   await otlp.ready;                      // optional: the worker has started
//   const rec = createRecorder({ exporters: [otlp], ... });
//   ... run; rec.finish(); rec.close();
//   const stats = await otlp.shutdown();   // what was sent and what was dropped
//   // or, where nothing can be awaited (a process 'exit' handler):
//   const stats = otlp.shutdownSync();     // blocks for at most exportTimeoutMs
//
// exportSpans only encodes the batch (the recorder's arrays are valid only
// during the call) and posts the bytes to the worker (the buffer transferred,
// not copied); it never throws and never waits. The worker receives them while
// this thread is busy, so a program that runs synchronously (a WASI command)
// is traced and sent at the same time. Requests go out one at a time, in
// order, on a keep-alive connection: a batch, or the batches waiting, up to
// 4 MB. 429, 502, 503, 504, connection errors and timeouts are retried with
// exponential backoff and jitter (100 ms doubling, at most 5 s, the upper
// half random), or after the collector's Retry-After (seconds or an
// HTTP-date, at most 60 s; http-retry.mjs); any other status drops the batch
// (rejected). At most maxQueueBatches batches wait (posted to the worker and
// not yet in a request): with the request in flight, that bounds the memory
// when the collector is slow or down. The count is in a SharedArrayBuffer the
// worker updates with Atomics, so exportSpans reads it without waiting and,
// when the queue is full, drops the new batch (the waiting ones are older and
// kept, as in the C library) before encoding it. shutdown() (also close())
// and shutdownSync() tell the worker to send what it holds for at most
// exportTimeoutMs, then to abandon the request in flight and count the rest
// as dropped; shutdown() resolves to stats(), shutdownSync() blocks in
// Atomics.wait until the worker is done (or the time is over, and GRACE_MS)
// and returns them. Then the worker is terminated. It holds the process only
// until it has started (`ready` resolves then: tens of ms; a program that
// fills the queue faster should await it) and while shutdown() is pending.
//
// Options: protocol 'http/protobuf' (default) | 'http/json'; headers {name:
// value}; timeoutMs per request (10000); maxQueueBatches (64); maxRetries (5;
// 0 = none); exportTimeoutMs, the longest shutdown waits (= timeoutMs);
// endpointKind: how `endpoint` becomes the URL (otlpTracesUrl).
// stats(): batchesQueued, batchesSent, spansSent, batchesDropped, spansDropped
// (every batch not sent), of which droppedQueueFull, droppedRejected (a status
// not retried), droppedFailed (retries exhausted, or given up at shutdown);
// retries, lastHttpStatus, lastError, maxQueued (the most batches waiting at
// once), dropReasons {reason: batches}. The numbers are current; lastError
// and the worker's dropReasons are at most 200 ms old until shutdown ends.
import http from 'node:http';
import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { encodeOtlpProtobuf } from './otlp-protobuf.mjs';
import { encodeOtlpJson } from './otlp-json.mjs';

const DEFAULT_TIMEOUT_MS = 10000;
const DEFAULT_MAX_QUEUE = 64;
const DEFAULT_MAX_RETRIES = 5;
// How long past the export timeout shutdown waits for the worker to account
// for what it gave up (it stops at the deadline itself); after that the
// exporter counts what the worker still held as dropped.
const GRACE_MS = 500;

// The SharedArrayBuffer between an exporter and its worker: an Int32Array
// `ctl` (waited on) and a BigInt64Array `num` of counters (spans can pass 2^31).
export const SHARED = {
  ctlSlots: 4,
  CTL_QUEUED: 0, // batches posted to the worker and not yet in a request: the queue bound
  CTL_HELD: 1, // batches posted and not yet sent or dropped (queued or in flight)
  CTL_DONE: 2, // 1 when the worker has finished (after 'finish')
  numOffset: 16,
  numSlots: 9,
  HELD_SPANS: 0, // the spans of CTL_HELD's batches
  BATCHES_SENT: 1,
  SPANS_SENT: 2,
  BATCHES_DROPPED: 3, // by the worker (exportSpans counts its own apart)
  SPANS_DROPPED: 4,
  DROPPED_REJECTED: 5,
  DROPPED_FAILED: 6,
  RETRIES: 7,
  LAST_HTTP_STATUS: 8,
};

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

  const shared = new SharedArrayBuffer(SHARED.numOffset + 8 * SHARED.numSlots);
  const ctl = new Int32Array(shared, 0, SHARED.ctlSlots);
  const num = new BigInt64Array(shared, SHARED.numOffset, SHARED.numSlots);
  const { port1: port, port2 } = new MessageChannel();
  // execArgv []: not the program's --import preloads (register.mjs) again
  const worker = new Worker(new URL('./otlp-http-worker.mjs', import.meta.url), {
    workerData: { url: url.href, json, headers, timeoutMs, maxRetries, exportTimeoutMs, shared, port: port2 },
    transferList: [port2],
    execArgv: [],
  });
  // Held until it has started (tens of ms, so that `await ready` can hold the
  // process), never after.
  let started;
  const ready = new Promise((resolve) => { started = () => { worker.unref(); resolve(); }; });
  worker.once('message', started); // { type: 'ready' }, its only message here
  let failure = null; // the worker failed: why (new batches are dropped)
  worker.on('error', (e) => { failure = `internal error: ${e.message}`; started(); });
  worker.on('exit', () => { failure ??= 'internal error: the sending thread ended'; started(); });

  // What exportSpans dropped itself; the worker's counts are in `num`.
  const own = { batchesQueued: 0, batchesDropped: 0, spansDropped: 0, droppedQueueFull: 0, droppedFailed: 0, maxQueued: 0, dropReasons: {} };
  let workerInfo = { lastError: null, dropReasons: {} }; // as the worker last told
  let closed = false; // shutdown started: new batches are dropped
  let deadline = 0; // shutdown's, Date.now() ms
  let final = null; // workerPart() once shutdown is over

  function drop(spans, reason, kind) {
    own.batchesDropped++;
    own.spansDropped += spans;
    own[kind]++;
    own.dropReasons[reason] = (own.dropReasons[reason] ?? 0) + 1;
  }

  // The worker's messages not read yet (never waits).
  function readInfo() {
    for (let m; (m = receiveMessageOnPort(port));) workerInfo = m.message;
  }

  // The worker's numbers (current), and what it last told; frozen once it is over.
  function workerPart() {
    if (final) return final;
    readInfo();
    const n = (slot) => Number(Atomics.load(num, slot));
    return {
      batchesSent: n(SHARED.BATCHES_SENT),
      spansSent: n(SHARED.SPANS_SENT),
      batchesDropped: n(SHARED.BATCHES_DROPPED),
      spansDropped: n(SHARED.SPANS_DROPPED),
      droppedRejected: n(SHARED.DROPPED_REJECTED),
      droppedFailed: n(SHARED.DROPPED_FAILED),
      retries: n(SHARED.RETRIES),
      lastHttpStatus: n(SHARED.LAST_HTTP_STATUS),
      lastError: workerInfo.lastError,
      dropReasons: workerInfo.dropReasons,
    };
  }

  function stats() {
    const w = workerPart();
    const dropReasons = { ...own.dropReasons };
    for (const [r, b] of Object.entries(w.dropReasons)) dropReasons[r] = (dropReasons[r] ?? 0) + b;
    return {
      batchesQueued: own.batchesQueued,
      batchesSent: w.batchesSent,
      spansSent: w.spansSent,
      batchesDropped: own.batchesDropped + w.batchesDropped,
      spansDropped: own.spansDropped + w.spansDropped,
      droppedQueueFull: own.droppedQueueFull,
      droppedRejected: w.droppedRejected,
      droppedFailed: own.droppedFailed + w.droppedFailed,
      retries: w.retries,
      lastHttpStatus: w.lastHttpStatus,
      lastError: w.lastError,
      maxQueued: own.maxQueued,
      dropReasons,
    };
  }

  // Tells the worker to finish, once.
  function begin() {
    if (closed) return;
    closed = true;
    deadline = Date.now() + exportTimeoutMs;
    worker.postMessage({ type: 'finish', deadline });
  }

  let release = null; // a pending shutdown()'s: resolves it

  // The worker is done, or given up on (then what it still held is dropped;
  // a batch it finished meanwhile may be counted twice), the stats frozen,
  // the worker terminated.
  function end() {
    if (final) return;
    readInfo();
    final = workerPart();
    const held = Atomics.load(ctl, SHARED.CTL_HELD);
    if (held > 0) {
      const why = failure ?? workerInfo.lastError ?? `not sent within the export timeout (${exportTimeoutMs} ms)`;
      own.batchesDropped += held;
      own.spansDropped += Number(Atomics.load(num, SHARED.HELD_SPANS));
      own.droppedFailed += held;
      own.dropReasons[why] = (own.dropReasons[why] ?? 0) + held;
    }
    if (release) release();
    port.close();
    worker.terminate().catch(() => {});
  }

  let shutdownPromise = null;
  function shutdown() {
    if (shutdownPromise) return shutdownPromise;
    begin();
    shutdownPromise = new Promise((resolve) => {
      if (final || failure) { end(); resolve(stats()); return; }
      // The listener holds the process until the worker is done; so does the
      // timer, in case it never says so.
      const timer = setTimeout(end, Math.max(0, deadline + GRACE_MS - Date.now()));
      const onMessage = (m) => { workerInfo = m; if (m.type === 'done') end(); };
      port.on('message', onMessage);
      worker.once('exit', end);
      release = () => {
        clearTimeout(timer);
        port.off('message', onMessage);
        worker.off('exit', end);
        resolve(stats());
      };
    });
    return shutdownPromise;
  }

  // shutdown() for where nothing can be awaited: blocks this thread until the
  // worker is done, for at most exportTimeoutMs (and GRACE_MS).
  function shutdownSync() {
    begin();
    const limit = deadline + GRACE_MS;
    while (!final && Atomics.load(ctl, SHARED.CTL_DONE) === 0 && !failure) {
      const left = limit - Date.now();
      if (left <= 0) break;
      Atomics.wait(ctl, SHARED.CTL_DONE, 0, left);
    }
    end();
    return stats();
  }

  // Whether a batch of n spans can be queued now (else counted as dropped);
  // asked before encoding: no work for nothing (only this thread adds to
  // the queue's count).
  function accepts(n) {
    if (n <= 0) return false;
    if (closed) { drop(n, 'exported after shutdown', 'droppedFailed'); return false; }
    if (failure) { drop(n, failure, 'droppedFailed'); return false; }
    if (Atomics.load(ctl, SHARED.CTL_QUEUED) >= maxQueue) { drop(n, 'queue full', 'droppedQueueFull'); return false; }
    return true;
  }

  // Hands a request body of n spans to the sending thread.
  function send(body, n) {
    // Transferred, so a buffer of its own (a Buffer may be a pool's slice, a
    // view of wasm memory is the instance's).
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const buffer = whole ? body.buffer : body.slice().buffer;
    const queued = Atomics.add(ctl, SHARED.CTL_QUEUED, 1) + 1;
    Atomics.add(ctl, SHARED.CTL_HELD, 1);
    Atomics.add(num, SHARED.HELD_SPANS, BigInt(n));
    try {
      worker.postMessage({ type: 'batch', body: buffer, spans: n }, [buffer]);
    } catch (e) {
      Atomics.sub(ctl, SHARED.CTL_QUEUED, 1);
      Atomics.sub(ctl, SHARED.CTL_HELD, 1);
      Atomics.sub(num, SHARED.HELD_SPANS, BigInt(n));
      drop(n, `internal error: ${e.message}`, 'droppedFailed');
      return;
    }
    own.batchesQueued++;
    if (queued > own.maxQueued) own.maxQueued = queued;
  }

  const textEncoder = new TextEncoder();
  return {
    url: url.href,
    protocol,
    // Resolves when the worker has started (or failed to). Batches are taken
    // before, but held: a program that fills more than maxQueueBatches in
    // the first tens of ms should await it before it runs.
    ready,
    exportSpans(resource, batch, n) {
      if (!accepts(n)) return;
      let body;
      try {
        body = json ? textEncoder.encode(encodeOtlpJson(resource, batch, n)) : encodeOtlpProtobuf(resource, batch, n);
      } catch (e) {
        drop(n, `cannot encode: ${e.message}`, 'droppedFailed');
        return;
      }
      send(body, n);
    },
    // The same for a batch of n spans already encoded as `encoding` says
    // (by the wasm32 recorder's C encoders): the request body's bytes, read
    // during the call.
    encoding: json ? 'json' : 'protobuf',
    exportEncoded(bytes, n) {
      if (accepts(n)) send(bytes, n);
    },
    // Resolves true when everything held so far was handled, false after
    // timeoutMs; the recorder calls it without waiting. Holds nothing.
    flush() {
      const until = Date.now() + timeoutMs;
      return new Promise((resolve) => {
        const poll = () => {
          if (Atomics.load(ctl, SHARED.CTL_HELD) === 0) resolve(true);
          else if (final || Date.now() >= until) resolve(false);
          else setTimeout(poll, 20).unref();
        };
        poll();
      });
    },
    close: shutdown,
    shutdown,
    shutdownSync,
    stats,
  };
}
