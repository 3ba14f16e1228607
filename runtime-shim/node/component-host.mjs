// wasm-observe run for a WASI command component (wasm-observe-run.mjs
// dispatches here when the file's preamble is a component's): the component
// is transpiled to JS by jco, given WASI by @bytecodealliance/preview2-shim's
// WASIShim and the recorder's hooks as the instance
// `wasm-instrument:hooks/trace`, and its `wasi:cli/run` is called.
//
// - Sites: the component's own custom section `wasm-instrument.sites` (of the
//   top-level component: one table for all its core modules, ids global over
//   the component; docs/hook-contract.md). The recorder gets a core module
//   holding that table, so every backend reads it as it reads a module's.
// - The core modules import the recorder's enter/exit directly (swapped in
//   by the instantiateCore function given to jco's instantiate), not jco's
//   lowering of the component import, which costs ~20 us a call
//   (WASM_OBSERVE_COMPONENT_HOOKS=jco keeps it).
// - A component without the table and without the hooks import runs
//   untraced (no recorder; no output file; a line on stderr when outputs were
//   asked for). One that imports the hooks without a table is refused, and so
//   is one with imports neither the WASI shim nor the hooks provide (e.g.
//   wasi:otel/tracing after --link wasi-otel).
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
import { HOOK_MODULE, SITES_SECTION } from './wasm-observe.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOOKS = 'wasm-instrument:hooks/trace'; // jco's import name: without the version
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

// Runs the component. `startRecording(sitesSource)`, `describeTrap(e)` and
// `die(msg)` are wasm-observe-run.mjs's, so that the recorder, its outputs and
// the trap lines are the module path's.
export async function runComponent({ componentPath, bytes, progArgs, opts, startRecording, describeTrap, die }) {
  const what = componentPath;
  let table;
  try { table = topLevelCustomSection(bytes, SITES_SECTION); } catch (e) { die(`${what}: not a valid component: ${e.message}`); }
  const deps = dependencies(die);
  const { dir, meta } = await transpiled(bytes, deps, what, die);
  const importsHooks = meta.imports.includes(HOOKS);
  if (importsHooks && !table) die(`${what}: imports ${HOOKS} but has no ${SITES_SECTION} section`);
  const runExport = meta.exports.find(([name, kind]) => kind === 'instance' && /^wasi:cli\/run@/.test(name));
  if (!runExport) die(`${what}: not a WASI command component (it exports no wasi:cli/run)`);

  let shim;
  try {
    const { WASIShim } = await import(pathToFileURL(deps.shim).href);
    shim = new WASIShim({ sandbox: { args: [path.basename(componentPath), ...progArgs], env: {} } });
  } catch (e) { die(`${what}: ${SHIM}: ${e.message}`); }
  const imports = shim.getImportObject();
  // Every import must be WASI (as the shim has it) or the hooks.
  const missing = meta.imports.filter((name) => name !== HOOKS && !Object.hasOwn(imports, name));
  const tracer = missing.find((name) => /^wasi:(otel|observe)\//.test(name));
  if (tracer) {
    die(`${what}: imports ${tracer}: it was instrumented for a WASI otel/observe host (--link wasi-otel or wasi-observe); for this host instrument it with --link hooks`);
  }
  if (missing.length) die(`${what}: imports ${missing.join(', ')}, which this host does not provide (WASI from ${SHIM}, and ${HOOKS})`);

  // Traced when the component carries a site table; the recorder is created
  // once, before the component is instantiated.
  const recording = table ? startRecording(siteTableModule(table)) : null;
  if (recording) {
    const { enter, exit } = recording.rec.hooks()[HOOK_MODULE];
    imports[HOOKS] = { enter, exit };
    // wasi:cli/exit ends the process from inside the call: write and flush
    // the outputs on the way out (the open spans end with error status).
    process.on('exit', () => recording.finishSync());
    if (recording.otlp) await recording.otlp.ready; // its worker thread, before the program fills the queue
  } else if (opts.otlpUrl || opts.otlp || opts.chrome || opts.folded || opts.foldedCalls || opts.flameGraph || opts.summary || opts.counters) {
    process.on('exit', (code) => {
      if (code !== 2) fs.writeSync(2, `wasm-observe: ${path.basename(componentPath)} is not instrumented (no ${HOOKS} import): it ran untraced, no trace written\n`);
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
  const direct = recording && process.env.WASM_OBSERVE_COMPONENT_HOOKS !== 'jco' ? recording.rec.hooks()[HOOK_MODULE] : null;
  const instantiateCore = (module, importObject) => {
    const lowered = importObject?.[HOOK_MODULE];
    if (direct && lowered) {
      const hooks = { ...lowered };
      for (const name of ['enter', 'exit']) if (Object.hasOwn(hooks, name)) hooks[name] = direct[name];
      importObject = { ...importObject, [HOOK_MODULE]: hooks };
    }
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
  if (recording) await recording.finish(code);
  else process.exitCode = code;
}
