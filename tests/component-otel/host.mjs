#!/usr/bin/env node
// A test host for WASI command components instrumented by wasm-instrument with
// `--link wasi-otel` (the component imports wasi:otel/tracing@0.2.0-rc.2) or
// `--link wasi-observe` (wasi:observe/tracer), written against those WITs
// (/work/shared/wit-reference), that feeds the spans into the OpenTelemetry JS
// SDK and sends them with OTLP/HTTP (protobuf) to a collector.
//
//   node host.mjs [options] COMPONENT.wasm [args...]
//
//   --otlp URL        the collector's traces endpoint (full URL, .../v1/traces);
//                     without it nothing is exported (the spans are still checked)
//   --report FILE     write the host's record there (JSON, below)
//   --js-dir DIR      where jco writes the transpiled component (default: a new
//                     temporary directory)
//   --processor batch|simple   the SDK span processor (default batch)
//   --outer host|tracestate|invalid|zero   what outer-span-context returns: the
//                     host span's context (default); the same when the host span
//                     continues a remote W3C trace context with a tracestate
//                     ("tracestate": the host span's parent is that remote span,
//                     and its trace-state goes to the component); ids that are
//                     not hex ("invalid"), or the all-zero invalid context of an
//                     SDK with no span ("zero"), after which the component should
//                     start a trace of its own
//   --call "NAME ARG..."   call that export with numeric arguments (once per
//                     --call, in order) and print each result as JSON, or
//                     "NAME: error: MESSAGE" when the call throws (a trap, or an
//                     exception from an import), instead of running wasi:cli/run
//   --fault NAME      make the host misreport one thing on purpose, to prove that
//                     a check of run.sh can fail (FAULTS below); never in real use
//
// Besides WASI, the host provides the function import `log: func(x: u32)` of
// the test components in fixtures/: it prints "log X"; log(7) throws a JS Error
// (an exception thrown by a host import through the component's frames); log(9)
// calls the export run(5) (a call back into the component during an import).
//
// How it runs: jco transpiles the component (instantiation mode) and the WASI
// imports come from @bytecodealliance/preview2-shim's WASIShim (arguments: the
// component's file name, then args; an empty environment), but wasi:cli/exit,
// which throws here (as wasmtime unwinds with an exit code) instead of calling
// process.exit, so that the host can end its own span and flush before it exits
// with the program's status (the preview2 exit carries only ok/err: 0 or 1).
//
// The SDK: a BasicTracerProvider (@opentelemetry/sdk-trace-base) with one span
// processor (a BatchSpanProcessor, or a SimpleSpanProcessor) in front of an
// OTLPTraceExporter (@opentelemetry/exporter-trace-otlp-proto). The host starts
// its own span, the "host span" (SERVER, like Spin's request span), around the
// instantiation and the run of wasi:cli/run (or all the --call calls), from the
// provider's tracer; at the end it flushes and shuts the provider down.
//
// wasi:otel/tracing (as Spin's factor-otel host does it):
//   outer-span-context()  returns the host span's context;
//   on-start(context)     records the context (span id -> context), in a map of
//                         started spans; a second start of an open id is counted;
//   on-end(span-data)     refuses (counts, drops) a span whose on-start it did not
//                         see, or whose trace id or flags changed since; else turns
//                         the span-data into a ReadableSpan (the SDK's public
//                         interface of a finished span, sdk-trace-base
//                         export/ReadableSpan.d.ts) and calls the span processor's
//                         onEnd(span) with it, the SpanProcessor interface by which
//                         the SDK's own spans reach the exporter (Spin does the same
//                         with opentelemetry_sdk's SpanProcessor::on_end). Kept:
//                         ids, flags, trace-state, parent (empty = none), kind,
//                         name, start/end times (HrTime), attributes (each value
//                         JSON-decoded as the WIT says: string, number, bool or a
//                         homogeneous array of them; anything else is counted and
//                         dropped), events, links, status, the instrumentation scope
//                         (name, version, schema URL), dropped counts, and the
//                         provider's resource.
// wasi:observe/tracer:
//   start(name, options)  starts a real SDK span (tracer.startSpan) whose parent
//                         is the host's current span: the innermost span started
//                         and not yet ended, or the host span (new-root: no
//                         parent); kind, attributes (the value variant), links and
//                         timestamp from the options; returns it as the `span`
//                         resource;
//   span.end(timestamp), span.set-status(status): on that SDK span; ending a
//                         span that is not the innermost open one is counted;
//   [resource-drop]span   counted; a drop before end ends the span (the WIT:
//                         dropping is end(none)).
// Raw ids (what the component passed, before the SDK turns them into bytes) are
// checked here: trace ids 32 and span ids 16 lowercase hex digits, not all zero.
//
// The report (--report): { link, exitCode, trap, hostSpan {traceId, spanId,
// startNs, endNs}, outerCalls, starts, ends, exported, exportFailures (spans the
// exporter reported as not sent), seq, open, counts,
// samples }. seq lists the tracing calls in order: wasi-otel "s <id>" (on-start)
// and "e <id> <parent>" (on-end accepted), wasi-observe "s <handle> <spanId>",
// "e <handle>", "x <handle> <status>" (set-status), "d <handle>" (drop). open:
// the spans started and not ended when the run was over, in start order. counts:
// the protocol violations (endWithoutStart, duplicateStart, contextChanged,
// badRawId, badAttribute, notInnermost, useAfterEnd, droppedOpen, unknownKind).
//
// Exit status: the program's (0, 1), 134 after a trap (a line "trap: ..." on
// stderr), 2 for a host error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { hrTime, hrTimeDuration, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { coreModuleLoader, transpiled } from '../component/transpiled.mjs';

