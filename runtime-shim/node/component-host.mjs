// wasm-observe run for a WASI command component (wasm-observe-run.mjs
// dispatches here when the file's preamble is a component's): the component
// is transpiled to JS by jco, given WASI by @bytecodealliance/preview2-shim's
// WASIShim and, from one recorder, whichever tracing interface it imports
// (what `wasm-instrument --link` gave it): `wasm-instrument:hooks/trace`
// (hooks), `wasi:otel/tracing` (wasi-otel, the default) or
// `wasi:observe/tracer` (wasi-observe); its `wasi:cli/run` is called.
//
// - Sites: the component's own custom section `wasm-instrument.sites` (of the
//   top-level component: one table for all its core modules, ids global over
//   the component; docs/hook-contract.md). The recorder gets a core module
//   holding that table, so the recorder reads it as it reads a module's.
// - hooks: the core modules import the recorder's enter/exit directly
//   (swapped in by the instantiateCore function given to jco's instantiate),
//   not jco's lowering of the component import, which costs ~20 us a call
//   (WASM_OBSERVE_COMPONENT_HOOKS=jco keeps it).
// - wasi:observe/tracer (the guest shim's spans): start(name, options) is the
//   recorder's enter of the site in the attribute wasm.site.id, the span's
//   end its exit, with error status after set-status(error); the drop does
//   nothing more.
// - wasi:otel/tracing (the guest shim's spans): on-start carries only the
//   span's context, so the host enters a pending frame (enterPending, a
//   placeholder site appended to the table) and keeps the span id on a stack
//   of its own; on-end names it from wasm.site.id (exitAs), with error status
//   when the guest says error. outer-span-context is the invalid context
//   (the recorder makes the trace: see otelTracer). Spans the guest started
//   and never ended (exit(), a trap) are ended with error status before the
//   outputs are written, named from the guest shim's open-span stack in its
//   memory (runtime-shim/guest/guest_abi.h), checked against their span ids.
// - A component without the table that imports none of the three runs
//   untraced (no recorder; no output file; a line on stderr when outputs were
//   asked for). One that imports one of them without a table is refused, and
//   so is one with imports neither the WASI shim nor the host provide, and
//   one whose guest shim makes no wasm.site.id (an older wasm-instrument).
// - Dependencies (the Node host has none otherwise): @bytecodealliance/jco
//   and @bytecodealliance/preview2-shim, resolved at run time from
//   $WASM_OBSERVE_NODE_MODULES (node_modules directories, or directories that
//   have one, separated by ':'), then from this directory and from the current
//   directory, as Node resolves a package (each directory's node_modules, then
//   its parents'). Missing: one line saying what to npm install, exit 2.
// - The transpiled JS goes to a cache: CACHE/components/HASH/ (CACHE as the
//   wasm32 recorder's: $WASM_OBSERVE_CACHE, else $XDG_CACHE_HOME/wasm-observe
//   or ~/.cache/wasm-observe), HASH from the component's bytes, jco's version
//   and the transpile options. A directory is complete when it exists: it is
//   written under a temporary name and renamed.
// - Exit status as an untraced run through jco: 0; 1 when the program exits
//   with an error (wasi:cli/exit carries only ok/err: exit(3) is 1); 134 after
//   a trap ("trap: ..." on stderr, as for modules); 2 for a setup error.
//   preview2-shim's wasi:cli/exit calls process.exit() from inside the call:
//   the outputs are then written by a process 'exit' handler (the open spans
//   end with error status, as after proc_exit in a module).

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheDir } from './wasm32-recorder.mjs';
import { HOOK_MODULE } from './observe-common.mjs';
import { SITES_SECTION } from './site-table.mjs';
import { decodeSiteTable } from './site-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOOKS = 'wasm-instrument:hooks/trace'; // jco's import names: without the version
const OTEL = 'wasi:otel/tracing';
const OBSERVE = 'wasi:observe/tracer';
const TRACERS = [HOOKS, OTEL, OBSERVE];
// The guest shim's core module (B) imports this module name: it finds B's
// memory in instantiateCore (otelTracer.guestFrames).
const OTEL_CORE = 'wasi:otel/tracing@0.2.0-rc.2';
const SITE_ID = 'wasm.site.id';
// The site of a span the guest started and the host could never name.
const UNNAMED_SPAN = '(span never ended)';
const TRAP_EXIT = 134;
const JCO = '@bytecodealliance/jco';
const SHIM = '@bytecodealliance/preview2-shim';
// The versions the tests run (tests/component/package.json).
const INSTALL = `npm install ${JCO}@1.35.0 ${SHIM}@0.25.0`;
const TRANSPILE_OPTIONS = { name: 'component', instantiation: 'async', quiet: true, noTypescript: true };
const CACHE_LAYOUT = 1; // bump when the cache directory's contents change

