// The wasm32 backend of createRecorder (wasm-observe.mjs): the C recorder
// (runtime-shim/src) compiled to wasm32-wasi by wasm32/build.sh. The npm
// package ships it built (wasm32/recorder.wasm, made by the project's build:
// pack.sh); in a source checkout, which has its sources, it is built on
// first use into a cache directory ($WASM_OBSERVE_CACHE, else
// $XDG_CACHE_HOME/wasm-observe or ~/.cache/wasm-observe; the file is named
// by a hash of its sources, so a changed source is rebuilt);
// $WASM_OBSERVE_RECORDER names a built one to use instead. One instance of
// it per recorder. The instrumented module imports `enter` / `exit` straight
// from the instance's exports (wasm to wasm); the clock is WASI's
// clock_time_get through node:wasi. Spans are encoded in C where they can be:
// - createRecorder's otlpFile and chromeFile are written by the C exporters
//   inside the instance (through WASI, with "/" preopened);
// - an exporter that takes request bodies (otlpHttpExporter: exportEncoded)
//   gets each batch encoded by the C OTLP encoders (protobuf or JSON);
// - for any other JS exporter, wasm32/glue.c copies each batch into arrays
//   laid out as the exporters' batch (file-exporters.mjs: site indices, ids
//   as 32-bit words, times in ns since the recorder began), which it reads
//   through typed-array views.
// The profile tree is read back from wo_recorder_profile and written by the
// same writeFolded / writeFoldedCalls / writeSummary. With the sampled
// profile timing, the recorder's memory (shared: wasm32/build.sh) is also
// read by the sampling thread (profile-sampler.mjs), started when the sites
// are loaded. The site table is read
// in JS; the C recorder gets a module holding the same table
// (siteTableModule).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  recorderResource, WasmObserveError, hookNamespaces, RECORD_PROFILE, budgetLimit, OUTPUT_FULL, OUTPUT_DROPPED,
} from './observe-common.mjs';
import { readSites } from './module-sites.mjs';
import { writeFolded, writeFoldedCalls, writeSummary } from './profile-output.mjs';
import { createOpenTelemetryBridge } from './otel-api-bridge.mjs';
import { startProfileSampler } from './profile-sampler.mjs';
import { mutedSitesPatcher } from './muted-sites.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BUILD = path.join(HERE, 'wasm32', 'build.sh');

function sources() {
  const src = path.join(ROOT, 'runtime-shim', 'src');
  const list = [BUILD, path.join(HERE, 'wasm32', 'glue.c'), path.join(HERE, 'wasm32', 'include', 'pthread.h'),
    path.join(ROOT, 'runtime-shim', 'include', 'wasm_observe.h'),
    ...fs.readdirSync(src).sort().map((f) => path.join(src, f))];
  for (const f of fs.readdirSync(path.join(ROOT, 'src')).sort()) {
    if (f.startsWith('byte_reader.')) list.push(path.join(ROOT, 'src', f));
  }
  return list;
}

export function cacheDir() {
  if (process.env.WASM_OBSERVE_CACHE) return process.env.WASM_OBSERVE_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'wasm-observe');
}

// The recorder an npm package ships; a checkout builds its own.
const SHIPPED = path.join(HERE, 'wasm32', 'recorder.wasm');