const OTEL = 'wasi:otel/tracing';
const OBSERVE = 'wasi:observe/tracer';
const TRAP_EXIT = 134;

// Faults (--fault): each breaks one property that a check of run.sh verifies.
// "The Nth" counts the spans ended (on-end / end), from 1.
const FAULTS = {
  'trace-id': 'the 3rd span is exported with another trace id',
  'parent': 'the 3rd span is exported with a parent that is not in the trace',
  'root-parent': 'the root span is exported without its parent',
  'kind': 'the 3rd span is exported with kind PRODUCER (wasi-observe: the 3rd started)',
  'name': 'the 3rd span is exported with its name changed',
  'attr-index': 'wasm.function.index is exported as a string',
  'attr-site-kind': "wasm.site.kind of the 3rd span says 'import'",
  'scope': 'the spans are exported with scope version undefined',
  'time': 'the 3rd span is exported with start and end swapped',
  'nest-time': 'the 3rd span is exported starting 1 s before its parent',
  'status': 'the 3rd span is exported with status error',
  'drop': 'the 3rd span is not exported',
  'extra': 'the 3rd span is exported twice (under a second span id)',
  'raw-id': 'the 3rd span id is taken as uppercase hex',
  'no-start': 'the 3rd on-start is not recorded (its end is refused)',
  'late-end': 'the 1st on-end is recorded after the 2nd',
  'observe-no-drop': 'wasi-observe: the resource drops are not recorded',
  'close-open': 'the spans still open when the run is over are exported (ended by the host)',
  'trace-state': 'the 3rd span is exported with a trace-state of its own',
  'shim-counter': 'the 3rd span is exported with wasm.shim.unwound_spans 1',
};

function die(msg) {
  process.stderr.write(`host: ${msg}\n`);
  process.exit(2);
}

// ---- command line --------------------------------------------------------------
const opts = { otlp: null, report: null, jsDir: null, processor: 'batch', fault: null, outer: 'host', calls: [] };
const argv = process.argv.slice(2);
while (argv.length && argv[0].startsWith('--')) {
  const o = argv.shift();
  const v = argv.shift();
  if (v === undefined) die(`${o} needs a value`);
  if (o === '--otlp') opts.otlp = v;
  else if (o === '--report') opts.report = v;
  else if (o === '--js-dir') opts.jsDir = v;
  else if (o === '--processor' && (v === 'batch' || v === 'simple')) opts.processor = v;
  else if (o === '--fault' && v in FAULTS) opts.fault = v;
  else if (o === '--call') opts.calls.push(v.split(' '));
  else if (o === '--outer' && ['host', 'tracestate', 'invalid', 'zero'].includes(v)) opts.outer = v;
  else die(`bad option ${o} ${v}`);
}
const [componentPath, ...progArgs] = argv;
if (!componentPath) die('usage: host.mjs [--otlp URL] [--report FILE] [--js-dir DIR] COMPONENT.wasm [args...]');

