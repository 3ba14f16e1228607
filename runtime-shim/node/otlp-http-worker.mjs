// The sending thread of otlp-http.mjs's exporter (a node:worker_threads
// Worker, one per exporter): the rules of the C library's export_otlp_http.c
// sender thread. Not imported: otlpHttpExporter starts it with workerData
// { url, json, headers, timeoutMs, maxRetries, exportTimeoutMs, shared, port };
// it posts { type: 'ready' } to its parent once it can take batches.
//
// Messages from the exporter (the thread that records), in order:
//   { type: 'batch', body: ArrayBuffer, spans }  an encoded request (transferred)
//   { type: 'finish', deadline }                 send what is queued until
//                                                `deadline` (Date.now() ms), then stop
// Requests go out one at a time, in order, on a keep-alive connection, while
// the recording thread keeps running (a WASI command runs synchronously: its
// event loop is blocked until it returns, this one is not). A request carries
// one batch, or all those waiting, in order, up to MAX_REQUEST_BYTES (one
// ExportTraceServiceRequest with a ResourceSpans per batch): one at a time,
// one request per batch is slower than a recorder fills them. 429, 502, 503, 504,
// connection errors and timeouts are retried after exponential backoff with
// jitter or the collector's Retry-After; any other status drops the batch.
//
// The counters are in `shared` (SharedArrayBuffer, layout SHARED in
// otlp-http.mjs), updated with Atomics, so that the exporter reads them without
// waiting: the batches waiting for a request (the exporter's queue bound: the
// exporter adds, this thread takes away as a request takes them), those not
// sent or dropped yet, and the stats. What is not a number (the last error, the drop reasons)
// goes to the exporter on `port` as { type: 'info', lastError, dropReasons },
// at most every INFO_MS while it changes, and as { type: 'done', ... } when
// finish is over, just before ctl[CTL_DONE] is set to 1 and notified (the
// exporter may be blocked in Atomics.wait on it, then reads the message with
// receiveMessageOnPort).
import http from 'node:http';
import https from 'node:https';
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import { retryAfterMs, backoffMs } from './http-retry.mjs';
import { SHARED } from './otlp-http.mjs';

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const INFO_MS = 200;
// Batches sent together are at most this many bytes (a batch larger than
// that goes alone): under the OpenTelemetry Collector's 20 MiB; a collector
// that answers 413 gets them one by one. Smaller requests cost more (on 2
// cores with the collector on the same machine, 1 MB requests could not keep
// up with a recorder filling 3 batches a ms; 4 MB ones did).
const MAX_REQUEST_BYTES = 4_000_000;

const { url: href, json, headers, timeoutMs, maxRetries, exportTimeoutMs, shared, port } = workerData;
const url = new URL(href);
const ctl = new Int32Array(shared, 0, SHARED.ctlSlots);
const num = new BigInt64Array(shared, SHARED.numOffset, SHARED.numSlots);
const transport = url.protocol === 'https:' ? https : http;
const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });

const add = (slot, n) => Atomics.add(num, slot, BigInt(n));
let lastError = null; // of the last failed attempt
const dropReasons = {}; // reason -> batches

// ---- the exporter hears about the last error and the drop reasons ----
let infoTimer = null;
const info = (type) => ({ type, lastError, dropReasons: { ...dropReasons } });
function infoChanged() {
  if (infoTimer) return;
  infoTimer = setTimeout(() => { infoTimer = null; port.postMessage(info('info')); }, INFO_MS);
}
function failed(reason) {
  if (reason === lastError) return;
  lastError = reason;
  infoChanged();
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

const queue = []; // { body, spans }
let pumping = false;
let finishing = false; // finish received: stop when the queue is empty or at the deadline
let stopping = false; // the deadline passed: abandon the request or wait in flight
let deadline = Infinity; // no retry waits past it
let cancel = null; // ends the request or backoff wait in flight
let giveUpTimer = null;
let over = false;

// A batch is over: counted, then no longer held.
function settle(b, r) {
  if (r.ok) {
    add(SHARED.BATCHES_SENT, 1);
    add(SHARED.SPANS_SENT, b.spans);
  } else {
    add(SHARED.BATCHES_DROPPED, 1);
    add(SHARED.SPANS_DROPPED, b.spans);
    add(r.kind === 'droppedRejected' ? SHARED.DROPPED_REJECTED : SHARED.DROPPED_FAILED, 1);
    dropReasons[r.reason] = (dropReasons[r.reason] ?? 0) + 1;
    infoChanged();
  }
  add(SHARED.HELD_SPANS, -b.spans);
  Atomics.sub(ctl, SHARED.CTL_HELD, 1);
}

function post(chunks) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel = null;
      resolve(r);
    };
    let length = 0;
    for (const c of chunks) length += c.length;
    const req = transport.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': length } });
    const timer = setTimeout(() => { req.destroy(); done({ error: `no answer within ${timeoutMs} ms` }); }, timeoutMs);
    cancel = () => { req.destroy(); done({ error: null }); };
    req.on('response', (res) => {
      Atomics.store(num, SHARED.LAST_HTTP_STATUS, BigInt(res.statusCode));
      const after = retryAfterMs(res.headers['retry-after']);
      res.on('end', () => done({ status: res.statusCode, retryAfterMs: after }));
      res.on('error', (e) => done({ error: networkReason(e) }));
      res.resume(); // the body is not needed; reading it frees the connection
    });
    req.on('error', (e) => done({ error: networkReason(e) }));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function wait(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { cancel = null; resolve(true); }, ms);
    cancel = () => { clearTimeout(timer); cancel = null; resolve(false); };
  });
}

