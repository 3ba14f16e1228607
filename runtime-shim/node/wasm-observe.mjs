// wasm-observe for Node.js (V8): the host side of wasm-instrument's hook
// contract (docs/hook-contract.md) in JavaScript, with the semantics and
// output formats of the C library (runtime-shim/include/wasm_observe.h):
//
//   import { createRecorder, otlpJsonLinesExporter, chromeTraceExporter } from './wasm-observe.mjs';
//   const rec = createRecorder({ serviceName: 'checkout', moduleName: 'app.wasm',
//                                record: RECORD_SPANS | RECORD_PROFILE,
//                                exporters: [otlpJsonLinesExporter('trace.jsonl'),
//                                            chromeTraceExporter('trace.json')] });
//   rec.loadSites(bytes);                      // or a WebAssembly.Module
//   const instance = new WebAssembly.Instance(module, { ...rec.hooks(), ...other });
//   ... run; after a trap the host caught: rec.unwind();
//   rec.finish();                              // closes what is open (error status), exports, flushes
//   fs.writeFileSync('out.folded', rec.folded());  // self time in ns per call path
//   process.stderr.write(rec.summary(20));
//   rec.close();                               // closes the exporters' files
//
// Semantics (the same as wo_enter / wo_exit / wo_unwind / wo_recorder_finish):
// - a root enter (empty stack) starts a new trace; the sampling decision is
//   taken there (head sampling, `sampleRatio`);
// - an exit whose id is not the top of the stack but is open deeper closes the
//   frames above it as unwound (error status), then its own frame normally;
//   an exit of an id that is not open at all is counted (exitsUnmatched) and
//   ignored; an exit on an empty stack is counted (exitsWithoutEnter);
// - ids outside the site table are counted (unknownIds) and ignored;
// - enters beyond `maxDepth` (default 4096) are counted (depthOverflows), not
//   recorded, and their exits are swallowed;
// - spans shorter than `minDurationNs` are dropped (spansFiltered);
// - the clock is read last in enter and first in exit, so the hook's own cost
//   stays outside the span.
// One recorder is one stack: JS runs a module on one thread (a worker gets its
// own recorder), so `thread.id` is always 0.
//
// Hot path: the stack, the profile tree and the span batch live in
// preallocated typed arrays; a hook call allocates nothing except the BigInt
// that process.hrtime.bigint() returns. Finished spans are handed to the
// exporters in batches of `batchSize` (default 512). With `profileTiming:
// 'sampled'` (profile only) the hooks read no clock at all: they keep the call
// tree and exact call counts, and a sampling thread estimates the times (see
// createRecorder).

import fs from 'node:fs';
import crypto from 'node:crypto';
import { wasm32RecorderModule, createWasm32Recorder } from './wasm32-recorder.mjs';
import { encodeOtlpJson, jsonString } from './otlp-json.mjs';
import { SITES_SECTION, SiteTableError, decodeSiteTable, moduleRefs, compiledModuleRefs, Reader as ByteReader } from './site-table.mjs';
import { createSampledRecorder } from './sampled-recorder.mjs';
import { resolveOpenTelemetryApi } from './otel-api-bridge.mjs';
export { jsonString };
export { otlpHttpExporter } from './otlp-http.mjs'; // OTLP/HTTP to a collector

export const HOOK_MODULE = 'wasm-instrument:hooks/trace@0.1.0';
export const OBSERVE_SDK_MODULE = 'dylibso:observe/instrument';
export { SITES_SECTION };

export const RECORD_SPANS = 1;
export const RECORD_PROFILE = 2;

export const SITE_FUNCTION = 0;
export const SITE_IMPORT = 1;
export const SITE_EXPORT = 2;

export const KIND_INTERNAL = 1;
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;

export const DEFAULT_MAX_DEPTH = 4096;
// The span budget (wasm_observe.h, "The span budget"): spans exported a second
// and the burst above that, and the size limit of each trace file, with the
// reserve kept for the spans already open once a file says it is full.
export const DEFAULT_SPAN_RATE = 10000;
export const DEFAULT_SPAN_BURST = 200000;
export const DEFAULT_FILE_MAX_BYTES = 256 * 1024 * 1024;
// Muting (wasm_observe.h): a site is muted once it has closed this many calls
// with a mean duration under this many ns.
export const DEFAULT_MUTE_AFTER = 1000;
export const DEFAULT_MUTE_BELOW_NS = 1000;
const FILE_RESERVE_BYTES = 8 * 1024 * 1024;
// What an exporter's exportSpans may return when its output is at its size
// limit: the batch was written but only the open spans' ancestors fit now
// (OUTPUT_FULL), or the batch was dropped whole (OUTPUT_DROPPED).
export const OUTPUT_FULL = 'full';
export const OUTPUT_DROPPED = 'dropped';
const OVER_RATE = 1;
const OVER_SIZE = 2;
const DEFAULT_BATCH = 512;
export const FIRST_STACK = 64;
// Enters beyond maxDepth are not recorded, but the ids of this many are kept
// so that an exit can still be matched against them (recorder_internal.h).
export const OVERFLOW_IDS = 4096;

export class WasmObserveError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // 'NOT_WASM' | 'NO_SITE_TABLE' | 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'INVALID_ARGUMENT'
  }
}

// ---- reading the module --------------------------------------------------------

const utf8 = new TextDecoder('utf-8'); // invalid bytes become U+FFFD

// A reader whose errors are this module's.
const moduleError = (message) => new WasmObserveError('MALFORMED', message);
class Reader extends ByteReader {
  constructor(bytes, start = 0, end = bytes.length) { super(bytes, start, end, moduleError); }
}

function latin1(bytes) { return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'); }

// A site as the C library has it: kind, function index (output module), name
// (display), symbol, module, field; plus `raw`, the display name's bytes as a
// latin1 string (folded stacks copy the name's bytes as they are).
function makeSite(kind, functionIndex, nameBytes, symbol, module, field) {
  return {
    kind,
    functionIndex,
    name: utf8.decode(nameBytes),
    raw: latin1(nameBytes),
    symbol,
    module,
    field,
  };
}

// The site table (versions 1 and 2: site-table.mjs) as the C library's sites;
// `refs`, what a version 2 table names by reference (moduleRefs).
function parseSiteTable(bytes, refs) {
  let table;
  try {
    table = decodeSiteTable(bytes, refs);
  } catch (e) {
    if (e instanceof SiteTableError) throw new WasmObserveError(e.code, e.message);
    throw e;
  }
  return table.sites.map((s) => makeSite(s.kind, s.outputIndex, s.display, utf8.decode(s.symbol), utf8.decode(s.module), utf8.decode(s.field)));
}

// The sections of a module's bytes this file needs (the last custom section of
// a name wins, as in the C reader).
function findSections(bytes) {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) throw new WasmObserveError('NOT_WASM', 'not a core wasm module');
  const r = new Reader(bytes, 8);
  const out = {};
  try {
    while (r.left() > 0) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.left()) throw new WasmObserveError('NOT_WASM', 'section past the end');
      const start = r.p;
      const end = start + size;
      if (id === 2) out.imports = bytes.subarray(start, end);
      else if (id === 3) out.functions = bytes.subarray(start, end);
      else if (id === 0) {
        const s = new Reader(bytes, start, end);
        const name = latin1(s.bytes());
        if (name === SITES_SECTION) out.siteTable = bytes.subarray(s.p, end);
        else if (name === 'name') out.names = bytes.subarray(s.p, end);
      }
      r.p = end;
    }
  } catch (e) {
    if (e instanceof WasmObserveError) throw new WasmObserveError('NOT_WASM', e.message);
    throw e;
  }
  return out;
}