// ---- the record (--report) --------------------------------------------------------
const report = {
  link: null, exitCode: null, trap: null, hostSpan: null, outerCalls: 0,
  starts: 0, ends: 0, exported: 0, exportFailures: 0, seq: [], open: [],
  counts: {
    endWithoutStart: 0, duplicateStart: 0, contextChanged: 0, badRawId: 0, badAttribute: 0,
    notInnermost: 0, useAfterEnd: 0, droppedOpen: 0, unknownKind: 0,
  },
  samples: [],
};

// ---- the SDK ---------------------------------------------------------------------
const resource = resourceFromAttributes({
  'service.name': 'wasm-instrument-component-otel-test',
  'component.file': path.basename(componentPath),
});
// The exporter drops (FAILED, "Concurrent export limit reached") what comes while
// 30 requests are pending (concurrencyLimit's default). The component runs
// synchronously, so no timer of the span processor fires during the run: the
// SimpleSpanProcessor starts one request per span, and the BatchSpanProcessor's
// forceFlush sends every batch at once (221,755 spans of a StarlingMonkey
// component: 433 requests, 403 of them dropped). Hence no limit here; failed
// exports are counted in the report.
const exporter = opts.otlp
  ? new OTLPTraceExporter({ url: opts.otlp, timeoutMillis: 30000, concurrencyLimit: 1 << 20 })
  : null;
if (exporter) {
  const exportBatch = exporter.export.bind(exporter);
  exporter.export = (batch, done) => exportBatch(batch, (result) => {
    if (result.code !== 0) {
      report.exportFailures += batch.length;
      if (report.samples.length < 20) report.samples.push(`export failed: ${result.error?.message ?? result.code}`);
    }
    done(result);
  });
}
const processor = exporter
  ? opts.processor === 'simple'
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 20, maxExportBatchSize: 512, scheduledDelayMillis: 200 })
  : null;
const provider = new BasicTracerProvider({ resource, spanProcessors: processor ? [processor] : [] });
const hostTracer = provider.getTracer('component-otel-test-host', '1');
const observeTracer = provider.getTracer('wasi:observe/tracer guest');

function violation(kind, detail) {
  report.counts[kind]++;
  if (report.samples.length < 20) report.samples.push(`${kind}: ${detail}`);
}

