#!/usr/bin/env node
// End-to-end host for Node.js (V8).
//
//   node run-node.mjs MODULE.wasm TRACE_OUT [args...]
//
// Instantiates MODULE with WASI preview1 (when imported), the env.print_* helpers
// and the wasm-instrument hooks (when imported), runs `_start` (or `run`), and
// writes the hook events as folded stacks with call counts to TRACE_OUT.
// The trace format is shared with wasm2c-host.c and must stay byte-identical:
//
//   <frame>;<frame>;... <calls>      one line per distinct stack, sorted bytewise
//   # unbalanced U open O invalid I truncated T
//
// frames: function site = display name, import site = "import:" + display,
// export site = "export:" + display. In names ';' becomes ':' and bytes below
// 0x20 and 0x7f become '?'; names are treated as raw bytes (latin1), never decoded.
// An id outside the site table shows as "?[ID]" and counts as invalid.
// unbalanced: exits that did not match the top of the stack (an exit whose id is
//   deeper in the stack closes the spans above it; an exit with no open span is
//   ignored). open: spans still open when the program ended (proc_exit, trap).
// truncated: enters deeper than MAX_DEPTH frames (not recorded in the stacks).
//
// Exit status: the program's exit code; 134 after a trap or an uncaught wasm
// exception (a line "trap: ..." goes to stderr); 2 for a host usage/setup error.

import fs from 'node:fs';
import path from 'node:path';
import { Recorder, siteNames } from './folded-trace.mjs';
import { compiledModuleRefs } from '../../runtime-shim/node/site-table.mjs';

// node:wasi prints an ExperimentalWarning on stderr; the program's stderr must
// pass through unchanged, so drop that one warning.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).includes('WASI')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import('node:wasi');

const HOOK_MODULE = 'wasm-instrument:hooks/trace@0.1.0';
const SITES_SECTION = 'wasm-instrument.sites';
const TRAP_EXIT = 134;

function die(msg) {
  process.stderr.write(`run-node: ${msg}\n`);
  process.exit(2);
}

const [modulePath, traceOut, ...progArgs] = process.argv.slice(2);
if (!modulePath || !traceOut) die('usage: run-node.mjs MODULE.wasm TRACE_OUT [args...]');

function parseSites(mod) {
  const secs = WebAssembly.Module.customSections(mod, SITES_SECTION);
  if (secs.length === 0) return null;
  if (secs.length > 1) die(`${secs.length} ${SITES_SECTION} sections`);
  try {
    return siteNames(new Uint8Array(secs[0]), compiledModuleRefs(mod));
  } catch (e) {
    die(`bad ${SITES_SECTION} section: ${e.message}`);
  }
}

// ---- instantiate and run -----------------------------------------------------

let bytes;
try { bytes = fs.readFileSync(modulePath); } catch (e) { die(`cannot read ${modulePath}: ${e.message}`); }
let mod;
try { mod = new WebAssembly.Module(bytes); } catch (e) { die(`cannot compile ${modulePath}: ${e.message}`); }

const importDescs = WebAssembly.Module.imports(mod);
const usesWasi = importDescs.some((d) => d.module === 'wasi_snapshot_preview1');
const rec = new Recorder(parseSites(mod));

function writeOut(fd, s) { fs.writeSync(fd, s); }

const env = {
  print_i32: (x) => writeOut(1, `${x | 0}\n`),
  print_i64: (x) => writeOut(1, `${BigInt.asIntN(64, x)}\n`),
};
const hooks = {
  enter: (id) => rec.enter(id),
  exit: (id) => rec.exit(id),
};

let wasi = null;
const imports = {};
if (usesWasi) {
  wasi = new WASI({
    version: 'preview1',
    args: [path.basename(modulePath), ...progArgs],
    env: {},
    returnOnExit: true,
  });
  imports.wasi_snapshot_preview1 = wasi.wasiImport;
}
const provided = { env, [HOOK_MODULE]: hooks };
for (const d of importDescs) {
  if (d.module === 'wasi_snapshot_preview1') continue;
  const m = Object.hasOwn(provided, d.module) ? provided[d.module] : null;
  if (!m || !Object.hasOwn(m, d.name) || d.kind !== 'function') {
    die(`unsupported import ${d.module}.${d.name} (${d.kind})`);
  }
  imports[d.module] = m;
}

function finish(code) {
  fs.writeFileSync(traceOut, Buffer.from(rec.folded(), 'latin1'));
  process.exitCode = code;
}

function describe(e) {
  if (e instanceof WebAssembly.RuntimeError) return e.message;
  if (e instanceof RangeError) return `stack exhausted (${e.message})`;
  if (typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception) {
    return 'uncaught wasm exception';
  }
  return null;
}

let code = 0;
try {
  const instance = new WebAssembly.Instance(mod, imports); // runs the start function
  const ex = instance.exports;
  if (typeof ex._start === 'function') {
    if (wasi) code = wasi.start(instance) ?? 0;
    else ex._start();
  } else if (typeof ex.run === 'function') {
    if (wasi) wasi.initialize(instance);
    ex.run();
  }
} catch (e) {
  const what = describe(e);
  if (what === null) { finish(2); throw e; }
  writeOut(2, `trap: ${what}\n`);
  code = TRAP_EXIT;
}
finish(code);