function skipImportDesc(r, kind) {
  switch (kind) {
    case 0: r.u32(); return; // func: type index
    case 1: { r.u8(); const f = r.u32(); r.u32(); if (f & 1) r.u32(); return; } // table
    case 2: { const f = r.u32(); r.u32(); if (f & 1) r.u32(); return; } // memory (memory64 not handled)
    case 3: r.u8(); r.u8(); return; // global: valtype (single byte) + mut
    case 4: r.u8(); r.u32(); return; // tag
    default: throw new WasmObserveError('MALFORMED', `import kind ${kind}`);
  }
}

// observe-sdk modules: ids are function indices, named by the name section.
function functionSpaceSites(imports, definedCount, namesBytes) {
  const sites = [];
  for (const im of imports) {
    sites.push({ kind: SITE_IMPORT, functionIndex: sites.length, symbol: null, module: im.module, field: im.field, nameBytes: null });
  }
  for (let i = 0; i < definedCount; i++) {
    sites.push({ kind: SITE_FUNCTION, functionIndex: sites.length, symbol: null, module: '', field: '', nameBytes: null });
  }
  if (namesBytes) {
    const r = new Reader(namesBytes);
    while (r.left() > 0) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.left()) throw new WasmObserveError('MALFORMED', 'name subsection past the end');
      const end = r.p + size;
      if (id === 1) {
        const sub = new Reader(namesBytes, r.p, end);
        const count = sub.u32();
        for (let i = 0; i < count; i++) {
          const index = sub.u32();
          const name = sub.bytes();
          if (index >= sites.length || sites[index].nameBytes) continue;
          sites[index].nameBytes = name;
          sites[index].symbol = utf8.decode(name);
        }
      }
      r.p = end;
    }
  }
  return sites.map((s, i) => {
    let nameBytes = s.nameBytes;
    if (!nameBytes) {
      nameBytes = Buffer.from(s.kind === SITE_IMPORT ? `${s.module}.${s.field}` : `func[${i}]`, 'utf8');
    }
    return makeSite(s.kind, s.functionIndex, nameBytes, s.symbol ?? '', s.module, s.field);
  });
}

// observe-sdk modules call the hooks with output function indices: a site
// per function (imports first), named by the site table's entries where the
// module has one (wasm-instrument writes it also with --abi observe-sdk),
// else by the name section.
function observeSdkSites(imports, definedCount, namesBytes, table) {
  if (table) for (const s of table) if (s.kind !== SITE_EXPORT) definedCount = Math.max(definedCount, s.functionIndex + 1 - imports.length);
  const sites = functionSpaceSites(imports, definedCount, namesBytes);
  if (table) for (const s of table) if (s.kind !== SITE_EXPORT && s.functionIndex < sites.length) sites[s.functionIndex] = s;
  return sites;
}

function namedHighest(nameBytes) {
  let highest = -1;
  const r = new Reader(nameBytes);
  while (r.left() > 0) {
    const id = r.u8();
    const size = r.u32();
    const end = r.p + size;
    if (id === 1) {
      const sub = new Reader(nameBytes, r.p, end);
      const count = sub.u32();
      for (let i = 0; i < count; i++) { highest = Math.max(highest, sub.u32()); sub.bytes(); }
    }
    r.p = end;
  }
  return highest;
}

// What a version 2 site table names by reference, from the module's bytes; a
// malformed import or export section is a malformed module.
function sectionRefs(bytes) {
  try {
    return moduleRefs(bytes);
  } catch (e) {
    if (e instanceof SiteTableError) throw new WasmObserveError('NOT_WASM', e.message);
    throw e;
  }
}

function usesObserveSdk(imports) {
  return imports.some((d) => d.module === OBSERVE_SDK_MODULE) && !imports.some((d) => d.module === HOOK_MODULE);
}

// The site table of an instrumented module: bytes (Uint8Array, Buffer,
// ArrayBuffer) or a compiled WebAssembly.Module. Returns { sites, abi } where
// abi is 'wasm-instrument' or 'observe-sdk' (the module imports
// dylibso:observe/instrument: ids are function indices).
export function readSites(moduleOrBytes) {
  if (moduleOrBytes instanceof WebAssembly.Module) {
    const mod = moduleOrBytes;
    const tables = WebAssembly.Module.customSections(mod, SITES_SECTION);
    const table = tables.length ? parseSiteTable(new Uint8Array(tables[tables.length - 1]), compiledModuleRefs(mod)) : null;
    const imports = WebAssembly.Module.imports(mod).filter((d) => d.kind === 'function').map((d) => ({ module: d.module, field: d.name }));
    if (table && !usesObserveSdk(imports)) return { sites: table, abi: 'wasm-instrument' };
    const names = WebAssembly.Module.customSections(mod, 'name');
    if (!names.length && !table) throw new WasmObserveError('NO_SITE_TABLE', 'neither a site table nor a name section');
    // Without the bytes the defined-function count is unknown: size the space
    // by the highest named index.
    const nameBytes = names.length ? new Uint8Array(names[names.length - 1]) : null;
    const highest = nameBytes ? namedHighest(nameBytes) : -1;
    return { sites: observeSdkSites(imports, Math.max(0, highest + 1 - imports.length), nameBytes, table), abi: 'observe-sdk' };
  }
  let bytes = moduleOrBytes;
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new WasmObserveError('INVALID_ARGUMENT', 'expected bytes or a WebAssembly.Module');
  const m = findSections(bytes);
  const imports = [];
  if (m.imports) {
    const r = new Reader(m.imports);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const module = utf8.decode(r.bytes());
      const field = utf8.decode(r.bytes());
      const kind = r.u8();
      skipImportDesc(r, kind);
      if (kind === 0) imports.push({ module, field });
    }
  }
  const table = m.siteTable ? parseSiteTable(m.siteTable, sectionRefs(bytes)) : null;
  if (table && !usesObserveSdk(imports)) return { sites: table, abi: 'wasm-instrument' };
  if (!m.names && !table) throw new WasmObserveError('NO_SITE_TABLE', 'neither a site table nor a name section');
  const defined = m.functions ? new Reader(m.functions).u32() : 0;
  return { sites: observeSdkSites(imports, defined, m.names ?? null, table), abi: 'observe-sdk' };
}

// ---- text helpers (the C library's json_text.c; jsonString is in otlp-json.mjs) ----

// Nanoseconds (an integer Number) as exact decimal microseconds: "12.345".
export function micros(ns) {
  const whole = Math.floor(ns / 1000);
  const frac = ns - whole * 1000;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

// Folded-stack frames cannot hold ';' or line breaks (profile.c put_frame).
function foldedFrame(raw) {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    out += c === 0x3b ? ':' : c < 0x20 || c === 0x7f ? '?' : raw[i];
  }
  return out;
}