// The path of the built recorder: $WASM_OBSERVE_RECORDER, the shipped one
// where there are no sources to build it from, else the cache's, building it
// if it is not there. Throws (with the build's first error line) when it
// cannot be built.
export function wasm32RecorderPath() {
  if (process.env.WASM_OBSERVE_RECORDER) return process.env.WASM_OBSERVE_RECORDER;
  if (!fs.existsSync(BUILD)) {
    if (fs.existsSync(SHIPPED)) return SHIPPED;
    throw new Error(`${SHIPPED} is missing (a package made without its recorder?)`);
  }
  const h = crypto.createHash('sha256');
  for (const f of sources()) { h.update(f.slice(ROOT.length)); h.update(fs.readFileSync(f)); }
  h.update(process.env.CC ?? 'clang');
  h.update(process.env.WASI_SYSROOT ?? '/usr');
  const dir = cacheDir();
  const out = path.join(dir, `recorder-${h.digest('hex').slice(0, 16)}.wasm`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync('bash', [BUILD, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(tmp, out); // atomic: parallel first uses race harmlessly
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch {}
    const line = String(e.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? String(e.stderr ?? e.message).split('\n')[0];
    throw new Error(`cannot build ${path.relative(process.cwd(), BUILD) || BUILD}: ${line.trim() || e.message} ` +
      '(it needs clang and wasi-libc; or set WASM_OBSERVE_RECORDER to a built one, build/wasm-observe-recorder.wasm)');
  }
  return out;
}

let compiled = null; // WebAssembly.Module, or the Error

// The compiled recorder module. It is the only recorder (the JS one was
// removed): where it cannot be found or built, a WasmObserveError
// NO_RECORDER whose message is one line, the build's first error line.
export function wasm32RecorderModule() {
  if (compiled === null) {
    try { compiled = new WebAssembly.Module(fs.readFileSync(wasm32RecorderPath())); } catch (e) { compiled = e; }
  }
  if (compiled instanceof WebAssembly.Module) return compiled;
  throw new WasmObserveError('NO_RECORDER', `the C recorder (wasm32) is unavailable: ${compiled.message.split('\n')[0]}`);
}

let WASI = null;
async function loadWasi() {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    if (String(warning).includes('WASI')) return;
    return emitWarning.call(process, warning, ...rest);
  };
  try { ({ WASI } = await import('node:wasi')); } finally { process.emitWarning = emitWarning; }
}
await loadWasi();

// A module holding only a site table (version 1) with the sites as JS read
// them (whichever way: the module's table, or its name section): the C
// recorder gets the same kinds, indices and names (its exporters write them).
function siteTableModule(sites) {
  const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return Buffer.from(b); };
  const bytes = (b) => [leb(b.length), b];
  const parts = [leb(1), leb(sites.length)];
  for (const s of sites) {
    // kind, flags 0, input index 0 (unused), output index, then the names:
    // display (its bytes: `raw`), symbol, import module, import or export field
    parts.push(Buffer.from([s.kind, 0, 0]), leb(s.functionIndex >>> 0), ...bytes(Buffer.from(s.raw, 'latin1')),
      ...bytes(Buffer.from(s.symbol ?? '', 'utf8')), ...bytes(Buffer.from(s.module ?? '', 'utf8')),
      ...bytes(Buffer.from(s.field ?? '', 'utf8')));
  }
  const payload = Buffer.concat([...bytes(Buffer.from('wasm-instrument.sites', 'latin1')), ...parts]);
  return Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]), leb(payload.length), payload]);
}

// node:wasi's functions imported straight into wasm are called through V8's
// fast API path, and with the recorder writing its files through fd_write,
// Node 20 then crashed now and then (brotli-wasm traced to /dev/null: a
// segfault in 1 run of 6, or the program's own results changed; never with
// --no-turbo-fast-api-calls). Called from a JS function, they take the
// regular path. clock_time_get, called at every enter and exit, stays
// direct: it was the only WASI call before the files, in every test and
// benchmark, and never failed.
function regularWasiCalls(wasiImport) {
  const out = {};
  for (const [name, f] of Object.entries(wasiImport)) out[name] = name === 'clock_time_get' ? f : (...args) => f(...args);
  return out;
}

const FILE_OTLP_JSON_LINES = 0;
const FILE_CHROME_TRACE = 1;

const STATUS = ['OK', 'NO_MEMORY', 'INVALID_ARGUMENT', 'NOT_WASM', 'NO_SITE_TABLE', 'MALFORMED', 'UNSUPPORTED_VERSION', 'IO',
  'OUTPUT_FULL', 'OUTPUT_DROPPED'];
const WO_OUTPUT_FULL = 8;
const WO_OUTPUT_DROPPED = 9;
const COUNTERS = ['enters', 'exits', 'spansRecorded', 'spansFiltered', 'unknownIds', 'exitsWithoutEnter',
  'exitsUnmatched', 'spansUnwound', 'depthOverflows', 'exportErrors', 'spansOverRate', 'spansOverSize',
  'spansMuted', 'sitesMuted'];
const NODE_BYTES = 32;

