// The module's spans inside the application's own OpenTelemetry traces
// (createRecorder's `openTelemetry` option, the preload's WASM_OBSERVE_OTEL=1),
// through the public API of @opentelemetry/api only:
// - the outer context: when the recorder opens a root frame (an export called
//   from JS), writeOuterContext gives it the application's active span
//   (api.context.active()), which becomes the parent of the module's root
//   span; its trace id is the trace's, its sampled flag decides whether the
//   module's spans of that call are recorded (wasm_observe.h, outer_context);
// - the exporter: each finished span becomes a span of the application's
//   tracer provider, `tracer.startSpan(name, { kind, startTime, attributes },
//   parentContext)` then `span.end(endTime)`, so it goes through the
//   application's span processors and exporters. The SDK gives its own span
//   ids, so the recorder's ids are mapped to the SDK spans still open. Spans
//   come in the order they end (a child before its parent): a span's parent,
//   when it has not been started yet, is started first, at its recorded start
//   time (from later in the same batch, or from the recorder's open spans),
//   and ended when its own record comes.
// The API package is the application's (an optional peer dependency of this
// package): the same global tracer provider and context manager.
import { createRequire } from 'node:module';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { WasmObserveError, SITE_EXPORT, SITE_IMPORT } from './observe-common.mjs';

const VERSION = createRequire(import.meta.url)('./package.json').version;
export const TRACER_NAME = 'wasm-observe';

// The directories the application's packages are resolved from: the current
// directory, then the main script's.
function applicationDirs() {
  const dirs = [process.cwd()];
  if (process.argv[1]) dirs.push(path.dirname(path.resolve(process.argv[1])));
  return dirs;
}