// ---- exporters --------------------------------------------------------------------
//
// An exporter is { exportSpans(resource, batch, count), flush(), close() }.
// `batch` holds `count` finished spans in the order they ended (a child before
// its parent), in typed arrays valid only during the call:
//   traceId  Uint32Array  4 words per span   spanId, parentSpanId  Uint32Array 2 words
//   site     Int32Array   site index          start, duration       Float64Array, ns
//   error    Uint8Array                       depth                 Uint32Array
// `start` is nanoseconds since the recorder began (resource.startUnixNs, a BigInt,
// is when it began); batch.sites is the site table.

// A limit given as an option: undefined or 0 for the default, Infinity (or
// 'unlimited') for none, else a positive number.
export function budgetLimit(value, fallback, what) {
  if (value === undefined || value === null || value === 0) return fallback;
  if (value === Infinity || value === 'unlimited') return Infinity;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  throw new WasmObserveError('INVALID_ARGUMENT', `${what}: a positive number or Infinity, not ${value}`);
}

// A limit as a command line or environment variable gives it: "unlimited"
// (Infinity), or a positive integer, with a K, M or G suffix (powers of 1024)
// when `suffixes`. null when it is neither.
export function parseLimit(text, suffixes = false) {
  if (text === 'unlimited') return Infinity;
  const m = /^([0-9]+)([KMG]?)$/.exec(String(text));
  if (!m || (m[2] && !suffixes)) return null;
  const n = Number(m[1]) * 1024 ** ' KMG'.indexOf(m[2] || ' ');
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

// One line for stderr at exit when the span budget dropped anything (the
// counters and the limits in force), else null.
export function describeBudgetDrops(counters, { spanRate, spanBurst, maxFileBytes } = {}) {
  const overRate = counters.spansOverRate ?? 0, overSize = counters.spansOverSize ?? 0;
  if (!overRate && !overSize) return null;
  const rate = budgetLimit(spanRate, DEFAULT_SPAN_RATE, 'spanRate');
  const burst = budgetLimit(spanBurst, DEFAULT_SPAN_BURST, 'spanBurst');
  const size = budgetLimit(maxFileBytes, DEFAULT_FILE_MAX_BYTES, 'maxFileBytes');
  return `span budget: ${overRate} spans dropped over the rate limit` +
    (rate === Infinity ? ' (none)' : ` (${rate}/s, burst ${burst})`) +
    `, ${overSize} over the size limit` + (size === Infinity ? '' : ` (${size} bytes a file)`);
}

// One line for stderr at exit when sites were muted, else null.
export function describeMuting(counters, { muteAfter, muteBelowNs } = {}) {
  if (!counters.sitesMuted) return null;
  const after = budgetLimit(muteAfter, DEFAULT_MUTE_AFTER, 'muteAfter');
  const below = budgetLimit(muteBelowNs, DEFAULT_MUTE_BELOW_NS, 'muteBelowNs');
  return `muted ${counters.sitesMuted} sites (${after} calls averaging under ${below} ns): ` +
    `${counters.spansMuted} calls counted with no span`;
}

class FileSink {
  // `trailer`: what closes the document (Chrome's '\n]}\n'), counted in the
  // size from the start; maxBytes: the size limit (Infinity: none).
  constructor(path, maxBytes = DEFAULT_FILE_MAX_BYTES, trailer = '') {
    this.isStdout = path === '-';
    this.fd = this.isStdout ? 1 : fs.openSync(path, 'w');
    // positional writes only in a regular file (not a pipe or /dev/stdout)
    this.seekable = !this.isStdout && fs.fstatSync(this.fd).isFile();
    this.pos = 0; // where the next write goes, in a file
    this.maxBytes = maxBytes;
    this.reserve = Math.min(FILE_RESERVE_BYTES, maxBytes / 8);
    this.used = Buffer.byteLength(trailer); // bytes written, with the trailer to come
    this.stats = { bytesWritten: 0, batchesDropped: 0, spansDropped: 0, maxBytes };
  }
  write(s) {
    this.pos += this.writeAt(s, this.seekable ? this.pos : null);
  }
  // A batch's text: written whole if it fits under the limit, else dropped
  // and counted. Returns what exportSpans returns (undefined: written).
  writeBatch(s, spans) {
    const buf = Buffer.from(s, 'utf8');
    if (this.used + buf.length > this.maxBytes) {
      this.stats.batchesDropped++;
      this.stats.spansDropped += spans;
      return OUTPUT_DROPPED;
    }
    this.write(buf);
    this.used += buf.length;
    // full once the reserve and another batch this size would not fit
    return this.maxBytes - this.used < this.reserve + buf.length ? OUTPUT_FULL : undefined;
  }
  // Writes `trailer` after what was written without moving past it: the next
  // write replaces it. A file stays a complete document after every batch, so
  // a thread killed before close (a worker at process exit) leaves one.
  writeTrailer(trailer) {
    if (this.seekable) this.writeAt(trailer, this.pos);
  }
  writeAt(s, position) {
    const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    let off = 0;
    while (off < buf.length) {
      off += fs.writeSync(this.fd, buf, off, buf.length - off, position === null ? null : position + off);
    }
    return buf.length;
  }
  close() { if (!this.isStdout) fs.closeSync(this.fd); }
}


// OTLP/JSON lines: one TracesData object per batch per line (export_otlp_json.c).
// options: { maxBytes (the file's size limit; default DEFAULT_FILE_MAX_BYTES,
// Infinity for none) }; stats() as wo_file_stats.
export function otlpJsonLinesExporter(path, options = {}) {
  const sink = new FileSink(path, budgetLimit(options.maxBytes, DEFAULT_FILE_MAX_BYTES, 'maxBytes'));
  return {
    exportSpans(resource, b, count) { return sink.writeBatch(encodeOtlpJson(resource, b, count) + '\n', count); },
    flush() {},
    close() { sink.close(); },
    stats() { return { ...sink.stats, bytesWritten: sink.used }; },
  };
}

// Chrome trace event JSON: X events, exact decimal microseconds since the
// recorder began (export_chrome_trace.c).
// options and stats() as otlpJsonLinesExporter's; the closing bracket is
// counted in the size limit.
export function chromeTraceExporter(path, options = {}) {
  const trailer = '\n]}\n';
  const header = '{"displayTimeUnit":"ns","traceEvents":[';
  const maxBytes = budgetLimit(options.maxBytes, DEFAULT_FILE_MAX_BYTES, 'maxBytes');
  if (maxBytes < header.length + trailer.length) throw new WasmObserveError('INVALID_ARGUMENT', `maxBytes: ${maxBytes} is less than an empty trace`);
  const sink = new FileSink(path, maxBytes, trailer);
  let written = false;
  sink.writeBatch(header, 0);
  sink.writeTrailer(trailer);
  const category = ['function', 'import', 'export'];
  return {
    exportSpans(resource, b, count) {
      let out = '';
      for (let i = 0; i < count; i++) {
        const site = b.sites[b.site[i]];
        out += written || i ? ',\n{"name":' : '\n{"name":';
        out += `${jsonString(site.name)},"cat":"${category[site.kind]}","ph":"X","ts":${micros(b.start[i])},"dur":${micros(b.duration[i])},"pid":1,"tid":0,"args":{"function_index":${site.functionIndex}`;
        out += b.error[i] ? ',"status":"unwound"}}' : '}}';
      }
      const status = sink.writeBatch(out, count);
      if (status === OUTPUT_DROPPED) return status; // no comma owed: nothing reached the file
      if (count) written = true;
      sink.writeTrailer(trailer);
      return status;
    },
    flush() {},
    close() {
      if (!sink.seekable) sink.write(trailer);
      sink.close();
    },
    stats() { return { ...sink.stats, bytesWritten: sink.used }; },
  };
}

// ---- the recorder -----------------------------------------------------------------

function recordFlags(record) {
  if (record === undefined || record === null || record === 0) return RECORD_SPANS;
  if (typeof record === 'number') return record;
  const list = Array.isArray(record) ? record : String(record).split(/[,+| ]+/);
  let flags = 0;
  for (const r of list) {
    if (r === 'spans') flags |= RECORD_SPANS;
    else if (r === 'profile') flags |= RECORD_PROFILE;
    else if (r) throw new WasmObserveError('INVALID_ARGUMENT', `record: unknown '${r}'`);
  }
  return flags || RECORD_SPANS;
}

// options: { backend ('auto', the default: the C recorder compiled to wasm32
// (wasm32-recorder.mjs), or this file's JS recorder where that cannot be
// built (no clang/wasi-libc), silently so the program's stderr stays its own;
// 'wasm32': the same with a one-line note on stderr when it falls back; 'js'),
// serviceName, moduleName, record (RECORD_* flags,
// or 'spans', 'profile', ['spans','profile']), minDurationNs, sampleRatio
// (0 = 1.0), maxDepth (0 = 4096), batchSize (0 = 512), exporters: [...],
// otlpFile and chromeFile (spans to an OTLP/JSON lines file and a Chrome
// trace, as otlpJsonLinesExporter and chromeTraceExporter write them; with
// the wasm32 backend the C library's exporters write them from inside the
// instance, the spans never copied out to JS, ~8x faster; they need
// RECORD_SPANS; closed by close()), seed
// (non-zero integer; 0 = random), monotonicNs (a clock for tests: () => integer ns),
// sites and abi (a site table already read: readSites's `sites` and `abi`, in
// place of a later loadSites),
// unwindOnReentry (for JS programs that call exports directly and may catch a
// trap: an export entered while the stack's top is not an import call first
// closes the frames above the newest import frame as unwound; wrong when
// imports were left uninstrumented (--no-imports), see wasm_observe.h),
// profileTiming ('clock', the default: the clock is read at every enter and
// exit, as the C library does; 'sampled': the profile's call tree and call
// counts are exact and the same as with the clock, but its times are
// estimated by sampling, and the hooks never read the clock (see "Sampled
// profile timing" below). Only with record RECORD_PROFILE alone (spans need
// the clock) and the JS recorder: backend 'js', or 'auto', which then means
// 'js'; 'wasm32' is an INVALID_ARGUMENT error),
// profileIntervalUs (with 'sampled': the sampling period in microseconds,
// default 100; the thread wakes a little later than asked, ~150-200 us on
// Linux for 100, and the estimate uses the time it actually covered),
// spanRate and spanBurst (the span budget: spans exported a second, default
// 10000, and the burst above it, default 200000; Infinity lifts the rate
// limit), maxFileBytes (the size limit of otlpFile and chromeFile, default
// 256 MiB, Infinity for none). The span budget is the C library's
// (wasm_observe.h): a span that ends over the rate is dropped unless one of
// its children was kept (counter spansOverRate); once an output is full (an
// exporter returned OUTPUT_FULL or OUTPUT_DROPPED) only the ancestors of the
// spans kept are (spansOverSize, with the spans of dropped batches); the
// profile stays exact. muteAfter and muteBelowNs (muting, wasm_observe.h: a
// site is muted once it has closed muteAfter calls, default 1000, whose mean
// is under muteBelowNs, default 1000; muteAfter Infinity never mutes; its
// calls are still counted, they read no clock and make no span: counters
// spansMuted, sitesMuted), openTelemetry (true, or the @opentelemetry/api
// module: the spans also go into the application's own OpenTelemetry traces,
// otel-api-bridge.mjs. A root frame (an export called from JS) made while an
// OpenTelemetry span is active is that span's child, in its trace (W3C trace
// context), and is not recorded when that span is not sampled; without an
// active span the module's spans make a trace of their own. Every span is
// handed to the application's tracer provider (tracer 'wasm-observe'), so it
// goes through the application's span processors and exporters, with the
// name, kind and attributes the OTLP exporters give it; the spans of a call
// are handed over when it returns to JS. true loads @opentelemetry/api from
// the application (the current directory, then the main script's): an
// INVALID_ARGUMENT error when it is not installed. The C recorder only
// (backend 'wasm32' or 'auto'; 'js', or 'auto' where the wasm32 recorder
// cannot be built, are an INVALID_ARGUMENT error) and record RECORD_SPANS;
// the span budget, muting, sampleRatio (for traces without an outer span)
// and minDurationNs apply as to the other exporters; recorder
// .openTelemetryStats() gives its counts) }
// The recorder's `backend` says which one it is.
//
// Sampled profile timing (sampled-recorder.mjs): enter and exit keep the
// shadow stack and the call tree, count the call, and store the index of the
// current profile node (0: no frame open) into shared memory, no clock; they
// are wasm (sampled-hooks.wat), called wasm to wasm, with slow paths in JS
// for the unusual calls. A worker thread (profile-sampler.mjs; unref'd, it never keeps the
// process alive) wakes every profileIntervalUs and adds one to the sample
// count of the node it finds there. When the profile is written (profile(),
// folded(), summary(), ...), a node's self time is its samples x (the wall
// time the thread sampled over / all its samples), rounded to whole ns, and
// its total time its self time plus its children's totals; samples taken
// while no frame was open are charged to nothing. finish() stops the thread
// (after finish, calls are still counted but no longer timed); profile()
// before finish() gives the estimate so far. samplerStats() (null with the
// clock) says what the estimate rests on: samples, samplesOutside (no frame
// open), samplesUnattributed (a node past the sample table's end: more than
// 2^24 nodes, or 2^20 without growable SharedArrayBuffer), coveredNs,
// nsPerSample, running, error (the thread failed: times stop growing). The
// thread starts sampling some tens of ms after createRecorder (it starts
// while the program runs, wasm or not): calls before that are counted, not
// timed. Like any sampling profiler, it sees where the thread is at each
// sample: a function needs many samples (its time >> the interval) for its
// time to be meaningful; a function that is never on the stack at a sample
// gets 0 ns however often it is called.
export function createRecorder(options = {}) {
  const record = recordFlags(options.record);
  const recordSpans = (record & RECORD_SPANS) !== 0;
  const recordProfile = (record & RECORD_PROFILE) !== 0;
  const ratio = options.sampleRatio ?? 0;
  if (!(ratio >= 0 && ratio <= 1)) throw new WasmObserveError('INVALID_ARGUMENT', 'sampleRatio must be in [0, 1]');
  const backend = options.backend ?? 'auto';
  if (backend !== 'js' && backend !== 'wasm32' && backend !== 'auto') {
    throw new WasmObserveError('INVALID_ARGUMENT', `backend: unknown '${backend}' (auto, wasm32 or js)`);
  }
  const profileTiming = options.profileTiming ?? 'clock';
  if (profileTiming !== 'clock' && profileTiming !== 'sampled') {
    throw new WasmObserveError('INVALID_ARGUMENT', `profileTiming: unknown '${profileTiming}' (clock or sampled)`);
  }
  const profileIntervalUs = options.profileIntervalUs ?? 100;
  if (typeof profileIntervalUs !== 'number' || !(profileIntervalUs >= 1 && profileIntervalUs <= 1e7)) {
    throw new WasmObserveError('INVALID_ARGUMENT', `profileIntervalUs must be a number of microseconds in [1, 1e7], not ${profileIntervalUs}`);
  }
  const sampledTiming = profileTiming === 'sampled';
  if ((options.otlpFile || options.chromeFile) && !recordSpans) {
    throw new WasmObserveError('INVALID_ARGUMENT', 'otlpFile and chromeFile need record RECORD_SPANS');
  }
  if (sampledTiming) {
    if (recordSpans || !recordProfile) {
      throw new WasmObserveError('INVALID_ARGUMENT', "profileTiming 'sampled' needs record RECORD_PROFILE alone (spans need the clock)");
    }
    if (backend === 'wasm32') {
      throw new WasmObserveError('INVALID_ARGUMENT', "profileTiming 'sampled' is the JS recorder's: backend 'js' or 'auto', not 'wasm32'");
    }
  }
  if (options.openTelemetry) {
    if (backend === 'js' || sampledTiming) {
      throw new WasmObserveError('INVALID_ARGUMENT', "openTelemetry needs the C recorder: backend 'wasm32' or 'auto', profileTiming 'clock'");
    }
    if (!recordSpans) throw new WasmObserveError('INVALID_ARGUMENT', 'openTelemetry needs record RECORD_SPANS');
    const api = resolveOpenTelemetryApi(options.openTelemetry);
    const module = wasm32RecorderModule(true);
    if (!module) throw new WasmObserveError('INVALID_ARGUMENT', 'openTelemetry needs the C recorder, which cannot be built here (see WASM_OBSERVE_RECORDER)');
    return createWasm32Recorder(module, { ...options, openTelemetry: api }, record);
  }
  if (sampledTiming) return createSampledRecorder(options, profileIntervalUs);
  if (backend !== 'js') {
    const module = wasm32RecorderModule(backend === 'auto');
    if (module) return createWasm32Recorder(module, options, record);
  }
  const sampleAll = ratio === 0 || ratio >= 1;
  const sampleRatio = sampleAll ? 1 : ratio;
  const minDurationNs = Number(options.minDurationNs ?? 0);
  const maxDepth = options.maxDepth > 0 ? options.maxDepth >>> 0 : DEFAULT_MAX_DEPTH;
  const batchSize = options.batchSize > 0 ? options.batchSize >>> 0 : DEFAULT_BATCH;
  const spanRate = budgetLimit(options.spanRate, DEFAULT_SPAN_RATE, 'spanRate');
  const spanBurst = Math.min(budgetLimit(options.spanBurst, DEFAULT_SPAN_BURST, 'spanBurst'), 1e9);
  const muteAfter = budgetLimit(options.muteAfter, DEFAULT_MUTE_AFTER, 'muteAfter');
  const muteBelowNs = budgetLimit(options.muteBelowNs, DEFAULT_MUTE_BELOW_NS, 'muteBelowNs');
  const muting = muteAfter !== Infinity;
  const exporters = [...(options.exporters ?? [])];
  const fileOptions = { maxBytes: options.maxFileBytes };
  if (options.otlpFile) exporters.push(otlpJsonLinesExporter(options.otlpFile, fileOptions));
  if (options.chromeFile) exporters.push(chromeTraceExporter(options.chromeFile, fileOptions));
  const clock = options.monotonicNs ?? null;
  const unwindOnReentry = !!options.unwindOnReentry;

  // The clock: integer nanoseconds since the recorder began, as a Number.
  // process.hrtime.bigint() is exact in a double while the machine has been
  // up for less than 104 days; past that Number() rounds to 2 ns.
  const hr = process.hrtime.bigint;
  const monoBase = clock ? 0 : Number(hr());
  const clockBase = clock ? clock() : 0;
  const resource = recorderResource(options);

  // ids: xorshift128 (32-bit words); seeded like the C recorder (option or random).
  let seed = options.seed ? BigInt.asUintN(64, BigInt(options.seed)) : 0n;
  if (seed === 0n) seed = crypto.randomBytes(8).readBigUInt64LE();
  let rx = Number(seed & 0xffffffffn) | 1;
  let ry = Number(seed >> 32n) ^ 0x9e3779b9;
  let rz = 0x6d2b79f5;
  let rw = 0x1b873593;
  for (let i = 0; i < 8; i++) nextRandom();
  function nextRandom() {
    const t = rx ^ (rx << 11);
    rx = ry; ry = rz; rz = rw;
    rw = (rw ^ (rw >>> 19) ^ (t ^ (t >>> 8))) | 0;
    return rw >>> 0;
  }

  let sites = [];
  let siteCount = 0;
  // Muting (wasm_observe.h): each site's calls and time so far, and whether
  // it is muted; sized with the site table.
  let sCalls = new Float64Array(0), sTotal = new Float64Array(0), sMuted = new Uint8Array(0);
  const sitesChanged = () => {
    siteCount = sites.length;
    sCalls = new Float64Array(siteCount); sTotal = new Float64Array(siteCount); sMuted = new Uint8Array(siteCount);
  };

  // The stack: one frame per open span.
  let capacity = Math.min(FIRST_STACK, maxDepth);
  let fId = new Int32Array(capacity);
  let fStart = new Float64Array(capacity);
  let fChildren = new Float64Array(capacity);
  let fSpan = new Uint32Array(capacity * 2);
  let fRecorded = new Uint8Array(capacity);
  let fNode = new Int32Array(capacity);
  let fPending = new Uint8Array(capacity); // entered by enterPending: named when it ends
  let fKeptChild = new Uint8Array(capacity); // a child was recorded: kept over the span budget
  let fMuted = new Uint8Array(capacity); // its site is muted: no clock, no span
  let fSpanParent = new Int32Array(capacity); // the nearest recorded ancestor's index, or -1
  let depth = 0;
  let overflow = 0;
  let overflowIds = null; // Int32Array(OVERFLOW_IDS), made on the first overflow
  const traceId = new Uint32Array(4);
  let sampled = true;

  function growStack() {
    const n = Math.min(capacity * 2, maxDepth);
    const grow = (Type, old, k = 1) => { const a = new Type(n * k); a.set(old); return a; };
    fId = grow(Int32Array, fId);
    fStart = grow(Float64Array, fStart);
    fChildren = grow(Float64Array, fChildren);
    fSpan = grow(Uint32Array, fSpan, 2);
    fRecorded = grow(Uint8Array, fRecorded);
    fNode = grow(Int32Array, fNode);
    fPending = grow(Uint8Array, fPending);
    fKeptChild = grow(Uint8Array, fKeptChild);
    fMuted = grow(Uint8Array, fMuted);
    fSpanParent = grow(Int32Array, fSpanParent);
    capacity = n;
  }

  // The profile tree: node 0 is the root; children in a linked list, moved to
  // the front when found (hot children are found first), as in profile.c.
  let nodeCap = 256;
  let nSite = new Int32Array(nodeCap);
  let nFirst = new Int32Array(nodeCap).fill(-1);
  let nNext = new Int32Array(nodeCap).fill(-1);
  let nCalls = new Float64Array(nodeCap);
  let nTotal = new Float64Array(nodeCap);
  let nSelf = new Float64Array(nodeCap);
  let nodeCount = 1;
  let freeNodes = -1; // nodes given back by mergeNode, linked through nNext
  nSite[0] = -1;

  function growNodes() {
    const n = nodeCap * 2;
    const grow = (Type, old, fill) => { const a = new Type(n); if (fill !== undefined) a.fill(fill); a.set(old); return a; };
    nSite = grow(Int32Array, nSite);
    nFirst = grow(Int32Array, nFirst, -1);
    nNext = grow(Int32Array, nNext, -1);
    nCalls = grow(Float64Array, nCalls);
    nTotal = grow(Float64Array, nTotal);
    nSelf = grow(Float64Array, nSelf);
    nodeCap = n;
  }

  function newNode(site) {
    let node;
    if (freeNodes !== -1) {
      node = freeNodes;
      freeNodes = nNext[node];
      nFirst[node] = -1;
      nCalls[node] = 0; nTotal[node] = 0; nSelf[node] = 0;
    } else {
      if (nodeCount === nodeCap) growNodes();
      node = nodeCount++;
    }
    nSite[node] = site;
    nNext[node] = -1;
    return node;
  }

  function profileChild(parent, site) {
    let prev = -1;
    for (let c = nFirst[parent]; c !== -1; prev = c, c = nNext[c]) {
      if (nSite[c] !== site) continue;
      if (prev !== -1) {
        nNext[prev] = nNext[c];
        nNext[c] = nFirst[parent];
        nFirst[parent] = c;
      }
      return c;
    }
    const node = newNode(site);
    nNext[node] = nFirst[parent];
    nFirst[parent] = node;
    return node;
  }

  // A pending frame's node (enterPending) is detached until the frame ends:
  // then it becomes `parent`'s child for `site`, or, when `parent` has one,
  // is merged into it. Returns the node that holds it now (profile.c
  // wo_profile_attach).
  function attachNode(parent, node, site) {
    for (let c = nFirst[parent]; c !== -1; c = nNext[c]) {
      if (nSite[c] === site) { mergeNode(c, node); return c; }
    }
    nSite[node] = site;
    nNext[node] = nFirst[parent];
    nFirst[parent] = node;
    return node;
  }

  // Adds `from`'s counts and subtree to `into`; frees `from` and the nodes
  // of its subtree that `into` already had.
  function mergeNode(into, from) {
    nCalls[into] += nCalls[from];
    nTotal[into] += nTotal[from];
    nSelf[into] += nSelf[from];
    for (let ch = nFirst[from]; ch !== -1;) {
      const next = nNext[ch];
      attachNode(into, ch, nSite[ch]);
      ch = next;
    }
    nNext[from] = freeNodes;
    freeNodes = from;
  }

  // The batch of finished spans.
  const batch = {
    sites,
    traceId: new Uint32Array(batchSize * 4),
    spanId: new Uint32Array(batchSize * 2),
    parentSpanId: new Uint32Array(batchSize * 2),
    site: new Int32Array(batchSize),
    start: new Float64Array(batchSize),
    duration: new Float64Array(batchSize),
    error: new Uint8Array(batchSize),
    depth: new Uint32Array(batchSize),
  };
  const bTrace = batch.traceId, bSpan = batch.spanId, bParent = batch.parentSpanId, bSite = batch.site;
  const bStart = batch.start, bDur = batch.duration, bErr = batch.error, bDepth = batch.depth;
  let batchCount = 0;

  const c = {
    enters: 0, exits: 0, spansRecorded: 0, spansFiltered: 0, unknownIds: 0, exitsWithoutEnter: 0,
    exitsUnmatched: 0, spansUnwound: 0, depthOverflows: 0, exportErrors: 0, spansOverRate: 0,
    spansOverSize: 0, spansMuted: 0, sitesMuted: 0, memoryGrows: 0,
  };
  let lastExportError = null;
  let outputFull = false; // the span budget: an exporter's output is full

  function exportBatch() {
    if (batchCount === 0) return;
    let dropped = false;
    for (const e of exporters) {
      try {
        const status = e.exportSpans(resource, batch, batchCount);
        if (status === OUTPUT_FULL || status === OUTPUT_DROPPED) outputFull = true;
        if (status === OUTPUT_DROPPED) dropped = true;
      } catch (err) { c.exportErrors++; lastExportError = err; }
    }
    if (dropped) c.spansOverSize += batchCount;
    batchCount = 0;
  }

  const now = clock ? () => clock() - clockBase : () => Number(hr()) - monoBase;

  // The span budget's token bucket (recorder.c budget_refusal): whether a
  // span ending at `t` is refused; takes its token when not. `tokens` are
  // refilled for the time passed when they run out; a `forced` span (one
  // with a recorded child: kept anyway) takes its token into debt.
  let tokens = spanBurst;
  let bucketTime = now();
  function budgetRefusal(t, forced) {
    if (outputFull) return OVER_SIZE;
    if (spanRate === Infinity) return 0;
    if (tokens < 1) {
      if (t > bucketTime) {
        tokens = Math.min(spanBurst, tokens + (t - bucketTime) * spanRate / 1e9);
        bucketTime = t;
      }
      if (tokens < 1 && !forced) return OVER_RATE;
    }
    tokens--;
    return 0;
  }

  const isImport = (id) => sites[id].kind === SITE_IMPORT;

  // unwindOnReentry: an export entered while the top of the stack is not an
  // import call, so the previous call from JS ended in a trap or exception the
  // hooks did not see: drop what lies above the newest import frame
  // (recorder.c drop_stale_frames).
  function dropStaleFrames() {
    if (overflow !== 0) {
      if (overflow > OVERFLOW_IDS) return; // the top's id was not kept: cannot tell
      for (let k = overflow; k-- > 0;) {
        if (isImport(overflowIds[k])) { overflow = k + 1; return; }
      }
      overflow = 0;
    }
    let keep = depth;
    while (keep > 0 && !isImport(fId[keep - 1])) keep--;
    if (keep < depth) unwindAbove(keep, now());
  }

  // An enter beyond maxDepth (or above one): counted, its id kept.
  function enterOverflow(id) {
    if (overflow < OVERFLOW_IDS) {
      if (overflowIds === null) overflowIds = new Int32Array(OVERFLOW_IDS);
      overflowIds[overflow] = id;
    }
    overflow++;
    c.depthOverflows++;
  }

  // enter and enterPending: one frame opened (recorder.c open_frame).
  function openFrame(id, pending) {
    id >>>= 0;
    c.enters++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (!pending && unwindOnReentry && (depth !== 0 || overflow !== 0) && sites[id].kind === SITE_EXPORT) dropStaleFrames();
    if (overflow !== 0 || depth >= maxDepth) { enterOverflow(id); return; }
    if (depth === capacity) growStack();
    const d = depth;
    if (d === 0) {
      traceId[0] = nextRandom(); traceId[1] = nextRandom(); traceId[2] = nextRandom(); traceId[3] = nextRandom();
      sampled = sampleAll || nextRandom() / 4294967296 < sampleRatio;
    }
    // muted: the stack and the call count only
    const muted = !pending && sMuted[id] !== 0;
    fId[d] = id;
    fChildren[d] = 0;
    fPending[d] = pending ? 1 : 0;
    fSpanParent[d] = d === 0 ? -1 : fRecorded[d - 1] !== 0 ? d - 1 : fSpanParent[d - 1];
    fMuted[d] = muted ? 1 : 0;
    const rec = !muted && recordSpans && sampled;
    fRecorded[d] = rec ? 1 : 0;
    fKeptChild[d] = 0;
    if (rec) { fSpan[2 * d] = nextRandom(); fSpan[2 * d + 1] = nextRandom(); }
    if (recordProfile) fNode[d] = pending ? newNode(id) : profileChild(d === 0 ? 0 : fNode[d - 1], id);
    depth = d + 1;
    if (!muted) fStart[d] = now(); // last: the hook's own cost stays outside
  }

  function enter(id) { openFrame(id, false); }

  // An enter whose site is known only when it ends (wasi:otel's on-start):
  // the frame is `id` (a placeholder) until exitAs names it; closed any
  // other way (an out-of-order exit, unwind, finish) it stays `id`. Its
  // profile node is its own until then. It never triggers the
  // unwindOnReentry rule; to that rule it is a frame of its placeholder's
  // kind. (recorder.c wo_enter_pending)
  function enterPending(id) { openFrame(id, true); }

  // Muting: a site's calls so far, and whether they are now many and short
  // (recorder.c count_for_muting).
  function countForMuting(id, duration) {
    const calls = ++sCalls[id];
    const total = (sTotal[id] += duration);
    if (calls < muteAfter || (calls & 255) !== 0 || total / calls >= muteBelowNs) return;
    sMuted[id] = 1;
    c.sitesMuted++;
  }

  function closeTop(t, error) {
    const d = --depth;
    if (fMuted[d] !== 0) {
      // its own time is its caller's self time; its children's stay theirs
      if (d > 0) fChildren[d - 1] += fChildren[d];
      if (error) c.spansUnwound++;
      if (recordProfile) nCalls[fNode[d]]++;
      c.spansMuted++;
      return;
    }
    const start = fStart[d];
    const duration = t > start ? t - start : 0;
    if (d > 0) fChildren[d - 1] += duration;
    if (error) c.spansUnwound++;
    if (muting && fPending[d] === 0) countForMuting(fId[d], duration);
    if (recordProfile) {
      if (fPending[d] !== 0) fNode[d] = attachNode(d === 0 ? 0 : fNode[d - 1], fNode[d], fId[d]);
      const n = fNode[d];
      nCalls[n]++;
      nTotal[n] += duration;
      const ch = fChildren[d];
      nSelf[n] += duration > ch ? duration - ch : 0;
    }
    if (!recordSpans) return;
    if (fRecorded[d] === 0 || duration < minDurationNs) { c.spansFiltered++; return; }
    // the span budget, charged when a span would be exported; a span with a
    // recorded child is kept over it (recorder.c close_top)
    const refusal = budgetRefusal(t, fKeptChild[d] !== 0);
    if (refusal !== 0 && fKeptChild[d] === 0) {
      if (refusal === OVER_RATE) c.spansOverRate++; else c.spansOverSize++;
      return;
    }
    const sp = fSpanParent[d];
    if (sp >= 0) fKeptChild[sp] = 1;
    const i = batchCount++;
    bTrace[4 * i] = traceId[0]; bTrace[4 * i + 1] = traceId[1]; bTrace[4 * i + 2] = traceId[2]; bTrace[4 * i + 3] = traceId[3];
    bSpan[2 * i] = fSpan[2 * d]; bSpan[2 * i + 1] = fSpan[2 * d + 1];
    if (sp >= 0) { bParent[2 * i] = fSpan[2 * sp]; bParent[2 * i + 1] = fSpan[2 * sp + 1]; } else { bParent[2 * i] = 0; bParent[2 * i + 1] = 0; }
    bSite[i] = fId[d];
    bStart[i] = start;
    bDur[i] = duration;
    bErr[i] = error ? 1 : 0;
    bDepth[i] = d;
    c.spansRecorded++;
    if (batchCount === batchSize) exportBatch();
  }

  // Closes the frames above index `keep` as unwound. They all end at `t`, but
  // each 1 ns before the frame below it, so that a child never ends after its
  // parent once times are rounded (recorder.c unwind_above).
  function unwindAbove(keep, t) {
    while (depth > keep) {
      const stagger = depth - keep;
      closeTop(t > stagger ? t - stagger : 0, true);
    }
  }

  // An exit while enters beyond maxDepth are pending: it closes the newest of
  // them if the id matches one that was kept; an id open in the recorded stack
  // instead means a non-local exit out of the whole overflow. Returns true when
  // the exit was consumed by the overflow (recorder.c exit_overflow).
  function exitOverflow(id, t) {
    if (overflow > OVERFLOW_IDS) { overflow--; return true; }
    for (let k = overflow; k-- > 0;) {
      if (overflowIds[k] !== id) continue;
      overflow = k; // drops the unmatched ones above as well
      return true;
    }
    for (let k = depth; k-- > 0;) {
      if (fId[k] !== id) continue;
      overflow = 0;
      unwindAbove(k + 1, t);
      return false;
    }
    c.exitsUnmatched++;
    return true;
  }

  function exit(id) {
    id >>>= 0;
    // a muted frame closing in order reads no clock
    if (depth !== 0 && overflow === 0 && fId[depth - 1] === id && fMuted[depth - 1] !== 0) {
      c.exits++;
      closeTop(0, false);
      return;
    }
    const t = now(); // before the rest: the hook's own cost stays outside
    c.exits++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (overflow !== 0 && exitOverflow(id, t)) return;
    if (depth === 0) { c.exitsWithoutEnter++; return; }
    if (fId[depth - 1] !== id) {
      // A non-local exit (a trap caught by the host, an exception the module
      // could not see) left frames above the one this exit closes.
      let k = depth - 1;
      while (k > 0 && fId[k - 1] !== id) k--;
      if (k === 0) { c.exitsUnmatched++; return; }
      unwindAbove(k, t);
    }
    closeTop(t, false);
  }

  // Ends the innermost open enter (the one an exit in order would end): a
  // pending one (enterPending) as site `id`, any other as the site it was
  // entered as; with error status when `error` (counted in spansUnwound, as
  // the spans unwind() closes). For hosts of span APIs whose spans end in
  // order and carry their status, and for wasi:otel their site, only when
  // they end. An id outside the site table is counted and ignored.
  // (recorder.c wo_exit_as)
  function exitAs(id, error) {
    const t = now();
    id >>>= 0;
    c.exits++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (overflow !== 0) { overflow--; return; }
    if (depth === 0) { c.exitsWithoutEnter++; return; }
    if (fPending[depth - 1] !== 0) fId[depth - 1] = id;
    closeTop(t, !!error);
  }

  function unwind() {
    const t = now();
    overflow = 0;
    unwindAbove(0, t);
  }

  function memoryGrow(pages) { c.memoryGrows++; }

  let abi = options.abi ?? 'wasm-instrument';

  function loadSites(moduleOrBytes) {
    const r = readSites(moduleOrBytes);
    sites = r.sites;
    sitesChanged();
    batch.sites = sites;
    abi = r.abi;
    return r;
  }
  if (options.sites) { sites = options.sites; sitesChanged(); batch.sites = sites; }

  let finished = false;

  // The profile as a tree of plain objects: { site, calls, totalNs, selfNs, children }.
  function profile() {
    if (!recordProfile) return null;
    return buildProfile(sites, { site: nSite, first: nFirst, next: nNext, calls: nCalls, total: nTotal, self: nSelf });
  }

  return {
    backend: 'js',
    resource,
    get abi() { return abi; },
    get sites() { return sites; },
    enter,
    exit,
    enterPending,
    exitAs,
    unwind,
    memoryGrow,
    depth: () => depth,
    // The import object entries: the default ABI always, and observe-sdk's
    // when the module was loaded as an observe-sdk module (or asked for).
    hooks: (which) => hookNamespaces({ enter, exit, memoryGrow }, which ?? abi),
    loadSites,
    // Hands finished spans to the exporters and flushes them.
    flush() {
      exportBatch();
      for (const e of exporters) if (e.flush) e.flush();
    },
    // Closes the open spans with error status (proc_exit, shutdown), hands
    // everything to the exporters and flushes them. Idempotent.
    finish() {
      const t = now();
      overflow = 0;
      unwindAbove(0, t);
      exportBatch();
      for (const e of exporters) if (e.flush) e.flush();
      finished = true;
    },
    // finish() if not done, then closes the exporters (their files).
    close() {
      if (!finished) this.finish();
      for (const e of exporters) if (e.close) e.close();
      exporters.length = 0;
    },
    counters() { return { ...c }; },
    // Sampled profile timing: what the times rest on (null with the clock).
    samplerStats() { return null; },
    get lastExportError() { return lastExportError; },
    profile,
    // Folded stacks, one line per call path with its self time in ns.
    folded() { return writeFolded(profile()); },
    // Folded stacks with call counts and the e2e naming (import:/export: prefixes).
    foldedCalls() { return writeFoldedCalls(profile()); },
    summary(top = 20) { return writeSummary(profile(), top); },
  };
}

// The import object entries of a recorder's hooks for a module of `abi`:
// the default ABI's always, and observe-sdk's for an observe-sdk module.
export function hookNamespaces({ enter, exit, memoryGrow }, abi) {
  const h = { [HOOK_MODULE]: { enter, exit } };
  if (abi === 'observe-sdk') h[OBSERVE_SDK_MODULE] = { enter, exit, 'memory-grow': memoryGrow };
  return h;
}

// The resource of a recorder's spans: the options' names and the time it began.
export function recorderResource(options) {
  return {
    serviceName: options.serviceName ?? 'wasm-module',
    moduleName: options.moduleName ?? '',
    startUnixNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n,
  };
}

// The profile as a tree of plain objects { site, calls, totalNs, selfNs,
// children } from a recorder's node arrays (node 0 the root; children in
// lists: first / next, -1 ends).
export function buildProfile(sites, nodes) {
  const { site, first, next, calls, total, self } = nodes;
  const build = (n) => {
    const node = { site: n === 0 ? null : sites[site[n]], calls: calls[n], totalNs: total[n], selfNs: self[n], children: [] };
    for (let ch = first[n]; ch !== -1; ch = next[ch]) node.children.push(build(ch));
    return node;
  };
  return build(0);
}

// Folded stacks from a profile tree: self time in ns, paths with no self time
// left out (profile.c wo_profile_write_folded). Names are written as their
// bytes (latin1 string): write the result with encoding 'latin1'.
export function writeFolded(root) {
  if (!root) return '';
  const lines = [];
  const walk = (node, prefix) => {
    for (const ch of node.children) {
      const p = prefix === null ? foldedFrame(ch.site.raw) : `${prefix};${foldedFrame(ch.site.raw)}`;
      if (ch.selfNs > 0) lines.push(`${p} ${ch.selfNs}\n`);
      walk(ch, p);
    }
  };
  walk(root, null);
  return lines.join('');
}

// Call counts per path, sorted, framed as tests/e2e/run-node.mjs does
// (import:/export: prefixes); latin1 like writeFolded.
export function writeFoldedCalls(root) {
  if (!root) return '';
  const prefix = ['', 'import:', 'export:'];
  const lines = [];
  const walk = (node, path) => {
    for (const ch of node.children) {
      const p = (path === null ? '' : path + ';') + prefix[ch.site.kind] + foldedFrame(ch.site.raw);
      lines.push(`${p} ${ch.calls}`);
      walk(ch, p);
    }
  };
  walk(root, null);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length ? lines.join('\n') + '\n' : '';
}

function cString(a, b) { // strcmp order on the names' bytes
  return a < b ? -1 : a > b ? 1 : 0;
}

// The sites with the most self time (profile.c wo_profile_write_summary).
export function writeSummary(root, top = 20) {
  if (!root) return '';
  const totals = new Map();
  const path = [];
  const walk = (node) => {
    for (const ch of node.children) {
      let t = totals.get(ch.site);
      if (!t) { t = { site: ch.site, calls: 0, totalNs: 0, selfNs: 0 }; totals.set(ch.site, t); }
      t.calls += ch.calls;
      t.selfNs += ch.selfNs;
      if (!path.includes(ch.site)) t.totalNs += ch.totalNs; // outermost calls only
      path.push(ch.site);
      walk(ch);
      path.pop();
    }
  };
  walk(root);
  const items = [...totals.values()].sort((x, y) => (x.selfNs !== y.selfNs ? y.selfNs - x.selfNs : cString(x.site.raw, y.site.raw)));
  let out = `${'calls'.padStart(12)} ${'self ms'.padStart(14)} ${'total ms'.padStart(14)}  function\n`;
  for (const t of items.slice(0, top)) {
    const kind = t.site.kind === SITE_IMPORT ? 'import ' : t.site.kind === SITE_EXPORT ? 'export ' : '';
    out += `${String(t.calls).padStart(12)} ${(t.selfNs / 1e6).toFixed(3).padStart(14)} ${(t.totalNs / 1e6).toFixed(3).padStart(14)}  ${kind}${foldedFrame(t.site.raw)}\n`;
  }
  return out;
}