// Options as createRecorder's (record already as flags; openTelemetry, when
// set, the API module).
export function createWasm32Recorder(module, options, record) {
  const batchSize = options.batchSize > 0 ? options.batchSize >>> 0 : 512;
  const maxDepth = options.maxDepth > 0 ? options.maxDepth >>> 0 : 0;
  // the span budget: 0 for the C defaults, Infinity for none (glue.c limit())
  const spanRate = budgetLimit(options.spanRate, 0, 'spanRate');
  const spanBurst = budgetLimit(options.spanBurst, 0, 'spanBurst');
  const maxFileBytes = budgetLimit(options.maxFileBytes, 0, 'maxFileBytes');
  const muteAfter = budgetLimit(options.muteAfter, 0, 'muteAfter');
  const muteBelowNs = budgetLimit(options.muteBelowNs, 0, 'muteBelowNs');
  const exporters = [...(options.exporters ?? [])]; // its own list: close() empties it
  // The application's OpenTelemetry traces (otel-api-bridge.mjs): the outer
  // context for each root frame, and an exporter into its tracer provider
  // that needs the recorder's open spans (openSpans, below).
  const otel = options.openTelemetry ? createOpenTelemetryBridge(options.openTelemetry, { maxOpen: (maxDepth || 4096) + batchSize }) : null;
  const otelExporter = otel ? otel.exporter(() => openSpans()) : null;
  if (otelExporter) exporters.push(otelExporter);
  // Exporters that take a request body (otlpHttpExporter) get it encoded in
  // C; the others get the batch's arrays.
  const encoded = exporters.filter((e) => typeof e.exportEncoded === 'function' && (e.encoding === 'protobuf' || e.encoding === 'json'));
  const columnar = exporters.filter((e) => !encoded.includes(e));
  const clock = options.monotonicNs ?? null;
  // the C library's resource, as its exporters write it
  const resource = { ...recorderResource(options), sdkLanguage: 'cpp' };
  const files = [[FILE_OTLP_JSON_LINES, options.otlpFile], [FILE_CHROME_TRACE, options.chromeFile]]
    .filter(([, file]) => file).map(([kind, file]) => [kind, file === '-' ? file : path.resolve(file)]);
  const sampledTiming = options.profileTiming === 'sampled';
  const mutedSites = mutedSitesPatcher(); // --patchable modules' muted sites
  let sampler = null; // the sampling thread (sampled timing), once the sites are loaded
  let sites = [];
  let abi = options.abi ?? 'wasm-instrument';
  let exportErrors = 0;
  let memoryGrows = 0;
  let lastExportError = null;
  const batch = { sites };

  let ex = null;
  // glue.c wrote the batch as the exporters' arrays: view them in place.
  function exportBatch(header, count) {
    const buf = ex.memory.buffer;
    const p = new Uint32Array(buf, header, 8);
    batch.traceId = new Uint32Array(buf, p[0], count * 4);
    batch.spanId = new Uint32Array(buf, p[1], count * 2);
    batch.parentSpanId = new Uint32Array(buf, p[2], count * 2);
    batch.site = new Int32Array(buf, p[3], count);
    batch.start = new Float64Array(buf, p[4], count);
    batch.duration = new Float64Array(buf, p[5], count);
    batch.error = new Uint8Array(buf, p[6], count);
    batch.depth = new Uint32Array(buf, p[7], count);
    resource.startUnixNs = BigInt.asUintN(64, ex.start_unix_ns());
    let rc = 0; // to the C recorder: the span budget's statuses (wasm_observe.h)
    for (const e of columnar) {
      try {
        const status = e.exportSpans(resource, batch, count);
        if (status === OUTPUT_DROPPED) rc = WO_OUTPUT_DROPPED;
        else if (status === OUTPUT_FULL && rc === 0) rc = WO_OUTPUT_FULL;
      } catch (err) { exportErrors++; lastExportError = err; }
    }
    return rc;
  }
  // glue.c encoded a batch of `count` spans for encoded[handle].
  function exportEncoded(handle, p, size, count) {
    try {
      encoded[handle].exportEncoded(new Uint8Array(ex.memory.buffer, p, size), count);
    } catch (err) { exportErrors++; lastExportError = err; }
    return 0;
  }

  // the files' directories are reached through "/" (only when there are files)
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true, preopens: files.length ? { '/': '/' } : {} });
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: regularWasiCalls(wasi.wasiImport),
    host: {
      now_ns: clock ? () => clock() : () => 0, export_batch: exportBatch, export_encoded: exportEncoded,
      outer_context: otel ? (p) => otel.writeOuterContext(new Uint8Array(ex.memory.buffer, p, 25)) : () => 0,
      site_muted: (site) => mutedSites.mute(site >>> 0),
    },
  });
  wasi.initialize(instance);
  ex = instance.exports;

  // The outer context's open spans (glue.c enable_outer_context, open_spans):
  // arrays allocated once, so reading them never grows memory mid-export.
  let openHeader = 0;
  if (otel) {
    openHeader = ex.enable_outer_context(maxDepth);
    if (openHeader === 0) throw new WasmObserveError('NO_MEMORY', 'wasm32 recorder: out of memory');
  }
  function openSpans() {
    const count = ex.open_spans();
    const buf = ex.memory.buffer;
    const p = new Uint32Array(buf, openHeader, 8);
    return {
      count,
      traceId: new Uint32Array(buf, p[0], count * 4),
      spanId: new Uint32Array(buf, p[1], count * 2),
      parentSpanId: new Uint32Array(buf, p[2], count * 2),
      site: new Int32Array(buf, p[3], count),
      start: new Float64Array(buf, p[4], count),
    };
  }

  // A copy of `bytes` in the instance's memory (NUL-terminated); free it.
  function copyIn(bytes) {
    const p = ex.alloc(bytes.length + 1);
    if (p === 0) throw new WasmObserveError('NO_MEMORY', 'wasm32 recorder: out of memory');
    const view = new Uint8Array(ex.memory.buffer, p, bytes.length + 1);
    view.set(bytes);
    view[bytes.length] = 0;
    return p;
  }
  // The C exporters, then the recorder; on any failure the exporters given
  // so far are closed (the recorder owns them once made, also on failure:
  // then there are none left to discard).
  function setup(list) {
    try {
      addExporters();
      makeRecorder(list);
    } catch (e) {
      ex.discard_exporters();
      throw e;
    }
  }
  function addExporters() {
    for (const [kind, file] of files) {
      const p = copyIn(Buffer.from(file, 'utf8'));
      const rc = ex.add_file_exporter(kind, p, maxFileBytes);
      ex.free(p);
      if (rc !== 0) throw new WasmObserveError(STATUS[rc] ?? 'IO', `${file}: cannot open for writing`);
    }
    encoded.forEach((e, handle) => {
      const rc = ex.add_encoded_exporter(handle, e.encoding === 'json' ? 1 : 0);
      if (rc !== 0) throw new WasmObserveError(STATUS[rc] ?? 'NO_MEMORY', `wasm32 recorder: exporter ${handle} (${STATUS[rc] ?? rc})`);
    });
  }
  function makeRecorder(list) {
    const bytes = siteTableModule(list);
    let p = 0, service = 0, moduleName = 0;
    try {
      p = copyIn(bytes);
      service = copyIn(Buffer.from(resource.serviceName, 'utf8'));
      moduleName = copyIn(Buffer.from(resource.moduleName, 'utf8'));
    } catch (e) {
      for (const q of [p, service, moduleName]) if (q) ex.free(q);
      throw e;
    }
    const seed = options.seed ? BigInt.asUintN(64, BigInt(options.seed)) : 0n;
    const rc = ex.setup(p, bytes.length, record, clock ? 1 : 0, columnar.length ? 1 : 0, Number(options.minDurationNs ?? 0),
      options.sampleRatio ?? 0, maxDepth, batchSize, BigInt.asIntN(64, seed),
      options.unwindOnReentry ? 1 : 0, service, moduleName, spanRate, spanBurst, muteAfter, muteBelowNs,
      sampledTiming ? 1 : 0);
    for (const q of [p, service, moduleName]) ex.free(q);
    if (rc !== 0) throw new WasmObserveError(STATUS[rc] ?? 'INVALID_ARGUMENT', `wasm32 recorder: setup failed (${STATUS[rc] ?? rc})`);
  }
  let ready = false;
  function useSites(list) {
    if (ready) throw new WasmObserveError('INVALID_ARGUMENT', 'wasm32 recorder: sites already loaded');
    setup(list);
    sites = list;
    batch.sites = sites;
    ready = true;
    if (sampledTiming) {
      sampler = startProfileSampler(options.profileIntervalUs ?? 100, ex.memory, ex.sample_slot(), ex.sample_offset(), handle);
    }
  }
  // The sampling so far, handed to the recorder before its profile is read.
  function noteSampling() {
    if (!sampler) return;
    const s = sampler.stats();
    ex.sampled_over(s.samples, s.coveredNs);
  }

  function counters() {
    if (closed) return { ...closed.counters };
    const p = ex.counters();
    const words = new BigUint64Array(ex.memory.buffer, p, COUNTERS.length);
    const c = {};
    COUNTERS.forEach((k, i) => { c[k] = Number(words[i]); });
    c.exportErrors += exportErrors;
    c.memoryGrows = memoryGrows;
    c.sitesPatched = mutedSites.sitesPatched;
    c.mutingTimedCalls = ex.muting_timed_calls?.() ?? 0; // not a counter: what describeMuting says
    return c;
  }

  let closed = null; // after close(): { profile, counters }

  function profile() {
    if (closed) return closed.profile;
    if (!(record & RECORD_PROFILE) || !ready) return null;
    noteSampling();
    const p = ex.profile();
    if (p === 0) return null;
    const dv = new DataView(ex.memory.buffer, p);
    const count = dv.getUint32(0, true);
    let k = 0;
    const build = () => {
      const o = 8 + NODE_BYTES * k++;
      const s = dv.getInt32(o, true);
      const n = dv.getUint32(o + 4, true);
      const node = { site: s < 0 ? null : sites[s], calls: dv.getFloat64(o + 8, true), totalNs: dv.getFloat64(o + 16, true), selfNs: dv.getFloat64(o + 24, true), children: new Array(n) };
      for (let i = 0; i < n; i++) node.children[i] = build();
      return node;
    };
    const root = build();
    if (k !== count) throw new Error(`wasm32 recorder: profile of ${count} nodes read as ${k}`);
    return root;
  }

  // sampled timing: the hooks that skip the thread lookup (glue.c)
  const enter = sampledTiming ? ex.enter_sampled : ex.enter;
  const exit = sampledTiming ? ex.exit_sampled : ex.exit;
  const memoryGrow = () => { memoryGrows++; };
  // finish and flush say whether the C exporters' files could be written
  // (their last stdio buffer goes out then): a failure counts as an export error.
  function checked(rc, what) {
    if (rc === 0) return;
    exportErrors++;
    lastExportError = new WasmObserveError(STATUS[rc] ?? 'IO', `wasm32 recorder: ${what} failed (${STATUS[rc] ?? rc})`);
  }
  const flushJs = () => { for (const e of exporters) if (e.flush) e.flush(); };
  let finished = false;

  const handle = {
    backend: 'wasm32',
    // the OpenTelemetry bridge's counts (null without it): spans handed to
    // the tracer, parents started before their record came, ...
    openTelemetryStats: () => (otelExporter ? otelExporter.stats() : null),
    resource,
    get abi() { return abi; },
    get sites() { return sites; },
    enter,
    exit,
    enterPending: (id) => ex.enter_pending(id),
    exitAs: (id, error) => ex.exit_as(id, error ? 1 : 0),
    unwind: () => ex.unwind(),
    unwindFrames: (count) => ex.unwind_frames(count),
    memoryGrow,
    depth: () => ex.depth(),
    // An instance of a module built with --patchable: the sites muted from
    // now on (and those muted before) are patched out of it. False when the
    // module has no muted-sites table.
    patch: (instance) => mutedSites.attach(instance),
    hooks: (which) => hookNamespaces({ enter, exit, memoryGrow, unwind: ex.unwind_frames }, which ?? abi),
    loadSites(moduleOrBytes) {
      const r = readSites(moduleOrBytes);
      useSites(r.sites);
      abi = r.abi;
      return r;
    },
    flush() { checked(ex.flush(), 'flush'); flushJs(); },
    // Sampled timing: stops the sampling first (later calls are counted,
    // not timed).
    finish() {
      if (sampler) { sampler.stop(); noteSampling(); }
      checked(ex.finish(), 'finish');
      flushJs();
      finished = true;
    },
    close() {
      if (!finished) this.finish();
      if (ready && !closed) {
        // frees the C recorder (its exporters close their files): what can
        // still be asked of it is kept, once what was recorded since finish
        // is exported
        checked(ex.flush(), 'flush');
        closed = { profile: profile(), counters: counters() };
        ex.close();
      }
      for (const e of exporters) if (e.close) e.close();
      exporters.length = 0;
    },
    counters,
    // what the sampled timing's estimate rests on (null with the clock)
    samplerStats() {
      if (!sampledTiming) return null;
      return sampler ? sampler.stats() : {
        intervalUs: options.profileIntervalUs ?? 100, samples: 0, samplesOutside: 0, samplesUnattributed: 0,
        coveredNs: 0, nsPerSample: 0, running: false, error: null,
      };
    },
    get lastExportError() { return lastExportError; },
    profile,
    folded() { return writeFolded(profile()); },
    foldedCalls() { return writeFoldedCalls(profile()); },
    summary(top = 20) { return writeSummary(profile(), top); },
  };
  if (options.sites) useSites(options.sites);
  return handle;
}