// The payload of the last custom section `wanted` of the component itself
// (not of a core module or component nested in it), or null.
export function topLevelCustomSection(bytes, wanted) {
  let p = 8;
  const u32 = () => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= bytes.length) throw new Error('truncated section header');
      const b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error('LEB128 too long');
  };
  let found = null;
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (end > bytes.length) throw new Error(`section ${id} runs past the end`);
    if (id === 0) {
      const len = u32();
      if (p + len > end) throw new Error('custom section name past its end');
      const name = Buffer.from(bytes.buffer, bytes.byteOffset + p, len).toString('utf8');
      if (name === wanted) found = bytes.subarray(p + len, end);
    }
    p = end;
  }
  return found;
}

// `table` (a site table, version 1 or 2: a component's names every string
// inline) with one site more, a function named `name`, as its last; written
// as version 1: { table, id }.
function withExtraSite(table, name) {
  const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return Buffer.from(b); };
  const str = (bytes) => [leb(bytes.length), Buffer.from(bytes)];
  const { sites } = decodeSiteTable(table);
  const extra = { kind: 0, flags: 0, inputIndex: 0, outputIndex: 0, display: Buffer.from(name, 'utf8'), symbol: [], module: [], field: [] };
  const parts = [leb(1), leb(sites.length + 1)];
  for (const s of [...sites, extra]) {
    parts.push(Buffer.from([s.kind, s.flags]), leb(s.inputIndex), leb(s.outputIndex), ...str(s.display), ...str(s.symbol), ...str(s.module), ...str(s.field));
  }
  return { table: Buffer.concat(parts), id: sites.length };
}

// A core module holding only `table` as its site table: what loadSites reads.
function siteTableModule(table) {
  const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return Buffer.from(b); };
  const name = Buffer.from(SITES_SECTION, 'latin1');
  const payload = Buffer.concat([leb(name.length), name, table]);
  return Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]), leb(payload.length), payload]);
}

// The file `spec` resolves to from the first of these that has it:
// $WASM_OBSERVE_NODE_MODULES's directories, this directory, the current one.
export function resolvePackage(spec) {
  const bases = (process.env.WASM_OBSERVE_NODE_MODULES ?? '').split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));
  bases.push(HERE, process.cwd());
  for (const base of bases) {
    try {
      return createRequire(path.join(base, 'wasm-observe-resolve.js')).resolve(spec);
    } catch {}
  }
  return null;
}

// The version in the package.json of package `name` that holds `file`.
function packageVersion(file, name) {
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8'));
      if (pkg.name === name) return String(pkg.version);
    } catch {}
  }
  return 'unknown';
}

// jco and the WASI shim, or one line saying what to install.
function dependencies(die) {
  const jco = resolvePackage(JCO);
  const shim = resolvePackage(`${SHIM}/instantiation`);
  const missing = [jco ? null : JCO, shim ? null : SHIM].filter(Boolean);
  if (missing.length) {
    die(`running a component needs ${missing.join(' and ')} (not found from $WASM_OBSERVE_NODE_MODULES, ${HERE} or the current directory): ${INSTALL}`);
  }
  return { jco, jcoVersion: packageVersion(jco, JCO), shim };
}

function rmrf(p) { try { fs.rmSync(p, { recursive: true, force: true }); } catch {} }