const gaveUp = () => lastError ?? `not sent within the export timeout (${exportTimeoutMs} ms)`;

// { ok } or { reason, kind } for one batch, retries included.
async function send(chunks) {
  for (let attempt = 0; ; attempt++) {
    const r = await post(chunks);
    if (r.status >= 200 && r.status < 300) return { ok: true };
    if (stopping) return { reason: gaveUp(), kind: 'droppedFailed' };
    const reason = r.error ?? `HTTP ${r.status}`;
    failed(reason);
    if (r.error === undefined && !RETRY_STATUS.has(r.status)) return { reason, kind: 'droppedRejected', status: r.status };
    if (attempt >= maxRetries) return { reason, kind: 'droppedFailed' };
    const delay = r.retryAfterMs ?? backoffMs(attempt); // the collector's time as it is: it asked for it
    if (Date.now() + delay >= deadline) return { reason, kind: 'droppedFailed' }; // no time left to retry
    if (!(await wait(delay))) return { reason, kind: 'droppedFailed' };
    add(SHARED.RETRIES, 1);
  }
}

// The batches of the next request: the first one waiting, and those after
// it while they fit in MAX_REQUEST_BYTES.
function nextRequest() {
  let n = 1;
  let size = queue[0].body.length;
  while (n < queue.length && size + queue[n].body.length <= MAX_REQUEST_BYTES) size += queue[n++].body.length;
  Atomics.sub(ctl, SHARED.CTL_QUEUED, n); // room in the queue for as many
  return queue.splice(0, n);
}

// One ExportTraceServiceRequest of several, as the chunks to write: in
// protobuf the messages one after the other (a repeated field's items add
// up); in JSON the items of the resourceSpans arrays, in one array
// (encodeOtlpJson's bodies are {"resourceSpans":[...]} exactly).
const JSON_HEAD = Buffer.from('{"resourceSpans":[');
const JSON_TAIL = Buffer.from(']}');
const COMMA = Buffer.from(',');
function requestBody(batches) {
  if (batches.length === 1 || !json) return batches.map((b) => b.body);
  const parts = [JSON_HEAD];
  batches.forEach((b, i) => {
    if (i) parts.push(COMMA);
    parts.push(b.body.subarray(JSON_HEAD.length, b.body.length - JSON_TAIL.length));
  });
  parts.push(JSON_TAIL);
  return parts;
}

// send(), never rejecting.
async function attempt(batches) {
  try {
    return await send(requestBody(batches));
  } catch (e) { // the batches are still counted
    return { reason: `internal error: ${e.message}`, kind: 'droppedFailed' };
  }
}

// Sends the batches of a request and counts each. A collector that finds
// several together too large (413) gets them again one by one.
async function deliver(batches) {
  const r = await attempt(batches);
  if (r.status === 413 && batches.length > 1) {
    for (const b of batches) settle(b, stopping ? { reason: gaveUp(), kind: 'droppedFailed' } : await attempt([b]));
  } else {
    for (const b of batches) settle(b, r);
  }
}

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      // The batches posted meanwhile, not yet emitted as messages (they are
      // when the loop gets to them, after this request would have gone).
      for (let m; !stopping && (m = receiveMessageOnPort(parentPort));) onMessage(m.message);
      if (!queue.length || stopping) break;
      await deliver(nextRequest());
    }
  } finally {
    pumping = false;
    if (finishing && (stopping || queue.length === 0)) end();
  }
}

// finish is over: what is still queued is dropped, the exporter told.
function end() {
  if (over) return;
  over = true;
  clearTimeout(giveUpTimer);
  clearTimeout(infoTimer);
  Atomics.sub(ctl, SHARED.CTL_QUEUED, queue.length);
  for (const b of queue.splice(0)) settle(b, { reason: gaveUp(), kind: 'droppedFailed' });
  agent.destroy();
  port.postMessage(info('done'));
  Atomics.store(ctl, SHARED.CTL_DONE, 1);
  Atomics.notify(ctl, SHARED.CTL_DONE);
}

function onMessage(m) {
  if (m.type === 'batch') {
    queue.push({ body: Buffer.from(m.body), spans: m.spans });
    if (!pumping) pump();
  } else if (m.type === 'finish') {
    finishing = true;
    deadline = m.deadline;
    giveUpTimer = setTimeout(() => {
      stopping = true;
      if (cancel) cancel();
      if (!pumping) end();
    }, Math.max(0, deadline - Date.now()));
    if (!pumping) {
      if (queue.length) pump();
      else end();
    }
  }
}
parentPort.on('message', onMessage);
parentPort.postMessage({ type: 'ready' });
