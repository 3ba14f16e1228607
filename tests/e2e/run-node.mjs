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
// Frames deeper than this are counted as truncated, not recorded (a tail call
// that became a real call would otherwise make O(depth^2) output).
const MAX_DEPTH = Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH ?? '', 10) > 0
  ? Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH, 10) : 1000;
const TRAP_EXIT = 134;

function die(msg) {
  process.stderr.write(`run-node: ${msg}\n`);
  process.exit(2);
}

const [modulePath, traceOut, ...progArgs] = process.argv.slice(2);
if (!modulePath || !traceOut) die('usage: run-node.mjs MODULE.wasm TRACE_OUT [args...]');

// ---- site table -----------------------------------------------------------

class Reader {
  constructor(bytes) { this.b = bytes; this.p = 0; }
  byte() {
    if (this.p >= this.b.length) throw new Error('truncated section');
    return this.b[this.p++];
  }
  u32() {
    let result = 0, shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && (b & 0xf0) !== 0) throw new Error('u32 LEB128 out of range');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new Error('u32 LEB128 too long');
  }
  name() {
    const len = this.u32();
    if (len > this.b.length - this.p) throw new Error('name runs past the end of the section');
    const s = Buffer.from(this.b.subarray(this.p, this.p + len)).toString('latin1');
    this.p += len;
    return s;
  }
}

function sanitize(name) {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x3b) out += ':';
    else if (c < 0x20 || c === 0x7f) out += '?';
    else out += name[i];
  }
  return out;
}

function parseSites(mod) {
  const secs = WebAssembly.Module.customSections(mod, SITES_SECTION);
  if (secs.length === 0) return null;
  if (secs.length > 1) die(`${secs.length} ${SITES_SECTION} sections`);
  const r = new Reader(new Uint8Array(secs[0]));
  try {
    const version = r.u32();
    if (version !== 1) throw new Error(`unknown site table version ${version}`);
    const count = r.u32();
    if (count > r.b.length) throw new Error(`site count ${count} larger than the section`);
    const names = [];
    for (let i = 0; i < count; i++) {
      const kind = r.byte();
      r.byte(); // flags
      r.u32(); // input index
      r.u32(); // output index
      const display = r.name();
      r.name(); r.name(); r.name(); // symbol, module, field
      let prefix;
      if (kind === 0) prefix = '';
      else if (kind === 1) prefix = 'import:';
      else if (kind === 2) prefix = 'export:';
      else throw new Error(`site ${i}: unknown kind ${kind}`);
      names.push(prefix + sanitize(display));
    }
    if (r.p !== r.b.length) throw new Error(`${r.b.length - r.p} trailing bytes`);
    return names;
  } catch (e) {
    die(`bad ${SITES_SECTION} section: ${e.message}`);
  }
}

// ---- recorder ---------------------------------------------------------------

class Recorder {
  constructor(names) {
    this.names = names || [];
    this.root = { children: new Map(), count: 0 };
    this.stack = []; // {id, node}
    this.unbalanced = 0;
    this.invalid = 0;
    this.truncated = 0;
  }
  enter(id) {
    id >>>= 0;
    if (id >= this.names.length) this.invalid++;
    const depth = this.stack.length;
    let node = null;
    if (depth >= MAX_DEPTH) {
      this.truncated++;
    } else {
      const parent = depth === 0 ? this.root : this.stack[depth - 1].node;
      node = parent.children.get(id);
      if (!node) { node = { children: new Map(), count: 0 }; parent.children.set(id, node); }
      node.count++;
    }
    this.stack.push({ id, node });
  }
  exit(id) {
    id >>>= 0;
    const s = this.stack;
    if (s.length > 0 && s[s.length - 1].id === id) { s.pop(); return; }
    this.unbalanced++;
    for (let k = s.length - 1; k >= 0; k--) {
      if (s[k].id === id) { s.length = k; return; }
    }
  }
  name(id) { return id < this.names.length ? this.names[id] : `?[${id}]`; }
  folded() {
    const lines = [];
    const walk = (node, prefix) => {
      for (const [id, child] of node.children) {
        const p = prefix === null ? this.name(id) : `${prefix};${this.name(id)}`;
        lines.push(`${p} ${child.count}`);
        walk(child, p);
      }
    };
    // Iterative-enough: depth is bounded by MAX_DEPTH.
    walk(this.root, null);
    lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    lines.push(`# unbalanced ${this.unbalanced} open ${this.stack.length} invalid ${this.invalid} truncated ${this.truncated}`);
    return lines.join('\n') + '\n';
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
