// The wasm32 backend of createRecorder (wasm-observe.mjs): the C recorder
// (runtime-shim/src) compiled to wasm32-wasi by wasm32/build.sh, built on
// first use into a cache directory ($WASM_OBSERVE_CACHE, else
// $XDG_CACHE_HOME/wasm-observe or ~/.cache/wasm-observe; the file is named
// by a hash of its sources, so a changed source is rebuilt). One instance of
// it per recorder. The instrumented module imports `enter` / `exit` straight
// from the instance's exports (wasm to wasm); the clock is WASI's
// clock_time_get through node:wasi. Batches of finished spans are copied out
// by wasm32/glue.c into arrays laid out as the JS recorder's batch (site
// indices, ids as 32-bit words, times in ns since the recorder began), which
// the same JS exporters read through typed-array views; the profile tree is read back
// from wo_recorder_profile and written by the same writeFolded /
// writeFoldedCalls / writeSummary. The site table is read in JS (names);
// the C recorder gets a module with as many sites, kinds only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  readSites, WasmObserveError, writeFolded, writeFoldedCalls, writeSummary,
  HOOK_MODULE, OBSERVE_SDK_MODULE, RECORD_SPANS, RECORD_PROFILE,
} from './wasm-observe.mjs';

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

function cacheDir() {
  if (process.env.WASM_OBSERVE_CACHE) return process.env.WASM_OBSERVE_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'wasm-observe');
}

// The path of the built recorder, building it if it is not in the cache.
// Throws (with the build's first error line) when it cannot be built.
export function wasm32RecorderPath() {
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
    throw new Error(`cannot build ${path.relative(process.cwd(), BUILD) || BUILD}: ${line.trim() || e.message}`);
  }
  return out;
}

let compiled = null; // WebAssembly.Module, or the Error
let noted = false;

// The compiled recorder module, or null when it cannot be built (with a
// one-line note on stderr, once, unless `quiet`): the caller falls back to the
// JS recorder.
export function wasm32RecorderModule(quiet = false) {
  if (compiled === null) {
    try { compiled = new WebAssembly.Module(fs.readFileSync(wasm32RecorderPath())); } catch (e) { compiled = e; }
  }
  if (compiled instanceof WebAssembly.Module) return compiled;
  if (!noted && !quiet) {
    noted = true;
    process.stderr.write(`wasm-observe: wasm32 recorder unavailable (${compiled.message.split('\n')[0]}); using the JS recorder\n`);
  }
  return null;
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

// A module holding only a site table (version 1) with the sites' kinds and
// no names: the C recorder needs the kinds (span kind, unwindOnReentry).
function siteKindsModule(sites) {
  const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return b; };
  const name = Buffer.from('wasm-instrument.sites', 'latin1');
  const count = sites.length;
  const entries = Buffer.alloc(count * 8); // kind, flags 0, input 0, output 0, four empty names
  for (let i = 0; i < count; i++) entries[i * 8] = sites[i].kind;
  const payload = Buffer.concat([Buffer.from(leb(name.length)), name, Buffer.from(leb(1)), Buffer.from(leb(count)), entries]);
  return Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]), Buffer.from(leb(payload.length)), payload]);
}

const STATUS = ['OK', 'NO_MEMORY', 'INVALID_ARGUMENT', 'NOT_WASM', 'NO_SITE_TABLE', 'MALFORMED', 'UNSUPPORTED_VERSION', 'IO'];
const COUNTERS = ['enters', 'exits', 'spansRecorded', 'spansFiltered', 'unknownIds', 'exitsWithoutEnter',
  'exitsUnmatched', 'spansUnwound', 'depthOverflows', 'exportErrors'];
const NODE_BYTES = 32;

// Options as createRecorder's (record already as flags).
export function createWasm32Recorder(module, options, record) {
  const batchSize = options.batchSize > 0 ? options.batchSize >>> 0 : 512;
  const exporters = options.exporters ?? [];
  const clock = options.monotonicNs ?? null;
  const resource = {
    serviceName: options.serviceName ?? 'wasm-module',
    moduleName: options.moduleName ?? '',
    startUnixNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n,
  };
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
    for (const e of exporters) {
      try { e.exportSpans(resource, batch, count); } catch (err) { exportErrors++; lastExportError = err; }
    }
    return 0;
  }

  const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true });
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: wasi.wasiImport,
    host: { now_ns: clock ? () => clock() : () => 0, export_batch: exportBatch },
  });
  wasi.initialize(instance);
  ex = instance.exports;

  function setup(list) {
    const bytes = siteKindsModule(list);
    const p = ex.alloc(bytes.length);
    new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
    const seed = options.seed ? BigInt.asUintN(64, BigInt(options.seed)) : 0n;
    const rc = ex.setup(p, bytes.length, record, clock ? 1 : 0, 1, Number(options.minDurationNs ?? 0),
      options.sampleRatio ?? 0, options.maxDepth > 0 ? options.maxDepth >>> 0 : 0, batchSize, BigInt.asIntN(64, seed),
      options.unwindOnReentry ? 1 : 0);
    ex.free(p);
    if (rc !== 0) throw new WasmObserveError(STATUS[rc] ?? 'INVALID_ARGUMENT', `wasm32 recorder: setup failed (${STATUS[rc] ?? rc})`);
  }
  let ready = false;
  function useSites(list) {
    if (ready) throw new WasmObserveError('INVALID_ARGUMENT', 'wasm32 recorder: sites already loaded');
    setup(list);
    sites = list;
    batch.sites = sites;
    ready = true;
  }
  if (options.sites) useSites(options.sites);

  function counters() {
    const p = ex.counters();
    const words = new BigUint64Array(ex.memory.buffer, p, COUNTERS.length);
    const c = {};
    COUNTERS.forEach((k, i) => { c[k] = Number(words[i]); });
    c.exportErrors += exportErrors;
    c.memoryGrows = memoryGrows;
    return c;
  }

  function profile() {
    if (!(record & RECORD_PROFILE) || !ready) return null;
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

  const enter = ex.enter;
  const exit = ex.exit;
  const memoryGrow = () => { memoryGrows++; };
  const flushJs = () => { for (const e of exporters) if (e.flush) e.flush(); };
  let finished = false;

  return {
    backend: 'wasm32',
    resource,
    get abi() { return abi; },
    get sites() { return sites; },
    enter,
    exit,
    unwind: () => ex.unwind(),
    memoryGrow,
    depth: () => ex.depth(),
    hooks(which) {
      const h = { [HOOK_MODULE]: { enter, exit } };
      if (which === 'observe-sdk' || (which === undefined && abi === 'observe-sdk')) {
        h[OBSERVE_SDK_MODULE] = { enter, exit, 'memory-grow': memoryGrow };
      }
      return h;
    },
    loadSites(moduleOrBytes) {
      const r = readSites(moduleOrBytes);
      useSites(r.sites);
      abi = r.abi;
      return r;
    },
    flush() { ex.flush(); flushJs(); },
    finish() {
      ex.finish();
      flushJs();
      finished = true;
    },
    close() {
      if (!finished) this.finish();
      for (const e of exporters) if (e.close) e.close();
      exporters.length = 0;
    },
    counters,
    get lastExportError() { return lastExportError; },
    profile,
    folded() { return writeFolded(profile()); },
    foldedCalls() { return writeFoldedCalls(profile()); },
    summary(top = 20) { return writeSummary(profile(), top); },
  };
}