// The transpiled component in the cache, transpiled now if it is not there:
// { dir, meta: { jco, imports, exports } }.
async function transpiled(bytes, deps, what, die) {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify({ layout: CACHE_LAYOUT, jco: deps.jcoVersion, options: TRANSPILE_OPTIONS }));
  h.update(bytes);
  const dir = path.join(cacheDir(), 'components', h.digest('hex').slice(0, 32));
  const readMeta = () => JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  try { return { dir, meta: readMeta() }; } catch {}

  let result;
  try {
    const { transpile } = await import(pathToFileURL(deps.jco).href);
    result = await transpile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), TRANSPILE_OPTIONS);
  } catch (e) {
    die(`${what}: jco ${deps.jcoVersion} cannot transpile it: ${String(e?.message ?? e).split('\n')[0]}`);
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  try {
    rmrf(tmp);
    fs.mkdirSync(tmp, { recursive: true });
    for (const [name, data] of Object.entries(result.files)) {
      const f = path.join(tmp, name);
      if (!f.startsWith(tmp + path.sep)) throw new Error(`jco wrote a file outside its directory: ${name}`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, data);
    }
    fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}\n');
    const meta = { jco: deps.jcoVersion, imports: result.imports, exports: result.exports };
    fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta) + '\n');
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      // another run put it there first: theirs is the same
      if (!fs.existsSync(path.join(dir, 'meta.json'))) throw e;
      rmrf(tmp);
    }
    return { dir, meta };
  } catch (e) {
    rmrf(tmp);
    die(`${what}: cannot write the transpiled component to ${path.dirname(dir)}: ${e.message}`);
  }
}

// What jco throws when an export's result is `err` (the component returned
// err, e.g. wasi:cli/run without an exit call).
function isComponentError(e) {
  return e != null && typeof e === 'object' && (e.constructor?.name === 'ComponentError' || 'payload' in e);
}

// The guest shim's open-span stack in its memory, as runtime-shim/guest/guest_abi.h
// lays it out (WI_GUEST_FRAMES_BASE, WI_GUEST_MAX_DEPTH frames of
// WI_GUEST_FRAME_SIZE bytes: the site id at WI_GUEST_FRAME_SITE, the span id at
// WI_GUEST_FRAME_SPAN_ID; tests/component-host/tracers.mjs checks these against it).
export const GUEST_FRAMES = { base: 48128, maxDepth: 512, size: 32, site: 0, spanId: 16 };

// The invalid span context (all-zero ids): the guest starts a trace of its own.
const INVALID_CONTEXT = {
  traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: { sampled: false }, isRemote: false, traceState: [],
};

// wasm.site.id in a wasi:otel span's attributes (a value is the JSON encoding
// of an AnyValue: an int is its digits), or -1. The guest shim puts it third.
function otelSiteId(attributes) {
  if (!Array.isArray(attributes)) return -1;
  const a = attributes[2]?.key === SITE_ID ? attributes[2] : attributes.find((x) => x?.key === SITE_ID);
  return typeof a?.value === 'string' && /^\d{1,10}$/.test(a.value) ? Number(a.value) : -1;
}

// wasm.site.id in wasi:observe start-options' attributes (the value variant,
// s64), or -1.
function observeSiteId(attributes) {
  if (!Array.isArray(attributes)) return -1;
  const a = attributes[2]?.key === SITE_ID ? attributes[2] : attributes.find((x) => x?.key === SITE_ID);
  const v = a?.value;
  return v?.tag === 's64' && v.val >= 0n && v.val < 2n ** 32n ? Number(v.val) : -1;
}

// wasi:otel/tracing from the recorder. on-start carries only the span's
// context: the host keeps the span id on a stack of its own and enters a
// pending frame (the recorder's enterPending, as the placeholder site
// `unnamed`); on-end carries the span with its site (wasm.site.id) and names
// and ends that frame (exitAs; error status when the guest says error). The
// recorder nests the frames, makes the ids and reads its clock as it does for
// the hooks (at on-start and on-end); the guest's own ids and times are not
// used. outer-span-context is the invalid context: the guest asks for it
// when its stack is empty, and then nothing of the recorder's is open either
// (every span of the component's is the guest's), so there is no trace to
// join; the guest's ids stay its own and never reach the outputs.
// `sites`: the named sites are 0 .. sites-1.
export function otelTracer(rec, sites, unnamed) {
  const open = []; // span ids started and not ended, outermost first
  let memory = null; // the guest shim's (found by instantiating)
  const end = (site, error) => rec.exitAs(site >= 0 && site < sites ? site : unnamed, error);
  // The site of the i-th open span from the guest shim's stack: the frame
  // that holds its span id, i or higher (a muted site's frame opens no span
  // but takes a slot), else -1.
  function guestSite(i, spanId) {
    const f = GUEST_FRAMES;
    if (!memory) return -1;
    const view = Buffer.from(memory.buffer);
    for (let j = i; j < f.maxDepth; j++) {
      const at = f.base + j * f.size;
      if (view.length < at + f.size) return -1;
      if (view.toString('latin1', at + f.spanId, at + f.spanId + 16) === spanId) return view.readUInt32LE(at + f.site);
    }
    return -1;
  }
  // Ends, innermost first and with error status, the spans started and not
  // ended above the first `keep`, named from the guest's stack.
  function endStarted(keep = 0) {
    while (open.length > keep) {
      const i = open.length - 1;
      end(guestSite(i, open[i]), true);
      open.pop();
    }
  }
  return {
    imports: {
      onStart(context) {
        open.push(context.spanId);
        rec.enterPending(unnamed);
      },
      onEnd(span) {
        const spanId = span.spanContext.spanId;
        if (open[open.length - 1] !== spanId) {
          const k = open.lastIndexOf(spanId);
          if (k < 0) return; // never started here: the recorder has no frame for it
          endStarted(k + 1); // the guest ends inner spans first: those above never ended
        }
        open.pop();
        end(otelSiteId(span.attributes), span.status?.tag === 'error');
      },
      outerSpanContext: () => INVALID_CONTEXT,
    },
    // A core module about to be instantiated: the guest shim's (it imports
    // wasi:otel/tracing and its memory as env.memory) has the stack.
    instantiating(importObject) {
      const m = importObject?.env?.memory;
      if (importObject?.[OTEL_CORE] && m instanceof WebAssembly.Memory) memory = m;
    },
    // The spans the guest started and will never end (exit(), a trap).
    endStarted: () => endStarted(0),
  };
}