// ---- conversions -------------------------------------------------------------------
const KINDS = {
  client: SpanKind.CLIENT, server: SpanKind.SERVER, producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL,
};
const kindOf = (k) => {
  if (k in KINDS) return KINDS[k];
  violation('unknownKind', String(k));
  return SpanKind.INTERNAL;
};
const rawIdOk = (id, digits) => typeof id === 'string' && id.length === digits && /^[0-9a-f]+$/.test(id) && /[1-9a-f]/.test(id);
// wasi:clocks datetime -> HrTime [seconds, nanoseconds]
const hrOf = (dt) => [Number(dt.seconds), dt.nanoseconds];
const nsOf = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();
// list<tuple<string, string>>, leftmost (most recent) first, as in the header
function traceStateOf(list) {
  return new TraceState((list ?? []).map(([k, v]) => `${k}=${v}`).join(','));
}
// A wasi-otel attribute value: JSON of an AnyValue (types.wit). Returns
// undefined (and counts) for what an OTel attribute cannot hold.
function decodeOtelValue(key, json) {
  let v;
  try {
    v = JSON.parse(json);
  } catch {
    violation('badAttribute', `${key}: not JSON: ${json}`);
    return undefined;
  }
  const prim = (x) => ['string', 'number', 'boolean'].includes(typeof x);
  if (prim(v)) return v;
  if (Array.isArray(v) && v.every((x) => prim(x) && typeof x === typeof v[0])) return v;
  violation('badAttribute', `${key}: not a primitive or homogeneous array: ${json}`);
  return undefined;
}
function otelAttributes(list) {
  const out = {};
  for (const { key, value } of list) {
    const v = decodeOtelValue(key, value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
// wasi:observe value variant -> an attribute value
function observeValue(v) {
  const big = (x) => (typeof x === 'bigint' ? Number(x) : x);
  switch (v?.tag) {
    case 'string': case 'bool': case 'float64': return v.val;
    case 's64': return big(v.val);
    case 'string-array': case 'bool-array': case 'float64-array': return [...v.val];
    case 's64-array': return [...v.val].map(big);
    default:
      violation('badAttribute', `unknown value ${JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? String(x) : x))}`);
      return undefined;
  }
}
function observeAttributes(list) {
  const out = {};
  for (const { key, value } of list ?? []) {
    const v = observeValue(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
function statusOf(s) {
  if (s?.tag === 'ok') return { code: SpanStatusCode.OK };
  if (s?.tag === 'error') return { code: SpanStatusCode.ERROR, message: s.val };
  return { code: SpanStatusCode.UNSET };
}
const flagsOf = (f) => (f?.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);

// ---- the host span -------------------------------------------------------------------
let hostSpan = null;
function hostContextForGuest() {
  if (opts.outer === 'invalid') return { traceId: 'not a trace id', spanId: 'XYZ', traceFlags: { sampled: true }, isRemote: false, traceState: [] };
  if (opts.outer === 'zero') return { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: {}, isRemote: false, traceState: [] };
  const c = hostSpan.spanContext();
  const traceState = (c.traceState?.serialize() ?? '').split(',').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
  return { traceId: c.traceId, spanId: c.spanId, traceFlags: { sampled: (c.traceFlags & TraceFlags.SAMPLED) !== 0 }, isRemote: false, traceState };
}

// ---- wasi:otel/tracing ------------------------------------------------------------------
const started = new Map(); // span id -> { traceId, flags, index }
let startIndex = 0;
let endCount = 0;
let pendingLateEnd = null;

function exportSpan(rs) {
  report.exported++;
  if (processor) processor.onEnd(rs);
}

const otelHost = {
  outerSpanContext() {
    report.link ??= 'wasi-otel';
    report.outerCalls++;
    return hostContextForGuest();
  },
  onStart(ctx) {
    report.link ??= 'wasi-otel';
    report.starts++;
    startIndex++;
    let spanId = ctx.spanId;
    if (opts.fault === 'raw-id' && startIndex === 3) spanId = spanId.toUpperCase();
    if (!rawIdOk(ctx.traceId, 32)) violation('badRawId', `on-start trace id ${JSON.stringify(ctx.traceId)}`);
    if (!rawIdOk(spanId, 16)) violation('badRawId', `on-start span id ${JSON.stringify(spanId)}`);
    if (opts.fault === 'no-start' && startIndex === 3) return;
    if (started.has(ctx.spanId)) {
      violation('duplicateStart', ctx.spanId);
      return;
    }
    started.set(ctx.spanId, { traceId: ctx.traceId, flags: flagsOf(ctx.traceFlags), index: startIndex });
    report.seq.push(`s ${ctx.spanId}`);
  },
  onEnd(data) {
    report.link ??= 'wasi-otel';
    const sc = data.spanContext;
    const start = started.get(sc.spanId);
    if (!start) {
      // Spin: "Trying to end a span that was not started" (an error: the guest traps).
      violation('endWithoutStart', `${sc.spanId} ${data.name}`);
      return;
    }
    started.delete(sc.spanId);
    if (start.traceId !== sc.traceId || start.flags !== flagsOf(sc.traceFlags)) {
      violation('contextChanged', `${sc.spanId} ${data.name}: started in ${start.traceId}/${start.flags}, ended in ${sc.traceId}/${flagsOf(sc.traceFlags)}`);
      return;
    }
    report.ends++;
    endCount++;
    const entry = `e ${sc.spanId} ${data.parentSpanId || '-'}`;
    if (opts.fault === 'late-end' && endCount === 1) pendingLateEnd = entry;
    else {
      report.seq.push(entry);
      if (pendingLateEnd) { report.seq.push(pendingLateEnd); pendingLateEnd = null; }
    }
    if (!rawIdOk(sc.traceId, 32)) violation('badRawId', `on-end trace id ${JSON.stringify(sc.traceId)}`);
    if (!rawIdOk(sc.spanId, 16)) violation('badRawId', `on-end span id ${JSON.stringify(sc.spanId)}`);
    if (data.parentSpanId !== '' && !rawIdOk(data.parentSpanId, 16)) violation('badRawId', `parent span id ${JSON.stringify(data.parentSpanId)}`);

    const nth = endCount;
    const third = nth === 3;
    let traceId = sc.traceId;
    if (opts.fault === 'trace-id' && third) traceId = 'f'.repeat(32);
    let parent = data.parentSpanId;
    if (opts.fault === 'parent' && third) parent = '0123456789abcdef';
    if (opts.fault === 'root-parent' && data.spanKind === 'server') parent = '';
    let kind = kindOf(data.spanKind);
    if (opts.fault === 'kind' && third) kind = SpanKind.PRODUCER;
    let name = data.name;
    if (opts.fault === 'name' && third) name += '_renamed';
    const attributes = otelAttributes(data.attributes);
    if (opts.fault === 'attr-index' && 'wasm.function.index' in attributes) attributes['wasm.function.index'] = String(attributes['wasm.function.index']);
    if (opts.fault === 'attr-site-kind' && third) attributes['wasm.site.kind'] = 'import';
    if (opts.fault === 'shim-counter' && third) attributes['wasm.shim.unwound_spans'] = 1;
    let startTime = hrOf(data.startTime);
    let endTime = hrOf(data.endTime);
    if (opts.fault === 'time' && third) [startTime, endTime] = [endTime, startTime];
    if (opts.fault === 'nest-time' && third) startTime = [startTime[0] - 1, startTime[1]];
    let status = statusOf(data.status);
    if (opts.fault === 'status' && third) status = { code: SpanStatusCode.ERROR, message: 'fault' };
    const scope = data.instrumentationScope;
    let traceState = traceStateOf(sc.traceState);
    if (opts.fault === 'trace-state' && third) traceState = traceState.set('fault', '1');
    const ctx = { traceId, spanId: sc.spanId, traceFlags: flagsOf(sc.traceFlags), isRemote: sc.isRemote, traceState };
    const rs = {
      name,
      kind,
      spanContext: () => ctx,
      parentSpanContext: parent ? { traceId, spanId: parent, traceFlags: ctx.traceFlags, isRemote: false } : undefined,
      startTime,
      endTime,
      status,
      attributes,
      links: data.links.map((l) => ({
        context: { traceId: l.spanContext.traceId, spanId: l.spanContext.spanId, traceFlags: flagsOf(l.spanContext.traceFlags), isRemote: l.spanContext.isRemote, traceState: traceStateOf(l.spanContext.traceState) },
        attributes: otelAttributes(l.attributes),
      })),
      events: data.events.map((e) => ({ name: e.name, time: hrOf(e.time), attributes: otelAttributes(e.attributes) })),
      duration: hrTimeDuration(startTime, endTime),
      ended: true,
      resource,
      instrumentationScope: {
        name: scope.name,
        version: opts.fault === 'scope' ? undefined : scope.version ?? undefined,
        schemaUrl: scope.schemaUrl ?? undefined,
      },
      droppedAttributesCount: data.droppedAttributes,
      droppedEventsCount: data.droppedEvents,
      droppedLinksCount: data.droppedLinks,
    };
    if (opts.fault === 'drop' && third) return;
    exportSpan(rs);
    if (opts.fault === 'extra' && third) {
      const other = { ...ctx, spanId: 'abcdefabcdef0123' };
      exportSpan({ ...rs, spanContext: () => other });
    }
  },
};

// ---- wasi:observe/tracer ------------------------------------------------------------------
const observeOpen = []; // open Span resources, innermost last
let nextHandle = 1;
class Span {
  constructor(name, options) {
    this.handle = nextHandle++;
    this.ended = false;
    this.dropped = false;
    const parent = !options?.newRoot && observeOpen.length ? observeOpen[observeOpen.length - 1].sdk : hostSpan;
    const links = (options?.links ?? []).map((l) => ({
      context: { traceId: l.spanContext.traceId, spanId: l.spanContext.spanId, traceFlags: flagsOf(l.spanContext.traceFlags), isRemote: l.spanContext.isRemote },
      attributes: observeAttributes(l.attributes),
    }));
    const ctx = options?.newRoot ? trace.deleteSpan(context.active()) : trace.setSpan(context.active(), parent);
    let kind = options?.spanKind !== undefined ? kindOf(options.spanKind) : SpanKind.INTERNAL;
    if (opts.fault === 'kind' && this.handle === 3) kind = SpanKind.PRODUCER;
    this.sdk = observeTracer.startSpan(name, {
      kind,
      attributes: observeAttributes(options?.attributes),
      links,
      // The SDK's default start is Date.now() and its end that plus a
      // performance.now() duration: a wall clock step between a parent's
      // start and a child's put the child outside its parent. One clock here.
      startTime: options?.timestamp ? hrOf(options.timestamp) : hrTime(),
    }, ctx);
    const sc = this.sdk.spanContext();
    report.starts++;
    report.seq.push(`s ${this.handle} ${sc.spanId}`);
    observeOpen.push(this);
  }
  spanContext() {
    const c = this.sdk.spanContext();
    return { traceId: c.traceId, spanId: c.spanId, traceFlags: { sampled: (c.traceFlags & 1) === 1 }, isRemote: false, traceState: [] };
  }
  isRecording() { return this.sdk.isRecording(); }
  setAttributes(list) { this.sdk.setAttributes(observeAttributes(list)); }
  addEvent(name, timestamp, attributes) { this.sdk.addEvent(name, observeAttributes(attributes), timestamp ? hrOf(timestamp) : undefined); }
  addLink(l) { this.sdk.addLink({ context: { traceId: l.spanContext.traceId, spanId: l.spanContext.spanId, traceFlags: flagsOf(l.spanContext.traceFlags) }, attributes: observeAttributes(l.attributes) }); }
  setStatus(status) {
    if (this.ended) violation('useAfterEnd', `set-status on ended span ${this.handle}`);
    report.seq.push(`x ${this.handle} ${status.tag}${status.tag === 'error' ? `:${status.val}` : ''}`);
    this.sdk.setStatus(statusOf(status));
  }
  updateName(name) { this.sdk.updateName(name); }
  end(timestamp) {
    if (this.ended) {
      violation('useAfterEnd', `second end of span ${this.handle}`);
      return;
    }
    const i = observeOpen.lastIndexOf(this);
    if (i !== observeOpen.length - 1) violation('notInnermost', `span ${this.handle} ended with ${observeOpen.length - 1 - i} spans open inside it`);
    if (i >= 0) observeOpen.splice(i, 1);
    this.ended = true;
    report.ends++;
    report.seq.push(`e ${this.handle}`);
    report.exported++;
    this.sdk.end(timestamp ? hrOf(timestamp) : hrTime());
  }
  [Symbol.dispose]() {
    if (this.dropped) return;
    this.dropped = true;
    if (opts.fault !== 'observe-no-drop') report.seq.push(`d ${this.handle}`);
    if (!this.ended) {
      violation('droppedOpen', `span ${this.handle} dropped before it ended`);
      this.end(undefined);
    }
  }
}
const observeHost = {
  Span,
  start(name, options) {
    report.link ??= 'wasi-observe';
    return new Span(name, options);
  },
};

// ---- transpile, instantiate, run ------------------------------------------------------------
class ExitCall extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const bytes = new Uint8Array(fs.readFileSync(componentPath));
const outDir = opts.jsDir || fs.mkdtempSync(path.join(os.tmpdir(), 'component-otel-js-'));
let instantiate;
try {
  instantiate = await transpiled(transpile, bytes, outDir);
} catch (e) {
  die(`jco transpile failed: ${e.message ?? e}`);
}

const shim = new WASIShim({ sandbox: { args: [path.basename(componentPath), ...progArgs], env: {} } });
const imports = shim.getImportObject();
imports['wasi:cli/exit'] = {
  exit(status) { throw new ExitCall(status?.tag === 'err' ? 1 : 0); },
  exitWithCode(code) { throw new ExitCall(code); },
};
imports.log = {
  default(x) {
    process.stdout.write(`log ${x}\n`);
    if (x === 7) throw new Error('log(7) fails');
    if (x === 9) process.stdout.write(`callback run(5) = ${JSON.stringify(instanceForCallbacks.run(5))}\n`);
  },
};
let instanceForCallbacks = null;
imports[OTEL] = otelHost;
imports[OBSERVE] = observeHost;

// --outer tracestate: the host span continues a remote caller's trace (the W3C
// Trace Context example traceparent, with a tracestate of our own).
const remoteParent = opts.outer === 'tracestate'
  ? trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED,
    isRemote: true, traceState: new TraceState('wasmtest=t61rcWkgMzE,congo=ucfJifl5GOE'),
  })
  : context.active();
hostSpan = hostTracer.startSpan('wasi:cli/run', {
  kind: SpanKind.SERVER,
  attributes: { 'component.file': path.basename(componentPath) },
}, remoteParent);
let code = 0;
try {
  const instance = await instantiate(coreModuleLoader(outDir), imports);
  instanceForCallbacks = instance;
  if (opts.calls.length) {
    for (const [fnName, ...fnArgs] of opts.calls) {
      const fn = instance[fnName];
      if (typeof fn !== 'function') die(`the component exports no function ${fnName}`);
      try {
        process.stdout.write(`${fnName}(${fnArgs.join(', ')}) = ${JSON.stringify(fn(...fnArgs.map(Number)))}\n`);
      } catch (e) {
        if (e instanceof ExitCall) throw e;
        process.stdout.write(`${fnName}(${fnArgs.join(', ')}): error: ${e?.message ?? e}\n`);
        if (e instanceof WebAssembly.RuntimeError) report.trap = e.message;
      }
    }
  } else {
    const run = instance.run ?? Object.values(instance).find((v) => typeof v?.run === 'function');
    if (!run) die('the component exports no wasi:cli/run');
    run.run();
  }
} catch (e) {
  if (e instanceof ExitCall) {
    code = e.code;
  } else if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    process.stderr.write(`trap: ${e.message}\n`);
    report.trap = e.message;
    code = TRAP_EXIT;
  } else if (e?.payload !== undefined || e?.constructor?.name === 'ComponentError') {
    code = 1; // run returned err
  } else {
    process.stderr.write(`host: ${e?.stack ?? e}\n`);
    code = 2;
  }
}
hostSpan.setAttribute('process.exit.code', code);
if (code !== 0) hostSpan.setStatus({ code: SpanStatusCode.ERROR, message: `exit ${code}` });
hostSpan.end();
if (pendingLateEnd) report.seq.push(pendingLateEnd);

const hs = hostSpan;
report.hostSpan = {
  traceId: hs.spanContext().traceId,
  spanId: hs.spanContext().spanId,
  startNs: nsOf(hs.startTime),
  endNs: nsOf(hs.endTime),
};
report.open = [...started.keys()].concat(observeOpen.map((s) => `${s.handle} ${s.sdk.spanContext().spanId}`));
if (opts.fault === 'close-open') {
  for (const [spanId, s] of started) {
    const ctx = { traceId: s.traceId, spanId, traceFlags: s.flags, isRemote: false };
    exportSpan({
      name: '(open)', kind: SpanKind.INTERNAL, spanContext: () => ctx, parentSpanContext: hostSpan.spanContext(),
      startTime: hs.endTime, endTime: hs.endTime, status: { code: SpanStatusCode.UNSET }, attributes: {},
      links: [], events: [], duration: [0, 0], ended: true, resource, instrumentationScope: { name: 'wasm-instrument' },
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
    });
  }
  for (const s of [...observeOpen].reverse()) s.end(undefined);
}
report.exitCode = code;
try {
  await provider.forceFlush();
  await provider.shutdown();
} catch (e) {
  process.stderr.write(`host: export failed: ${e?.message ?? e}\n`);
  code = 2;
}
if (opts.report) fs.writeFileSync(opts.report, `${JSON.stringify(report, null, 1)}\n`);
process.exitCode = code;