// @opentelemetry/api as the application has it installed. Throws a
// WasmObserveError (INVALID_ARGUMENT) saying where it looked when it is not
// found.
export function loadOpenTelemetryApi(dirs = applicationDirs()) {
  for (const dir of dirs) {
    try {
      return createRequire(path.join(dir, 'package.json'))('@opentelemetry/api');
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new WasmObserveError('INVALID_ARGUMENT',
    `openTelemetry: @opentelemetry/api is not installed for the application (looked from ${dirs.join(', ')}); install it, or pass the API module as the option`);
}

// `option`: true (the application's @opentelemetry/api) or the API module.
export function resolveOpenTelemetryApi(option) {
  const api = option === true ? loadOpenTelemetryApi() : option;
  const usable = api && api.trace && api.context && typeof api.trace.getTracer === 'function' &&
    typeof api.trace.getSpanContext === 'function' && typeof api.trace.setSpanContext === 'function' &&
    typeof api.trace.setSpan === 'function' && typeof api.context.active === 'function' &&
    api.ROOT_CONTEXT && api.SpanKind && api.SpanStatusCode;
  if (!usable) throw new WasmObserveError('INVALID_ARGUMENT', 'openTelemetry: true, or the @opentelemetry/api module');
  return api;
}

const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

function hexInto(out, at, hex, bytes) {
  for (let i = 0; i < bytes; i++) out[at + i] = HEX[hex.charCodeAt(2 * i) & 127] << 4 | HEX[hex.charCodeAt(2 * i + 1) & 127];
}

const word = (w) => w.toString(16).padStart(8, '0');

// Maps a recorder span id (two 32-bit words, hi and lo) to a value, exactly,
// without making a string per lookup (which made this path 3x slower): keyed
// by the id's low 53 bits (a Number), the value's own high word (hiOf) telling
// apart the ids that share them (a pair in 2^53), which go to a second map
// keyed by the whole id as a string.
class IdMap {
  constructor(hiOf) {
    this.hiOf = hiOf;
    this.main = new Map();
    this.rare = null;
  }
  get(hi, lo) {
    const v = this.main.get((hi & 0x1fffff) * 4294967296 + lo);
    if (v !== undefined && this.hiOf(v) === hi) return v;
    return this.rare === null ? undefined : this.rare.get(`${hi}:${lo}`);
  }
  set(hi, lo, value) {
    const k = (hi & 0x1fffff) * 4294967296 + lo;
    const v = this.main.get(k);
    if (v === undefined || this.hiOf(v) === hi) this.main.set(k, value);
    else (this.rare ??= new Map()).set(`${hi}:${lo}`, value);
  }
  delete(hi, lo) {
    const k = (hi & 0x1fffff) * 4294967296 + lo;
    const v = this.main.get(k);
    if (v !== undefined && this.hiOf(v) === hi) this.main.delete(k);
    else if (this.rare !== null) this.rare.delete(`${hi}:${lo}`);
  }
  get size() { return this.main.size + (this.rare === null ? 0 : this.rare.size); }
  values() { return [...this.main.values(), ...(this.rare === null ? [] : this.rare.values())]; }
  clear() { this.main.clear(); this.rare = null; }
}

// The index of each span of `b` (a batch, or the open spans) by id.
function indexOf(b, count) {
  const index = new IdMap((j) => b.spanId[2 * j]);
  for (let j = 0; j < count; j++) index.set(b.spanId[2 * j], b.spanId[2 * j + 1], j);
  return index;
}

// A recorder id (two or four 32-bit words at `i` in `words`) as hex.
const spanHex = (words, i) => word(words[2 * i]) + word(words[2 * i + 1]);
const traceHex = (words, i) => word(words[4 * i]) + word(words[4 * i + 1]) + word(words[4 * i + 2]) + word(words[4 * i + 3]);

// `maxOpen`: the most spans kept started but not ended (the recorder's open
// spans are at most its max depth; a batch adds its own parents): past it a
// parent is not started and its child is parented to the parent's ids only
// (counted in parentsDropped).
export function createOpenTelemetryBridge(api, { maxOpen = 4096 + 512 } = {}) {
  const tracer = api.trace.getTracer(TRACER_NAME, VERSION);
  const { ROOT_CONTEXT, SpanKind, SpanStatusCode } = api;
  const UNWOUND = { code: SpanStatusCode.ERROR, message: 'unwound: the span did not end through its exit' };
  // spans: handed to the tracer; parentsStartedEarly: started before their
  // own record came (openSpansReads: of them, found among the recorder's
  // open spans, read so many times); parentsDropped: past maxOpen;
  // endedAtClose: still started at close (none, unless something was lost)
  const stats = { spans: 0, parentsStartedEarly: 0, openSpansReads: 0, parentsDropped: 0, endedAtClose: 0 };

  // The outer span contexts given to the recorder lately, by span id: a root
  // span's parent context is the one given (its trace state, isRemote), not
  // only its ids. Bounded: the oldest go first.
  const outerContexts = new Map();
  const OUTER_CONTEXTS = 256;

  // The active span's ids into a wo_outer_context (glue.c): 1, or 0 when no
  // valid span is active.
  function writeOuterContext(out) {
    const sc = api.trace.getSpanContext(api.context.active());
    if (!sc || (api.trace.isSpanContextValid && !api.trace.isSpanContextValid(sc))) return 0;
    if (!outerContexts.has(sc.spanId)) {
      if (outerContexts.size >= OUTER_CONTEXTS) outerContexts.delete(outerContexts.keys().next().value);
      outerContexts.set(sc.spanId, sc);
    }
    hexInto(out, 0, sc.traceId, 16);
    hexInto(out, 16, sc.spanId, 8);
    out[24] = sc.traceFlags & 1;
    return 1;
  }

  // openSpans(): the recorder's open spans as a batch-like object
  // { count, traceId, spanId, parentSpanId, site, start }, valid until the
  // next call into the recorder.
  function exporter(openSpans) {
    // recorder span id -> { hi (the id's high word), span (the SDK's, started,
    // not ended), context (with it as the active span; made once for all its
    // children) }
    const open = new IdMap((e) => e.hi);
    const kept = [];        // per site: { name, kind, attributes }
    let sites = [];
    let baseSec = 0, baseNs = 0, resourceStart = -1n;

    function siteInfo(s) {
      let k = kept[s];
      if (!k) {
        const site = sites[s];
        const attributes = { 'code.function.name': site.name, 'wasm.function.index': site.functionIndex };
        if (site.symbol) attributes['wasm.function.symbol'] = site.symbol;
        if (site.kind === SITE_IMPORT) {
          attributes['wasm.import.module'] = site.module;
          attributes['wasm.import.name'] = site.field;
        } else if (site.kind === SITE_EXPORT) {
          attributes['wasm.export.name'] = site.field;
        }
        attributes['thread.id'] = threadId;
        const kind = site.kind === SITE_EXPORT ? SpanKind.SERVER : site.kind === SITE_IMPORT ? SpanKind.CLIENT : SpanKind.INTERNAL;
        k = kept[s] = { name: site.name, kind, attributes };
      }
      return k;
    }
    // ns since the recorder began as an HrTime [s, ns]
    const hrTime = (ns) => {
      const t = baseNs + ns;
      return [baseSec + Math.floor(t / 1e9), t % 1e9];
    };

    // Per batch: its spans' index by key and the recorder's open spans, each
    // read at most once, when a parent is not started yet.
    let batch = null, count = 0, index = null, stack = null, stackIndex = null;

    function parentContext(src, i) {
      const hi = src.parentSpanId[2 * i], lo = src.parentSpanId[2 * i + 1];
      if (hi === 0 && lo === 0) return ROOT_CONTEXT;
      const started = open.get(hi, lo);
      if (started) return started.context ??= api.trace.setSpan(ROOT_CONTEXT, started.span);
      index ??= indexOf(batch, count);
      let from = null, j = index.get(hi, lo);
      if (j !== undefined) {
        from = batch;
      } else {
        if (!stack) {
          stack = openSpans();
          stats.openSpansReads++;
          stackIndex = indexOf(stack, stack.count);
        }
        j = stackIndex.get(hi, lo);
        if (j !== undefined) from = stack;
      }
      if (from && open.size < maxOpen) {
        const entry = { hi, span: start(from, j), context: null };
        open.set(hi, lo, entry);
        stats.parentsStartedEarly++;
        return entry.context = api.trace.setSpan(ROOT_CONTEXT, entry.span);
      }
      if (from) stats.parentsDropped++;
      // the outer context's span (the application's): the root's parent
      const spanId = spanHex(src.parentSpanId, i), traceId = traceHex(src.traceId, i);
      const given = outerContexts.get(spanId);
      return api.trace.setSpanContext(ROOT_CONTEXT, given && given.traceId === traceId ? given
        : { traceId, spanId, traceFlags: 1, isRemote: false });
    }

    function start(src, i) {
      const { name, kind, attributes } = siteInfo(src.site[i]);
      return tracer.startSpan(name, { kind, startTime: hrTime(src.start[i]), attributes }, parentContext(src, i));
    }

    return {
      exportSpans(resource, b, n) {
        if (resource.startUnixNs !== resourceStart) {
          // The spans' times as the recorder took them: its wall clock (the
          // start's CLOCK_REALTIME plus its monotonic clock since), which is
          // the SDK's (sdk-trace-base starts a span at Date.now() and ends it
          // that plus performance.now()'s duration), within some 50 us. Not
          // performance.timeOrigin + performance.now() (which drifts from
          // Date.now() by a millisecond or more), and not a pair of readings
          // of both clocks, which a pause between the two (a GC, a compile:
          // 5 to 13 ms seen) throws off for the recorder's life.
          resourceStart = resource.startUnixNs;
          baseSec = Number(resourceStart / 1000000000n);
          baseNs = Number(resourceStart % 1000000000n);
        }
        if (b.sites !== sites) { sites = b.sites; kept.length = 0; }
        batch = b; count = n; index = null; stack = null; stackIndex = null;
        try {
          for (let i = 0; i < n; i++) {
            const hi = b.spanId[2 * i], lo = b.spanId[2 * i + 1];
            const entry = open.size === 0 ? undefined : open.get(hi, lo);
            let span;
            if (entry) {
              open.delete(hi, lo);
              span = entry.span;
            } else {
              span = start(b, i);
            }
            if (b.error[i]) span.setStatus(UNWOUND);
            span.end(hrTime(b.start[i] + b.duration[i]));
            stats.spans++;
          }
        } finally {
          batch = null; index = null; stack = null; stackIndex = null;
        }
      },
      // After the recorder's finish every span has come; anything still
      // started is ended now (it cannot happen unless the recorder dropped a
      // parent it had listed as open).
      close() {
        for (const { span } of open.values()) { span.setStatus(UNWOUND); span.end(); stats.endedAtClose++; }
        open.clear();
      },
      stats: () => ({ ...stats, open: open.size }),
    };
  }

  return { writeOuterContext, exporter };
}