// wasi:observe/tracer from the recorder: start(name, options) is the
// recorder's enter of the site in wasm.site.id, the span's end its exit
// (exitAs: with error status after set-status(error)); the drop does nothing
// more. The guest ends its spans innermost first; a span ended out of order
// goes through the recorder's exit rule (the frames above it unwound).
export function observeTracer(rec) {
  const open = []; // spans started and not ended, outermost first
  class Span {
    constructor(site) { this.site = site; this.error = false; this.ended = false; }
    end() {
      if (this.ended) return;
      this.ended = true;
      const k = open.lastIndexOf(this);
      if (k < 0) return;
      if (k === open.length - 1 && rec.exitAs) rec.exitAs(this.site, this.error);
      else rec.exit(this.site); // out of order (or a recorder without exitAs: sampled time, profile only)
      open.length = k;
    }
    setStatus(status) { this.error = status?.tag === 'error'; }
    [Symbol.dispose]() {}
  }
  return {
    Span,
    start(name, options) {
      const site = observeSiteId(options?.attributes);
      rec.enter(site < 0 ? 0xffffffff : site); // an id past the table: counted, ignored
      const span = new Span(site < 0 ? 0xffffffff : site);
      open.push(span);
      return span;
    },
  };
}

// Runs the component. `startRecording(sitesSource)`, `describeTrap(e)` and
// `die(msg)` are wasm-observe-run.mjs's, so that the recorder, its outputs and
// the trap lines are the module path's.
export async function runComponent({ componentPath, bytes, progArgs, opts, startRecording, describeTrap, die }) {
  const what = componentPath;
  let table;
  try { table = topLevelCustomSection(bytes, SITES_SECTION); } catch (e) { die(`${what}: not a valid component: ${e.message}`); }
  const deps = dependencies(die);
  const { dir, meta } = await transpiled(bytes, deps, what, die);
  const uses = (name) => meta.imports.includes(name);
  for (const name of TRACERS) if (uses(name) && !table) die(`${what}: imports ${name} but has no ${SITES_SECTION} section`);
  for (const name of [OTEL, OBSERVE]) {
    if (uses(name) && bytes.indexOf(SITE_ID) < 0) {
      die(`${what}: imports ${name}, but its guest shim names no ${SITE_ID} (an older wasm-instrument): instrument it again`);
    }
  }
  if (uses(OTEL) && opts.profileTiming === 'sampled') {
    die(`${what}: --profile-timing sampled: not for ${OTEL} (its spans are named when they end); instrument with --link hooks or wasi-observe`);
  }
  const runExport = meta.exports.find(([name, kind]) => kind === 'instance' && /^wasi:cli\/run@/.test(name));
  if (!runExport) die(`${what}: not a WASI command component (it exports no wasi:cli/run)`);

  let shim;
  try {
    const { WASIShim } = await import(pathToFileURL(deps.shim).href);
    shim = new WASIShim({ sandbox: { args: [path.basename(componentPath), ...progArgs], env: {} } });
  } catch (e) { die(`${what}: ${SHIM}: ${e.message}`); }
  const imports = shim.getImportObject();
  // Every import must be WASI (as the shim has it) or a tracing interface.
  const missing = meta.imports.filter((name) => !TRACERS.includes(name) && !Object.hasOwn(imports, name));
  if (missing.length) die(`${what}: imports ${missing.join(', ')}, which this host does not provide (WASI from ${SHIM}, ${TRACERS.join(', ')})`);

  // Traced when the component carries a site table; the recorder is created
  // once, before the component is instantiated. For wasi:otel its sites have
  // one more: what a span is until its on-end names it.
  let sites = table;
  let unnamed = -1;
  if (table && uses(OTEL)) {
    try { ({ table: sites, id: unnamed } = withExtraSite(table, UNNAMED_SPAN)); } catch (e) { die(`${what}: bad ${SITES_SECTION} section: ${e.message}`); }
  }
  const recording = table ? startRecording(siteTableModule(sites)) : null;
  let otel = null;
  if (recording) {
    const { rec } = recording;
    if (uses(HOOKS)) {
      const { enter, exit } = rec.hooks()[HOOK_MODULE];
      imports[HOOKS] = { enter, exit };
    }
    if (uses(OTEL)) {
      otel = otelTracer(rec, unnamed, unnamed);
      imports[OTEL] = otel.imports;
    }
    if (uses(OBSERVE)) imports[OBSERVE] = observeTracer(rec);
    // wasi:cli/exit ends the process from inside the call: write and flush
    // the outputs on the way out (the open spans end with error status).
    process.on('exit', () => {
      otel?.endStarted();
      recording.finishSync();
    });
    if (recording.otlp) await recording.otlp.ready; // its worker thread, before the program fills the queue
  } else if (opts.otlpUrl || opts.otlp || opts.chrome || opts.folded || opts.foldedCalls || opts.flameGraph || opts.summary || opts.counters) {
    process.on('exit', (code) => {
      if (code !== 2) fs.writeSync(2, `wasm-observe: ${path.basename(componentPath)} is not instrumented (no ${SITES_SECTION} section): it ran untraced, no trace written\n`);
    });
  }

  let instantiate;
  try {
    ({ instantiate } = await import(pathToFileURL(path.join(dir, 'component.js')).href));
  } catch (e) { die(`${what}: cannot load the transpiled component in ${dir}: ${e.message}`); }

  // The core modules' hook imports: the recorder's own enter/exit, not jco's
  // lowering of the component import (a host call through its task
  // bookkeeping, ~20 us a pair; the hooks take one u32, return nothing and
  // never call back into the component, so the lowering has nothing else to
  // do). jco's instantiate takes the function that instantiates each core
  // module: the hooks are swapped there. WASM_OBSERVE_COMPONENT_HOOKS=jco
  // keeps jco's lowering (for comparison).
  // (Only with the hooks import: with wasi-otel or wasi-observe the core
  // modules' hooks are the guest shim's exports.)
  const direct = recording && uses(HOOKS) && process.env.WASM_OBSERVE_COMPONENT_HOOKS !== 'jco' ? recording.rec.hooks()[HOOK_MODULE] : null;
  const instantiateCore = (module, importObject) => {
    const lowered = importObject?.[HOOK_MODULE];
    if (direct && lowered) {
      const hooks = { ...lowered };
      for (const name of ['enter', 'exit']) if (Object.hasOwn(hooks, name)) hooks[name] = direct[name];
      importObject = { ...importObject, [HOOK_MODULE]: hooks };
    }
    otel?.instantiating(importObject);
    return WebAssembly.instantiate(module, importObject);
  };

  let code = 0;
  try {
    const instance = await instantiate((file) => WebAssembly.compile(fs.readFileSync(path.join(dir, file))), imports, instantiateCore);
    const run = instance[runExport[0]] ?? instance.run;
    if (typeof run?.run !== 'function') die(`${what}: the instance has no wasi:cli/run`);
    run.run();
  } catch (e) {
    const trap = describeTrap(e);
    otel?.endStarted(); // the guest's spans the trap or exception cut through
    if (trap !== null) {
      recording?.rec.unwind(); // the spans the trap cut through
      fs.writeSync(2, `trap: ${trap}\n`);
      code = TRAP_EXIT;
    } else if (isComponentError(e)) {
      code = 1; // run returned err
    } else {
      recording?.rec.unwind();
      if (recording) await recording.finish(2);
      throw e;
    }
  }
  otel?.endStarted();
  if (recording) await recording.finish(code);
  else process.exitCode = code;
}
